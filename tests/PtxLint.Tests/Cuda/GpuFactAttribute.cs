using PtxLint.Cuda.Driver;

namespace PtxLint.Tests.Cuda;

/// <summary>A fact that needs the CUDA driver: skipped, with the reason shown, when libcuda.so.1 cannot be loaded.</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        if (!CudaDriver.IsAvailable(out var reason)) Skip = reason; // "no CUDA driver (libcuda.so.1 not found)"
    }
}
