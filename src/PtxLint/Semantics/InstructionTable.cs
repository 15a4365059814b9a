using PtxLint.Ir;

namespace PtxLint.Semantics;

/// <summary>How an instruction affects control flow.</summary>
public enum FlowKind { None, Branch, IndirectBranch, Return, Exit, Trap, Call }

/// <summary>How an instruction touches memory through its address operands.</summary>
public enum MemKind { None, Load, Store, Atomic, Copy, Prefetch, Barrier }

/// <summary>Kinds of CTA- or warp-level synchronization.</summary>
public enum SyncKind { None, CtaBarrier, WarpSync, ClusterBarrier }

/// <summary>
/// Which threads receive the same result from a collective instruction, whatever their inputs (the uniformity fact
/// the table gives the divergence analysis, as LLVM's target hooks do for UniformityAnalysis).
/// </summary>
public enum Collective
{
    /// <summary>Not a collective: the result is a function of the thread's own operands.</summary>
    None,
    /// <summary>Every participating lane of the warp gets the same value (<c>vote</c>, <c>redux.sync</c>, <c>match.all</c>, <c>activemask</c>).</summary>
    Warp,
    /// <summary>
    /// Every thread of the CTA that executes it gets the same value: <c>bar.red.{and,or,popc}</c> / <c>barrier.red</c>
    /// (<c>__syncthreads_and/or/count</c>), whose result is the reduction over all participating threads.
    /// </summary>
    Cta,
    /// <summary>
    /// Each lane reads one lane's value (<c>shfl.sync.idx</c>): the same in every lane when the source lane operand is the
    /// same in every lane and the clamp operand names the whole warp (31).
    /// </summary>
    LaneBroadcast,
}

/// <summary>
/// Semantics of one opcode family: a row of <see cref="InstructionTable"/>. A new instruction needs one row;
/// an instruction the table does not know gets <see cref="InstructionTable.Unknown"/>: its first operand is
/// treated as a destination and its result as thread-varying (conservative).
/// </summary>
public sealed record OpcodeInfo(
    string Key,
    int DstCount = 1,
    bool DstAlsoRead = false,
    bool DstOptional = false,
    MemKind Mem = MemKind.None,
    FlowKind Flow = FlowKind.None,
    SyncKind Sync = SyncKind.None,
    StateSpace DefaultSpace = StateSpace.None,
    bool VaryingResult = false,
    bool Known = true,
    Collective Collective = Collective.None,
    bool Commutative = false,
    bool WideAddress = false)
{
    /// <summary>The mnemonic for display: the table key (e.g. <c>tcgen05.ld</c>), or the opcode for unknowns.</summary>
    public string Mnemonic(Instruction insn) => Known ? Key : insn.Opcode;
}

/// <summary>The one table of instruction semantics: operand roles, memory behaviour, control flow, synchronization.</summary>
public static class InstructionTable
{
    public static readonly OpcodeInfo Unknown = new("?", DstCount: 1, VaryingResult: true, Known: false);

    private static readonly Dictionary<string, OpcodeInfo> Rows = Build();

    private static Dictionary<string, OpcodeInfo> Build()
    {
        var rows = new List<OpcodeInfo>
        {
            // ---- data movement
            new("ld", Mem: MemKind.Load),
            new("ldu", Mem: MemKind.Load),
            new("ld.global.nc", Mem: MemKind.Load),
            new("st", DstCount: 0, Mem: MemKind.Store),
            new("st.async", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.SharedCluster),
            new("st.bulk", DstCount: 0, Mem: MemKind.Store),
            new("mov"), new("cvt"), new("cvta"), new("isspacep"), new("prmt"), new("shf"), new("shl"), new("shr"),
            new("ldmatrix", Mem: MemKind.Load, DefaultSpace: StateSpace.Shared, VaryingResult: true), // per-thread fragment
            new("stmatrix", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.Shared),
            new("prefetch", DstCount: 0, Mem: MemKind.Prefetch),
            new("prefetchu", DstCount: 0, Mem: MemKind.Prefetch),
            new("cp.async", DstCount: 0, Mem: MemKind.Copy),
            new("cp.async.commit_group", DstCount: 0),
            new("cp.async.wait_group", DstCount: 0),
            new("cp.async.wait_all", DstCount: 0),
            new("cp.async.mbarrier.arrive", DstCount: 0, Mem: MemKind.Atomic, DefaultSpace: StateSpace.Shared),
            new("cp.async.bulk", DstCount: 0, Mem: MemKind.Copy),
            new("cp.async.bulk.tensor", DstCount: 0, Mem: MemKind.Copy),
            new("cp.async.bulk.prefetch", DstCount: 0, Mem: MemKind.Prefetch),
            new("cp.async.bulk.commit_group", DstCount: 0),
            new("cp.async.bulk.wait_group", DstCount: 0),
            new("cp.reduce.async.bulk", DstCount: 0, Mem: MemKind.Copy),
            new("cp.reduce.async.bulk.tensor", DstCount: 0, Mem: MemKind.Copy),
            new("multimem.ld_reduce", Mem: MemKind.Load),
            new("multimem.st", DstCount: 0, Mem: MemKind.Store),
            new("multimem.red", DstCount: 0, Mem: MemKind.Atomic),
            // The address names a tensor-map object; producers pass it as a 64-bit register in every space.
            new("tensormap.replace", DstCount: 0, Mem: MemKind.Store, WideAddress: true),
            new("tensormap.cp_fenceproxy", DstCount: 0, Mem: MemKind.Copy, WideAddress: true),
            new("discard", DstCount: 0, Mem: MemKind.Prefetch),
            new("applypriority", DstCount: 0, Mem: MemKind.Prefetch),
            new("createpolicy"),
            new("tex", Mem: MemKind.Load, DefaultSpace: StateSpace.Tex),
            new("tld4", Mem: MemKind.Load, DefaultSpace: StateSpace.Tex),
            new("txq", DefaultSpace: StateSpace.Tex),
            new("suld", Mem: MemKind.Load, DefaultSpace: StateSpace.Global),
            new("sust", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.Global),
            new("sured", DstCount: 0, Mem: MemKind.Atomic, DefaultSpace: StateSpace.Global),
            new("suq"),
            new("istypep"),

            // ---- atomics and reductions
            new("atom", Mem: MemKind.Atomic, VaryingResult: true),
            new("red", DstCount: 0, Mem: MemKind.Atomic),
            new("red.async", DstCount: 0, Mem: MemKind.Atomic, DefaultSpace: StateSpace.SharedCluster),

            // ---- warp-level
            new("shfl", VaryingResult: true),
            new("shfl.idx", VaryingResult: true, Collective: Collective.LaneBroadcast),
            new("shfl.sync.idx", VaryingResult: true, Collective: Collective.LaneBroadcast),
            new("vote", VaryingResult: true, Collective: Collective.Warp),
            new("match", VaryingResult: true),
            new("match.all", VaryingResult: true, Collective: Collective.Warp),
            new("match.any", VaryingResult: true),
            new("redux", Collective: Collective.Warp),
            new("activemask", VaryingResult: true, Collective: Collective.Warp),
            new("elect", VaryingResult: true),

            // ---- control flow
            new("bra", DstCount: 0, Flow: FlowKind.Branch),
            new("brx.idx", DstCount: 0, Flow: FlowKind.IndirectBranch),
            new("call", DstCount: 0, Flow: FlowKind.Call),
            new("ret", DstCount: 0, Flow: FlowKind.Return),
            new("exit", DstCount: 0, Flow: FlowKind.Exit),
            new("trap", DstCount: 0, Flow: FlowKind.Trap),
            new("brkpt", DstCount: 0),

            // ---- synchronization
            new("bar", DstCount: 0, Sync: SyncKind.CtaBarrier),
            new("bar.sync", DstCount: 0, Sync: SyncKind.CtaBarrier),
            new("bar.arrive", DstCount: 0, Sync: SyncKind.CtaBarrier),
            new("bar.red", Sync: SyncKind.CtaBarrier, Collective: Collective.Cta),
            new("bar.warp.sync", DstCount: 0, Sync: SyncKind.WarpSync),
            new("barrier", DstCount: 0, Sync: SyncKind.CtaBarrier),
            new("barrier.red", Sync: SyncKind.CtaBarrier, Collective: Collective.Cta),
            new("barrier.cta.red", Sync: SyncKind.CtaBarrier, Collective: Collective.Cta),
            new("bar.cta.red", Sync: SyncKind.CtaBarrier, Collective: Collective.Cta),
            new("barrier.cluster", DstCount: 0, Sync: SyncKind.ClusterBarrier),
            new("membar", DstCount: 0), new("fence", DstCount: 0),
            new("nanosleep", DstCount: 0), new("pmevent", DstCount: 0),
            new("griddepcontrol", DstCount: 0), new("setmaxnreg", DstCount: 0),
            new("getctarank"),

            // ---- mbarrier
            new("mbarrier.init", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.Generic),
            new("mbarrier.inval", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.Generic),
            new("mbarrier.expect_tx", DstCount: 0, Mem: MemKind.Atomic, DefaultSpace: StateSpace.Generic),
            new("mbarrier.complete_tx", DstCount: 0, Mem: MemKind.Atomic, DefaultSpace: StateSpace.Generic),
            new("mbarrier.arrive", DstOptional: true, Mem: MemKind.Atomic, DefaultSpace: StateSpace.Generic),
            new("mbarrier.arrive_drop", DstOptional: true, Mem: MemKind.Atomic, DefaultSpace: StateSpace.Generic),
            new("mbarrier.test_wait", Mem: MemKind.Load, DefaultSpace: StateSpace.Generic, VaryingResult: true),
            new("mbarrier.try_wait", Mem: MemKind.Load, DefaultSpace: StateSpace.Generic, VaryingResult: true),
            new("mbarrier.pending_count"),

            // ---- matrix
            new("wmma.load", Mem: MemKind.Load, VaryingResult: true), // per-thread fragment
            new("wmma.store", DstCount: 0, Mem: MemKind.Store),
            new("wmma.mma"),
            new("mma"),
            new("wgmma.mma_async", DstAlsoRead: true),
            new("wgmma.fence", DstCount: 0), new("wgmma.commit_group", DstCount: 0), new("wgmma.wait_group", DstCount: 0),

            // ---- tcgen05 (tensor memory, sm_100a)
            new("tcgen05.alloc", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.Shared),
            new("tcgen05.dealloc", DstCount: 0),
            new("tcgen05.relinquish_alloc_permit", DstCount: 0),
            new("tcgen05.ld", Mem: MemKind.Load, DefaultSpace: StateSpace.TensorMemory, VaryingResult: true), // per-lane data
            new("tcgen05.st", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.TensorMemory),
            new("tcgen05.wait", DstCount: 0),
            new("tcgen05.cp", DstCount: 0, Mem: MemKind.Copy, DefaultSpace: StateSpace.TensorMemory),
            new("tcgen05.shift", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.TensorMemory),
            new("tcgen05.mma", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.TensorMemory),
            new("tcgen05.mma.ws", DstCount: 0, Mem: MemKind.Store, DefaultSpace: StateSpace.TensorMemory),
            new("tcgen05.commit", DstCount: 0, Mem: MemKind.Atomic, DefaultSpace: StateSpace.Shared),
            new("tcgen05.fence", DstCount: 0),
        };
        // Plain arithmetic, logic, comparison: one destination, all others sources.
        foreach (var op in new[]
                 {
                     "add", "sub", "mul", "mad", "mul24", "mad24", "sad", "div", "rem", "abs", "neg", "min", "max", "popc", "clz",
                     "bfind", "fns", "brev", "bfe", "bfi", "dp4a", "dp2a", "and", "or", "xor", "not", "cnot", "lop3", "testp",
                     "copysign", "rcp", "sqrt", "rsqrt", "sin", "cos", "lg2", "ex2", "tanh", "fma", "setp", "set", "selp", "slct",
                     "addc", "subc", "madc", "mad.wide", "mul.wide", "szext", "bmsk", "cvt.pack", "tensormap", "alloca", "stacksave",
                     "vadd", "vsub", "vabsdiff", "vmin", "vmax", "vshl", "vshr", "vmad", "vset", "vadd2", "vsub2", "vavrg2", "vabsdiff2",
                     "vmin2", "vmax2", "vset2", "vadd4", "vsub4", "vavrg4", "vabsdiff4", "vmin4", "vmax4", "vset4", "mapa", "stackrestore",
                 })
            rows.Add(new OpcodeInfo(op));
        // Commutative binary operations: op(a, b) == op(b, a) bit for bit (a butterfly all-reduce gives every lane the
        // same value only through these). Floating-point add/mul are commutative (not associative), min/max too.
        foreach (var op in new[] { "add", "mul", "min", "max", "and", "or", "xor" })
        {
            int k = rows.FindIndex(r => r.Key == op);
            rows[k] = rows[k] with { Commutative = true };
        }
        var d = new Dictionary<string, OpcodeInfo>(StringComparer.Ordinal);
        foreach (var r in rows) d[r.Key] = r;
        d["stackrestore"] = new OpcodeInfo("stackrestore", DstCount: 0);
        return d;
    }

    /// <summary>Opcodes that have compound keys (e.g. cp -> cp.async); others are looked up by opcode alone.</summary>
    private static readonly HashSet<string> Compound = Rows.Keys.Where(k => k.Contains('.')).Select(k => k[..k.IndexOf('.')]).ToHashSet(StringComparer.Ordinal);

    /// <summary>Looks up the row for an opcode and its modifiers, preferring the longest compound key (cp.async.bulk.tensor before cp.async).</summary>
    public static OpcodeInfo Lookup(string opcode, string[] modifiers)
    {
        if (modifiers.Length == 0 || !Compound.Contains(opcode))
            return Rows.TryGetValue(opcode, out var r0) ? r0 : Unknown;
        // Sub-qualifiers do not change the family: tcgen05.wait::ld is a tcgen05.wait.
        string m0 = Base(modifiers[0]);
        if (modifiers.Length >= 2)
        {
            var k3 = string.Concat(opcode, m0, Base(modifiers[1]));
            if (modifiers.Length >= 3 && Rows.TryGetValue(k3 + Base(modifiers[2]), out var r4)) return r4;
            if (Rows.TryGetValue(k3, out var r3)) return r3;
        }
        if (Rows.TryGetValue(opcode + m0, out var r2)) return r2;
        return Rows.TryGetValue(opcode, out var r1) ? r1 : Unknown;
    }

    private static string Base(string modifier)
    {
        int i = modifier.IndexOf("::", StringComparison.Ordinal);
        return i < 0 ? modifier : modifier[..i];
    }

    public static bool IsKnown(string key) => Rows.ContainsKey(key);
}
