using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using PtxLint.Cli.Commands;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Tests.Packaging;
using PtxLint.Tests.Support;
using static PtxLint.Tests.Robustness.RobustHost;

namespace PtxLint.Tests.Robustness;

/// <summary>A rule that blocks (up to a minute) on files containing "SLOW", until the test releases it.</summary>
public sealed class SlowRule : IRule, IDisposable
{
    private readonly ManualResetEventSlim _release = new(false);
    public RuleDescriptor Descriptor { get; } = Fakes.Descriptor("PTX991", "slow-thing");
    public bool? RanOnBackgroundThread { get; private set; }

    public void Check(RuleContext context)
    {
        if (!context.Module.Source.Text.Contains("SLOW", StringComparison.Ordinal)) return;
        RanOnBackgroundThread = Thread.CurrentThread.IsBackground;
        _release.Wait(TimeSpan.FromSeconds(60));
    }

    public void Dispose() => _release.Set();
}

/// <summary>Records the thread each file's rules ran on.</summary>
public sealed class ThreadRecordingRule : IRule
{
    public RuleDescriptor Descriptor { get; } = Fakes.Descriptor("PTX992", "thread-recorder");
    // the thread objects, not their ids: the runtime may give a dead thread's id to a new one
    public System.Collections.Concurrent.ConcurrentDictionary<string, Thread> Threads { get; } = new();
    // read while the rule runs: a file thread the engine disposed at the end of the run may have exited by the time the
    // test looks, and a dead thread's IsBackground throws
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> Background { get; } = new();

    public void Check(RuleContext context)
    {
        var file = Path.GetFileName(context.Module.FilePath);
        Threads[file] = Thread.CurrentThread;
        Background[file] = Thread.CurrentThread.IsBackground;
    }
}

public sealed class TimeoutTests
{
    private const string Header = ".version 8.0\n.target sm_90\n.address_size 64\n";

    [Fact]
    public void Under_a_time_limit_a_worker_runs_its_files_on_one_thread_and_a_new_one_after_a_timeout()
    {
        // One worker, files largest first: c-slow (padded to be the largest) times out; a-fast and b-fast follow on
        // the worker's next file thread, which is not the one left hanging, and they share it (what the parser and
        // the analyses keep per thread carries over between files).
        using var tmp = new TempDir();
        using var slow = new SlowRule();
        var recorder = new ThreadRecordingRule();
        tmp.Write("c-slow.ptx", Header + "// SLOW" + new string(' ', 400) + "\n");
        tmp.Write("a-fast.ptx", Header + "// a\n");
        tmp.Write("b-fast.ptx", Header + "// b\n");
        var engine = new AnalysisEngine(new AnalysisOptions
        {
            Rules = new IRule[] { recorder, slow }, MaxDegreeOfParallelism = 1, FileTimeout = TimeSpan.FromSeconds(1),
        });
        var result = engine.Analyze(new[] { tmp.Path });
        Assert.Equal(new[] { Path.Combine(tmp.Path, "c-slow.ptx") }, result.TimedOut);
        Assert.Equal(2, result.Files.Count);
        var slowThread = recorder.Threads["c-slow.ptx"];
        var a = recorder.Threads["a-fast.ptx"];
        var b = recorder.Threads["b-fast.ptx"];
        Assert.True(recorder.Background.Values.All(x => x) && recorder.Background.Count == 3, "timed analyses run on background threads");
        Assert.Same(a, b);
        Assert.NotSame(slowThread, a);
        Assert.NotSame(Thread.CurrentThread, a);
    }

    [Fact]
    public async Task A_file_thread_runs_work_in_order_passes_exceptions_on_and_exits_when_disposed()
    {
        var limit = TimeSpan.FromSeconds(30);
        var ft = new FileThread("test file thread");
        var first = ft.Run(() => Thread.CurrentThread);
        var second = ft.Run(() => Thread.CurrentThread);
        var failed = ft.Run<int>(() => throw new InvalidOperationException("boom"));
        var firstThread = await first.WaitAsync(limit);
        Assert.Same(firstThread, await second.WaitAsync(limit));
        Assert.NotSame(Thread.CurrentThread, firstThread);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed.WaitAsync(limit));
        var thread = await ft.Run(() => Thread.CurrentThread).WaitAsync(limit);
        Assert.Same(firstThread, thread);
        ft.Dispose();
        Assert.True(thread.Join(limit), "the thread exits once disposed");
    }

    [Fact]
    public void A_file_over_the_time_limit_is_reported_and_skipped_and_the_run_goes_on()
    {
        using var tmp = new TempDir();
        using var slow = new SlowRule();
        var slowFile = tmp.Write("a-slow.ptx", Header + "// SLOW\n");
        tmp.Write("b-fast.ptx", Header + "SYNTAX\n");
        var sarif = Path.Combine(tmp.Path, "out.sarif");
        var sw = Stopwatch.StartNew();
        var rc = RobustHost.Run(out var o, out var e, new IRule[] { slow }, null, "analyze", tmp.Path, "--timeout", "1", "--format", "sarif", "-o", sarif);
        sw.Stop();
        Assert.Equal(2, rc); // an incomplete analysis
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Contains($"ptxlint: warning: '{slowFile}' timed out after 1 s; skipped", e);
        Assert.True(slow.RanOnBackgroundThread, "the timed analysis must run on a background thread");
        AssertNoStackTrace(e, o);

        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        var run = doc.RootElement.GetProperty("runs")[0];
        var note = run.GetProperty("invocations")[0].GetProperty("toolExecutionNotifications")[0];
        Assert.Equal("warning", note.GetProperty("level").GetString());
        Assert.Contains("timed out after 1 s; skipped", note.GetProperty("message").GetProperty("text").GetString());
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Single(results); // b-fast's syntax error; nothing from the skipped file
        Assert.Contains("b-fast.ptx", results[0].GetRawText());

        // Text output: the other file is reported.
        using var slow2 = new SlowRule();
        Assert.Equal(2, RobustHost.Run(out o, out e, new IRule[] { slow2 }, null, "analyze", tmp.Path, "--timeout", "0.5"));
        Assert.Contains("b-fast.ptx:4:1: error PTX000", o);
        Assert.Contains("timed out after 0.5 s; skipped", e);
    }

    [Fact]
    public void No_limit_with_timeout_0_and_bad_values_are_usage_errors()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("k.ptx", Header);
        Assert.Equal(0, RobustHost.Run(out _, out var e, "analyze", f, "--timeout", "0"));
        Assert.Equal("", e);
        Assert.Equal(2, RobustHost.Run(out _, out e, "analyze", f, "--timeout", "-3"));
        Assert.Contains("ptxlint: error: invalid --timeout", e);
        Assert.Equal(2, RobustHost.Run(out _, out e, "analyze", f, "--timeout", "soon"));
        Assert.StartsWith("ptxlint: error: ", e);
    }
}

public sealed class OutputIntegrityTests
{
    private const string Header = ".version 8.0\n.target sm_90\n.address_size 64\n";

    private static string[] TempFiles(string dir) => Directory.GetFiles(dir, "*.tmp").Select(Path.GetFileName).ToArray()!;

    [Fact]
    public void A_failure_while_writing_keeps_the_old_output_and_leaves_no_temp_file()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("src/k.ptx", Header + "SYNTAX\n");
        var outFile = tmp.Write("out/report.sarif", "old report");
        var env = new Dictionary<string, string> { [AnalyzeCommand.WriteFaultVariable] = "throw" };
        Assert.Equal(2, RobustHost.Run(out var o, out var e, null, env, "analyze", f, "--format", "sarif", "-o", outFile));
        Assert.Contains("ptxlint: internal error:", e);
        Assert.DoesNotContain("   at ", e);
        Assert.Equal("old report", File.ReadAllText(outFile));
        Assert.Empty(TempFiles(Path.Combine(tmp.Path, "out")));
    }

    [Fact]
    public void A_rule_that_throws_gives_a_complete_report_with_the_error_and_exit_2()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("k.ptx", Header + "SYNTAX\n");
        var outFile = tmp.Write("report.sarif", "old report");
        var rules = new IRule[] { new Fakes.ThrowingRule(Fakes.Descriptor("PTX992", "throwing-thing")) };
        Assert.Equal(2, RobustHost.Run(out _, out var e, rules, null, "analyze", f, "--format", "sarif", "-o", outFile));
        Assert.Contains("ptxlint: error: internal error: rule PTX992 (throwing-thing) failed on", e);
        Assert.DoesNotContain("   at ", e);
        using var doc = JsonDocument.Parse(File.ReadAllText(outFile)); // complete, valid JSON
        var inv = doc.RootElement.GetProperty("runs")[0].GetProperty("invocations")[0];
        Assert.False(inv.GetProperty("executionSuccessful").GetBoolean());
        Assert.Single(doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()); // the syntax error is still there
        Assert.Empty(TempFiles(tmp.Path));
    }

    [Fact]
    public void Normal_exits_leave_no_temp_files_and_inputs_are_never_modified()
    {
        using var tmp = new TempDir();
        foreach (var s in Directory.GetFiles(Repo.Samples, "*.ptx").Take(6))
            File.Copy(s, Path.Combine(tmp.Path, Path.GetFileName(s)));
        tmp.Write("bad.ptx", Header + "SYNTAX\n");
        File.WriteAllBytes(Path.Combine(tmp.Path, "latin1.ptx"), new byte[] { 0x2F, 0x2F, 0xE9, 0x0D, 0x0A, 0xEF, 0xBB });
        var before = Hashes(tmp.Path);
        foreach (var format in new[] { "text", "sarif", "json" })
        {
            var outFile = Path.Combine(tmp.Path, "report." + format); // written into the analyzed folder
            var rc = RobustHost.Run(out _, out var e, "analyze", tmp.Path, "--format", format, "-o", outFile);
            Assert.True(rc == 1, e);
            Assert.True(new FileInfo(outFile).Length > 0);
            Assert.Empty(TempFiles(tmp.Path));
            File.Delete(outFile);
        }
        Assert.Equal(before, Hashes(tmp.Path));
    }

    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>A real process killed while it writes the report (after the temp file exists, before the rename).</summary>
    [UnixFact]
    public void A_process_killed_mid_write_leaves_the_old_output_intact()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("src/k.ptx", Header + "SYNTAX\n");
        var outDir = Path.Combine(tmp.Path, "out");
        var outFile = tmp.Write("out/report.sarif", "old report");
        var env = new Dictionary<string, string> { [AnalyzeCommand.WriteFaultVariable] = "delay:60000" };

        foreach (var signal in new[] { "TERM", "INT", "KILL" })
        {
            using var p = Start(env, "analyze", f, "--format", "sarif", "-o", outFile);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (TempFiles(outDir).Length == 0 && !p.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.True(TempFiles(outDir).Length > 0, $"SIG{signal}: the temp file never appeared; stderr: " + (p.HasExited ? p.StandardError.ReadToEnd() : ""));
            Thread.Sleep(200); // the report is in the temp file; the process sleeps before the rename
            Signal(p.Id, signal);
            Assert.True(p.WaitForExit(30_000), $"SIG{signal}: the process did not end");
            Assert.NotEqual(0, p.ExitCode);
            Assert.Equal("old report", File.ReadAllText(outFile));
            if (signal != "KILL")
                Assert.True(TempFiles(outDir).Length == 0, $"SIG{signal} left " + string.Join(", ", TempFiles(outDir)));
            else
                foreach (var t in TempFiles(outDir)) // SIGKILL cannot be caught: the temp file stays, named after the report
                {
                    Assert.StartsWith(".report.sarif.", t);
                    File.Delete(Path.Combine(outDir, t));
                }
        }
    }

    private static string FileType(string path)
    {
        var r = ProcessRunner.Run("stat", Path.GetDirectoryName(path)!, new[] { "-c", "%F", path }, null, TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Trim();
    }

    /// <summary>
    /// <c>-o</c> naming something that is not a regular file (here a FIFO; <c>/dev/null</c> is the same case) writes into
    /// it. A rename over it would have put a regular file in its place: as root, <c>-o /dev/null</c> broke /dev/null.
    /// </summary>
    [UnixFact]
    public void Output_to_a_fifo_is_written_into_it_and_it_stays_a_fifo()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("k.ptx", Header + "SYNTAX\n");
        var fifo = Path.Combine(tmp.Path, "report.fifo");
        var mk = ProcessRunner.Run("mkfifo", tmp.Path, new[] { fifo }, null, TimeSpan.FromSeconds(30));
        Assert.True(mk.ExitCode == 0, mk.ToString());
        Assert.Equal("fifo", FileType(fifo));
        var reader = Task.Run(() => File.ReadAllText(fifo)); // opening for reading waits for the writer
        var rc = RobustHost.Run(out _, out var e, "analyze", f, "--format", "json", "-o", fifo);
        if (!reader.Wait(TimeSpan.FromSeconds(60)))
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // release the waiting reader
            Assert.Fail("nothing was written into the FIFO; " + e);
        }
        Assert.True(rc == 1, e);
        using var doc = JsonDocument.Parse(reader.Result); // the whole report came through
        Assert.True(doc.RootElement.GetArrayLength() > 0);
        Assert.Equal("fifo", FileType(fifo));
        Assert.Empty(TempFiles(tmp.Path));
    }

    /// <summary>A report written through a symbolic link replaces the file the link points to, and the link stays.</summary>
    [UnixFact]
    public void Output_through_a_symbolic_link_replaces_its_target_and_keeps_the_link()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("k.ptx", Header + "SYNTAX\n");
        var target = tmp.Write("reports/latest.json", "old report");
        var link = Path.Combine(tmp.Path, "report.json");
        File.CreateSymbolicLink(link, Path.Combine("reports", "latest.json")); // relative, as `ln -s` makes it
        var rc = RobustHost.Run(out _, out var e, "analyze", f, "--format", "json", "-o", link);
        Assert.True(rc == 1, e);
        Assert.Equal(Path.Combine("reports", "latest.json"), new FileInfo(link).LinkTarget);
        using var doc = JsonDocument.Parse(File.ReadAllText(target));
        Assert.True(doc.RootElement.GetArrayLength() > 0);
        Assert.Empty(TempFiles(tmp.Path));
        Assert.Empty(TempFiles(Path.Combine(tmp.Path, "reports")));
    }

    /// <summary>A report that replaces an older one keeps the older file's permissions.</summary>
    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_replaced_report_keeps_its_permissions()
    {
        using var tmp = new TempDir();
        var f = tmp.Write("k.ptx", Header + "SYNTAX\n");
        var outFile = tmp.Write("report.json", "old report");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(outFile, mode);
        var rc = RobustHost.Run(out _, out var e, "analyze", f, "--format", "json", "-o", outFile);
        Assert.True(rc == 1, e);
        Assert.NotEqual("old report", File.ReadAllText(outFile));
        Assert.Equal(mode, File.GetUnixFileMode(outFile));
    }
}
