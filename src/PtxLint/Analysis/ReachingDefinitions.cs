using System.Numerics;
using System.Runtime.InteropServices;
using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// Reaching definitions and def-use chains over PTX registers (which are not SSA).
/// <para>
/// Registers are indexed to ints. Liveness is computed first (a bit vector of registers per block), then reaching
/// definition sets are propagated only for registers live into a block, so memory is proportional to the live
/// registers rather than blocks × definitions. A guarded definition (<c>@%p mov ...</c>) does not kill earlier ones.
/// A pseudo-definition at the function entry (<see cref="EntryDef"/>) stands for "undefined / live-in".
/// All uses are resolved once, in one forward pass per block.
/// </para>
/// </summary>
public sealed class ReachingDefinitions
{
    /// <summary>The pseudo-definition index meaning "the value live into the function" (undefined, or a .reg parameter).</summary>
    public const int EntryDef = -1;

    private static readonly int[] Empty = Array.Empty<int>();
    private static readonly int[] EntryOnly = { EntryDef };

    private readonly PtxFunction _fn;
    private readonly ControlFlowGraph _cfg;
    private readonly RegisterIndex _index;
    // Per instruction i, the distinct non-special registers it defines are _defFlat[_defStart[i] .. _defStart[i+1]),
    // the ones it uses _useFlat[_useStart[i] .. _useStart[i+1]) (flat arrays: a function of 290k instructions is not
    // 580k small arrays). Aligned with them: the reaching definitions of each use, and the uses of each definition.
    private readonly int[] _defStart, _defFlat;
    private readonly int[] _useStart, _useFlat;
    // Per use slot, its sorted reaching definition indices, encoded (a function of 290k instructions has more than
    // 500k uses, most of them reached by one definition): a code c >= 0 is the set { c }; UseEntryOnly and UseEmpty
    // are { EntryDef } and { }; any other set is _multi[UseMulti - c].
    private readonly int[] _useCodes;
    private readonly List<int[]> _multi = new();
    private const int UseEntryOnly = -1, UseEmpty = -2, UseMulti = -3;
    // Def-use chains, flat: the instruction indices that read def slot k are _duFlat[_duStart[k] .. _duStart[k+1]),
    // in source order (one array for the function, not a list per definition).
    private readonly int[] _duStart, _duFlat;
    // { i } for the instructions past the ones SingleSets keeps (every set that holds only that definition shares it)
    private int[]?[]? _singleHigh;
    private readonly int[][] _liveIn;    // per block: sorted register ids live into the block
    private readonly int[][][] _in;      // per block, aligned with _liveIn: reaching def sets at block entry
    private List<Instruction>[]? _defsOfReg;
    // Registers in SSA form (see the constructor's summary) are not in _liveIn/_in: _ssaDef[r] is the one definition
    // (-1 for the others), whose set is Single(_ssaDef[r]), and _ssaLive[r], computed on first ask, the sorted ids of
    // the blocks the register is live into.
    private readonly DominatorTree? _dom;
    private readonly int[] _ssaDef;
    private int[]?[]? _ssaLive;
    private int[]? _walkMark;
    private Stack<BasicBlock>? _walkStack;

    public ReachingDefinitions(ControlFlowGraph cfg) : this(cfg, null) { }

    /// <summary>
    /// With <paramref name="dominators"/>, registers in SSA form (one unguarded definition that dominates every use:
    /// most of what nvcc and LLVM emit) skip the dense dataflow: each use sees that definition, and the blocks the
    /// register is live into come from a backward walk from its uses. The results are the same as without them.
    /// </summary>
    public ReachingDefinitions(ControlFlowGraph cfg, DominatorTree? dominators) : this(cfg, dominators, new RegisterIndex(cfg.Function)) { }

    /// <summary>
    /// As <see cref="ReachingDefinitions(ControlFlowGraph, DominatorTree?)"/>, over the register numbering and the
    /// per-instruction uses and defs of <paramref name="index"/> (the function's, shared with the other analyses).
    /// </summary>
    public ReachingDefinitions(ControlFlowGraph cfg, DominatorTree? dominators, RegisterIndex index)
    {
        _cfg = cfg;
        _dom = dominators;
        _fn = cfg.Function;
        if (!ReferenceEquals(index.Function, _fn)) throw new ArgumentException("the register index is another function's", nameof(index));
        _index = index;
        var insns = _fn.Instructions;
        int n = insns.Count;
        _useStart = index.UseStart;
        _defStart = index.DefStart;
        _useFlat = index.UseFlat;
        _defFlat = index.DefFlat;
        int nu = _useStart[n], nd = _defStart[n];
        _useCodes = nu == 0 ? Empty : new int[nu];

        var blocks = cfg.Blocks;
        int nb = blocks.Count;
        int R = index.Count;

        // ---- registers in SSA form (see the constructor's summary); the others take the dataflow below
        var ssaDef = new int[R];
        Array.Fill(ssaDef, -1);
        if (dominators is not null) ClassifySsa(dominators, ssaDef);
        _ssaDef = ssaDef;
        var dense = new int[R];     // register id -> index among the registers that take the dataflow, or -1
        var denseRegs = new List<int>();
        for (int r = 0; r < R; r++)
        {
            if (ssaDef[r] >= 0) { dense[r] = -1; continue; }
            dense[r] = denseRegs.Count;
            denseRegs.Add(r);
        }
        int W = (denseRegs.Count + 63) / 64;

        // ---- liveness (backward, bit vectors of registers)
        var ueuse = new ulong[nb][];
        var kill = new ulong[nb][];
        var liveIn = new ulong[nb][];
        for (int bi = 0; bi < nb; bi++)
        {
            var b = blocks[bi];
            var u = new ulong[W];
            var k = new ulong[W];
            for (int i = b.Start; i < b.End; i++)
            {
                foreach (var r0 in UsesAt(i))
                {
                    int r = dense[r0];
                    if (r >= 0 && (k[r >> 6] & (1UL << r)) == 0) u[r >> 6] |= 1UL << r;
                }
                if (insns[i].Guard is null)
                    foreach (var r0 in DefsAt(i))
                    {
                        int r = dense[r0];
                        if (r >= 0) k[r >> 6] |= 1UL << r;
                    }
            }
            ueuse[bi] = u;
            kill[bi] = k;
            liveIn[bi] = (ulong[])u.Clone();
        }
        var rpo = ReversePostorder(cfg);
        var outTmp = new ulong[W];
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int k2 = rpo.Length - 1; k2 >= 0; k2--)
            {
                var b = rpo[k2];
                Array.Clear(outTmp);
                foreach (var s in CollectionsMarshal.AsSpan(b.Successors))
                {
                    var si = liveIn[s.Id];
                    for (int w = 0; w < W; w++) outTmp[w] |= si[w];
                }
                var li = liveIn[b.Id];
                var ue = ueuse[b.Id];
                var kl = kill[b.Id];
                for (int w = 0; w < W; w++)
                {
                    var v = ue[w] | (outTmp[w] & ~kl[w]);
                    if (v != li[w]) { li[w] = v; changed = true; }
                }
            }
        }
        _liveIn = new int[nb][];
        var list = new List<int>();
        for (int bi = 0; bi < nb; bi++)
        {
            var bits = liveIn[bi];
            list.Clear();
            for (int w = 0; w < W; w++)
            {
                var v = bits[w];
                while (v != 0)
                {
                    int t = BitOperations.TrailingZeroCount(v);
                    list.Add(denseRegs[w * 64 + t]);
                    v &= v - 1;
                }
            }
            _liveIn[bi] = list.Count == 0 ? Empty : list.ToArray();
        }
        ueuse = null!; kill = null!; liveIn = null!;

        // ---- per-block summaries of the definitions that reach the block end
        var gen = new Dictionary<int, (int[] Gen, bool Killed)>?[nb];
        for (int bi = 0; bi < nb; bi++)
        {
            var b = blocks[bi];
            Dictionary<int, (int[] Gen, bool Killed)>? d = null;
            for (int i = b.Start; i < b.End; i++)
            {
                if (_defStart[i] == _defStart[i + 1]) continue;
                bool guarded = insns[i].Guard is not null;
                foreach (var r in DefsAt(i))
                {
                    if (dense[r] < 0) continue;
                    d ??= new Dictionary<int, (int[], bool)>();
                    if (!guarded) d[r] = (Single(i), true);
                    else if (d.TryGetValue(r, out var prev)) d[r] = (Union(prev.Gen, Single(i)), prev.Killed);
                    else d[r] = (Single(i), false);
                }
            }
            gen[bi] = d;
        }

        // ---- reaching definitions at block entry, for live-in registers only
        _in = new int[nb][][];
        for (int bi = 0; bi < nb; bi++)
        {
            var sets = new int[_liveIn[bi].Length][];
            Array.Fill(sets, Empty);
            _in[bi] = sets;
        }
        var entry = cfg.Entry;
        for (int j = 0; j < _in[entry.Id].Length; j++) _in[entry.Id][j] = EntryOnly;

        // passes in reverse postorder over the blocks whose predecessors changed (all, the first time)
        var dirty = new bool[nb];
        foreach (var b in rpo) dirty[b.Id] = true;
        changed = true;
        while (changed)
        {
            changed = false;
            foreach (var b in rpo)
            {
                if (!dirty[b.Id]) continue;
                dirty[b.Id] = false;
                var regs = _liveIn[b.Id];
                var sets = _in[b.Id];
                bool blockChanged = false;
                for (int j = 0; j < regs.Length; j++)
                {
                    int r = regs[j];
                    var acc = b == entry ? EntryOnly : Empty;
                    foreach (var p in CollectionsMarshal.AsSpan(b.Predecessors))
                    {
                        int[] o;
                        if (gen[p.Id] is { } g && g.TryGetValue(r, out var e))
                            o = e.Killed ? e.Gen : Union(InSet(p.Id, r), e.Gen);
                        else o = InSet(p.Id, r);
                        acc = Union(acc, o);
                    }
                    if (!SameSet(acc, sets[j])) { sets[j] = acc; blockChanged = true; }
                }
                if (!blockChanged) continue;
                changed = true;
                foreach (var s in CollectionsMarshal.AsSpan(b.Successors)) dirty[s.Id] = true;
            }
        }

        // ---- resolve every use once; invert into def-use chains. A use of a register in SSA form sees its one
        // definition (which comes before every use, so the use is reachable).
        var cur = new Dictionary<int, int[]>();
        foreach (var b in _cfg.BlockSpan)
        {
            cur.Clear();
            for (int i = b.Start; i < b.End; i++)
            {
                for (int j = _useStart[i]; j < _useStart[i + 1]; j++)
                {
                    int r = _useFlat[j];
                    _useCodes[j] = ssaDef[r] >= 0 ? ssaDef[r] : Encode(cur.TryGetValue(r, out var s) ? s : InSet(b.Id, r));
                }
                bool guarded = insns[i].Guard is not null;
                foreach (var r in DefsAt(i))
                {
                    if (ssaDef[r] >= 0) continue;
                    if (!guarded) cur[r] = Single(i);
                    else cur[r] = Union(cur.TryGetValue(r, out var s) ? s : InSet(b.Id, r), Single(i));
                }
            }
        }
        // invert into def-use chains: count the readers of each def slot, then fill in the same (source) order
        var users = new RowInversion(nd);
        InvertUses(users, fill: false);
        users.Allocate();
        InvertUses(users, fill: true);
        _duStart = users.Start;
        _duFlat = users.Flat;
    }

    /// <summary>
    /// Walks every (def slot, reading instruction) pair in source order: counts the readers of each slot
    /// (<paramref name="fill"/> false), or adds each reader to its slot's row.
    /// </summary>
    private void InvertUses(RowInversion users, bool fill)
    {
        foreach (var b in _cfg.BlockSpan)
            for (int i = b.Start; i < b.End; i++)
                for (int j = _useStart[i]; j < _useStart[i + 1]; j++)
                {
                    int r = _useFlat[j];
                    int code = _useCodes[j];
                    if (code >= 0) Invert(code, r, i, users, fill);
                    else if (code <= UseMulti)
                        foreach (var d in _multi[UseMulti - code])
                            if (d >= 0) Invert(d, r, i, users, fill);
                }
    }

    /// <summary>One (def slot, reader) pair of <see cref="InvertUses"/>: definition <paramref name="d"/> of register <paramref name="r"/> read at <paramref name="i"/>.</summary>
    private void Invert(int d, int r, int i, RowInversion users, bool fill)
    {
        int k = DefSlot(d, r);
        if (k < 0) return;
        if (fill) users.Fill(k, i);
        else users.Count(k);
    }

    /// <summary>The code of a use's reaching set in <see cref="_useCodes"/>.</summary>
    private int Encode(int[] set)
    {
        if (set.Length == 1) return set[0] >= 0 ? set[0] : UseEntryOnly;
        if (set.Length == 0) return UseEmpty;
        _multi.Add(set);
        return UseMulti - (_multi.Count - 1);
    }

    /// <summary>The reaching set of use slot <paramref name="j"/>.</summary>
    private int[] UseSet(int j)
    {
        int code = _useCodes[j];
        return code >= 0 ? Single(code) : code == UseEntryOnly ? EntryOnly : code == UseEmpty ? Empty : _multi[UseMulti - code];
    }

    /// <summary>The set { <paramref name="i"/> } of one definition, shared by every set that holds only it.</summary>
    private int[] Single(int i)
    {
        if (i < SingleSets.Kept) return SingleSets.Of(i);
        var high = _singleHigh ??= new int[Math.Max(1, _fn.Instructions.Count - SingleSets.Kept)][];
        return high[i - SingleSets.Kept] ??= new[] { i };
    }

    /// <summary>The indices of the instructions that read def slot <paramref name="k"/>, in source order.</summary>
    private ReadOnlySpan<int> UsersOfSlot(int k) => _duFlat.AsSpan(_duStart[k], _duStart[k + 1] - _duStart[k]);

    /// <summary>
    /// Sets <paramref name="ssaDef"/>[r] to the definition of each register with one unguarded definition, in a
    /// reachable block, that comes before every use: earlier in the same block, or in a block that strictly dominates
    /// the use's. Only that definition reaches those uses, and the register is live into no block its definition does
    /// not dominate.
    /// </summary>
    private void ClassifySsa(DominatorTree dom, int[] ssaDef)
    {
        var insns = _fn.Instructions;
        int R = ssaDef.Length;
        var count = new int[R];
        for (int i = 0; i < insns.Count; i++)
            foreach (var r in DefsAt(i))
            {
                count[r]++;
                ssaDef[r] = insns[i].Guard is null ? i : -2;
            }
        for (int r = 0; r < R; r++)
            if (count[r] != 1 || ssaDef[r] < 0 || !dom.IsReachable(_cfg.BlockOf(ssaDef[r]))) ssaDef[r] = -1;
        for (int i = 0; i < insns.Count; i++)
        {
            var ur = UsesAt(i);
            if (ur.Length == 0) continue;
            var ub = _cfg.BlockOf(i);
            foreach (var r in ur)
            {
                int d = ssaDef[r];
                if (d < 0) continue;
                var db = _cfg.BlockOf(d);
                bool before = db == ub ? d < i : dom.StrictlyDominates(db, ub);
                if (!before) ssaDef[r] = -1;
            }
        }
    }

    /// <summary>
    /// The sorted ids of the blocks a register in SSA form is live into: those on the way back from each block that uses
    /// it (other than its definition's) to its definition's block, which the walk does not enter.
    /// </summary>
    private int[] SsaLive(int r)
    {
        _ssaLive ??= new int[_ssaDef.Length][];
        if (_ssaLive[r] is { } known) return known;
        int d = _ssaDef[r];
        int defBlock = _cfg.BlockOf(d).Id;
        var uses = UsersOfSlot(DefSlot(d, r));
        if (uses.IsEmpty) return _ssaLive[r] = Empty;
        var blocks = _cfg.Blocks;
        var mark = _walkMark ??= new int[blocks.Count]; // register id + 1 of the last walk that reached the block
        int stamp = r + 1;
        var stack = _walkStack ??= new Stack<BasicBlock>();
        var live = new List<int>();
        foreach (var u in uses)
        {
            int ub = _cfg.BlockOf(u).Id;
            if (ub == defBlock || mark[ub] == stamp) continue;
            mark[ub] = stamp;
            stack.Push(blocks[ub]);
            while (stack.Count > 0)
            {
                var b = stack.Pop();
                live.Add(b.Id);
                foreach (var p in b.Predecessors)
                {
                    if (p.Id == defBlock || mark[p.Id] == stamp) continue;
                    mark[p.Id] = stamp;
                    stack.Push(p);
                }
            }
        }
        var result = live.Count == 0 ? Empty : live.ToArray();
        Array.Sort(result);
        return _ssaLive[r] = result;
    }

    private ReadOnlySpan<int> UsesAt(int i) => _useFlat.AsSpan(_useStart[i], _useStart[i + 1] - _useStart[i]);
    private ReadOnlySpan<int> DefsAt(int i) => _defFlat.AsSpan(_defStart[i], _defStart[i + 1] - _defStart[i]);

    /// <summary>The def slot of register <paramref name="r"/> at instruction <paramref name="d"/>, or -1.</summary>
    private int DefSlot(int d, int r)
    {
        for (int k = _defStart[d]; k < _defStart[d + 1]; k++)
            if (_defFlat[k] == r) return k;
        return -1;
    }

    private int[] InSet(int block, int reg)
    {
        if (_ssaDef[reg] >= 0)
            return IndexOf(SsaLive(reg), block) >= 0 && _dom!.IsReachable(_cfg.Blocks[block]) ? Single(_ssaDef[reg]) : Empty;
        int j = IndexOf(_liveIn[block], reg);
        return j >= 0 ? _in[block][j] : Empty;
    }

    /// <summary>
    /// The index of <paramref name="v"/> in the sorted array, negative when absent (the span search specialized for
    /// int: no comparer called per step, unlike <c>Array.BinarySearch</c>).
    /// </summary>
    internal static int IndexOf(int[] sorted, int v) => MemoryExtensions.BinarySearch<int, int>(sorted, v);

    internal static BasicBlock[] ReversePostorder(ControlFlowGraph cfg)
    {
        int n = cfg.Blocks.Count;
        var visited = new bool[n];
        var post = new List<BasicBlock>(n);
        var stack = new Stack<(BasicBlock B, int Next)>();
        visited[cfg.Entry.Id] = true;
        stack.Push((cfg.Entry, 0));
        while (stack.Count > 0)
        {
            var (b, next) = stack.Pop();
            if (next < b.Successors.Count)
            {
                stack.Push((b, next + 1));
                var c = b.Successors[next];
                if (!visited[c.Id]) { visited[c.Id] = true; stack.Push((c, 0)); }
            }
            else post.Add(b);
        }
        post.Reverse();
        foreach (var b in cfg.BlockSpan)
            if (!visited[b.Id]) post.Add(b);
        return post.ToArray();
    }

    private static bool SameSet(int[] a, int[] b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
        return true;
    }

    /// <summary>Sorted union; returns one of the inputs when the other adds nothing.</summary>
    private static int[] Union(int[] a, int[] b)
    {
        if (b.Length == 0 || ReferenceEquals(a, b)) return a;
        if (a.Length == 0) return b;
        int i = 0, j = 0, k = 0;
        var r = new int[a.Length + b.Length];
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j]) r[k++] = a[i++];
            else if (a[i] > b[j]) r[k++] = b[j++];
            else { r[k++] = a[i++]; j++; }
        }
        while (i < a.Length) r[k++] = a[i++];
        while (j < b.Length) r[k++] = b[j++];
        if (k == a.Length) return a;
        if (k == b.Length) return b;
        Array.Resize(ref r, k);
        return r;
    }

    public ControlFlowGraph Cfg => _cfg;

    /// <summary>Number of distinct (non-special) registers the function names.</summary>
    public int RegisterCount => _index.Count;

    /// <summary>The dense id of a register (<see cref="RegisterIndex.Id"/>), or -1 when the function never names it.</summary>
    public int RegisterId(string regName) => _index.Id(regName);

    public string RegisterName(int id) => _index.Name(id);

    /// <summary>
    /// The sorted instruction indices of the definitions of <paramref name="regName"/> reaching the point just before
    /// <paramref name="at"/>; may contain <see cref="EntryDef"/> (-1) when the value live into the function reaches.
    /// </summary>
    public int[] ReachingIndices(Instruction at, string regName)
    {
        int i = at.Index;
        // most asks are about a register the instruction reads, by the name string its operand holds: no hashing
        for (int j = _useStart[i]; j < _useStart[i + 1]; j++)
            if (ReferenceEquals(_index.Name(_useFlat[j]), regName)) return UseSet(j);
        int r = RegisterId(regName);
        if (r < 0) return EntryOnly;
        for (int j = _useStart[i]; j < _useStart[i + 1]; j++)
            if (_useFlat[j] == r) return UseSet(j);
        // Not a use of this instruction: scan the block up to it.
        var b = _cfg.BlockOf(at);
        var set = InSet(b.Id, r);
        var insns = _fn.Instructions;
        for (int k = b.Start; k < i; k++)
            if (DefSlot(k, r) >= 0)
                set = insns[k].Guard is null ? Single(k) : Union(set, Single(k));
        return set;
    }

    private readonly Dictionary<(int Block, int Reg), int[]> _outCache = new();

    /// <summary>Sorted instruction indices (with <see cref="EntryDef"/>) of the definitions of a register reaching the end of block <paramref name="b"/>.</summary>
    public int[] ReachingAtEnd(BasicBlock b, string regName)
    {
        int r = RegisterId(regName);
        if (r < 0) return EntryOnly;
        if (_outCache.TryGetValue((b.Id, r), out var cached)) return cached;
        var set = InSet(b.Id, r);
        var insns = _fn.Instructions;
        for (int k = b.Start; k < b.End; k++)
            if (DefSlot(k, r) >= 0)
                set = insns[k].Guard is null ? Single(k) : Union(set, Single(k));
        _outCache[(b.Id, r)] = set;
        return set;
    }

    /// <summary>Definitions of register <paramref name="regName"/> that reach the program point before <paramref name="at"/>, in source order (empty = undefined / live-in).</summary>
    public IReadOnlyList<Instruction> Reaching(Instruction at, string regName)
    {
        var set = ReachingIndices(at, regName);
        if (set.Length == 0 || (set.Length == 1 && set[0] < 0)) return Array.Empty<Instruction>();
        var list = new List<Instruction>(set.Length);
        foreach (var d in set) if (d >= 0) list.Add(_fn.Instructions[d]);
        return list;
    }

    /// <summary>True when, on some path, no definition of the register precedes <paramref name="at"/> (the value live into the function reaches).</summary>
    public bool MayBeUndefined(Instruction at, string regName)
    {
        var set = ReachingIndices(at, regName);
        // An empty set happens only in unreachable code.
        return set.Length > 0 && set[0] == EntryDef;
    }

    /// <summary>Instructions that read the value <paramref name="def"/> writes to <paramref name="regName"/>, in source order.</summary>
    public IReadOnlyList<Instruction> UsesOf(Instruction def, string regName)
    {
        int r = RegisterId(regName);
        if (r < 0) return Array.Empty<Instruction>();
        int k = DefSlot(def.Index, r);
        if (k < 0) return Array.Empty<Instruction>();
        return Instructions(UsersOfSlot(k));
    }

    private Instruction[] Instructions(ReadOnlySpan<int> indices)
    {
        if (indices.IsEmpty) return Array.Empty<Instruction>();
        var insns = _fn.Instructions;
        var result = new Instruction[indices.Length];
        for (int j = 0; j < indices.Length; j++) result[j] = insns[indices[j]];
        return result;
    }

    /// <summary>
    /// For an instruction that writes one register: true, with the indices of the instructions that read it in source
    /// order, without an allocation; false for the others (ask <see cref="UsersOf"/>).
    /// </summary>
    internal bool TryUsersOfOne(Instruction def, out ReadOnlySpan<int> users)
    {
        int start = _defStart[def.Index];
        users = default;
        if (_defStart[def.Index + 1] - start != 1) return false;
        users = UsersOfSlot(start);
        return true;
    }

    /// <summary>Every instruction that reads any register <paramref name="def"/> writes, in source order.</summary>
    public IEnumerable<Instruction> UsersOf(Instruction def) => Instructions(UserIndices(def));

    /// <summary>The indices of the instructions that read any register <paramref name="def"/> writes, sorted and distinct.</summary>
    internal ReadOnlySpan<int> UserIndices(Instruction def)
    {
        int start = _defStart[def.Index], end = _defStart[def.Index + 1];
        if (end - start == 0) return ReadOnlySpan<int>.Empty;
        if (end - start == 1) return UsersOfSlot(start);
        // each slot's readers are in source order: merge them (a few slots: vector loads, dual results)
        int total = 0;
        for (int k = start; k < end; k++) total += _duStart[k + 1] - _duStart[k];
        var all = new int[total];
        int n = 0;
        for (int k = start; k < end; k++)
            foreach (var u in UsersOfSlot(k)) all[n++] = u;
        Array.Sort(all);
        int distinct = 0;
        for (int i = 0; i < all.Length; i++)
            if (distinct == 0 || all[distinct - 1] != all[i]) all[distinct++] = all[i];
        return all.AsSpan(0, distinct);
    }

    /// <summary>Every instruction that defines the register, in source order.</summary>
    public IReadOnlyList<Instruction> DefinitionsOf(string regName)
    {
        int r = RegisterId(regName);
        if (r < 0) return Array.Empty<Instruction>();
        if (_defsOfReg is null)
        {
            var a = new List<Instruction>[RegisterCount];
            for (int i = 0; i < a.Length; i++) a[i] = new List<Instruction>();
            foreach (var insn in _fn.InstructionSpan)
                foreach (var d in DefsAt(insn.Index)) a[d].Add(insn);
            _defsOfReg = a;
        }
        return _defsOfReg[r];
    }

    /// <summary>Registers live into the block (their names), sorted by id.</summary>
    public IEnumerable<string> LiveIn(BasicBlock b)
    {
        var regs = new List<int>(_liveIn[b.Id]);
        for (int r = 0; r < _ssaDef.Length; r++)
            if (_ssaDef[r] >= 0 && IndexOf(SsaLive(r), b.Id) >= 0) regs.Add(r);
        regs.Sort();
        return regs.Select(RegisterName);
    }

}

/// <summary>
/// The one-element sets { i } of reaching definitions, made once per thread for the first <see cref="Kept"/>
/// instruction indices and shared by every function it analyzes (they are immutable, so a set made by one thread is
/// as good as another's): most reaching sets hold one definition, and a set per defining instruction per function was
/// a tenth of the analysis' allocation. At most <see cref="Kept"/> sets per thread (about 2.5 MB).
/// </summary>
internal static class SingleSets
{
    public const int Kept = 1 << 16;

    [ThreadStatic] private static int[]?[]? t_sets;

    public static int[] Of(int i)
    {
        var sets = t_sets;
        if (sets is null || i >= sets.Length)
        {
            int size = Math.Min(Kept, Math.Max(i + 1, 2 * (sets?.Length ?? 512)));
            Array.Resize(ref t_sets, size);
            sets = t_sets;
        }
        return sets[i] ??= new[] { i };
    }
}
