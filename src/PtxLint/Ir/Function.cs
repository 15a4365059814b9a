using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Semantics;

namespace PtxLint.Ir;

/// <summary>A <c>.entry</c> (kernel) or <c>.func</c>.</summary>
public sealed class PtxFunction
{
    public PtxFunction(PtxModule module, string name, bool isEntry)
    {
        Module = module;
        Name = name;
        IsEntry = isEntry;
    }

    public PtxModule Module { get; }
    public string Name { get; }
    public bool IsEntry { get; }
    public bool IsVisible { get; set; }
    public bool IsExtern { get; set; }
    public bool IsWeak { get; set; }
    /// <summary>False for prototypes/declarations without a body.</summary>
    public bool HasBody { get; set; }
    public List<Parameter> Parameters { get; } = new();
    public List<Parameter> ReturnParameters { get; } = new();
    public PerformanceDirectives Performance { get; } = new();
    /// <summary>Register declarations by prefix (for <c>%r&lt;n&gt;</c>) or full name.</summary>
    public List<RegisterDecl> RegisterDecls { get; } = new();
    /// <summary>Variables declared inside the body (.shared, .local, .param for calls, ...).</summary>
    public Dictionary<string, VariableSymbol> LocalSymbols { get; } = new(StringComparer.Ordinal);
    /// <summary>All instructions in source order; <see cref="Instruction.Index"/> is the position here.</summary>
    public List<Instruction> Instructions { get; } = new();
    /// <summary>
    /// <see cref="Instructions"/> as a span, for the passes over every instruction: a foreach over the list calls its
    /// enumerator per element (shared generic code), over the span it is a plain indexed loop. Not while the list grows.
    /// </summary>
    public ReadOnlySpan<Instruction> InstructionSpan => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Instructions);
    /// <summary>Label name → index of the first instruction at or after the label (Instructions.Count for a label at the end).</summary>
    public Dictionary<string, int> Labels { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, SourceSpan> LabelSpans { get; } = new(StringComparer.Ordinal);
    /// <summary><c>.branchtargets</c> lists by name.</summary>
    public Dictionary<string, List<string>> BranchTargets { get; } = new(StringComparer.Ordinal);
    /// <summary><c>.calltargets</c> lists by name.</summary>
    public Dictionary<string, List<string>> CallTargets { get; } = new(StringComparer.Ordinal);
    /// <summary>The labels of <c>.callprototype</c> statements (what an indirect call names), with their spans.</summary>
    public Dictionary<string, SourceSpan> CallPrototypes { get; } = new(StringComparer.Ordinal);
    /// <summary>Every variable declared in the body in source order, repeated names included (<see cref="LocalSymbols"/> keeps the last).</summary>
    public List<VariableSymbol> LocalDeclarations { get; } = new();
    /// <summary>The nested <c>{ }</c> blocks of the body, in the order they open.</summary>
    public List<BlockScope> Scopes { get; } = new();
    public SourceSpan Span { get; set; }
    public SourceSpan NameSpan { get; set; }

    /// <summary>Basic blocks, built on first use.</summary>
    public IReadOnlyList<BasicBlock> Blocks => Analyses.Cfg.Blocks;

    private InstructionCaches? _caches;
    internal InstructionCaches Caches => _caches ??= new InstructionCaches(this);

    private FunctionAnalyses? _analyses;
    /// <summary>Shared analyses (CFG, dominators, loops, def-use, uniformity, provenance), computed once and cached.</summary>
    public FunctionAnalyses Analyses => _analyses ??= new FunctionAnalyses(this);

    /// <summary>
    /// Drops the cached analyses and the per-instruction caches (defs, uses, memory accesses) — the engine, after the
    /// last per-function rule; the next ask recomputes them.
    /// </summary>
    // instruction spans that do not pack into an instruction (see Instruction.Span): a line past column 4095, or an
    // instruction over 254 lines. Written while the instruction is made, read afterwards.
    private Dictionary<Instruction, SourceSpan>? _wideSpans;

    internal void SetWideSpan(Instruction insn, SourceSpan span)
    {
        var spans = Volatile.Read(ref _wideSpans)
                    ?? Interlocked.CompareExchange(ref _wideSpans, new Dictionary<Instruction, SourceSpan>(ReferenceEqualityComparer.Instance), null)
                    ?? _wideSpans!;
        lock (spans) spans[insn] = span;
    }

    internal SourceSpan WideSpanOf(Instruction insn)
    {
        var spans = Volatile.Read(ref _wideSpans);
        if (spans is null) return default;
        lock (spans) return spans.TryGetValue(insn, out var span) ? span : default;
    }

    public void ReleaseAnalyses()
    {
        _analyses = null;
        _caches = null;
    }

    public Parameter? FindParameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    /// <summary>Finds a variable by name: the function's own first, then the module's.</summary>
    public VariableSymbol? FindVariable(string name) =>
        LocalSymbols.TryGetValue(name, out var v) ? v : Module.Globals.TryGetValue(name, out var g) ? g : null;

    // declarations by name: single registers by their name, ranges (%r<N>) by their prefix
    private Dictionary<string, RegisterDecl>? _singleRegs, _rangeRegs;

    /// <summary>The declaration of a register such as <c>%rd12</c>; null when undeclared.</summary>
    public RegisterDecl? FindRegister(string name)
    {
        if (_singleRegs is null)
        {
            var singles = new Dictionary<string, RegisterDecl>(StringComparer.Ordinal);
            var ranges = new Dictionary<string, RegisterDecl>(StringComparer.Ordinal);
            foreach (var d in RegisterDecls)
                (d.Count is null ? singles : ranges)[d.Prefix] = d;
            _rangeRegs = ranges;
            _singleRegs = singles;
        }
        if (_singleRegs.Count != 0 && _singleRegs.TryGetValue(name, out var single)) return single;
        // %rd12 -> prefix %rd with a numeric suffix (looked up by span: no string is made)
        int end = RegisterNames.NumberStart(name);
        if (end > 0 && _rangeRegs!.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name.AsSpan(0, end), out var ranged)) return ranged;
        return null;
    }

    /// <summary>Width in bits of a register (0 when unknown). Special registers use the ISA's widths.</summary>
    public int RegisterBits(RegisterOperand reg)
    {
        if (reg.IsSpecial) return SpecialRegisters.Bits(reg.Name);
        return FindRegister(reg.Name)?.Bits ?? 0;
    }

    public Location LocationOf(SourceSpan span) => Module.LocationOf(span);

    public override string ToString() => (IsEntry ? ".entry " : ".func ") + Name;
}

/// <summary>A basic block: a maximal straight-line run of instructions.</summary>
public sealed class BasicBlock
{
    public BasicBlock(int id, int start, int end)
    {
        Id = id;
        Start = start;
        End = end;
    }

    public int Id { get; }
    /// <summary>Index of the first instruction (inclusive).</summary>
    public int Start { get; }
    /// <summary>Index past the last instruction (exclusive). Start == End only for the synthetic exit block.</summary>
    public int End { get; internal set; }
    public List<string> Labels { get; } = new();
    public List<BasicBlock> Successors { get; } = new();
    public List<BasicBlock> Predecessors { get; } = new();
    public bool IsExit { get; internal set; }
    public int Count => End - Start;
    public override string ToString() => IsExit ? "B_exit" : $"B{Id}" + (Labels.Count > 0 ? $"({Labels[0]})" : "");
}

/// <summary>One PTX instruction: <c>[@[!]pred] opcode{.modifier}* operands;</c>.</summary>
public sealed class Instruction
{
    public Instruction(PtxFunction function, int index, string opcode, string[] modifiers, IReadOnlyList<Operand> operands)
        : this(function, index, new OpcodeForm(opcode, modifiers, InstructionTable.Lookup(opcode, modifiers)),
               new OperandList(operands as Operand[] ?? operands.ToArray()), listed: false)
    {
    }

    /// <summary>
    /// With a shared opcode form (the parser keeps one per distinct opcode text); <paramref name="listed"/>: the builder
    /// appends it to <paramref name="function"/>'s instructions at <paramref name="index"/>. A <paramref name="guard"/>
    /// is kept in front of the operands: in the slot before the run when the builder reserved it
    /// (<paramref name="guardSlot"/>), else in an array of the instruction's own.
    /// </summary>
    internal Instruction(PtxFunction function, int index, OpcodeForm form, OperandList operands, bool listed,
        RegisterOperand? guard = null, bool guardSlot = false)
    {
        if ((uint)index > IndexMask) throw new ArgumentOutOfRangeException(nameof(index));
        Function = function;
        _form = form;
        _indexFlags = index | (listed ? ListedBit : 0) | (guard is not null ? GuardBit : 0);
        var items = operands.Items;
        int start = operands.Start, count = operands.Count;
        // a run of a shared array: its start and count in one int
        if (start < SharedRunLimit && count < OwnArray && (guard is null || (guardSlot && start >= 1)))
        {
            if (guard is not null) items[start - 1] = guard;
            _items = items;
            _run = start | count << StartBits;
            return;
        }
        // an array of its own: [guard,] operands
        int g = guard is null ? 0 : 1;
        if (g == 0 && start == 0 && count == items.Length) _items = items;
        else
        {
            var own = new Operand[count + g];
            if (g == 1) own[0] = guard!;
            operands.AsSpan().CopyTo(own.AsSpan(g));
            _items = own;
        }
        _run = OwnArray << StartBits;
    }

    private const int ListedBit = 1 << 31;
    private const int GuardBit = 1 << 30;
    private const int IndexMask = GuardBit - 1;
    private const int StartBits = 11;
    private const int StartMask = (1 << StartBits) - 1;

    /// <summary>A run of a shared operand array is kept as a run when it starts below this; the builder's arrays are no longer.</summary>
    internal const int SharedRunLimit = 1 << StartBits;
    private const int OwnArray = (1 << (32 - StartBits)) - 1;

    /// <summary>True when the instruction is its function's <c>Instructions[Index]</c> (the builder made it there):
    /// the per-function side tables hold its defs, uses and memory accesses without looking it up in the list.</summary>
    internal bool Listed => _indexFlags < 0;

    // An instruction is kept small (64 bytes): the opcode, its modifiers and its table row are one shared object; the
    // lazily computed defs/uses/memory accesses live in per-function side tables (see PtxFunction); the index carries
    // two flags; the operands (and the guard, in front of them) are a run of an array shared with other instructions;
    // the span is packed into 8 bytes.
    private readonly OpcodeForm _form;
    internal OpcodeForm Form => _form;

    // the index, Listed (the sign bit) and whether there is a guard (bit 30)
    private readonly int _indexFlags;
    // the operands: _items[start .. start + count), start and count packed in _run; count OwnArray: all of _items after
    // the guard. The guard is at _items[start - 1].
    private readonly Operand[] _items;
    private readonly int _run;
    private readonly long _span;

    public PtxFunction Function { get; }
    public int Index => _indexFlags & IndexMask;
    /// <summary>The base opcode, e.g. <c>ld</c>, <c>tcgen05.ld</c> is <c>tcgen05</c> with modifier <c>.ld</c>.</summary>
    public string Opcode => _form.Opcode;
    /// <summary>Modifiers in source order, with their dots: <c>.global</c>, <c>.v4</c>, <c>.f32</c>, <c>.shared::cluster</c>.</summary>
    public string[] Modifiers => _form.Modifiers;

    private int OperandStart => (int)((uint)_run >> StartBits) == OwnArray ? (_indexFlags & GuardBit) != 0 ? 1 : 0 : _run & StartMask;

    public OperandList Operands
    {
        get
        {
            int count = (int)((uint)_run >> StartBits);
            if (count != OwnArray) return new OperandList(_items, _run & StartMask, count);
            int g = (_indexFlags & GuardBit) != 0 ? 1 : 0;
            return new OperandList(_items, g, _items.Length - g);
        }
    }

    /// <summary>The guard predicate (<c>@%p1</c>, <c>@!%p1</c>), or null.</summary>
    public RegisterOperand? Guard
    {
        get => (_indexFlags & GuardBit) == 0 ? null : System.Runtime.CompilerServices.Unsafe.As<RegisterOperand>(_items[OperandStart - 1]);
        init
        {
            // set after construction (not by the parser): the operands move to an array of the instruction's own
            var ops = Operands;
            int g = value is null ? 0 : 1;
            var own = new Operand[ops.Count + g];
            if (value is not null) own[0] = value;
            ops.AsSpan().CopyTo(own.AsSpan(g));
            _items = own;
            _run = OwnArray << StartBits;
            _indexFlags = value is null ? _indexFlags & ~GuardBit : _indexFlags | GuardBit;
        }
    }

    // Span packing: start line (32 bits), start column (12), end line - start line (8), end column (12). A span that
    // does not fit (a long line, an instruction over 254 lines) is WideSpan here and kept by the function.
    private const long WideSpan = 0xFFL << 44;

    public SourceSpan Span
    {
        get
        {
            long s = _span;
            if (s == WideSpan) return Function.WideSpanOf(this);
            int line = (int)s;
            return new SourceSpan(line, (int)((s >> 32) & 0xFFF), line + (int)((s >> 44) & 0xFF), (int)((ulong)s >> 52));
        }
        init
        {
            if (value.StartLine >= 0 && (uint)value.StartColumn <= 0xFFF && (uint)value.EndColumn <= 0xFFF && (uint)(value.EndLine - value.StartLine) < 0xFF)
                _span = (uint)value.StartLine | (long)value.StartColumn << 32 | (long)(value.EndLine - value.StartLine) << 44 | (long)value.EndColumn << 52;
            else
            {
                _span = WideSpan;
                Function.SetWideSpan(this, value);
            }
        }
    }

    public DebugLoc? Loc { get; init; }
    /// <summary>Semantics from the instruction table (conservative defaults for unknown opcodes).</summary>
    public OpcodeInfo Info => _form.Info;

    /// <summary>The opcode with all modifiers, as written: <c>ld.global.v4.f32</c>.</summary>
    public string FullOpcode => _form.FullOpcode;

    /// <summary>Opcode plus its first modifier for multi-word opcodes (<c>tcgen05.ld</c>, <c>cp.async</c>, <c>mbarrier.init</c>).</summary>
    public string Mnemonic => Info.Mnemonic(this);

    public bool Has(string modifier) => Array.IndexOf(Modifiers, modifier) >= 0;
    public bool HasPrefix(string prefix)
    {
        foreach (var m in Modifiers)
            if (m.StartsWith(prefix, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>The data type: the last type modifier (<c>.f32</c> in <c>ld.global.v4.f32</c>), or null.</summary>
    public string? Type => _form.Type;

    /// <summary>The first state-space modifier; None when absent (generic addressing for memory ops).</summary>
    public StateSpace Space
    {
        get
        {
            foreach (var m in Modifiers)
            {
                var s = StateSpaces.Parse(m);
                if (s != StateSpace.None) return s;
            }
            return StateSpace.None;
        }
    }

    /// <summary>All state-space modifiers in order (cp.async.bulk.shared::cluster.global has two).</summary>
    public IEnumerable<StateSpace> Spaces()
    {
        foreach (var m in Modifiers)
        {
            var s = StateSpaces.Parse(m);
            if (s != StateSpace.None) yield return s;
        }
    }

    /// <summary>Vector width from <c>.v2/.v4/.v8</c>, 1 otherwise.</summary>
    public int VectorWidth
    {
        get
        {
            foreach (var m in Modifiers)
                if (m.Length >= 3 && m[1] == 'v' && int.TryParse(m.AsSpan(2), out var n)) return n;
            return 1;
        }
    }

    /// <summary>Registers this instruction writes (from the instruction table).</summary>
    public RegisterList Defs => Function.Caches.Defs(this);
    /// <summary>Registers (and special registers) this instruction reads, the guard included.</summary>
    public RegisterList Uses => Function.Caches.Uses(this);

    /// <summary>The memory address operands with their resolved state space and access direction.</summary>
    public MemoryAccess[] MemoryAccesses => Function.Caches.MemoryAccesses(this);

    public Location Location => Function.LocationOf(Span);

    public override string ToString()
    {
        var g = Guard is null ? "" : "@" + Guard + " ";
        return g + FullOpcode + (Operands.Count > 0 ? " " + string.Join(", ", Operands) : "") + ";";
    }
}

/// <summary>An opcode as written (<c>ld</c> with <c>.global .v4 .f32</c>) and its table row; shared by every instruction with that text.</summary>
internal sealed class OpcodeForm(string opcode, string[] modifiers, OpcodeInfo info)
{
    public readonly string Opcode = opcode;
    public readonly string[] Modifiers = modifiers;
    public readonly OpcodeInfo Info = info;
    /// <summary>What the ISA validator found for this opcode text (the forms its modifiers fit): set on first use, immutable.</summary>
    public object? IsaMatch;
    /// <summary>
    /// The last pass over a function's instructions that saw this form (<see cref="Analysis.FunctionFacts"/>), so that a
    /// pass handles each form once: a number only that pass uses. Two threads passing over functions of one module
    /// overwrite each other's mark at worst, and then handle the form again (an int: no torn read).
    /// </summary>
    public int SeenBy;

    private static readonly object NoType = new();
    private object? _type; // the last type modifier, NoType when none; set on first use (one reference: no torn read)

    private int _namesShared; // 0 not worked out, 1 no, 2 yes (an int: no torn read)

    private string? _fullOpcode; // set on first use (one reference: no torn read)

    /// <summary>The opcode with its modifiers (<c>ld.global.v4.f32</c>), made once for every instruction of the form.</summary>
    public string FullOpcode => _fullOpcode ??= Modifiers.Length == 0 ? Opcode : Opcode + string.Concat(Modifiers);

    /// <summary>A modifier names a shared state space (<c>.shared</c>, <c>.shared::cta</c>, <c>.shared::cluster</c>); worked out once.</summary>
    public bool NamesSharedSpace
    {
        get
        {
            int v = _namesShared;
            if (v == 0)
            {
                v = 1;
                foreach (var m in Modifiers)
                    if (StateSpaces.Parse(m).IsShared()) { v = 2; break; }
                _namesShared = v;
            }
            return v == 2;
        }
    }

    /// <summary>The last type modifier (<c>.u32</c> of <c>ld.global.u32</c>); null when none.</summary>
    public string? Type
    {
        get
        {
            var t = _type;
            if (t is null)
            {
                t = NoType;
                for (int i = Modifiers.Length - 1; i >= 0; i--)
                    if (Types.IsType(Modifiers[i])) { t = Modifiers[i]; break; }
                _type = t;
            }
            return t as string;
        }
    }
}

/// <summary>
/// Per-function side tables for what an instruction computes on demand (defs, uses, memory accesses), indexed by
/// <see cref="Instruction.Index"/>: they cost nothing until an analysis asks, and nothing per instruction in the IR.
/// </summary>
internal sealed class InstructionCaches(PtxFunction function)
{
    private RegisterTables? _tables;
    private MemoryAccess[]?[]? _mem;

    /// <summary>
    /// The registers every instruction of the function reads and writes, flat: instruction i reads
    /// UseFlat[UseStart[i] .. UseStart[i + 1]) and writes DefFlat[DefStart[i] .. DefStart[i + 1]). Built in one pass over
    /// the instructions on the first ask for either (most analyses read both: the register index, the special registers);
    /// one array per instruction was millions of objects over the corpus, each kept as long as its function's analyses, and
    /// the register index then walked them scattered through memory.
    /// </summary>
    internal sealed class RegisterTables(RegisterOperand[] useFlat, int[] useStart, RegisterOperand[] defFlat, int[] defStart)
    {
        public readonly RegisterOperand[] UseFlat = useFlat, DefFlat = defFlat;
        public readonly int[] UseStart = useStart, DefStart = defStart;
    }

    /// <summary>
    /// The tables of the function's instructions (two threads may both build them: the same tables, and one reference to
    /// publish); built again if instructions were added since (the list is complete once parsed; tests build it by hand).
    /// </summary>
    internal RegisterTables Tables =>
        _tables is { } t && t.UseStart.Length == function.Instructions.Count + 1 ? t : _tables = BuildTables();

    private bool Cached(Instruction insn) =>
        // only instructions of this function at their index are cached (the list is complete once parsed); that the
        // builder put it there is a flag of the instruction, so no lookup in the list (a cache miss in a big function)
        insn.Listed && ReferenceEquals(insn.Function, function);

    public RegisterList Defs(Instruction insn)
    {
        if (!Cached(insn)) return new RegisterList(OperandRoles.ComputeDefs(insn));
        var t = Tables;
        int i = insn.Index;
        if ((uint)i >= (uint)(t.DefStart.Length - 1)) return new RegisterList(OperandRoles.ComputeDefs(insn));
        int start = t.DefStart[i];
        return new RegisterList(t.DefFlat, start, t.DefStart[i + 1] - start);
    }

    public RegisterList Uses(Instruction insn)
    {
        if (!Cached(insn)) return new RegisterList(OperandRoles.ComputeUses(insn));
        var t = Tables;
        int i = insn.Index;
        if ((uint)i >= (uint)(t.UseStart.Length - 1)) return new RegisterList(OperandRoles.ComputeUses(insn));
        int start = t.UseStart[i];
        return new RegisterList(t.UseFlat, start, t.UseStart[i + 1] - start);
    }

    private RegisterTables BuildTables()
    {
        var insns = function.Instructions;
        int n = insns.Count;
        var useStart = new int[n + 1];
        var defStart = new int[n + 1];
        var uses = new RegisterOperand[2 * n + 16]; // most instructions read two registers or fewer
        var defs = new RegisterOperand[n + 16];     // and write one or none
        int nu = 0, nd = 0;
        for (int i = 0; i < n; i++)
        {
            useStart[i] = nu;
            defStart[i] = nd;
            OperandRoles.CollectUsesAndDefs(insns[i], ref uses, ref nu, ref defs, ref nd);
        }
        useStart[n] = nu;
        defStart[n] = nd;
        if (nu < uses.Length / 2 && uses.Length > 64) Array.Resize(ref uses, nu);
        if (nd < defs.Length / 2 && defs.Length > 64) Array.Resize(ref defs, nd);
        return new RegisterTables(uses, useStart, defs, defStart);
    }

    public MemoryAccess[] MemoryAccesses(Instruction insn)
    {
        if (!insn.Listed || !ReferenceEquals(insn.Function, function)) return OperandRoles.ComputeMemoryAccesses(insn);
        int i = insn.Index;
        var t = _mem ??= new MemoryAccess[]?[function.Instructions.Count];
        if ((uint)i >= (uint)t.Length) return OperandRoles.ComputeMemoryAccesses(insn);
        return t[i] ??= OperandRoles.ComputeMemoryAccesses(insn);
    }
}

public enum AccessKind { Read, Write, ReadWrite, None }

/// <summary>An address operand of an instruction, resolved: its state space and whether it is read or written.</summary>
public sealed record MemoryAccess(AddressOperand Address, int OperandIndex, StateSpace Space, AccessKind Access, int Bytes);
