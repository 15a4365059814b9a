using System.Text.Json;
using System.Text.RegularExpressions;
using PtxLint.Ir;

namespace PtxLint.Cuda;

/// <summary>
/// Infers a launch spec from a kernel's signature when no spec file exists: pointer-sized parameters become
/// device buffers, 8/16/32-bit parameters scalars, the block comes from <c>.reqntid</c>/<c>.maxntid</c>. Every guess is
/// recorded in <see cref="KernelLaunchSpec.Assumptions"/> so the evidence says what was assumed.
/// </summary>
public static partial class LaunchSpecInference
{
    public const long DefaultBufferBytes = 1 << 20;
    public const int DefaultBlock = 128;
    public const long DefaultCount = 256;

    [GeneratedRegex(@"(?i)(^|_)(rows?|batch(_?size)?|m|num_rows|n_rows|nrows|num_tokens|ntokens|bs)$")]
    private static partial Regex RowsName();
    [GeneratedRegex(@"(?i)(pos|position|step|start|offset|token_idx|layer)")]
    private static partial Regex PositionName();
    [GeneratedRegex(@"(?i)(eps|epsilon)")]
    private static partial Regex EpsName();
    [GeneratedRegex(@"(?i)(pos|position|seq_?len|len|idx|index|ids|offset|token|count|step|slot|mapping|table)")]
    private static partial Regex IntegerBufferName();

    /// <summary>Whether a parameter looks like a row/batch count (PTX001/PTX002 set it to the row count).</summary>
    public static bool LooksLikeRows(string name) => RowsName().IsMatch(name);
    public static bool LooksLikePosition(string name) => PositionName().IsMatch(name);
    public static bool LooksLikeIntegerBuffer(string name) => IntegerBufferName().IsMatch(name);

    /// <summary>Builds a spec for <paramref name="fn"/>; throws <see cref="FormatException"/> when a parameter cannot be guessed.</summary>
    public static KernelLaunchSpec Infer(PtxFunction fn)
    {
        var spec = new KernelLaunchSpec { Name = fn.Name, Inferred = true };
        var a = spec.Assumptions;
        a.Add($"no launch spec for {fn.Name} (write {{FILE}}.ptx.launch.json to control it); inferred:");
        if (fn.Performance.ReqNtid is { Length: > 0 } req)
        {
            spec.Block = Pad(req);
            a.Add($"block ({spec.Block[0]},{spec.Block[1]},{spec.Block[2]}) from .reqntid");
        }
        else if (fn.Performance.MaxNtid is { Length: > 0 } max)
        {
            spec.Block = Pad(max);
            a.Add($"block ({spec.Block[0]},{spec.Block[1]},{spec.Block[2]}) from .maxntid (the largest allowed)");
        }
        else
        {
            spec.Block = [DefaultBlock, 1, 1];
            a.Add($"block ({DefaultBlock},1,1) (no .reqntid/.maxntid)");
        }
        spec.Grid = [1, 1, 1];
        a.Add("grid (1,1,1)");
        spec.DynamicSharedBytes = 0;
        a.Add("no dynamic shared memory");

        var ptrSize = fn.Module.AddressSize == 32 ? 4 : 8;
        int bufferOrdinal = 0; // seeds follow the buffer's ordinal, so twin kernels with the same buffers get the same data
        foreach (var p in fn.Parameters.OrderBy(p => p.Index))
        {
            var type = ElementTypes.Normalize(p.TypeName);
            if (p.ElementCount != 1)
                throw new FormatException($"parameter {p.Name} of {fn.Name} is an aggregate ({p.TypeName}[{p.ElementCount}]): give a launch spec");
            bool pointer = p.IsPointerAttr || (ElementTypes.Size(type) == ptrSize && ptrSize == 8 && type is "u64" or "b64" or "s64");
            if (pointer)
            {
                var buf = new BufferSpec { Bytes = DefaultBufferBytes };
                if (LooksLikeIntegerBuffer(p.Name))
                {
                    buf.ElementType = "s32";
                    buf.Fill = "zeros";
                    a.Add($"{p.Name}: {DefaultBufferBytes} B buffer of s32 zeros (name looks like an index/position buffer)");
                }
                else
                {
                    buf.ElementType = "f32";
                    buf.Fill = "random";
                    buf.Seed = (ulong)bufferOrdinal + 1;
                    a.Add($"{p.Name}: {DefaultBufferBytes} B buffer of f32 random in [-1,1) seed {buf.Seed}");
                }
                spec.Params.Add(new ParamSpec { Name = p.Name, Buffer = buf });
                bufferOrdinal++;
                continue;
            }
            if (ElementTypes.Size(type) == 0)
                throw new FormatException($"parameter {p.Name} of {fn.Name} has type {p.TypeName}: give a launch spec");
            string value;
            string why;
            if (ElementTypes.IsFloat(type))
            {
                (value, why) = EpsName().IsMatch(p.Name) ? ("1e-5", "epsilon") : ("1.0", "float scalar");
            }
            else if (LooksLikeRows(p.Name)) (value, why) = ("1", "row/batch count");
            else if (LooksLikePosition(p.Name)) (value, why) = ("0", "position/offset");
            else (value, why) = (DefaultCount.ToString(), "count/size");
            spec.Params.Add(new ParamSpec { Name = p.Name, Scalar = new ScalarSpec { Type = type, Value = JsonNumber(value) } });
            a.Add($"{p.Name}: {type} = {value} ({why})");
        }
        spec.Validate();
        return spec;
    }

    /// <summary>The spec for a kernel: from the file when it names the kernel, else inferred.</summary>
    public static KernelLaunchSpec Resolve(PtxFunction fn, LaunchSpecFile? file)
    {
        if (file?.Find(fn.Name) is { } given)
        {
            if (given.Params.Count != fn.Parameters.Count && fn.Parameters.Count > 0)
                throw new FormatException($"launch spec for {fn.Name} lists {given.Params.Count} params, the kernel has {fn.Parameters.Count}");
            var c = given.Clone();
            for (int i = 0; i < c.Params.Count && i < fn.Parameters.Count; i++) c.Params[i].Name ??= fn.Parameters[i].Name;
            return c;
        }
        return Infer(fn);
    }

    internal static JsonElement JsonNumber(string text) => JsonDocument.Parse(text).RootElement.Clone();
    internal static JsonElement JsonNumber(long v) => JsonNumber(v.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static int[] Pad(int[] v) => [v.Length > 0 ? v[0] : 1, v.Length > 1 ? v[1] : 1, v.Length > 2 ? v[2] : 1];
}
