using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>A folded value: a variable's address plus a byte offset, or (with no symbol) a plain integer constant.</summary>
public readonly record struct SymbolOffset(string? Symbol, long Offset)
{
    public bool IsConstant => Symbol is null;
    public override string ToString() => Symbol is null ? Offset.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Symbol}+{Offset}";
}

/// <summary>
/// Constant folding over reaching definitions, the one folder every rule asks (PTX006's shared offsets, the tcgen05
/// rules' column counts, instruction descriptors and alloc slots): the values a register can hold at an instruction,
/// each a symbol plus a constant offset or a plain constant, one per reaching definition path (at most
/// <see cref="MaxValues"/>; more is unknown).
/// <para>
/// Semantics, the same for every rule: <c>mov</c> of an integer or untyped value; <c>cvt</c> between integer types
/// without <c>.sat</c> (the value wrapped to the destination type); <c>cvta</c> of a symbol-rooted address (the
/// symbolic address is the same in either window); <c>add</c>/<c>sub</c> of integers without <c>.cc</c> or
/// <c>.sat</c> (a symbol plus or minus constants); <c>mul.lo</c>/<c>mul.wide</c>, <c>shl</c>, <c>shr</c>,
/// <c>and</c>, <c>or</c>, <c>xor</c> of plain constants. Plain constants are wrapped to the operation's width (sign
/// extended for <c>.s</c> types, zero extended otherwise); symbolic addresses are not wrapped. A loop-carried value
/// (a definition that reaches itself), a live-in register, a parameter, a special register or a load is unknown.
/// </para>
/// Computed on demand and memoized per definition; not thread-safe.
/// </summary>
public sealed class ConstantValues
{
    public const int MaxValues = 16;
    private const int MaxDepth = 200;

    private readonly PtxFunction _fn;
    private readonly FunctionAnalyses _fa;
    private readonly Dictionary<int, SymbolOffset[]?> _memo = new();
    private readonly HashSet<int> _active = new();
    private int _depth;
    /// <summary>Set when a computation stopped at <see cref="MaxDepth"/>: what it found is not memoized.</summary>
    private bool _cut;

    public ConstantValues(FunctionAnalyses fa)
    {
        _fa = fa;
        _fn = fa.Function;
    }

    /// <summary>
    /// The values an operand can have at <paramref name="at"/>: an immediate, a symbol (with its <c>+offset</c>), or
    /// a register's reaching definitions folded; null when any path gives an unknown value.
    /// </summary>
    public IReadOnlyList<SymbolOffset>? Values(Instruction at, Operand op) => OperandValues(at, op);

    /// <summary>The values of an address operand's base plus its offset; null with an index register or an unknown base.</summary>
    public IReadOnlyList<SymbolOffset>? AddressValues(Instruction at, AddressOperand a)
    {
        if (a.IndexRegister is not null) return null;
        if (a.BaseSymbol is { } s) return new[] { new SymbolOffset(s, a.Offset) };
        if (a.BaseRegister is not { } r) return null;
        var set = RegisterValues(at, r);
        return set is null ? null : Shift(set, a.Offset);
    }

    /// <summary>The one plain constant an operand has at <paramref name="at"/> on every path; null otherwise.</summary>
    public long? Constant(Instruction at, Operand op)
    {
        if (op is ImmediateOperand imm) return imm.Value;
        if (op is not RegisterOperand) return null;
        var v = OperandValues(at, op);
        return v is { Length: 1 } && v[0].Symbol is null ? v[0].Offset : null;
    }

    /// <summary>The one symbol plus constant a register holds at <paramref name="at"/> on every path; null otherwise.</summary>
    public SymbolOffset? SymbolPlusConstant(Instruction at, RegisterOperand reg)
    {
        var v = RegisterValues(at, reg);
        return v is { Length: 1 } && v[0].Symbol is not null ? v[0] : null;
    }

    private static SymbolOffset[] Shift(SymbolOffset[] set, long by)
    {
        if (by == 0) return set;
        var r = new SymbolOffset[set.Length];
        for (int i = 0; i < set.Length; i++) r[i] = set[i] with { Offset = set[i].Offset + by };
        return r;
    }

    private SymbolOffset[]? OperandValues(Instruction d, Operand op) => op switch
    {
        ImmediateOperand imm => new[] { new SymbolOffset(null, imm.Value) },
        SymbolOperand s => new[] { new SymbolOffset(s.Name, s.Offset) },
        RegisterOperand r => RegisterValues(d, r),
        _ => null,
    };

    private SymbolOffset[]? RegisterValues(Instruction at, RegisterOperand reg)
    {
        if (reg.IsSpecial) return null;
        var idx = _fa.Defs.ReachingIndices(at, reg.Name);
        if (idx.Length == 0) return null;
        SymbolOffset[]? result = null;
        foreach (var d in idx)
        {
            if (d < 0) return null; // live-in / parameter
            var v = Definition(_fn.Instructions[d]);
            if (v is null) return null;
            result = result is null ? v : Union(result, v);
            if (result is null) return null;
        }
        return result;
    }

    private static SymbolOffset[]? Union(SymbolOffset[] a, SymbolOffset[] b)
    {
        List<SymbolOffset>? r = null;
        foreach (var x in b)
        {
            if (Array.IndexOf(a, x) >= 0 || (r is not null && r.Contains(x))) continue;
            (r ??= new List<SymbolOffset>(a)).Add(x);
            if (r.Count > MaxValues) return null;
        }
        return r is null ? a : r.ToArray();
    }

    private SymbolOffset[]? Definition(Instruction d)
    {
        if (_memo.TryGetValue(d.Index, out var cached)) return cached;
        if (_depth >= MaxDepth) { _cut = true; return null; }
        if (!_active.Add(d.Index)) return null; // a loop-carried value: not a constant
        bool outerCut = _cut;
        _cut = false;
        _depth++;
        var r = Compute(d);
        _depth--;
        _active.Remove(d.Index);
        if (!_cut) _memo[d.Index] = r;
        _cut |= outerCut;
        return r;
    }

    private static bool IsIntType(string? t) => t is not null && t.Length > 1 && (t[1] is 'u' or 's' or 'b') && !Types.IsFloat(t);

    /// <summary>The first type modifier (the destination type of <c>cvt.u32.u64</c>).</summary>
    private static string? FirstType(Instruction d)
    {
        foreach (var m in d.Modifiers)
            if (Types.IsType(m)) return m;
        return null;
    }

    private static bool IsSigned(string? type) => type is not null && type.Length > 1 && type[1] == 's';

    /// <summary>A plain constant as the type holds it: sign extended for .s, zero extended otherwise, from its width.</summary>
    private static long Wrap(long v, string? type, int width) =>
        width is <= 0 or >= 64 ? v : IsSigned(type) ? SymbolicValues.SignExtend(v, width) : SymbolicValues.Mask(v, width);

    private SymbolOffset[]? Compute(Instruction d)
    {
        if (d.Defs.Length != 1) return null;
        var type = d.Type;
        int width = Types.BitWidth(type);
        switch (d.Opcode)
        {
            case "mov":
                if (d.Operands.Count != 2 || (type is not null && !IsIntType(type))) return null;
                return Wrapped(OperandValues(d, d.Operands[1]), type, width);
            case "cvta":
            {
                // the symbolic address is the same in the generic and the state-space window; a number is not
                if (d.Operands.Count < 2) return null;
                var v = OperandValues(d, d.Operands[1]);
                if (v is null) return null;
                foreach (var x in v) if (x.Symbol is null) return null;
                return v;
            }
            case "cvt":
            {
                // integer conversions only (cvt.u64.u32 of a symbol address, cvt.u32.u64 back)
                if (d.Operands.Count < 2 || d.Has(".sat")) return null;
                foreach (var m in d.Modifiers)
                    if (Types.IsType(m) && !IsIntType(m)) return null;
                var to = FirstType(d);
                return Wrapped(OperandValues(d, d.Operands[1]), to, Types.BitWidth(to));
            }
            case "add" when IsIntType(type) && !d.HasPrefix(".cc") && !d.Has(".sat"):
                return Combine(d, type, width, (a, b) => a.Symbol is not null && b.Symbol is not null ? null : new SymbolOffset(a.Symbol ?? b.Symbol, a.Offset + b.Offset));
            case "sub" when IsIntType(type) && !d.HasPrefix(".cc") && !d.Has(".sat"):
                return Combine(d, type, width, (a, b) => b.Symbol is not null ? null : new SymbolOffset(a.Symbol, a.Offset - b.Offset));
            case "mul" when IsIntType(type) && (d.Has(".lo") || d.Has(".wide")):
                return Combine(d, type, d.Has(".wide") ? 2 * width : width, (a, b) => Plain("mul", width, a, b));
            case "shl" when IsIntType(type):
                return Combine(d, type, width, (a, b) => b.Offset < 0 ? null : Plain("shl", width, a, b));
            case "shr" when IsIntType(type):
                // a shift by 64 or more fills with the sign (.s) or zeros (.u, .b)
                return Combine(d, type, width, (a, b) => b.Offset < 0 ? null
                    : Plain(IsSigned(type) ? "shr.s" : "shr.u", width, a, b with { Offset = Math.Min(b.Offset, 63) }, b.Offset >= 64 && !IsSigned(type)));
            case "and" or "or" or "xor" when IsIntType(type):
                return Combine(d, type, width, (a, b) => Plain(d.Opcode, width, a, b));
            default:
                return null;
        }
    }

    /// <summary>An operation of two plain constants, with the integer semantics the symbolic values use (<see cref="SymbolicValues.Apply"/>); null with a symbol.</summary>
    private static SymbolOffset? Plain(string op, int width, SymbolOffset a, SymbolOffset b, bool zero = false) =>
        a.Symbol is null && b.Symbol is null && (zero ? 0 : SymbolicValues.Apply(op, width, a.Offset, b.Offset)) is long v ? new SymbolOffset(null, v) : null;

    private static SymbolOffset[]? Wrapped(SymbolOffset[]? v, string? type, int width)
    {
        if (v is null || width is <= 0 or >= 64) return v;
        SymbolOffset[]? r = null;
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i].Symbol is not null) continue;
            long w = Wrap(v[i].Offset, type, width);
            if (w == v[i].Offset) continue;
            r ??= (SymbolOffset[])v.Clone();
            r[i] = new SymbolOffset(null, w);
        }
        return r is null ? v : Distinct(r);
    }

    private static SymbolOffset[] Distinct(SymbolOffset[] v)
    {
        var set = new List<SymbolOffset>(v.Length);
        foreach (var x in v) if (!set.Contains(x)) set.Add(x);
        return set.Count == v.Length ? v : set.ToArray();
    }

    private SymbolOffset[]? Combine(Instruction d, string? type, int width, Func<SymbolOffset, SymbolOffset, SymbolOffset?> f)
    {
        if (d.Operands.Count < 3) return null;
        var x = OperandValues(d, d.Operands[1]);
        if (x is null) return null;
        var y = OperandValues(d, d.Operands[2]);
        if (y is null || x.Length * y.Length > MaxValues) return null;
        var r = new List<SymbolOffset>(x.Length * y.Length);
        foreach (var a in x)
            foreach (var b in y)
            {
                if (f(a, b) is not { } v) return null;
                if (v.Symbol is null) v = new SymbolOffset(null, Wrap(v.Offset, type, width));
                if (!r.Contains(v)) r.Add(v);
            }
        return r.ToArray();
    }
}
