using System.CommandLine;
using PtxLint.Engine;

namespace PtxLint.Cli.Commands;

/// <summary>
/// <c>ptxlint ecosystem CORPUS --baseline FILE</c>: the ecosystem check. Runs the default rules over every .ptx /
/// .ptx.gz under CORPUS, prints the findings per rule and level next to the reviewed baseline, and the difference:
/// findings the baseline does not list and baseline entries that no longer fire. Exit 1 when there is a difference
/// or an entry without a reviewed reason; <c>--update</c> rewrites the baseline, keeping the reasons already there.
/// </summary>
public static class EcosystemCommand
{
    public static Command Create(CliContext ctx)
    {
        var corpus = new Argument<string>("CORPUS") { Description = "The corpus folder (e.g. ../shared/corpus): *.ptx and *.ptx.gz, searched recursively." };
        var baseline = new Option<string>("--baseline") { Description = "The reviewed baseline (TSV).", DefaultValueFactory = _ => "ecosystem/baseline.tsv" };
        var reasons = new Option<string?>("--reasons") { Description = "Reviewed reasons per rule, level and category, used by --update for new entries (TSV)." };
        var update = new Option<bool>("--update") { Description = "Rewrite the baseline from this run, keeping existing reasons (new entries get one from --reasons, or UNREVIEWED)." };
        var threads = new Option<int>("--threads") { Description = "Files analyzed at once (default: the number of processors).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("ecosystem", "Run the rules over a corpus and compare the findings with a reviewed baseline.")
        {
            corpus, baseline, reasons, update, threads,
        };
        cmd.SetAction(parse =>
        {
            var root = parse.GetValue(corpus)!;
            var basePath = parse.GetValue(baseline)!;
            if (!Directory.Exists(root))
            {
                ctx.Error.WriteLine($"ptxlint: error: cannot read '{root}': no such directory");
                return ExitCodes.Usage;
            }
            List<EcosystemEntry> old;
            try { old = File.Exists(basePath) ? Ecosystem.Load(basePath) : new List<EcosystemEntry>(); }
            catch (Exception e) when (e is FormatException or IOException)
            {
                ctx.Error.WriteLine($"ptxlint: error: {e.Message}");
                return ExitCodes.Usage;
            }
            var engine = new AnalysisEngine(new AnalysisOptions { Rules = ctx.Rules });
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var actual = Ecosystem.Run(root, engine, parse.GetValue(threads));
            var table = parse.GetValue(reasons) is { } rp && File.Exists(rp) ? Ecosystem.LoadReasonTable(rp) : new();
            var verdicts = Ecosystem.PtxasVerdicts(root);
            var withReasons = Ecosystem.WithReasons(actual, old, table, e => SyntaxReason(e, verdicts));

            var now = Ecosystem.Counts(actual);
            var before = Ecosystem.Counts(old);
            ctx.Out.WriteLine($"{"RULE",-8} {"LEVEL",-8} {"BASELINE",9} {"NOW",9}");
            foreach (var key in now.Keys.Union(before.Keys).OrderBy(k => k))
                ctx.Out.WriteLine($"{key.Rule,-8} {key.Level,-8} {before.GetValueOrDefault(key),9} {now.GetValueOrDefault(key),9}");
            var diff = Ecosystem.Compare(actual, old);
            foreach (var a in diff.Added)
                ctx.Out.WriteLine($"+ {a.File}\t{a.Function}\t{a.Rule}\t{a.Level}\t{a.Category}\t{a.Count}");
            foreach (var g in diff.Gone)
                ctx.Out.WriteLine($"- {g.File}\t{g.Function}\t{g.Rule}\t{g.Level}\t{g.Category}\t{g.Count}\t{g.Reason}");
            int unreviewed = withReasons.Count(e => e.Reason == Ecosystem.Unreviewed);
            ctx.Out.WriteLine($"{actual.Sum(e => e.Count)} findings in {actual.Count} entries; {diff.Added.Count} new, {diff.Gone.Count} gone, {unreviewed} without a reviewed reason ({sw.Elapsed.TotalSeconds:F1} s)");
            if (parse.GetValue(update))
            {
                Ecosystem.Write(basePath, withReasons,
                    "PtxLint ecosystem baseline: every finding of the default rules on ../shared/corpus, reviewed.\n" +
                    "Regenerate with: ptxlint ecosystem ../shared/corpus --baseline ecosystem/baseline.tsv --reasons ecosystem/reasons.tsv --update\n" +
                    "A reason says why the finding is there: a true bug with its evidence, or a known limit of the analysis.");
                ctx.Out.WriteLine($"wrote {basePath}");
                return unreviewed == 0 ? ExitCodes.Ok : ExitCodes.Findings;
            }
            return diff.IsEmpty && old.All(e => e.Reason != Ecosystem.Unreviewed) ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return cmd;
    }

    /// <summary>PTX000 and PTX013 on a file the manifest says ptxas rejects: ptxas's own first error is the reason.</summary>
    private static string? SyntaxReason(EcosystemEntry e, Dictionary<string, string> verdicts)
    {
        if (e.Rule is not ("PTX000" or "PTX013")) return null;
        return verdicts.TryGetValue(e.File, out var v) && v.StartsWith("fail", StringComparison.Ordinal)
            ? $"true: ptxas 13 rejects the file ({v})"
            : null;
    }
}
