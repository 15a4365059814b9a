using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Tests.Support;
using Xunit.Abstractions;

namespace PtxLint.Tests.Rules;

/// <summary>
/// The ecosystem check, as ruff runs its rules over real repositories: every finding of the default rules on
/// ../shared/corpus must be listed in the reviewed baseline (ecosystem/baseline.tsv) with a reason, and every
/// baseline entry must still fire. A rule that gains or loses findings on real code fails here until the baseline is
/// reviewed and regenerated (`ptxlint ecosystem ../shared/corpus --baseline ecosystem/baseline.tsv --reasons
/// ecosystem/reasons.tsv --update`).
/// </summary>
public class EcosystemBaselineTests
{
    private readonly ITestOutputHelper _out;
    public EcosystemBaselineTests(ITestOutputHelper output) { _out = output; }

    private static string BaselinePath => Path.Combine(Repo.Root, "ecosystem", "baseline.tsv");

    [SharedCorpusFact]
    public void Every_finding_on_the_shared_corpus_is_in_the_reviewed_baseline_and_every_entry_still_fires()
    {
        var baseline = Ecosystem.Load(BaselinePath);
        var engine = new AnalysisEngine(new AnalysisOptions { Rules = PtxLint.Rules.RuleRegistry.All });
        var actual = Ecosystem.Run(Repo.SharedCorpus, engine, threads: 2);
        var now = Ecosystem.Counts(actual);
        var before = Ecosystem.Counts(baseline);
        foreach (var key in now.Keys.Union(before.Keys).OrderBy(k => k))
            _out.WriteLine($"{key.Rule} {key.Level}: {now.GetValueOrDefault(key)} (baseline {before.GetValueOrDefault(key)})");
        var diff = Ecosystem.Compare(actual, baseline);
        Assert.True(diff.Added.Count == 0,
            "findings not in the reviewed baseline (review them, then regenerate it):\n" +
            string.Join("\n", diff.Added.Take(40).Select(e => $"{e.File} {e.Function} {e.Rule} {e.Level} {e.Category} x{e.Count}")));
        Assert.True(diff.Gone.Count == 0,
            "baseline entries that no longer fire (a rule lost findings: check them, then regenerate the baseline):\n" +
            string.Join("\n", diff.Gone.Take(40).Select(e => $"{e.File} {e.Function} {e.Rule} {e.Level} {e.Category} x{e.Count}: {e.Reason}")));
    }

    [Fact]
    public void Every_baseline_entry_has_a_reviewed_reason()
    {
        var baseline = Ecosystem.Load(BaselinePath);
        Assert.NotEmpty(baseline);
        Assert.All(baseline, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason) || e.Reason == Ecosystem.Unreviewed, $"{e.File} {e.Function} {e.Rule}: no reason"));
        // An error on shipped NVIDIA code is presumed false: it needs evidence from the GPU, not a known limit.
        Assert.All(baseline.Where(e => e.File.StartsWith("device/", StringComparison.Ordinal) && e.Level == "error"),
            e => Assert.StartsWith("true:", e.Reason));
    }

    [Fact]
    public void The_check_reports_new_and_gone_entries()
    {
        var a = new EcosystemEntry("f.ptx", "k", "PTX005", "error", "continue", 2, "");
        var b = new EcosystemEntry("g.ptx", "k", "PTX001", "warning", "CvtaTo64", 1, "true: x");
        var diff = Ecosystem.Compare(new[] { a }, new[] { a with { Count = 1, Reason = "r" }, b });
        Assert.Equal(1, Assert.Single(diff.Added).Count);
        Assert.Equal(b, Assert.Single(diff.Gone));
        Assert.True(Ecosystem.Compare(new[] { a }, new[] { a }).IsEmpty);
    }
}
