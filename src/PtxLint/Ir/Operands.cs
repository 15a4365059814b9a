using PtxLint.Diagnostics;

namespace PtxLint.Ir;

public enum OperandKind
{
    Register,
    SpecialRegister,
    Immediate,
    FloatImmediate,
    Symbol,
    Address,
    Vector,
    ParenList,
    Sink,
    DualPredicate,
    String,
    Expression,
}

/// <summary>
/// An instruction's operands, read-only: a view of a run of one array (the parser keeps the operands of many
/// instructions in one array) whose count, indexer and enumerator are direct calls (every analysis and rule reads
/// operands; through the interface each read was an interface dispatch). It is an <see cref="IReadOnlyList{T}"/>
/// too, for LINQ and for code that takes any list.
/// </summary>
public readonly struct OperandList : IReadOnlyList<Operand>
{
    private readonly Operand[]? _items;
    private readonly int _start, _count;

    public OperandList(Operand[] items) : this(items, 0, items.Length) { }

    /// <summary>The operands <paramref name="items"/>[<paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/>).</summary>
    internal OperandList(Operand[] items, int start, int count)
    {
        System.Diagnostics.Debug.Assert((uint)start <= (uint)items.Length && (uint)count <= (uint)(items.Length - start));
        _items = items;
        _start = start;
        _count = count;
    }

    public int Count => _count;

    public Operand this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new IndexOutOfRangeException();
            return System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_items!), _start + index);
        }
    }

    public ReadOnlySpan<Operand> AsSpan() => _items is null ? default : new ReadOnlySpan<Operand>(_items, _start, _count);

    /// <summary>The operands themselves, for the parser's label renaming while it builds the function.</summary>
    internal Span<Operand> Writable => _items is null ? default : new Span<Operand>(_items, _start, _count);

    /// <summary>The array the operands are in and where they start (the instruction keeps these).</summary>
    internal Operand[] Items => _items ?? System.Array.Empty<Operand>();
    internal int Start => _start;

    public Enumerator GetEnumerator() => new(Items, _start, _count);

    IEnumerator<Operand> IEnumerable<Operand>.GetEnumerator() => ((IEnumerable<Operand>)new ArraySegment<Operand>(Items, _start, _count)).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<Operand>)this).GetEnumerator();

    public struct Enumerator
    {
        private readonly Operand[] _items;
        private readonly int _end;
        private int _i;

        internal Enumerator(Operand[] items, int start, int count) { _items = items; _i = start - 1; _end = start + count; }

        public readonly Operand Current => _items[_i];

        public bool MoveNext() => ++_i < _end;
    }
}

/// <summary>
/// The registers an instruction reads (<see cref="Instruction.Uses"/>), read-only: a view of a run of one array (a
/// function keeps the uses of all its instructions in one array, not one array per instruction). Its count, indexer and
/// enumerator are direct calls; it is an <see cref="IReadOnlyList{T}"/> too, for LINQ and for code that takes any list.
/// It mirrors <see cref="OperandList"/> on purpose rather than sharing a generic view with it: shared generic code over
/// reference types takes a run-time type lookup that these two, read in every analysis's inner loops, should not.
/// </summary>
public readonly struct RegisterList : IReadOnlyList<RegisterOperand>
{
    private readonly RegisterOperand[]? _items;
    private readonly int _start, _count;

    public RegisterList(RegisterOperand[] items) : this(items, 0, items.Length) { }

    /// <summary>The registers <paramref name="items"/>[<paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/>).</summary>
    internal RegisterList(RegisterOperand[] items, int start, int count)
    {
        System.Diagnostics.Debug.Assert((uint)start <= (uint)items.Length && (uint)count <= (uint)(items.Length - start));
        _items = items;
        _start = start;
        _count = count;
    }

    public int Count => _count;

    /// <summary>The same as <see cref="Count"/> (the uses were an array).</summary>
    public int Length => _count;

    public RegisterOperand this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new IndexOutOfRangeException();
            return System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_items!), _start + index);
        }
    }

    public ReadOnlySpan<RegisterOperand> AsSpan() => _items is null ? default : new ReadOnlySpan<RegisterOperand>(_items, _start, _count);

    private RegisterOperand[] Items => _items ?? System.Array.Empty<RegisterOperand>();

    public Enumerator GetEnumerator() => new(Items, _start, _count);

    IEnumerator<RegisterOperand> IEnumerable<RegisterOperand>.GetEnumerator() => ((IEnumerable<RegisterOperand>)new ArraySegment<RegisterOperand>(Items, _start, _count)).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<RegisterOperand>)this).GetEnumerator();

    public struct Enumerator
    {
        private readonly RegisterOperand[] _items;
        private readonly int _end;
        private int _i;

        internal Enumerator(RegisterOperand[] items, int start, int count) { _items = items; _i = start - 1; _end = start + count; }

        public readonly RegisterOperand Current => _items[_i];

        public bool MoveNext() => ++_i < _end;
    }
}

/// <summary>An instruction operand. Registers are identified by name (PTX registers are not SSA).</summary>
public abstract class Operand
{
    public abstract OperandKind Kind { get; }
    public SourceSpan Span { get; init; }

    /// <summary>Every register (including special registers) named by this operand, recursively.</summary>
    public IReadOnlyList<RegisterOperand> Registers()
    {
        var list = new List<RegisterOperand>();
        CollectRegisters(list);
        return list;
    }

    /// <summary><see cref="Registers"/> appended to <paramref name="into"/> (the def/use tables reuse one list).</summary>
    internal virtual void CollectRegisters(List<RegisterOperand> into) { }
}

/// <summary>A register such as <c>%r1</c>, <c>%rd4</c>, <c>%p2</c> (or a TornadoVM name without %), possibly negated (<c>!%p1</c>).</summary>
public sealed class RegisterOperand : Operand
{
    public RegisterOperand(string name, bool negated = false) { Name = name; Negated = negated; }
    public override OperandKind Kind => IsSpecial ? OperandKind.SpecialRegister : OperandKind.Register;
    public string Name { get; }
    public bool Negated { get; }
    /// <summary>True for special registers (%tid.x, %ctaid.y, %laneid, %clock64, ...).</summary>
    public bool IsSpecial { get; init; }
    /// <summary>Vector component or special-register component: "x" in <c>%tid.x</c>; null when absent.</summary>
    public string? Component { get; init; }
    /// <summary>Name with component: <c>%tid.x</c>.</summary>
    public string FullName => Component is null ? Name : Name + "." + Component;
    internal override void CollectRegisters(List<RegisterOperand> into) => into.Add(this);
    public override string ToString() => (Negated ? "!" : "") + FullName;

    private RegisterOperand[]? _alone;
    /// <summary>
    /// The array { this }, made once: the defs or uses of every instruction that names only this register share it (one
    /// operand stands for every plain mention of a register; a benign race between threads makes two equal arrays at worst).
    /// </summary>
    internal RegisterOperand[] Alone => _alone ??= new[] { this };
}

public sealed class ImmediateOperand : Operand
{
    public ImmediateOperand(long value, string text) { Value = value; Text = text; }
    public override OperandKind Kind => OperandKind.Immediate;
    /// <summary>The 64 bits of the constant (a constant expression is evaluated: <c>(256 &gt;&gt; 4) &lt;&lt; 32</c>).</summary>
    public long Value { get; }
    /// <summary>True when the constant is unsigned by the ISA's rules (a <c>U</c> suffix, too large for .s64, ~ or % ...).</summary>
    public bool IsUnsigned { get; init; }
    public string Text { get; }
    public override string ToString() => Text;
}

public sealed class FloatImmediateOperand : Operand
{
    public FloatImmediateOperand(double value, string text) { Value = value; Text = text; }
    public override OperandKind Kind => OperandKind.FloatImmediate;
    public double Value { get; }
    public string Text { get; }
    public override string ToString() => Text;
}

/// <summary>A symbol: a variable, a parameter, a function name or a label; <see cref="Offset"/> for <c>sym+8</c>.</summary>
public sealed class SymbolOperand : Operand
{
    public SymbolOperand(string name, long offset = 0) { Name = name; Offset = offset; }
    public override OperandKind Kind => OperandKind.Symbol;
    public string Name { get; }
    public long Offset { get; }
    public override string ToString() => Offset == 0 ? Name : $"{Name}+{Offset}";
}

/// <summary>
/// A memory address <c>[base+offset]</c>. Base is a register, a symbol (variable or parameter), or null for <c>[imm]</c>.
/// Texture/surface forms carry extra operands: <c>[tex, {%f1, %f2}]</c>.
/// </summary>
public sealed class AddressOperand : Operand
{
    public override OperandKind Kind => OperandKind.Address;
    public RegisterOperand? BaseRegister { get; init; }
    public string? BaseSymbol { get; init; }
    /// <summary>A second register in <c>[%r1+%r2]</c> forms (rare); null otherwise.</summary>
    public RegisterOperand? IndexRegister { get; init; }
    public long Offset { get; init; }
    public IReadOnlyList<Operand> Extra { get; init; } = Array.Empty<Operand>();
    internal override void CollectRegisters(List<RegisterOperand> into)
    {
        if (BaseRegister is not null) into.Add(BaseRegister);
        if (IndexRegister is not null) into.Add(IndexRegister);
        for (int i = 0; i < Extra.Count; i++) Extra[i].CollectRegisters(into);
    }
    public override string ToString()
    {
        var b = BaseRegister?.ToString() ?? BaseSymbol;
        var s = b is null ? Offset.ToString() : Offset == 0 ? b : $"{b}+{Offset}";
        if (IndexRegister is not null) s += "+" + IndexRegister;
        if (Extra.Count > 0) s += ", " + string.Join(", ", Extra);
        return "[" + s + "]";
    }
}

/// <summary>A brace vector <c>{%r1, %r2, _}</c> of any length.</summary>
public sealed class VectorOperand : Operand
{
    public VectorOperand(IReadOnlyList<Operand> elements) { Elements = elements; }
    public override OperandKind Kind => OperandKind.Vector;
    public IReadOnlyList<Operand> Elements { get; }
    internal override void CollectRegisters(List<RegisterOperand> into)
    {
        for (int i = 0; i < Elements.Count; i++) Elements[i].CollectRegisters(into);
    }
    public override string ToString() => "{" + string.Join(", ", Elements) + "}";
}

/// <summary>A call's parenthesized argument or return list: <c>(retval0)</c>, <c>(param0, param1)</c>.</summary>
public sealed class ParenListOperand : Operand
{
    public ParenListOperand(IReadOnlyList<Operand> elements) { Elements = elements; }
    public override OperandKind Kind => OperandKind.ParenList;
    public IReadOnlyList<Operand> Elements { get; }
    internal override void CollectRegisters(List<RegisterOperand> into)
    {
        for (int i = 0; i < Elements.Count; i++) Elements[i].CollectRegisters(into);
    }
    public override string ToString() => "(" + string.Join(", ", Elements) + ")";
}

/// <summary>The sink <c>_</c>.</summary>
public sealed class SinkOperand : Operand
{
    public override OperandKind Kind => OperandKind.Sink;
    public override string ToString() => "_";
}

/// <summary><c>%p1|%p2</c>: two predicate destinations (setp, elect.sync).</summary>
public sealed class DualPredicateOperand : Operand
{
    public DualPredicateOperand(RegisterOperand first, RegisterOperand second) { First = first; Second = second; }
    public override OperandKind Kind => OperandKind.DualPredicate;
    public RegisterOperand First { get; }
    public RegisterOperand Second { get; }
    internal override void CollectRegisters(List<RegisterOperand> into) { into.Add(First); into.Add(Second); }
    public override string ToString() => $"{First}|{Second}";
}

public sealed class StringOperand : Operand
{
    public StringOperand(string text) { Text = text; }
    public override OperandKind Kind => OperandKind.String;
    public string Text { get; }
    public override string ToString() => Text;
}

/// <summary>A constant expression the IR does not model further (kept as text), with any registers it names.</summary>
public sealed class ExpressionOperand : Operand
{
    public ExpressionOperand(string text, IReadOnlyList<RegisterOperand> registers) { Text = text; Regs = registers; }
    public override OperandKind Kind => OperandKind.Expression;
    public string Text { get; }
    /// <summary>Why the expression is not a valid constant expression (division by zero ...), or null.</summary>
    public string? Problem { get; init; }
    public IReadOnlyList<RegisterOperand> Regs { get; }
    internal override void CollectRegisters(List<RegisterOperand> into)
    {
        for (int i = 0; i < Regs.Count; i++) into.Add(Regs[i]);
    }
    public override string ToString() => Text;
}
