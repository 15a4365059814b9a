using System.Diagnostics;
using System.Text.Json;
using PtxLint.Cli;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public void Exit_0_when_nothing_at_or_above_the_fail_level()
    {
        using var tmp = new TempDir();
        var clean = tmp.Write("clean.ptx", ".version 8.0\n");
        Assert.Equal(0, CliTestHost.Run(out var o, out var e, "analyze", clean));
        Assert.Contains("1 file, 0 errors, 0 warnings, 0 notes", o);
        Assert.Equal("", e);
        var noted = tmp.Write("noted.ptx", "NOTE\n");
        Assert.Equal(0, CliTestHost.Run(out _, out _, "analyze", noted)); // default fail level: warning
        Assert.Equal(1, CliTestHost.Run(out _, out _, "analyze", noted, "--fail-level", "note"));
    }

    [Fact]
    public void Exit_1_with_findings_printed_compiler_style()
    {
        using var tmp = new TempDir();
        var bad = tmp.Write("k.ptx", ".version 8.0\n    BAD here\n");
        Assert.Equal(1, CliTestHost.Run(out var o, out _, "analyze", bad));
        Assert.Contains($"{bad}:2:5: warning PTX101: found 'BAD' [bad-thing]", o);
        Assert.Contains("\n        BAD here\n        ^~~\n", o);
        Assert.Equal(0, CliTestHost.Run(out _, out _, "analyze", bad, "--fail-level", "error"));
        Assert.Equal(0, CliTestHost.Run(out _, out _, "analyze", bad, "--fail-level", "none"));
        Assert.Equal(0, CliTestHost.Run(out _, out _, "analyze", bad, "--ignore", "PTX101"));
        Assert.Equal(1, CliTestHost.Run(out _, out _, "analyze", bad, "--select", "PTX101,PTX102"));
        var syntax = tmp.Write("s.ptx", "SYNTAX\n");
        Assert.Equal(1, CliTestHost.Run(out o, out _, "analyze", syntax, "--fail-level", "error"));
        Assert.Contains("error PTX000: mismatched input", o);
    }

    [Theory]
    [InlineData("analyze")]
    [InlineData("analyze", "x.ptx", "--format", "xml")]
    [InlineData("analyze", "x.ptx", "--fail-level", "loud")]
    [InlineData("analyze", "x.ptx", "--select", "PTX777")]
    [InlineData("analyze", "x.ptx", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData]
    [InlineData("explain", "PTX777")]
    public void Exit_2_for_usage_errors_with_a_clear_message(params string[] args)
    {
        using var tmp = new TempDir();
        tmp.Write("x.ptx", "BAD\n");
        var cwd = Directory.GetCurrentDirectory();
        var rc = CliTestHost.Run(out _, out var e, args.Select(a => a == "x.ptx" ? Path.Combine(tmp.Path, a) : a).ToArray());
        Assert.Equal(2, rc);
        Assert.StartsWith("ptxlint: error: ", e);
        Assert.DoesNotContain("   at ", e);
    }

    [Fact]
    public void Exit_2_for_unreadable_input_and_bad_config()
    {
        using var tmp = new TempDir();
        var ok = tmp.Write("ok.ptx", "BAD\n");
        var missing = Path.Combine(tmp.Path, "missing.ptx");
        Assert.Equal(2, CliTestHost.Run(out var o, out var e, "analyze", ok, missing));
        Assert.Contains($"ptxlint: error: cannot read '{missing}': No such file or directory", e);
        Assert.Contains("found 'BAD'", o); // the readable files are still reported
        Assert.Equal(2, CliTestHost.Run(out _, out e, "analyze", tmp.Path + "/nothing/**/*.ptx"));
        Assert.Contains("cannot read", e);

        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            var locked = tmp.Write("locked.ptx", "x");
            File.SetUnixFileMode(locked, UnixFileMode.None);
            Assert.Equal(2, CliTestHost.Run(out _, out e, "analyze", locked));
            Assert.Contains("Permission denied", e);
        }

        tmp.Write("cfg/ptxlint.json", """{ "rulez": 1 }""");
        var inCfg = tmp.Write("cfg/a.ptx", "");
        Assert.Equal(2, CliTestHost.Run(out _, out e, "analyze", inCfg));
        Assert.Contains("unknown key 'rulez'", e);
        Assert.Contains(Path.Combine(tmp.Path, "cfg", "ptxlint.json"), e);
        Assert.Equal(2, CliTestHost.Run(out _, out e, "analyze", ok, "--config", Path.Combine(tmp.Path, "none.json")));
        Assert.Equal(2, CliTestHost.Run(out _, out e, "analyze", ok, "--baseline", Path.Combine(tmp.Path, "none.sarif")));
        Assert.Contains("cannot read baseline", e);
    }

    [Fact]
    public void Output_is_written_atomically_and_replaces_the_old_file()
    {
        using var tmp = new TempDir();
        var bad = tmp.Write("src/k.ptx", "BAD\n");
        var outFile = tmp.Write("out/report.sarif", "old content");
        Assert.Equal(1, CliTestHost.Run(out var o, out var e, "analyze", bad, "--format", "sarif", "--output", outFile, "--srcroot", tmp.Path, "--category", "ptxlint/sm_90a"));
        Assert.Equal("", o);
        Assert.Contains("wrote", e);
        using (var doc = JsonDocument.Parse(File.ReadAllText(outFile)))
        {
            var run = doc.RootElement.GetProperty("runs")[0];
            Assert.Equal("ptxlint/sm_90a", run.GetProperty("automationDetails").GetProperty("id").GetString());
            Assert.Equal("src/k.ptx", run.GetProperty("results")[0].GetProperty("locations")[0].GetProperty("physicalLocation")
                .GetProperty("artifactLocation").GetProperty("uri").GetString());
        }
        Assert.Equal(new[] { "report.sarif" }, Directory.GetFiles(Path.Combine(tmp.Path, "out")).Select(Path.GetFileName));

        // Writing into a new directory creates it; json and text go to files too.
        var json = Path.Combine(tmp.Path, "new", "r.json");
        Assert.Equal(1, CliTestHost.Run(out _, out _, "analyze", bad, "--format", "json", "-o", json));
        using (var doc = JsonDocument.Parse(File.ReadAllText(json))) Assert.Equal(1, doc.RootElement.GetArrayLength());
        var txt = Path.Combine(tmp.Path, "new", "r.txt");
        Assert.Equal(1, CliTestHost.Run(out _, out _, "analyze", bad, "-o", txt));
        Assert.Contains("warning PTX101", File.ReadAllText(txt));

        // An output path that is a directory is a usage error and nothing is left behind.
        Assert.Equal(2, CliTestHost.Run(out _, out _, "analyze", bad, "-o", Path.Combine(tmp.Path, "out")));
        Assert.Equal(new[] { "report.sarif" }, Directory.GetFiles(Path.Combine(tmp.Path, "out")).Select(Path.GetFileName));
    }

    [Fact]
    public void Baseline_fails_only_on_new_results()
    {
        using var tmp = new TempDir();
        var k = tmp.Write("k.ptx", "BAD one\nok\n");
        var baseline = Path.Combine(tmp.Path, "base.sarif");
        Assert.Equal(1, CliTestHost.Run(out _, out _, "analyze", k, "--format", "sarif", "-o", baseline, "--srcroot", tmp.Path));

        File.WriteAllText(k, "// a new line moves everything\nok\nBAD one\n");
        Assert.Equal(0, CliTestHost.Run(out var o, out _, "analyze", k, "--baseline", baseline, "--srcroot", tmp.Path));
        Assert.Contains("1 unchanged from the baseline", o);

        File.WriteAllText(k, "BAD two\n");
        var cur = Path.Combine(tmp.Path, "cur.sarif");
        Assert.Equal(1, CliTestHost.Run(out _, out _, "analyze", k, "--baseline", baseline, "--srcroot", tmp.Path, "--format", "sarif", "-o", cur));
        using var doc = JsonDocument.Parse(File.ReadAllText(cur));
        var states = doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("baselineState").GetString()).OrderBy(s => s).ToList();
        Assert.Equal(new[] { "absent", "new" }, states);
    }

    [Fact]
    public void Suppressed_results_do_not_fail_and_go_to_sarif_suppressions()
    {
        using var tmp = new TempDir();
        var k = tmp.Write("k.ptx", "// ptxlint-disable-next-line PTX101 known and reviewed\nBAD\n");
        var sarif = Path.Combine(tmp.Path, "r.sarif");
        Assert.Equal(0, CliTestHost.Run(out _, out _, "analyze", k, "--format", "sarif", "-o", sarif));
        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        var sup = doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("suppressions")[0];
        Assert.Equal("inSource", sup.GetProperty("kind").GetString());
        Assert.Equal("known and reviewed", sup.GetProperty("justification").GetString());

        File.WriteAllText(k, "// ptxlint-disable-next-line PTX101\nok\n");
        Assert.Equal(1, CliTestHost.Run(out var o, out _, "analyze", k));
        Assert.Contains("warning PTX900", o);
    }

    [Fact]
    public void Rules_explain_and_version()
    {
        Assert.Equal(0, CliTestHost.Run(out var o, out _, "rules"));
        Assert.Matches(@"ID\s+NAME\s+LEVEL\s+DESCRIPTION", o);
        Assert.Matches(@"PTX000\s+syntax-error\s+error\s+The PTX file has a syntax error\.", o);
        Assert.Matches(@"PTX101\s+bad-thing\s+warning", o);
        Assert.Equal(0, CliTestHost.Run(out o, out _, "explain", "PTX000"));
        Assert.StartsWith("# PTX000: syntax-error", o);
        Assert.Equal(0, CliTestHost.Run(out o, out _, "explain", "unused-suppression"));
        Assert.StartsWith("# PTX900", o);
        Assert.Equal(0, CliTestHost.Run(out o, out _, "--version"));
        Assert.Equal($"ptxlint {PtxLint.Diagnostics.ToolInfo.Version}", o.Trim());
    }

    [Fact]
    public void Stats_go_to_stderr()
    {
        using var tmp = new TempDir();
        var k = tmp.Write("k.ptx", "ok\n");
        Assert.Equal(0, CliTestHost.Run(out _, out var e, "analyze", k, "--stats"));
        Assert.Matches(@"ptxlint: stats: 1 file, 3 bytes .* MB/s", e);
        // the per-analysis table: exclusive ms, share, computations, allocation, and the part paused by collections
        Assert.Matches(@"ptxlint: stats: analysis or rule +ms +share +computed +alloc MB +paused ms", e);
        Assert.Matches(@"ptxlint: stats: parse \+ IR +\d+ +[\d.]+% +1 +\d+ +\d+", e);
    }

    [Fact]
    public void The_real_executable_reports_errors_without_stack_traces()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "PtxLint.Cli.dll");
        Assert.True(File.Exists(dll), dll);
        using var tmp = new TempDir();
        var (rc, o, e) = Exec(dll, "--version");
        Assert.Equal(0, rc);
        Assert.StartsWith("ptxlint ", o);
        (rc, o, e) = Exec(dll, "analyze", Path.Combine(tmp.Path, "missing.ptx"));
        Assert.Equal(2, rc);
        Assert.Contains("ptxlint: error: cannot read", e);
        Assert.DoesNotContain("   at ", e);
        var k = tmp.Write("k.ptx", ".version 8.0\n.target sm_90\n");
        (rc, o, e) = Exec(dll, "analyze", k, "--format", "sarif");
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal("PtxLint", doc.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
    }

    private static (int, string, string) Exec(string dll, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit(60_000);
        return (p.ExitCode, o.Result, e.Result);
    }
}
