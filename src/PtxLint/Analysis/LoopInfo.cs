using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>A natural loop: the header plus every block that reaches a latch without passing the header.</summary>
public sealed class Loop
{
    internal Loop(BasicBlock header) { Header = header; }

    public BasicBlock Header { get; }
    public HashSet<BasicBlock> Blocks { get; } = new();
    /// <summary>Blocks with a back edge to the header, by id.</summary>
    public List<BasicBlock> Latches { get; } = new();
    /// <summary>The conditional branch instructions inside the loop with a successor outside it: the loop's exit conditions, in source order.</summary>
    public List<Instruction> ExitBranches { get; } = new();
    /// <summary>Blocks outside the loop that a loop block branches to, by id.</summary>
    public List<BasicBlock> ExitBlocks { get; } = new();
    /// <summary>The innermost enclosing loop, or null for an outermost loop.</summary>
    public Loop? Parent { get; internal set; }
    public List<Loop> Children { get; } = new();
    /// <summary>1 for an outermost loop, 2 for a loop inside it ...</summary>
    public int Depth { get; internal set; }

    public bool Contains(BasicBlock b) => Blocks.Contains(b);
    public bool Contains(Loop other)
    {
        for (var l = other; l is not null; l = l.Parent)
            if (l == this) return true;
        return false;
    }

    public override string ToString() => $"loop {Header} depth {Depth} ({Blocks.Count} blocks)";
}

/// <summary>
/// Natural loops found from back edges (an edge t->h where h dominates t), merged per header and nested by containment.
/// Irreducible cycles (no dominating header) are not reported as loops.
/// </summary>
public sealed class LoopInfo
{
    private readonly Loop?[] _innermost;

    public LoopInfo(ControlFlowGraph cfg, DominatorTree dom)
    {
        int n = cfg.Blocks.Count;
        _innermost = new Loop?[n];
        var byHeader = new Dictionary<BasicBlock, Loop>();
        foreach (var t in cfg.BlockSpan)
        {
            if (!dom.IsReachable(t)) continue;
            foreach (var h in t.Successors)
            {
                if (!dom.Dominates(h, t)) continue;
                if (!byHeader.TryGetValue(h, out var loop))
                {
                    loop = new Loop(h);
                    loop.Blocks.Add(h);
                    byHeader[h] = loop;
                }
                if (!loop.Latches.Contains(t)) loop.Latches.Add(t);
                // Walk predecessors backwards from the latch up to the header.
                var stack = new Stack<BasicBlock>();
                if (loop.Blocks.Add(t)) stack.Push(t);
                while (stack.Count > 0)
                {
                    var b = stack.Pop();
                    foreach (var p in b.Predecessors)
                        if (dom.IsReachable(p) && loop.Blocks.Add(p)) stack.Push(p);
                }
            }
        }

        var loops = byHeader.Values.OrderBy(l => l.Header.Id).ToList();
        // Nesting: the parent of a loop is the smallest other loop that contains its header.
        foreach (var l in loops)
        {
            Loop? best = null;
            foreach (var o in loops)
            {
                if (o == l || !o.Blocks.Contains(l.Header)) continue;
                if (o.Blocks.Count < l.Blocks.Count || (o.Blocks.Count == l.Blocks.Count && o.Header.Id > l.Header.Id)) continue;
                if (best is null || o.Blocks.Count < best.Blocks.Count) best = o;
            }
            l.Parent = best;
        }
        foreach (var l in loops)
        {
            int d = 1;
            var seen = new HashSet<Loop> { l };
            for (var p = l.Parent; p is not null && seen.Add(p); p = p.Parent) d++;
            l.Depth = d;
            l.Parent?.Children.Add(l);
            l.Latches.Sort((a, b) => a.Id.CompareTo(b.Id));
        }
        foreach (var l in loops)
        {
            foreach (var b in l.Blocks)
                if (_innermost[b.Id] is null || _innermost[b.Id]!.Depth < l.Depth) _innermost[b.Id] = l;
            foreach (var b in l.Blocks.OrderBy(b => b.Id))
            {
                bool exits = false;
                foreach (var s in b.Successors)
                    if (!l.Blocks.Contains(s))
                    {
                        exits = true;
                        if (!l.ExitBlocks.Contains(s)) l.ExitBlocks.Add(s);
                    }
                if (!exits) continue;
                var term = cfg.Terminator(b);
                if (term is not null && ControlDependence.IsConditional(cfg, b)) l.ExitBranches.Add(term);
            }
            l.ExitBlocks.Sort((a, b) => a.Id.CompareTo(b.Id));
        }
        Loops = loops;
    }

    /// <summary>All loops, ordered by header block id (outer loops before the inner loops they contain when headers differ).</summary>
    public IReadOnlyList<Loop> Loops { get; }

    /// <summary>The innermost loop containing the block, or null.</summary>
    public Loop? LoopOf(BasicBlock block) => _innermost[block.Id];

    /// <summary>Loop nesting depth of a block (0 outside loops).</summary>
    public int DepthOf(BasicBlock block) => _innermost[block.Id]?.Depth ?? 0;
}
