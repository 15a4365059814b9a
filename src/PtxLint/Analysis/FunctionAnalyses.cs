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
    private ReachingDefinitions? _defs;
    private UniformityInfo? _uniformity;
    private ProvenanceInfo? _provenance;
    private SymbolicValues? _values;
    private BarrierIntervals? _intervals;
    private SharedMemoryRaces? _sharedRaces;

    public FunctionAnalyses(PtxFunction fn) { _fn = fn; }

    public PtxFunction Function => _fn;
    public ControlFlowGraph Cfg => _cfg ??= ControlFlowGraph.Build(_fn);
    /// <summary>Dominator tree rooted at <see cref="ControlFlowGraph.Entry"/>.</summary>
    public DominatorTree Dominators => _dom ??= new DominatorTree(Cfg, post: false);
    /// <summary>Post-dominator tree rooted at <see cref="ControlFlowGraph.Exit"/>.</summary>
    public DominatorTree PostDominators => _pdom ??= new DominatorTree(Cfg, post: true);
    public LoopInfo Loops => _loops ??= new LoopInfo(Cfg, Dominators);
    public ControlDependence ControlDependence => _cd ??= new ControlDependence(Cfg, PostDominators);
    /// <summary>Reaching definitions and def-use chains.</summary>
    public ReachingDefinitions Defs => _defs ??= new ReachingDefinitions(Cfg);
    public UniformityInfo Uniformity => _uniformity ??= new UniformityInfo(this);
    public ProvenanceInfo Provenance => _provenance ??= new ProvenanceInfo(this);
    /// <summary>Symbolic (affine) values of registers and predicates, and the conditions of the threads that reach an instruction.</summary>
    public SymbolicValues Values => _values ??= new SymbolicValues(this);
    /// <summary>Barrier intervals: which instructions two threads can execute with no synchronization between.</summary>
    public BarrierIntervals Intervals => _intervals ??= new BarrierIntervals(this);
    /// <summary>Shared-memory accesses and the data races between them (with a witness pair of threads).</summary>
    public SharedMemoryRaces SharedRaces => _sharedRaces ??= new SharedMemoryRaces(this);
}
