using PtxLint.Engine;
using PtxLint.Tests.Support;
using Xunit.Abstractions;

namespace PtxLint.Tests.Rules;

/// <summary>
/// Every rule over the shared corpus of real PTX (mostly correct code): the count of findings per rule is recorded
/// here and checked, so a change that makes a rule noisy (or silent) on real code is seen. Each remaining finding
/// kind was reviewed; the closing notes of issue 3 and the rules' docs pages say why they are right or a known limit.
/// </summary>
public class CorpusFindingCountsTests
{
    private readonly ITestOutputHelper _out;
    public CorpusFindingCountsTests(ITestOutputHelper output) { _out = output; }

    /// <summary>Reviewed counts on ../shared/corpus (703 files), every rule enabled (PTX010 is off by default).</summary>
    private static readonly Dictionary<string, int> Expected = new()
    {
        ["PTX001"] = 0, ["PTX002"] = 0, ["PTX003"] = 0, ["PTX004"] = 0, ["PTX005"] = 320,
        ["PTX006"] = 0, ["PTX007"] = 0, ["PTX008"] = 0, ["PTX009"] = 1926, ["PTX010"] = 16811,
    };

    [SharedCorpusFact]
    public void Findings_per_rule_on_the_shared_corpus_match_the_reviewed_counts()
    {
        var rules = PtxLint.Rules.RuleRegistry.All;
        var engine = new AnalysisEngine(new AnalysisOptions { Rules = rules, Select = rules.Select(r => r.Descriptor.Id).ToList() });
        var counts = rules.ToDictionary(r => r.Descriptor.Id, _ => 0);
        var files = Corpus.Shared().Where(f => !Corpus.IsMarkedInvalid(f)).ToList();
        foreach (var f in files)
            foreach (var finding in engine.AnalyzeText(f.Name, f.Text).Findings)
                if (counts.ContainsKey(finding.Rule.Id)) counts[finding.Rule.Id]++;
        _out.WriteLine($"{files.Count} files");
        foreach (var (id, n) in counts.OrderBy(k => k.Key)) _out.WriteLine($"{id}: {n}");
        var diffs = counts.Where(kv => Expected.GetValueOrDefault(kv.Key, -1) != kv.Value)
            .Select(kv => $"{kv.Key}: {kv.Value} findings, reviewed count {Expected.GetValueOrDefault(kv.Key, -1)}").ToList();
        Assert.True(diffs.Count == 0, "per-rule counts on the corpus changed (review the new findings, then update Expected):\n" + string.Join("\n", diffs));
    }
}
