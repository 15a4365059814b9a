using System.Diagnostics;
using System.Text.Json;
using PtxLint.Cli;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Output;

/// <summary>
/// Runs the official SARIF validator (<c>@microsoft/sarif-multitool@5.7.0</c>, rule kinds "Sarif;Gh": the SARIF
/// spec rules and GitHub code scanning's ingestion rules) on SARIF from the real writer and the real command.
/// The tool is installed once with npm into <c>.tools/sarif-multitool</c> under the repository root and reused.
/// Never skipped: without npm or the registry this test fails.
/// </summary>
public sealed class SarifValidatorTests
{
    [Fact]
    public void Writer_and_command_output_pass_the_multitool_with_no_errors_and_no_warnings()
    {
        using var tmp = new TempDir();
        var logs = new List<string>();

        // 1. Every feature of the writer, from hand-made findings.
        var (files, rules) = SampleFindings.Build(tmp.Path);
        var notes = new[] { new ToolNotification(Level.Error, "cannot read 'missing.ptx': No such file or directory", Path.Combine(tmp.Path, "missing.ptx")) };
        logs.Add(Save(tmp, "rich.sarif", SarifWriter.Build(files, rules, new SarifWriterOptions { SourceRoot = tmp.Path, AutomationId = "ptxlint/sm_90a/" }, notes)));

        // 2. CUDA locations primary.
        logs.Add(Save(tmp, "cuda.sarif", SarifWriter.Build(files, rules, new SarifWriterOptions { SourceRoot = tmp.Path, CudaLocationsPrimary = true })));

        // 3. The cap (with a tiny limit) and its notification.
        logs.Add(Save(tmp, "capped.sarif", SarifWriter.Build(files, rules, new SarifWriterOptions { SourceRoot = tmp.Path, MaxResults = 2 })));

        // 4. An empty run.
        logs.Add(Save(tmp, "empty.sarif", SarifWriter.Build(new List<AnalyzedFile>(), rules, new SarifWriterOptions { SourceRoot = tmp.Path })));

        // 5. The real command: fake rules and the test parser, suppressions, a syntax error, then a baseline run.
        var src = tmp.Write("proj/build/a.ptx", ".version 8.0\nBAD line\n// ptxlint-disable-next-line PTX101 known\nBAD again\nNOTE here\nSYNTAX here\n// ptxlint-disable-next-line PTX102\nmov;\n");
        tmp.Write("proj/build/b.ptx", ".version 8.0\nBAD\n");
        var first = Path.Combine(tmp.Path, "first.sarif");
        var rc = CliTestHost.Run(out _, out var err, "analyze", Path.Combine(tmp.Path, "proj"), "--format", "sarif", "--output", first,
            "--srcroot", Path.Combine(tmp.Path, "proj"));
        Assert.True(rc == 1, err);
        logs.Add(first);
        File.WriteAllText(src, ".version 8.0\n\nBAD line moved\nNOTE here\n");
        var second = Path.Combine(tmp.Path, "second.sarif");
        rc = CliTestHost.Run(out _, out err, "analyze", Path.Combine(tmp.Path, "proj"), "--format", "sarif", "--output", second,
            "--srcroot", Path.Combine(tmp.Path, "proj"), "--baseline", first);
        Assert.True(rc is 0 or 1, err);
        logs.Add(second);

        var problems = Validate(logs, tmp.Path);
        Assert.True(problems.Count == 0, "SARIF multitool reported:\n" + string.Join("\n", problems));
    }

    private static string Save(TempDir tmp, string name, PtxLint.Output.Sarif.SarifLog log)
    {
        var path = Path.Combine(tmp.Path, name);
        using var fs = File.Create(path);
        SarifWriter.Write(fs, log);
        return path;
    }

    /// <summary>Runs <c>Sarif.Multitool validate</c> and returns its error and warning results as lines.</summary>
    internal static List<string> Validate(IReadOnlyList<string> sarifFiles, string workDir)
    {
        var tool = MultitoolInstall.Executable;
        var problems = new List<string>();
        foreach (var file in sarifFiles)
        {
            var output = Path.Combine(workDir, Path.GetFileNameWithoutExtension(file) + ".validation.json");
            var (code, log) = MultitoolInstall.Exec(tool, workDir, "validate", file, "--rule-kind", "Sarif;Gh", "-o", output, "--log", "ForceOverwrite");
            Assert.True(File.Exists(output), $"the multitool wrote no output (exit {code}):\n{log}");
            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            foreach (var run in doc.RootElement.GetProperty("runs").EnumerateArray())
            {
                if (run.TryGetProperty("invocations", out var invs))
                    foreach (var inv in invs.EnumerateArray())
                        foreach (var key in new[] { "toolExecutionNotifications", "toolConfigurationNotifications" })
                            if (inv.TryGetProperty(key, out var ns))
                                foreach (var n in ns.EnumerateArray())
                                    if (!n.TryGetProperty("level", out var nl) || nl.GetString() is "error" or "warning")
                                        problems.Add($"{Path.GetFileName(file)}: tool notification: {n.GetProperty("message").GetRawText()}");
                if (!run.TryGetProperty("results", out var results)) continue;
                foreach (var r in results.EnumerateArray())
                {
                    var level = r.TryGetProperty("level", out var l) ? l.GetString() : "warning"; // SARIF default
                    if (level is not ("error" or "warning")) continue;
                    var msg = r.GetProperty("message");
                    var text = msg.TryGetProperty("text", out var t) ? t.GetString()
                        : msg.TryGetProperty("arguments", out var a) ? string.Join(" | ", a.EnumerateArray().Select(x => x.GetString())) : msg.GetRawText();
                    problems.Add($"{Path.GetFileName(file)}: {level} {r.GetProperty("ruleId").GetString()}: {text}");
                }
            }
        }
        return problems;
    }
}

/// <summary>Installs the multitool once per machine (cached in .tools/sarif-multitool) and runs it.</summary>
internal static class MultitoolInstall
{
    public const string Package = "@microsoft/sarif-multitool@5.7.0";
    private static readonly Lazy<string> Lazy = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Executable => Lazy.Value;

    private static string Install()
    {
        var prefix = Path.Combine(Repo.Root, ".tools", "sarif-multitool");
        var exe = Locate(prefix);
        if (exe is null)
        {
            // Install into a fresh folder, then move it into place, so a half-finished install is never reused.
            var staging = prefix + ".staging-" + Environment.ProcessId;
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            Directory.CreateDirectory(staging);
            var (code, log) = Exec("npm", Repo.Root, "install", "--prefix", staging, Package, "--no-audit", "--no-fund", "--no-save");
            Assert.True(code == 0, $"npm install {Package} failed (exit {code}):\n{log}");
            if (Directory.Exists(prefix)) Directory.Delete(prefix, true);
            Directory.Move(staging, prefix);
            exe = Locate(prefix);
        }
        Assert.True(exe is not null, $"Sarif.Multitool not found under {prefix} after npm install");
        // npm may skip the package's postinstall (chmod u+x); make sure it is executable.
        if (OperatingSystem.IsWindows()) return exe!;
        var mode = File.GetUnixFileMode(exe!);
        if ((mode & UnixFileMode.UserExecute) == 0) File.SetUnixFileMode(exe!, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return exe!;
    }

    /// <summary>
    /// The npm package <c>@microsoft/sarif-multitool</c> is a node shim (<c>bin.js</c>) that spawns the platform
    /// package's self-contained executable, <c>@microsoft/sarif-multitool-{platform}/Sarif.Multitool</c>; we run that directly.
    /// </summary>
    private static string? Locate(string prefix)
    {
        var platform = OperatingSystem.IsWindows() ? "win32" : OperatingSystem.IsMacOS() ? "darwin" : "linux";
        var dir = Path.Combine(prefix, "node_modules", "@microsoft", "sarif-multitool-" + platform);
        var exe = Path.Combine(dir, OperatingSystem.IsWindows() ? "Sarif.Multitool.exe" : "Sarif.Multitool");
        return File.Exists(exe) ? exe : null;
    }

    public static (int Code, string Output) Exec(string file, string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); return (-1, "timed out"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
