using System.Text.Json;
using System.Text.Json.Serialization;

namespace PtxLint.Cuda;

/// <summary>
/// The launch spec file, <c>FILE.ptx.launch.json</c> beside the PTX:
/// <code>
/// { "kernels": [ { "name": "rmsnorm_batched", "grid": [1,1,1], "block": [256,1,1], "dynamicSharedBytes": 0,
///     "params": [ { "name": "out", "buffer": { "bytes": 32768, "fill": "sentinel", "elementType": "f32", "output": true } },
///                 { "buffer": { "bytes": 32768, "fill": "random", "seed": 1, "elementType": "f32" } },
///                 { "scalar": { "type": "u32", "value": 1024 } } ],
///     "experiments": { "PTX002": { "rows": 8 }, "PTX009": { "runs": 30 } } } ] }
/// </code>
/// A file holding one kernel object (with "name") at the top level is accepted too.
/// </summary>
public sealed class LaunchSpecFile
{
    [JsonPropertyName("kernels")] public List<KernelLaunchSpec> Kernels { get; set; } = new();

    public KernelLaunchSpec? Find(string kernel) => Kernels.FirstOrDefault(k => k.Name == kernel);

    /// <summary>The spec path for a PTX file: <c>FILE.ptx.launch.json</c>.</summary>
    public static string DefaultPathFor(string ptxPath) => ptxPath + ".launch.json";

    public static LaunchSpecFile Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        LaunchSpecFile? file;
        if (doc.RootElement.ValueKind == JsonValueKind.Object && !doc.RootElement.TryGetProperty("kernels", out _))
        {
            var one = doc.RootElement.Deserialize(LaunchSpecJsonContext.Default.KernelLaunchSpec)
                      ?? throw new FormatException("launch spec: empty kernel object");
            file = new LaunchSpecFile { Kernels = { one } };
        }
        else
        {
            file = doc.RootElement.Deserialize(LaunchSpecJsonContext.Default.LaunchSpecFile);
        }
        if (file is null) throw new FormatException("launch spec: empty document");
        foreach (var k in file.Kernels) k.Validate();
        return file;
    }

    public static LaunchSpecFile Load(string path)
    {
        try { return Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new FormatException($"{path}: invalid launch spec: {e.Message}", e); }
        catch (FormatException e) { throw new FormatException($"{path}: {e.Message}", e); }
    }

    /// <summary>Loads the spec named explicitly, or the one beside the PTX file; null when neither exists.</summary>
    public static LaunchSpecFile? LoadFor(string ptxPath, string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return Load(explicitPath);
        var beside = DefaultPathFor(ptxPath);
        return File.Exists(beside) ? Load(beside) : null;
    }

    public string ToJson() => JsonSerializer.Serialize(this, LaunchSpecJsonContext.Default.LaunchSpecFile);
}

/// <summary>How one kernel is launched.</summary>
public sealed class KernelLaunchSpec
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("grid")] public int[] Grid { get; set; } = [1, 1, 1];
    [JsonPropertyName("block")] public int[] Block { get; set; } = [128, 1, 1];
    [JsonPropertyName("dynamicSharedBytes")] public int DynamicSharedBytes { get; set; }
    [JsonPropertyName("params")] public List<ParamSpec> Params { get; set; } = new();
    /// <summary>Per-experiment overrides keyed by rule id (PTX002 rows, PTX003 steps/positions, PTX009 runs ...).</summary>
    [JsonPropertyName("experiments")] public Dictionary<string, ExperimentOverrides> Experiments { get; set; } = new();
    /// <summary>Assumptions made when this spec was inferred (empty for a spec read from a file).</summary>
    [JsonIgnore] public List<string> Assumptions { get; } = new();
    [JsonIgnore] public bool Inferred { get; set; }

    public ExperimentOverrides For(string ruleId) =>
        Experiments.TryGetValue(ruleId, out var o) ? o : new ExperimentOverrides();

    public int IndexOfParam(string name) => Params.FindIndex(p => p.Name == name);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new FormatException("launch spec: a kernel entry has no \"name\"");
        Grid = Dim3(Grid, "grid");
        Block = Dim3(Block, "block");
        if (DynamicSharedBytes < 0) throw new FormatException($"launch spec {Name}: dynamicSharedBytes < 0");
        for (int i = 0; i < Params.Count; i++)
        {
            var p = Params[i];
            if ((p.Buffer is null) == (p.Scalar is null))
                throw new FormatException($"launch spec {Name}: param {i} must have exactly one of \"buffer\" or \"scalar\"");
            if (p.Buffer is { } b)
            {
                if (b.Bytes <= 0) throw new FormatException($"launch spec {Name}: param {i}: buffer bytes must be > 0");
                if (!BufferFill.IsKnownFill(b.Fill)) throw new FormatException($"launch spec {Name}: param {i}: unknown fill \"{b.Fill}\" (zeros, iota, random, constant, sentinel)");
                if (ElementTypes.Size(b.ElementType) == 0) throw new FormatException($"launch spec {Name}: param {i}: unknown elementType \"{b.ElementType}\"");
            }
            if (p.Scalar is { } s && ElementTypes.Size(s.Type) == 0)
                throw new FormatException($"launch spec {Name}: param {i}: unknown scalar type \"{s.Type}\"");
        }
    }

    private int[] Dim3(int[] v, string what)
    {
        if (v.Length is < 1 or > 3) throw new FormatException($"launch spec {Name}: {what} needs 1 to 3 numbers");
        var r = new[] { 1, 1, 1 };
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] < 1) throw new FormatException($"launch spec {Name}: {what}[{i}] must be >= 1");
            r[i] = v[i];
        }
        return r;
    }

    /// <summary>A deep copy (experiments change grids and fills on copies).</summary>
    public KernelLaunchSpec Clone()
    {
        var json = JsonSerializer.Serialize(this, LaunchSpecJsonContext.Default.KernelLaunchSpec);
        var c = JsonSerializer.Deserialize(json, LaunchSpecJsonContext.Default.KernelLaunchSpec)!;
        c.Inferred = Inferred;
        c.Assumptions.AddRange(Assumptions);
        return c;
    }

    public string Describe() =>
        $"{Name}<<<({Grid[0]},{Grid[1]},{Grid[2]}), ({Block[0]},{Block[1]},{Block[2]}), {DynamicSharedBytes}>>>(" +
        string.Join(", ", Params.Select(p => p.Describe())) + ")";
}

/// <summary>One kernel parameter: a device buffer or a by-value scalar.</summary>
public sealed class ParamSpec
{
    /// <summary>Optional: the PTX parameter name (documentation, and how experiments find the position buffer).</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("buffer")] public BufferSpec? Buffer { get; set; }
    [JsonPropertyName("scalar")] public ScalarSpec? Scalar { get; set; }

    public string Describe() =>
        (Name is null ? "" : Name + "=") +
        (Buffer is { } b ? $"buffer[{b.Bytes} B {b.ElementType} {b.Fill}{(b.Fill == "random" ? " seed " + b.Seed : "")}{(b.Value is { } v ? " " + v.GetRawText() : "")}{(b.Output ? " out" : "")}]"
         : Scalar is { } s ? $"{s.Type} {s.Value.GetRawText()}" : "?");
}

public sealed class BufferSpec
{
    [JsonPropertyName("bytes")] public long Bytes { get; set; } = 1 << 20;
    /// <summary>zeros, iota, random, constant, sentinel.</summary>
    [JsonPropertyName("fill")] public string Fill { get; set; } = "zeros";
    [JsonPropertyName("seed")] public ulong Seed { get; set; } = 1;
    /// <summary>The constant (fill constant) or the sentinel value (fill sentinel; default all bytes 0xFF).</summary>
    [JsonPropertyName("value")] public JsonElement? Value { get; set; }
    [JsonPropertyName("elementType")] public string ElementType { get; set; } = "f32";
    /// <summary>Read back and compared by the experiments.</summary>
    [JsonPropertyName("output")] public bool Output { get; set; }
}

public sealed class ScalarSpec
{
    [JsonPropertyName("type")] public string Type { get; set; } = "u32";
    [JsonPropertyName("value")] public JsonElement Value { get; set; }
}

/// <summary>Per-experiment settings (all optional).</summary>
public sealed class ExperimentOverrides
{
    /// <summary>PTX002/PTX001: gridDim.y rows to launch (default 8).</summary>
    [JsonPropertyName("rows")] public int? Rows { get; set; }
    /// <summary>PTX002: elements per output row, when the output buffer holds exactly rows x cols.</summary>
    [JsonPropertyName("cols")] public int? Cols { get; set; }
    /// <summary>PTX002/PTX001: name of a scalar parameter that holds the row count (set to rows / 1).</summary>
    [JsonPropertyName("rowsParam")] public string? RowsParam { get; set; }
    /// <summary>PTX003: number of decode steps (default 4).</summary>
    [JsonPropertyName("steps")] public int? Steps { get; set; }
    /// <summary>PTX003: by-value positions, one per step (default 0..steps-1).</summary>
    [JsonPropertyName("positions")] public int[]? Positions { get; set; }
    /// <summary>PTX003: the by-value position scalar parameter.</summary>
    [JsonPropertyName("positionParam")] public string? PositionParam { get; set; }
    /// <summary>PTX003: the position buffer pointer parameter.</summary>
    [JsonPropertyName("positionBufferParam")] public string? PositionBufferParam { get; set; }
    /// <summary>PTX003: the stale value the position buffer holds (default 0).</summary>
    [JsonPropertyName("staleValue")] public long? StaleValue { get; set; }
    /// <summary>PTX009: launches of the same inputs (default 30).</summary>
    [JsonPropertyName("runs")] public int? Runs { get; set; }
    /// <summary>PTX001: the single-vector twin kernel.</summary>
    [JsonPropertyName("single")] public string? Single { get; set; }
    /// <summary>PTX004/PTX007/PTX008 on Blackwell: a kernel with the fixed addressing to compare against.</summary>
    [JsonPropertyName("fixedKernel")] public string? FixedKernel { get; set; }
    /// <summary>Skip this experiment (verdict unsupported, reason "disabled in the launch spec").</summary>
    [JsonPropertyName("disabled")] public bool Disabled { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(LaunchSpecFile))]
[JsonSerializable(typeof(KernelLaunchSpec))]
internal partial class LaunchSpecJsonContext : JsonSerializerContext
{
}
