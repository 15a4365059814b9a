using System.Diagnostics;
using System.Text;

namespace PtxLint.Cuda.Worker;

/// <summary>compute-sanitizer tools the experiments use.</summary>
public enum SanitizerTool
{
    None,
    Memcheck,
    Racecheck,
    Initcheck,
}

/// <summary>Makes the command line of a worker process (injectable: tests use <c>sleep</c> or a script).</summary>
public interface IWorkerLauncher
{
    /// <summary>The worker command without any sanitizer wrapper; stdin, stdout and stderr get redirected by the caller.</summary>
    ProcessStartInfo CreateStartInfo();
}

/// <summary>The default: the running executable re-invoked with the hidden <c>confirm-worker</c> command.</summary>
public sealed class SelfWorkerLauncher : IWorkerLauncher
{
    // Assembly.Location is empty in a native (NativeAOT) build, whose process is never the dotnet host.
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000",
        Justification = "read only under the dotnet host, where the entry assembly is a file")]
    public ProcessStartInfo CreateStartInfo()
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the running executable to start a worker");
        var psi = new ProcessStartInfo(exe);
        // Under `dotnet ptxlint.dll` the process is the dotnet host: pass the entry assembly first.
        var name = Path.GetFileNameWithoutExtension(exe);
        if (name.Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            && System.Reflection.Assembly.GetEntryAssembly()?.Location is { Length: > 0 } dll)
            psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add(WorkerHost.CommandName);
        return psi;
    }
}

/// <summary>A fixed command line (tests, or a worker built elsewhere).</summary>
public sealed class CommandWorkerLauncher : IWorkerLauncher
{
    private readonly string _file;
    private readonly string[] _args;
    public CommandWorkerLauncher(string file, params string[] args) { _file = file; _args = args; }

    public ProcessStartInfo CreateStartInfo()
    {
        var psi = new ProcessStartInfo(_file);
        foreach (var a in _args) psi.ArgumentList.Add(a);
        return psi;
    }
}

public enum WorkerOutcomeKind
{
    /// <summary>The worker printed a result (which may itself report a CUDA error).</summary>
    Completed,
    /// <summary>The watchdog killed the worker's process tree.</summary>
    TimedOut,
    /// <summary>The worker ended without a result (signal, unhandled crash).</summary>
    Crashed,
    /// <summary>The worker could not be started.</summary>
    StartFailed,
}

/// <summary>How one worker run ended, with everything it printed.</summary>
public sealed record WorkerOutcome(
    WorkerOutcomeKind Kind,
    int? ExitCode,
    WorkerResponse? Response,
    string Stdout,
    string Stderr,
    TimeSpan Elapsed,
    SanitizerTool Tool,
    SanitizerReport? Sanitizer,
    string CommandLine)
{
    public bool Ok => Kind == WorkerOutcomeKind.Completed && Response is { Ok: true };

    /// <summary>A one-line account of a failure, for verdict reasons.</summary>
    public string Describe()
    {
        switch (Kind)
        {
            case WorkerOutcomeKind.TimedOut: return $"timeout: the worker did not finish within {Elapsed.TotalSeconds:0.#} s and was killed";
            case WorkerOutcomeKind.StartFailed: return "the worker could not be started: " + Stderr.Trim();
            case WorkerOutcomeKind.Crashed:
                var tail = Tail(Stderr, 400);
                return $"the worker crashed (exit code {ExitCode})" + (tail.Length > 0 ? ": " + tail : "");
        }
        if (Response is null) return "no result";
        if (Response.Ok) return "ok";
        var where = Response.FailedLaunch is { } l ? $" in launch '{l}'" : "";
        return $"{Response.ErrorName ?? Response.Stage} at {Response.Stage}{where}: {Response.Error}";
    }

    internal static string Tail(string s, int n)
    {
        s = s.Trim();
        return s.Length <= n ? s : "..." + s[^n..];
    }
}

/// <summary>
/// Runs a worker process with a request on stdin and a watchdog: on timeout the whole process tree is killed and
/// the outcome says so; a crash or a sticky CUDA error in the worker never reaches the parent.
/// </summary>
public sealed class WorkerClient
{
    private readonly IWorkerLauncher _launcher;

    public WorkerClient(IWorkerLauncher? launcher = null, string? sanitizerPath = null)
    {
        _launcher = launcher ?? new SelfWorkerLauncher();
        SanitizerPath = sanitizerPath;
    }

    /// <summary>compute-sanitizer's path, or null when it is not available.</summary>
    public string? SanitizerPath { get; }

    public async Task<WorkerOutcome> RunAsync(WorkerRequest request, TimeSpan timeout, SanitizerTool tool = SanitizerTool.None,
                                              CancellationToken cancellationToken = default)
    {
        var psi = _launcher.CreateStartInfo();
        if (tool != SanitizerTool.None)
        {
            if (SanitizerPath is null) throw new InvalidOperationException("compute-sanitizer is not available");
            var inner = psi;
            psi = new ProcessStartInfo(SanitizerPath);
            psi.ArgumentList.Add("--tool");
            psi.ArgumentList.Add(tool switch { SanitizerTool.Memcheck => "memcheck", SanitizerTool.Initcheck => "initcheck", _ => "racecheck" });
            psi.ArgumentList.Add(inner.FileName);
            foreach (var a in inner.ArgumentList) psi.ArgumentList.Add(a);
            foreach (var kv in inner.Environment) psi.Environment[kv.Key] = kv.Value;
        }
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.StandardOutputEncoding = Encoding.UTF8;
        psi.StandardErrorEncoding = Encoding.UTF8;
        var commandLine = string.Join(' ', new[] { psi.FileName }.Concat(psi.ArgumentList));

        var sw = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new WorkerOutcome(WorkerOutcomeKind.StartFailed, null, null, "", e.Message, sw.Elapsed, tool, null, commandLine);
        }

        using (process)
        {
            var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var stdinTask = Task.Run(async () =>
            {
                try
                {
                    await process.StandardInput.WriteAsync(WorkerJson.Serialize(request));
                    process.StandardInput.Close();
                }
                catch (IOException) { } // the worker exited without reading (crash, or a test command)
                catch (ObjectDisposedException) { }
            }, CancellationToken.None);

            bool timedOut = false;
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                cts.CancelAfter(timeout);
                try
                {
                    await process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    timedOut = !cancellationToken.IsCancellationRequested;
                    KillTree(process);
                    if (!timedOut) throw;
                }
            }
            var elapsed = sw.Elapsed;
            // After a kill the pipes close when the last process holding them is gone; do not wait forever.
            await Task.WhenAny(Task.WhenAll(stdoutTask, stderrTask, stdinTask), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
            string stdout = stdoutTask.IsCompletedSuccessfully ? stdoutTask.Result : "";
            string stderr = stderrTask.IsCompletedSuccessfully ? stderrTask.Result : "";
            int? exit = process.HasExited ? process.ExitCode : null;
            var response = ExtractResponse(stdout);
            SanitizerReport? report = tool == SanitizerTool.None ? null : SanitizerReport.Parse(stdout + "\n" + stderr);
            var kind = timedOut ? WorkerOutcomeKind.TimedOut
                     : response is not null ? WorkerOutcomeKind.Completed
                     : WorkerOutcomeKind.Crashed;
            return new WorkerOutcome(kind, exit, response, stdout, stderr, elapsed, tool, report, commandLine);
        }
    }

    private static void KillTree(Process p)
    {
        try { p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already exited
        catch (System.ComponentModel.Win32Exception) { }
        try { p.WaitForExit(5000); } catch (InvalidOperationException) { }
    }

    /// <summary>The last <c>PTXLINT-RESULT:</c> line of a worker's stdout, or null.</summary>
    public static WorkerResponse? ExtractResponse(string stdout)
    {
        string? json = null;
        foreach (var line in stdout.Split('\n'))
        {
            var t = line.TrimEnd('\r');
            int at = t.IndexOf(WorkerHost.ResultMarker, StringComparison.Ordinal);
            if (at >= 0) json = t[(at + WorkerHost.ResultMarker.Length)..];
        }
        if (json is null) return null;
        try { return WorkerJson.DeserializeResponse(json); }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { return null; }
    }

    /// <summary>Finds compute-sanitizer on PATH (or under CUDA_HOME / /usr/local/cuda/bin); null when absent.</summary>
    public static string? FindSanitizer()
    {
        var candidates = new List<string>();
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            candidates.Add(Path.Combine(dir, "compute-sanitizer"));
        if (Environment.GetEnvironmentVariable("CUDA_HOME") is { Length: > 0 } home)
            candidates.Add(Path.Combine(home, "bin", "compute-sanitizer"));
        candidates.Add("/usr/local/cuda/bin/compute-sanitizer");
        candidates.Add("/usr/local/cuda/compute-sanitizer/compute-sanitizer");
        return candidates.FirstOrDefault(File.Exists);
    }
}
