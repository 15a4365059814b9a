using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Rules;
using PtxLint.Syntax;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

/// <summary>
/// What each rule declares in its descriptor holds: the analyses it lists are the ones its check computes (run alone
/// on fresh modules); its prefilter (<see cref="RuleDescriptor.AppliesTo"/>) never hides a finding (with the
/// prefilter and with every function handed to it, the rule reports the same); and a
/// <see cref="RuleDescriptor.PerFunction"/> rule reports the same run one function at a time, with each function's
/// analyses dropped after it, as run over the whole module. On the project's PTX and the shared corpus files up to 1 MB.
/// </summary>
public sealed class RuleDeclarationsTests
{
    private static IReadOnlyList<CorpusFile> Inputs { get; } = LoadInputs();

    private static IReadOnlyList<CorpusFile> LoadInputs()
    {
        var list = Corpus.Own().ToList();
        if (Repo.HasShared) list.AddRange(Corpus.Shared().Where(f => f.Text.Length <= 1_000_000));
        return list;
    }

    public static IEnumerable<object[]> RuleIds => RuleRegistry.All.Select(r => new object[] { r.Descriptor.Id });

    private static PtxModule Parse(CorpusFile f) => PtxParserDriver.Parse(f.Name, f.Text, new ParseOptions(Parallel: false));

    private static List<string> Run(IRule rule, PtxModule m, bool ignorePrefilter)
    {
        var sink = new List<Finding>();
        var d = rule.Descriptor;
        rule.Check(new RuleContext(m, d, d.DefaultLevel, new Dictionary<string, string>(), sink) { IgnorePrefilter = ignorePrefilter });
        return sink.Select(f => $"{f.Location.Span.StartLine}:{f.Location.Span.StartColumn} {f.Level} {f.Message}").ToList();
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void A_rule_computes_only_the_analyses_it_declares(string id)
    {
        var rule = RuleRegistry.All.Single(r => r.Descriptor.Id == id);
        var computed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in Inputs)
        {
            var m = Parse(f);
            AnalysisTimings.RecordComputed(computed);
            try { Run(rule, m, ignorePrefilter: false); }
            finally { AnalysisTimings.RecordComputed(null); }
        }
        var undeclared = computed.Except(rule.Descriptor.Analyses).Order(StringComparer.Ordinal).ToList();
        Assert.True(undeclared.Count == 0, $"{id} computes analyses it does not declare: {string.Join(", ", undeclared)} (declared: {string.Join(", ", rule.Descriptor.Analyses)})");
        // and nothing declared for show: every declared analysis is computed on some input
        var unused = rule.Descriptor.Analyses.Except(computed).ToList();
        Assert.True(unused.Count == 0 || !Repo.HasShared, $"{id} declares analyses it never computes: {string.Join(", ", unused)}");
    }

    /// <summary>
    /// Rules whose checks skip a function on a cheap pre-check of their own (beside or instead of a declared
    /// <see cref="RuleDescriptor.AppliesTo"/>), which <see cref="RuleContext.IgnorePrefilter"/> turns off too.
    /// </summary>
    private static readonly HashSet<string> OwnPrechecks = new(StringComparer.Ordinal) { "PTX003", "PTX012" };

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void A_prefilter_hides_no_finding(string id)
    {
        var rule = RuleRegistry.All.Single(r => r.Descriptor.Id == id);
        bool declared = !ReferenceEquals(rule.Descriptor.AppliesTo, FunctionFilter.AnyFunctionWithBody);
        if (!declared && !OwnPrechecks.Contains(id)) return; // nothing filtered
        int findings = 0, skipped = 0;
        foreach (var f in Inputs)
        {
            var filtered = Run(rule, Parse(f), ignorePrefilter: false);
            var m = Parse(f);
            var all = Run(rule, m, ignorePrefilter: true);
            Assert.True(all.SequenceEqual(filtered), $"{id} on {f.Name}: the prefilter ({rule.Descriptor.AppliesTo}) changes the findings:\n  all: {string.Join("\n       ", all)}\n  filtered: {string.Join("\n       ", filtered)}");
            findings += all.Count;
            skipped += m.Functions.Count(fn => fn.HasBody && !rule.Descriptor.AppliesTo.Matches(fn.Analyses.Facts));
        }
        if (declared) Assert.True(skipped > 0, $"{id}: the prefilter skipped no function on {Inputs.Count} inputs");
        else Assert.True(findings > 0, $"{id}: no finding on {Inputs.Count} inputs; the comparison showed nothing");
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void A_per_function_rule_reports_the_same_one_function_at_a_time(string id)
    {
        var rule = RuleRegistry.All.Single(r => r.Descriptor.Id == id);
        if (!rule.Descriptor.PerFunction) return; // run over the whole module, as declared
        int findings = 0;
        foreach (var f in Inputs)
        {
            var whole = Run(rule, Parse(f), ignorePrefilter: false);
            var m = Parse(f);
            var sink = new List<Finding>();
            var d = rule.Descriptor;
            var ctx = new RuleContext(m, d, d.DefaultLevel, new Dictionary<string, string>(), sink);
            foreach (var fn in m.Functions)
            {
                if (!fn.HasBody) continue;
                ctx.OnlyFunction = fn;
                rule.Check(ctx);
                fn.ReleaseAnalyses();
            }
            var perFunction = sink.Select(x => $"{x.Location.Span.StartLine}:{x.Location.Span.StartColumn} {x.Level} {x.Message}").ToList();
            Assert.True(whole.SequenceEqual(perFunction), $"{id} on {f.Name}: per function differs from per module:\n  module: {string.Join("\n          ", whole)}\n  function: {string.Join("\n          ", perFunction)}");
            findings += whole.Count;
        }
        Assert.True(findings > 0, $"{id}: no finding on {Inputs.Count} inputs; the comparison showed nothing");
    }
}
