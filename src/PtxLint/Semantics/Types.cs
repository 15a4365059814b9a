namespace PtxLint.Semantics;

/// <summary>PTX fundamental types.</summary>
public static class Types
{
    private static readonly Dictionary<string, int> Bits = new(StringComparer.Ordinal)
    {
        [".pred"] = 1,
        [".b8"] = 8, [".u8"] = 8, [".s8"] = 8, [".e4m3"] = 8, [".e5m2"] = 8, [".e2m3"] = 8, [".e3m2"] = 8, [".ue8m0"] = 8, [".b8x16"] = 128,
        [".e2m1"] = 4, [".b4"] = 4, [".u4"] = 4, [".s4"] = 4, [".b1"] = 1,
        [".b16"] = 16, [".u16"] = 16, [".s16"] = 16, [".f16"] = 16, [".bf16"] = 16, [".e4m3x2"] = 16, [".e5m2x2"] = 16,
        [".b32"] = 32, [".u32"] = 32, [".s32"] = 32, [".f32"] = 32, [".f16x2"] = 32, [".bf16x2"] = 32, [".tf32"] = 32,
        [".b64"] = 64, [".u64"] = 64, [".s64"] = 64, [".f64"] = 64, [".f32x2"] = 64,
        [".b128"] = 128,
        [".u16x2"] = 32, [".s16x2"] = 32, [".u2"] = 2, [".s2"] = 2, [".b1024"] = 1024,
        [".e2m1x2"] = 8, [".e2m3x2"] = 16, [".e3m2x2"] = 16, [".e2m1x4"] = 16, [".e4m3x4"] = 32, [".e5m2x4"] = 32,
        [".e2m3x4"] = 32, [".e3m2x4"] = 32, [".ue8m0x2"] = 16, [".ue4m3"] = 8, [".b6x16_p32"] = 128, [".b4x16_p64"] = 128,
        [".texref"] = 64, [".samplerref"] = 64, [".surfref"] = 64,
    };

    public static bool IsType(string modifier) => Bits.ContainsKey(modifier);

    /// <summary>Width in bits, 0 when not a type.</summary>
    public static int BitWidth(string? modifier) => modifier switch
    {
        // the common types without hashing (every operand check asks)
        ".b32" or ".u32" or ".s32" or ".f32" => 32,
        ".b64" or ".u64" or ".s64" or ".f64" => 64,
        ".b16" or ".u16" or ".s16" or ".f16" => 16,
        ".pred" => 1,
        null => 0,
        _ => Bits.TryGetValue(modifier, out var b) ? b : 0,
    };

    /// <summary>Size in bytes (at least 1 for sub-byte types), 0 when not a type.</summary>
    public static int ByteSize(string? modifier)
    {
        var b = BitWidth(modifier);
        return b == 0 ? 0 : Math.Max(1, b / 8);
    }

    /// <summary>Every fundamental type name.</summary>
    public static IEnumerable<string> All => Bits.Keys;

    /// <summary>Width in bits (0 when not a type).</summary>
    public static int Width(string t) => BitWidth(t);

    /// <summary>
    /// The kind of a type: 'b' bits, 'u' unsigned, 's' signed, 'f' floating point (.f16, .bf16, .tf32, .e4m3, packed
    /// .f16x2 ...), 'p' predicate, 'i' for the pseudo-type "int" (any integer or bit type), 'o' other (.texref ...).
    /// </summary>
    public static char Kind(string t)
    {
        if (t == "int") return 'i';
        if (t == ".pred") return 'p';
        if (t.Length < 2) return 'o';
        return t[1] switch
        {
            'b' => t.StartsWith(".bf", StringComparison.Ordinal) ? 'f' : 'b',
            'u' => t.StartsWith(".ue", StringComparison.Ordinal) ? 'f' : 'u',
            's' => t.StartsWith(".s", StringComparison.Ordinal) && t.Length > 2 && char.IsAsciiDigit(t[2]) ? 's' : 'o',
            'f' or 't' or 'e' => 'f',
            _ => 'o',
        };
    }

    /// <summary>The type twice as wide, of the same kind (mul.wide.s32 writes .s64).</summary>
    public static string Widen(string t)
    {
        int w = BitWidth(t);
        char k = Kind(t);
        return k is 'b' or 'u' or 's' or 'f' && w > 0 ? $".{k}{w * 2}" : t;
    }

    /// <summary>
    /// Whether a register declared <paramref name="register"/> may be an operand of type <paramref name="instruction"/>
    /// (PTX ISA "Type Checking Rules", as ptxas 13 applies them): the sizes must match; a bit-size instruction type takes
    /// any register of its size; .u/.s types take .b/.u/.s registers; floating-point types take .b and floating-point
    /// registers; predicates only predicates. With <paramref name="relaxed"/> (the data operands of ld, st and cvt) the
    /// register may also be wider: any wider register for a bit type, a wider .b/.u/.s for .u/.s, a wider .b for a float.
    /// </summary>
    public static bool Compatible(string instruction, string register, bool relaxed)
    {
        char tk = Kind(instruction), rk = Kind(register);
        if (tk == 'o' || rk == 'o') return true;
        if (tk == 'p' || rk == 'p') return tk == rk;
        int rb = BitWidth(register);
        if (tk == 'i') return rk is 'b' or 'u' or 's';
        int tb = BitWidth(instruction);
        if (rb == tb)
            return tk switch
            {
                'b' => true,
                'u' or 's' => rk is 'b' or 'u' or 's',
                _ => rk is 'b' or 'f',
            };
        if (relaxed && rb > tb)
            return tk switch
            {
                'b' => true,
                'u' or 's' => rk is 'b' or 'u' or 's',
                _ => rk == 'b',
            };
        return false;
    }

    public static bool IsFloat(string? t) => t is ".f32" or ".f64" or ".f16" or ".bf16" or ".f16x2" or ".bf16x2" or ".tf32" or ".f32x2"
        or ".e4m3" or ".e5m2" or ".e4m3x2" or ".e5m2x2";
}

/// <summary>PTX special registers and their widths and uniformity.</summary>
public static class SpecialRegisters
{
    public enum Uniformity { ThreadVarying, WarpUniform, CtaUniform }

    private static readonly Dictionary<string, (int Bits, Uniformity U)> Known = new(StringComparer.Ordinal)
    {
        ["%tid"] = (32, Uniformity.ThreadVarying),
        ["%laneid"] = (32, Uniformity.ThreadVarying),
        ["%lanemask_eq"] = (32, Uniformity.ThreadVarying),
        ["%lanemask_le"] = (32, Uniformity.ThreadVarying),
        ["%lanemask_lt"] = (32, Uniformity.ThreadVarying),
        ["%lanemask_ge"] = (32, Uniformity.ThreadVarying),
        ["%lanemask_gt"] = (32, Uniformity.ThreadVarying),
        ["%clock"] = (32, Uniformity.ThreadVarying),
        ["%clock_hi"] = (32, Uniformity.ThreadVarying),
        ["%clock64"] = (64, Uniformity.ThreadVarying),
        ["%globaltimer"] = (64, Uniformity.ThreadVarying),
        ["%globaltimer_lo"] = (32, Uniformity.ThreadVarying),
        ["%globaltimer_hi"] = (32, Uniformity.ThreadVarying),
        ["%warpid"] = (32, Uniformity.WarpUniform),
        ["%nwarpid"] = (32, Uniformity.CtaUniform),
        ["%smid"] = (32, Uniformity.CtaUniform),
        ["%nsmid"] = (32, Uniformity.CtaUniform),
        ["%ntid"] = (32, Uniformity.CtaUniform),
        ["%ctaid"] = (32, Uniformity.CtaUniform),
        ["%nctaid"] = (32, Uniformity.CtaUniform),
        ["%gridid"] = (64, Uniformity.CtaUniform),
        ["%cluster_ctaid"] = (32, Uniformity.CtaUniform),
        ["%cluster_nctaid"] = (32, Uniformity.CtaUniform),
        ["%clusterid"] = (32, Uniformity.CtaUniform),
        ["%nclusterid"] = (32, Uniformity.CtaUniform),
        ["%cluster_ctarank"] = (32, Uniformity.CtaUniform),
        ["%cluster_nctarank"] = (32, Uniformity.CtaUniform),
        ["%is_explicit_cluster"] = (1, Uniformity.CtaUniform),
        ["%dynamic_smem_size"] = (32, Uniformity.CtaUniform),
        ["%total_smem_size"] = (32, Uniformity.CtaUniform),
        ["%aggr_smem_size"] = (32, Uniformity.CtaUniform),
        ["%reserved_smem_offset_begin"] = (32, Uniformity.CtaUniform),
        ["%reserved_smem_offset_end"] = (32, Uniformity.CtaUniform),
        ["%reserved_smem_offset_cap"] = (32, Uniformity.CtaUniform),
        ["%reserved_smem_offset_0"] = (32, Uniformity.CtaUniform),
        ["%reserved_smem_offset_1"] = (32, Uniformity.CtaUniform),
        ["%current_graph_exec"] = (64, Uniformity.CtaUniform),
    };

    public static bool IsSpecial(string name)
    {
        if (Known.ContainsKey(name)) return true;
        return IsNumbered(name, "%envreg") || IsNumbered(name, "%pm") || IsNumbered(name, "%pm", "_64");
    }

    private static bool IsNumbered(string name, string prefix, string suffix = "")
    {
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal)) return false;
        var mid = name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length);
        if (mid.Length == 0) return false;
        foreach (var c in mid) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    public static int Bits(string name)
    {
        if (Known.TryGetValue(name, out var k)) return k.Bits;
        if (name.StartsWith("%envreg", StringComparison.Ordinal)) return 32;
        if (name.EndsWith("_64", StringComparison.Ordinal)) return 64;
        return 32;
    }

    /// <summary>
    /// Special registers whose value changes over time within one thread (clocks, timers, performance counters): a
    /// value computed from one inside a loop differs from iteration to iteration.
    /// </summary>
    public static bool IsTimeVarying(string name) =>
        name is "%clock" or "%clock64" or "%clock_hi" or "%globaltimer" or "%globaltimer_lo" or "%globaltimer_hi"
        || IsNumbered(name, "%pm") || IsNumbered(name, "%pm", "_64");

    public static Uniformity UniformityOf(string name)
    {
        if (Known.TryGetValue(name, out var k)) return k.U;
        if (name.StartsWith("%envreg", StringComparison.Ordinal)) return Uniformity.CtaUniform;
        return Uniformity.ThreadVarying; // %pmN counters
    }
}
