using System.Text.Json;
using System.Text.RegularExpressions;
using PtxLint.Rules;
using PtxLint.Tests.Output;
using PtxLint.Tests.Packaging;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Cli;

/// <summary>
/// Issue 14 through the real command line: headline + note/help output, grouping, --format concise, --statistics,
/// --locations ptx|cuda on the samples, JSON that says what the text says (relative paths, resolved CUDA frames),
/// control bytes escaped, the summary after read errors.
/// </summary>
public sealed class OutputCliTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "PtxLint.Cli.dll");

    private static ProcessRunner.Result Ptxlint(string workDir, params string[] args) =>
        ProcessRunner.Run("dotnet", workDir, new[] { Dll }.Concat(args));

    private static string Sample(string name) => Path.Combine("samples", "ptx", name);

    [Fact]
    public void Text_shows_the_headline_then_snippet_notes_help_and_grouped_occurrences()
    {
        var r = Ptxlint(Repo.Root, "analyze", Sample("PTX006-shared-out-of-bounds.bad.ptx"));
        Assert.Equal(1, r.ExitCode);
        var text = r.Stdout.Replace("\r\n", "\n");
        // One finding per kernel (one cause each), not eight.
        Assert.Equal(2, Regex.Matches(text, @"^samples/ptx/PTX006-shared-out-of-bounds\.bad\.ptx:\d+:\d+: error PTX006: ", RegexOptions.Multiline).Count);
        Assert.Contains("error PTX006: `st.volatile.shared.f32` writes bytes [4, 8) of `s_amax`, which has only 4 bytes (and 5 more accesses past its end) [shared-out-of-bounds]\n", text);
        Assert.Matches(@"\n    note: samples/ptx/PTX006-shared-out-of-bounds\.bad\.ptx:\d+:\d+: `ld\.volatile\.shared\.f32` reads bytes \[12, 16\) of `s_amax`\n", text);
        Assert.Contains("\n    note: `_ZZ18absmax_rows_scalarE6s_amax` (`s_amax`) is declared `.shared .f32` (4 bytes).\n", text);
        Assert.Contains("\n    help: Declare `s_amax` with at least 16 bytes, or narrow the access.\n", text);
        Assert.Matches(@"\n1 file, 2 errors, 0 warnings, 0 notes \(\d+ ms\)\n$", text);
    }

    [Fact]
    public void Concise_is_one_line_per_finding_and_the_summary()
    {
        var r = Ptxlint(Repo.Root, "analyze", Sample("PTX004-tmem-address-without-alloc-base.bad.ptx"), Sample("PTX008-tmem-lifecycle.bad.ptx"), "--format", "concise");
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stdout.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length); // PTX004 (grouped) + 3 PTX008 + the summary
        Assert.All(lines[..^1], l => Assert.Matches(@"^samples/ptx/PTX00[48]-[^:]+\.bad\.ptx:\d+:\d+: (error|warning) PTX00[48]: .+ \[[a-z0-9-]+\]$", l));
        Assert.DoesNotContain("note:", r.Stdout);
        Assert.DoesNotContain("help:", r.Stdout);
        Assert.StartsWith("2 files, 1 error, 3 warnings, 0 notes (", lines[^1]);
    }

    [Fact]
    public void Statistics_count_findings_per_rule_in_text_and_json()
    {
        var r = Ptxlint(Repo.Root, "analyze", "samples/ptx", "--statistics", "--select", "PTX004,PTX006,PTX007,PTX009");
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stdout.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        Assert.Equal(new[]
        {
            "    3  PTX007  error  tmem-alloc-columns (7 occurrences)",
            "    2  PTX006  error  shared-out-of-bounds (8 occurrences)",
            "    1  PTX004  error  tmem-address-without-alloc-base (8 occurrences)",
            "    1  PTX009  note   float-atomic-order",
        }, lines[..^1]);
        int samples = Directory.GetFiles(Repo.Samples, "*.ptx").Length;
        Assert.StartsWith($"{samples} files, 6 errors, 0 warnings, 1 note (", lines[^1]);

        r = Ptxlint(Repo.Root, "analyze", "samples/ptx", "--statistics", "--format", "json", "--select", "PTX006");
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var row = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal(("PTX006", "shared-out-of-bounds", "error", 2, 8),
            (row.GetProperty("ruleId").GetString(), row.GetProperty("ruleName").GetString(), row.GetProperty("level").GetString(),
             row.GetProperty("count").GetInt32(), row.GetProperty("occurrences").GetInt32()));

        r = Ptxlint(Repo.Root, "analyze", "samples/ptx", "--statistics", "--format", "sarif");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("ptxlint: error: --statistics prints counts per rule as text or json, not sarif", r.Stderr);
    }

    [Fact]
    public void Locations_ptx_keeps_every_sample_result_on_the_ptx_line_and_cuda_moves_them_to_the_cu_line()
    {
        using var tmp = new TempDir();
        var ptx = Path.Combine(tmp.Path, "ptx.sarif");
        var cuda = Path.Combine(tmp.Path, "cuda.sarif");
        var dflt = Path.Combine(tmp.Path, "default.sarif");
        Assert.Equal(1, Ptxlint(Repo.Root, "analyze", "samples/ptx", "--format", "sarif", "-o", ptx, "--locations", "ptx").ExitCode);
        Assert.Equal(1, Ptxlint(Repo.Root, "analyze", "samples/ptx", "--format", "sarif", "-o", cuda, "--locations", "cuda").ExitCode);
        Assert.Equal(1, Ptxlint(Repo.Root, "analyze", "samples/ptx", "--format", "sarif", "-o", dflt).ExitCode);
        static List<string> Primaries(string file)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            return doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
                .Select(r => r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!)
                .ToList();
        }
        var p = Primaries(ptx);
        Assert.NotEmpty(p);
        Assert.All(p, u => Assert.StartsWith("samples/ptx/", u));
        Assert.Equal(p, Primaries(dflt)); // the default is ptx, as --help says
        var c = Primaries(cuda);
        Assert.Equal(p.Count, c.Count);
        // Every sample result has a .loc (PTX002 sits on the .entry line and takes the kernel's first .loc), and every
        // chosen frame is a file of the repository, none a CUDA system header.
        // The PTX013 sample is hand-written builder output without .file/.loc: its results stay on the PTX line.
        Assert.All(c, u => Assert.Matches(@"^samples/(cuda/[^/]+\.(cu|cuh)|ptx/PTX013-invalid-ptx\.bad\.ptx)$", u));
        var problems = SarifValidatorTests.Validate(new[] { ptx, cuda }, tmp.Path);
        Assert.True(problems.Count == 0, "SARIF multitool reported:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Json_paths_and_cuda_frames_are_the_ones_the_text_shows()
    {
        var files = new[] { Sample("PTX004-tmem-address-without-alloc-base.bad.ptx"), Sample("PTX009-float-atomic-order.bad.ptx"), Sample("PTX002-batched-kernel-ignores-ctaid-y.bad.ptx") };
        var text = Ptxlint(Repo.Root, new[] { "analyze" }.Concat(files).ToArray());
        var json = Ptxlint(Repo.Root, new[] { "analyze", "--format", "json" }.Concat(files).ToArray());
        Assert.Equal(1, text.ExitCode);
        Assert.Equal(1, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var findings = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, findings.Count);
        var blocks = Regex.Split(text.Stdout.Replace("\r\n", "\n"), @"\n(?=samples/)").Select(b => b.TrimEnd('\n') + "\n").ToArray();
        for (int i = 0; i < findings.Count; i++)
        {
            var f = findings[i];
            var path = f.GetProperty("path").GetString()!;
            Assert.StartsWith("samples/ptx/", path); // relative, as in the text, not /work/...
            Assert.StartsWith($"{path}:{f.GetProperty("line").GetInt32()}:{f.GetProperty("column").GetInt32()}: ", blocks[i]);
            Assert.Contains(f.GetProperty("message").GetString()!, blocks[i]);
            var src = f.GetProperty("sourceLocation");
            var where = $"{src.GetProperty("path").GetString()}:{src.GetProperty("line").GetInt32()}:{src.GetProperty("column").GetInt32()}";
            Assert.StartsWith("samples/cuda/", where); // resolved under the checkout, not the .file path /ptxlint/samples/...
            Assert.Contains($"    note: CUDA source: {where}\n", blocks[i]);
            foreach (var at in f.GetProperty("inlinedAt").EnumerateArray())
                Assert.Contains($"    note: inlined at: {at.GetProperty("path").GetString()}:{at.GetProperty("line").GetInt32()}:{at.GetProperty("column").GetInt32()}", blocks[i]);
            foreach (var n in f.GetProperty("notes").EnumerateArray()) Assert.Contains($"    note: {n.GetString()}\n", blocks[i]);
            if (f.TryGetProperty("help", out var help)) Assert.Contains($"    help: {help.GetString()}\n", blocks[i]);
            else Assert.DoesNotContain("    help:", blocks[i]);
        }
        var ptx004 = findings.Single(f => f.GetProperty("ruleId").GetString() == "PTX004");
        Assert.Equal("samples/cuda/tmem_helpers.cuh", ptx004.GetProperty("sourceLocation").GetProperty("path").GetString());
        Assert.Equal("samples/cuda/PTX004-tmem-address-without-alloc-base.bad.cu", ptx004.GetProperty("inlinedAt")[0].GetProperty("path").GetString());
        Assert.Equal(8, ptx004.GetProperty("occurrences").GetInt32());
        Assert.Equal(7, ptx004.GetProperty("related").EnumerateArray().Count(r => r.GetProperty("occurrence").GetBoolean()));
        // The atomicAdd intrinsic comes from a CUDA system header: the chosen frame is the sample's line, the header inlinedFrom.
        var ptx009 = findings.Single(f => f.GetProperty("ruleId").GetString() == "PTX009");
        Assert.Equal("samples/cuda/PTX009-float-atomic-order.bad.cu", ptx009.GetProperty("sourceLocation").GetProperty("path").GetString());
        Assert.EndsWith("sm_20_atomic_functions.hpp", ptx009.GetProperty("inlinedFrom")[0].GetProperty("path").GetString());
        // PTX002 sits on the .entry line; its CUDA location is the kernel's first .loc.
        var ptx002 = findings.Single(f => f.GetProperty("ruleId").GetString() == "PTX002");
        Assert.Equal("samples/cuda/PTX002-batched-kernel-ignores-ctaid-y.bad.cu", ptx002.GetProperty("sourceLocation").GetProperty("path").GetString());
    }

    [Fact]
    public void Control_bytes_of_the_input_are_escaped_in_the_text_output()
    {
        using var tmp = new TempDir();
        var k = tmp.Write("k.ptx", ".version 8.0\n\tBAD \u0000 \u001b[31mred\u0007 here\n");
        Assert.Equal(1, CliTestHost.Run(out var o, out _, "analyze", k));
        Assert.Contains("\n    \tBAD \\x00 \\x1b[31mred\\x07 here\n    \t^~~\n", o);
        Assert.DoesNotContain('\u0000', o);
        Assert.DoesNotContain('\u001b', o);
        Assert.DoesNotContain('\u0007', o);
        // The caret stays under the span when escapes come before it.
        tmp.Write("k.ptx", ".version 8.0\n\u0001\u0002 BAD\n");
        Assert.Equal(1, CliTestHost.Run(out o, out _, "analyze", k));
        Assert.Contains("\n    \\x01\\x02 BAD\n             ^~~\n", o);
    }

    [Fact]
    public void No_summary_after_a_read_error_that_left_nothing_to_analyze()
    {
        using var tmp = new TempDir();
        var missing = Path.Combine(tmp.Path, "does-not-exist.ptx");
        Assert.Equal(2, CliTestHost.Run(out var o, out var e, "analyze", missing));
        Assert.Equal("", o);
        Assert.Equal($"ptxlint: error: cannot read '{missing}': No such file or directory\n", e.Replace("\r\n", "\n"));
        // A machine format still writes its (empty) document; the summary that would go to stderr is left out.
        Assert.Equal(2, CliTestHost.Run(out o, out e, "analyze", missing, "--format", "json"));
        Assert.Equal("[]", o.Trim());
        Assert.DoesNotContain("0 files", e);
        // Some inputs read, one not: the summary says so, and the run still exits 2.
        var ok = tmp.Write("ok.ptx", ".version 8.0\n");
        Assert.Equal(2, CliTestHost.Run(out o, out _, "analyze", ok, missing));
        Assert.Matches(@"^1 file, 0 errors, 0 warnings, 0 notes, 1 input not read \(\d+ ms\)\n$", o.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Help_command_and_did_you_mean()
    {
        Assert.Equal(0, CliTestHost.Run(out var help, out var e, "--help"));
        Assert.Equal(0, CliTestHost.Run(out var helpCmd, out var e2, "help"));
        Assert.Equal(help, helpCmd);
        Assert.Equal("", e2);
        Assert.Equal(0, CliTestHost.Run(out var analyzeHelp, out _, "analyze", "--help"));
        Assert.Equal(0, CliTestHost.Run(out var helpAnalyze, out _, "help", "analyze"));
        Assert.Equal(analyzeHelp, helpAnalyze);
        Assert.Contains("concise", analyzeHelp);
        Assert.Contains("--statistics", analyzeHelp);

        Assert.Equal(2, CliTestHost.Run(out _, out e, "--verison"));
        Assert.Equal("ptxlint: error: Unrecognized command or argument '--verison'. Did you mean '--version'?\nRun 'ptxlint --help' for usage.\n", e.Replace("\r\n", "\n"));
        Assert.Equal(2, CliTestHost.Run(out _, out e, "analyse", "k.ptx"));
        Assert.Contains("Unrecognized command or argument 'analyse'. Did you mean 'analyze'?", e);
        Assert.DoesNotContain("Required command was not provided", e);
        Assert.Equal(2, CliTestHost.Run(out _, out e, "rule"));
        Assert.Contains("Did you mean 'rules'?", e);
        Assert.Equal(2, CliTestHost.Run(out _, out e, "help", "cfgg"));
        Assert.Contains("Did you mean 'cfg'?", e);
        Assert.Equal(2, CliTestHost.Run(out _, out e, "analyze", "k.ptx", "--fail-levle", "error"));
        Assert.Contains("did you mean '--fail-level'?", e);
        // An unknown --option among the paths is not read as a file.
        Assert.Equal(2, CliTestHost.Run(out var o, out e, "analyze", "samples/ptx", "--fromat", "json"));
        Assert.Equal("ptxlint: error: unknown option '--fromat' of 'ptxlint analyze'; did you mean '--format'? (a file whose name starts with '-' can be given as ./--fromat)\n", e.Replace("\r\n", "\n"));
        Assert.Equal("", o);
        Assert.Equal(2, CliTestHost.RunReal(RuleRegistry.All, out _, out e, "explain", "PTX04"));
        Assert.Contains("did you mean 'PTX004'?", e);
        Assert.Equal(2, CliTestHost.Run(out _, out e, "analyze", "k.ptx", "--select", "PTX11"));
        Assert.Contains("unknown rule id 'PTX11' in --select; did you mean 'PTX101'?", e);
    }
}
