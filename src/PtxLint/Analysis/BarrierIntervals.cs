using System.Numerics;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>Which threads a synchronization orders: the whole CTA, or the lanes of one warp.</summary>
public enum SyncScope
{
    /// <summary>CTA barriers (and everything that may hide one) separate intervals.</summary>
    Cta,
    /// <summary>Also <c>bar.warp.sync</c> and the shuffle/vote family: they order the lanes of one warp.</summary>
    Warp,
}

/// <summary>
/// Barrier intervals on the CFG: the stretches of code between synchronization points. Two instructions are in a
/// common interval when a thread can go from one to the other (or from a divergent branch to both) without passing a
/// synchronization point; then two threads may execute them with nothing ordering the two executions.
/// <list type="bullet">
/// <item>CTA scope cuts: <c>bar</c>/<c>barrier</c> in every form (<c>sync</c>, <c>red</c>, <c>arrive</c>, named
/// barriers), <c>barrier.cluster</c>, <c>mbarrier</c> operations, and calls (the callee may synchronize).
/// Conservative: whatever may order threads ends an interval (a missed race, never a false one).</item>
/// <item>Warp scope cuts: the CTA cuts plus <c>bar.warp.sync</c>, <c>shfl</c>, <c>vote</c>, <c>match</c>,
/// <c>redux</c>, <c>elect</c>: two lanes of one warp are ordered by them.</item>
/// </list>
/// Blocks are split into segments at cuts; the reachability of segments over barrier-free edges is computed once per
/// scope (strongly connected components, then bit sets of the segments holding memory accesses), with and without the
/// loops' back edges, so a query is a bit test.
/// </summary>
public sealed class BarrierIntervals
{
    /// <summary>Above this many bit-set words per graph the function is not analyzed (<see cref="IsAnalyzable"/> false).</summary>
    public const long MaxWords = 1L << 22;

    private readonly FunctionAnalyses _fa;
    private readonly PtxFunction _fn;
    private Graph? _cta, _warp;

    public BarrierIntervals(FunctionAnalyses fa)
    {
        _fa = fa;
        _fn = fa.Function;
    }

    /// <summary>True when the instruction ends a barrier interval of the CTA.</summary>
    public static bool IsCtaCut(Instruction i)
    {
        var info = i.Info;
        if (info.Sync is SyncKind.CtaBarrier or SyncKind.ClusterBarrier) return true;
        if (info.Flow == FlowKind.Call) return CalleeMaySynchronize(i, 0);
        if (i.Opcode is "mbarrier" || i.Mnemonic == "cp.async.mbarrier.arrive") return true;
        if (!info.Known && i.Opcode is "bar" or "barrier") return true;
        return false;
    }

    /// <summary>
    /// A call may hide a barrier unless the callee is a body in this module with no synchronization (transitively), or a
    /// libdevice math function (<c>__nv_*</c>).
    /// </summary>
    private static bool CalleeMaySynchronize(Instruction call, int depth)
    {
        string? name = null;
        foreach (var op in call.Operands)
            if (op is SymbolOperand s) { name = s.Name; break; }
        if (name is null || depth > 8) return true;
        if (name.StartsWith("__nv_", StringComparison.Ordinal) && !name.Contains("sync", StringComparison.OrdinalIgnoreCase)) return false;
        var callee = call.Function.Module.FindFunction(name);
        if (callee is null || !callee.HasBody) return true;
        foreach (var insn in callee.InstructionSpan)
        {
            var info = insn.Info;
            if (info.Sync != SyncKind.None || insn.Opcode is "mbarrier" or "shfl" or "vote" or "match" or "redux" or "elect") return true;
            if (info.Flow == FlowKind.Call && CalleeMaySynchronize(insn, depth + 1)) return true;
            if (!info.Known && insn.Opcode is "bar" or "barrier") return true;
        }
        return false;
    }

    /// <summary>
    /// Spin-waits: a volatile/acquire/relaxed load or an atomic inside a loop whose exit test depends on its value
    /// (<c>while (ld.volatile flag == 0);</c>). Threads that wait on a flag another thread sets are ordered by it, so the
    /// load counts as a cut (conservative: flag protocols are not modelled).
    /// </summary>
    private static HashSet<int> SpinWaits(FunctionAnalyses fa)
    {
        var result = new HashSet<int>();
        var fn = fa.Function;
        var defs = fa.Defs;
        foreach (var loop in fa.Loops.Loops)
        {
            foreach (var br in loop.ExitBranches)
            {
                if (br.Guard is not { } g) continue;
                var seen = new HashSet<int>();
                var work = new Stack<(Instruction At, string Reg, int Depth)>();
                work.Push((br, g.Name, 0));
                while (work.Count > 0)
                {
                    var (at, reg, depth) = work.Pop();
                    foreach (var d in defs.ReachingIndices(at, reg))
                    {
                        if (d < 0 || !seen.Add(d)) continue;
                        var def = fn.Instructions[d];
                        if (!loop.Contains(fa.Cfg.BlockOf(def))) continue;
                        bool ordered = def.Info.Mem == MemKind.Atomic
                                       || def.Info.Mem == MemKind.Load && (def.Has(".volatile") || def.HasPrefix(".acquire") || def.HasPrefix(".relaxed"));
                        if (ordered) { result.Add(d); continue; }
                        if (depth >= 6 || def.Info.Mem != MemKind.None) continue;
                        foreach (var u in def.Uses)
                            if (!u.IsSpecial) work.Push((def, u.Name, depth + 1));
                    }
                }
            }
        }
        return result;
    }

    /// <summary>True when the instruction orders the lanes of a warp (a CTA cut, <c>bar.warp.sync</c>, a shuffle/vote/match/redux/elect).</summary>
    public static bool IsWarpCut(Instruction i) =>
        IsCtaCut(i) || i.Info.Sync == SyncKind.WarpSync || i.Opcode is "shfl" or "vote" or "match" or "redux" or "elect"
        || i.Opcode is "ldmatrix" or "stmatrix" or "wmma" or "mma" && i.Has(".sync"); // warp collectives that wait for every lane

    public static bool IsCut(Instruction i, SyncScope scope) => scope == SyncScope.Cta ? IsCtaCut(i) : IsWarpCut(i);

    private Graph G(SyncScope s) => s == SyncScope.Cta
        ? _cta ??= AnalysisTimings.MeasurePart("barrier intervals", () => new Graph(_fa, SyncScope.Cta))
        : _warp ??= AnalysisTimings.MeasurePart("barrier intervals", () => new Graph(_fa, SyncScope.Warp));

    /// <summary>False when the function is too big for the reachability sets (then every query answers false).</summary>
    public bool IsAnalyzable(SyncScope scope = SyncScope.Cta) => G(scope).Ok;

    /// <summary>
    /// True when a thread that executes <paramref name="from"/> can go on to <paramref name="to"/> without passing a cut
    /// of <paramref name="scope"/>; <paramref name="forwardOnly"/>: without taking a loop's back edge (same iteration).
    /// <paramref name="to"/> must be a memory access (or any instruction in a segment that holds one).
    /// </summary>
    public bool Reaches(Instruction from, Instruction to, SyncScope scope, bool forwardOnly) => G(scope).Reaches(from, to, forwardOnly);

    /// <summary>
    /// A divergent branch (for the warp scope: one that splits the lanes of a warp) from which both instructions are
    /// reachable without a cut in the same iteration: threads that part there may execute the two concurrently.
    /// </summary>
    public Instruction? Splitter(Instruction a, Instruction b, SyncScope scope)
    {
        var g = G(scope);
        if (!g.Ok || g.DivergentBranches.Count == 0) return null;
        var sa = g.SplittersOf(a);
        var sb = g.SplittersOf(b);
        for (int w = 0; w < sa.Length; w++)
        {
            ulong both = sa[w] & sb[w];
            if (both != 0) return g.DivergentBranches[w * 64 + BitOperations.TrailingZeroCount(both)];
        }
        return null;
    }

    /// <summary>
    /// The interval starts from which <paramref name="x"/> can be reached with no cut of <paramref name="scope"/> between:
    /// (segment id, the cut that opens it, or null for the function entry). Two threads are in one interval when they
    /// passed the same start.
    /// </summary>
    public IReadOnlyList<(int Start, Instruction? Cut)> StartsOf(Instruction x, SyncScope scope) => G(scope).StartsOf(x);

    /// <summary>
    /// The branch outcomes every cut-free path from interval start <paramref name="start"/> to <paramref name="x"/> takes:
    /// (branch, taken, evaluated in the same loop iteration as x).
    /// </summary>
    public IReadOnlyList<(Instruction Branch, bool Taken, bool SameIteration)> ConditionsFrom(int start, Instruction x, SyncScope scope) =>
        G(scope).ConditionsFrom(start, x);

    /// <summary>True when some cycle through the loop's header passes no cut: threads may be in different iterations within one interval.</summary>
    public bool IsBarrierFree(Loop loop, SyncScope scope) => G(scope).IsBarrierFreeLoop(loop);

    /// <summary>The cuts of a scope, in source order.</summary>
    public IReadOnlyList<Instruction> Cuts(SyncScope scope) => G(scope).Cuts;

    /// <summary>
    /// The blocks of a barrier-free path from <paramref name="from"/> to <paramref name="to"/> (both blocks included), or
    /// an empty list when there is none.
    /// </summary>
    public IReadOnlyList<BasicBlock> PathBetween(Instruction from, Instruction to, SyncScope scope) => G(scope).Path(from, to);

    private sealed class Graph
    {
        private readonly FunctionAnalyses _fa;
        private readonly PtxFunction _fn;
        private readonly int[] _segOf;          // per instruction; -1 for cuts
        private readonly int[] _blockOfSeg;
        private readonly Adjacency _full;       // successor segments
        private readonly Adjacency _fwd;        // without back edges
        private readonly int[] _target;          // segment -> target index, -1 when it holds no memory access
        private readonly Reach _fullReach, _fwdReach;
        private readonly int[] _headerSeg;       // block id -> first segment
        private readonly int[] _lastSeg;         // block id -> last segment
        private readonly List<(int Seg, Instruction? Cut)> _starts = new(); // entry, then the segment after each cut
        private readonly Dictionary<int, StartTree> _trees = new();

        public bool Ok { get; }
        public List<Instruction> Cuts { get; } = new();
        private List<Instruction>? _divergent;
        private readonly SyncScope _scope;

        /// <summary>The conditional branches that split the CTA (Cta scope) or the lanes of a warp (Warp scope); computed on first use.</summary>
        public List<Instruction> DivergentBranches
        {
            get
            {
                if (_divergent is not null) return _divergent;
                var list = new List<Instruction>();
                var cfg = _fa.Cfg;
                var uni = _fa.Uniformity;
                foreach (var b in cfg.BlockSpan)
                {
                    if (b.Successors.Count < 2 || cfg.Terminator(b) is not { } term) continue;
                    var u = uni.OfBranch(term);
                    if (_scope == SyncScope.Cta ? u != Uniformity.Uniform : u == Uniformity.Varying) list.Add(term);
                }
                return _divergent = list;
            }
        }

        public Graph(FunctionAnalyses fa, SyncScope scope)
        {
            _fa = fa;
            _fn = fa.Function;
            _scope = scope;
            var cfg = fa.Cfg;
            var insns = _fn.Instructions;
            _segOf = new int[insns.Count];
            var blockOfSeg = new List<int>();
            var firstSeg = new int[cfg.Blocks.Count];
            var lastSeg = new int[cfg.Blocks.Count];
            var hasTarget = new List<bool>();
            var spins = SpinWaits(fa);
            foreach (var b in cfg.BlockSpan)
            {
                int seg = blockOfSeg.Count;
                blockOfSeg.Add(b.Id);
                hasTarget.Add(false);
                firstSeg[b.Id] = seg;
                for (int i = b.Start; i < b.End; i++)
                {
                    var insn = insns[i];
                    if (IsCut(insn, scope) || spins.Contains(i))
                    {
                        _segOf[i] = -1;
                        Cuts.Add(insn);
                        seg = blockOfSeg.Count;
                        blockOfSeg.Add(b.Id);
                        hasTarget.Add(false);
                        _starts.Add((seg, insn));
                        continue;
                    }
                    _segOf[i] = seg;
                    if (insn.MemoryAccesses.Length > 0) hasTarget[seg] = true;
                }
                lastSeg[b.Id] = seg;
            }
            _headerSeg = firstSeg;
            _lastSeg = lastSeg;
            _starts.Insert(0, (firstSeg[cfg.Entry.Id], null));
            int n = blockOfSeg.Count;
            _blockOfSeg = blockOfSeg.ToArray();
            // The edges leave each block's last segment, and those segments are numbered in block order: each
            // segment's successors are added in one go, in increasing order of the segment.
            var full = new Adjacency.Builder(n, cfg.Blocks.Count + 8);
            var fwd = new Adjacency.Builder(n, cfg.Blocks.Count + 8);
            var dom = fa.Dominators;
            foreach (var b in cfg.BlockSpan)
            {
                int from = lastSeg[b.Id];
                full.Begin(from);
                fwd.Begin(from);
                foreach (var s in b.Successors)
                {
                    int to = firstSeg[s.Id];
                    full.AddDistinct(to);
                    if (!dom.Dominates(s, b)) fwd.AddDistinct(to);
                }
            }
            _full = full.Build();
            _fwd = fwd.Build();
            _target = new int[n];
            int t = 0;
            for (int i = 0; i < n; i++) _target[i] = hasTarget[i] ? t++ : -1;
            _fullReach = new Reach(_full, _target, t);
            _fwdReach = new Reach(_fwd, _target, t);
            Ok = _fullReach.Ok && _fwdReach.Ok;
        }

        private readonly Dictionary<int, ulong[]> _splitters = new();

        /// <summary>Bit set over <see cref="DivergentBranches"/>: those from which x is reachable in the same iteration.</summary>
        public ulong[] SplittersOf(Instruction x)
        {
            if (_splitters.TryGetValue(x.Index, out var bits)) return bits;
            bits = new ulong[(DivergentBranches.Count + 63) / 64];
            for (int i = 0; i < DivergentBranches.Count; i++)
                if (Reaches(DivergentBranches[i], x, true)) bits[i >> 6] |= 1UL << (i & 63);
            _splitters[x.Index] = bits;
            return bits;
        }

        public bool Reaches(Instruction from, Instruction to, bool forwardOnly)
        {
            if (!Ok) return false;
            int a = _segOf[from.Index], b = _segOf[to.Index];
            if (a < 0 || b < 0) return false;
            if (a == b && to.Index > from.Index) return true;
            int tb = _target[b];
            var r = forwardOnly ? _fwdReach : _fullReach;
            if (tb < 0) return false;
            return r.Has(a, tb);
        }

        /// <summary>The interval starts (entry: null, else the cut) from which <paramref name="x"/> is reachable with no cut between.</summary>
        public List<(int Seg, Instruction? Cut)> StartsOf(Instruction x)
        {
            var list = new List<(int, Instruction?)>();
            if (!Ok) return list;
            int sx = _segOf[x.Index];
            if (sx < 0) return list;
            int tx = _target[sx];
            foreach (var st in _starts)
                if (st.Seg == sx || tx >= 0 && _fullReach.Has(st.Seg, tx)) list.Add(st);
            return list;
        }

        /// <summary>
        /// The branch outcomes every cut-free path from the interval start <paramref name="startSeg"/> to <paramref name="x"/> takes
        /// (edges that are their target's only way in, on the dominator chain of the cut-free subgraph), with whether each branch
        /// is evaluated in the same loop iteration as <paramref name="x"/> (it reaches x without a back edge).
        /// </summary>
        public List<(Instruction Branch, bool Taken, bool SameIteration)> ConditionsFrom(int startSeg, Instruction x)
        {
            if (!Ok) return new List<(Instruction, bool, bool)>();
            int sx = _segOf[x.Index];
            if (sx < 0) return new List<(Instruction, bool, bool)>();
            if (!_trees.TryGetValue(startSeg, out var tree)) _trees[startSeg] = tree = new StartTree(this, startSeg);
            int tx = _target[sx];
            var conditions = tree.Conditions(sx);
            var result = new List<(Instruction, bool, bool)>(conditions.Count); // its size known: no regrowth
            foreach (var (br, taken) in conditions)
            {
                int sb = _segOf[br.Index];
                bool same = sb == sx || tx >= 0 && sb >= 0 && _fwdReach.Has(sb, tx);
                result.Add((br, taken, same));
            }
            return result;
        }

        /// <summary>Dominators of the cut-free subgraph reachable from one interval start (Cooper-Harvey-Kennedy over its reverse postorder).</summary>
        private sealed class StartTree
        {
            private readonly Graph _g;
            private readonly int[] _idom;      // segment -> immediate dominator (-1: unreachable; root: itself)
            private readonly int[] _order;     // segment -> reverse postorder number
            private readonly int[] _predCount; // predecessors within the subgraph
            private readonly Dictionary<int, List<(Instruction, bool)>> _memo = new();

            public StartTree(Graph g, int root)
            {
                _g = g;
                int n = g._full.Length;
                _idom = new int[n];
                _order = new int[n];
                _predCount = new int[n];
                Array.Fill(_idom, -1);
                Array.Fill(_order, -1);
                // Postorder by an explicit stack.
                var post = new List<int>();
                var visited = new bool[n];
                var stack = new Stack<(int V, int Next)>();
                stack.Push((root, 0));
                visited[root] = true;
                while (stack.Count > 0)
                {
                    var (v, next) = stack.Pop();
                    if (next < g._full.Count(v))
                    {
                        stack.Push((v, next + 1));
                        int w = g._full[v][next];
                        if (!visited[w]) { visited[w] = true; stack.Push((w, 0)); }
                        continue;
                    }
                    post.Add(v);
                }
                var rpo = new List<int>(post);
                rpo.Reverse();
                for (int i = 0; i < rpo.Count; i++) _order[rpo[i]] = i;
                // predecessors within the subgraph, in reverse postorder, as compressed rows
                var preds = new RowInversion(n);
                foreach (var v in rpo)
                    foreach (var w in g._full[v])
                        preds.Count(w);
                preds.Allocate();
                foreach (var v in rpo)
                    foreach (var w in g._full[v])
                        preds.Fill(w, v);
                var predStart = preds.Start;
                var predFlat = preds.Flat;
                for (int w = 0; w < n; w++) _predCount[w] = preds.Length(w);
                _idom[root] = root;
                bool changed = true;
                while (changed)
                {
                    changed = false;
                    foreach (var v in rpo)
                    {
                        if (v == root || _predCount[v] == 0) continue;
                        int nd = -1;
                        foreach (var p in predFlat.AsSpan(predStart[v], _predCount[v]))
                        {
                            if (_idom[p] < 0) continue;
                            nd = nd < 0 ? p : Intersect(p, nd);
                        }
                        if (nd >= 0 && _idom[v] != nd) { _idom[v] = nd; changed = true; }
                    }
                }
            }

            private int Intersect(int a, int b)
            {
                while (a != b)
                {
                    while (_order[a] > _order[b]) a = _idom[a];
                    while (_order[b] > _order[a]) b = _idom[b];
                }
                return a;
            }

            public List<(Instruction, bool)> Conditions(int seg)
            {
                if (_idom[seg] < 0) return new List<(Instruction, bool)>();
                var chain = new List<int>();
                for (int x = seg; !_memo.ContainsKey(x); x = _idom[x])
                {
                    chain.Add(x);
                    if (_idom[x] == x) break;
                }
                for (int i = chain.Count - 1; i >= 0; i--)
                {
                    int x = chain[i];
                    int d = _idom[x];
                    var parent = d == x ? new List<(Instruction, bool)>() : _memo[d];
                    var own = d != x && _predCount[x] == 1 ? _g.EdgeCondition(d, x) : null;
                    if (own is null) _memo[x] = parent;
                    else
                    {
                        var list = new List<(Instruction, bool)>(parent.Count + 1);
                        list.AddRange(parent);
                        list.Add(own.Value);
                        _memo[x] = list;
                    }
                }
                return _memo[seg];
            }
        }

        /// <summary>The branch outcome of the edge from segment <paramref name="from"/> (a block's last) into <paramref name="to"/> (a block's first), or null.</summary>
        private (Instruction, bool)? EdgeCondition(int from, int to)
        {
            var cfg = _fa.Cfg;
            var fb = cfg.Blocks[_blockOfSeg[from]];
            var tb = cfg.Blocks[_blockOfSeg[to]];
            if (_lastSeg[fb.Id] != from || _headerSeg[tb.Id] != to || fb.Successors.Count != 2) return null;
            var term = cfg.Terminator(fb);
            if (term is null || term.Guard is null || term.Info.Flow != FlowKind.Branch) return null;
            var target = ControlFlowGraph.BranchTarget(term);
            bool taken = target is not null && tb.Labels.Contains(target);
            bool fallthrough = tb.Start == fb.End;
            if (taken == fallthrough) return null;
            return (term, taken);
        }

        public bool IsBarrierFreeLoop(Loop loop) => Ok && _fullReach.IsCyclic(_headerSeg[loop.Header.Id]);

        public IReadOnlyList<BasicBlock> Path(Instruction from, Instruction to)
        {
            int a = _segOf[from.Index], b = _segOf[to.Index];
            var blocks = _fa.Cfg.Blocks;
            if (a < 0 || b < 0) return Array.Empty<BasicBlock>();
            if (a == b && to.Index > from.Index) return new[] { blocks[_blockOfSeg[a]] };
            var parent = new Dictionary<int, int>();
            var queue = new Queue<int>();
            foreach (var s in _full[a])
                if (parent.TryAdd(s, a)) queue.Enqueue(s);
            while (queue.Count > 0)
            {
                int x = queue.Dequeue();
                if (x == b)
                {
                    var segs = new List<int> { b };
                    for (int k = parent[b]; k != a; k = parent[k]) segs.Add(k);
                    segs.Add(a);
                    segs.Reverse();
                    var path = new List<BasicBlock>();
                    foreach (var k in segs)
                    {
                        var blk = blocks[_blockOfSeg[k]];
                        if (path.Count == 0 || path[^1] != blk) path.Add(blk);
                    }
                    return path;
                }
                foreach (var s in _full[x])
                    if (parent.TryAdd(s, x)) queue.Enqueue(s);
            }
            return Array.Empty<BasicBlock>();
        }
    }

    /// <summary>Reachability over a graph of segments: SCCs (iterative Tarjan) and, per SCC, the bit set of target segments reachable through at least one edge.</summary>
    private sealed class Reach
    {
        private readonly int[] _scc;
        private readonly bool[] _cyclic;
        private readonly ulong[] _bits;   // component k's bit set is _bits[k * _words .. (k + 1) * _words)
        private readonly int _words;
        public bool Ok { get; }

        public Reach(Adjacency succ, int[] target, int targets)
        {
            int n = succ.Length;
            _scc = new int[n];
            var (members, compStart) = Tarjan(succ, _scc);
            int c = compStart.Length - 1;
            _words = (targets + 63) / 64;
            _cyclic = new bool[c];
            if ((long)c * _words > MaxWords) { Ok = false; _bits = Array.Empty<ulong>(); return; }
            Ok = true;
            int W = _words;
            _bits = new ulong[c * W];
            // Tarjan emits components in reverse topological order: successors first.
            for (int k = 0; k < c; k++)
            {
                var bits = _bits.AsSpan(k * W, W);
                var own = members.AsSpan(compStart[k], compStart[k + 1] - compStart[k]);
                bool cyclic = own.Length > 1;
                foreach (var v in own)
                    foreach (var s in succ[v])
                    {
                        int sc = _scc[s];
                        if (sc == k) { cyclic = true; continue; }
                        var sb = _bits.AsSpan(sc * W, W);
                        for (int w = 0; w < W; w++) bits[w] |= sb[w];
                        for (int j = compStart[sc]; j < compStart[sc + 1]; j++)
                        {
                            int m = members[j];
                            if (target[m] >= 0) bits[target[m] >> 6] |= 1UL << (target[m] & 63);
                        }
                    }
                if (cyclic)
                    foreach (var m in own)
                        if (target[m] >= 0) bits[target[m] >> 6] |= 1UL << (target[m] & 63);
                _cyclic[k] = cyclic;
            }
        }

        public bool Has(int fromSeg, int targetIndex) => (_bits[_scc[fromSeg] * _words + (targetIndex >> 6)] & (1UL << (targetIndex & 63))) != 0;
        public bool IsCyclic(int seg) => _cyclic[_scc[seg]];

        /// <summary>
        /// The strongly connected components (iterative Tarjan), in the order found: the members of component k are
        /// Members[Start[k] .. Start[k + 1]), and <paramref name="comp"/>[v] is v's component.
        /// </summary>
        private static (int[] Members, int[] Start) Tarjan(Adjacency succ, int[] comp)
        {
            int n = succ.Length, index = 0;
            var idx = new int[n];
            var low = new int[n];
            var onStack = new bool[n];
            Array.Fill(idx, -1);
            var stack = new int[n];
            int sp = 0;
            var members = new int[n];
            var start = new List<int>(n / 2 + 2) { 0 };
            int filled = 0;
            var work = new Stack<(int V, int Next)>();
            for (int root = 0; root < n; root++)
            {
                if (idx[root] >= 0) continue;
                work.Push((root, 0));
                idx[root] = low[root] = index++;
                stack[sp++] = root;
                onStack[root] = true;
                while (work.Count > 0)
                {
                    var (v, next) = work.Pop();
                    if (next < succ.Count(v))
                    {
                        work.Push((v, next + 1));
                        int w = succ[v][next];
                        if (idx[w] < 0)
                        {
                            idx[w] = low[w] = index++;
                            stack[sp++] = w;
                            onStack[w] = true;
                            work.Push((w, 0));
                        }
                        else if (onStack[w]) low[v] = Math.Min(low[v], idx[w]);
                        continue;
                    }
                    if (low[v] == idx[v])
                    {
                        int k = start.Count - 1;
                        int w;
                        do
                        {
                            w = stack[--sp];
                            onStack[w] = false;
                            comp[w] = k;
                            members[filled++] = w;
                        } while (w != v);
                        start.Add(filled);
                    }
                    if (work.Count > 0)
                    {
                        int parent = work.Peek().V;
                        low[parent] = Math.Min(low[parent], low[v]);
                    }
                }
            }
            return (members, start.ToArray());
        }
    }

    /// <summary>A graph's successor lists in one array (compressed rows): vertex v's are Targets[Start[v] .. Start[v + 1]).</summary>
    private sealed class Adjacency
    {
        private readonly int[] _start, _targets;

        private Adjacency(int[] start, int[] targets) { _start = start; _targets = targets; }

        public int Length => _start.Length - 1;
        public int Count(int v) => _start[v + 1] - _start[v];
        public ReadOnlySpan<int> this[int v] => _targets.AsSpan(_start[v], _start[v + 1] - _start[v]);

        /// <summary>Adds the successors of vertices in increasing order of the vertex, each vertex's in one go.</summary>
        public sealed class Builder(int vertices, int capacity)
        {
            private readonly int[] _start = new int[vertices + 1];
            private int[] _targets = new int[Math.Max(4, capacity)];
            private int _count, _vertex = -1, _first;

            public void Begin(int vertex)
            {
                if (vertex <= _vertex) throw new InvalidOperationException("vertices must come in increasing order");
                for (int v = _vertex + 1; v <= vertex; v++) _start[v] = _count;
                _vertex = vertex;
                _first = _count;
            }

            public void AddDistinct(int target)
            {
                for (int k = _first; k < _count; k++)
                    if (_targets[k] == target) return;
                if (_count == _targets.Length) Array.Resize(ref _targets, 2 * _targets.Length);
                _targets[_count++] = target;
            }

            public Adjacency Build()
            {
                for (int v = _vertex + 1; v < _start.Length; v++) _start[v] = _count;
                return new Adjacency(_start, _count == _targets.Length ? _targets : _targets[.._count]);
            }
        }
    }
}
