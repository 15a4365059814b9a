using System.Diagnostics;
using PtxLint.Cuda.Worker;

namespace PtxLint.Tests.Cuda;

public class WorkerClientTests
{
    private static WorkerClient Sh(string script) => new(new CommandWorkerLauncher("/bin/sh", "-c", script));

    [Fact]
    public async Task A_worker_that_sleeps_forever_is_killed_within_the_timeout()
    {
        var sw = Stopwatch.StartNew();
        var o = await new WorkerClient(new CommandWorkerLauncher("sleep", "1000")).RunAsync(new WorkerRequest(), TimeSpan.FromSeconds(1));
        Assert.Equal(WorkerOutcomeKind.TimedOut, o.Kind);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(8), $"took {sw.Elapsed}");
        Assert.StartsWith("timeout:", o.Describe());
    }

    [Fact]
    public async Task The_whole_process_tree_is_killed()
    {
        var pidFile = Path.GetTempFileName();
        try
        {
            var o = await Sh($"sleep 1000 & echo $! > '{pidFile}'; wait").RunAsync(new WorkerRequest(), TimeSpan.FromSeconds(1));
            Assert.Equal(WorkerOutcomeKind.TimedOut, o.Kind);
            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            // the grandchild sleep is gone (or a zombie about to be reaped)
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline && Alive(pid)) await Task.Delay(50);
            Assert.False(Alive(pid), $"child {pid} survived");
        }
        finally { File.Delete(pidFile); }
    }

    private static bool Alive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try { return !File.ReadAllText(stat).Split(' ')[2].Equals("Z"); } catch (IOException) { return false; }
    }

    [Fact]
    public async Task A_result_line_among_other_output_is_parsed()
    {
        var o = await Sh("cat > /dev/null; echo '========= COMPUTE-SANITIZER'; echo 'PTXLINT-RESULT: {\"ok\":true,\"deviceInfo\":{\"name\":\"Fake\",\"major\":9,\"minor\":0,\"driverVersion\":13000,\"deviceCount\":1}}'; echo '========= ERROR SUMMARY: 0 errors'")
            .RunAsync(new WorkerRequest { Modules = { new string('x', 200_000) } }, TimeSpan.FromSeconds(10)); // larger than a pipe buffer
        Assert.Equal(WorkerOutcomeKind.Completed, o.Kind);
        Assert.True(o.Ok);
        Assert.Equal("Fake", o.Response!.DeviceInfo!.Name);
        Assert.Equal("sm_90", o.Response.DeviceInfo.Sm);
        Assert.Equal(0, o.ExitCode);
    }

    [Fact]
    public async Task A_crash_is_reported_not_thrown()
    {
        var o = await Sh("echo 'Segmentation fault' >&2; kill -SEGV $$").RunAsync(new WorkerRequest(), TimeSpan.FromSeconds(10));
        Assert.Equal(WorkerOutcomeKind.Crashed, o.Kind);
        Assert.Contains("crashed", o.Describe());
        Assert.Contains("Segmentation fault", o.Describe());
    }

    [Fact]
    public async Task A_missing_worker_executable_is_reported()
    {
        var o = await new WorkerClient(new CommandWorkerLauncher("/nonexistent/ptxlint-worker")).RunAsync(new WorkerRequest(), TimeSpan.FromSeconds(5));
        Assert.Equal(WorkerOutcomeKind.StartFailed, o.Kind);
    }

    [Fact]
    public void Protocol_round_trips()
    {
        var req = new WorkerRequest { Modules = { ".version 9.0" } };
        req.Launches.Add(new WorkerLaunch { Label = "l", Spec = new PtxLint.Cuda.KernelLaunchSpec { Name = "k" }, Repeat = 3 });
        var back = WorkerJson.DeserializeRequest(WorkerJson.Serialize(req));
        Assert.Equal("k", back.Launches[0].Spec.Name);
        Assert.Equal(3, back.Launches[0].Repeat);
        var resp = new WorkerResponse { Ok = true, Launches = { new LaunchResult { Runs = { new RunResult { Buffers = { new BufferResult { Data = [1, 2, 3], ChangedRanges = { new long[] { 0, 3 } } } } } } } } };
        var r = WorkerClient.ExtractResponse("noise\n" + WorkerHost.ResultMarker + WorkerJson.Serialize(resp) + "\nmore noise\n");
        Assert.Equal([1, 2, 3], r!.Launches[0].Runs[0].Buffers[0].Data);
        Assert.Null(WorkerClient.ExtractResponse("no result here"));
    }
}
