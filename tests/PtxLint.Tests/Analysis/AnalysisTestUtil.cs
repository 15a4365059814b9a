using PtxLint.Analysis;
using PtxLint.Ir;

namespace PtxLint.Tests.Analysis;

internal static class AnalysisTestUtil
{
    public const string Header = ".version 8.7\n.target sm_100a\n.address_size 64\n\n";

    public static PtxModule Parse(string body)
    {
        var module = ParseText("test.ptx", Header + body);
        Assert.True(module.Errors.Count == 0, "syntax errors: " + string.Join("; ", module.Errors.Select(e => $"{e.Span}: {e.Message}")));
        return module;
    }

    public static PtxModule ParseText(string path, string text) => PtxLint.Syntax.PtxParserDriver.Parse(path, text);

    public static PtxFunction Fn(string body, string? name = null)
    {
        var m = Parse(body);
        return name is null ? m.Functions.First(f => f.HasBody) : m.FindFunction(name)!;
    }

    /// <summary>The one instruction whose text (as printed) starts with <paramref name="prefix"/>.</summary>
    public static Instruction I(PtxFunction fn, string prefix)
    {
        var hits = fn.Instructions.Where(i => i.ToString().StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.True(hits.Count == 1, $"expected one instruction starting with '{prefix}', found {hits.Count}: " +
                                     string.Join(" | ", fn.Instructions.Select(i => i.ToString())));
        return hits[0];
    }

    /// <summary>The timings <paramref name="run"/> books, as under <c>--stats</c> (the thread's collector is restored after).</summary>
    public static AnalysisTimings Timed(Action run)
    {
        var timings = new AnalysisTimings();
        var saved = AnalysisTimings.Current;
        AnalysisTimings.Current = timings;
        try { run(); }
        finally { AnalysisTimings.Current = saved; }
        return timings;
    }

    public static RegisterOperand Use(Instruction insn, string name) => insn.Uses.First(u => u.FullName == name);

    public static BasicBlock Block(PtxFunction fn, string label) =>
        fn.Analyses.Cfg.Blocks.Single(b => b.Labels.Contains(label));
}
