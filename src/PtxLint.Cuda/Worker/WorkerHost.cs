using System.Diagnostics;
using System.Security.Cryptography;
using PtxLint.Cuda.Driver;

namespace PtxLint.Cuda.Worker;

/// <summary>
/// The worker side: <c>ptxlint confirm-worker</c> reads a <see cref="WorkerRequest"/> (JSON) on stdin, runs it on the
/// GPU and prints one line <c>PTXLINT-RESULT: {json}</c> on stdout. Anything else on stdout (compute-sanitizer
/// reports) is left for the parent to parse. A sticky CUDA error ends the process; the parent goes on.
/// </summary>
public static class WorkerHost
{
    public const string ResultMarker = "PTXLINT-RESULT: ";
    public const string CommandName = "confirm-worker";

    /// <summary>Entry point of the hidden <c>confirm-worker</c> command. Exit code 0 on success, 1 on a CUDA error, 2 on a bad request.</summary>
    public static int WorkerMain(string[] args)
    {
        WorkerResponse response;
        int code;
        try
        {
            var input = Console.In.ReadToEnd();
            var request = WorkerJson.DeserializeRequest(input);
            response = Run(request);
            code = response.Ok ? 0 : 1;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            response = new WorkerResponse { Ok = false, Stage = "request", Error = e.Message };
            code = 2;
        }
        catch (Exception e)
        {
            response = new WorkerResponse { Ok = false, Stage = "worker", Error = e.GetType().Name + ": " + e.Message };
            code = 1;
        }
        Console.Out.Flush();
        Console.Out.WriteLine(ResultMarker + WorkerJson.Serialize(response));
        Console.Out.Flush();
        return code;
    }

    /// <summary>Runs a request in this process. Never throws for CUDA errors: they land in the response.</summary>
    public static WorkerResponse Run(WorkerRequest request)
    {
        var response = new WorkerResponse();
        if (!CudaDriver.TryLoad(out var cu, out var reason))
        {
            response.Stage = "driver";
            response.Error = reason;
            return response;
        }
        string stage = "init";
        string? launchLabel = null;
        int device = 0;
        IntPtr ctx = IntPtr.Zero;
        var modules = new Dictionary<int, IntPtr>();
        try
        {
            cu!.Init();
            stage = "device";
            int count = cu.DeviceCount();
            if (count == 0) throw new CudaException("cuDeviceGetCount", 100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected");
            device = cu.DeviceGet(request.Device);
            var (major, minor) = cu.ComputeCapability(device);
            response.DeviceInfo = new DeviceInfo
            {
                Name = cu.DeviceName(device), Major = major, Minor = minor,
                DriverVersion = cu.DriverVersion(), DeviceCount = count,
            };
            if (request.Modules.Count == 0 && request.Launches.Count == 0) { response.Ok = true; return response; }
            stage = "context";
            ctx = cu.PrimaryContextRetain(device);
            cu.SetCurrent(ctx);

            IntPtr Module(int index)
            {
                if (modules.TryGetValue(index, out var m)) return m;
                stage = "load";
                m = cu.ModuleLoadPtx(request.Modules[index], out _, request.LineInfo);
                modules[index] = m;
                return m;
            }
            if (request.LoadModules)
                for (int i = 0; i < request.Modules.Count; i++) Module(i);

            long returned = 0;
            foreach (var launch in request.Launches)
            {
                launchLabel = launch.Label;
                var module = Module(launch.Module);
                stage = "function";
                var fn = cu.ModuleGetFunction(module, launch.Spec.Name);
                var result = new LaunchResult { Label = launch.Label };
                for (int run = 0; run < Math.Max(1, launch.Repeat); run++)
                    result.Runs.Add(RunOnce(cu, fn, launch, ref stage, ref returned, request.MaxReturnBytes));
                response.Launches.Add(result);
            }
            launchLabel = null;
            stage = "unload";
            foreach (var m in modules.Values) cu.ModuleUnload(m);
            modules.Clear();
            response.Ok = true;
        }
        catch (CudaException e)
        {
            response.Ok = false;
            response.Stage = stage;
            response.ErrorName = e.ResultName;
            response.ErrorCode = e.Result;
            response.Error = e.Message;
            response.JitLog = e.JitLog;
            response.FailedLaunch = launchLabel;
            if (e.IsSticky) return response; // the context is unusable: the process ends, no cleanup calls
        }
        finally
        {
            if (ctx != IntPtr.Zero && response.Ok)
            {
                try { cu!.PrimaryContextRelease(device); } catch (CudaException) { }
            }
        }
        return response;
    }

    private static RunResult RunOnce(CudaDriver cu, IntPtr fn, WorkerLaunch launch, ref string stage, ref long returned, long maxReturn)
    {
        var spec = launch.Spec;
        var ptrs = new List<ulong>();
        var host = new Dictionary<int, byte[]>();
        var args = new List<byte[]>();
        var run = new RunResult();
        try
        {
            for (int i = 0; i < spec.Params.Count; i++)
            {
                var p = spec.Params[i];
                if (p.Buffer is { } b)
                {
                    stage = "alloc";
                    var data = BufferFill.Create(b);
                    var d = cu.MemAlloc(b.Bytes);
                    ptrs.Add(d);
                    cu.CopyHtoD(d, data);
                    host[i] = data;
                    args.Add(BitConverter.GetBytes(d));
                }
                else
                {
                    args.Add(ElementTypes.Encode(p.Scalar!.Type, p.Scalar.Value));
                }
            }
            stage = "launch";
            var sw = Stopwatch.StartNew();
            cu.LaunchKernel(fn, ((uint)spec.Grid[0], (uint)spec.Grid[1], (uint)spec.Grid[2]),
                            ((uint)spec.Block[0], (uint)spec.Block[1], (uint)spec.Block[2]),
                            (uint)spec.DynamicSharedBytes, args);
            stage = "sync";
            cu.Synchronize();
            run.Milliseconds = sw.Elapsed.TotalMilliseconds;
            stage = "copy";
            int k = 0;
            for (int i = 0; i < spec.Params.Count; i++)
            {
                if (spec.Params[i].Buffer is not { } b) continue;
                var after = new byte[b.Bytes];
                cu.CopyDtoH(after, ptrs[k++]);
                var diff = BufferDiff.Compute(host[i], after);
                var br = new BufferResult
                {
                    Param = i, Name = spec.Params[i].Name, Bytes = b.Bytes, Output = b.Output,
                    ChangedBytes = diff.ChangedBytes, ChangedRanges = diff.Ranges, RangesTruncated = diff.Truncated,
                    Sha256 = Convert.ToHexStringLower(SHA256.HashData(after)),
                };
                if ((b.Output || launch.ReturnAll) && returned + after.Length <= maxReturn)
                {
                    br.Data = after;
                    returned += after.Length;
                }
                run.Buffers.Add(br);
            }
            stage = "free";
            foreach (var d in ptrs) cu.MemFree(d);
            ptrs.Clear();
            return run;
        }
        catch (CudaException e) when (!e.IsSticky)
        {
            foreach (var d in ptrs)
            {
                try { cu.MemFree(d); } catch (CudaException) { }
            }
            throw;
        }
    }
}

/// <summary>Which bytes of a buffer a launch changed.</summary>
public static class BufferDiff
{
    public sealed record Result(long ChangedBytes, List<long[]> Ranges, bool Truncated);

    /// <summary>Changed byte ranges [start, end) of <paramref name="after"/> against <paramref name="before"/>, merged across gaps below <paramref name="mergeGap"/>.</summary>
    public static Result Compute(ReadOnlySpan<byte> before, ReadOnlySpan<byte> after, int maxRanges = 256, int mergeGap = 16)
    {
        long changed = 0;
        var ranges = new List<long[]>();
        bool truncated = false;
        long lastEnd = 0;
        int n = Math.Min(before.Length, after.Length);
        int i = 0;
        while (i < n)
        {
            int off = before[i..n].CommonPrefixLength(after[i..n]);
            i += off;
            if (i >= n) break;
            int start = i;
            while (i < n && before[i] != after[i]) { changed++; i++; }
            lastEnd = i;
            if (ranges.Count > 0 && start - ranges[^1][1] < mergeGap) ranges[^1][1] = i;
            else if (ranges.Count < maxRanges) ranges.Add([start, i]);
            else truncated = true;
        }
        if (truncated && ranges.Count > 0) ranges[^1][1] = lastEnd; // the last range swallows the ones past the cap
        return new Result(changed, ranges, truncated);
    }
}
