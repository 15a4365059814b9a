using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

public enum ValueSourceKind
{
    /// <summary>A special register: <see cref="ValueSource.Name"/> is its full name (<c>%ctaid.y</c>).</summary>
    SpecialRegister,
    /// <summary>A kernel/function parameter read by <c>ld.param</c> (or a <c>.reg</c> parameter of an old-style .func): Name is the parameter.</summary>
    Parameter,
    /// <summary>A load from memory: see <see cref="ValueSource.LoadInstruction"/>, <see cref="ValueSource.Space"/>, <see cref="ValueSource.AddressSources"/>.</summary>
    Load,
    /// <summary>The address of a variable, parameter or function (<c>mov.u32 %r, smem</c>, <c>cvta</c> of a variable): Name is the symbol.</summary>
    Symbol,
    /// <summary>An immediate: <see cref="ValueSource.Value"/> (integers) and Name (the text).</summary>
    Constant,
    /// <summary>A result the analysis does not see through: atomics, calls, shfl/vote/activemask/elect/match, unknown opcodes.</summary>
    Opaque,
    /// <summary>A register read on some path before any definition (live into the function): Name is the register.</summary>
    Undefined,
}

/// <summary>One original source of a value, with the instruction path from the source to the use.</summary>
public sealed class ValueSource
{
    /// <summary>What the source is, shared by every copy of it that differs only in its path (<see cref="ContinuedBy"/>).</summary>
    private sealed class Facts(ProvenanceInfo owner, ValueSourceKind kind, string name, Instruction? origin)
    {
        public readonly ProvenanceInfo Owner = owner;
        public readonly ValueSourceKind Kind = kind;
        public readonly string Name = name;
        public readonly Instruction? Origin = origin;
        public long? Value;
        public long Offset;
        public Parameter? Parameter;
        public VariableSymbol? Variable;
        public MemoryAccess? Access;
        public StateSpace Space;
        public IReadOnlyList<ValueSource>? AddressSources;
    }

    private readonly Facts _f;
    // The path: _pathPrefix, then (when not null) _pathNext. A copy for another use continues the original's path, so
    // it keeps the two parts itself rather than a rope node that joins them (one object per copy, not two: a query
    // copies every source it finds).
    private readonly PathNode _pathPrefix;
    private readonly PathNode? _pathNext;
    private IReadOnlyList<Instruction>? _path;

    internal ValueSource(ProvenanceInfo owner, ValueSourceKind kind, string name, Instruction? origin, PathNode path)
    {
        _f = new Facts(owner, kind, name, origin);
        _pathPrefix = path;
    }

    private ValueSource(Facts facts, PathNode prefix, PathNode? next)
    {
        _f = facts;
        _pathPrefix = prefix;
        _pathNext = next;
    }

    /// <summary>The path as one rope node (made when the path has two parts).</summary>
    internal PathNode PathRoot => _pathNext is null ? _pathPrefix : new PathNode(null, _pathPrefix, _pathNext);

    public ValueSourceKind Kind => _f.Kind;
    /// <summary>Special register (<c>%tid.x</c>), parameter, symbol, constant text, opaque mnemonic, or undefined register name.</summary>
    public string Name => _f.Name;
    /// <summary>The instruction that introduces the source (<c>mov %r1, %tid.x</c>, the <c>ld.param</c>, the load, the <c>atom</c>); null for Undefined.</summary>
    public Instruction? Origin => _f.Origin;
    // the init accessors run only while the source is built, before a copy shares its facts
    /// <summary>Integer value of a Constant; null otherwise (and for float immediates).</summary>
    public long? Value { get => _f.Value; init => _f.Value = value; }
    /// <summary>The byte offset of a Symbol (<c>smem+16</c>) or of the parameter slot a Parameter load reads.</summary>
    public long Offset { get => _f.Offset; init => _f.Offset = value; }
    /// <summary>The parameter (Parameter kind, or a Symbol naming a parameter).</summary>
    public Parameter? Parameter { get => _f.Parameter; init => _f.Parameter = value; }
    /// <summary>The variable a Symbol names, when it is one.</summary>
    public VariableSymbol? Variable { get => _f.Variable; init => _f.Variable = value; }
    /// <summary>The load (Load kind): same as <see cref="Origin"/>.</summary>
    public Instruction? LoadInstruction => Kind == ValueSourceKind.Load ? Origin : null;
    /// <summary>The memory access of the load (address operand, state space, bytes).</summary>
    public MemoryAccess? Access { get => _f.Access; init => _f.Access = value; }
    /// <summary>The state space of a Load (or of a Symbol's variable); None otherwise.</summary>
    public StateSpace Space { get => _f.Space; init => _f.Space = value; }

    /// <summary>For a Load: the provenance of the load's address (e.g. a Symbol <c>tmem_slot</c>, or a Parameter pointer); empty otherwise.</summary>
    public IReadOnlyList<ValueSource> AddressSources => _f.AddressSources ??=
        Kind == ValueSourceKind.Load && Origin is not null && Access is not null ? _f.Owner.AddressSourcesOfLoad(Origin, Access.Address) : Array.Empty<ValueSource>();

    /// <summary>The instructions from the source to the use, in execution order (first: <see cref="Origin"/> or the first instruction that read an undefined register; last: the use).</summary>
    public IReadOnlyList<Instruction> Path => _path ??= PathRoot.Materialize();

    /// <summary>
    /// The same source reached along this source's path continued by <paramref name="next"/> (its facts shared, not
    /// copied): the path of a rope node (null, <see cref="PathRoot"/>, <paramref name="next"/>).
    /// </summary>
    internal ValueSource ContinuedBy(PathNode? next) => new(_f, PathRoot, next);

    internal (ValueSourceKind, int, string) Key => (Kind, Origin?.Index ?? -1, Name);

    /// <summary>
    /// Equality of <see cref="Key"/>s with an ordinal string comparison and a cheap hash of the name (its length and last
    /// characters; the default hashes the whole string with the randomized Marvin hash on every add).
    /// </summary>
    internal sealed class KeyComparer : IEqualityComparer<(ValueSourceKind, int, string)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((ValueSourceKind, int, string) x, (ValueSourceKind, int, string) y) =>
            x.Item1 == y.Item1 && x.Item2 == y.Item2 && string.Equals(x.Item3, y.Item3, StringComparison.Ordinal);

        public int GetHashCode((ValueSourceKind, int, string) k)
        {
            var name = k.Item3;
            int h = (int)k.Item1 * 31 + k.Item2;
            if (name is not null)
            {
                int n = name.Length;
                h = h * 31 + n;
                for (int i = Math.Max(0, n - 4); i < n; i++) h = h * 31 + name[i];
            }
            return h;
        }
    }

    public override string ToString() => Kind switch
    {
        ValueSourceKind.Load => $"Load {Space} @{Origin?.Index}: {Origin}",
        ValueSourceKind.Constant => $"Constant {Name}",
        _ => $"{Kind} {Name}",
    };
}

/// <summary>An immutable rope of instructions: Prefix, then Insn, then Next (shared between paths).</summary>
internal sealed class PathNode
{
    public PathNode(Instruction? insn, PathNode? prefix, PathNode? next)
    {
        Insn = insn;
        Prefix = prefix;
        Next = next;
    }

    public Instruction? Insn { get; }
    public PathNode? Prefix { get; }
    public PathNode? Next { get; }

    public IReadOnlyList<Instruction> Materialize()
    {
        var result = new List<Instruction>();
        var stack = new Stack<object>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var o = stack.Pop();
            if (o is Instruction i)
            {
                if (result.Count == 0 || result[^1] != i) result.Add(i);
                continue;
            }
            var n = (PathNode)o;
            if (n.Next is not null) stack.Push(n.Next);
            if (n.Insn is not null) stack.Push(n.Insn);
            if (n.Prefix is not null) stack.Push(n.Prefix);
        }
        return result;
    }
}

/// <summary>
/// Value provenance: the original sources a register value is computed from, found by walking reaching definitions
/// backwards through every computing instruction (all of its uses except the guard) and stopping at special
/// registers, parameters, loads, symbol addresses, constants, opaque results and undefined values.
/// Results are memoized per definition; loop-carried cycles terminate (breadth-first with a visited set, so each
/// source's path is a shortest chain).
/// </summary>
public sealed class ProvenanceInfo
{
    private readonly PtxFunction _fn;
    private readonly ControlFlowGraph _cfg;
    private readonly ReachingDefinitions _defs;
    private readonly Dictionary<int, ValueSource[]> _memo = new();

    public ProvenanceInfo(FunctionAnalyses fa)
    {
        _cfg = fa.Cfg;
        _fn = _cfg.Function;
        _defs = fa.Defs;
    }

    private static bool IsOpaqueResult(Instruction d)
    {
        var info = d.Info;
        return !info.Known || info.Flow == FlowKind.Call || info.Mem == MemKind.Atomic
               || (info.VaryingResult && info.Mem != MemKind.Load) || d.Opcode == "mbarrier" || d.Opcode == "redux";
    }

    private ValueSource Special(RegisterOperand reg, Instruction origin, PathNode path) =>
        new(this, ValueSourceKind.SpecialRegister, reg.FullName, origin, path);

    private ValueSource LiveIn(string regName, PathNode path)
    {
        var p = _fn.FindParameter(regName);
        if (p is not null) return new ValueSource(this, ValueSourceKind.Parameter, regName, null, path) { Parameter = p, Space = p.Space };
        return new ValueSource(this, ValueSourceKind.Undefined, regName, null, path);
    }

    private ValueSource SymbolSource(string name, long offset, Instruction origin, PathNode path)
    {
        var v = _fn.FindVariable(name);
        var p = v is null ? _fn.FindParameter(name) : null;
        return new ValueSource(this, ValueSourceKind.Symbol, name, origin, path)
        {
            Offset = offset, Variable = v, Parameter = p, Space = v?.Space ?? p?.Space ?? StateSpace.None,
        };
    }

    /// <summary>The sources introduced by definition <paramref name="d"/> itself (not through its register inputs); sets <paramref name="expand"/> when its register inputs are to be followed.</summary>
    private void Terminals(Instruction d, PathNode chain, List<ValueSource> output, out bool expand)
    {
        var info = d.Info;
        expand = false;
        if (info.Mem == MemKind.Load && d.Opcode != "mbarrier")
        {
            var access = d.MemoryAccesses.Length > 0 ? d.MemoryAccesses[0] : null;
            if (access is not null && access.Space == StateSpace.Param && access.Address.BaseSymbol is { } sym)
            {
                var p = _fn.FindParameter(sym);
                if (p is not null)
                {
                    output.Add(new ValueSource(this, ValueSourceKind.Parameter, sym, d, chain)
                    { Parameter = p, Offset = access.Address.Offset, Access = access, Space = StateSpace.Param });
                    return;
                }
                // A call's return value (ld.param from the local retval symbol).
                output.Add(new ValueSource(this, ValueSourceKind.Opaque, "call result " + sym, d, chain) { Access = access, Space = StateSpace.Param });
                return;
            }
            output.Add(new ValueSource(this, ValueSourceKind.Load, d.Mnemonic, d, chain)
            { Access = access, Space = access?.Space ?? StateSpace.Generic });
            return;
        }
        if (IsOpaqueResult(d))
        {
            output.Add(new ValueSource(this, ValueSourceKind.Opaque, d.Mnemonic, d, chain));
            return;
        }
        int dst = OperandRoles.DestinationCount(d);
        bool any = false;
        for (int i = dst; i < d.Operands.Count; i++) any |= Scan(d.Operands[i], d, chain, output);
        foreach (var u in d.Uses)
        {
            if (ReferenceEquals(u, d.Guard)) continue;
            if (u.IsSpecial) { output.Add(Special(u, d, chain)); any = true; }
            else { expand = true; any = true; }
        }
        if (!any) output.Add(new ValueSource(this, ValueSourceKind.Opaque, d.Mnemonic, d, chain));
    }

    /// <summary>Constants and symbols inside an operand (registers are handled through Uses).</summary>
    private bool Scan(Operand op, Instruction d, PathNode chain, List<ValueSource> output)
    {
        switch (op)
        {
            case ImmediateOperand imm:
                output.Add(new ValueSource(this, ValueSourceKind.Constant, imm.Text, d, chain) { Value = imm.Value });
                return true;
            case FloatImmediateOperand f:
                output.Add(new ValueSource(this, ValueSourceKind.Constant, f.Text, d, chain));
                return true;
            case SymbolOperand s:
                output.Add(SymbolSource(s.Name, s.Offset, d, chain));
                return true;
            case AddressOperand a:
                if (a.BaseSymbol is not null) { output.Add(SymbolSource(a.BaseSymbol, a.Offset, d, chain)); return true; }
                if (a.BaseRegister is null && a.IndexRegister is null)
                {
                    output.Add(new ValueSource(this, ValueSourceKind.Constant, a.Offset.ToString(), d, chain) { Value = a.Offset });
                    return true;
                }
                return false;
            case VectorOperand v:
            {
                bool any = false;
                for (int k = 0; k < v.Elements.Count; k++) any |= Scan(v.Elements[k], d, chain, output); // by index: no boxed enumerator
                return any;
            }
            case ParenListOperand p:
            {
                bool any = false;
                for (int k = 0; k < p.Elements.Count; k++) any |= Scan(p.Elements[k], d, chain, output);
                return any;
            }
            default:
                return false;
        }
    }

    /// <summary>All sources of the value(s) definition <paramref name="def"/> writes; paths end at <paramref name="def"/>.</summary>
    public IReadOnlyList<ValueSource> SourcesOfDefinition(Instruction def)
    {
        if (_memo.TryGetValue(def.Index, out var cached)) return cached;
        var insns = _fn.Instructions;
        // scratch collections reused from call to call (a function's analyses run on one thread at a time)
        var result = _resultScratch ??= new List<ValueSource>();
        var seen = _seenScratch ??= new HashSet<(ValueSourceKind, int, string)>(ValueSource.KeyComparer.Instance);
        var chains = _chainsScratch ??= new Dictionary<int, PathNode>();
        var queue = _queueScratch ??= new Queue<int>();
        var local = _localScratch ??= new List<ValueSource>();
        // what the last call left (its entries are all in its memoized result), or what an exception left
        result.Clear(); seen.Clear(); chains.Clear(); queue.Clear();
        chains[def.Index] = new PathNode(def, null, null);
        queue.Enqueue(def.Index);
        while (queue.Count > 0)
        {
            int x = queue.Dequeue();
            var xi = insns[x];
            var chain = chains[x];
            if (x != def.Index && _memo.TryGetValue(x, out var done))
            {
                // Reuse a finished closure: its paths end at x; continue them with x's chain past x.
                foreach (var s in done)
                    if (seen.Add(s.Key)) result.Add(s.ContinuedBy(chain.Next));
                continue;
            }
            local.Clear();
            Terminals(xi, chain, local, out bool expand);
            foreach (var s in local)
                if (seen.Add(s.Key)) result.Add(s);
            if (!expand) continue;
            foreach (var u in xi.Uses)
            {
                if (u.IsSpecial || ReferenceEquals(u, xi.Guard)) continue;
                foreach (var d in _defs.ReachingIndices(xi, u.Name))
                {
                    if (d < 0)
                    {
                        var s = LiveIn(u.Name, chain);
                        if (seen.Add(s.Key)) result.Add(s);
                        continue;
                    }
                    if (chains.ContainsKey(d)) continue;
                    chains[d] = new PathNode(insns[d], null, chain);
                    queue.Enqueue(d);
                }
            }
        }
        var arr = result.ToArray();
        _memo[def.Index] = arr;
        // a scratch collection that grew past a few thousand entries is dropped: clearing it would cost its capacity on every later call
        if (seen.Count > MaxScratch) _seenScratch = null;
        if (chains.Count > MaxScratch) _chainsScratch = null;
        if (result.Count > MaxScratch) _resultScratch = null;
        if (local.Count > MaxScratch) _localScratch = null;
        return arr;
    }

    private const int MaxScratch = 4096;
    private List<ValueSource>? _resultScratch, _localScratch;
    private HashSet<(ValueSourceKind, int, string)>? _seenScratch, _seenOfScratch;
    private Dictionary<int, PathNode>? _chainsScratch;
    private Queue<int>? _queueScratch;

    /// <summary>
    /// The original sources of the value of <paramref name="reg"/> read at <paramref name="at"/>: each with
    /// <see cref="ValueSource.Path"/> from the source to <paramref name="at"/>. Deterministic order (breadth-first
    /// from the use, definitions in source order).
    /// </summary>
    public IReadOnlyList<ValueSource> SourcesOf(Instruction at, RegisterOperand reg)
    {
        var atNode = new PathNode(at, null, null);
        if (reg.IsSpecial) return new[] { Special(reg, at, atNode) };
        var result = new List<ValueSource>();
        var seen = _seenOfScratch ??= new HashSet<(ValueSourceKind, int, string)>(ValueSource.KeyComparer.Instance);
        seen.Clear();
        foreach (var d in _defs.ReachingIndices(at, reg.Name))
        {
            if (d < 0)
            {
                var s = LiveIn(reg.Name, atNode);
                if (seen.Add(s.Key)) result.Add(s);
                continue;
            }
            var def = _fn.Instructions[d];
            if (def == at) // a loop-carried self-definition (add %r, %r, 1): the def's sources are the use's sources
            {
                foreach (var s in SourcesOfDefinition(def))
                    if (seen.Add(s.Key)) result.Add(s);
                continue;
            }
            foreach (var s in SourcesOfDefinition(def))
                if (seen.Add(s.Key)) result.Add(s.ContinuedBy(atNode));
        }
        if (seen.Count > MaxScratch) _seenOfScratch = null;
        return result;
    }

    /// <summary>The sources of an address operand of <paramref name="insn"/>: its base register's provenance, or its base symbol.</summary>
    public IReadOnlyList<ValueSource> SourcesOfAddress(Instruction insn, AddressOperand address)
    {
        var node = new PathNode(insn, null, null);
        var list = new List<ValueSource>();
        if (address.BaseSymbol is { } sym)
        {
            var p = _fn.FindParameter(sym);
            if (p is not null && insn.Space == StateSpace.Param)
                list.Add(new ValueSource(this, ValueSourceKind.Symbol, sym, insn, node) { Parameter = p, Offset = address.Offset, Space = StateSpace.Param });
            else list.Add(SymbolSource(sym, address.Offset, insn, node));
        }
        if (address.BaseRegister is { } br) list.AddRange(SourcesOf(insn, br));
        if (address.IndexRegister is { } ir) list.AddRange(SourcesOf(insn, ir));
        if (list.Count == 0)
            list.Add(new ValueSource(this, ValueSourceKind.Constant, address.Offset.ToString(), insn, node) { Value = address.Offset });
        return list;
    }

    private readonly Dictionary<(int, AddressOperand), IReadOnlyList<ValueSource>> _loadAddressMemo = new();

    /// <summary>
    /// <see cref="SourcesOfAddress"/> of a load's own address, computed once per load: every Load source of the same
    /// load shares it (its paths end at the load whichever use the Load source was found from).
    /// </summary>
    internal IReadOnlyList<ValueSource> AddressSourcesOfLoad(Instruction load, AddressOperand address)
    {
        var key = (load.Index, address);
        if (_loadAddressMemo.TryGetValue(key, out var known)) return known;
        var list = SourcesOfAddress(load, address);
        _loadAddressMemo[key] = list;
        return list;
    }

    /// <summary>True when some source of the value satisfies <paramref name="pred"/>.</summary>
    public bool DependsOn(Instruction at, RegisterOperand reg, Func<ValueSource, bool> pred)
    {
        foreach (var s in SourcesOf(at, reg))
            if (pred(s)) return true;
        return false;
    }

    /// <summary>
    /// The instructions of the function that write memory (stores, atomics, copies, <c>tcgen05.alloc</c> ...) through an
    /// address rooted at the same symbol or parameter as the address of <paramref name="load"/> (a Load source),
    /// in source order: "which instruction wrote the slot this value was loaded from".
    /// </summary>
    public IReadOnlyList<Instruction> WritersOf(ValueSource load)
    {
        if (load.Kind != ValueSourceKind.Load || load.Origin is null || load.Access is null) return Array.Empty<Instruction>();
        var roots = RootsOf(load.AddressSources);
        if (roots.Count == 0) return Array.Empty<Instruction>();
        var index = _writersByRoot ??= IndexWriters();
        List<Instruction>? only = null;
        List<Instruction>? merged = null;
        foreach (var root in roots)
        {
            if (!index.TryGetValue(root, out var writers)) continue;
            if (only is null) { only = writers; continue; }
            merged ??= new List<Instruction>(only);
            merged.AddRange(writers);
        }
        if (only is null) return Array.Empty<Instruction>();
        if (merged is null) return only;
        // several roots: their writers in source order, each once
        merged.Sort((a, b) => a.Index.CompareTo(b.Index));
        var result = new List<Instruction>(merged.Count);
        foreach (var w in merged)
            if (result.Count == 0 || result[^1] != w) result.Add(w);
        return result;
    }

    /// <summary>The memory-writing instructions of the function by the symbols and parameters their addresses are rooted at (built once).</summary>
    private Dictionary<string, List<Instruction>>? _writersByRoot;

    private Dictionary<string, List<Instruction>> IndexWriters()
    {
        var index = new Dictionary<string, List<Instruction>>(StringComparer.Ordinal);
        foreach (var insn in _fn.InstructionSpan)
        {
            foreach (var m in insn.MemoryAccesses)
            {
                if (m.Access is not (AccessKind.Write or AccessKind.ReadWrite)) continue;
                foreach (var s in SourcesOfAddress(insn, m.Address))
                {
                    if (s.Kind is not (ValueSourceKind.Symbol or ValueSourceKind.Parameter)) continue;
                    if (!index.TryGetValue(s.Name, out var list)) index[s.Name] = list = new List<Instruction>();
                    if (list.Count == 0 || list[^1] != insn) list.Add(insn);
                }
            }
        }
        return index;
    }

    private static HashSet<string> RootsOf(IEnumerable<ValueSource> sources)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in sources)
            if (s.Kind is ValueSourceKind.Symbol or ValueSourceKind.Parameter) set.Add(s.Name);
        return set;
    }
}
