using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// A dominator (or post-dominator) tree, computed with the iterative algorithm of Cooper, Harvey and Kennedy
/// ("A Simple, Fast Dominance Algorithm"). For dominators the root is <see cref="ControlFlowGraph.Entry"/>;
/// for post-dominators the root is <see cref="ControlFlowGraph.Exit"/> and edges are reversed.
/// <para>
/// Post-dominators: a block that cannot reach the exit (an infinite loop) gets a virtual edge to the exit, so it is
/// post-dominated by the exit only (plus whatever its virtual connection implies). That is conservative for control
/// dependence (more dependence, never less) and never crashes.
/// </para>
/// Blocks unreachable from the root (dead code) have no immediate dominator and are dominated only by themselves.
/// </summary>
public sealed class DominatorTree
{
    private readonly ControlFlowGraph _cfg;
    private readonly BasicBlock?[] _idom;
    private readonly int[] _pre;   // preorder number in the dominator tree (-1 when unreachable)
    private readonly int[] _post;  // last preorder number in the subtree
    // the children of block b, in block order: _childList[_childStart[b] .. _childStart[b + 1])
    private readonly int[] _childStart;
    private readonly BasicBlock[] _childList;
    private readonly bool[] _virtualExitEdge;

    public DominatorTree(ControlFlowGraph cfg, bool post)
    {
        _cfg = cfg;
        IsPostDominator = post;
        var blocks = cfg.Blocks;
        int n = blocks.Count;
        Root = post ? cfg.Exit : cfg.Entry;
        _idom = new BasicBlock?[n];
        _virtualExitEdge = new bool[n];

        // Reverse-graph edges for post-dominance, with virtual edges block -> exit for blocks that cannot reach exit.
        List<BasicBlock>[] succ = new List<BasicBlock>[n];
        List<BasicBlock>[] pred = new List<BasicBlock>[n];
        for (int i = 0; i < n; i++)
        {
            succ[i] = post ? blocks[i].Predecessors : blocks[i].Successors;
            pred[i] = post ? blocks[i].Successors : blocks[i].Predecessors;
        }
        if (post)
        {
            var reachesExit = new bool[n];
            var stack = new Stack<BasicBlock>();
            reachesExit[cfg.Exit.Id] = true;
            stack.Push(cfg.Exit);
            while (stack.Count > 0)
            {
                var b = stack.Pop();
                foreach (var p in b.Predecessors)
                    if (!reachesExit[p.Id]) { reachesExit[p.Id] = true; stack.Push(p); }
            }
            for (int i = 0; i < n; i++)
            {
                if (reachesExit[i]) continue;
                // virtual edge blocks[i] -> exit: in the reversed graph exit -> blocks[i]
                // (copies: the block's own edge lists stay as the CFG made them)
                _virtualExitEdge[i] = true;
                if (ReferenceEquals(succ[cfg.Exit.Id], cfg.Exit.Predecessors)) succ[cfg.Exit.Id] = new List<BasicBlock>(cfg.Exit.Predecessors);
                succ[cfg.Exit.Id].Add(blocks[i]);
                pred[i] = new List<BasicBlock>(pred[i]) { cfg.Exit };
            }
        }

        // Postorder numbering from the root (iterative DFS).
        var order = new int[n];
        Array.Fill(order, -1);
        var postorder = new List<BasicBlock>(n);
        {
            var visited = new bool[n];
            var stack = new Stack<(BasicBlock B, int Next)>();
            visited[Root.Id] = true;
            stack.Push((Root, 0));
            while (stack.Count > 0)
            {
                var (b, next) = stack.Pop();
                var s = succ[b.Id];
                if (next < s.Count)
                {
                    stack.Push((b, next + 1));
                    var c = s[next];
                    if (!visited[c.Id]) { visited[c.Id] = true; stack.Push((c, 0)); }
                }
                else
                {
                    order[b.Id] = postorder.Count;
                    postorder.Add(b);
                }
            }
        }

        _idom[Root.Id] = Root;
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int k = postorder.Count - 1; k >= 0; k--)
            {
                var b = postorder[k];
                if (b == Root) continue;
                BasicBlock? newIdom = null;
                foreach (var p in pred[b.Id])
                {
                    if (order[p.Id] < 0 || _idom[p.Id] is null) continue;
                    newIdom = newIdom is null ? p : Intersect(p, newIdom, order);
                }
                if (newIdom is not null && _idom[b.Id] != newIdom)
                {
                    _idom[b.Id] = newIdom;
                    changed = true;
                }
            }
        }

        _childStart = new int[n + 1];
        for (int i = 0; i < n; i++)
            if (_idom[i] is { } d && i != Root.Id) _childStart[d.Id + 1]++;
        for (int i = 0; i < n; i++) _childStart[i + 1] += _childStart[i];
        _childList = new BasicBlock[_childStart[n]];
        {
            var fill = _childStart.AsSpan(0, n).ToArray();
            for (int i = 0; i < n; i++)
                if (_idom[i] is { } d && i != Root.Id) _childList[fill[d.Id]++] = blocks[i];
        }

        // Preorder intervals for O(1) dominance queries.
        _pre = new int[n];
        _post = new int[n];
        Array.Fill(_pre, -1);
        Array.Fill(_post, -1);
        int counter = 0;
        var st = new Stack<(BasicBlock B, int Next)>();
        st.Push((Root, 0));
        _pre[Root.Id] = counter++;
        while (st.Count > 0)
        {
            var (b, next) = st.Pop();
            int first = _childStart[b.Id], count = _childStart[b.Id + 1] - first;
            if (next < count)
            {
                st.Push((b, next + 1));
                var c = _childList[first + next];
                _pre[c.Id] = counter++;
                st.Push((c, 0));
            }
            else _post[b.Id] = counter - 1;
        }
    }

    private BasicBlock Intersect(BasicBlock a, BasicBlock b, int[] order)
    {
        while (a != b)
        {
            while (order[a.Id] < order[b.Id]) a = _idom[a.Id]!;
            while (order[b.Id] < order[a.Id]) b = _idom[b.Id]!;
        }
        return a;
    }

    /// <summary>True for the post-dominator tree.</summary>
    public bool IsPostDominator { get; }

    /// <summary>Entry for dominators, Exit for post-dominators.</summary>
    public BasicBlock Root { get; }

    /// <summary>True when the block is reachable from the root (in the reversed graph for post-dominators, counting virtual exit edges).</summary>
    public bool IsReachable(BasicBlock b) => _pre[b.Id] >= 0;

    /// <summary>True when (post-dominators only) the block cannot reach the exit and was given a virtual edge to it.</summary>
    public bool HasVirtualExitEdge(BasicBlock b) => _virtualExitEdge[b.Id];

    /// <summary>True when <paramref name="a"/> (post-)dominates <paramref name="b"/>; every block dominates itself.</summary>
    public bool Dominates(BasicBlock a, BasicBlock b)
    {
        if (a == b) return true;
        int pa = _pre[a.Id], pb = _pre[b.Id];
        if (pa < 0 || pb < 0) return false;
        return pa <= pb && pb <= _post[a.Id];
    }

    /// <summary>Dominates and a != b.</summary>
    public bool StrictlyDominates(BasicBlock a, BasicBlock b) => a != b && Dominates(a, b);

    /// <summary>The immediate (post-)dominator; null for the root and for unreachable blocks.</summary>
    public BasicBlock? ImmediateDominator(BasicBlock b)
    {
        if (b == Root) return null;
        return _idom[b.Id];
    }

    /// <summary>Blocks whose immediate (post-)dominator is <paramref name="b"/>, by id.</summary>
    public IReadOnlyList<BasicBlock> Children(BasicBlock b) => new ArraySegment<BasicBlock>(_childList, _childStart[b.Id], _childStart[b.Id + 1] - _childStart[b.Id]);

    /// <summary>Instruction-level dominance: a (post-)dominates b (within a block, by position).</summary>
    public bool Dominates(Instruction a, Instruction b)
    {
        var ba = _cfg.BlockOf(a);
        var bb = _cfg.BlockOf(b);
        if (ba != bb) return Dominates(ba, bb);
        return IsPostDominator ? a.Index >= b.Index : a.Index <= b.Index;
    }
}
