using System.Runtime.InteropServices;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>One access to CTA shared memory, with its symbolic address and the conditions of the threads that make it.</summary>
public sealed class SharedAccess
{
    internal SharedAccess(Instruction insn, MemoryAccess access, Expr address, int bytes, IReadOnlyList<ThreadCondition> conditions)
    {
        Instruction = insn;
        Access = access;
        Address = address;
        Bytes = bytes;
        Conditions = conditions;
        Symbol = SymbolicValues.BaseSymbol(address);
    }

    public Instruction Instruction { get; }

    /// <summary>Its position among the function's accesses (<see cref="SharedMemoryRaces.Accesses"/>): the index of the per-access caches.</summary>
    internal int Ordinal { get; init; }

    public MemoryAccess Access { get; }
    /// <summary>The byte address: the variable's address plus an offset over thread indices, loop iterations and other values.</summary>
    public Expr Address { get; }
    /// <summary>Bytes touched by one thread (vector widths included).</summary>
    public int Bytes { get; }
    public IReadOnlyList<ThreadCondition> Conditions { get; }
    /// <summary>The shared variable the address is based on, when the analysis sees it.</summary>
    public Atom? Symbol { get; }
    public bool Writes => Access.Access is AccessKind.Write or AccessKind.ReadWrite;
    public bool Reads => Access.Access is AccessKind.Read or AccessKind.ReadWrite;
    /// <summary>For a plain scalar store, the value it stores; null otherwise.</summary>
    public Expr? StoredValue { get; init; }

    /// <summary>For a plain store (scalar or vector), the values it stores; null otherwise.</summary>
    public Expr[]? StoredElements { get; init; }

    /// <summary>atom/red: two atomics to the same address do not race.</summary>
    public bool IsAtomic => Instruction.Info.Mem == MemKind.Atomic;

    public override string ToString() => $"{Instruction} @ {Address} ({Bytes} B)";
}

/// <summary>How big a block the analysis may assume, and where that came from.</summary>
public sealed record BlockBounds(int X, int Y, int Z, string Source)
{
    /// <summary>Coordinates of a witness thread that every launch of a common shape has (larger ones need a note).</summary>
    public static (int X, int Y, int Z) Plausible(int dims) => dims switch { 1 => (64, 1, 1), 2 => (2, 2, 1), _ => (2, 2, 2) };
}

/// <summary>A data race on shared memory: two threads, two accesses in one barrier interval, overlapping bytes.</summary>
public sealed class SharedRace
{
    /// <summary>The access that executes first on the barrier-free path (or the earlier in source order when the threads split at a divergent branch).</summary>
    public required SharedAccess First { get; init; }
    public required SharedAccess Second { get; init; }
    public required ThreadBinding FirstThread { get; init; }
    public required ThreadBinding SecondThread { get; init; }
    /// <summary>Byte offsets from the variable's address (null when the base is not a variable).</summary>
    public long? FirstOffset { get; init; }
    public long? SecondOffset { get; init; }
    /// <summary>True when the two threads are lanes of one warp (a <c>__syncwarp()</c> would order them).</summary>
    public bool SameWarp { get; init; }
    /// <summary>Conditions on the way that the analysis could not evaluate for the witness threads (assumed to hold).</summary>
    public IReadOnlyList<ThreadCondition> AssumedConditions { get; init; } = Array.Empty<ThreadCondition>();
    /// <summary>What the verdict assumes about the launch (block size, loop trip counts).</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = Array.Empty<string>();
    /// <summary>The smallest block the witness needs: (x, y, z).</summary>
    public required (int X, int Y, int Z) NeededBlock { get; init; }
    /// <summary>True when the witness threads lie within the block shape every common launch has (or the declared .reqntid/.maxntid).</summary>
    public bool WithinPlausibleBlock { get; init; }
    /// <summary>The blocks of a barrier-free path from the first access to the second.</summary>
    public IReadOnlyList<BasicBlock> Path { get; init; } = Array.Empty<BasicBlock>();
    /// <summary>The divergent branch where the two threads part, when they reach the accesses on different paths.</summary>
    public Instruction? Splitter { get; init; }
    /// <summary>Loop iterations the witness uses beyond the first (loop header block id -> iteration), empty when none.</summary>
    public IReadOnlyDictionary<Loop, long> Iterations { get; init; } = new Dictionary<Loop, long>();

    /// <summary>RAW (read after write), WAR, WAW.</summary>
    public string Kind => First.Writes && Second.Writes && !Second.Reads ? "WAW" : First.Writes && !First.Reads ? (Second.Writes ? "WAW" : "RAW") : Second.Writes ? "WAR" : "RAW";
}

/// <summary>
/// Shared-memory data races (issue 13): pairs of accesses to CTA shared memory, at least one a write and not both
/// atomic, that two different threads can make in one barrier interval (<see cref="BarrierIntervals"/>) with
/// overlapping bytes. Addresses are <see cref="SymbolicValues"/>: parts that are the same for every thread (the
/// variable, parameters, uniform values of the same iteration) must cancel; the rest is computed for concrete threads
/// and loop iterations, and a race is reported only with a witness: two threads, both meeting the conditions on the
/// way (guards such as <c>tid == 0</c>), whose bytes overlap, inside the variable. A data-dependent address, or
/// uniform parts that do not cancel, give no race (uncertainty is not a race).
/// </summary>
public sealed class SharedMemoryRaces
{
    /// <summary>Pairs that get a witness search per function at most (the rest are skipped, <see cref="Truncated"/>).</summary>
    public const int MaxSearches = 1500;

    /// <summary>Functions with more shared accesses than this are not analyzed (<see cref="Truncated"/>): big unrolled library kernels.</summary>
    public const int MaxAccesses = 1500;

    private readonly FunctionAnalyses _fa;
    private readonly PtxFunction _fn;
    private List<SharedAccess>? _accesses;
    private List<SharedRace>? _races;

    public SharedMemoryRaces(FunctionAnalyses fa)
    {
        _fa = fa;
        _fn = fa.Function;
    }

    /// <summary>True when the search stopped at <see cref="MaxSearches"/> or the function was too big for the interval sets.</summary>
    public bool Truncated { get; private set; }
    /// <summary>Pairs that reached the witness search.</summary>
    public int Searches { get; private set; }

    /// <summary>The CTA shared-memory accesses the race analysis models: ld/st/atom/red (.shared, .shared::cta, or generic on a shared variable's address), ldmatrix/stmatrix.</summary>
    public IReadOnlyList<SharedAccess> Accesses => _accesses ??= AnalysisTimings.MeasurePart("shared-memory races", CollectAccesses);

    private List<SharedAccess> CollectAccesses()
    {
        var list = new List<SharedAccess>();
        SymbolicValues? values = null;
        foreach (var insn in _fn.InstructionSpan)
        {
            if (insn.MemoryAccesses.Length == 0) continue;
            string m = insn.Mnemonic;
            bool plain = insn.Opcode is "ld" or "ldu" or "st" or "atom" or "red";
            if (!plain && m is not ("ldmatrix" or "stmatrix")) continue;
            if (insn.Opcode is "ld" && insn.HasPrefix(".global")) continue;
            foreach (var a in insn.MemoryAccesses)
            {
                if (a.Space is not (StateSpace.Shared or StateSpace.Generic)) continue;
                if (a.Access == AccessKind.None) continue;
                // A generic address counts only when it is a shared variable's, which needs an operand naming one.
                if (a.Space == StateSpace.Generic && !_fa.NamesSharedVariable) continue;
                values ??= _fa.Values;
                var addr = values.AddressOf(insn, a.Address);
                if (a.Space == StateSpace.Generic)
                {
                    // A generic access counts when its address is a shared variable's.
                    if (SymbolicValues.BaseSymbol(addr) is not { } s || _fn.FindVariable(s.Name) is not { Space: StateSpace.Shared }) continue;
                }
                int bytes = m is "ldmatrix" or "stmatrix" ? 16 : a.Bytes;
                if (bytes <= 0) continue;
                Expr? stored = null;
                Expr[]? storedElements = null;
                if (insn.Opcode == "st" && insn.Operands.Count == 2)
                {
                    if (insn.Operands[1] is RegisterOperand or ImmediateOperand) stored = values.OfOperand(insn, insn.Operands[1]);
                    else if (insn.Operands[1] is VectorOperand vec) storedElements = StoredElements(values, insn, vec);
                }
                if (stored is not null) storedElements = new[] { stored };
                list.Add(new SharedAccess(insn, a, addr, bytes, values.ConditionsOf(insn)) { StoredValue = stored, StoredElements = storedElements, Ordinal = list.Count });
            }
        }
        return list;
    }

    /// <summary>The values a vector store writes, element by element; null unless every element is a register or an immediate.
    /// (Not a lambda in the loop over instructions: its closure would be allocated for every instruction.)</summary>
    private static Expr[]? StoredElements(SymbolicValues values, Instruction insn, VectorOperand vec)
    {
        for (int i = 0; i < vec.Elements.Count; i++)
            if (vec.Elements[i] is not (RegisterOperand or ImmediateOperand)) return null;
        var elements = new Expr[vec.Elements.Count];
        for (int i = 0; i < elements.Length; i++) elements[i] = values.OfOperand(insn, vec.Elements[i])!;
        return elements;
    }

    /// <summary>Every race found, one per pair of instructions, in the order of the second access.</summary>
    public IReadOnlyList<SharedRace> Races => _races ??= AnalysisTimings.MeasurePart("shared-memory races", Find);

    private readonly record struct PairRelation(bool SameIteration, bool SecondLater, bool FirstLater, Instruction? Splitter, bool WarpConcurrent);

    private List<SharedRace> Find()
    {
        var races = new List<SharedRace>();
        // Code that never asks which thread it is runs identically in every thread (a single-thread test kernel, or
        // clones computing the same values): not analyzed. Asked first: it needs no symbolic values.
        if (!ReadsThreadIdentity()) return races;
        var acc = Accesses;
        if (acc.Count == 0 || !acc.Any(a => a.Writes)) return races;
        if (acc.Count > MaxAccesses) { Truncated = true; return races; }
        var iv = _fa.Intervals;
        if (!iv.IsAnalyzable(SyncScope.Cta) || !iv.IsAnalyzable(SyncScope.Warp)) { Truncated = true; return races; }
        var bounds = Bounds(acc);
        var solver = new WitnessSearch(_fa, bounds, Dims());
        // Pairs only within one variable (different variables never overlap; an unknown base only with an unknown base).
        var groups = new Dictionary<int, List<int>>();
        for (int i = 0; i < acc.Count; i++)
        {
            int key = acc[i].Symbol?.Id ?? -1;
            if (!groups.TryGetValue(key, out var g)) groups[key] = g = new List<int>();
            g.Add(i);
        }
        var startBits = new ulong[acc.Count][];
        for (int i = 0; i < acc.Count; i++) startBits[i] = StartBits(acc[i]);
        foreach (var group in groups.Values.OrderBy(g => g[0]))
        for (int gi = 0; gi < group.Count; gi++)
        {
            for (int gj = gi; gj < group.Count; gj++)
            {
                int i = group[gi], j = group[gj];
                var a = acc[i];
                var b = acc[j];
                if (!a.Writes && !b.Writes) continue;
                if (a.IsAtomic && b.IsAtomic) continue;
                // Two threads in one interval passed the same interval start.
                var ba2 = startBits[i];
                var bb2 = startBits[j];
                bool common = false;
                for (int w = 0; w < ba2.Length && !common; w++) common = (ba2[w] & bb2[w]) != 0;
                if (!common) continue;
                if (SameValueWrites(a, b)) continue;
                if (solver.ProvablyDisjoint(a, b)) continue;
                var rel = Relation(a, b);
                if (rel is not { } relation) continue;
                var sets = ConditionSets(a, b);
                if (sets.Count == 0) continue;
                if (Searches >= MaxSearches) { Truncated = true; return races; }
                Searches++;
                var race = solver.Search(a, b, sets, relation.SameIteration, relation.SecondLater, relation.FirstLater, relation.WarpConcurrent);
                if (race is null) continue;
                // The finding sits at the access that comes second on the barrier-free path (source order when either
                // can come first, or the threads part at a divergent branch).
                var (first, second, t1, t2, o1, o2) = (a, b, race.T1, race.T2, race.O1, race.O2);
                bool ab = iv.Reaches(a.Instruction, b.Instruction, SyncScope.Cta, false);
                bool ba = iv.Reaches(b.Instruction, a.Instruction, SyncScope.Cta, false);
                if (ba && !ab) (first, second, t1, t2, o1, o2) = (b, a, race.T2, race.T1, race.O2, race.O1);
                // Either order is possible (the threads part at a divergent branch): report the read, after the write.
                if ((ab == ba || relation.Splitter is not null) && first.Reads && !first.Writes && second.Writes)
                    (first, second, t1, t2, o1, o2) = (second, first, t2, t1, o2, o1);
                var path = relation.Splitter is null ? iv.PathBetween(first.Instruction, second.Instruction, SyncScope.Cta) : Array.Empty<BasicBlock>();
                races.Add(new SharedRace
                {
                    First = first, Second = second, FirstThread = t1, SecondThread = t2, FirstOffset = o1, SecondOffset = o2,
                    SameWarp = race.SameWarp, AssumedConditions = race.Assumed, Assumptions = race.Assumptions,
                    NeededBlock = race.Needed, WithinPlausibleBlock = race.Plausible, Path = path, Splitter = relation.Splitter,
                    Iterations = race.Iterations,
                });
            }
        }
        races.Sort((x, y) => x.Second.Instruction.Index != y.Second.Instruction.Index
            ? x.Second.Instruction.Index.CompareTo(y.Second.Instruction.Index)
            : x.First.Instruction.Index.CompareTo(y.First.Instruction.Index));
        return races;
    }

    /// <summary>
    /// Two plain stores of one CTA-uniform value (<c>flag = 0</c> by every thread, <c>unlock_s[warp] = 0</c> by every lane):
    /// whichever lands last, the bytes hold the same value. Not reported.
    /// </summary>
    private static bool SameValueWrites(SharedAccess a, SharedAccess b)
    {
        if (a.Reads || b.Reads || a.StoredValue is not { } va || b.StoredValue is not { } vb || a.Bytes != b.Bytes) return false;
        if (!va.Equals(vb)) return false;
        foreach (var (atom, _) in va.Terms)
            if (!atom.IsThreadInvariant || atom.Origins.Count > 0 && a.Instruction != b.Instruction) return false;
        return true;
    }

    private readonly Dictionary<int, IReadOnlyList<(int Start, Instruction? Cut)>> _starts = new();
    // per access (by its ordinal): the bit set of its interval starts (an array, not a dictionary keyed by the
    // access: hashing an object by identity costs more than the rest of the lookup)
    private ulong[]?[]? _startBits;
    private Dictionary<int, int>? _startIndex;

    /// <summary>The interval starts of an access as a bit set (over the starts of the function, by first use).</summary>
    private ulong[] StartBits(SharedAccess a)
    {
        var known = _startBits ??= new ulong[]?[Accesses.Count];
        if (known[a.Ordinal] is { } bits) return bits;
        _startIndex ??= new Dictionary<int, int>();
        var list = StartsOf(a.Instruction);
        // by index: a foreach over the interface boxes the list's enumerator
        for (int k = 0; k < list.Count; k++)
            _startIndex.TryAdd(list[k].Start, _startIndex.Count);
        bits = new ulong[Math.Max(1, (_fa.Intervals.Cuts(SyncScope.Cta).Count + 1 + 63) / 64)];
        for (int k = 0; k < list.Count; k++)
        {
            int i = _startIndex[list[k].Start];
            if (i / 64 < bits.Length) bits[i / 64] |= 1UL << (i % 64);
        }
        known[a.Ordinal] = bits;
        return bits;
    }

    private IReadOnlyList<(int Start, Instruction? Cut)> StartsOf(Instruction x)
    {
        if (!_starts.TryGetValue(x.Index, out var list)) _starts[x.Index] = list = _fa.Intervals.StartsOf(x, SyncScope.Cta);
        return list;
    }

    private readonly List<(IReadOnlyList<ThreadCondition> A, IReadOnlyList<ThreadCondition> B)> _conditionSets = new();

    /// <summary>
    /// The conditions each of the two threads meets, one set per interval start both accesses are reachable from (two
    /// threads in one interval passed the same start): the guards that dominate the access, plus the branch outcomes on
    /// every cut-free path from that start. Empty when no start reaches both. The list is this analysis's scratch,
    /// refilled by the next call: the search reads it and keeps nothing of it.
    /// </summary>
    private List<(IReadOnlyList<ThreadCondition> A, IReadOnlyList<ThreadCondition> B)> ConditionSets(SharedAccess a, SharedAccess b)
    {
        var result = _conditionSets;
        result.Clear();
        var sb = StartsOf(b.Instruction);
        var sa = StartsOf(a.Instruction);
        for (int i = 0; i < sa.Count; i++)
        {
            var st = sa[i];
            bool both = false;
            for (int j = 0; j < sb.Count && !both; j++) both = sb[j].Start == st.Start;
            if (!both) continue;
            result.Add((Conditions(a, st.Start), Conditions(b, st.Start)));
            if (result.Count >= 4) break;
        }
        return result;
    }

    // by access ordinal and interval start, packed into one key
    private readonly Dictionary<long, IReadOnlyList<ThreadCondition>> _conditions = new();

    private IReadOnlyList<ThreadCondition> Conditions(SharedAccess acc, int start)
    {
        long key = (long)acc.Ordinal << 32 | (uint)start;
        if (_conditions.TryGetValue(key, out var cached)) return cached;
        var list = ComputeConditions(acc, start);
        _conditions[key] = list;
        return list;
    }

    private IReadOnlyList<ThreadCondition> ComputeConditions(SharedAccess acc, int start)
    {
        var list = new List<ThreadCondition>(acc.Conditions);
        var values = _fa.Values;
        foreach (var (br, taken, same) in _fa.Intervals.ConditionsFrom(start, acc.Instruction, SyncScope.Cta))
        {
            if (HasCondition(list, br, taken)) continue;
            var pred = values.PredicateOf(br, br.Guard!);
            // A loop's exit test, for an access after the loop: it held at some iteration, its loop-variant part says nothing.
            bool exitTest = false;
            for (var l = _fa.Loops.LoopOf(_fa.Cfg.BlockOf(br)); l is not null && !exitTest; l = l.Parent)
                exitTest = !l.Contains(_fa.Cfg.BlockOf(acc.Instruction)) && Pred.AnyVariantIn(pred, l);
            if (exitTest) continue;
            if (!same)
            {
                // Evaluated in an earlier iteration: only its loop-invariant part still holds.
                bool variant = false;
                for (var l = _fa.Loops.LoopOf(_fa.Cfg.BlockOf(br)); l is not null && !variant; l = l.Parent)
                    variant = Pred.AnyVariantIn(pred, l);
                if (variant) continue;
            }
            list.Add(new ThreadCondition(pred, taken, br));
        }
        return list;
    }

    // a loop, not list.Any with a lambda: the lambda's closure was allocated for every branch asked about
    private static bool HasCondition(List<ThreadCondition> list, Instruction branch, bool taken)
    {
        foreach (var c in list)
            if (c.Source == branch && c.Polarity == taken) return true;
        return false;
    }

    /// <summary>How two accesses can be concurrent: null when a cut separates them on every path.</summary>
    private PairRelation? Relation(SharedAccess a, SharedAccess b)
    {
        var iv = _fa.Intervals;
        var x = a.Instruction;
        var y = b.Instruction;
        bool Concurrent(SyncScope s, bool fwd, out Instruction? split)
        {
            split = null;
            if (x == y || iv.Reaches(x, y, s, fwd) || iv.Reaches(y, x, s, fwd)) return true;
            if (!fwd) return false;
            split = iv.Splitter(x, y, s);
            return split is not null;
        }
        bool same = Concurrent(SyncScope.Cta, true, out var splitter);
        bool bLater = !same && iv.Reaches(x, y, SyncScope.Cta, false);
        bool aLater = !same && iv.Reaches(y, x, SyncScope.Cta, false);
        if (!same && !bLater && !aLater) return null;
        bool warp = Concurrent(SyncScope.Warp, true, out _) || iv.Reaches(x, y, SyncScope.Warp, false) || iv.Reaches(y, x, SyncScope.Warp, false);
        return new PairRelation(same, bLater, aLater, splitter, warp);
    }

    private bool ReadsThreadIdentity()
    {
        foreach (var u in _fa.SpecialRegisters.Registers)
            if (u.Name is "%tid" or "%laneid" or "%warpid" || u.Name.StartsWith("%lanemask", StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>1, 2 or 3: the highest %tid component the function reads.</summary>
    private int Dims()
    {
        var specials = _fa.SpecialRegisters;
        return specials.Reads("%tid", "z") ? 3 : specials.Reads("%tid", "y") ? 2 : 1;
    }

    /// <summary>
    /// The block the witness search may use: .reqntid/.maxntid when declared; else 1024 threads in 1-D (fewer when an
    /// unconditional access <c>var[a*tid.x + c]</c> would run past a sized variable with more), 16x8(x4) in 2-D/3-D.
    /// </summary>
    private BlockBounds Bounds(IReadOnlyList<SharedAccess> accesses)
    {
        var perf = _fn.Performance;
        int dims = Dims();
        if ((perf.ReqNtid ?? perf.MaxNtid) is { Length: > 0 } d && (d.Length >= dims || d.Length > 1))
            return new BlockBounds(d[0], d.Length > 1 ? d[1] : 1, d.Length > 2 ? d[2] : 1, perf.ReqNtid is not null ? ".reqntid" : ".maxntid");
        if (dims > 1)
        {
            // `.maxntid 1024` bounds the thread count, not the shape: use a box every common 2-D/3-D launch holds.
            // Without a declared shape, witnesses stay in the box every common 2-D/3-D launch holds (8x4x2).
            var (px, py, pz) = BlockBounds.Plausible(dims);
            return new BlockBounds(px, py, dims > 2 ? pz : 1, "default");
        }
        int x = 1024;
        string source = "default";
        foreach (var a in accesses)
        {
            if (a.Conditions.Count > 0 || a.Symbol is null || _fn.FindVariable(a.Symbol.Name) is not { ByteSize: long size } v || v.IsExtern) continue;
            var rest = a.Address - Expr.Of(a.Symbol);
            if (rest.Terms.Length != 1 || rest.Terms[0].Atom.Kind != AtomKind.ThreadIndex || rest.Terms[0].Atom.Name != "x") continue;
            long c = rest.Terms[0].Coefficient;
            if (c <= 0) continue;
            long max = (size - a.Bytes - rest.Constant) / c + 1;
            if (max >= 1 && max < x)
            {
                x = (int)max;
                source = $"line {a.Instruction.Span.StartLine} indexes {v.Name} ({size} bytes) by %tid.x for every thread";
            }
        }
        return new BlockBounds(x, 1, 1, source);
    }
}

/// <summary>The search for two threads whose accesses overlap (see <see cref="SharedMemoryRaces"/>).</summary>
internal sealed class WitnessSearch
{
    internal sealed record Result(ThreadBinding T1, ThreadBinding T2, long? O1, long? O2, bool SameWarp, IReadOnlyList<ThreadCondition> Assumed,
                                  IReadOnlyList<string> Assumptions, (int X, int Y, int Z) Needed, bool Plausible, IReadOnlyDictionary<Loop, long> Iterations);

    private const int MaxIteration = 2; // iterations 0 .. MaxIteration-1 of each loop

    private readonly FunctionAnalyses _fa;
    private readonly BlockBounds _bounds;
    private readonly int _dims;

    public WitnessSearch(FunctionAnalyses fa, BlockBounds bounds, int dims)
    {
        _fa = fa;
        _bounds = bounds;
        _dims = dims;
    }

    private static bool Contains(Loop l, Instruction i, ControlFlowGraph cfg) => l.Contains(cfg.BlockOf(i));

    // per access (by its ordinal), once split: an array, not a dictionary keyed by the access
    private (bool Ok, Expr Shared, Expr PerThread)?[] _split = Array.Empty<(bool, Expr, Expr)?>();

    private (bool Ok, Expr Shared, Expr PerThread) SplitOf(SharedAccess a)
    {
        if (a.Ordinal >= _split.Length) Array.Resize(ref _split, Math.Max(a.Ordinal + 1, 2 * _split.Length));
        ref var slot = ref _split[a.Ordinal];
        if (slot is { } r) return r;
        bool ok = Split(a.Address, out var sh, out var pt);
        slot = r = (ok, sh, pt);
        return r;
    }

    /// <summary>
    /// A cheap proof that two different threads never touch overlapping bytes, before any search: the shared parts differ
    /// only by what the search would reject anyway, or the thread-dependent parts are <c>a*%tid.x + c1</c> and
    /// <c>a*%tid.x + c2</c> with no non-zero thread difference d for which <c>a*d + c1 - c2</c> falls in the overlap window.
    /// Also true when the address cannot be compared at all (uncertain: no race).
    /// </summary>
    public bool ProvablyDisjoint(SharedAccess a, SharedAccess b)
    {
        var (okA, shA, ptA) = SplitOf(a);
        var (okB, shB, ptB) = SplitOf(b);
        if (!okA || !okB) return true;
        if (!shA.Equals(shB)) return true; // shared parts that do not cancel: no comparison, no race (both have no constant)
        if (!SameTerms(ptA, ptB)) return false;
        // Same thread-dependent part f(t): overlap needs f(t1) - f(t2) + c in [1 - wA, wB - 1] for t1 != t2.
        long c = ptA.Constant - ptB.Constant;
        if (ptA.Terms.Length != 1) return false;
        var (atom, coef) = ptA.Terms[0];
        if (atom.Kind != AtomKind.ThreadIndex || coef == 0) return false;
        long lo = 1 - a.Bytes - c, hi = b.Bytes - 1 - c; // a*d must lie in [lo, hi]
        long bound = atom.Name switch { "x" => _bounds.X, "y" => _bounds.Y, _ => _bounds.Z };
        long k = Math.Abs(coef);
        // multiples of k in [lo, hi], other than 0, with |d| < bound
        long first = (long)Math.Ceiling(lo / (double)k), last = (long)Math.Floor(hi / (double)k);
        for (long m = first; m <= last; m++)
            if (m != 0 && Math.Abs(m) < bound) return false;
        return true;
    }

    private static bool SameTerms(Expr x, Expr y)
    {
        if (x.Terms.Length != y.Terms.Length) return false;
        for (int i = 0; i < x.Terms.Length; i++)
            if (x.Terms[i].Atom != y.Terms[i].Atom || x.Terms[i].Coefficient != y.Terms[i].Coefficient) return false;
        return true;
    }

    /// <summary>Finds a witness for accesses a and b (null: none, or the addresses cannot be compared).</summary>
    public Result? Search(SharedAccess a, SharedAccess b, List<(IReadOnlyList<ThreadCondition> A, IReadOnlyList<ThreadCondition> B)> conditionSets,
                          bool sameIteration, bool bLater, bool aLater, bool warpConcurrent)
    {
        var cfg = _fa.Cfg;
        var loopsA = LoopsOf(a.Instruction);
        var loopsB = LoopsOf(b.Instruction);
        var iv = _fa.Intervals;
        // For each common loop: how the two iterations relate (0: equal, +1: b one later, -1: a one later, null: any).
        // scratch of this search (nothing of it outlives the search: results copy what they keep)
        var relation = _relation;
        relation.Clear();
        var common = _common;
        common.Clear();
        foreach (var l in loopsA)
            if (Contains(l, b.Instruction, cfg)) common.Add(l);
        Loop? innermostSync = null;
        foreach (var l in common)
            if (!iv.IsBarrierFree(l, SyncScope.Cta)) { innermostSync = l; break; }
        foreach (var l in common)
        {
            if (iv.IsBarrierFree(l, SyncScope.Cta)) relation[l] = null;
            else if (sameIteration || l != innermostSync) relation[l] = 0;
            else relation[l] = bLater ? 1 : -1;
        }
        // Split the addresses: parts every thread shares must cancel, thread-dependent parts must be computable.
        var (okA, invA, varA) = SplitOf(a);
        var (okB, invB, varB) = SplitOf(b);
        if (!okA || !okB) return null;
        var invDiff = invA - invB;
        if (invDiff.Terms.Length > 0) return null;
        // A shared part defined inside a loop is the same value only in the same iteration.
        List<Loop>? loopsAB = null; // the loops of a, then those of b not already in it
        foreach (var (atom, _) in invA.Terms)
        {
            if (atom.Kind == AtomKind.Symbol) continue;
            if (loopsAB is null)
            {
                loopsAB = new List<Loop>(loopsA);
                foreach (var l in loopsB)
                    if (!loopsAB.Contains(l)) loopsAB.Add(l);
            }
            foreach (var l in loopsAB)
                if (atom.IsVariantIn(l) && (!relation.TryGetValue(l, out var r) || r != 0)) return null;
        }
        long invConst = invA.Constant; // equal to invB.Constant (the difference is zero)
        bool hasOtherInv = invA.Terms.Any(t => t.Atom.Kind != AtomKind.Symbol);
        var sym = a.Symbol;
        var variable = sym is null ? null : _fa.Function.FindVariable(sym.Name);
        // Witnesses must stay inside an array (a thread index past its end means a smaller block); a scalar indexed by
        // the thread is an overrun already (PTX006), and the bytes it reaches still race.
        long? size = variable is { IsExtern: false, ElementCount: > 1 } || variable is { IsExtern: false, VectorWidth: > 1 } ? variable.ByteSize : null;

        // Loops whose counters appear in the thread-dependent parts.
        var loops = _loops;
        loops.Clear();
        foreach (var (atom, _) in varA.Terms) CollectLoops(atom, loops);
        foreach (var (atom, _) in varB.Terms) CollectLoops(atom, loops);
        foreach (var (ca, cb) in conditionSets)
        {
            CollectLoops(ca, loops);
            CollectLoops(cb, loops);
        }
        // A pair one iteration apart needs the loop to run twice: enumerate its iteration number even when no address uses it.
        if (innermostSync is not null && relation[innermostSync] is 1 or -1 && !loops.Contains(innermostSync)) loops.Add(innermostSync);
        var combos = CachedIterationCombos(loops, relation, loopsA, loopsB);
        if (combos.Count == 0) return null;

        var usable = _usable;
        usable.Clear();
        var both = _both;
        foreach (var cs in conditionSets)
        {
            both.Clear();
            both.AddRange(cs.A);
            both.AddRange(cs.B);
            if (!Contradicts(both)) usable.Add(cs);
        }
        // The thread-index components the pair depends on: threads that differ only in a component neither address nor
        // condition reads are not taken as witnesses (a kernel that reads %tid.y for cooperative groups is still 1-D).
        int mask = 0;
        foreach (var (atom, _) in varA.Terms) mask |= Components(atom);
        foreach (var (atom, _) in varB.Terms) mask |= Components(atom);
        foreach (var (ca, cb) in usable) mask |= Components(ca) | Components(cb);
        if ((mask & 8) != 0) mask = (mask & 7) | 1; // %laneid: the linear index, x first
        if (mask == 0) mask = 1;
        int dims = (mask & 4) != 0 ? 3 : (mask & 2) != 0 ? 2 : 1;
        var plausible = BlockBounds.Plausible(dims);
        // A tile indexed a*%tid.x + b*%tid.y (b a multiple of a) has rows of b/a: %tid.x stays below the row length
        // (a witness that needs %tid.x past it wraps into the next row, which the launch does not have).
        _rowX = RowLimit(varA, "x", "y", RowLimit(varB, "x", "y", int.MaxValue));
        _rowY = RowLimit(varA, "y", "z", RowLimit(varB, "y", "z", int.MaxValue));
        // Most pairs have no witness: try the largest box with every allowance once, and search the smaller boxes only
        // when that finds one (they give the smallest witness).
        var boxes = Boxes(mask);
        var largest = boxes[^1];
        bool any = false;
        foreach (var (condA, condB) in usable)
        {
            foreach (var (ka, kb) in combos)
                if (SearchBox(a, b, condA, condB, varA, varB, ka, kb, largest, true, warpConcurrent, invConst, hasOtherInv, size) is not null) { any = true; break; }
            if (any) break;
        }
        if (!any) return null;
        // The smallest witness wins, but a pair of lanes of one warp only until a pair of different warps turns up in a
        // larger box of the same pass (a cross-warp race does not hinge on warp-synchronous execution).
        Result? sameWarpWitness = null;
        for (int pass = 0; pass < 2; pass++)
        {
            bool allowUnknown = pass == 1;
            if (sameWarpWitness is not null) return sameWarpWitness;
            foreach (var (condA, condB) in usable)
            {
                foreach (var box in boxes)
                {
                    foreach (var (ka, kb) in combos)
                    {
                        var r = SearchBox(a, b, condA, condB, varA, varB, ka, kb, box, allowUnknown, warpConcurrent, invConst, hasOtherInv, size, sameWarpWitness is not null);
                        if (r is null) continue;
                        var (t1, t2, v1, v2, assumed) = r.Value;
                        // Iterations past the first need a trip count the analysis can see (a parameter bound is not assumed).
                        if (!RunsLongEnough(t1, ka) || !RunsLongEnough(t2, kb)) continue;
                        var needed = ((int)Math.Max(t1.X, t2.X) + 1, (int)Math.Max(t1.Y, t2.Y) + 1, (int)Math.Max(t1.Z, t2.Z) + 1);
                        bool declared = _bounds.Source is ".reqntid" or ".maxntid"; // a declared bound is what the author launches with
                        bool isPlausible = declared || needed.Item1 <= plausible.X && needed.Item2 <= plausible.Y && needed.Item3 <= plausible.Z;
                        // Without a declared block shape, a witness that needs more threads than common launches have is not
                        // evidence (code written for exactly 256 threads wraps its indices at 256).
                        if (!isPlausible && _bounds.Source is not ".maxntid") continue;
                        var assumptions = new List<string>();
                        if (_bounds.Source != ".reqntid")
                            assumptions.Add(dims == 1 ? $"a block of at least {needed.Item1} threads" : $"a block of at least ({needed.Item1},{needed.Item2},{needed.Item3}) threads");
                        var iters = new Dictionary<Loop, long>();
                        foreach (var l in loops)
                        {
                            long k = Math.Max(ka.GetValueOrDefault(l), kb.GetValueOrDefault(l));
                            if (k > 0)
                            {
                                iters[l] = k;
                                assumptions.Add($"the loop at line {HeaderLine(l)} runs at least {k + 1} iterations");
                            }
                        }
                        bool sameWarp = t1.Warp is long w1 && t2.Warp is long w2 && w1 == w2;
                        var result = new Result(t1, t2, hasOtherInv ? null : invConst + v1, hasOtherInv ? null : invConst + v2,
                            sameWarp, assumed, assumptions, needed, isPlausible, iters);
                        if (sameWarpWitness is null) { if (!sameWarp) return result; sameWarpWitness = result; continue; }
                        // A larger box is a better witness only with no more assumptions than the one in hand.
                        if (!isPlausible && sameWarpWitness.Plausible) return sameWarpWitness;
                        if (!sameWarp && assumed.Count <= sameWarpWitness.Assumed.Count && iters.Count <= sameWarpWitness.Iterations.Count) return result;
                    }
                }
            }
        }
        return sameWarpWitness;
    }

    /// <summary>
    /// True when, for thread <paramref name="t"/>, each loop of <paramref name="iterations"/> provably reaches the given
    /// iteration: no exit test leaves it earlier (header tests through that iteration, other exits before it).
    /// </summary>
    private bool RunsLongEnough(ThreadBinding t, Dictionary<Loop, long> iterations)
    {
        var cfg = _fa.Cfg;
        var values = _fa.Values;
        foreach (var (loop, n) in iterations)
        {
            if (n <= 0) continue;
            foreach (var br in loop.ExitBranches)
            {
                if (br.Guard is not { } g || br.Info.Flow != FlowKind.Branch) return false;
                var block = cfg.BlockOf(br);
                var target = ControlFlowGraph.BranchTarget(br);
                var taken = block.Successors.FirstOrDefault(s => target is not null && s.Labels.Contains(target));
                if (taken is null) return false;
                bool exitWhenTrue = !loop.Contains(taken);
                var pred = values.PredicateOf(br, g);
                long last = block == loop.Header ? n : n - 1;
                for (long j = 0; j <= last; j++)
                {
                    var it = new Dictionary<Loop, long>(iterations) { [loop] = j };
                    var tb = new ThreadBinding { X = t.X, Y = t.Y, Z = t.Z, BlockX = t.BlockX, BlockY = t.BlockY, Iterations = it };
                    if (pred.Evaluate(tb) is not bool v || v == exitWhenTrue) return false;
                }
            }
        }
        return true;
    }

    private int HeaderLine(Loop l) => l.Header.Start < _fa.Function.Instructions.Count ? _fa.Function.Instructions[l.Header.Start].Span.StartLine : 0;

    private readonly Dictionary<Loop, int?> _relation = new();
    private readonly List<Loop> _common = new(), _loops = new();
    private readonly List<(IReadOnlyList<ThreadCondition> A, IReadOnlyList<ThreadCondition> B)> _usable = new();
    private readonly List<ThreadCondition> _both = new();
    private readonly Dictionary<BasicBlock, List<Loop>> _loopsOf = new();

    /// <summary>The loops around an instruction, innermost first (per block, made once; read only).</summary>
    private List<Loop> LoopsOf(Instruction i)
    {
        var block = _fa.Cfg.BlockOf(i);
        if (_loopsOf.TryGetValue(block, out var known)) return known;
        var list = new List<Loop>();
        for (var l = _fa.Loops.LoopOf(block); l is not null; l = l.Parent) list.Add(l);
        _loopsOf[block] = list;
        return list;
    }

    private static void CollectLoops(Atom atom, List<Loop> loops)
    {
        if (atom.Kind is AtomKind.LoopCounter or AtomKind.Induction && atom.Loop is { } l && !loops.Contains(l)) loops.Add(l);
        foreach (var e in atom.Args)
            foreach (var (t, _) in e.Terms) CollectLoops(t, loops);
    }

    private static void CollectLoops(Pred p, List<Loop> loops)
    {
        foreach (var a in p.Atoms()) CollectLoops(a, loops);
    }

    private static void CollectLoops(IReadOnlyList<ThreadCondition> conditions, List<Loop> loops)
    {
        for (int k = 0; k < conditions.Count; k++) CollectLoops(conditions[k].Predicate, loops);
    }

    /// <summary>Iteration numbers for the two accesses, per loop that matters, consistent with how their iterations relate.</summary>
    // the combination of a search whose addresses and conditions name no loop: the first iteration of nothing, for both
    // accesses (shared by every such search; never written: the searches and their results only read iterations)
    private static readonly List<(Dictionary<Loop, long>, Dictionary<Loop, long>)> NoLoops = new() { (new(), new()) };

    // the combinations per shape of the question (which loops, in which order, which access each holds, how their
    // iterations relate), so that the searches of one function share them, and with them their iteration keys
    private readonly Dictionary<string, List<(Dictionary<Loop, long>, Dictionary<Loop, long>)>> _combos = new(StringComparer.Ordinal);

    /// <summary><see cref="IterationCombos"/>, made once per shape: three characters per loop (header id, and a code of what decides its pairs).</summary>
    private List<(Dictionary<Loop, long>, Dictionary<Loop, long>)> CachedIterationCombos(List<Loop> loops, Dictionary<Loop, int?> relation, List<Loop> loopsA, List<Loop> loopsB)
    {
        if (loops.Count == 0) return NoLoops;
        Span<char> key = loops.Count <= 128 ? stackalloc char[loops.Count * 3] : new char[loops.Count * 3];
        for (int i = 0; i < loops.Count; i++)
        {
            var l = loops[i];
            bool inA = loopsA.Contains(l), inB = loopsB.Contains(l);
            int rel = !(inA && inB) ? 0 : relation.GetValueOrDefault(l) switch { 0 => 1, 1 => 2, -1 => 3, _ => 0 };
            key[3 * i] = (char)(l.Header.Id & 0xFFFF);
            key[3 * i + 1] = (char)((uint)l.Header.Id >> 16);
            key[3 * i + 2] = (char)((inA ? 1 : 0) | (inB ? 2 : 0) | rel << 2);
        }
        var lookup = _combos.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(key, out var cached)) return cached;
        var combos = IterationCombos(loops, relation, loopsA, loopsB);
        _combos[new string(key)] = combos;
        return combos;
    }

    private static List<(Dictionary<Loop, long>, Dictionary<Loop, long>)> IterationCombos(List<Loop> loops, Dictionary<Loop, int?> relation, List<Loop> loopsA, List<Loop> loopsB)
    {
        if (loops.Count == 0) return NoLoops;
        var result = new List<(Dictionary<Loop, long>, Dictionary<Loop, long>)> { (new(), new()) };
        foreach (var l in loops)
        {
            var pairs = new List<(long?, long?)>();
            bool inA = loopsA.Contains(l), inB = loopsB.Contains(l);
            if (inA && inB)
            {
                var rel = relation.GetValueOrDefault(l);
                if (rel == 0) for (long k = 0; k < MaxIteration; k++) pairs.Add((k, k));
                else if (rel == 1) for (long k = 0; k + 1 < MaxIteration + 1; k++) pairs.Add((k, k + 1));
                else if (rel == -1) for (long k = 0; k + 1 < MaxIteration + 1; k++) pairs.Add((k + 1, k));
                else for (long p = 0; p < MaxIteration; p++) for (long q = 0; q < MaxIteration; q++) pairs.Add((p, q));
            }
            else if (inA) for (long k = 0; k < MaxIteration; k++) pairs.Add((k, null));
            else if (inB) for (long k = 0; k < MaxIteration; k++) pairs.Add((null, k));
            else continue;
            var next = new List<(Dictionary<Loop, long>, Dictionary<Loop, long>)>();
            foreach (var (ra, rb) in result)
                foreach (var (p, q) in pairs)
                {
                    var na = new Dictionary<Loop, long>(ra);
                    var nb = new Dictionary<Loop, long>(rb);
                    if (p is long pa) na[l] = pa;
                    if (q is long qb) nb[l] = qb;
                    next.Add((na, nb));
                }
            result = next;
            if (result.Count > 64) break;
        }
        // Fewest iterations first: a witness in the first iteration needs no assumption about trip counts.
        result.Sort((x, y) => (x.Item1.Values.Sum() + x.Item2.Values.Sum()).CompareTo(y.Item1.Values.Sum() + y.Item2.Values.Sum()));
        return result;
    }

    /// <summary>Splits an address into the part every thread shares (variable, uniform values) and the part computed per thread; false when neither fits (a thread-varying value the analysis cannot compute).</summary>
    private static bool Split(Expr address, out Expr shared, out Expr perThread)
    {
        shared = Expr.Zero;
        perThread = Expr.Const(address.Constant);
        foreach (var (atom, c) in address.Terms)
        {
            if (atom.ThreadEvaluable) perThread += Expr.Of(atom).Scale(c);
            else if (atom.IsThreadInvariant) shared += Expr.Of(atom).Scale(c);
            else return false;
        }
        return true;
    }

    private int _rowX = int.MaxValue, _rowY = int.MaxValue;

    private static int RowLimit(Expr e, string inner, string outer, int limit)
    {
        long a = 0, b = 0;
        foreach (var (atom, c) in e.Terms)
        {
            if (atom.Kind != AtomKind.ThreadIndex) continue;
            if (atom.Name == inner) a = c;
            else if (atom.Name == outer) b = c;
        }
        if (a > 0 && b > a && b % a == 0 && b / a < limit) return (int)(b / a);
        return limit;
    }

    /// <summary>x=1, y=2, z=4, lane=8: the thread-index components an atom reads.</summary>
    private static int Components(Atom atom)
    {
        int m = atom.Kind switch
        {
            AtomKind.ThreadIndex => atom.Name switch { "x" => 1, "y" => 2, _ => 4 },
            AtomKind.LaneId => 8,
            _ => 0,
        };
        foreach (var e in atom.Args)
            foreach (var (t, _) in e.Terms) m |= Components(t);
        return m;
    }

    /// <summary>The thread-index components the predicates of <paramref name="conditions"/> read (see <see cref="Components(Atom)"/>).</summary>
    private static int Components(IReadOnlyList<ThreadCondition> conditions)
    {
        int m = 0;
        for (int k = 0; k < conditions.Count; k++)
            foreach (var atom in conditions[k].Predicate.Atoms()) m |= Components(atom);
        return m;
    }

    private static readonly int[] LinearSteps = { 2, 8, 32, 64, 128, 256, 512, 1024 };
    private static readonly (int, int, int)[] BoxSteps = { (2, 2, 2), (4, 2, 2), (8, 4, 2), (16, 8, 4), (32, 16, 4), (64, 16, 4) };

    private readonly Dictionary<(int Mask, int RowX, int RowY), List<(int X, int Y, int Z)>> _boxes = new();

    /// <summary><see cref="BoxesFor"/>, made once per mask and row limits (read only).</summary>
    private List<(int X, int Y, int Z)> Boxes(int mask)
    {
        var key = (mask, _rowX, _rowY);
        if (!_boxes.TryGetValue(key, out var boxes)) _boxes[key] = boxes = BoxesFor(mask);
        return boxes;
    }

    /// <summary>
    /// Growing boxes of threads (smallest witnesses first), within the bounds, over the components in
    /// <paramref name="mask"/>; never empty.
    /// </summary>
    private List<(int X, int Y, int Z)> BoxesFor(int mask)
    {
        var b = _bounds;
        var boxes = new List<(int X, int Y, int Z)>(8);
        bool useY = (mask & 2) != 0, useZ = (mask & 4) != 0;
        if (!useY && !useZ)
        {
            foreach (var m in LinearSteps)
            {
                int x = Math.Min(m, b.X);
                boxes.Add((x, 1, 1));
                if (x >= b.X) break;
            }
            return boxes;
        }
        (int, int, int) last = (0, 0, 0);
        foreach (var (x0, y0, z0) in BoxSteps)
        {
            var box = ((mask & 1) != 0 ? Math.Min(Math.Min(x0, b.X), _rowX) : 1, useY ? Math.Min(Math.Min(y0, b.Y), _rowY) : 1, useZ ? Math.Min(z0, b.Z) : 1);
            if (box == last) break;
            last = box;
            boxes.Add(box);
        }
        return boxes;
    }

    /// <summary>
    /// Two plain stores race harmfully only when they store different data: a redundant copy (threads t and t+16 of a tile
    /// both store the element loaded from one address) or one value every thread computes is not reported. The data
    /// differs when the stores store different expressions, or the same expression computes differently for the two
    /// threads: a thread-dependent part evaluates differently, or a load reads different addresses. Values the analysis
    /// cannot compare (a merge, a shuffle, an atomic's result) are not taken as different.
    /// </summary>
    private bool DifferentData(SharedAccess a, SharedAccess b, ThreadBinding t1, ThreadBinding t2)
    {
        if (a.Reads || b.Reads) return true;
        if (a.StoredElements is not { } ea || b.StoredElements is not { } eb) return true;
        if (ea.Length != eb.Length || a.Bytes != b.Bytes) return true;
        for (int i = 0; i < ea.Length; i++)
        {
            _othersA.Clear();
            _othersB.Clear();
            if (Value(ea[i], t1, 0, _othersA, out long sa) && Value(eb[i], t2, 0, _othersB, out long sb) && sa != sb
                && CollectionsMarshal.AsSpan(_othersA).SequenceEqual(CollectionsMarshal.AsSpan(_othersB)))
                return true;
        }
        return false;
    }

    private const int MaxValueDepth = 4;
    private readonly List<long> _othersA = new(), _othersB = new();
    // per depth of Value: the parts being collected, where each starts and how long it is, and an address's parts
    private readonly List<long>[] _parts = NewLists<long>(MaxValueDepth + 1);
    private readonly List<(int Start, int Length)>[] _partRanges = NewLists<(int, int)>(MaxValueDepth + 1);
    private readonly List<long>[] _addressParts = NewLists<long>(MaxValueDepth + 2);
    private readonly Dictionary<int, Expr> _loadAddresses = new();

    private static List<T>[] NewLists<T>(int n) => Enumerable.Range(0, n).Select(_ => new List<T>()).ToArray();

    /// <summary>
    /// A stored value for one thread, in a form two threads' values can be compared in: <paramref name="sum"/>, the sum
    /// of its thread-dependent parts (computed), and, appended to <paramref name="others"/>, the parts it cannot compute
    /// as one canonical sequence of numbers: a CTA-uniform atom as (0, coefficient, atom id); a load as (1, coefficient,
    /// the load's index, its address's sum, the length of its address's parts, those parts). The parts are sorted, so two
    /// values of the same parts give the same sequence. False when a part cannot be compared (a merge, a shuffle, an
    /// atomic's result). The scratch lists are per depth and reused: the search's inner loop allocates nothing here.
    /// </summary>
    private bool Value(Expr e, ThreadBinding t, int depth, List<long> others, out long sum)
    {
        sum = 0;
        if (depth > MaxValueDepth) return false;
        sum = e.Constant;
        var parts = _parts[depth];
        var ranges = _partRanges[depth];
        parts.Clear();
        ranges.Clear();
        foreach (var (atom, coef) in e.Terms)
        {
            if (atom.ThreadEvaluable)
            {
                if (SymbolicValues.Evaluate(atom, t) is not long x) return false;
                sum += coef * x;
                continue;
            }
            if (atom.IsThreadInvariant && atom.Origins.Count == 0)
            {
                ranges.Add((parts.Count, 3));
                parts.Add(0); parts.Add(coef); parts.Add(atom.Id);
                continue;
            }
            if (atom.Kind == AtomKind.Opaque && atom.Origin is { } ld && ld.Opcode is "ld" or "ldu" && ld.MemoryAccesses.Length == 1
                && !ld.Has(".volatile") && !ld.HasPrefix(".relaxed") && !ld.HasPrefix(".acquire"))
            {
                if (!_loadAddresses.TryGetValue(ld.Index, out var address))
                    _loadAddresses[ld.Index] = address = _fa.Values.AddressOf(ld, ld.MemoryAccesses[0].Address);
                var addressParts = _addressParts[depth + 1];
                addressParts.Clear();
                if (!Value(address, t, depth + 1, addressParts, out long addressSum)) return false;
                ranges.Add((parts.Count, 5 + addressParts.Count));
                parts.Add(1); parts.Add(coef); parts.Add(ld.Index); parts.Add(addressSum); parts.Add(addressParts.Count);
                parts.AddRange(addressParts);
                continue;
            }
            return false;
        }
        // Values that differ only in what they load (different addresses) may still be equal (a symmetric matrix):
        // only a difference in the computed sum, with the same loads, counts. The parts in order (insertion sort: few).
        var all = CollectionsMarshal.AsSpan(parts);
        for (int k = 1; k < ranges.Count; k++)
        {
            var r = ranges[k];
            int m = k - 1;
            while (m >= 0 && all.Slice(ranges[m].Start, ranges[m].Length).SequenceCompareTo(all.Slice(r.Start, r.Length)) > 0)
            {
                ranges[m + 1] = ranges[m];
                m--;
            }
            ranges[m + 1] = r;
        }
        foreach (var (start, length) in ranges)
            for (int k = start; k < start + length; k++) others.Add(parts[k]);
        return true;
    }

    /// <summary>
    /// True when the conditions contradict each other for any two threads of one interval: the same CTA-uniform predicate
    /// required both true and false (the two sides of a uniform branch are never taken together).
    /// </summary>
    private static bool Contradicts(List<ThreadCondition> conditions)
    {
        for (int i = 0; i < conditions.Count; i++)
            for (int j = i + 1; j < conditions.Count; j++)
            {
                var x = conditions[i];
                var y = conditions[j];
                if (x.Polarity == y.Polarity || x.Predicate.Uniformity != Uniformity.Uniform) continue;
                if (ReferenceEquals(x.Predicate, y.Predicate) || x.Source == y.Source) return true;
            }
        return false;
    }

    /// <summary>
    /// Whether a condition the analysis cannot evaluate may be assumed to hold for a witness thread: a comparison of
    /// launch arguments and other CTA-uniform values, <c>tid != v</c>, or a bound that small thread indices meet whenever
    /// any thread does (<c>%tid.x + c &lt; n</c>). Data-dependent conditions are never assumed.
    /// </summary>
    internal static bool Assumable(ThreadCondition c, ThreadBinding t)
    {
        var p = c.Predicate;
        bool polarity = c.Polarity;
        while (p is NotPred n) { p = n.Operand; polarity = !polarity; }
        // A condition on launch arguments (parameters, grid and block sizes, loop iterations): assumed to allow the
        // witness. A condition on loaded data is not.
        if (p.Uniformity == Uniformity.Uniform)
            return p is ComparePred or BinaryPred or NotPred && p.Atoms().All(a => IsLaunchArgument(a));
        if (p is not ComparePred cmp) return false;
        var d = cmp.Difference;
        // A thread bound (tid < n) is assumed only where the thread's own part is 0 or 1: n >= 2, not n > 32 for the
        // linear index of thread (0,1,0).
        long own = 0;
        foreach (var (atom, coef) in d.Terms)
            if (!atom.IsThreadInvariant)
            {
                if (SymbolicValues.Evaluate(atom, t) is not long v) return false;
                own += coef * v;
            }
        if (Math.Abs(own) > 1) return false;
        long sign = 0; // sign of the thread-index coefficients
        foreach (var (atom, coef) in d.Terms)
        {
            if (atom.IsThreadInvariant) continue;
            if (atom.Kind is not (AtomKind.ThreadIndex or AtomKind.LaneId)) return false;
            long sg = Math.Sign(coef);
            if (sign != 0 && sg != sign) return false;
            sign = sg;
        }
        string op = polarity ? cmp.Op : cmp.Op switch
        {
            "lt" => "ge", "le" => "gt", "gt" => "le", "ge" => "lt", "lo" => "hs", "ls" => "hi", "hi" => "ls", "hs" => "lo",
            "eq" => "ne", "ne" => "eq", var o => o,
        };
        // d = A - B; "d < 0" with a positive thread coefficient holds for the smallest threads first.
        return op switch
        {
            "ne" => true,
            "lt" or "le" or "lo" or "ls" => sign > 0,
            "gt" or "ge" or "hi" or "hs" => sign < 0,
            _ => false,
        };
    }

    private static bool IsLaunchArgument(Atom a) => a.Kind switch
    {
        AtomKind.Parameter or AtomKind.Special or AtomKind.LoopCounter or AtomKind.Symbol => true,
        AtomKind.Operation or AtomKind.Induction => a.Args.All(e => e.Terms.All(t => IsLaunchArgument(t.Atom))),
        _ => false,
    };

    private (ThreadBinding, ThreadBinding, long, long, IReadOnlyList<ThreadCondition>)? SearchBox(
        SharedAccess a, SharedAccess b, IReadOnlyList<ThreadCondition> condA, IReadOnlyList<ThreadCondition> condB, Expr varA, Expr varB, Dictionary<Loop, long> ka, Dictionary<Loop, long> kb,
        (int X, int Y, int Z) box, bool allowUnknown, bool warpConcurrent, long invConst, bool hasOtherInv, long? size, bool crossWarpOnly = false)
    {
        long? bx = _dims == 1 ? null : _bounds.Source is ".reqntid" ? _bounds.X : null;
        long? by = _dims == 3 && _bounds.Source is ".reqntid" ? _bounds.Y : null;
        var (listA, keysA) = Cached(a, condA, varA, ka, box, bx, by, allowUnknown, invConst, hasOtherInv, size);
        if (listA.Length == 0) return null;
        var (sorted, keys) = Cached(b, condB, varB, kb, box, bx, by, allowUnknown, invConst, hasOtherInv, size);
        if (sorted.Length == 0) return null;
        // Quick range test, then a merge sweep over the two sorted lists (b's bytes [vb, vb + wb) overlap a's [va, va + wa)).
        if (keysA[^1] + a.Bytes <= keys[0] || keys[^1] + b.Bytes <= keysA[0]) return null;
        // a thread of an entry as a binding, for evaluating what it stores (reused: nothing keeps it)
        var ta = Scratch(ref _scratchA, bx, by, ka);
        var tb = Scratch(ref _scratchB, bx, by, kb);
        int start = 0;
        for (int ia = 0; ia < listA.Length; ia++)
        {
            var ea = listA[ia];
            long va = keysA[ia];
            long lo = va - b.Bytes + 1, hi = va + a.Bytes - 1;
            while (start < keys.Length && keys[start] < lo) start++;
            if (start >= keys.Length) break;
            for (int k = start, n = 0; k < sorted.Length && keys[k] <= hi && n < 64; k++, n++)
            {
                var eb = sorted[k];
                if (eb.X == ea.X && eb.Y == ea.Y && eb.Z == ea.Z) continue;
                bool sameWarp = ea.Warp >= 0 && eb.Warp >= 0 && ea.Warp == eb.Warp;
                bool sameWarpUnknown = ea.Warp < 0 || eb.Warp < 0;
                if (!warpConcurrent && (sameWarp || sameWarpUnknown)) continue; // a __syncwarp/shuffle orders two lanes of one warp
                if (crossWarpOnly && (sameWarp || sameWarpUnknown)) continue;
                (ta.X, ta.Y, ta.Z) = (ea.X, ea.Y, ea.Z);
                (tb.X, tb.Y, tb.Z) = (eb.X, eb.Y, eb.Z);
                if (!DifferentData(a, b, ta, tb)) continue; // the same bytes either way (or not shown to differ)
                var assumed = ea.Assumed.Concat(eb.Assumed).ToList();
                return (new ThreadBinding { X = ea.X, Y = ea.Y, Z = ea.Z, BlockX = bx, BlockY = by, Iterations = ka },
                    new ThreadBinding { X = eb.X, Y = eb.Y, Z = eb.Z, BlockX = bx, BlockY = by, Iterations = kb }, va, keys[k], assumed);
            }
        }
        return null;
    }

    private ThreadBinding? _scratchA, _scratchB;

    /// <summary>A binding of the block shape and iterations to move over threads with, kept from the last call when they match.</summary>
    private static ThreadBinding Scratch(ref ThreadBinding? slot, long? bx, long? by, Dictionary<Loop, long> iterations)
    {
        var t = slot;
        if (t is null || t.BlockX != bx || t.BlockY != by || !ReferenceEquals(t.Iterations, iterations))
            slot = t = new ThreadBinding { BlockX = bx, BlockY = by, Iterations = iterations };
        return t;
    }

    private static int LowerBound(long[] keys, long v)
    {
        int lo = 0, hi = keys.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] < v) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// A thread of a box that makes the access (its warp, -1 when the block shape leaves it unknown). Its offset is the
    /// key at the same index in the evaluation's sorted keys (<see cref="Cached"/>).
    /// </summary>
    private readonly record struct Entry(int X, int Y, int Z, int Warp, IReadOnlyList<ThreadCondition> Assumed);

    private readonly record struct EvalKey(int Access, IReadOnlyList<ThreadCondition> Conditions, string Iterations, (int, int, int) Box, bool AllowUnknown);

    private readonly Dictionary<EvalKey, (Entry[] Entries, long[] Keys)> _evalCache = new();

    // scratch of one evaluation (a search runs on one thread): the entries as found, and their sort keys
    private readonly List<Entry> _entries = new();
    private readonly List<long> _offsets = new();
    private (long Value, int Index)[] _order = Array.Empty<(long, int)>();

    // the iteration numbers of the combinations (kept by _combos for the whole function), as cache-key text, made once per combination
    private readonly Dictionary<Dictionary<Loop, long>, string> _iterationKeys = new(ReferenceEqualityComparer.Instance);

    private string IterationKey(Dictionary<Loop, long> iterations)
    {
        if (iterations.Count == 0) return "";
        if (!_iterationKeys.TryGetValue(iterations, out var k))
            _iterationKeys[iterations] = k = string.Join(",", iterations.OrderBy(kv => kv.Key.Header.Id).Select(kv => $"{kv.Key.Header.Id}:{kv.Value}"));
        return k;
    }

    /// <summary>The threads of a box that make the access (meeting its conditions), with their offsets, sorted by offset; cached per access.</summary>
    private (Entry[] Entries, long[] Keys) Cached(SharedAccess acc, IReadOnlyList<ThreadCondition> conditions, Expr perThread, Dictionary<Loop, long> iterations,
        (int X, int Y, int Z) box, long? bx, long? by, bool allowUnknown, long invConst, bool hasOtherInv, long? size)
    {
        var key = new EvalKey(acc.Ordinal, conditions, IterationKey(iterations), box, allowUnknown);
        if (_evalCache.TryGetValue(key, out var r)) return r;
        _entries.Clear();
        _offsets.Clear();
        Evaluate(acc, conditions, perThread, iterations, box, bx, by, allowUnknown, invConst, hasOtherInv, size, _entries, _offsets);
        // sorted by offset, threads of one offset in the order they were made (a stable sort)
        var entries = _entries.ToArray();
        var keys = _offsets.ToArray();
        bool sorted = true; // offsets that grow with the thread index (most addresses) come in order already
        for (int i = 1; i < keys.Length; i++)
            if (keys[i] < keys[i - 1]) { sorted = false; break; }
        if (!sorted)
        {
            if (_order.Length < entries.Length) _order = new (long Value, int Index)[Math.Max(entries.Length, 2 * _order.Length)];
            var order = _order;
            for (int i = 0; i < entries.Length; i++) order[i] = (keys[i], i);
            Array.Sort(order, entries, 0, entries.Length);
            for (int i = 0; i < entries.Length; i++) keys[i] = order[i].Value;
        }
        r = (entries, keys);
        if (_evalCache.Count > 20000) _evalCache.Clear();
        _evalCache[key] = r;
        return r;
    }

    private static bool ThreadDependent(Pred p)
    {
        foreach (var a in p.Atoms())
            if ((Components(a) & 15) != 0) return true;
        return false;
    }

    /// <summary>Adds to <paramref name="list"/> the threads of a box that make the access, in thread order, and their offsets to <paramref name="offsetsFound"/>.</summary>
    private void Evaluate(SharedAccess acc, IReadOnlyList<ThreadCondition> conditions, Expr perThread, Dictionary<Loop, long> iterations, (int X, int Y, int Z) box,
                          long? bx, long? by, bool allowUnknown, long invConst, bool hasOtherInv, long? size, List<Entry> list, List<long> offsetsFound)
    {
        var t = new ThreadBinding { BlockX = bx, BlockY = by, Iterations = iterations };
        // Conditions that do not depend on the thread are decided once.
        List<ThreadCondition>? common = null;
        var perThreadConditions = new List<ThreadCondition>(conditions.Count);
        for (int k = 0; k < conditions.Count; k++) // by index: a foreach boxes the list's enumerator
        {
            var c = conditions[k];
            if (ThreadDependent(c.Predicate)) { perThreadConditions.Add(c); continue; }
            var h = c.Holds(t);
            if (h == true) continue;
            if (h == false || !allowUnknown || !Assumable(c, t)) return;
            (common ??= new()).Add(c);
        }
        IReadOnlyList<ThreadCondition> none = (IReadOnlyList<ThreadCondition>?)common ?? Array.Empty<ThreadCondition>();
        // the conditions and the offset for every thread of the box, computed atom by atom over the box
        var values = BoxValuesFor(box, bx, by, iterations);
        var holds = new sbyte[perThreadConditions.Count][];
        // per condition, the code under which it holds (BoxValues.Holds, compared directly: -1 is unknown either way)
        Span<sbyte> holdsCode = holds.Length <= 32 ? stackalloc sbyte[holds.Length] : new sbyte[holds.Length];
        for (int k = 0; k < holds.Length; k++)
        {
            holds[k] = values.Of(perThreadConditions[k].Predicate);
            holdsCode[k] = BoxValues.HoldsCode(perThreadConditions[k].Polarity);
        }
        var offsets = values.Of(perThread);
        int i = 0;
        for (int z = 0; z < box.Z; z++)
            for (int y = 0; y < box.Y; y++)
                for (int x = 0; x < box.X; x++, i++)
                {
                    // a thread without an offset, or (unless other shared parts move it) outside the variable, is no
                    // witness whatever its conditions say: asked first (the conditions and what they assume are pure)
                    if (offsets[i] is not long v) continue;
                    // A witness outside the variable is an out-of-bounds access (PTX006), not evidence of a race.
                    if (!hasOtherInv && size is long s && (invConst + v < 0 || invConst + v + acc.Bytes > s)) continue;
                    t.X = x; t.Y = y; t.Z = z;
                    List<ThreadCondition>? assumed = null;
                    bool ok = true;
                    for (int k = 0; k < holds.Length; k++)
                    {
                        sbyte code = holds[k][i];
                        if (code == holdsCode[k]) continue;
                        if (code >= 0 || !allowUnknown || !Assumable(perThreadConditions[k], t)) { ok = false; break; }
                        (assumed ??= new(none)).Add(perThreadConditions[k]);
                    }
                    if (!ok) continue;
                    list.Add(new Entry(x, y, z, t.Warp is long w && w <= int.MaxValue ? (int)w : -1, (IReadOnlyList<ThreadCondition>?)assumed ?? none));
                    offsetsFound.Add(v);
                }
        values.Return(offsets);
    }

    // the box evaluation of the last box, block size and iterations asked for: accesses searched in the same box share
    // their atoms' values (dropped when another box is asked for, or when it has grown large)
    private BoxValues? _boxValues;
    private readonly BoxArrays _boxArrays = new();
    private const int MaxBoxValuesKept = 32;

    private BoxValues BoxValuesFor((int X, int Y, int Z) box, long? bx, long? by, Dictionary<Loop, long> iterations)
    {
        if (_boxValues is { } b && b.Box == box && b.BlockX == bx && b.BlockY == by && SameIterations(b.Iterations!, iterations) && b.Kept < MaxBoxValuesKept)
            return b;
        _boxValues?.Release();
        // a copy: the evaluation outlives the search whose combination it was made for
        return _boxValues = new BoxValues(box, bx, by, new Dictionary<Loop, long>(iterations), _boxArrays);
    }

    private static bool SameIterations(IReadOnlyDictionary<Loop, long> x, Dictionary<Loop, long> y)
    {
        if (x.Count != y.Count) return false;
        foreach (var (l, k) in y)
            if (!x.TryGetValue(l, out var kx) || kx != k) return false;
        return true;
    }
}
