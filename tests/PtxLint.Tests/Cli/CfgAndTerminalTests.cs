using System.Text.RegularExpressions;
using PtxLint.Cli;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Cli;

/// <summary><c>ptxlint cfg</c>; color and the progress line only on terminals.</summary>
public sealed class CfgAndTerminalTests
{
    private static readonly RuleDescriptor Barrier = Fakes.Descriptor("PTX777", "barrier-here", Level.Error);
    private static readonly IReadOnlyList<IRule> Rules = new IRule[] { new Fakes.InstructionRule(Barrier, "bar.sync") };

    private const string Kernel = """
        .version 8.0
        .target sm_90a
        .address_size 64

        .visible .entry k(.param .u32 n)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<4>;
            ld.param.u32 %r1, [n];
            mov.u32 %r2, %tid.x;
            setp.ge.u32 %p1, %r2, %r1;
            @%p1 bra $L__skip;
            add.u32 %r3, %r2, 1;
            bar.sync 0;
        $L__skip:
            ret;
        }

        .visible .entry other()
        {
            ret;
        }
        """;

    [Fact]
    public void Cfg_dot_has_the_blocks_edges_and_the_highlighted_finding_and_path()
    {
        using var tmp = new TempDir();
        var ptx = tmp.Write("k.ptx", Kernel);
        Assert.Equal(0, CliTestHost.RunReal(Rules, out var dot, out var err, "cfg", ptx, "--kernel", "k"));
        Assert.Equal("", err);

        // Syntactically sane: one digraph, balanced braces and brackets, every edge between declared nodes.
        Assert.StartsWith("digraph \"cfg k\" {\n", dot);
        Assert.EndsWith("}\n", dot);
        Assert.Equal(dot.Count(c => c == '{'), dot.Count(c => c == '}'));
        Assert.Equal(dot.Count(c => c == '['), dot.Count(c => c == ']'));
        var nodes = Regex.Matches(dot, @"(?m)^  (B\w+) \[").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(new[] { "B0", "B1", "B2", "B_exit" }, nodes);
        var edges = Regex.Matches(dot, @"(?m)^  (B\w+) -> (B\w+)(?: \[(.*)\])?;$").Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();
        Assert.All(edges, e => { Assert.Contains(e.Item1, nodes); Assert.Contains(e.Item2, nodes); });
        Assert.Equal(
            new[] { ("B0", "B1"), ("B0", "B2"), ("B1", "B2"), ("B2", "B_exit") }.OrderBy(x => x),
            edges.Select(e => (e.Item1, e.Item2)).OrderBy(x => x));
        Assert.Equal(Regex.Matches(dot, @"<table").Count, Regex.Matches(dot, @"</table>").Count);

        // The branch condition on the edges; the finding's block red with the rule id; the branch -> barrier edge red.
        Assert.Contains(edges, e => e is ("B0", "B2", var a) && a.Contains("label=\"@%p1\""));
        Assert.Contains(edges, e => e is ("B0", "B1", var a) && a.Contains("label=\"@!%p1\""));
        Assert.Contains(edges, e => e is ("B0", "B1", var a) && a.Contains("color=red"));
        Assert.DoesNotContain(edges, e => e is ("B0", "B2", var a) && a.Contains("color=red"));
        var b1 = Regex.Match(dot, @"(?m)^  B1 \[.*$").Value;
        Assert.Contains("color=red", b1);
        Assert.Contains("bar.sync 0;", b1);
        Assert.Contains("error PTX777: 'bar.sync' here", b1);
        var b0 = Regex.Match(dot, @"(?m)^  B0 \[.*$").Value;
        Assert.Contains("color=orange", b0); // on the path: the divergent branch
        Assert.Contains("@%p1 bra $L__skip;", b0);
        Assert.Contains("B2  $L__skip:", dot);
        Assert.Contains("color=black", Regex.Match(dot, @"(?m)^  B2 \[.*$").Value);

        // Text format.
        Assert.Equal(0, CliTestHost.RunReal(Rules, out var text, out _, "cfg", ptx, "--kernel", "k", "--format", "text"));
        Assert.Contains("B0 [entry] [on a finding's path] -> B2 @%p1, B1 @!%p1", text);
        Assert.Matches(@"\n\s+14: bar\.sync 0;   <-- error PTX777: 'bar\.sync' here\n", text);
    }

    [Fact]
    public void Cfg_usage_errors()
    {
        using var tmp = new TempDir();
        var ptx = tmp.Write("k.ptx", Kernel);
        Assert.Equal(2, CliTestHost.RunReal(Rules, out _, out var err, "cfg", ptx));
        Assert.Contains("choose one with --kernel NAME (k, other)", err);
        Assert.Equal(2, CliTestHost.RunReal(Rules, out _, out err, "cfg", ptx, "--kernel", "nope"));
        Assert.Contains("no kernel or function 'nope'", err);
        Assert.Equal(2, CliTestHost.RunReal(Rules, out _, out err, "cfg", Path.Combine(tmp.Path, "missing.ptx"), "--kernel", "k"));
        Assert.Contains("cannot read", err);
        Assert.Equal(2, CliTestHost.RunReal(Rules, out _, out err, "cfg", ptx, "--kernel", "k", "--format", "svg"));
        var one = tmp.Write("one.ptx", ".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry only()\n{\n    ret;\n}\n");
        Assert.Equal(0, CliTestHost.RunReal(Rules, out var dot, out _, "cfg", one));
        Assert.Contains("B0 -> B_exit;", dot);
    }

    private static (int Rc, string Out, string Err) RunWithTerminal(bool stdoutTerminal, bool stderrTerminal, Func<string, string?> env, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var ctx = new CliContext
        {
            Out = o, Error = e, Rules = Fakes.Rules, Parser = Fakes.Parse, Environment = env,
            OutputIsTerminal = stdoutTerminal, ErrorIsTerminal = stderrTerminal,
        };
        return (Program.Run(args, ctx), o.ToString(), e.ToString());
    }

    [Fact]
    public void Color_only_on_a_terminal_and_never_with_NO_COLOR()
    {
        using var tmp = new TempDir();
        var bad = tmp.Write("k.ptx", "BAD\n");
        var (rc, o, _) = RunWithTerminal(true, true, _ => null, "analyze", bad);
        Assert.Equal(1, rc);
        Assert.Contains("\u001b[", o);
        (_, o, _) = RunWithTerminal(true, true, k => k == "NO_COLOR" ? "1" : null, "analyze", bad);
        Assert.DoesNotContain("\u001b[", o);
        (_, o, _) = RunWithTerminal(false, true, _ => null, "analyze", bad);
        Assert.DoesNotContain("\u001b[", o);
        // A report written to a file never has color, even from a terminal.
        var txt = Path.Combine(tmp.Path, "r.txt");
        RunWithTerminal(true, true, _ => null, "analyze", bad, "-o", txt);
        Assert.DoesNotContain("\u001b[", File.ReadAllText(txt));
        // The summary line: files, findings per level, time.
        Assert.Matches(@"\n1 file, 0 errors, 1 warning, 0 notes \(\d+ ms\)\n$", o);
    }

    [Fact]
    public void Progress_line_only_on_a_terminal_after_the_delay()
    {
        Assert.False(ProgressIndicator.ShouldShow(false, _ => null));
        Assert.False(ProgressIndicator.ShouldShow(true, k => k == "TERM" ? "dumb" : null));
        Assert.True(ProgressIndicator.ShouldShow(true, _ => null));

        // Not a terminal: nothing, whatever the time.
        var clock = TimeSpan.FromSeconds(10);
        var err = new StringWriter();
        using (var p = new ProgressIndicator(err, enabled: false, () => clock, startTimer: false))
        {
            p.Report(1, 4);
            p.Tick();
        }
        Assert.Equal("", err.ToString());

        // A terminal: nothing before the delay, then one redrawn line, erased at the end.
        clock = TimeSpan.FromSeconds(1);
        err = new StringWriter();
        using (var p = new ProgressIndicator(err, enabled: true, () => clock, startTimer: false))
        {
            p.Report(1, 4);
            p.Tick();
            Assert.Equal("", err.ToString());
            clock = TimeSpan.FromSeconds(3);
            p.Report(2, 4);
            p.Tick();
            Assert.Equal("\rptxlint: analyzing 2/4 files (50%), 3 s\u001b[K", err.ToString());
        }
        Assert.EndsWith("\r\u001b[K", err.ToString());

        // The command: stderr not a terminal (tests, CI, pipes) prints no progress; a quick run on a terminal neither.
        using var tmp = new TempDir();
        var k = tmp.Write("k.ptx", "ok\n");
        Assert.Equal("", RunWithTerminal(false, false, _ => null, "analyze", k).Err);
        Assert.Equal("", RunWithTerminal(true, true, _ => null, "analyze", k).Err);
    }
}
