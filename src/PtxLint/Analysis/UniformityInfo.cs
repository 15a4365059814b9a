using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>
/// Uniformity of a value over the threads of a CTA. Ordered from best to worst: the meet of two values is the worse one.
/// </summary>
public enum Uniformity : byte
{
    /// <summary>The same for every thread of the CTA.</summary>
    Uniform = 0,
    /// <summary>The same for every thread of a warp, may differ between warps.</summary>
    WarpUniform = 1,
    /// <summary>May differ between threads of a warp.</summary>
    Varying = 2,
}

public static class UniformityExtensions
{
    public static Uniformity Meet(this Uniformity a, Uniformity b) => a >= b ? a : b;
}

/// <summary>
/// Divergence analysis over the CTA (optimistic fixed point starting at Uniform).
/// <list type="bullet">
/// <item>Sources: special registers (<see cref="SpecialRegisters.UniformityOf"/>); results of table rows with
/// <c>VaryingResult</c>, unknown opcodes and calls (Varying); <c>ld.local</c> (Varying: per-thread storage);
/// <c>redux</c>, <c>vote</c>, <c>match.all</c> and the last step of a full xor-butterfly all-reduce (<c>v = op(v, shfl.sync.bfly(v, k))</c>
/// for k = 16, 8, 4, 2, 1 with a commutative op) are WarpUniform at best (every lane gets the same value). Immediates, symbols, kernel parameters are Uniform; parameters of a
/// <c>.func</c> are Varying (the caller is not analyzed). Everything else is the meet of its uses, the guard included,
/// so a load from a uniform address is uniform.</item>
/// <item>Sync dependence (non-SSA merges): a use reached by two or more definitions takes the uniformity of every
/// divergent branch that a definition's block is (transitively) control dependent on but the use's block is not.</item>
/// <item>Temporal divergence: a definition inside a loop that changes between iterations, used outside the loop,
/// takes the uniformity of the loop's exit branches.</item>
/// </list>
/// A branch is divergent when it decides between two or more successors and its condition (guard, or the index of
/// <c>brx.idx</c>) is not Uniform: WarpUniform counts as divergent for CTA barriers.
/// </summary>
public sealed class UniformityInfo
{
    private readonly FunctionAnalyses _fa;
    private readonly PtxFunction _fn;
    private readonly ControlFlowGraph _cfg;
    private readonly ReachingDefinitions _defs;
    private readonly ControlDependence _cd;
    private readonly LoopInfo _loops;
    private readonly Uniformity[] _base;
    private readonly Uniformity[] _val;
    private readonly Uniformity _liveIn;
    private readonly LocalSlots _slots;
    private readonly Dictionary<int, List<int>> _forwardedLoads = new(); // store index -> loads that read it back

    /// <summary>
    /// Whether the analysis may take warps to be made of whole rows of the block (blockDim.x a multiple of 32, and
    /// blockDim.z == 1 for 2-D thread indices), so that <c>%tid.y</c>, <c>%tid.z</c> and <c>%tid.x &gt;&gt; 5</c> are the
    /// same in every lane of a warp. Decided by <c>.reqntid</c> when the kernel declares it; otherwise assumed by
    /// <see cref="FunctionAnalyses.Uniformity"/> and not by <see cref="FunctionAnalyses.UniformityWithoutLaunchAssumptions"/>.
    /// </summary>
    public bool AssumesWarpRows { get; }

    public UniformityInfo(FunctionAnalyses fa) : this(fa, assumeWarpRows: true) { }

    /// <summary>
    /// A function that never reads <c>%tid.y</c>, <c>%tid.z</c>, <c>%ntid.y</c> or <c>%ntid.z</c> is written for 1-D blocks
    /// (a 2-D launch would repeat its work per row): its warps are consecutive runs of <c>%tid.x</c>.
    /// </summary>
    private static bool IsOneDimensional(FunctionAnalyses fa)
    {
        var specials = fa.SpecialRegisters;
        return !(specials.Reads("%tid", "y") || specials.Reads("%tid", "z") || specials.Reads("%ntid", "y") || specials.Reads("%ntid", "z"));
    }

    public UniformityInfo(FunctionAnalyses fa, bool assumeWarpRows)
    {
        _fa = fa;
        AssumesWarpRows = fa.Function.Performance.ReqNtid is { Length: > 0 } req
            ? req[0] % 32 == 0 && (req.Length < 3 || req[2] == 1)
            : assumeWarpRows || IsOneDimensional(fa);
        _cfg = fa.Cfg;
        _fn = _cfg.Function;
        _defs = fa.Defs;
        _cd = fa.ControlDependence;
        _loops = fa.Loops;
        var insns = _fn.Instructions;
        int n = insns.Count;
        _base = new Uniformity[n];
        _val = new Uniformity[n];
        _liveIn = _fn.IsEntry ? Uniformity.Uniform : Uniformity.Varying;
        _slots = fa.LocalSlots;
        foreach (var (load, store) in _slots.Forwarded)
        {
            if (!_forwardedLoads.TryGetValue(store.Index, out var l)) _forwardedLoads[store.Index] = l = new List<int>(1);
            l.Add(load);
        }
        for (int i = 0; i < n; i++) _base[i] = BaseOf(insns[i]);
        Solve();
    }

    private Uniformity BaseOf(Instruction insn)
    {
        var info = insn.Info;
        switch (info.Collective)
        {
            case Collective.Cta: return Uniformity.Uniform;          // only the guard matters (Evaluate)
            case Collective.Warp: return Uniformity.WarpUniform;
            case Collective.LaneBroadcast: return Uniformity.WarpUniform; // Evaluate: the lane operand decides
        }
        if (!info.Known || info.VaryingResult || info.Flow == FlowKind.Call) return Uniformity.Varying;
        if (ButterflyOffsets(insn, 0) == 31 || IsWarpIndex(insn) || IsWarpAlignedCompare(insn)) return Uniformity.WarpUniform;
        if (info.Mem == MemKind.Load)
        {
            foreach (var m in insn.MemoryAccesses)
            {
                // The thread's own frame: per-thread, unless the load reads back what one store put there (Evaluate).
                if (_slots.ForwardedStore(insn) is not null) return Uniformity.Uniform;
                if (m.Space == StateSpace.Local) return Uniformity.Varying;
                if (m.Space == StateSpace.Param && m.Address.BaseSymbol is { } sym)
                {
                    // A kernel parameter is the same for the whole grid; a .func parameter or a call's return
                    // value (a local .param symbol) depends on the calling thread.
                    if (_fn.FindParameter(sym) is not null) return _fn.IsEntry ? Uniformity.Uniform : Uniformity.Varying;
                    return Uniformity.Varying;
                }
            }
        }
        return Uniformity.Uniform;
    }

    /// <summary>
    /// A <c>shfl.sync.idx</c> whose clamp operand names the whole warp (31): every lane reads the lane that the source
    /// lane operand names, so the result is the same in every lane when that operand is.
    /// </summary>
    private bool IsWholeWarpIndexShuffle(Instruction insn, out RegisterOperand? laneReg)
    {
        laneReg = null;
        if (insn.Info.Collective != Collective.LaneBroadcast || insn.Operands.Count < 4) return false;
        if (ConstantOf(insn, insn.Operands[3]) is not { } c || (c & 0x1f1f) != 0x1f) return false; // segment mask 0: one 32-lane segment
        switch (insn.Operands[2])
        {
            case ImmediateOperand: return true;
            case RegisterOperand r: laneReg = r; return true;
            default: return false;
        }
    }

    /// <summary>
    /// The integer value of an operand: an immediate, or a register whose only reaching definition moves an immediate
    /// into it (nvcc 13 passes shfl's lane, clamp and mask operands that way), through register copies.
    /// </summary>
    private long? ConstantOf(Instruction at, Operand op, int depth = 0)
    {
        if (op is ImmediateOperand imm) return imm.Value;
        if (op is not RegisterOperand r || r.IsSpecial || depth > 8) return null;
        var d = _defs.ReachingIndices(at, r.Name);
        if (d.Length != 1 || d[0] < 0) return null;
        var def = _fn.Instructions[d[0]];
        if (def.Guard is not null || def.Opcode != "mov" || def.Operands.Count != 2) return null;
        return ConstantOf(def, def.Operands[1], depth + 1);
    }

    /// <summary>
    /// The instruction that computes the value of <paramref name="reg"/> at <paramref name="at"/>, looking through
    /// bit-preserving copies (<c>mov.b32 %r, %f</c>, <c>mov</c> between registers, same-width <c>cvt</c> of integers): null
    /// when more than one definition reaches, or none does.
    /// </summary>
    private Instruction? CanonicalDef(Instruction at, RegisterOperand reg, int depth = 0)
    {
        if (reg.IsSpecial || depth > 8) return null;
        var d = _defs.ReachingIndices(at, reg.Name);
        if (d.Length != 1 || d[0] < 0) return null;
        var def = _fn.Instructions[d[0]];
        if (def.Guard is null && IsBitCopy(def) && def.Operands[1] is RegisterOperand src && !src.IsSpecial)
            return CanonicalDef(def, src, depth + 1) ?? def;
        return def;
    }

    /// <summary><c>mov</c> of one register, or a <c>cvt</c> between integer types of one width.</summary>
    private static bool IsBitCopy(Instruction insn)
    {
        if (insn.Operands.Count != 2 || insn.Operands[0] is not RegisterOperand || insn.Operands[1] is not RegisterOperand) return false;
        if (insn.Opcode == "mov") return true;
        if (insn.Opcode != "cvt" || insn.Modifiers.Length != 2) return false;
        var a = insn.Modifiers[0];
        var b = insn.Modifiers[1];
        return Types.BitWidth(a) == Types.BitWidth(b) && !Types.IsFloat(a) && !Types.IsFloat(b);
    }

    private int[]? _butterflyMemo; // per instruction index: the offsets + 1; 0 = not computed

    /// <summary>
    /// For <c>d = op(x, s)</c> with a commutative op (a table column), or <c>d = selp(x, s, setp.cmp(x, s))</c> (a max or
    /// min written as compare and select), where <c>s = shfl.sync.bfly(x, k, 31, -1)</c> of the same value of x, possibly
    /// through bit-preserving casts (<c>mov.b32</c> of a float, or the two halves of a 64-bit value): the bit mask of the
    /// xor offsets k combined so far along the chain of such steps (0 when <paramref name="d"/> is not one). 31 means
    /// every lane holds the reduction of the whole warp: the value is the same in every lane.
    /// </summary>
    private int ButterflyOffsets(Instruction d, int depth)
    {
        var memo = _butterflyMemo ??= new int[_fn.Instructions.Count];
        if (memo[d.Index] != 0) return memo[d.Index] - 1;
        int r = ButterflyOffsetsUncached(d, depth);
        memo[d.Index] = r + 1;
        return r;
    }

    private int ButterflyOffsetsUncached(Instruction d, int depth)
    {
        if (depth > 8 || d.Guard is not null) return 0;
        if (!CombinedPair(d, out var a, out var b)) return 0;
        foreach (var (x, sreg) in new[] { (a, b), (b, a) })
        {
            // cheap test first: the other operand must come from a shuffle (directly or through a 64-bit pack)
            var sd = CanonicalDef(d, sreg);
            if (sd is null || sd.Opcode != "shfl" && !(sd.Opcode == "mov" && sd.Operands.Count == 2 && sd.Operands[1] is VectorOperand)) continue;
            int k = ShuffledXorOf(d, sreg, ValueKey(d, x));
            if (k == 0) continue;
            var xDef = CanonicalDef(d, x);
            int prior = xDef is null ? 0 : ButterflyOffsets(xDef, depth + 1);
            return prior | k;
        }
        return 0;
    }

    /// <summary>
    /// An identity for the value of <paramref name="reg"/> at <paramref name="at"/>, through bit-preserving copies:
    /// the defining instruction, or the register and the set of definitions that reach it when there are several.
    /// </summary>
    private string ValueKey(Instruction at, RegisterOperand reg)
    {
        for (int depth = 0; ; depth++)
        {
            if (reg.IsSpecial) return "s:" + reg.FullName;
            var d = _defs.ReachingIndices(at, reg.Name);
            if (d.Length != 1 || d[0] < 0) return "r:" + reg.Name + ":" + string.Join(',', d);
            var def = _fn.Instructions[d[0]];
            if (depth < 8 && def.Guard is null && IsBitCopy(def) && def.Operands[1] is RegisterOperand src)
            {
                at = def;
                reg = src;
                continue;
            }
            return "d:" + def.Index;
        }
    }

    /// <summary>The two values a commutative combine of <paramref name="d"/> reads (op a, b; or selp a, b, setp(a, b)).</summary>
    private bool CombinedPair(Instruction d, out RegisterOperand a, out RegisterOperand b)
    {
        a = b = null!;
        if (!d.Info.Commutative && d.Opcode != "selp") return false;
        if (d.Info.Commutative && d.Operands.Count == 3 && d.Operands[1] is RegisterOperand ra && d.Operands[2] is RegisterOperand rb
            && !ra.IsSpecial && !rb.IsSpecial)
        {
            a = ra; b = rb;
            return true;
        }
        if (d.Opcode == "selp" && d.Operands.Count == 4 && d.Operands[1] is RegisterOperand sa && d.Operands[2] is RegisterOperand sb
            && d.Operands[3] is RegisterOperand p && !sa.IsSpecial && !sb.IsSpecial && !p.IsSpecial && !p.Negated)
        {
            var pd = _defs.ReachingIndices(d, p.Name);
            if (pd.Length != 1 || pd[0] < 0) return false;
            var setp = _fn.Instructions[pd[0]];
            if (setp.Opcode != "setp" || setp.Guard is not null || setp.Operands.Count != 3) return false;
            if (!(setp.Has(".gt") || setp.Has(".lt") || setp.Has(".ge") || setp.Has(".le") || setp.Has(".hi") || setp.Has(".lo")
                  || setp.Has(".hs") || setp.Has(".ls"))) return false;
            if (setp.Operands[1] is not RegisterOperand ca || setp.Operands[2] is not RegisterOperand cb) return false;
            // The compare must read the same values the select picks between.
            bool same(RegisterOperand u, Instruction at1, RegisterOperand v, Instruction at2) =>
                u.Name == v.Name && _defs.ReachingIndices(at1, u.Name).AsSpan().SequenceEqual(_defs.ReachingIndices(at2, v.Name));
            if (!(same(ca, setp, sa, d) && same(cb, setp, sb, d) || same(ca, setp, sb, d) && same(cb, setp, sa, d))) return false;
            a = sa; b = sb;
            return true;
        }
        return false;
    }

    /// <summary>
    /// When <paramref name="s"/> at <paramref name="at"/> is the xor-shuffle of the value <paramref name="xDef"/> computes
    /// (<c>shfl.sync.bfly.b32 s, x, k, 31, -1</c>, through bit-preserving casts, or a 64-bit value shuffled as two
    /// halves with the same k): k; otherwise 0.
    /// </summary>
    private int ShuffledXorOf(Instruction at, RegisterOperand s, string xKey)
    {
        var sDef = CanonicalDef(at, s);
        if (sDef is null) return 0;
        if (sDef.Opcode == "shfl")
        {
            int k = XorShuffleOffset(sDef, out var src);
            return k != 0 && ValueKey(sDef, src!) == xKey ? k : 0;
        }
        // mov.b64 %fd2, {%r3, %r4}: both halves shuffled with the same k from the halves of x (mov.b64 {%r1, %r2}, %fd1).
        if (sDef.Opcode == "mov" && sDef.Operands.Count == 2 && sDef.Operands[1] is VectorOperand { Elements.Count: 2 } pack)
        {
            int k0 = 0;
            for (int h = 0; h < 2; h++)
            {
                if (pack.Elements[h] is not RegisterOperand half) return 0;
                var hs = CanonicalDef(sDef, half);
                if (hs is null || hs.Opcode != "shfl") return 0;
                int k = XorShuffleOffset(hs, out var src);
                if (k == 0 || (k0 != 0 && k != k0)) return 0;
                k0 = k;
                // the shuffled half must be half h of x: mov.b64 {%r1, %r2}, x
                var unpack = CanonicalDef(hs, src!);
                if (unpack is null || unpack.Opcode != "mov" || unpack.Operands.Count != 2 || unpack.Operands[0] is not VectorOperand { Elements.Count: 2 } parts
                    || parts.Elements[h] is not RegisterOperand ph || ph.Name != src!.Name || unpack.Operands[1] is not RegisterOperand whole) return 0;
                if (ValueKey(unpack, whole) != xKey) return 0;
            }
            return k0;
        }
        return 0;
    }

    /// <summary>k of <c>shfl{.sync}.bfly.b32 d, a, k, 31{, -1}</c> (unguarded, power of two up to 16), and its source a; 0 otherwise.</summary>
    private int XorShuffleOffset(Instruction shfl, out RegisterOperand? src)
    {
        src = null;
        if (!shfl.Has(".bfly") || shfl.Guard is not null) return 0;
        bool sync = shfl.Has(".sync");
        if (shfl.Operands.Count != (sync ? 5 : 4)) return 0;
        if (shfl.Operands[1] is not RegisterOperand a || a.IsSpecial) return 0;
        if (ConstantOf(shfl, shfl.Operands[2]) is not { } k || k is <= 0 or > 16 || (k & (k - 1)) != 0) return 0;
        if (ConstantOf(shfl, shfl.Operands[3]) is not 31) return 0;
        if (sync && ConstantOf(shfl, shfl.Operands[4]) is not (-1 or 0xffffffffL)) return 0;
        src = a;
        return (int)k;
    }

    /// <summary>
    /// The warp index or warp base of a thread: the linear thread index <c>((%tid.z * %ntid.y + %tid.y) * %ntid.x + %tid.x)</c>
    /// (warps are formed from it, whatever the block shape) shifted right by 5 or more, divided by a multiple of 32, or
    /// masked with <c>~31</c>; and the same of <c>%tid.x</c> alone, which is a warp index when blockDim.x is a multiple
    /// of 32 (<see cref="AssumesWarpRows"/>).
    /// </summary>
    private bool IsWarpIndex(Instruction insn)
    {
        if (insn.Guard is not null || insn.Operands.Count != 3 || insn.Operands[2] is not ImmediateOperand k) return false;
        bool ok = insn.Opcode switch
        {
            "shr" => k.Value >= 5 && k.Value < 64,
            "div" => !insn.Has(".s32") && !insn.Has(".s64") && k.Value > 0 && k.Value % 32 == 0,
            "and" => (k.Value & 31) == 0,
            _ => false,
        };
        if (!ok || insn.Operands[1] is not RegisterOperand x) return false;
        var form = ThreadIndexForm(insn, x, 0);
        return form is not null && form.IsWarpAlignedThreadIndex(AssumesWarpRows);
    }

    private sbyte[]? _sameBase; // per instruction index: 0 = not computed, 1 = no, 2 = yes

    /// <summary>
    /// <c>setp.cmp p, a, b</c> where a and b differ by a CTA-uniform amount (<see cref="LinearForms"/>): the same
    /// thread-dependent part plus uniform offsets, through copies, additions of uniform values and loop counters.
    /// <c>for (i = lo; ...; ++i) if (i &lt;= lo)</c> with <c>lo = rows * %tid.y</c> is true on the first trip only, in
    /// every thread: the comparison is uniform. A loop counter counts iterations, which is the same among the threads
    /// still iterating (the analysis' notion of uniformity inside a loop). Also an integer value whose thread-dependent
    /// parts cancel (<c>max(lo + n, lo + 1) - lo</c>).
    /// </summary>
    private bool IsSameBaseCompare(Instruction insn)
    {
        // Thread-dependent parts can only cancel between two thread-dependent register inputs.
        bool setp = insn.Opcode == "setp" && insn.Operands.Count == 3;
        bool linear = !setp && insn.Opcode is "sub" or "add" or "min" or "max" or "mad" && insn.Defs.Length == 1 && insn.Guard is null;
        if (!setp && !linear) return false;
        // the forms' answer does not depend on the values being solved: once it is no, nothing else need be asked
        if (_sameBase is { } known && known[insn.Index] == 1) return false;
        int varyingInputs = 0;
        bool dummy = false;
        for (int i = 1; i < insn.Operands.Count; i++)
            if (insn.Operands[i] is RegisterOperand ri && !ri.IsSpecial && UseValue(insn, ri, null, ref dummy) != Uniformity.Uniform) varyingInputs++;
        if (varyingInputs < 2) return false;
        var sameBase = _sameBase ??= new sbyte[_fn.Instructions.Count];
        if (sameBase[insn.Index] != 0) return sameBase[insn.Index] == 2;
        bool r = false;
        var forms = _fa.LinearForms;
        if (setp)
        {
            if (insn.Operands[1] is RegisterOperand a && insn.Operands[2] is RegisterOperand b && !a.IsSpecial && !b.IsSpecial
                && !insn.Modifiers.Any(m => Types.IsFloat(m)))
                r = forms.DifferByUniform(insn, a, b);
        }
        else
        {
            // Only when some input is thread-dependent: otherwise the ordinary meet already says uniform.
            r = forms.OfDef(insn) is { IsUniform: true } && ReadsNonUniformForm(forms, insn);
        }
        sameBase[insn.Index] = r ? (sbyte)2 : (sbyte)1;
        return r;
    }

    // a loop, not a lambda: a lambda capturing the instruction would allocate its closure on every call of the caller
    private static bool ReadsNonUniformForm(LinearForms forms, Instruction insn)
    {
        foreach (var u in insn.Uses)
            if (!u.IsSpecial && forms.OfUse(insn, u) is { IsUniform: false }) return true;
        return false;
    }

    /// <summary>
    /// <c>setp.cmp p, idx, C</c> where idx is a warp-aligned thread index (see <see cref="IsWarpIndex"/>) and the constant
    /// splits the index range at a multiple of 32 (<c>idx &lt; 32m</c>, <c>idx &lt;= 32m-1</c>, <c>idx &gt; 32m-1</c>,
    /// <c>idx &gt;= 32m</c>): every lane of a warp gets the same answer (<c>if (threadIdx.x &lt; 32)</c> selects warp 0).
    /// </summary>
    private bool IsWarpAlignedCompare(Instruction insn)
    {
        if (insn.Opcode != "setp" || insn.Guard is not null || insn.Operands.Count != 3) return false;
        if (insn.Modifiers.Any(m => Types.IsFloat(m))) return false;
        RegisterOperand? x = null;
        long c = 0;
        bool swapped = false;
        if (insn.Operands[1] is RegisterOperand r1 && insn.Operands[2] is ImmediateOperand k1) { x = r1; c = k1.Value; }
        else if (insn.Operands[2] is RegisterOperand r2 && insn.Operands[1] is ImmediateOperand k2) { x = r2; c = k2.Value; swapped = true; }
        if (x is null) return false;
        string? cmp = insn.Modifiers.FirstOrDefault(m => m is ".lt" or ".le" or ".gt" or ".ge" or ".lo" or ".ls" or ".hi" or ".hs");
        if (cmp is null) return false;
        if (swapped) cmp = cmp switch { ".lt" => ".gt", ".le" => ".ge", ".gt" => ".lt", ".ge" => ".le", ".lo" => ".hi", ".ls" => ".hs", ".hi" => ".lo", _ => ".ls" };
        // idx < c and idx >= c split at c; idx <= c and idx > c split at c + 1.
        long split = cmp is ".lt" or ".ge" or ".lo" or ".hs" ? c : c + 1;
        if (split % 32 != 0) return false;
        var form = ThreadIndexForm(insn, x, 0);
        return form is not null && form.IsWarpAlignedThreadIndex(AssumesWarpRows);
    }

    /// <summary>
    /// The value of <paramref name="reg"/> as a polynomial over %tid.{x,y,z} and %ntid.{x,y,z} with integer
    /// coefficients (through mov, same-value cvt, add, sub, mul.lo, mul.wide, mad.lo, mad.wide and shl by a constant);
    /// null when it is anything else.
    /// </summary>
    private Dictionary<int, TidPolynomial?>? _tidForms;

    private TidPolynomial? ThreadIndexForm(Instruction at, RegisterOperand reg, int depth)
    {
        if (reg.IsSpecial)
            return reg.Name is "%tid" or "%ntid" && reg.Component is "x" or "y" or "z" ? TidPolynomial.Atom(reg.FullName) : null;
        if (depth > 12) return null;
        var d = _defs.ReachingIndices(at, reg.Name);
        if (d.Length != 1 || d[0] < 0) return null;
        _tidForms ??= new Dictionary<int, TidPolynomial?>();
        if (_tidForms.TryGetValue(d[0], out var memo)) return memo;
        var form = ThreadIndexFormOfDef(_fn.Instructions[d[0]], depth);
        if (depth == 0 || form is not null) _tidForms[d[0]] = form; // a null found deep may be the depth limit
        return form;
    }

    private TidPolynomial? ThreadIndexFormOfDef(Instruction def, int depth)
    {
        if (def.Guard is not null) return null;
        TidPolynomial? Op(int i) => i < def.Operands.Count ? def.Operands[i] switch
        {
            RegisterOperand r => ThreadIndexForm(def, r, depth + 1),
            ImmediateOperand imm => TidPolynomial.Constant(imm.Value),
            _ => null,
        } : null;
        switch (def.Opcode)
        {
            case "mov" when def.Operands.Count == 2:
            case "cvt" when def.Operands.Count == 2 && !def.Modifiers.Any(m => Types.IsFloat(m)) && !def.Has(".sat"):
                return Op(1);
            case "add" when def.Operands.Count == 3 && !def.Modifiers.Any(m => Types.IsFloat(m)) && !def.Has(".cc") && !def.Has(".sat"):
                return TidPolynomial.Add(Op(1), Op(2), 1);
            case "sub" when def.Operands.Count == 3 && !def.Modifiers.Any(m => Types.IsFloat(m)) && !def.Has(".cc") && !def.Has(".sat"):
                return TidPolynomial.Add(Op(1), Op(2), -1);
            case "mul" when def.Operands.Count == 3 && (def.Has(".lo") || def.Has(".wide")):
                return TidPolynomial.Mul(Op(1), Op(2));
            case "mad" when def.Operands.Count == 4 && (def.Has(".lo") || def.Has(".wide")) && !def.Has(".cc"):
                return TidPolynomial.Add(TidPolynomial.Mul(Op(1), Op(2)), Op(3), 1);
            case "shl" when def.Operands.Count == 3 && def.Operands[2] is ImmediateOperand sh && sh.Value is >= 0 and < 32:
                return TidPolynomial.Mul(Op(1), TidPolynomial.Constant(1L << (int)sh.Value));
            default:
                return null;
        }
    }

    private Uniformity OfSpecial(RegisterOperand reg)
    {
        // With warps made of whole rows of the block, the row and plane indices are the same in every lane.
        if (AssumesWarpRows && reg.Name == "%tid" && reg.Component is "y" or "z") return Uniformity.WarpUniform;
        return SpecialRegisters.UniformityOf(reg.Name) switch
        {
            SpecialRegisters.Uniformity.CtaUniform => Uniformity.Uniform,
            SpecialRegisters.Uniformity.WarpUniform => Uniformity.WarpUniform,
            _ => Uniformity.Varying,
        };
    }

    private bool IsConditionalTerminator(Instruction insn)
    {
        var b = _cfg.BlockOf(insn);
        return b.End - 1 == insn.Index && b.Successors.Count >= 2;
    }

    private Uniformity LiveInValue(string regName)
    {
        var p = _fn.FindParameter(regName);
        if (p is not null) return _fn.IsEntry ? Uniformity.Uniform : Uniformity.Varying;
        return _liveIn;
    }

    /// <summary>Per instruction index, the stamp of the last use whose sync-dependence loop judged that branch.</summary>
    private int[]? _branchSeen;
    private int _branchSeenStamp;

    /// <summary>
    /// The uniformity of register <paramref name="reg"/> read at <paramref name="at"/>. When <paramref name="why"/>
    /// is given, the non-uniform contributors (definitions and divergent branches) are added to it; the return
    /// flag <paramref name="selfSource"/> is set when the value is non-uniform by itself (a special register or a
    /// varying live-in).
    /// </summary>
    private Uniformity UseValue(Instruction at, RegisterOperand reg, List<Instruction>? why, ref bool selfSource)
    {
        if (reg.IsSpecial)
        {
            var s = OfSpecial(reg);
            if (s != Uniformity.Uniform) selfSource = true;
            return s;
        }
        var set = _defs.ReachingIndices(at, reg.Name);
        var insns = _fn.Instructions;
        var v = Uniformity.Uniform;
        foreach (var d in set)
        {
            var dv = d < 0 ? LiveInValue(reg.Name) : _val[d];
            if (dv != Uniformity.Uniform)
            {
                if (d < 0) selfSource = true;
                else why?.Add(insns[d]);
            }
            v = v.Meet(dv);
        }
        if (v == Uniformity.Varying && why is null) return v;
        var useBlock = _cfg.BlockOf(at);
        if (set.Length >= 2)
        {
            // Sync dependence: which definition arrives depends on a branch the use is not inside of. The definitions'
            // blocks share most of their controlling branches (the cases of an interpreter's dispatch), so each branch
            // is judged once per use: a second visit could change neither the value nor the first-seen order of why.
            var seen = _branchSeen ??= new int[insns.Count];
            int stamp = ++_branchSeenStamp;
            foreach (var d in set)
            {
                var db = d < 0 ? _cfg.Entry : _cfg.BlockOf(d);
                foreach (var br in _cd.TransitiveBranchesControlling(db))
                {
                    if (seen[br.Index] == stamp) continue;
                    seen[br.Index] = stamp;
                    var bv = _val[br.Index];
                    if (bv == Uniformity.Uniform || bv <= v && why is null || _cd.IsTransitivelyControlledBy(useBlock, br)) continue;
                    v = v.Meet(bv);
                    why?.Add(br);
                    if (v == Uniformity.Varying && why is null) return v;
                }
            }
        }
        // Temporal divergence: a value that changes per iteration, read after a loop that threads leave at different iterations.
        foreach (var d in set)
        {
            if (d < 0) continue;
            var db = _cfg.BlockOf(d);
            for (var l = _loops.LoopOf(db); l is not null; l = l.Parent)
            {
                // Inside the loop, a value is uniform among the threads still iterating, unless it left the loop
                // (through an enclosing loop) and came back in at the header.
                // (the cheap test first: most loops have only uniform exits, and then nothing else is asked)
                bool anyDivergentExit = false;
                foreach (var br in l.ExitBranches)
                    if (_val[br.Index] != Uniformity.Uniform) { anyDivergentExit = true; break; }
                if (!anyDivergentExit) continue;
                if (l.Contains(useBlock) && !ReentersHeader(d, reg.Name, l)) continue;
                if (!IsLoopVariant(insns[d], l)) continue;
                foreach (var br in l.ExitBranches)
                {
                    var bv = _val[br.Index];
                    if (bv == Uniformity.Uniform) continue;
                    v = v.Meet(bv);
                    why?.Add(br);
                }
            }
        }
        return v;
    }

    /// <summary>True when definition <paramref name="d"/> of <paramref name="reg"/> reaches the loop header from a predecessor outside the loop.</summary>
    private bool ReentersHeader(int d, string reg, Loop loop)
    {
        foreach (var p in loop.Header.Predecessors)
        {
            if (loop.Contains(p)) continue;
            if (ReachingDefinitions.IndexOf(_defs.ReachingAtEnd(p, reg), d) >= 0) return true;
        }
        return false;
    }

    /// <summary>True when a definition inside <paramref name="loop"/> may produce a different value per iteration.</summary>
    private bool IsLoopVariant(Instruction def, Loop loop)
    {
        if (def.Guard is not null) return true;
        var info = def.Info;
        if (info.Mem is not MemKind.None and not MemKind.Prefetch || !info.Known || info.VaryingResult || info.Flow == FlowKind.Call)
            return true;
        foreach (var u in def.Uses)
        {
            if (u.IsSpecial)
            {
                if (SpecialRegisters.IsTimeVarying(u.FullName)) return true;
                continue;
            }
            foreach (var d in _defs.ReachingIndices(def, u.Name))
                if (d >= 0 && loop.Contains(_cfg.BlockOf(d))) return true;
        }
        return false;
    }

    private Uniformity Evaluate(Instruction insn)
    {
        var v = _base[insn.Index];
        if (v == Uniformity.Varying) return v;
        bool self = false;
        var collective = insn.Info.Collective;
        if (collective == Collective.LaneBroadcast)
        {
            // shfl.sync.idx: the same in every lane when the source lane operand is (and the clamp covers the warp).
            if (!IsWholeWarpIndexShuffle(insn, out var lane)) return Uniformity.Varying;
            if (lane is not null) v = v.Meet(UseValue(insn, lane, null, ref self) == Uniformity.Varying ? Uniformity.Varying : Uniformity.WarpUniform);
            return insn.Guard is null ? v : v.Meet(UseValue(insn, insn.Guard, null, ref self));
        }
        // bar.red, vote, redux.sync ...: every participating thread gets the same result, whatever the inputs; only the guard matters.
        if (collective is Collective.Cta or Collective.Warp || v == Uniformity.WarpUniform && (ButterflyOffsets(insn, 0) == 31 || IsWarpIndex(insn) || IsWarpAlignedCompare(insn)))
            return insn.Guard is null ? v : v.Meet(UseValue(insn, insn.Guard, null, ref self));
        if (_slots.ForwardedStore(insn) is { } store)
        {
            // A load of a .local slot that one store fills (a spilled by-value parameter): the stored value's uniformity.
            v = v.Meet(_val[store.Index]);
            if (insn.Guard is not null) v = v.Meet(UseValue(insn, insn.Guard, null, ref self));
            return v;
        }
        foreach (var u in insn.Uses)
        {
            v = v.Meet(UseValue(insn, u, null, ref self));
            if (v == Uniformity.Varying) break;
        }
        // Thread-dependent inputs whose thread-dependent parts cancel (same-base comparisons, differences).
        if (v != Uniformity.Uniform && IsSameBaseCompare(insn))
            return insn.Guard is null ? Uniformity.Uniform : UseValue(insn, insn.Guard, null, ref self);
        return v;
    }

    private void Solve()
    {
        var insns = _fn.Instructions;
        int n = insns.Count;
        var queued = new bool[n];
        var queue = new Queue<int>(n);
        foreach (var b in ReachingDefinitions.ReversePostorder(_cfg))
            for (int i = b.Start; i < b.End; i++) { queue.Enqueue(i); queued[i] = true; }
        void Push(int x)
        {
            if (!queued[x]) { queued[x] = true; queue.Enqueue(x); }
        }
        // the readers of what an instruction writes, in the order UsersOf gives them
        void PushUsers(Instruction d)
        {
            if (_defs.TryUsersOfOne(d, out var users))
            {
                for (int j = 0; j < users.Length; j++) Push(users[j]);
                return;
            }
            foreach (var u in _defs.UserIndices(d)) Push(u);
        }
        while (queue.Count > 0)
        {
            int i = queue.Dequeue();
            queued[i] = false;
            if (_val[i] == Uniformity.Varying) continue; // already at the bottom
            var insn = insns[i];
            var nv = Evaluate(insn).Meet(_val[i]);
            if (nv == _val[i]) continue;
            _val[i] = nv;
            PushUsers(insn);
            if (_forwardedLoads.TryGetValue(i, out var fl))
                foreach (var l in fl) Push(l);
            if (IsConditionalTerminator(insn))
            {
                // Merges below this branch and values leaving loops it exits may have changed.
                foreach (var b in _cd.TransitiveDependentBlocksUnordered(insn))
                    for (int k = b.Start; k < b.End; k++)
                        if (insns[k].Defs.Length > 0)
                            PushUsers(insns[k]);
                for (var l = _loops.LoopOf(_cfg.BlockOf(insn)); l is not null; l = l.Parent)
                {
                    if (!l.ExitBranches.Contains(insn)) continue;
                    foreach (var b in l.Blocks)
                        for (int k = b.Start; k < b.End; k++)
                            if (insns[k].Defs.Length > 0)
                                PushUsers(insns[k]);
                }
            }
        }
    }

    /// <summary>Uniformity of the value of <paramref name="reg"/> read at <paramref name="at"/> (special registers included).</summary>
    public Uniformity OfUse(Instruction at, RegisterOperand reg)
    {
        bool self = false;
        return UseValue(at, reg, null, ref self);
    }

    /// <summary>Uniformity of the value(s) an instruction writes (the meet of its sources, its guard included).</summary>
    public Uniformity OfDef(Instruction def) => _val[def.Index];

    /// <summary>Uniformity of an instruction's guard predicate; Uniform when unguarded.</summary>
    public Uniformity OfGuard(Instruction insn) => insn.Guard is null ? Uniformity.Uniform : OfUse(insn, insn.Guard);

    /// <summary>
    /// True when the instruction is a branch whose condition is not Uniform: a conditional terminator (guarded
    /// bra/ret/exit, brx.idx with 2+ targets) whose guard/index is Varying or WarpUniform, or a guarded
    /// bra/ret/exit/trap whose guard is not Uniform.
    /// </summary>
    public bool IsDivergentBranch(Instruction branch)
    {
        if (IsConditionalTerminator(branch)) return _val[branch.Index] != Uniformity.Uniform;
        if (branch.Guard is not null && branch.Info.Flow is FlowKind.Branch or FlowKind.IndirectBranch or FlowKind.Return or FlowKind.Exit or FlowKind.Trap)
            return OfGuard(branch) != Uniformity.Uniform;
        return false;
    }

    /// <summary>Uniformity of the branch decision (Uniform for unconditional branches).</summary>
    public Uniformity OfBranch(Instruction branch) => IsConditionalTerminator(branch) ? _val[branch.Index] : OfGuard(branch);

    /// <summary>The divergent branches a block is (transitively) control dependent on, in source order.</summary>
    public IReadOnlyList<Instruction> DivergentBranchesControlling(BasicBlock b)
    {
        var divergent = new List<Instruction>();
        foreach (var br in _cd.TransitiveBranchesControlling(b))
            if (_val[br.Index] != Uniformity.Uniform) divergent.Add(br);
        return divergent;
    }

    /// <summary>True when not every thread of the CTA that enters the function need reach this block together (a divergent branch controls it).</summary>
    public bool IsInDivergentRegion(BasicBlock b)
    {
        foreach (var br in _cd.TransitiveBranchesControlling(b))
            if (_val[br.Index] != Uniformity.Uniform) return true;
        return false;
    }

    private bool IsDerivedWarpFact(Instruction insn) =>
        insn.Info.Collective == Collective.None && (IsWarpIndex(insn) || IsWarpAlignedCompare(insn) || ButterflyOffsets(insn, 0) == 31);

    /// <summary>
    /// A chain of instructions from the thread-dependent source (e.g. <c>mov.u32 %r1, %tid.x</c>, an <c>atom</c>, a
    /// divergent branch's condition) to <paramref name="at"/>, for SARIF code flows; empty when the value is Uniform.
    /// The chain ends with <paramref name="at"/> itself.
    /// </summary>
    public IReadOnlyList<Instruction> Explain(Instruction at, RegisterOperand reg)
    {
        var insns = _fn.Instructions;
        bool self = false;
        var why = new List<Instruction>();
        if (UseValue(at, reg, why, ref self) == Uniformity.Uniform) return Array.Empty<Instruction>();
        if (self) return new[] { at };
        var parent = new Dictionary<int, int> { [at.Index] = -1 };
        var queue = new Queue<int>();
        foreach (var w in why)
            if (parent.TryAdd(w.Index, at.Index)) queue.Enqueue(w.Index);
        int found = -1;
        var local = new List<Instruction>();
        while (queue.Count > 0 && found < 0)
        {
            int x = queue.Dequeue();
            var xi = insns[x];
            // A source introduces non-uniformity itself; the warp-level facts derived from the thread index (warp
            // index, warp-aligned compare, butterfly) only pass it on, so the chain goes on to their inputs.
            if (_base[x] != Uniformity.Uniform && !IsDerivedWarpFact(xi)) { found = x; break; }
            bool xself = false;
            local.Clear();
            foreach (var u in xi.Uses)
            {
                bool s = false;
                UseValue(xi, u, local, ref s);
                xself |= s;
            }
            if (xself) { found = x; break; }
            foreach (var w in local)
                if (parent.TryAdd(w.Index, x)) queue.Enqueue(w.Index);
        }
        if (found < 0) return new[] { at };
        var chain = new List<Instruction>();
        for (int k = found; k >= 0; k = parent[k]) chain.Add(insns[k]);
        return chain;
    }
}

/// <summary>
/// A polynomial over %tid.{x,y,z} and %ntid.{x,y,z} with integer coefficients (monomials of degree up to 3), for
/// recognizing the linear thread index and warp indices computed from it.
/// </summary>
internal sealed class TidPolynomial
{
    private readonly Dictionary<string, long> _terms; // monomial ("%ntid.x*%tid.y", "" = constant) -> coefficient

    private TidPolynomial(Dictionary<string, long> terms) { _terms = terms; }

    public static TidPolynomial Atom(string name) => new(new Dictionary<string, long>(StringComparer.Ordinal) { [name] = 1 });

    public static TidPolynomial Constant(long c) => new(new Dictionary<string, long>(StringComparer.Ordinal) { [""] = c });

    public static TidPolynomial? Add(TidPolynomial? a, TidPolynomial? b, long sign)
    {
        if (a is null || b is null) return null;
        var t = new Dictionary<string, long>(a._terms, StringComparer.Ordinal);
        foreach (var (m, c) in b._terms) t[m] = t.GetValueOrDefault(m) + sign * c;
        return Trim(t);
    }

    public static TidPolynomial? Mul(TidPolynomial? a, TidPolynomial? b)
    {
        if (a is null || b is null) return null;
        var t = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (ma, ca) in a._terms)
            foreach (var (mb, cb) in b._terms)
            {
                var atoms = (ma.Length == 0 ? Array.Empty<string>() : ma.Split('*')).Concat(mb.Length == 0 ? Array.Empty<string>() : mb.Split('*')).ToList();
                if (atoms.Count > 3) return null;
                atoms.Sort(StringComparer.Ordinal);
                var key = string.Join('*', atoms);
                t[key] = t.GetValueOrDefault(key) + ca * cb;
            }
        return Trim(t);
    }

    private static TidPolynomial? Trim(Dictionary<string, long> t)
    {
        foreach (var k in t.Where(kv => kv.Value == 0).Select(kv => kv.Key).ToList()) t.Remove(k);
        return t.Count > 8 ? null : new TidPolynomial(t);
    }

    /// <summary>
    /// True for the linear thread index <c>%tid.x + %ntid.x*%tid.y + %ntid.x*%ntid.y*%tid.z</c>, for
    /// <c>%tid.x + %ntid.x*%tid.y</c>, or for <c>%tid.x</c> alone, plus a constant multiple of 32: a value whose quotient by
    /// 32 is the same in every lane of a warp (for the shorter forms when blockDim.z == 1, and for <c>%tid.x</c> alone
    /// when blockDim.x is a multiple of 32: assumed).
    /// </summary>
    public bool IsWarpAlignedThreadIndex(bool assumeWarpRows)
    {
        long c = _terms.GetValueOrDefault("");
        if (c % 32 != 0) return false;
        int n = _terms.Count - (_terms.ContainsKey("") ? 1 : 0);
        if (_terms.GetValueOrDefault("%tid.x") != 1) return false;
        if (n == 1) return assumeWarpRows;
        // %tid.y * %ntid.x + %tid.x: the linear index of a block with blockDim.z == 1 (assumed, as for %tid.x alone).
        if (n == 2) return assumeWarpRows && _terms.GetValueOrDefault("%ntid.x*%tid.y") == 1;
        return n == 3 && _terms.GetValueOrDefault("%ntid.x*%tid.y") == 1 && _terms.GetValueOrDefault("%ntid.x*%ntid.y*%tid.z") == 1;
    }
}
