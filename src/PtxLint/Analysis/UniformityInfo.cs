using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>
/// Uniformity of a value over the threads of a CTA. Ordered from best to worst: the meet of two values is the worse one.
/// </summary>
public enum Uniformity
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

    public UniformityInfo(FunctionAnalyses fa)
    {
        _fa = fa;
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
        for (int i = 0; i < n; i++) _base[i] = BaseOf(insns[i]);
        Solve();
    }

    private Uniformity BaseOf(Instruction insn)
    {
        var info = insn.Info;
        if (IsWarpCollective(insn)) return Uniformity.WarpUniform;
        if (!info.Known || info.VaryingResult || info.Flow == FlowKind.Call) return Uniformity.Varying;
        if (ButterflyOffsets(insn, 0) == 31 || IsWarpIndex(insn)) return Uniformity.WarpUniform;
        if (info.Mem == MemKind.Load)
        {
            foreach (var m in insn.MemoryAccesses)
            {
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

    /// <summary>Warp-collective results that every participating (active) lane receives identically: redux, vote (all/any/uni/ballot), match.all, activemask.</summary>
    private static bool IsWarpCollective(Instruction insn) =>
        insn.Opcode is "redux" or "vote" or "activemask" || insn.Opcode == "match" && insn.Has(".all");

    private static readonly HashSet<string> CommutativeOps = new(StringComparer.Ordinal) { "add", "min", "max", "and", "or", "xor", "mul" };

    /// <summary>
    /// For <c>d = op(x, s)</c> with a commutative op and <c>s = shfl.sync.bfly(x, k, 31, -1)</c> of the same value of x: the
    /// bit mask of the xor offsets k combined so far along the chain of such steps (0 when <paramref name="d"/> is not
    /// one). 31 means every lane holds the reduction of the whole warp: the value is the same in every lane.
    /// </summary>
    private int ButterflyOffsets(Instruction d, int depth)
    {
        if (depth > 8 || d.Guard is not null || !CommutativeOps.Contains(d.Opcode) || d.Operands.Count != 3) return 0;
        if (d.Operands[1] is not RegisterOperand a || d.Operands[2] is not RegisterOperand b || a.IsSpecial || b.IsSpecial) return 0;
        foreach (var (x, sreg) in new[] { (a, b), (b, a) })
        {
            var sdefs = _defs.ReachingIndices(d, sreg.Name);
            if (sdefs.Length != 1 || sdefs[0] < 0) continue;
            var shfl = _fn.Instructions[sdefs[0]];
            if (shfl.Opcode != "shfl" || !shfl.Has(".bfly") || shfl.Guard is not null || shfl.Operands.Count != 5) continue;
            if (shfl.Operands[1] is not RegisterOperand src || src.Name != x.Name) continue;
            if (shfl.Operands[2] is not ImmediateOperand k || k.Value is <= 0 or > 16 || (k.Value & (k.Value - 1)) != 0) continue;
            if (shfl.Operands[3] is not ImmediateOperand c || c.Value != 31) continue;
            if (shfl.Operands[4] is not ImmediateOperand m || m.Value != -1 && m.Value != 0xffffffffL) continue;
            var xAtD = _defs.ReachingIndices(d, x.Name);
            var xAtShfl = _defs.ReachingIndices(shfl, x.Name);
            if (!xAtD.SequenceEqual(xAtShfl)) continue;
            int prior = xAtD.Length == 1 && xAtD[0] >= 0 ? ButterflyOffsets(_fn.Instructions[xAtD[0]], depth + 1) : 0;
            return prior | (int)k.Value;
        }
        return 0;
    }

    /// <summary>
    /// The warp index or warp base of a thread: <c>%tid.x &gt;&gt; k</c> (k &gt;= 5), <c>%tid.x / (32*m)</c>, <c>%tid.x &amp; ~31</c>.
    /// The same for every lane of a warp when blockDim.x is a multiple of 32 (warps are formed along x first); assumed so.
    /// </summary>
    private bool IsWarpIndex(Instruction insn)
    {
        if (insn.Guard is not null || insn.Operands.Count != 3 || insn.Operands[2] is not ImmediateOperand k) return false;
        bool ok = insn.Opcode switch
        {
            "shr" => k.Value >= 5 && k.Value < 32,
            "div" => !insn.Has(".s32") && !insn.Has(".s64") && k.Value > 0 && k.Value % 32 == 0,
            "and" => (k.Value & 31) == 0,
            _ => false,
        };
        if (!ok || insn.Operands[1] is not RegisterOperand x) return false;
        if (x.IsSpecial) return x.FullName == "%tid.x";
        var d = _defs.ReachingIndices(insn, x.Name);
        if (d.Length != 1 || d[0] < 0) return false;
        var mov = _fn.Instructions[d[0]];
        return mov.Opcode is "mov" or "cvt" && mov.Guard is null && mov.Operands.Count == 2
               && mov.Operands[1] is RegisterOperand t && t.IsSpecial && t.FullName == "%tid.x";
    }

    private static Uniformity OfSpecial(RegisterOperand reg) => SpecialRegisters.UniformityOf(reg.Name) switch
    {
        SpecialRegisters.Uniformity.CtaUniform => Uniformity.Uniform,
        SpecialRegisters.Uniformity.WarpUniform => Uniformity.WarpUniform,
        _ => Uniformity.Varying,
    };

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
            // Sync dependence: which definition arrives depends on a branch the use is not inside of.
            foreach (var d in set)
            {
                var db = d < 0 ? _cfg.Entry : _cfg.BlockOf(d);
                foreach (var br in _cd.TransitiveBranchesControlling(db))
                {
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
                if (l.Contains(useBlock) && !ReentersHeader(d, reg.Name, l)) continue;
                bool anyDivergentExit = false;
                foreach (var br in l.ExitBranches)
                    if (_val[br.Index] != Uniformity.Uniform) { anyDivergentExit = true; break; }
                if (!anyDivergentExit || !IsLoopVariant(insns[d], l)) continue;
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
            if (Array.BinarySearch(_defs.ReachingAtEnd(p, reg), d) >= 0) return true;
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
                if (u.Name is "%clock" or "%clock64" or "%clock_hi" or "%globaltimer" or "%globaltimer_lo" or "%globaltimer_hi") return true;
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
        // redux.sync: every lane of the warp gets the same reduction, whatever the inputs; only the guard matters.
        if (IsWarpCollective(insn) || v == Uniformity.WarpUniform && (ButterflyOffsets(insn, 0) == 31 || IsWarpIndex(insn)))
            return insn.Guard is null ? v : v.Meet(UseValue(insn, insn.Guard, null, ref self));
        foreach (var u in insn.Uses)
        {
            v = v.Meet(UseValue(insn, u, null, ref self));
            if (v == Uniformity.Varying) break;
        }
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
        void Push(Instruction x)
        {
            if (!queued[x.Index]) { queued[x.Index] = true; queue.Enqueue(x.Index); }
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
            foreach (var u in _defs.UsersOf(insn)) Push(u);
            if (IsConditionalTerminator(insn))
            {
                // Merges below this branch and values leaving loops it exits may have changed.
                foreach (var b in _cd.TransitiveDependentBlocks(insn))
                    for (int k = b.Start; k < b.End; k++)
                        if (insns[k].Defs.Length > 0)
                            foreach (var u in _defs.UsersOf(insns[k])) Push(u);
                for (var l = _loops.LoopOf(_cfg.BlockOf(insn)); l is not null; l = l.Parent)
                {
                    if (!l.ExitBranches.Contains(insn)) continue;
                    foreach (var b in l.Blocks)
                        for (int k = b.Start; k < b.End; k++)
                            if (insns[k].Defs.Length > 0)
                                foreach (var u in _defs.UsersOf(insns[k])) Push(u);
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
    public IReadOnlyList<Instruction> DivergentBranchesControlling(BasicBlock b) =>
        _cd.TransitiveBranchesControlling(b).Where(br => _val[br.Index] != Uniformity.Uniform).ToArray();

    /// <summary>True when not every thread of the CTA that enters the function need reach this block together (a divergent branch controls it).</summary>
    public bool IsInDivergentRegion(BasicBlock b)
    {
        foreach (var br in _cd.TransitiveBranchesControlling(b))
            if (_val[br.Index] != Uniformity.Uniform) return true;
        return false;
    }

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
            if (_base[x] != Uniformity.Uniform) { found = x; break; }
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
