using System.Buffers.Binary;
using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Driver;
using PtxLint.Cuda.Worker;

namespace PtxLint.Tests.Cuda;

/// <summary>Needs a GPU and its driver; skipped with the reason shown elsewhere.</summary>
public class GpuTests
{
    [GpuFact]
    public void Saxpy_runs_in_process_through_the_driver_api()
    {
        var spec = LaunchSpecFile.Parse("""
            { "name": "saxpy", "grid": [1], "block": [256], "params": [
              { "buffer": { "bytes": 1024, "fill": "iota", "elementType": "f32", "output": true } },
              { "buffer": { "bytes": 1024, "fill": "constant", "value": 1.5, "elementType": "f32" } },
              { "scalar": { "type": "f32", "value": 2 } },
              { "scalar": { "type": "u32", "value": 256 } } ] }
            """).Kernels[0];
        var r = WorkerHost.Run(new WorkerRequest { Modules = { TestPtx.Saxpy }, Launches = { new WorkerLaunch { Label = "l", Spec = spec } } });
        Assert.True(r.Ok, r.Error + "\n" + r.JitLog);
        var y = r.Launches[0].Runs[0].Buffers.Single(b => b.Param == 0).Data!;
        for (int i = 0; i < 256; i++) Assert.Equal(2f * 1.5f + i, BinaryPrimitives.ReadSingleLittleEndian(y.AsSpan(i * 4)));
    }

    [GpuFact]
    public void A_rejected_ptx_shows_the_jit_log()
    {
        var r = WorkerHost.Run(new WorkerRequest { Modules = { ".version 8.0\n.target sm_80\n.address_size 64\n.visible .entry k() { bogus.instruction; }\n" }, LoadModules = true });
        Assert.False(r.Ok);
        Assert.Equal("load", r.Stage);
        Assert.NotNull(r.ErrorName);
        Assert.False(string.IsNullOrWhiteSpace(r.JitLog));
    }

    [Fact]
    public void Without_a_driver_the_worker_says_so()
    {
        if (CudaDriver.IsAvailable(out _)) return; // covered by the GPU facts there
        var r = WorkerHost.Run(new WorkerRequest());
        Assert.False(r.Ok);
        Assert.Equal("driver", r.Stage);
        Assert.Equal("no CUDA driver (libcuda.so.1 not found)", r.Error);
        Assert.False(CudaDriver.TryLoad(out var d, out var reason));
        Assert.Null(d);
        Assert.StartsWith("no CUDA driver", reason);
    }
}
