using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>
/// The control-flow graph of a function: basic blocks split at labels and after branches, returns, exits and traps.
/// A synthetic exit block (<see cref="Exit"/>) follows every ret/exit/trap and the fall-off end.
/// Calls do not end blocks (they return). <c>brx.idx</c> goes to every label of its <c>.branchtargets</c> list.
/// </summary>
public sealed class ControlFlowGraph
{
    private ControlFlowGraph(PtxFunction fn, List<BasicBlock> blocks, BasicBlock[] blockOf, BasicBlock exit)
    {
        Function = fn;
        Blocks = blocks;
        _blocks = blocks;
        _blockOf = blockOf;
        Exit = exit;
    }

    private readonly BasicBlock[] _blockOf;

    public PtxFunction Function { get; }
    /// <summary>All blocks in source order; the synthetic exit block is last.</summary>
    public IReadOnlyList<BasicBlock> Blocks { get; }

    private readonly List<BasicBlock> _blocks;

    /// <summary><see cref="Blocks"/> as a span, for the analyses' inner loops (no enumerator behind an interface).</summary>
    internal ReadOnlySpan<BasicBlock> BlockSpan => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_blocks);
    public BasicBlock Entry => Blocks[0];
    public BasicBlock Exit { get; }

    /// <summary>The block that holds instruction <paramref name="index"/>.</summary>
    public BasicBlock BlockOf(int index) => _blockOf[index];
    public BasicBlock BlockOf(Instruction insn) => _blockOf[insn.Index];

    /// <summary>The last instruction of a block, or null for the exit block.</summary>
    public Instruction? Terminator(BasicBlock b) => b.Count > 0 ? Function.Instructions[b.End - 1] : null;

    private int[]? _reachStamp;
    private int _reachStampValue;
    private Stack<BasicBlock>? _reachStack;

    /// <summary>
    /// True when <paramref name="target"/> is reachable from <paramref name="from"/> on a path that never enters
    /// <paramref name="avoid"/> (false when <paramref name="from"/> is <paramref name="avoid"/>). A depth-first search
    /// over blocks with a stamp array and a stack kept between calls: no set per call. Like the other analyses' scratch,
    /// it belongs to the one thread checking this function.
    /// </summary>
    public bool ReachesAvoiding(BasicBlock from, BasicBlock target, BasicBlock avoid)
    {
        if (from == avoid) return false;
        var stamp = _reachStamp ??= new int[_blocks.Count];
        int v = ++_reachStampValue;
        var stack = _reachStack ??= new Stack<BasicBlock>();
        stack.Clear();
        stamp[from.Id] = v;
        stamp[avoid.Id] = v;
        stack.Push(from);
        while (stack.Count > 0)
        {
            var b = stack.Pop();
            if (b == target) return true;
            foreach (var s in b.Successors)
                if (stamp[s.Id] != v) { stamp[s.Id] = v; stack.Push(s); }
        }
        return false;
    }

    internal static ControlFlowGraph Build(PtxFunction fn)
    {
        var insns = fn.Instructions;
        int n = insns.Count;
        var leader = new bool[n + 1];
        leader[0] = true;
        foreach (var kv in fn.Labels)
            if (kv.Value <= n) leader[kv.Value] = true;
        for (int i = 0; i < n; i++)
        {
            var flow = insns[i].Info.Flow;
            if (flow is FlowKind.Branch or FlowKind.IndirectBranch or FlowKind.Return or FlowKind.Exit or FlowKind.Trap)
                leader[i + 1] = true;
        }
        var blocks = new List<BasicBlock>();
        var blockOf = new BasicBlock[n];
        int start = 0;
        for (int i = 1; i <= n; i++)
        {
            if (i == n || leader[i])
            {
                if (i > start || blocks.Count == 0)
                {
                    var b = new BasicBlock(blocks.Count, start, i);
                    blocks.Add(b);
                    for (int k = start; k < i; k++) blockOf[k] = b;
                }
                start = i;
            }
        }
        if (blocks.Count == 0) blocks.Add(new BasicBlock(0, 0, 0));
        var exit = new BasicBlock(blocks.Count, n, n) { IsExit = true };
        var labelBlock = new Dictionary<string, BasicBlock>(StringComparer.Ordinal);
        foreach (var kv in fn.Labels)
        {
            var target = kv.Value < n ? blockOf[kv.Value] : exit;
            labelBlock[kv.Key] = target;
            if (kv.Value < n && target.Start == kv.Value) target.Labels.Add(kv.Key);
        }

        static void Link(BasicBlock from, BasicBlock to)
        {
            if (from.Successors.Contains(to)) return;
            from.Successors.Add(to);
            to.Predecessors.Add(from);
        }

        for (int bi = 0; bi < blocks.Count; bi++)
        {
            var b = blocks[bi];
            var next = bi + 1 < blocks.Count ? blocks[bi + 1] : exit;
            if (b.Count == 0) { Link(b, next); continue; }
            var t = insns[b.End - 1];
            bool guarded = t.Guard is not null;
            switch (t.Info.Flow)
            {
                case FlowKind.Branch:
                {
                    var target = BranchTarget(t);
                    if (target is not null && labelBlock.TryGetValue(target, out var tb)) Link(b, tb);
                    else Link(b, exit); // unknown target: conservative
                    if (guarded) Link(b, next);
                    break;
                }
                case FlowKind.IndirectBranch:
                {
                    bool any = false;
                    foreach (var op in t.Operands)
                    {
                        if (op is SymbolOperand s && fn.BranchTargets.TryGetValue(s.Name, out var list))
                            foreach (var l in list)
                                if (labelBlock.TryGetValue(l, out var tb)) { Link(b, tb); any = true; }
                    }
                    if (!any) Link(b, exit);
                    if (guarded) Link(b, next);
                    break;
                }
                case FlowKind.Return:
                case FlowKind.Exit:
                case FlowKind.Trap:
                    Link(b, exit);
                    if (guarded) Link(b, next);
                    break;
                default:
                    Link(b, next);
                    break;
            }
        }
        blocks.Add(exit);
        return new ControlFlowGraph(fn, blocks, blockOf, exit);
    }

    /// <summary>The label a <c>bra</c> jumps to.</summary>
    public static string? BranchTarget(Instruction bra)
    {
        foreach (var op in bra.Operands)
            if (op is SymbolOperand s) return s.Name;
        return null;
    }
}
