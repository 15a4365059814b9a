using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// Per-function analyses, each computed once on first use and cached (like LLVM's analysis manager).
/// Rules ask for what they need: <c>fn.Analyses.Cfg</c>, <c>.Dominators</c>, <c>.Uniformity</c> ...
/// Not thread-safe: one function is analyzed by one thread at a time.
/// </summary>
public sealed class FunctionAnalyses
{
    private readonly PtxFunction _fn;
    private ControlFlowGraph? _cfg;
    private DominatorTree? _dom;
    private DominatorTree? _pdom;
    private LoopInfo? _loops;
    private ControlDependence? _cd;
    private RegisterIndex? _registers;
    private ReachingDefinitions? _defs;
    private UniformityInfo? _uniformity;
    private UniformityInfo? _strictUniformity;
    private ProvenanceInfo? _provenance;
    private SymbolTable? _symbols;
    private SymbolicValues? _values;
    private BarrierIntervals? _intervals;
    private SharedMemoryRaces? _sharedRaces;
    private LocalSlots? _localSlots;
    private LinearForms? _linearForms;
    private ConstantValues? _constants;
    private FunctionFacts? _facts;
    private SpecialRegisterUses? _specials;

    public FunctionAnalyses(PtxFunction fn) { _fn = fn; }

    public PtxFunction Function => _fn;
    public ControlFlowGraph Cfg => _cfg ??= AnalysisTimings.Measure("cfg", () => ControlFlowGraph.Build(_fn));
    /// <summary>Dominator tree rooted at <see cref="ControlFlowGraph.Entry"/>.</summary>
    public DominatorTree Dominators => _dom ??= AnalysisTimings.Measure("dominators", () => new DominatorTree(Cfg, post: false));
    /// <summary>Post-dominator tree rooted at <see cref="ControlFlowGraph.Exit"/>.</summary>
    public DominatorTree PostDominators => _pdom ??= AnalysisTimings.Measure("post-dominators", () => new DominatorTree(Cfg, post: true));
    public LoopInfo Loops => _loops ??= AnalysisTimings.Measure("loops", () => new LoopInfo(Cfg, Dominators));
    public ControlDependence ControlDependence => _cd ??= AnalysisTimings.Measure("control dependence", () => new ControlDependence(Cfg, PostDominators));
    /// <summary>The registers numbered, each instruction's register uses and defs in flat arrays, and flow-insensitive closures over them.</summary>
    public RegisterIndex Registers => _registers ??= AnalysisTimings.Measure("register index", () => new RegisterIndex(_fn));
    /// <summary>Reaching definitions and def-use chains.</summary>
    public ReachingDefinitions Defs => _defs ??= AnalysisTimings.Measure("reaching definitions", () => new ReachingDefinitions(Cfg, Dominators, Registers));
    /// <summary>Uniformity, assuming warps are made of whole rows of the block (blockDim.x a multiple of 32) unless <c>.reqntid</c> says otherwise.</summary>
    public UniformityInfo Uniformity => _uniformity ??= AnalysisTimings.Measure("uniformity", () => new UniformityInfo(this, assumeWarpRows: true));
    /// <summary>Uniformity without assumptions about the block shape (only what <c>.reqntid</c> states).</summary>
    public UniformityInfo UniformityWithoutLaunchAssumptions =>
        _strictUniformity ??= Function.Performance.ReqNtid is { Length: > 0 } ? Uniformity : AnalysisTimings.Measure("uniformity (no launch assumptions)", () => new UniformityInfo(this, assumeWarpRows: false));
    public ProvenanceInfo Provenance => _provenance ??= AnalysisTimings.Measure("provenance", () => new ProvenanceInfo(this));
    /// <summary>Symbolic (affine) values of registers and predicates, and the conditions of the threads that reach an instruction (computed on demand).</summary>
    public SymbolicValues Values => _values ??= AnalysisTimings.Measure("symbolic values", () => new SymbolicValues(this));
    /// <summary>Barrier intervals: which instructions two threads can execute with no synchronization between (computed on demand).</summary>
    public BarrierIntervals Intervals => _intervals ??= AnalysisTimings.Measure("barrier intervals", () => new BarrierIntervals(this));
    /// <summary>Shared-memory accesses and the data races between them (with a witness pair of threads; computed on demand).</summary>
    public SharedMemoryRaces SharedRaces => _sharedRaces ??= AnalysisTimings.Measure("shared-memory races", () => new SharedMemoryRaces(this));
    /// <summary>Store-to-load forwarding through the thread's .local frame (spilled values, by-value parameters).</summary>
    public LocalSlots LocalSlots => _localSlots ??= AnalysisTimings.Measure("local slots", () => new LocalSlots(this));
    /// <summary>Integer values as linear combinations of thread-dependent atoms (uniform parts dropped), with value numbers.</summary>
    public LinearForms LinearForms => _linearForms ??= AnalysisTimings.Measure("linear forms", () => new LinearForms(this));
    /// <summary>Constant folding over reaching definitions: symbol + offset or plain constants (computed on demand).</summary>
    public ConstantValues Constants => _constants ??= AnalysisTimings.Measure("constant values", () => new ConstantValues(this));
    /// <summary>
    /// Drops one cached analysis by its name (as <c>--stats</c> and <c>RuleDescriptor.Analyses</c> name it), when no
    /// rule still to run on the function declares it; asking for it again recomputes it. Unknown names are ignored.
    /// </summary>
    public void Drop(string name)
    {
        switch (name)
        {
            case "cfg": _cfg = null; break;
            case "dominators": _dom = null; break;
            case "post-dominators": _pdom = null; break;
            case "loops": _loops = null; break;
            case "control dependence": _cd = null; break;
            case "register index": _registers = null; break;
            case "reaching definitions": _defs = null; break;
            case "uniformity": _uniformity = null; _strictUniformity = null; break;
            case "uniformity (no launch assumptions)": _strictUniformity = null; break;
            case "provenance": _provenance = null; break;
            case "symbolic values": _values = null; break;
            case "barrier intervals": _intervals = null; break;
            case "shared-memory races": _sharedRaces = null; break;
            case "local slots": _localSlots = null; break;
            case "linear forms": _linearForms = null; break;
            case "constant values": _constants = null; break;
            case "symbols": _symbols = null; break;
            case "special registers": _specials = null; break;
        }
    }

    /// <summary>The opcodes of the function and whether it touches shared memory (one pass; rules' prefilters ask it).</summary>
    public FunctionFacts Facts => _facts ??= AnalysisTimings.Measure("facts", () => new FunctionFacts(this));
    /// <summary>The special registers the function reads (<c>%tid.y</c>, <c>%ctaid.y</c>, <c>%laneid</c> ...), each once.</summary>
    public SpecialRegisterUses SpecialRegisters => _specials ??= AnalysisTimings.Measure("special registers", () => new SpecialRegisterUses(_fn));
    private bool? _namesSharedVariable;

    /// <summary>
    /// Some operand names a shared variable (<c>mov.u32 %r1, smem;</c>, <c>[smem+4]</c>, <c>cvta.shared.u64 %rd1, smem;</c>).
    /// False: a generic address in this function cannot be a shared variable's (the analyses that follow generic
    /// accesses to shared variables skip the function).
    /// </summary>
    public bool NamesSharedVariable => _namesSharedVariable ??= ComputeNamesSharedVariable();

    private bool ComputeNamesSharedVariable()
    {
        bool any = false;
        foreach (var v in _fn.LocalSymbols.Values) if (v.Space.IsShared()) { any = true; break; }
        if (!any) foreach (var v in _fn.Module.Globals.Values) if (v.Space.IsShared()) { any = true; break; }
        if (!any) return false;
        foreach (var insn in _fn.InstructionSpan)
            for (int k = 0; k < insn.Operands.Count; k++) // by index: a foreach would box the operand array's enumerator
                if (NamesShared(insn.Operands[k])) return true;
        return false;
    }

    /// <summary>The operand, or an element of a vector or call list, names a shared variable.</summary>
    private bool NamesShared(Operand o)
    {
        switch (o)
        {
            case SymbolOperand so: return IsSharedVariable(so.Name);
            case AddressOperand ao: return ao.BaseSymbol is { } b && IsSharedVariable(b);
            case VectorOperand v: return AnyNamesShared(v.Elements);
            case ParenListOperand p: return AnyNamesShared(p.Elements);
            default: return false;
        }
    }

    // by index, not Any(NamesShared): that allocates a delegate and an enumerator per vector operand
    private bool AnyNamesShared(IReadOnlyList<Operand> elements)
    {
        for (int k = 0; k < elements.Count; k++)
            if (NamesShared(elements[k])) return true;
        return false;
    }

    private bool IsSharedVariable(string name) => _fn.FindVariable(name) is { } v && v.Space.IsShared();

    /// <summary>What the names in the function refer to: register declarations in scope, variables, parameters, functions.</summary>
    public SymbolTable Symbols => _symbols ??= AnalysisTimings.Measure("symbols", () => new SymbolTable(_fn));
}
