using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Engine;

public sealed class SuppressionTests
{
    private static List<PtxLint.Diagnostics.Finding> Run(string text)
    {
        var engine = new AnalysisEngine(new AnalysisOptions { Rules = Fakes.Rules, Parser = Fakes.Parse });
        return engine.AnalyzeText("/k.ptx", text).Findings.ToList();
    }

    [Fact]
    public void Next_line_suppresses_that_line_only_and_keeps_the_justification()
    {
        var f = Run("// ptxlint-disable-next-line PTX101 the host pads it\nBAD\nBAD\n");
        Assert.Equal(2, f.Count);
        Assert.NotNull(f[0].Suppression);
        Assert.Equal("inSource", f[0].Suppression!.Kind);
        Assert.Equal("the host pads it", f[0].Suppression!.Justification);
        Assert.Equal(1, f[0].Suppression!.Location!.Span.StartLine);
        Assert.Null(f[1].Suppression);
    }

    [Fact]
    public void Range_and_file_suppressions_and_rule_names()
    {
        var f = Run("BAD\n  // ptxlint-disable PTX101\nBAD\nNOTE\n// ptxlint-enable PTX101\nBAD\n");
        Assert.Equal(new[] { false, true, false, false }, f.Select(x => x.Suppression is not null));
        f = Run("BAD // ptxlint-disable-file bad-thing, PTX102 -- generated code\nNOTE\nBAD\n");
        Assert.All(f, x => Assert.NotNull(x.Suppression));
        Assert.Equal("generated code", f[0].Suppression!.Justification);
        f = Run("// ptxlint-disable-next-line\nBAD NOTE\n");
        Assert.All(f, x => Assert.NotNull(x.Suppression));
    }

    [Fact]
    public void Unused_and_unknown_suppressions_are_PTX900_warnings()
    {
        var f = Run("// ptxlint-disable-next-line PTX101\nNOTE\n// ptxlint-disable-next-line PTX999 typo\nBAD\n");
        var unused = f.Where(x => x.Rule.Id == "PTX900").ToList();
        Assert.Equal(2, unused.Count);
        Assert.All(unused, u => Assert.Equal(PtxLint.Diagnostics.Level.Warning, u.Level));
        Assert.Equal(1, unused[0].Location.Span.StartLine);
        Assert.Contains("PTX101", unused[0].Message);
        Assert.Contains("'PTX999' is not a PtxLint rule id", unused[1].Message);
        Assert.Null(f.Single(x => x.Rule.Id == "PTX101").Suppression);
    }

    [Fact]
    public void Comment_markers_inside_strings_are_not_comments()
    {
        var d = SuppressionScanner.Scan(new SourceText(".file 1 \"a// ptxlint-disable-file PTX101\"\n"));
        Assert.Empty(d);
    }
}
