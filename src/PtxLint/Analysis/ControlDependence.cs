using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>
/// Control dependence (Ferrante, Ottenstein, Warren) from the post-dominance frontier: block B is control dependent
/// on the branch ending block A when A has an edge to a block that B post-dominates (or is) and B does not strictly
/// post-dominate A. Only conditional branches create dependence: a guarded <c>bra</c>/<c>brx.idx</c>/<c>ret</c>/<c>exit</c>,
/// or any block with two or more successors.
/// </summary>
public sealed class ControlDependence
{
    private readonly ControlFlowGraph _cfg;
    // null for a block with none (most blocks): Direct/Dependents read it as empty
    private readonly List<Instruction>?[] _direct;
    private readonly List<BasicBlock>?[] _dependents;
    private static readonly Instruction[] NoBranches = [];
    private static readonly BasicBlock[] NoBlocks = [];
    private readonly Instruction[]?[] _transitive;

    public ControlDependence(ControlFlowGraph cfg, DominatorTree postDom)
    {
        _cfg = cfg;
        int n = cfg.Blocks.Count;
        _direct = new List<Instruction>[n];
        _dependents = new List<BasicBlock>[n];
        _transitive = new Instruction[]?[n];

        foreach (var a in cfg.BlockSpan)
        {
            if (!IsConditional(cfg, a)) continue;
            var branch = cfg.Terminator(a)!;
            var stop = postDom.ImmediateDominator(a);
            foreach (var s in a.Successors)
            {
                var runner = s;
                var guardSteps = 0;
                while (runner is not null && runner != stop && guardSteps++ <= n)
                {
                    var direct = _direct[runner.Id] ??= new List<Instruction>(2);
                    if (!direct.Contains(branch))
                    {
                        direct.Add(branch);
                        (_dependents[a.Id] ??= new List<BasicBlock>()).Add(runner);
                    }
                    if (runner == postDom.Root) break;
                    runner = postDom.ImmediateDominator(runner);
                }
            }
        }
        foreach (var l in _direct) if (l is { Count: > 1 }) l.Sort((x, y) => x.Index.CompareTo(y.Index));
        foreach (var l in _dependents) if (l is { Count: > 1 }) l.Sort((x, y) => x.Id.CompareTo(y.Id));
    }

    /// <summary>True when the block ends in a conditional branch: a guarded bra/brx.idx/ret/exit/trap, or it has 2+ successors.</summary>
    public static bool IsConditional(ControlFlowGraph cfg, BasicBlock b)
    {
        if (b.IsExit || b.Count == 0) return false;
        // A guarded bra/ret/exit has its target and its fall-through as successors; a guarded branch to the next
        // block (or a guarded ret in the last block) has one successor and decides nothing.
        return b.Successors.Count >= 2;
    }

    /// <summary>The conditional branch instructions (terminators of the controlling blocks) the block is directly control dependent on, in source order.</summary>
    public IReadOnlyList<Instruction> BranchesControlling(BasicBlock b) => (IReadOnlyList<Instruction>?)_direct[b.Id] ?? NoBranches;

    /// <summary>Blocks directly control dependent on the branch that ends <paramref name="branchBlock"/>.</summary>
    public IReadOnlyList<BasicBlock> DependentBlocks(BasicBlock branchBlock) => (IReadOnlyList<BasicBlock>?)_dependents[branchBlock.Id] ?? NoBlocks;

    /// <summary>Blocks directly control dependent on a branch instruction.</summary>
    public IReadOnlyList<BasicBlock> DependentBlocks(Instruction branch) => DependentBlocks(_cfg.BlockOf(branch));

    /// <summary>
    /// Every branch the block is control dependent on, directly or through the blocks of those branches, in source
    /// order. A span of the cached array: the uniformity solver and PTX005 walk it per use and per barrier, and a
    /// loop over a span needs no enumerator object and no interface call per element.
    /// </summary>
    public ReadOnlySpan<Instruction> TransitiveBranchesControlling(BasicBlock b) => TransitiveBranches(b);

    private Instruction[] TransitiveBranches(BasicBlock b)
    {
        var cached = _transitive[b.Id];
        if (cached is not null) return cached;
        var seen = new HashSet<Instruction>();
        var work = new Stack<BasicBlock>();
        work.Push(b);
        var visitedBlocks = new HashSet<BasicBlock> { b };
        while (work.Count > 0)
        {
            var x = work.Pop();
            if (_direct[x.Id] is not { } direct) continue;
            foreach (var br in direct)
            {
                if (!seen.Add(br)) continue;
                var bb = _cfg.BlockOf(br);
                if (visitedBlocks.Add(bb)) work.Push(bb);
            }
        }
        var list = seen.OrderBy(i => i.Index).ToArray();
        _transitive[b.Id] = list;
        return list;
    }

    /// <summary>Blocks control dependent on the branch directly or through branches inside the region it controls, by id.</summary>
    public IReadOnlyList<BasicBlock> TransitiveDependentBlocks(Instruction branch) =>
        TransitiveDependentBlocksUnordered(branch).OrderBy(b => b.Id).ToArray();

    private int[]? _stamp;
    private int _stampValue;
    private readonly List<BasicBlock> _dependentScratch = new();
    private int[]? _expandedStamp;
    private readonly Stack<BasicBlock> _work = new();

    /// <summary>
    /// <see cref="TransitiveDependentBlocks"/> in no particular order, into a list reused by the next call (the
    /// uniformity solver's inner loop: no sorting, no new list).
    /// </summary>
    internal List<BasicBlock> TransitiveDependentBlocksUnordered(Instruction branch)
    {
        var stamp = _stamp ??= new int[_cfg.Blocks.Count];
        var expanded = _expandedStamp ??= new int[_cfg.Blocks.Count];
        int v = ++_stampValue;
        var result = _dependentScratch;
        result.Clear();
        var work = _work;
        work.Clear();
        var start = _cfg.BlockOf(branch);
        work.Push(start);
        // stamp: v = in the result; expanded: v = pushed (each block once); the start block is expanded once, and in
        // the result only when it depends on itself
        expanded[start.Id] = v;
        while (work.Count > 0)
        {
            var x = work.Pop();
            if (_dependents[x.Id] is not { } dependents) continue;
            foreach (var d in dependents)
            {
                if (stamp[d.Id] != v) { stamp[d.Id] = v; result.Add(d); }
                if (_dependents[d.Id] is not null && expanded[d.Id] != v) { expanded[d.Id] = v; work.Push(d); }
            }
        }
        return result;
    }

    /// <summary>True when the block is control dependent (transitively) on the branch.</summary>
    public bool IsTransitivelyControlledBy(BasicBlock b, Instruction branch)
    {
        // the list is in source order (by index): a binary search, no set per block
        var list = TransitiveBranches(b);
        int lo = 0, hi = list.Length - 1, at = branch.Index;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var x = list[mid];
            if (x.Index == at) return ReferenceEquals(x, branch);
            if (x.Index < at) lo = mid + 1; else hi = mid - 1;
        }
        return false;
    }
}
