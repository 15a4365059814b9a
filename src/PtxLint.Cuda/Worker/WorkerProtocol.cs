using System.Text.Json;
using System.Text.Json.Serialization;

namespace PtxLint.Cuda.Worker;

/// <summary>
/// What the parent sends a worker on stdin: PTX module texts and the launches to run, in order, in one CUDA context.
/// A request with no launches only probes the device (and loads the modules when <see cref="LoadModules"/>).
/// </summary>
public sealed class WorkerRequest
{
    [JsonPropertyName("modules")] public List<string> Modules { get; set; } = new();
    [JsonPropertyName("launches")] public List<WorkerLaunch> Launches { get; set; } = new();
    [JsonPropertyName("device")] public int Device { get; set; }
    /// <summary>Load every module even when no launch uses it (reports the JIT log of a rejected PTX).</summary>
    [JsonPropertyName("loadModules")] public bool LoadModules { get; set; }
    /// <summary>JIT the modules with line information (CU_JIT_GENERATE_LINE_INFO), so compute-sanitizer names source lines.</summary>
    [JsonPropertyName("lineInfo")] public bool LineInfo { get; set; }
    /// <summary>Cap on bytes of buffer contents returned in all (base64 in JSON); larger outputs return hashes only.</summary>
    [JsonPropertyName("maxReturnBytes")] public long MaxReturnBytes { get; set; } = 64L << 20;
}

public sealed class WorkerLaunch
{
    [JsonPropertyName("label")] public string Label { get; set; } = "";
    [JsonPropertyName("module")] public int Module { get; set; }
    [JsonPropertyName("spec")] public KernelLaunchSpec Spec { get; set; } = new();
    /// <summary>Launch the same inputs this many times (fresh fills each time), one result per run.</summary>
    [JsonPropertyName("repeat")] public int Repeat { get; set; } = 1;
    /// <summary>Return the contents of every buffer, not only those marked output.</summary>
    [JsonPropertyName("returnAll")] public bool ReturnAll { get; set; }
}

/// <summary>What the worker prints (one line prefixed with <see cref="WorkerHost.ResultMarker"/>).</summary>
public sealed class WorkerResponse
{
    [JsonPropertyName("ok")] public bool Ok { get; set; }
    /// <summary>Where it failed: driver, init, device, load, function, alloc, launch, sync, copy, request.</summary>
    [JsonPropertyName("stage")] public string? Stage { get; set; }
    [JsonPropertyName("errorName")] public string? ErrorName { get; set; }
    [JsonPropertyName("errorCode")] public int? ErrorCode { get; set; }
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("jitLog")] public string? JitLog { get; set; }
    [JsonPropertyName("failedLaunch")] public string? FailedLaunch { get; set; }
    [JsonPropertyName("deviceInfo")] public DeviceInfo? DeviceInfo { get; set; }
    [JsonPropertyName("launches")] public List<LaunchResult> Launches { get; set; } = new();
}

public sealed class DeviceInfo
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("major")] public int Major { get; set; }
    [JsonPropertyName("minor")] public int Minor { get; set; }
    /// <summary>cuDriverGetVersion: 1000*major + 10*minor.</summary>
    [JsonPropertyName("driverVersion")] public int DriverVersion { get; set; }
    [JsonPropertyName("deviceCount")] public int DeviceCount { get; set; }

    [JsonIgnore] public string Sm => $"sm_{Major}{Minor}";
    [JsonIgnore] public string DriverCuda => $"{DriverVersion / 1000}.{DriverVersion % 1000 / 10}";
    public override string ToString() => $"{Name} ({Sm}, driver CUDA {DriverCuda})";
}

public sealed class LaunchResult
{
    [JsonPropertyName("label")] public string Label { get; set; } = "";
    [JsonPropertyName("runs")] public List<RunResult> Runs { get; set; } = new();
}

public sealed class RunResult
{
    [JsonPropertyName("milliseconds")] public double Milliseconds { get; set; }
    [JsonPropertyName("buffers")] public List<BufferResult> Buffers { get; set; } = new();
}

/// <summary>One device buffer after a launch, compared with what was uploaded before it.</summary>
public sealed class BufferResult
{
    [JsonPropertyName("param")] public int Param { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("bytes")] public long Bytes { get; set; }
    [JsonPropertyName("output")] public bool Output { get; set; }
    /// <summary>Bytes that differ from the uploaded contents.</summary>
    [JsonPropertyName("changedBytes")] public long ChangedBytes { get; set; }
    /// <summary>Changed byte ranges [start, end), merged across gaps under 16 bytes, at most 256 of them.</summary>
    [JsonPropertyName("changedRanges")] public List<long[]> ChangedRanges { get; set; } = new();
    [JsonPropertyName("rangesTruncated")] public bool RangesTruncated { get; set; }
    [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    /// <summary>The contents after the launch (base64), for outputs, within the request's byte cap.</summary>
    [JsonPropertyName("data")] public byte[]? Data { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkerRequest))]
[JsonSerializable(typeof(WorkerResponse))]
internal partial class WorkerJsonContext : JsonSerializerContext
{
}

public static class WorkerJson
{
    public static string Serialize(WorkerRequest r) => JsonSerializer.Serialize(r, WorkerJsonContext.Default.WorkerRequest);
    public static string Serialize(WorkerResponse r) => JsonSerializer.Serialize(r, WorkerJsonContext.Default.WorkerResponse);
    public static WorkerRequest DeserializeRequest(string json) =>
        JsonSerializer.Deserialize(json, WorkerJsonContext.Default.WorkerRequest) ?? throw new FormatException("empty worker request");
    public static WorkerResponse DeserializeResponse(string json) =>
        JsonSerializer.Deserialize(json, WorkerJsonContext.Default.WorkerResponse) ?? throw new FormatException("empty worker response");
}
