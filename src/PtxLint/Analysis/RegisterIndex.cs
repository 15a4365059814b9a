using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// The registers of a function numbered densely (in order of first mention: each instruction's uses, then its defs),
/// and for every instruction the distinct non-special registers it reads (the guard included) and writes, in flat
/// arrays: what <see cref="ReachingDefinitions"/> starts from, and what a flow-insensitive question needs
/// (<see cref="ForwardClosure"/>: which registers may hold a value computed from some source, on any path).
/// Special registers are not numbered.
/// </summary>
public sealed class RegisterIndex
{
    private static readonly int[] Empty = Array.Empty<int>();

    private readonly PtxFunction _fn;
    // Ids by name. Most names are a prefix and a decimal number (%r12, %rd3, %p1): found by the prefix (a function has
    // a handful), then in an array indexed by the number, holding id + 1. Other names are in _others.
    private string[] _prefixes = new string[8];
    private int[][] _slots = new int[8][];
    private int _prefixCount;
    private readonly int _maxSlotNumber;
    private Dictionary<string, int>? _others;
    private readonly List<string> _names;
    // Per instruction i: the registers it reads are _useFlat[_useStart[i] .. _useStart[i+1]), those it writes
    // _defFlat[_defStart[i] .. _defStart[i+1]) (each distinct within the instruction).
    internal readonly int[] UseStart, UseFlat, DefStart, DefFlat;
    // Readers of each register, built on the first closure: the instructions that read register r are
    // _readers[_readerStart[r] .. _readerStart[r+1]), in source order.
    private int[]? _readerStart, _readers;

    public RegisterIndex(PtxFunction fn)
    {
        _fn = fn;
        var insns = fn.Instructions;
        int n = insns.Count;
        // numbered names beyond this (and past six digits) go to _others: the arrays stay within a few times the
        // function's size
        _maxSlotNumber = (int)Math.Min(999_999, 4L * n + 64);
        long declared = 0;
        foreach (var d in fn.RegisterDecls)
        {
            declared += d.Count ?? 1;
            PresizeSlots(d);
        }
        UseStart = new int[n + 1];
        DefStart = new int[n + 1];
        // from the function's flat use and def tables (sequential memory, no instruction object touched); sized by them
        // (an upper bound: a register read twice by one instruction is one use), never resized
        var t = fn.Caches.Tables;
        var uses = t.UseFlat;
        var defs = t.DefFlat;
        long maxUses = t.UseStart[n], maxDefs = t.DefStart[n];
        // no more names than declared, nor than the operands that name registers
        _names = new List<string>((int)Math.Min(declared, maxUses + maxDefs));
        var useFlat = maxUses == 0 ? Empty : new int[maxUses];
        var defFlat = maxDefs == 0 ? Empty : new int[maxDefs];
        int nu = 0, nd = 0;
        for (int i = 0; i < n; i++)
        {
            UseStart[i] = nu;
            for (int j = t.UseStart[i], end = t.UseStart[i + 1]; j < end; j++)
                if (!uses[j].IsSpecial) AddDistinct(useFlat, ref nu, UseStart[i], Number(uses[j].Name));
            DefStart[i] = nd;
            for (int j = t.DefStart[i], end = t.DefStart[i + 1]; j < end; j++)
                AddDistinct(defFlat, ref nd, DefStart[i], Number(defs[j].Name));
        }
        UseStart[n] = nu;
        DefStart[n] = nd;
        UseFlat = useFlat;
        DefFlat = defFlat;
    }

    public PtxFunction Function => _fn;

    /// <summary>Number of distinct (non-special) registers the function names.</summary>
    public int Count => _names.Count;

    /// <summary>The dense id of a register, or -1 when the function never names it.</summary>
    public int Id(string name)
    {
        int slot = RecentSlot(name, RecentSize - 1);
        if (ReferenceEquals(_recentNames[slot], name)) return _recentIds[slot];
        if (Slotted(name, out int prefixLength, out int number))
        {
            int k = PrefixIndex(name, prefixLength);
            if (k < 0) return -1;
            var slots = _slots[k];
            return number < slots.Length ? slots[number] - 1 : -1;
        }
        return _others is not null && _others.TryGetValue(name, out var id) ? id : -1;
    }

    /// <summary>
    /// A name kept in the slot arrays: a prefix and a decimal number without a leading zero
    /// (<see cref="RegisterNames.TrySplit"/>) of at most <see cref="_maxSlotNumber"/>; its prefix length and number.
    /// </summary>
    private bool Slotted(string name, out int prefixLength, out int number) =>
        RegisterNames.TrySplit(name, out prefixLength, out number) && number <= _maxSlotNumber;

    /// <summary>The index of the name's prefix among those seen, or -1.</summary>
    private int PrefixIndex(string name, int prefixLength)
    {
        var prefix = name.AsSpan(0, prefixLength);
        for (int k = 0; k < _prefixCount; k++)
            if (prefix.SequenceEqual(_prefixes[k])) return k;
        return -1;
    }

    public string Name(int id) => _names[id];

    /// <summary>The ids of the distinct non-special registers instruction <paramref name="i"/> reads (its guard included).</summary>
    public ReadOnlySpan<int> UsesAt(int i) => UseFlat.AsSpan(UseStart[i], UseStart[i + 1] - UseStart[i]);

    /// <summary>The ids of the distinct non-special registers instruction <paramref name="i"/> writes.</summary>
    public ReadOnlySpan<int> DefsAt(int i) => DefFlat.AsSpan(DefStart[i], DefStart[i + 1] - DefStart[i]);

    /// <summary>
    /// Flow-insensitively, the registers that may hold a value computed from a source: every register an instruction
    /// with <paramref name="isSource"/> writes, and every register written by an instruction with
    /// <paramref name="propagates"/> that reads one of them, on to a fixpoint (an instruction that is a source need
    /// not propagate). Indexed by <see cref="Id"/>. An over-approximation of any path-sensitive fact that follows the
    /// same instructions from the same sources: control flow, guards and kills are ignored.
    /// </summary>
    public bool[] ForwardClosure(Func<Instruction, bool> isSource, Func<Instruction, bool> propagates)
    {
        var insns = _fn.Instructions;
        var set = new bool[Count];
        var work = new Stack<int>();
        for (int i = 0; i < insns.Count; i++)
        {
            if (DefStart[i] == DefStart[i + 1] || !isSource(insns[i])) continue;
            foreach (var d in DefsAt(i))
                if (!set[d]) { set[d] = true; work.Push(d); }
        }
        if (work.Count == 0) return set;
        BuildReaders();
        var readerStart = _readerStart!;
        var readers = _readers!;
        // an instruction is asked whether it propagates once (0 not asked, 1 no, 2 yes)
        var asked = new byte[insns.Count];
        while (work.Count > 0)
        {
            int r = work.Pop();
            for (int k = readerStart[r]; k < readerStart[r + 1]; k++)
            {
                int i = readers[k];
                if (DefStart[i] == DefStart[i + 1]) continue;
                if (asked[i] == 0) asked[i] = propagates(insns[i]) ? (byte)2 : (byte)1;
                if (asked[i] != 2) continue;
                foreach (var d in DefsAt(i))
                    if (!set[d]) { set[d] = true; work.Push(d); }
            }
        }
        return set;
    }

    /// <summary>True when <paramref name="set"/> (from <see cref="ForwardClosure"/>) holds the register named <paramref name="name"/>.</summary>
    public bool Contains(bool[] set, string name)
    {
        int id = Id(name);
        return id >= 0 && set[id];
    }

    /// <summary>True when <paramref name="set"/> holds the base or the index register of <paramref name="address"/>.</summary>
    public bool Contains(bool[] set, AddressOperand address) =>
        address.BaseRegister is { } b && Contains(set, b.Name) || address.IndexRegister is { } x && Contains(set, x.Name);

    private void BuildReaders()
    {
        if (_readerStart is not null) return;
        int n = _fn.Instructions.Count;
        var rows = new RowInversion(Count);
        for (int j = 0; j < UseStart[n]; j++) rows.Count(UseFlat[j]);
        rows.Allocate();
        for (int i = 0; i < n; i++)
            for (int j = UseStart[i]; j < UseStart[i + 1]; j++)
                rows.Fill(UseFlat[j], i);
        _readers = rows.Flat;
        _readerStart = rows.Start;
    }

    /// <summary>
    /// The slot array of a range declaration's prefix (<c>.reg .b32 %r&lt;40&gt;</c>: %r0 .. %r39), made at its final
    /// size up front rather than grown as the names come (the grown copies were an eighth of the index's allocation). Only
    /// for a prefix that is what a name of the range splits into (not <c>%r1&lt;10&gt;</c>, whose %r10 splits as %r and 10).
    /// </summary>
    private void PresizeSlots(RegisterDecl d)
    {
        if (d.Count is not int count || count <= 0) return;
        string prefix = d.Prefix;
        if (prefix.Length == 0 || char.IsAsciiDigit(prefix[^1])) return;
        int size = Math.Min(count, _maxSlotNumber + 1);
        int k = PrefixIndex(prefix, prefix.Length);
        if (k < 0)
        {
            if (_prefixCount == _prefixes.Length)
            {
                Array.Resize(ref _prefixes, _prefixCount * 2);
                Array.Resize(ref _slots, _prefixCount * 2);
            }
            k = _prefixCount++;
            _prefixes[k] = prefix;
            _slots[k] = Empty;
        }
        if (_slots[k].Length < size) Array.Resize(ref _slots[k], size);
    }

    private static void AddDistinct(int[] flat, ref int count, int segmentStart, int id)
    {
        for (int k = segmentStart; k < count; k++)
            if (flat[k] == id) return;
        flat[count++] = id;
    }

    private int Number(string name)
    {
        int slot = RecentSlot(name, RecentSize - 1);
        if (ReferenceEquals(_recentNames[slot], name)) return _recentIds[slot];
        int id;
        if (Slotted(name, out int prefixLength, out int number))
        {
            int k = PrefixIndex(name, prefixLength);
            if (k < 0)
            {
                if (_prefixCount == _prefixes.Length)
                {
                    Array.Resize(ref _prefixes, _prefixCount * 2);
                    Array.Resize(ref _slots, _prefixCount * 2);
                }
                k = _prefixCount++;
                _prefixes[k] = name[..prefixLength];
                _slots[k] = Empty;
            }
            ref var slots = ref _slots[k];
            if (number >= slots.Length) Array.Resize(ref slots, Math.Max(number + 1, Math.Max(16, 2 * slots.Length)));
            ref int s = ref slots[number];
            if (s == 0)
            {
                s = _names.Count + 1;
                _names.Add(name);
            }
            id = s - 1;
        }
        else
        {
            _others ??= new Dictionary<string, int>(StringComparer.Ordinal);
            ref int o = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_others, name, out bool known);
            if (!known)
            {
                o = _names.Count;
                _names.Add(name);
            }
            id = o;
        }
        _recentNames[slot] = name;
        _recentIds[slot] = id;
        return id;
    }

    /// <summary>
    /// The slot of a register name in a small cache of recent answers that is checked by string identity: a hash of
    /// its length and last three characters (%r17, %rd203: the number tells them apart), cheaper than the object's
    /// identity hash. A collision only misses the cache.
    /// </summary>
    internal static int RecentSlot(string name, int mask)
    {
        int n = name.Length, h = n;
        if (n > 0) h = h * 31 + name[n - 1];
        if (n > 1) h = h * 31 + name[n - 2];
        if (n > 2) h = h * 31 + name[n - 3];
        return (h ^ (h >> 8)) & mask;
    }

    // the operands of a function share their name strings: the id last found for this very string object, by identity
    private const int RecentSize = 256;
    private readonly string?[] _recentNames = new string?[RecentSize];
    private readonly int[] _recentIds = new int[RecentSize];
}
