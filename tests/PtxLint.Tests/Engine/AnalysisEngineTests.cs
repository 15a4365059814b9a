using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Engine;

public sealed class AnalysisEngineTests
{
    private static AnalysisEngine Engine(IReadOnlyList<IRule>? rules = null, ConfigResolver? config = null,
        IReadOnlyCollection<string>? select = null, IReadOnlyCollection<string>? ignore = null) =>
        new(new AnalysisOptions { Rules = rules ?? Fakes.Rules, Parser = Fakes.Parse, Config = config, Select = select, Ignore = ignore });

    [Fact]
    public void Expands_files_directories_and_globs_and_sorts()
    {
        using var tmp = new TempDir();
        var a = tmp.Write("build/x/a.ptx", "");
        var b = tmp.Write("build/b.ptx", "");
        var c = tmp.Write("other/c.ptx", "");
        tmp.Write("build/readme.txt", "");
        var named = tmp.Write("other/d.txt", "");

        var (files, errors) = InputExpander.Expand(new[] { Path.Combine(tmp.Path, "build"), named });
        Assert.Empty(errors);
        Assert.Equal(new[] { b, a, named }.OrderBy(x => x, StringComparer.Ordinal), files);

        (files, errors) = InputExpander.Expand(new[] { tmp.Path + "/**/*.ptx" });
        Assert.Empty(errors);
        Assert.Equal(new[] { a, b, c }.OrderBy(x => x, StringComparer.Ordinal), files);

        (files, errors) = InputExpander.Expand(new[] { tmp.Path + "/build/*.ptx" });
        Assert.Equal(new[] { b }, files);

        (files, errors) = InputExpander.Expand(new[] { Path.Combine(tmp.Path, "nope.ptx"), tmp.Path + "/zzz/**/*.ptx", tmp.Path + "/*.nothing" });
        Assert.Empty(files);
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Reason == "No such file or directory");
        Assert.Contains(errors, e => e.Reason == "no files match the pattern");
    }

    [Theory]
    [InlineData("**/*.ptx", "a.ptx", true)]
    [InlineData("**/*.ptx", "x/y/a.ptx", true)]
    [InlineData("build/**/*.ptx", "build/a.ptx", true)]
    [InlineData("build/**/*.ptx", "src/a.ptx", false)]
    [InlineData("*.ptx", "x/a.ptx", false)]
    [InlineData("k?.ptx", "k1.ptx", true)]
    [InlineData("k[0-9].ptx", "kx.ptx", false)]
    public void Glob_matches(string pattern, string path, bool expected) => Assert.Equal(expected, new Glob(pattern).Matches(path));

    [Fact]
    public void Reports_syntax_errors_runs_rules_sorts_and_reads_a_bom()
    {
        using var tmp = new TempDir();
        var p = tmp.Path + "/k.ptx";
        File.WriteAllText(p, "NOTE BAD\nSYNTAX\nBAD\n", new System.Text.UTF8Encoding(true));
        var result = Engine().Analyze(new[] { p });
        Assert.Empty(result.InputErrors);
        var fs = result.Findings.ToList();
        Assert.Equal(new[] { "PTX102", "PTX101", "PTX000", "PTX101" }, fs.Select(f => f.Rule.Id));
        Assert.Equal(new[] { 1, 1, 2, 3 }, fs.Select(f => f.Location.Span.StartLine));
        Assert.Equal(Level.Error, fs[2].Level);
        Assert.Equal("NOTE BAD", fs[0].LineText); // no BOM in the text
        Assert.Equal(1, result.Stats.Files);
        Assert.True(result.Stats.Bytes > 0);
    }

    [Fact]
    public void Many_files_in_parallel_give_a_deterministic_order()
    {
        using var tmp = new TempDir();
        for (int i = 0; i < 40; i++) tmp.Write($"d{i % 3}/f{i:00}.ptx", "BAD\nNOTE\n");
        var r1 = Engine().Analyze(new[] { tmp.Path }).Findings.Select(f => f.ToString()).ToList();
        var r2 = Engine().Analyze(new[] { tmp.Path }).Findings.Select(f => f.ToString()).ToList();
        Assert.Equal(80, r1.Count);
        Assert.Equal(r1, r2);
        Assert.Equal(r1.OrderBy(x => x, StringComparer.Ordinal).Count(), r1.Count);
    }

    [Fact]
    public void A_crashing_rule_is_a_notification_not_a_crash()
    {
        using var tmp = new TempDir();
        var p = tmp.Write("k.ptx", "BAD\n");
        var rules = new IRule[] { new Fakes.ThrowingRule(Fakes.Descriptor("PTX150", "throws")), new Fakes.LineRule(Fakes.BadRule, "BAD") };
        var result = Engine(rules).Analyze(new[] { p });
        Assert.Single(result.Findings);
        var n = Assert.Single(result.Notifications);
        Assert.Equal(Level.Error, n.Level);
        Assert.Contains("PTX150", n.Message);
    }

    [Fact]
    public void Select_and_ignore()
    {
        using var tmp = new TempDir();
        var p = tmp.Write("k.ptx", "BAD NOTE\n");
        Assert.Equal(new[] { "PTX101" }, Engine(select: new[] { "PTX101" }).Analyze(new[] { p }).Findings.Select(f => f.Rule.Id));
        Assert.Equal(new[] { "PTX102" }, Engine(ignore: new[] { "PTX101" }).Analyze(new[] { p }).Findings.Select(f => f.Rule.Id));
        var off = Fakes.Descriptor("PTX160", "off-by-default", Level.Note, enabled: false);
        var rules = new IRule[] { new Fakes.LineRule(off, "BAD") };
        Assert.Empty(Engine(rules).Analyze(new[] { p }).Findings);
        Assert.Single(Engine(rules, select: new[] { "PTX160" }).Analyze(new[] { p }).Findings);
    }
}
