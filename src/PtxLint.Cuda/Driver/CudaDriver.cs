using System.Runtime.InteropServices;
using System.Text;

namespace PtxLint.Cuda.Driver;

/// <summary>CUresult values this project names; any other value is kept as its number.</summary>
public enum CudaResult
{
    Success = 0,
    InvalidValue = 1,
    OutOfMemory = 2,
    NotInitialized = 3,
    Deinitialized = 4,
    StubLibrary = 34,
    NoDevice = 100,
    InvalidDevice = 101,
    InvalidImage = 200,
    InvalidContext = 201,
    NoBinaryForGpu = 209,
    InvalidPtx = 218,
    JitCompilerNotFound = 221,
    UnsupportedPtxVersion = 222,
    JitCompilationDisabled = 223,
    NotFound = 500,
    IllegalAddress = 700,
    LaunchOutOfResources = 701,
    LaunchTimeout = 702,
    LaunchFailed = 719,
    Unknown = 999,
}

/// <summary>A failed driver call: the CUresult, its name and description, and the JIT log when a module load failed.</summary>
public class CudaException : Exception
{
    public CudaException(string call, int result, string name, string description, string? jitLog = null)
        : base($"{call} failed: {name} ({result}): {description}" + (string.IsNullOrWhiteSpace(jitLog) ? "" : "\nJIT log:\n" + jitLog.TrimEnd()))
    {
        Call = call;
        Result = result;
        ResultName = name;
        Description = description;
        JitLog = string.IsNullOrWhiteSpace(jitLog) ? null : jitLog.TrimEnd();
    }

    /// <summary>The driver entry point that failed, e.g. <c>cuModuleLoadDataEx</c>.</summary>
    public string Call { get; }
    /// <summary>The raw CUresult.</summary>
    public int Result { get; }
    /// <summary>From cuGetErrorName, e.g. <c>CUDA_ERROR_UNSUPPORTED_PTX_VERSION</c>.</summary>
    public string ResultName { get; }
    /// <summary>From cuGetErrorString.</summary>
    public string Description { get; }
    /// <summary>The JIT error log (cuModuleLoadDataEx only).</summary>
    public string? JitLog { get; }

    /// <summary>Sticky errors leave the context unusable: the process must end (the parent goes on).</summary>
    public bool IsSticky => Result is 700 or 714 or 715 or 716 or 717 or 718 or 719;
}

/// <summary>
/// P/Invoke to the CUDA driver API (<c>libcuda.so.1</c>), bound at run time with <see cref="NativeLibrary"/> so that a
/// machine without the driver gets a clear message (<see cref="TryLoad"/>) instead of a DllNotFoundException.
/// Handles (CUcontext, CUmodule, CUfunction, CUstream) are <see cref="IntPtr"/>; CUdeviceptr is <see cref="ulong"/>.
/// </summary>
public sealed unsafe class CudaDriver
{
    public const string LibraryName = "libcuda.so.1";
    /// <summary>Environment variable naming another driver library path (tests, unusual installs).</summary>
    public const string LibraryOverrideVariable = "PTXLINT_LIBCUDA";

    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public const int CU_JIT_INFO_LOG_BUFFER = 3;
    public const int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    public const int CU_JIT_ERROR_LOG_BUFFER = 5;
    public const int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    public const int CU_JIT_GENERATE_LINE_INFO = 13;

    private readonly IntPtr _lib;
    private readonly delegate* unmanaged<uint, int> _cuInit;
    private readonly delegate* unmanaged<int*, int> _cuDriverGetVersion;
    private readonly delegate* unmanaged<int*, int> _cuDeviceGetCount;
    private readonly delegate* unmanaged<int*, int, int> _cuDeviceGet;
    private readonly delegate* unmanaged<byte*, int, int, int> _cuDeviceGetName;
    private readonly delegate* unmanaged<int*, int, int, int> _cuDeviceGetAttribute;
    private readonly delegate* unmanaged<IntPtr*, int, int> _cuDevicePrimaryCtxRetain;
    private readonly delegate* unmanaged<int, int> _cuDevicePrimaryCtxRelease;
    private readonly delegate* unmanaged<IntPtr, int> _cuCtxSetCurrent;
    private readonly delegate* unmanaged<int> _cuCtxSynchronize;
    private readonly delegate* unmanaged<IntPtr*, void*, uint, int*, void**, int> _cuModuleLoadDataEx;
    private readonly delegate* unmanaged<IntPtr*, IntPtr, byte*, int> _cuModuleGetFunction;
    private readonly delegate* unmanaged<IntPtr, int> _cuModuleUnload;
    private readonly delegate* unmanaged<ulong*, nuint, int> _cuMemAlloc;
    private readonly delegate* unmanaged<ulong, int> _cuMemFree;
    private readonly delegate* unmanaged<ulong, byte, nuint, int> _cuMemsetD8;
    private readonly delegate* unmanaged<ulong, void*, nuint, int> _cuMemcpyHtoD;
    private readonly delegate* unmanaged<void*, ulong, nuint, int> _cuMemcpyDtoH;
    private readonly delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> _cuLaunchKernel;
    private readonly delegate* unmanaged<int, byte**, int> _cuGetErrorName;
    private readonly delegate* unmanaged<int, byte**, int> _cuGetErrorString;

    private CudaDriver(IntPtr lib)
    {
        _lib = lib;
        _cuInit = (delegate* unmanaged<uint, int>)Export("cuInit");
        _cuDriverGetVersion = (delegate* unmanaged<int*, int>)Export("cuDriverGetVersion");
        _cuDeviceGetCount = (delegate* unmanaged<int*, int>)Export("cuDeviceGetCount");
        _cuDeviceGet = (delegate* unmanaged<int*, int, int>)Export("cuDeviceGet");
        _cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)Export("cuDeviceGetName");
        _cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)Export("cuDeviceGetAttribute");
        _cuDevicePrimaryCtxRetain = (delegate* unmanaged<IntPtr*, int, int>)Export("cuDevicePrimaryCtxRetain");
        // cuda.h maps cuDevicePrimaryCtxRelease to the _v2 entry point since CUDA 11.
        _cuDevicePrimaryCtxRelease = (delegate* unmanaged<int, int>)Export("cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
        _cuCtxSetCurrent = (delegate* unmanaged<IntPtr, int>)Export("cuCtxSetCurrent");
        _cuCtxSynchronize = (delegate* unmanaged<int>)Export("cuCtxSynchronize");
        _cuModuleLoadDataEx = (delegate* unmanaged<IntPtr*, void*, uint, int*, void**, int>)Export("cuModuleLoadDataEx");
        _cuModuleGetFunction = (delegate* unmanaged<IntPtr*, IntPtr, byte*, int>)Export("cuModuleGetFunction");
        _cuModuleUnload = (delegate* unmanaged<IntPtr, int>)Export("cuModuleUnload");
        _cuMemAlloc = (delegate* unmanaged<ulong*, nuint, int>)Export("cuMemAlloc_v2");
        _cuMemFree = (delegate* unmanaged<ulong, int>)Export("cuMemFree_v2");
        _cuMemsetD8 = (delegate* unmanaged<ulong, byte, nuint, int>)Export("cuMemsetD8_v2");
        _cuMemcpyHtoD = (delegate* unmanaged<ulong, void*, nuint, int>)Export("cuMemcpyHtoD_v2");
        _cuMemcpyDtoH = (delegate* unmanaged<void*, ulong, nuint, int>)Export("cuMemcpyDtoH_v2");
        _cuLaunchKernel = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)Export("cuLaunchKernel");
        _cuGetErrorName = (delegate* unmanaged<int, byte**, int>)Export("cuGetErrorName");
        _cuGetErrorString = (delegate* unmanaged<int, byte**, int>)Export("cuGetErrorString");
    }

    private void* Export(params string[] names)
    {
        foreach (var n in names)
            if (NativeLibrary.TryGetExport(_lib, n, out var p)) return (void*)p;
        throw new EntryPointNotFoundException($"{LibraryName} has no export {string.Join(" or ", names)} (driver too old?)");
    }

    /// <summary>The message used everywhere when the driver library cannot be loaded.</summary>
    public static string NoDriverReason(string? detail = null) =>
        $"no CUDA driver ({LibraryName} not found)" + (string.IsNullOrEmpty(detail) ? "" : ": " + detail);

    /// <summary>
    /// Loads the driver library and binds every entry point. Returns false with a reason (never throws) when the
    /// library is absent or lacks a symbol.
    /// </summary>
    public static bool TryLoad(out CudaDriver? driver, out string reason)
    {
        driver = null;
        var path = Environment.GetEnvironmentVariable(LibraryOverrideVariable);
        if (string.IsNullOrEmpty(path)) path = LibraryName;
        if (!NativeLibrary.TryLoad(path, out var lib))
        {
            reason = NoDriverReason(path == LibraryName ? null : path);
            return false;
        }
        try
        {
            driver = new CudaDriver(lib);
            reason = "";
            return true;
        }
        catch (EntryPointNotFoundException e)
        {
            NativeLibrary.Free(lib);
            reason = "unsupported CUDA driver: " + e.Message;
            return false;
        }
    }

    /// <summary>True when the driver library can be loaded on this machine (does not call cuInit).</summary>
    public static bool IsAvailable(out string reason)
    {
        var path = Environment.GetEnvironmentVariable(LibraryOverrideVariable);
        if (string.IsNullOrEmpty(path)) path = LibraryName;
        if (NativeLibrary.TryLoad(path, out var lib))
        {
            NativeLibrary.Free(lib);
            reason = "";
            return true;
        }
        reason = NoDriverReason(path == LibraryName ? null : path);
        return false;
    }

    // ---- error names -------------------------------------------------------------------------------------------

    public string ErrorName(int result)
    {
        byte* p = null;
        return _cuGetErrorName(result, &p) == 0 && p != null ? Marshal.PtrToStringUTF8((IntPtr)p)! : $"CUresult {result}";
    }

    public string ErrorString(int result)
    {
        byte* p = null;
        return _cuGetErrorString(result, &p) == 0 && p != null ? Marshal.PtrToStringUTF8((IntPtr)p)! : "unknown error";
    }

    private void Check(int rc, string call, string? jitLog = null)
    {
        if (rc != 0) throw new CudaException(call, rc, ErrorName(rc), ErrorString(rc), jitLog);
    }

    // ---- initialization and devices ----------------------------------------------------------------------------

    public void Init() => Check(_cuInit(0), "cuInit");

    /// <summary>Driver version as the driver encodes it: 1000 * major + 10 * minor (13000 = CUDA 13.0).</summary>
    public int DriverVersion()
    {
        int v;
        Check(_cuDriverGetVersion(&v), "cuDriverGetVersion");
        return v;
    }

    public int DeviceCount()
    {
        int n;
        Check(_cuDeviceGetCount(&n), "cuDeviceGetCount");
        return n;
    }

    public int DeviceGet(int ordinal)
    {
        int d;
        Check(_cuDeviceGet(&d, ordinal), "cuDeviceGet");
        return d;
    }

    public string DeviceName(int device)
    {
        var buf = stackalloc byte[256];
        Check(_cuDeviceGetName(buf, 256, device), "cuDeviceGetName");
        return Marshal.PtrToStringUTF8((IntPtr)buf) ?? "";
    }

    public int DeviceAttribute(int attribute, int device)
    {
        int v;
        Check(_cuDeviceGetAttribute(&v, attribute, device), "cuDeviceGetAttribute");
        return v;
    }

    public (int Major, int Minor) ComputeCapability(int device) =>
        (DeviceAttribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
         DeviceAttribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device));

    // ---- contexts -----------------------------------------------------------------------------------------------

    public IntPtr PrimaryContextRetain(int device)
    {
        IntPtr ctx;
        Check(_cuDevicePrimaryCtxRetain(&ctx, device), "cuDevicePrimaryCtxRetain");
        return ctx;
    }

    public void PrimaryContextRelease(int device) => Check(_cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");

    public void SetCurrent(IntPtr context) => Check(_cuCtxSetCurrent(context), "cuCtxSetCurrent");

    public void Synchronize() => Check(_cuCtxSynchronize(), "cuCtxSynchronize");

    // ---- modules ------------------------------------------------------------------------------------------------

    /// <summary>
    /// JIT-compiles PTX text with cuModuleLoadDataEx, passing error and info log buffers. On failure the
    /// <see cref="CudaException.JitLog"/> holds the JIT's error log (e.g. why <c>.target sm_100a</c> is rejected).
    /// </summary>
    public IntPtr ModuleLoadPtx(string ptx, out string infoLog, bool lineInfo = false)
    {
        const int LogSize = 64 * 1024;
        var image = Encoding.UTF8.GetBytes(ptx + "\0");
        var errorLog = new byte[LogSize];
        var info = new byte[LogSize];
        IntPtr module;
        int rc;
        fixed (byte* img = image)
        fixed (byte* err = errorLog)
        fixed (byte* inf = info)
        {
            int* options = stackalloc int[5];
            void** values = stackalloc void*[5];
            options[0] = CU_JIT_ERROR_LOG_BUFFER; values[0] = err;
            options[1] = CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES; values[1] = (void*)(nuint)LogSize;
            options[2] = CU_JIT_INFO_LOG_BUFFER; values[2] = inf;
            options[3] = CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES; values[3] = (void*)(nuint)LogSize;
            options[4] = CU_JIT_GENERATE_LINE_INFO; values[4] = (void*)(nuint)1;
            rc = _cuModuleLoadDataEx(&module, img, lineInfo ? 5u : 4u, options, values);
        }
        infoLog = CString(info);
        if (rc != 0)
        {
            var log = CString(errorLog);
            if (string.IsNullOrWhiteSpace(log)) log = infoLog;
            Check(rc, "cuModuleLoadDataEx", log);
        }
        return module;
    }

    private static string CString(byte[] buf)
    {
        int n = Array.IndexOf(buf, (byte)0);
        return Encoding.UTF8.GetString(buf, 0, n < 0 ? buf.Length : n);
    }

    public IntPtr ModuleGetFunction(IntPtr module, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        IntPtr fn;
        fixed (byte* p = bytes) Check(_cuModuleGetFunction(&fn, module, p), $"cuModuleGetFunction({name})");
        return fn;
    }

    public void ModuleUnload(IntPtr module) => Check(_cuModuleUnload(module), "cuModuleUnload");

    // ---- memory -------------------------------------------------------------------------------------------------

    public ulong MemAlloc(long bytes)
    {
        ulong p;
        Check(_cuMemAlloc(&p, (nuint)Math.Max(1, bytes)), "cuMemAlloc");
        return p;
    }

    public void MemFree(ulong ptr) => Check(_cuMemFree(ptr), "cuMemFree");

    public void MemsetD8(ulong ptr, byte value, long count) => Check(_cuMemsetD8(ptr, value, (nuint)count), "cuMemsetD8");

    public void CopyHtoD(ulong dst, ReadOnlySpan<byte> src)
    {
        fixed (byte* p = src) Check(_cuMemcpyHtoD(dst, p, (nuint)src.Length), "cuMemcpyHtoD");
    }

    public void CopyDtoH(Span<byte> dst, ulong src)
    {
        fixed (byte* p = dst) Check(_cuMemcpyDtoH(p, src, (nuint)dst.Length), "cuMemcpyDtoH");
    }

    // ---- launch -------------------------------------------------------------------------------------------------

    /// <summary>
    /// cuLaunchKernel on the default stream. <paramref name="args"/> holds each kernel parameter's bytes in order
    /// (a device pointer is its 8 bytes); kernelParams is built as an array of pointers to each.
    /// </summary>
    public void LaunchKernel(IntPtr function, (uint X, uint Y, uint Z) grid, (uint X, uint Y, uint Z) block,
                             uint sharedBytes, IReadOnlyList<byte[]> args)
    {
        var handles = new GCHandle[args.Count];
        try
        {
            void** kernelParams = stackalloc void*[Math.Max(1, args.Count)];
            for (int i = 0; i < args.Count; i++)
            {
                handles[i] = GCHandle.Alloc(args[i], GCHandleType.Pinned);
                kernelParams[i] = (void*)handles[i].AddrOfPinnedObject();
            }
            Check(_cuLaunchKernel(function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedBytes,
                                  IntPtr.Zero, args.Count == 0 ? null : kernelParams, null), "cuLaunchKernel");
        }
        finally
        {
            foreach (var h in handles)
                if (h.IsAllocated) h.Free();
        }
    }
}
