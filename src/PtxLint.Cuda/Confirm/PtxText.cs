using System.Text.RegularExpressions;
using PtxLint.Cuda.Worker;
using PtxLint.Ir;

namespace PtxLint.Cuda.Confirm;

/// <summary>An <c>sm_XY[a|f]</c> target: compute capability X.Y, with the arch-specific (a) or family (f) suffix.</summary>
public readonly record struct SmTarget(int Major, int Minor, char? Suffix)
{
    public static bool TryParse(string? text, out SmTarget target)
    {
        target = default;
        if (text is null) return false;
        var m = Regex.Match(text.Trim(), @"^sm_(\d+)(\d)([af])?$");
        if (!m.Success) return false;
        target = new SmTarget(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), m.Groups[3].Success ? m.Groups[3].Value[0] : null);
        return true;
    }

    /// <summary>Whether the driver can JIT this target for a device of compute capability major.minor.</summary>
    public bool RunsOn(int major, int minor) => Suffix switch
    {
        'a' => major == Major && minor == Minor,                 // arch-specific: exactly this architecture
        'f' => major == Major && minor >= Minor,                 // family-specific: same family, same or later minor
        _ => major > Major || (major == Major && minor >= Minor),
    };

    public override string ToString() => $"sm_{Major}{Minor}{Suffix}";
}

/// <summary>Text-level PTX helpers: module preconditions, the PTX ISA a driver accepts, the PTX010 rewrite.</summary>
public static partial class PtxText
{
    /// <summary>
    /// The newest PTX ISA the driver's JIT accepts, by driver CUDA version (from the PTX ISA release notes);
    /// null for a driver newer than this table (then the load itself decides).
    /// </summary>
    public static Version? MaxPtxIsa(int driverVersion)
    {
        int major = driverVersion / 1000, minor = driverVersion % 1000 / 10;
        return (major, minor) switch
        {
            (11, <= 8) => new Version(7, minor),
            (12, <= 5) => new Version(8, minor),
            (12, 6) => new Version(8, 5),
            (12, 7) => new Version(8, 6),
            (12, 8) => new Version(8, 7),
            (12, 9) => new Version(8, 8),
            (13, 0) => new Version(9, 0),
            _ when major < 11 => new Version(6, 4),
            _ => null,
        };
    }

    /// <summary>
    /// Why a module cannot run on the device (a target newer than the device, a .version newer than the driver JIT
    /// accepts), or null when nothing stands in the way.
    /// </summary>
    public static string? Preflight(PtxModule module, DeviceInfo device)
    {
        if (SmTarget.TryParse(module.SmTarget, out var t) && !t.RunsOn(device.Major, device.Minor))
        {
            var why = t.Suffix == 'a' ? " (an arch-specific 'a' target runs only on exactly that architecture)" : "";
            return $"the PTX targets {t} (.target), the device is {device.Name} ({device.Sm}){why}";
        }
        if (module.PtxVersion is { } v && MaxPtxIsa(device.DriverVersion) is { } max && v > max)
            return $"CUDA_ERROR_UNSUPPORTED_PTX_VERSION: the PTX is .version {v.Major}.{v.Minor}, the driver (CUDA {device.DriverCuda}) JIT accepts PTX ISA up to {max.Major}.{max.Minor}";
        return null;
    }

    [GeneratedRegex(@"(?<![\w.])mul((?:\.(?:rn|rz|rm|rp))?)((?:\.(?:ftz|sat))*)\.(f32|f64|f32x2|f16|f16x2|bf16|bf16x2)\b")]
    private static partial Regex FloatMul();

    /// <summary>
    /// PTX010: a copy of <paramref name="text"/> with the unrounded float <c>mul</c> on 1-based <paramref name="line"/>
    /// rewritten to <c>mul.rn</c> (which ptxas never contracts into fma). When that line holds no such mul (the finding
    /// points at the add), the nearest earlier mul defining one of the line's registers is rewritten.
    /// Returns null with <paramref name="description"/> saying why when there is nothing to rewrite.
    /// </summary>
    /// <summary>
    /// Rewrites the declaration of the shared variable <paramref name="symbol"/> so it holds at least
    /// <paramref name="bytes"/> bytes (as a .b8 array, keeping its alignment): the mechanical fix of an
    /// out-of-bounds access at a constant offset (PTX006). Null when the declaration is not found.
    /// </summary>
    public static string? EnlargeSharedVariable(string text, string symbol, long bytes, out string description)
    {
        var rx = new System.Text.RegularExpressions.Regex(
            @"^(?<indent>[ \t]*)(?<link>(?:\.visible|\.weak)\s+)?\.shared(?<space>::cta)?\s+(?:\.align\s+(?<align>\d+)\s+)?(?:\.v(?<vec>\d+)\s+)?\.(?<type>[a-z0-9]+)\s+"
            + System.Text.RegularExpressions.Regex.Escape(symbol) + @"\s*(?:\[\s*(?<n>\d*)\s*\])?\s*;",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        var m = rx.Match(text);
        if (!m.Success) { description = $"the declaration of {symbol} was not found"; return null; }
        int align = m.Groups["align"].Success ? int.Parse(m.Groups["align"].Value, System.Globalization.CultureInfo.InvariantCulture) : 4;
        long rounded = (bytes + align - 1) / align * align;
        var replacement = $"{m.Groups["indent"].Value}{m.Groups["link"].Value}.shared{m.Groups["space"].Value} .align {align} .b8 {symbol}[{rounded}];";
        description = $"`{m.Value.Trim()}` -> `{replacement.Trim()}`";
        return text[..m.Index] + replacement + text[(m.Index + m.Length)..];
    }

    /// <summary>True when some line holds a float mul without a rounding modifier (mul.f32/.f64, mul.ftz.f32 ...).</summary>
    public static bool HasUnroundedFloatMul(string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, @"^\s*(@!?%?\w+\s+)?mul(\.ftz|\.sat)*\.f(32|64)\s", System.Text.RegularExpressions.RegexOptions.Multiline);

    public static string? RewriteMulToRn(string text, int line, out string description)
    {
        var lines = text.Split('\n');
        if (line < 1 || line > lines.Length) { description = $"line {line} is outside the file"; return null; }
        int target = -1;
        if (TryRewriteLine(lines[line - 1], out _)) target = line - 1;
        else
        {
            var regs = Regex.Matches(StripComment(lines[line - 1]), @"%[A-Za-z_$][\w$]*").Select(m => m.Value).ToHashSet();
            for (int i = line - 2; i >= 0 && target < 0; i--)
            {
                var l = StripComment(lines[i]);
                if (l.Contains(".entry") || l.Contains(".func")) break;
                var m = Regex.Match(l, @"(?<![\w.])mul(?:\.\w+)*\s+(%[A-Za-z_$][\w$]*)");
                if (m.Success && regs.Contains(m.Groups[1].Value) && TryRewriteLine(lines[i], out _)) target = i;
            }
        }
        if (target < 0)
        {
            var m = FloatMul().Match(StripComment(lines[line - 1]));
            description = m.Success && m.Groups[1].Length > 0
                ? $"line {line} already has a rounding modifier ({m.Value})"
                : $"line {line} has no unrounded float mul (and no earlier mul feeds it)";
            return null;
        }
        TryRewriteLine(lines[target], out var rewritten);
        description = $"line {target + 1}: `{lines[target].Trim()}` -> `{rewritten.Trim()}`";
        lines[target] = rewritten;
        return string.Join('\n', lines);
    }

    private static bool TryRewriteLine(string l, out string rewritten)
    {
        rewritten = l;
        var code = StripComment(l);
        var m = FloatMul().Match(code);
        if (!m.Success || m.Groups[1].Length > 0) return false; // none, or already rounded
        rewritten = l[..m.Index] + "mul.rn" + l[(m.Index + 3)..];
        return true;
    }

    private static string StripComment(string l)
    {
        int c = l.IndexOf("//", StringComparison.Ordinal);
        return c >= 0 ? l[..c] : l;
    }
}

/// <summary>PTX rewrites for the shared-memory experiments (PTX011 line information, PTX012 sentinel fills).</summary>
public static class SharedMemoryRewrites
{
    /// <summary>The file name the line-information rewrite gives the PTX (racecheck reports <c>ptxlint-ptx-lines.ptx:LINE</c>).</summary>
    public const string LineFile = "ptxlint-ptx-lines.ptx";

    /// <summary>
    /// A copy of the module whose line information is the PTX itself: every <c>.file</c>/<c>.loc</c> is dropped and each
    /// instruction gets <c>.loc 1 L 1</c> with its own (original) PTX line L, so compute-sanitizer's reports name PTX lines.
    /// Returns null when the module has no instructions.
    /// </summary>
    public static string? WithPtxLineInfo(PtxModule module)
    {
        var lines = module.Source.Text.Split('\n');
        var starts = new HashSet<int>();
        foreach (var fn in module.Functions)
            foreach (var insn in fn.Instructions)
                if (insn.Span.StartLine > 0) starts.Add(insn.Span.StartLine);
        if (starts.Count == 0) return null;
        var sb = new System.Text.StringBuilder(module.Source.Text.Length + starts.Count * 16);
        bool fileWritten = false;
        for (int i = 0; i < lines.Length; i++)
        {
            int line = i + 1;
            var t = lines[i].TrimStart();
            if (t.StartsWith(".loc", StringComparison.Ordinal) && (t.Length == 4 || char.IsWhiteSpace(t[4]))) { sb.Append('\n'); continue; }
            if (t.StartsWith(".file", StringComparison.Ordinal) && (t.Length == 5 || char.IsWhiteSpace(t[5]))) { sb.Append('\n'); continue; }
            if (starts.Contains(line)) sb.Append("\t.loc 1 ").Append(line).Append(" 1\n");
            sb.Append(lines[i]);
            if (i < lines.Length - 1) sb.Append('\n');
            if (!fileWritten && t.StartsWith(".address_size", StringComparison.Ordinal))
            {
                sb.Append("\n.file 1 \"").Append(LineFile).Append('"');
                fileWritten = true;
            }
        }
        if (!fileWritten) return null;
        return sb.ToString();
    }

    /// <summary>
    /// A copy of the module where kernel <paramref name="kernel"/> first fills the given shared variables byte by byte with
    /// <paramref name="pattern"/> (every thread of the CTA takes a share, then <c>bar.sync 0</c>): bytes no thread of the CTA
    /// writes afterwards keep the pattern, so a kernel that reads them shows it in its output. Null with
    /// <paramref name="why"/> when it cannot be done (an unsized variable, no instruction to insert before).
    /// </summary>
    public static string? FillShared(PtxModule module, PtxFunction kernel, IReadOnlyList<VariableSymbol> variables, byte pattern, out string why)
    {
        if (kernel.Instructions.Count == 0) { why = "the kernel has no instructions"; return null; }
        var sized = variables.Where(v => v.ByteSize is > 0 && !v.IsExtern).ToList();
        if (sized.Count == 0) { why = "no sized shared variable to fill"; return null; }
        int at = kernel.Instructions[0].Span.StartLine;
        var code = new System.Text.StringBuilder();
        code.Append("\t{\n\t.reg .b32 %ptxlint_f<9>;\n\t.reg .pred %ptxlint_fp;\n");
        code.Append("\tmov.u32 %ptxlint_f0, %tid.x;\n\tmov.u32 %ptxlint_f1, %tid.y;\n\tmov.u32 %ptxlint_f2, %tid.z;\n");
        code.Append("\tmov.u32 %ptxlint_f3, %ntid.x;\n\tmov.u32 %ptxlint_f4, %ntid.y;\n\tmov.u32 %ptxlint_f5, %ntid.z;\n");
        code.Append("\tmad.lo.u32 %ptxlint_f1, %ptxlint_f2, %ptxlint_f4, %ptxlint_f1;\n");
        code.Append("\tmad.lo.u32 %ptxlint_f6, %ptxlint_f1, %ptxlint_f3, %ptxlint_f0;\n"); // linear thread index
        code.Append("\tmul.lo.u32 %ptxlint_f7, %ptxlint_f3, %ptxlint_f4;\n\tmul.lo.u32 %ptxlint_f7, %ptxlint_f7, %ptxlint_f5;\n"); // threads per CTA
        int k = 0;
        foreach (var v in sized)
        {
            code.Append($"\tmov.u32 %ptxlint_f0, %ptxlint_f6;\n");
            code.Append($"$ptxlint_fill_{k}:\n");
            code.Append($"\tsetp.ge.u32 %ptxlint_fp, %ptxlint_f0, {v.ByteSize};\n");
            code.Append($"\t@%ptxlint_fp bra $ptxlint_fill_done_{k};\n");
            code.Append($"\tmov.u32 %ptxlint_f8, {v.Name};\n");
            code.Append("\tadd.u32 %ptxlint_f8, %ptxlint_f8, %ptxlint_f0;\n");
            code.Append($"\tst.shared.u8 [%ptxlint_f8], {pattern};\n");
            code.Append("\tadd.u32 %ptxlint_f0, %ptxlint_f0, %ptxlint_f7;\n");
            code.Append($"\tbra.uni $ptxlint_fill_{k};\n");
            code.Append($"$ptxlint_fill_done_{k}:\n");
            k++;
        }
        code.Append("\tbar.sync 0;\n\t}\n");
        var lines = module.Source.Text.Split('\n').ToList();
        if (at < 1 || at > lines.Count) { why = "the kernel's first instruction has no line"; return null; }
        lines.Insert(at - 1, code.ToString().TrimEnd('\n'));
        why = $"{string.Join(", ", sized.Select(v => $"{v.Name} ({v.ByteSize} bytes)"))} filled with 0x{pattern:X2} at the start of {kernel.Name}";
        return string.Join('\n', lines);
    }
}
