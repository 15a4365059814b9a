using System.Globalization;

namespace PtxLint.Ir;

/// <summary>The type of a constant expression's value, as the PTX ISA defines it: 64-bit signed, 64-bit unsigned, or f64.</summary>
public enum ConstantKind : byte { Signed, Unsigned, Float }

/// <summary>
/// The value of a PTX constant expression (section "Constant Expressions" of the PTX ISA): every integer
/// expression is evaluated in 64 bits, signed (<c>.s64</c>) or unsigned (<c>.u64</c>) by the ISA's rules, and every
/// floating-point expression in f64. <see cref="Bits"/> holds the integer, or the f64's bit pattern.
/// </summary>
public readonly record struct ConstantValue(ConstantKind Kind, long Bits)
{
    public static ConstantValue Signed(long v) => new(ConstantKind.Signed, v);
    public static ConstantValue Unsigned(ulong v) => new(ConstantKind.Unsigned, unchecked((long)v));
    public static ConstantValue Float(double v) => new(ConstantKind.Float, BitConverter.DoubleToInt64Bits(v));

    public bool IsInteger => Kind != ConstantKind.Float;
    public bool IsUnsigned => Kind == ConstantKind.Unsigned;
    /// <summary>The integer value (the f64 truncated toward zero for a float).</summary>
    public long Int => Kind == ConstantKind.Float ? (long)Double : Bits;
    public ulong UInt => unchecked((ulong)Int);
    /// <summary>The value as an f64 (an integer converted).</summary>
    public double Double => Kind switch
    {
        ConstantKind.Float => BitConverter.Int64BitsToDouble(Bits),
        ConstantKind.Unsigned => (double)unchecked((ulong)Bits),
        _ => Bits,
    };
    /// <summary>True when the value is not zero (integers) or not 0.0 (floats): the truth value for !, &amp;&amp;, || and ?:.</summary>
    public bool IsTrue => Kind == ConstantKind.Float ? Double != 0.0 : Bits != 0;

    public override string ToString() => Kind switch
    {
        ConstantKind.Float => Double.ToString("R", CultureInfo.InvariantCulture),
        ConstantKind.Unsigned => UInt.ToString(CultureInfo.InvariantCulture) + "U",
        _ => Bits.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>What one scalar element of a variable's initializer is.</summary>
public enum InitializerKind : byte
{
    /// <summary>A constant expression: <see cref="InitializerElement.Value"/>.</summary>
    Constant,
    /// <summary>The address of a variable or function, plus an offset: <c>sym</c>, <c>sym+8</c>.</summary>
    Address,
    /// <summary><c>generic(sym)</c>: the generic address of a variable.</summary>
    GenericAddress,
    /// <summary>A sampler field <c>addr_mode_0 = clamp_to_border</c>.</summary>
    Field,
    /// <summary>An expression that is neither a constant nor an address (kept as text).</summary>
    Expression,
}

/// <summary>One scalar element of an initializer, in source order (brace lists are flattened).</summary>
public readonly record struct InitializerElement(InitializerKind Kind, ConstantValue Value, string? Text)
{
    /// <summary>The symbol of an <see cref="InitializerKind.Address"/> or <see cref="InitializerKind.GenericAddress"/> element; the field name of a <see cref="InitializerKind.Field"/>.</summary>
    public string? Symbol => Text;

    public override string ToString() => Kind switch
    {
        InitializerKind.Constant => Value.ToString(),
        InitializerKind.Address => Value.Int == 0 ? Text! : $"{Text}+{Value.Int}",
        InitializerKind.GenericAddress => $"generic({Text})",
        _ => Text ?? "",
    };
}

/// <summary>A variable's initializer (<c>= {1, 2, 3}</c>, <c>= 4</c>, <c>= {{1,2},{3,4}}</c>): its scalar elements flattened.</summary>
/// <remarks>
/// Kept compact, since a module's tables (curand's precomputed states: 200,000 elements) live as long as the module:
/// per element its 64 bits and one byte of kinds, and a text only when some element has one.
/// </remarks>
public sealed class Initializer
{
    private readonly long[] _bits;
    private readonly byte[] _kinds; // InitializerKind in the low nibble, ConstantKind in the high one
    private readonly string?[]? _texts;

    public Initializer(InitializerElement[] elements, int topLevelCount)
    {
        var b = new Builder(elements.Length);
        foreach (var e in elements) b.Add(e);
        (_bits, _kinds, _texts) = (b.Bits, b.Kinds, b.Texts);
        TopLevelCount = topLevelCount;
        Elements = new ElementList(this);
    }

    private Initializer(Builder b, int topLevelCount)
    {
        (_bits, _kinds, _texts) = (b.Bits, b.Kinds, b.Texts);
        TopLevelCount = topLevelCount;
        Elements = new ElementList(this);
    }

    /// <summary>The scalar elements in source order, nested brace lists flattened.</summary>
    public IReadOnlyList<InitializerElement> Elements { get; }
    /// <summary>The number of elements of the outermost brace list; -1 for a scalar initializer (<c>= 4</c>).</summary>
    public int TopLevelCount { get; }

    private InitializerElement At(int i)
    {
        byte k = _kinds[i];
        return new InitializerElement((InitializerKind)(k & 0xF), new ConstantValue((ConstantKind)(k >> 4), _bits[i]), _texts?[i]);
    }

    public override string ToString() => TopLevelCount < 0 && Elements.Count == 1
        ? Elements[0].ToString()
        : "{" + string.Join(", ", Elements) + "}";

    /// <summary>Fills an initializer of a known number of elements, without a list that grows.</summary>
    public struct Builder(int count)
    {
        internal readonly long[] Bits = count == 0 ? Array.Empty<long>() : new long[count];
        internal readonly byte[] Kinds = count == 0 ? Array.Empty<byte>() : new byte[count];
        internal string?[]? Texts;
        private int _n;

        public void Add(InitializerElement e) => Put(Bits, Kinds, ref Texts, _n++, e);

        /// <summary>Every element of <paramref name="pending"/>, in order.</summary>
        internal void Add(Pending pending)
        {
            int n = pending.Count;
            Array.Copy(pending.Bits, 0, Bits, _n, n);
            Array.Copy(pending.Kinds, 0, Kinds, _n, n);
            if (pending.Texts is { } texts) Array.Copy(texts, 0, Texts ??= new string?[Bits.Length], _n, n);
            _n += n;
        }

        public readonly Initializer Build(int topLevelCount) =>
            _n == Bits.Length ? new Initializer(this, topLevelCount) : throw new InvalidOperationException($"initializer of {Bits.Length} elements got {_n}");
    }

    /// <summary>Element <paramref name="i"/> of the three arrays an initializer keeps (its texts made on the first text).</summary>
    private static void Put(long[] bits, byte[] kinds, ref string?[]? texts, int i, InitializerElement e)
    {
        bits[i] = e.Value.Bits;
        kinds[i] = (byte)((int)e.Kind | ((int)e.Value.Kind << 4));
        if (e.Text is not null) (texts ??= new string?[bits.Length])[i] = e.Text;
    }

    /// <summary>
    /// Elements whose count is not known yet (a data table decoded as the parser reads it, so that its tokens can go),
    /// kept the way the builder keeps them: 9 bytes an element, not two tokens.
    /// </summary>
    internal sealed class Pending
    {
        internal long[] Bits = new long[256];
        internal byte[] Kinds = new byte[256];
        internal string?[]? Texts;
        internal int Count;

        public void Add(InitializerElement e)
        {
            if (Count == Bits.Length)
            {
                Array.Resize(ref Bits, 2 * Count);
                Array.Resize(ref Kinds, 2 * Count);
                if (Texts is not null) Array.Resize(ref Texts, 2 * Count);
            }
            Put(Bits, Kinds, ref Texts, Count++, e);
        }
    }

    private sealed class ElementList(Initializer owner) : IReadOnlyList<InitializerElement>
    {
        public int Count => owner._bits.Length;
        public InitializerElement this[int index] => (uint)index < (uint)Count ? owner.At(index) : throw new ArgumentOutOfRangeException(nameof(index));
        public IEnumerator<InitializerElement> GetEnumerator()
        {
            for (int i = 0; i < Count; i++) yield return owner.At(i);
        }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
