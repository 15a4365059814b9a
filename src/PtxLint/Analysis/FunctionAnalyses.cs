using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// Per-function analyses, each computed once on first use and cached (like LLVM's analysis manager).
/// Rules ask for what they need: <c>fn.Analyses.Cfg</c>, <c>.Dominators</c>, <c>.Uniformity</c> ...
/// </summary>
public sealed class FunctionAnalyses
{
    private readonly PtxFunction _fn;
    private ControlFlowGraph? _cfg;

    public FunctionAnalyses(PtxFunction fn) { _fn = fn; }

    public ControlFlowGraph Cfg => _cfg ??= ControlFlowGraph.Build(_fn);
}
