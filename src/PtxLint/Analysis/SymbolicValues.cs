using System.Text;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>What an <see cref="Atom"/> of a symbolic value stands for.</summary>
public enum AtomKind
{
    /// <summary>The address of a variable (<c>mov.u32 %r1, smem</c>): <see cref="Atom.Name"/> is the symbol.</summary>
    Symbol,
    /// <summary><c>%tid.x/y/z</c>: <see cref="Atom.Name"/> is the component.</summary>
    ThreadIndex,
    /// <summary><c>%laneid</c>: the linear thread index modulo 32.</summary>
    LaneId,
    /// <summary>A CTA-uniform special register (<c>%ntid.x</c>, <c>%ctaid.y</c>, <c>%clusterid.x</c> ...): Name is its full name.</summary>
    Special,
    /// <summary>A kernel parameter read by <c>ld.param</c>: Name is the parameter, <see cref="Atom.Offset"/> the byte offset.</summary>
    Parameter,
    /// <summary>The iteration number (0, 1, 2 ...) of <see cref="Atom.Loop"/>: how many times its header was re-entered.</summary>
    LoopCounter,
    /// <summary>
    /// A value updated once per iteration of <see cref="Atom.Loop"/> by a non-additive step (<c>s &gt;&gt;= 1</c>,
    /// <c>cur ^= 1</c>): <see cref="Atom.Args"/>[0] is the value on entry, <see cref="Atom.Name"/> the step opcode and
    /// Args[1] its other operand.
    /// </summary>
    Induction,
    /// <summary>An operation the analysis does not reduce to a sum (<c>and</c>, <c>shr</c>, <c>rem</c>, a product of two values ...) over <see cref="Atom.Args"/>.</summary>
    Operation,
    /// <summary>A value the analysis does not see into (a load, an atomic, a merge of different values ...): <see cref="Atom.Origin"/> made it.</summary>
    Opaque,
}

/// <summary>The integer operations <see cref="SymbolicValues"/> computes for an Operation or Induction atom.</summary>
internal enum AtomOp { None, And, Or, Xor, Not, Add, Sub, Mul, Shl, ShrU, ShrS, DivU, DivS, RemU, RemS, MinU, MaxU, MinS, MaxS, Abs, Trunc, Sext, Popc, BfeU }

/// <summary>
/// One unknown of a symbolic value. Atoms are interned per function: two atoms are the same value exactly when they are
/// the same object (for Opaque atoms: the same definition in the same dynamic instance).
/// </summary>
public sealed class Atom
{
    internal Atom(int id, AtomKind kind, string name)
    {
        Id = id;
        Kind = kind;
        Name = name;
        if (kind == AtomKind.ThreadIndex) Axis = name switch { "x" => 0, "y" => 1, _ => 2 };
        else if (kind is AtomKind.Operation or AtomKind.Induction) Op = SymbolicValues.OpCode(name);
    }

    // Name, worked out once for evaluation (which runs for every thread of a search box): the axis of a thread index
    // (0 x, 1 y, 2 z), and the operation of an Operation or Induction atom
    internal int Axis { get; }
    internal AtomOp Op { get; }

    /// <summary>Creation order within the function; orders the terms of an <see cref="Expr"/>.</summary>
    public int Id { get; }
    public AtomKind Kind { get; }
    public string Name { get; }
    public long Offset { get; init; }
    /// <summary>Width in bits of the operation (Operation, Induction); 64 otherwise.</summary>
    public int Bits { get; init; } = 64;
    public Loop? Loop { get; init; }
    public Instruction? Origin { get; init; }
    public Expr[] Args { get; init; } = Array.Empty<Expr>();
    private Uniformity? _uniformity;
    private Func<Uniformity>? _resolve;

    /// <summary>Uniformity over the threads of a CTA at one dynamic point (asked of <see cref="UniformityInfo"/> on first use).</summary>
    public Uniformity Uniformity
    {
        get => _uniformity ??= _resolve?.Invoke() ?? Uniformity.Uniform;
        init => _uniformity = value;
    }

    /// <summary>Computes the uniformity on first use (so atoms that are never compared cost no uniformity analysis).</summary>
    internal Func<Uniformity> LazyUniformity { init => _resolve = value; }
    /// <summary>True when the value is a function of the thread index and loop iteration numbers only (it can be computed for a given thread).</summary>
    public bool ThreadEvaluable { get; init; }
    /// <summary>Blocks whose re-execution changes the value (its definitions); empty for values fixed for the whole launch.</summary>
    public IReadOnlyList<BasicBlock> Origins { get; init; } = Array.Empty<BasicBlock>();

    /// <summary>Same value for every thread of the CTA at one point.</summary>
    public bool IsThreadInvariant => Uniformity == Uniformity.Uniform;

    /// <summary>True when the value may change from one iteration of <paramref name="loop"/> to the next.</summary>
    public bool IsVariantIn(Loop loop)
    {
        var origins = Origins;
        for (int i = 0; i < origins.Count; i++)
            if (loop.Contains(origins[i])) return true;
        return false;
    }

    /// <summary>True when the atom is, or is built from, a special register whose name starts with one of <paramref name="prefixes"/>.</summary>
    public bool DependsOnSpecial(params string[] prefixes)
    {
        if (Kind == AtomKind.Special)
        {
            foreach (var p in prefixes)
                if (Name.StartsWith(p, StringComparison.Ordinal)) return true;
            return false;
        }
        foreach (var a in Args)
            foreach (var (t, _) in a.Terms)
                if (t.DependsOnSpecial(prefixes)) return true;
        return false;
    }

    public override string ToString() => Kind switch
    {
        AtomKind.Symbol => Name,
        AtomKind.ThreadIndex => "%tid." + Name,
        AtomKind.LaneId => "%laneid",
        AtomKind.Special => Name,
        AtomKind.Parameter => Offset == 0 ? $"param({Name})" : $"param({Name}+{Offset})",
        AtomKind.LoopCounter => $"k{Loop?.Header.Id}",
        AtomKind.Induction => $"iv{Loop?.Header.Id}({Args[0]} {Name} {Args[1]})",
        AtomKind.Operation => $"{Name}({string.Join(", ", Args)})",
        _ => Origin is { } o ? $"v{o.Index}" : $"v#{Id}",
    };
}

/// <summary>
/// A symbolic integer value: <c>Constant + sum(Coefficient * Atom)</c>, e.g. <c>smem + 4*%tid.x + 128*k3 + 16</c>.
/// Immutable; structural equality (atoms compare by identity).
/// </summary>
public sealed class Expr : IEquatable<Expr>
{
    private static readonly (Atom, long)[] NoTerms = Array.Empty<(Atom, long)>();
    private readonly int _hash;

    private Expr(long constant, (Atom Atom, long Coefficient)[] terms)
    {
        Constant = constant;
        Terms = terms;
        var h = new HashCode();
        h.Add(constant);
        foreach (var (a, c) in terms) { h.Add(a.Id); h.Add(c); }
        _hash = h.ToHashCode();
    }

    public long Constant { get; }
    /// <summary>Terms sorted by atom id, no zero coefficients.</summary>
    public (Atom Atom, long Coefficient)[] Terms { get; }
    public bool IsConstant => Terms.Length == 0;

    public static readonly Expr Zero = new(0, NoTerms);
    public static Expr Const(long c) => c == 0 ? Zero : new Expr(c, NoTerms);
    public static Expr Of(Atom a) => new(0, new[] { (a, 1L) });

    /// <summary>The coefficient of <paramref name="atom"/> (0 when absent).</summary>
    public long CoefficientOf(Atom atom)
    {
        foreach (var (a, c) in Terms)
            if (a == atom) return c;
        return 0;
    }

    /// <summary>The single atom with coefficient 1 and no constant, or null.</summary>
    public Atom? AsAtom => Constant == 0 && Terms.Length == 1 && Terms[0].Coefficient == 1 ? Terms[0].Atom : null;

    public static Expr operator +(Expr a, Expr b) => Combine(a, b, 1);
    public static Expr operator -(Expr a, Expr b) => Combine(a, b, -1);
    public static Expr operator +(Expr a, long c) => c == 0 ? a : new Expr(a.Constant + c, a.Terms);

    public Expr Scale(long k)
    {
        if (k == 0) return Zero;
        if (k == 1) return this;
        var t = new (Atom, long)[Terms.Length];
        for (int i = 0; i < t.Length; i++) t[i] = (Terms[i].Atom, Terms[i].Coefficient * k);
        return new Expr(Constant * k, t);
    }

    private static Expr Combine(Expr a, Expr b, long sign)
    {
        if (b.Terms.Length == 0) return b.Constant == 0 ? a : new Expr(a.Constant + sign * b.Constant, a.Terms);
        var list = new List<(Atom, long)>(a.Terms.Length + b.Terms.Length);
        int i = 0, j = 0;
        while (i < a.Terms.Length || j < b.Terms.Length)
        {
            if (j >= b.Terms.Length || i < a.Terms.Length && a.Terms[i].Atom.Id < b.Terms[j].Atom.Id) list.Add(a.Terms[i++]);
            else if (i >= a.Terms.Length || b.Terms[j].Atom.Id < a.Terms[i].Atom.Id) { list.Add((b.Terms[j].Atom, sign * b.Terms[j].Coefficient)); j++; }
            else
            {
                long c = a.Terms[i].Coefficient + sign * b.Terms[j].Coefficient;
                if (c != 0) list.Add((a.Terms[i].Atom, c));
                i++; j++;
            }
        }
        return new Expr(a.Constant + sign * b.Constant, list.ToArray());
    }

    public bool Equals(Expr? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (_hash != other._hash || Constant != other.Constant || Terms.Length != other.Terms.Length) return false;
        for (int i = 0; i < Terms.Length; i++)
            if (Terms[i].Atom != other.Terms[i].Atom || Terms[i].Coefficient != other.Terms[i].Coefficient) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is Expr e && Equals(e);
    public override int GetHashCode() => _hash;

    /// <summary>A deterministic order (for canonical argument lists of commutative operations).</summary>
    public static int Compare(Expr a, Expr b)
    {
        int c = a.Terms.Length.CompareTo(b.Terms.Length);
        if (c != 0) return c;
        for (int i = 0; i < a.Terms.Length; i++)
        {
            c = a.Terms[i].Atom.Id.CompareTo(b.Terms[i].Atom.Id);
            if (c != 0) return c;
            c = a.Terms[i].Coefficient.CompareTo(b.Terms[i].Coefficient);
            if (c != 0) return c;
        }
        return a.Constant.CompareTo(b.Constant);
    }

    public override string ToString()
    {
        if (Terms.Length == 0) return Constant.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        foreach (var (a, c) in Terms)
        {
            if (sb.Length > 0) sb.Append(c < 0 ? " - " : " + ");
            else if (c < 0) sb.Append('-');
            long m = Math.Abs(c);
            if (m != 1) sb.Append(m).Append('*');
            sb.Append(a);
        }
        if (Constant != 0) sb.Append(Constant < 0 ? " - " : " + ").Append(Math.Abs(Constant));
        return sb.ToString();
    }
}

/// <summary>The values a thread sees: its index, and the iteration number of each loop (missing: unknown).</summary>
public sealed class ThreadBinding
{
    public long X { get; internal set; }
    public long Y { get; internal set; }
    public long Z { get; internal set; }
    /// <summary>blockDim.x and blockDim.y, for the linear index (lane, warp); null when unknown (then only 1-D blocks have a lane).</summary>
    public long? BlockX { get; init; }
    public long? BlockY { get; init; }
    public IReadOnlyDictionary<Loop, long>? Iterations { get; init; }

    /// <summary>The linear thread index <c>x + ntid.x*(y + ntid.y*z)</c>; null when it needs an unknown block dimension.</summary>
    public long? Linear => LinearOf(X, Y, Z, BlockX, BlockY);

    /// <summary><see cref="Linear"/> of thread (x, y, z) in a block of <paramref name="bx"/> by <paramref name="by"/>.</summary>
    internal static long? LinearOf(long x, long y, long z, long? bx, long? by) =>
        y == 0 && z == 0 ? x : bx is long b && (z == 0 || by is not null) ? x + b * (y + (by ?? 1) * z) : null;
    public long? Lane => Linear is long l ? l & 31 : null;
    public long? Warp => Linear is long l ? l >> 5 : null;

    public override string ToString() => Y == 0 && Z == 0 ? $"{X}" : $"({X},{Y},{Z})";
}

/// <summary>A predicate value: a comparison of symbolic values, a boolean combination, or unknown.</summary>
public abstract class Pred
{
    /// <summary>The value for a thread: true, false, or null when it depends on something the binding does not fix.</summary>
    public abstract bool? Evaluate(ThreadBinding t);
    public static readonly Pred True = new ConstPred(true);
    public static readonly Pred False = new ConstPred(false);
    public static Pred Not(Pred p) => p switch
    {
        NotPred n => n.Operand,
        ConstPred c => c.Value ? False : True,
        _ => new NotPred(p),
    };

    /// <summary>The uniformity of the value over the CTA (Uniform for comparisons of thread-invariant values).</summary>
    public abstract Uniformity Uniformity { get; }

    private Atom[]? _atoms;

    /// <summary>The atoms the predicate compares (none for unknown and constant predicates), in operand order; one
    /// array per predicate (predicates are immutable), not to be changed.</summary>
    public Atom[] Atoms() => _atoms ??= CollectAtoms();

    protected virtual Atom[] CollectAtoms() => Array.Empty<Atom>();

    /// <summary>True when an atom of <paramref name="p"/> changes between iterations of <paramref name="loop"/>.</summary>
    internal static bool AnyVariantIn(Pred p, Loop loop)
    {
        foreach (var a in p.Atoms())
            if (a.IsVariantIn(loop)) return true;
        return false;
    }

    private sealed class ConstPred(bool value) : Pred
    {
        public bool Value { get; } = value;
        public override bool? Evaluate(ThreadBinding t) => Value;
        public override Uniformity Uniformity => Uniformity.Uniform;
        public override string ToString() => Value ? "true" : "false";
    }

}

/// <summary><c>!P</c>.</summary>
public sealed class NotPred(Pred operand) : Pred
{
    public Pred Operand { get; } = operand;
    public override bool? Evaluate(ThreadBinding t) => Operand.Evaluate(t) is bool b ? !b : null;
    public override Uniformity Uniformity => Operand.Uniformity;
    protected override Atom[] CollectAtoms() => Operand.Atoms();
    public override string ToString() => $"!({Operand})";
}

/// <summary><c>A cmp B</c> of integers (<c>setp.lt.s32</c> ...).</summary>
public sealed class ComparePred(string op, bool signed, Expr a, Expr b) : Pred
{
    private Uniformity? _u;
    public string Op { get; } = op;
    public bool Signed { get; } = signed;
    public Expr A { get; } = a;
    public Expr B { get; } = b;
    private Expr? _difference;
    /// <summary>A - B, made once (the witness search asks it for every thread it assumes the comparison for).</summary>
    internal Expr Difference => _difference ??= A - B;
    public override Uniformity Uniformity => _u ??= A.Terms.Concat(B.Terms).Aggregate(Uniformity.Uniform, (u, t) => u.Meet(t.Atom.Uniformity));

    // the comparison as a number, worked out once (evaluation runs for every thread of a search box)
    private readonly int _cmp = op switch { "eq" => 1, "ne" => 2, "lt" or "lo" => 3, "le" or "ls" => 4, "gt" or "hi" => 5, "ge" or "hs" => 6, _ => 0 };

    public override bool? Evaluate(ThreadBinding t)
    {
        if (SymbolicValues.Evaluate(A, t) is not long x || SymbolicValues.Evaluate(B, t) is not long y) return null;
        return Compare(x, y);
    }

    /// <summary>The comparison of two values of A and B.</summary>
    internal bool? Compare(long x, long y)
    {
        return _cmp switch
        {
            1 => x == y,
            2 => x != y,
            3 => x < y,
            4 => x <= y,
            5 => x > y,
            6 => x >= y,
            _ => null,
        };
    }

    protected override Atom[] CollectAtoms()
    {
        if (A.Terms.Length + B.Terms.Length == 0) return Array.Empty<Atom>();
        var atoms = new Atom[A.Terms.Length + B.Terms.Length];
        for (int i = 0; i < A.Terms.Length; i++) atoms[i] = A.Terms[i].Atom;
        for (int i = 0; i < B.Terms.Length; i++) atoms[A.Terms.Length + i] = B.Terms[i].Atom;
        return atoms;
    }

    public override string ToString() => $"{A} {Op switch { "eq" => "==", "ne" => "!=", "lt" or "lo" => "<", "le" or "ls" => "<=", "gt" or "hi" => ">", "ge" or "hs" => ">=", _ => Op }} {B}";
}

/// <summary><c>P and/or/xor Q</c>.</summary>
public sealed class BinaryPred(string op, Pred a, Pred b) : Pred
{
    public string Op { get; } = op;
    public Pred A { get; } = a;
    public Pred B { get; } = b;
    public override Uniformity Uniformity => A.Uniformity.Meet(B.Uniformity);

    private readonly int _code = op switch { "and" => 1, "or" => 2, _ => 0 };

    public override bool? Evaluate(ThreadBinding t)
    {
        return Combine(A.Evaluate(t), B.Evaluate(t));
    }

    /// <summary>The operation on values of A and B (three-valued: and/or decide with one operand unknown where the other does).</summary>
    internal bool? Combine(bool? x, bool? y)
    {
        return _code switch
        {
            1 => x == false || y == false ? false : x is null || y is null ? null : true,
            2 => x == true || y == true ? true : x is null || y is null ? null : false,
            _ => x is bool p && y is bool q ? p ^ q : null,
        };
    }

    protected override Atom[] CollectAtoms()
    {
        var a = A.Atoms();
        var b = B.Atoms();
        if (b.Length == 0) return a;
        if (a.Length == 0) return b;
        var atoms = new Atom[a.Length + b.Length];
        a.CopyTo(atoms, 0);
        b.CopyTo(atoms, a.Length);
        return atoms;
    }

    public override string ToString() => $"({A}) {Op} ({B})";
}

/// <summary>A predicate the analysis cannot express (a float comparison, a loaded flag, a merge).</summary>
public sealed class UnknownPred(Instruction origin, Func<Uniformity> uniformity) : Pred
{
    private Uniformity? _u;
    public Instruction Origin { get; } = origin;
    public override Uniformity Uniformity => _u ??= uniformity();
    public override bool? Evaluate(ThreadBinding t) => null;
    public override string ToString() => $"p{Origin.Index}";
}

/// <summary>A condition a thread satisfies when it executes an instruction: a branch taken (or not) on the way, or the instruction's own guard.</summary>
public sealed record ThreadCondition(Pred Predicate, bool Polarity, Instruction Source)
{
    /// <summary>Whether the thread meets the condition: true, false, or null when the analysis cannot tell.</summary>
    public bool? Holds(ThreadBinding t) => Predicate.Evaluate(t) is bool b ? b == Polarity : null;

    public override string ToString() => Polarity ? Predicate.ToString()! : $"!({Predicate})";
}

/// <summary>
/// Symbolic values of integer registers (issue 13; meant to absorb the constant folders of PTX006/Tcgen05Support):
/// every register use is an <see cref="Expr"/> over atoms (variable addresses, <c>%tid</c>, uniform special registers,
/// kernel parameters, loop iteration numbers, and opaque values), computed over reaching definitions on demand and
/// memoized per definition.
/// <list type="bullet">
/// <item>Sums: <c>add</c>/<c>sub</c>/<c>mul.lo|wide</c>/<c>mad.lo|wide</c>/<c>shl</c> by constants/<c>neg</c>, integer <c>cvt</c>
/// of 32 bits or more, <c>cvta</c> and <c>mov</c> are exact (values are assumed not to wrap); <c>.sat</c>, <c>.cc</c>
/// and float types are opaque. Other integer operations become <see cref="AtomKind.Operation"/> atoms, which can still
/// be computed for a given thread.</item>
/// <item>Loops: a register updated once per iteration (<c>i = i + c</c>) is <c>init + c*k</c> with the iteration number k;
/// other updates (<c>s &gt;&gt;= 1</c>) are <see cref="AtomKind.Induction"/> atoms. A value defined in a loop and used
/// after it is opaque (its last value).</item>
/// <item>Merges of different values are opaque atoms with the uniformity <see cref="UniformityInfo"/> gives them.</item>
/// </list>
/// Predicates (<c>setp</c>, <c>and/or/xor/not.pred</c>) are <see cref="Pred"/> values, and <see cref="ConditionsOf"/>
/// gives the branch outcomes every thread that executes an instruction has met.
/// </summary>
public sealed class SymbolicValues
{
    private const int MaxDepth = 48;

    private readonly FunctionAnalyses _fa;
    private readonly PtxFunction _fn;
    private readonly ReachingDefinitions _defs;
    private readonly ControlFlowGraph _cfg;
    private readonly Dictionary<long, Expr> _defMemo = new();
    private readonly Dictionary<long, Pred> _predMemo = new();
    private readonly HashSet<long> _active = new();
    private readonly Dictionary<string, Atom> _named = new(StringComparer.Ordinal);
    private readonly Dictionary<OpKey, Atom> _ops = new();
    private readonly Dictionary<long, Atom> _opaque = new();
    private readonly Dictionary<Loop, Atom> _counters = new();
    private readonly Dictionary<int, IReadOnlyList<ThreadCondition>> _blockConditions = new();
    private int _nextId;
    private int _depth;

    public SymbolicValues(FunctionAnalyses fa)
    {
        _fa = fa;
        _fn = fa.Function;
        _defs = fa.Defs;
        _cfg = fa.Cfg;
    }

    public PtxFunction Function => _fn;

    // ---- atoms --------------------------------------------------------------------------------------------------

    private Atom Named(AtomKind kind, string name, long offset = 0, Uniformity u = Uniformity.Uniform, bool evaluable = false)
    {
        var key = $"{(int)kind}|{name}|{offset}";
        if (!_named.TryGetValue(key, out var a))
            _named[key] = a = new Atom(_nextId++, kind, name) { Offset = offset, Uniformity = u, ThreadEvaluable = evaluable };
        return a;
    }

    /// <summary>The atom for a special register read (<c>%tid.x</c>, <c>%ntid.x</c> ...); thread-varying specials other than %tid/%laneid are opaque per use.</summary>
    private Expr Special(Instruction at, RegisterOperand reg)
    {
        var full = reg.FullName;
        if (reg.Name == "%tid" && reg.Component is "x" or "y" or "z")
            return Expr.Of(Named(AtomKind.ThreadIndex, reg.Component, u: Uniformity.Varying, evaluable: true));
        if (reg.Name == "%laneid") return Expr.Of(Named(AtomKind.LaneId, "lane", u: Uniformity.Varying, evaluable: true));
        if (SpecialRegisters.UniformityOf(reg.Name) == SpecialRegisters.Uniformity.CtaUniform && reg.Name is not ("%smid" or "%nsmid" or "%gridid"))
            return Expr.Of(Named(AtomKind.Special, full));
        return Expr.Of(Opaque(at, full, UniformityOfUse(at, reg), new[] { _cfg.BlockOf(at) }));
    }

    private Atom Opaque(Instruction origin, string salt, Func<Uniformity> u, IReadOnlyList<BasicBlock> origins)
    {
        long key = ((long)origin.Index << 20) ^ (uint)salt.GetHashCode(StringComparison.Ordinal) & 0xFFFFF;
        if (!_opaque.TryGetValue(key, out var a))
            _opaque[key] = a = new Atom(_nextId++, AtomKind.Opaque, salt) { Origin = origin, LazyUniformity = u, Origins = origins };
        return a;
    }

    /// <summary>The iteration-number atom of a loop.</summary>
    public Atom Counter(Loop loop)
    {
        if (!_counters.TryGetValue(loop, out var a))
            _counters[loop] = a = new Atom(_nextId++, AtomKind.LoopCounter, "k") { Loop = loop, Uniformity = Uniformity.Uniform, ThreadEvaluable = true, Origins = new[] { loop.Header } };
        return a;
    }

    private readonly record struct OpKey(string Op, int Bits, Loop? Loop, Expr A, Expr? B, Expr? C);

    private Expr Operation(string op, int bits, Expr a, Expr? b = null, Expr? c = null, Loop? loop = null, AtomKind kind = AtomKind.Operation)
    {
        var key = new OpKey(op, bits, loop, a, b, c);
        if (!_ops.TryGetValue(key, out var atom))
        {
            var args = c is not null ? new[] { a, b!, c } : b is not null ? new[] { a, b } : new[] { a };
            bool eval = true;
            var origins = new List<BasicBlock>();
            Uniformity Meet()
            {
                var u = Uniformity.Uniform;
                foreach (var e in args)
                    foreach (var (t, _) in e.Terms) u = u.Meet(t.Uniformity);
                return u;
            }
            foreach (var e in args)
                foreach (var (t, _) in e.Terms)
                {
                    eval &= t.ThreadEvaluable;
                    foreach (var o in t.Origins)
                        if (!origins.Contains(o)) origins.Add(o);
                }
            if (loop is not null && !origins.Contains(loop.Header)) origins.Add(loop.Header);
            atom = new Atom(_nextId++, kind, op) { Bits = bits, Args = args, Loop = loop, LazyUniformity = Meet, ThreadEvaluable = eval, Origins = origins };
            _ops[key] = atom;
        }
        return Expr.Of(atom);
    }

    // ---- public queries -----------------------------------------------------------------------------------------

    // The values are computed on demand: under --stats the outermost query books its exclusive time as "symbolic values"
    // (the queries it makes of itself are inside it; reaching definitions and uniformity book their own).
    private int _queryDepth;
    private bool Timed => _queryDepth == 0 && AnalysisTimings.Current is not null;

    private T Time<T>(Func<T> compute)
    {
        _queryDepth++;
        try { return AnalysisTimings.MeasurePart("symbolic values", compute); }
        finally { _queryDepth--; }
    }

    /// <summary>The symbolic value of register <paramref name="reg"/> read at <paramref name="at"/>.</summary>
    public Expr OfUse(Instruction at, RegisterOperand reg) => Timed ? TimedOfUse(at, reg) : OfUseCore(at, reg);

    // The lambdas live in methods of their own: a lambda capturing a parameter allocates its closure on every call of
    // the method that holds it, whether or not the lambda is made.
    private Expr TimedOfUse(Instruction at, RegisterOperand reg) => Time(() => OfUseCore(at, reg));

    /// <summary>The uniformity of a use, asked only when an opaque atom's uniformity is wanted.</summary>
    private Func<Uniformity> UniformityOfUse(Instruction at, RegisterOperand reg) => () => _fa.Uniformity.OfUse(at, reg);

    /// <summary>The uniformity of a definition, asked only when an opaque atom's uniformity is wanted.</summary>
    private Func<Uniformity> UniformityOfDef(Instruction def) => () => _fa.Uniformity.OfDef(def);

    private Expr OfUseCore(Instruction at, RegisterOperand reg)
    {
        if (reg.IsSpecial) return Special(at, reg);
        var set = _defs.ReachingIndices(at, reg.Name);
        if (set.Length == 1)
        {
            int d = set[0];
            if (d < 0) return Expr.Of(Opaque(at, "live-in " + reg.Name, UniformityOfUse(at, reg), Array.Empty<BasicBlock>()));
            var def = _fn.Instructions[d];
            var e = OfDefinition(def, reg.Name);
            // The last value of a loop's definition, read after the loop, is not the per-iteration value.
            var loop = _fa.Loops.LoopOf(_cfg.BlockOf(def));
            var useBlock = _cfg.BlockOf(at);
            for (var l = loop; l is not null; l = l.Parent)
            {
                if (l.Contains(useBlock)) break;
                if (VariantIn(e, l))
                    return Expr.Of(Opaque(at, reg.Name, UniformityOfUse(at, reg), new[] { _cfg.BlockOf(def), useBlock }));
            }
            return e;
        }
        if (set.Length == 0) return Expr.Of(Opaque(at, "undefined " + reg.Name, () => Uniformity.Varying, Array.Empty<BasicBlock>()));
        if (Induction(at, reg, set) is { } iv) return iv;
        Expr? same = null;
        foreach (var d in set)
        {
            if (d < 0) { same = null; break; }
            var e = OfDefinition(_fn.Instructions[d], reg.Name);
            if (same is null) same = e;
            else if (!same.Equals(e)) { same = null; break; }
        }
        if (same is not null) return same;
        var blocks = set.Where(d => d >= 0).Select(d => _cfg.BlockOf(d)).Append(_cfg.BlockOf(at)).Distinct().ToArray();
        return Expr.Of(Opaque(at, "merge " + reg.Name, UniformityOfUse(at, reg), blocks));
    }

    /// <summary>The symbolic value of an operand (register, immediate, symbol); null for other operand kinds.</summary>
    public Expr? OfOperand(Instruction at, Operand op) => op switch
    {
        RegisterOperand r => OfUse(at, r),
        ImmediateOperand imm => Expr.Const(imm.Value),
        SymbolOperand s => Expr.Of(Named(AtomKind.Symbol, s.Name)) + s.Offset,
        _ => null,
    };

    /// <summary>The byte address of a memory operand <c>[base+offset]</c>.</summary>
    public Expr AddressOf(Instruction at, AddressOperand addr)
    {
        Expr e = addr.BaseRegister is { } r ? OfUse(at, r)
               : addr.BaseSymbol is { } s ? Expr.Of(Named(AtomKind.Symbol, s))
               : Expr.Zero;
        if (addr.IndexRegister is { } ix) e += OfUse(at, ix);
        return e + addr.Offset;
    }

    /// <summary>The variable an address is based on: its one Symbol atom with coefficient 1, or null.</summary>
    public static Atom? BaseSymbol(Expr address)
    {
        Atom? found = null;
        foreach (var (a, c) in address.Terms)
        {
            if (a.Kind != AtomKind.Symbol) continue;
            if (c != 1 || found is not null) return null;
            found = a;
        }
        return found;
    }

    /// <summary>The constant value of an operand, when it has one.</summary>
    public long? ConstantOf(Instruction at, Operand op) => OfOperand(at, op) is { IsConstant: true } e ? e.Constant : null;

    /// <summary>True when a value may change between iterations of <paramref name="loop"/>.</summary>
    public static bool VariantIn(Expr e, Loop loop)
    {
        foreach (var (a, _) in e.Terms)
            if (a.IsVariantIn(loop)) return true;
        return false;
    }

    /// <summary>
    /// The value of <paramref name="e"/> for one thread, or null when it contains atoms the binding does not fix
    /// (parameters, opaque values, iteration numbers it lacks).
    /// </summary>
    public static long? Evaluate(Expr e, ThreadBinding t)
    {
        long v = e.Constant;
        foreach (var (a, c) in e.Terms)
        {
            if (EvaluateAtom(a, t, 0) is not long x) return null;
            v += c * x;
        }
        return v;
    }

    /// <summary>The value of one atom for one thread (as <see cref="Evaluate(Expr, ThreadBinding)"/> of <see cref="Expr.Of"/>, without making the expression).</summary>
    public static long? Evaluate(Atom a, ThreadBinding t) => EvaluateAtom(a, t, 0);

    private static long? EvaluateAtom(Atom a, ThreadBinding t, int depth)
    {
        if (depth > 32) return null;
        switch (a.Kind)
        {
            case AtomKind.ThreadIndex: return a.Axis switch { 0 => t.X, 1 => t.Y, _ => t.Z };
            case AtomKind.LaneId: return t.Lane;
            case AtomKind.LoopCounter: return a.Loop is { } l && t.Iterations is { } it && it.TryGetValue(l, out var k) ? k : null;
            case AtomKind.Induction:
            {
                if (a.Loop is not { } loop || t.Iterations is null || !t.Iterations.TryGetValue(loop, out var n) || n > 64) return null;
                if (Evaluate(a.Args[0], t) is not long v || Evaluate(a.Args[1], t) is not long s) return null;
                return Induct(a.Op, a.Bits, v, s, n);
            }
            case AtomKind.Operation:
            {
                if (!a.ThreadEvaluable) return null;
                var args = a.Args;
                if (args.Length == 0) return null;
                long x0 = 0, x1 = 0, x2 = 0;
                for (int i = 0; i < args.Length; i++)
                {
                    if (Evaluate(args[i], t) is not long v) return null;
                    if (i == 0) x0 = v; else if (i == 1) x1 = v; else if (i == 2) x2 = v;
                }
                return Apply(a.Op, a.Bits, x0, x1, x2);
            }
            default: return null;
        }
    }

    /// <summary>An induction's value after <paramref name="n"/> steps from <paramref name="v"/> (null when a step has none).</summary>
    internal static long? Induct(AtomOp op, int bits, long v, long s, long n)
    {
        for (long i = 0; i < n; i++)
        {
            if (Apply(op, bits, v, s) is not long nv) return null;
            v = nv;
        }
        return v;
    }

    internal static long Mask(long v, int bits) => bits >= 64 ? v : v & ((1L << bits) - 1);

    internal static long SignExtend(long v, int bits) => bits >= 64 ? v : (v << (64 - bits)) >> (64 - bits);

    /// <summary>Integer semantics of the operations kept as atoms, at <paramref name="bits"/> bits.</summary>
    internal static long? Apply(string op, int bits, long a, long b, long c = 0) => Apply(OpCode(op), bits, a, b, c);

    /// <summary>The number <see cref="Apply(AtomOp, int, long, long, long)"/> takes for an operation name (None: not one it computes).</summary>
    internal static AtomOp OpCode(string op) => op switch
    {
        "and" => AtomOp.And,
        "or" => AtomOp.Or,
        "xor" => AtomOp.Xor,
        "not" => AtomOp.Not,
        "add" => AtomOp.Add,
        "sub" => AtomOp.Sub,
        "mul" => AtomOp.Mul,
        "shl" => AtomOp.Shl,
        "shr.u" => AtomOp.ShrU,
        "shr.s" => AtomOp.ShrS,
        "div.u" => AtomOp.DivU,
        "div.s" => AtomOp.DivS,
        "rem.u" => AtomOp.RemU,
        "rem.s" => AtomOp.RemS,
        "min.u" => AtomOp.MinU,
        "max.u" => AtomOp.MaxU,
        "min.s" => AtomOp.MinS,
        "max.s" => AtomOp.MaxS,
        "abs" => AtomOp.Abs,
        "trunc" => AtomOp.Trunc,
        "sext" => AtomOp.Sext,
        "popc" => AtomOp.Popc,
        "bfe.u" => AtomOp.BfeU,
        _ => AtomOp.None,
    };

    /// <summary><see cref="Apply(string, int, long, long, long)"/> by <see cref="OpCode"/> (no string comparison per evaluation).</summary>
    internal static long? Apply(AtomOp op, int bits, long a, long b, long c = 0)
    {
        switch (op)
        {
            case AtomOp.And: return a & b;
            case AtomOp.Or: return a | b;
            case AtomOp.Xor: return a ^ b;
            case AtomOp.Not: return ~a;
            case AtomOp.Add: return a + b;
            case AtomOp.Sub: return a - b;
            case AtomOp.Mul: return a * b;
            case AtomOp.Shl: return b is >= 0 and < 64 ? a << (int)b : 0;
            case AtomOp.ShrU: return b is >= 0 and < 64 ? (long)((ulong)Mask(a, bits) >> (int)b) : 0;
            case AtomOp.ShrS: return b is >= 0 and < 64 ? SignExtend(a, bits) >> (int)b : (a < 0 ? -1 : 0);
            case AtomOp.DivU: return Mask(b, bits) == 0 ? null : (long)((ulong)Mask(a, bits) / (ulong)Mask(b, bits));
            case AtomOp.DivS: return b == 0 ? null : SignExtend(a, bits) / SignExtend(b, bits);
            case AtomOp.RemU: return Mask(b, bits) == 0 ? null : (long)((ulong)Mask(a, bits) % (ulong)Mask(b, bits));
            case AtomOp.RemS: return b == 0 ? null : SignExtend(a, bits) % SignExtend(b, bits);
            case AtomOp.MinU: return (ulong)Mask(a, bits) <= (ulong)Mask(b, bits) ? a : b;
            case AtomOp.MaxU: return (ulong)Mask(a, bits) >= (ulong)Mask(b, bits) ? a : b;
            case AtomOp.MinS: return Math.Min(SignExtend(a, bits), SignExtend(b, bits));
            case AtomOp.MaxS: return Math.Max(SignExtend(a, bits), SignExtend(b, bits));
            case AtomOp.Abs: return Math.Abs(SignExtend(a, bits));
            case AtomOp.Trunc: return Mask(a, bits);
            case AtomOp.Sext: return SignExtend(a, bits);
            case AtomOp.Popc: return System.Numerics.BitOperations.PopCount((ulong)Mask(a, bits));
            case AtomOp.BfeU:
                if (b is < 0 or >= 64 || c is < 0 or > 64) return null;
                return c == 0 ? 0 : (long)(((ulong)Mask(a, bits) >> (int)b) & (c >= 64 ? ulong.MaxValue : (1UL << (int)c) - 1));
            default: return null;
        }
    }

    // ---- definitions ----------------------------------------------------------------------------------------------

    private static long Key(Instruction d, string reg) => ((long)d.Index << 16) ^ (uint)reg.GetHashCode(StringComparison.Ordinal) & 0xFFFF;

    private static bool IsInt(string? t) => t is not null && t.Length >= 3 && t[1] is 'u' or 's' or 'b' && !Types.IsFloat(t) && t != ".b1";

    private static int BitsOf(string? t) => Math.Max(Types.BitWidth(t), 1);

    /// <summary>The value definition <paramref name="def"/> writes into register <paramref name="reg"/>.</summary>
    public Expr OfDefinition(Instruction def, string reg) => Timed ? TimedOfDefinition(def, reg) : OfDefinitionCore(def, reg);

    private Expr TimedOfDefinition(Instruction def, string reg) => Time(() => OfDefinitionCore(def, reg));

    private Expr OfDefinitionCore(Instruction def, string reg)
    {
        long key = Key(def, reg);
        if (_defMemo.TryGetValue(key, out var e)) return e;
        if (_depth > MaxDepth || !_active.Add(key))
            return Expr.Of(Opaque(def, reg, UniformityOfDef(def), new[] { _cfg.BlockOf(def) }));
        _depth++;
        try
        {
            e = Compute(def, reg) ?? Expr.Of(Opaque(def, reg, UniformityOfDef(def), new[] { _cfg.BlockOf(def) }));
        }
        finally
        {
            _depth--;
            _active.Remove(key);
        }
        _defMemo[key] = e;
        return e;
    }

    private Expr? Operand(Instruction d, int i) => i < d.Operands.Count ? OfOperand(d, d.Operands[i]) : null;

    private Expr? Compute(Instruction d, string reg)
    {
        if (d.Guard is not null) return null; // a guarded definition merges with the previous value
        if (d.Operands.Count == 0 || d.Operands[0] is not RegisterOperand dst || dst.Name != reg) return null;
        var type = d.Type;
        string op = d.Opcode;
        switch (op)
        {
            case "mov":
                if (d.Operands.Count != 2 || type is not null && !IsInt(type)) return null;
                return Operand(d, 1);
            case "cvta":
                return d.Operands.Count == 2 ? Operand(d, 1) : null;
            case "cvt":
            {
                if (d.Has(".sat") || d.Operands.Count != 2) return null;
                var types = d.Modifiers.Where(Types.IsType).ToArray();
                if (types.Length != 2 || !IsInt(types[0]) || !IsInt(types[1])) return null;
                var x = Operand(d, 1);
                if (x is null) return null;
                int dbits = BitsOf(types[0]), sbits = BitsOf(types[1]);
                if (dbits >= 32 && sbits >= 32) return x;
                if (dbits < sbits) return Operation(types[0][1] == 's' ? "sext" : "trunc", dbits, x);
                return x;
            }
            case "ld" or "ldu":
            {
                if (d.MemoryAccesses.Length == 1 && d.MemoryAccesses[0] is { Space: StateSpace.Param } m && m.Address.BaseSymbol is { } sym
                    && _fn.IsEntry && _fn.FindParameter(sym) is not null)
                    return Expr.Of(Named(AtomKind.Parameter, sym, m.Address.Offset));
                return null;
            }
            case "mapa":
            {
                var a = Operand(d, 1);
                var b = Operand(d, 2);
                return a is null || b is null ? null : Operation("mapa", 64, a, b);
            }
        }
        if (!IsInt(type) || d.Has(".sat") || d.HasPrefix(".cc") || op is "addc" or "subc" or "madc") return null;
        int bits = BitsOf(type);
        bool signed = type![1] == 's';
        Expr? A() => Operand(d, 1);
        Expr? B() => Operand(d, 2);
        Expr? C() => Operand(d, 3);
        switch (op)
        {
            case "add": return A() is { } a1 && B() is { } b1 ? a1 + b1 : null;
            case "sub": return A() is { } a2 && B() is { } b2 ? a2 - b2 : null;
            case "neg": return A() is { } a3 ? a3.Scale(-1) : null;
            case "mul" when d.Has(".lo") || d.Has(".wide"):
                return A() is { } a4 && B() is { } b4 ? Product(a4, b4, d.Has(".wide") ? bits * 2 : bits) : null;
            case "mad" when d.Has(".lo") || d.Has(".wide"):
                return A() is { } a5 && B() is { } b5 && C() is { } c5 ? Product(a5, b5, d.Has(".wide") ? bits * 2 : bits) + c5 : null;
            case "mul24" when d.Has(".lo"):
                return A() is { } a6 && B() is { } b6 ? Product(a6, b6, bits) : null;
            case "mad24" when d.Has(".lo"):
                return A() is { } a7 && B() is { } b7 && C() is { } c7 ? Product(a7, b7, bits) + c7 : null;
            case "shl":
                if (A() is not { } a8 || B() is not { } b8) return null;
                if (b8.IsConstant && b8.Constant is >= 0 and < 62) return a8.Scale(1L << (int)b8.Constant);
                return Operation("shl", bits, a8, b8);
            case "shr":
                if (A() is not { } a9 || B() is not { } b9) return null;
                if (b9.IsConstant && b9.Constant == 0) return a9;
                if (a9.IsConstant && b9.IsConstant) return Expr.Const(Apply(signed ? "shr.s" : "shr.u", bits, a9.Constant, b9.Constant) ?? 0);
                return Operation(signed ? "shr.s" : "shr.u", bits, a9, b9);
            case "and" or "or" or "xor":
            {
                if (A() is not { } x || B() is not { } y) return null;
                if (x.IsConstant && y.IsConstant) return Expr.Const(Apply(op, bits, x.Constant, y.Constant)!.Value);
                if (y.IsConstant && (op != "and" && y.Constant == 0 || op == "and" && Mask(y.Constant, bits) == Mask(-1, bits))) return x;
                if (x.IsConstant && (op != "and" && x.Constant == 0 || op == "and" && Mask(x.Constant, bits) == Mask(-1, bits))) return y;
                if (op == "and" && (x.IsConstant && x.Constant == 0 || y.IsConstant && y.Constant == 0)) return Expr.Zero;
                return Commutative(op, bits, x, y);
            }
            case "not": return A() is { } a10 ? Operation("not", bits, a10) : null;
            case "div" or "rem":
            {
                if (A() is not { } x || B() is not { } y) return null;
                if (op == "div" && y.IsConstant && y.Constant == 1) return x;
                if (x.IsConstant && y.IsConstant) return Apply(op + (signed ? ".s" : ".u"), bits, x.Constant, y.Constant) is long v ? Expr.Const(v) : null;
                return Operation(op + (signed ? ".s" : ".u"), bits, x, y);
            }
            case "min" or "max":
                return A() is { } a11 && B() is { } b11 ? Commutative(op + (signed ? ".s" : ".u"), bits, a11, b11) : null;
            case "abs": return A() is { } a12 ? Operation("abs", bits, a12) : null;
            case "popc": return A() is { } a13 ? Operation("popc", BitsOf(type), a13) : null;
            case "bfe" when !signed:
                return A() is { } a14 && B() is { } b14 && C() is { } c14 ? Operation("bfe.u", bits, a14, b14, c14) : null;
            case "selp":
            {
                if (A() is not { } x || B() is not { } y) return null;
                return x.Equals(y) ? x : null;
            }
            default:
                return null;
        }
    }

    private Expr Product(Expr a, Expr b, int bits)
    {
        if (a.IsConstant) return b.Scale(a.Constant);
        if (b.IsConstant) return a.Scale(b.Constant);
        return Commutative("mul", Math.Min(bits, 64), a, b);
    }

    private Expr Commutative(string op, int bits, Expr a, Expr b) =>
        Expr.Compare(a, b) <= 0 ? Operation(op, bits, a, b) : Operation(op, bits, b, a);

    /// <summary>
    /// A loop-carried register read inside its loop: one update inside the loop (<c>r = r op step</c>, executed once per
    /// iteration) and entry values that agree. Additive steps give <c>init + step*k</c>, others an Induction atom.
    /// </summary>
    private Expr? Induction(Instruction at, RegisterOperand reg, int[] set)
    {
        var useBlock = _cfg.BlockOf(at);
        for (var loop = _fa.Loops.LoopOf(useBlock); loop is not null; loop = loop.Parent)
        {
            Instruction? step = null;
            var inits = new List<int>();
            bool ok = true;
            foreach (var d in set)
            {
                if (d >= 0 && loop.Contains(_cfg.BlockOf(d)))
                {
                    if (step is not null) { ok = false; break; }
                    step = _fn.Instructions[d];
                }
                else inits.Add(d);
            }
            if (!ok || step is null || inits.Count == 0) continue;
            if (step.Guard is not null || step.Operands.Count != 3 || !IsInt(step.Type) || step.Has(".sat") || step.HasPrefix(".cc")) return null;
            var stepBlock = _cfg.BlockOf(step);
            foreach (var latch in loop.Latches)
                if (!_fa.Dominators.Dominates(stepBlock, latch)) return null;
            // The step reads the loop-carried value itself.
            int self = -1, other = -1;
            for (int i = 1; i <= 2; i++)
                if (step.Operands[i] is RegisterOperand r && r.Name == reg.Name && _defs.ReachingIndices(step, r.Name).SequenceEqual(set)) { self = i; other = 3 - i; break; }
            if (self < 0) return null;
            string op = step.Opcode;
            if (op is "sub" or "shl" or "shr" && self != 1) return null;
            if (op is not ("add" or "sub" or "shl" or "shr" or "mul" or "xor" or "or" or "and")) return null;
            Expr? init = null;
            foreach (var d in inits)
            {
                if (d < 0) return null;
                var e = OfDefinition(_fn.Instructions[d], reg.Name);
                if (init is null) init = e;
                else if (!init.Equals(e)) return null;
            }
            var s = OfOperand(step, step.Operands[other]);
            if (init is null || s is null || VariantIn(s, loop)) return null;
            var k = Expr.Of(Counter(loop));
            int bits = BitsOf(step.Type);
            switch (op)
            {
                case "add": return init + (s.IsConstant ? k.Scale(s.Constant) : Commutative("mul", bits, s, k));
                case "sub": return init - (s.IsConstant ? k.Scale(s.Constant) : Commutative("mul", bits, s, k));
                case "mul" when !step.Has(".lo"): return null;
            }
            string name = op == "shr" ? (step.Type![1] == 's' ? "shr.s" : "shr.u") : op;
            return Operation(name, bits, init, s, null, loop, AtomKind.Induction);
        }
        return null;
    }

    // ---- predicates ---------------------------------------------------------------------------------------------

    /// <summary>The value of predicate register <paramref name="reg"/> read at <paramref name="at"/> (negation of the operand included).</summary>
    public Pred PredicateOf(Instruction at, RegisterOperand reg) => Timed ? Time(() => PredicateOfCore(at, reg)) : PredicateOfCore(at, reg);

    private Pred PredicateOfCore(Instruction at, RegisterOperand reg)
    {
        var p = PredicateValue(at, reg);
        return reg.Negated ? Pred.Not(p) : p;
    }

    private Pred PredicateValue(Instruction at, RegisterOperand reg)
    {
        var set = _defs.ReachingIndices(at, reg.Name);
        if (set.Length != 1 || set[0] < 0) return new UnknownPred(at, UniformityOfUse(at, reg));
        var def = _fn.Instructions[set[0]];
        long key = Key(def, reg.Name);
        if (_predMemo.TryGetValue(key, out var memo)) return memo;
        if (_depth > MaxDepth || !_active.Add(key ^ 0x5555)) return new UnknownPred(def, UniformityOfDef(def));
        _depth++;
        Pred result;
        try
        {
            result = ComputePred(def, reg.Name) ?? new UnknownPred(def, UniformityOfDef(def));
        }
        finally
        {
            _depth--;
            _active.Remove(key ^ 0x5555);
        }
        _predMemo[key] = result;
        return result;
    }

    private Pred? ComputePred(Instruction d, string reg)
    {
        if (d.Guard is not null || d.Operands.Count == 0) return null;
        switch (d.Opcode)
        {
            case "setp":
            {
                if (d.Operands.Count < 3) return null;
                bool second;
                if (d.Operands[0] is DualPredicateOperand dual) second = dual.Second.Name == reg;
                else if (d.Operands[0] is RegisterOperand r && r.Name == reg) second = false;
                else return null;
                var type = d.Type;
                string? cmp = d.Modifiers.Select(m => m.TrimStart('.')).FirstOrDefault(m => m is "eq" or "ne" or "lt" or "le" or "gt" or "ge" or "lo" or "ls" or "hi" or "hs");
                Pred core;
                if (cmp is null || !IsInt(type) || Operand(d, 1) is not { } a || Operand(d, 2) is not { } b) core = new UnknownPred(d, () => _fa.Uniformity.OfDef(d));
                else
                {
                    // lo/ls/hi/hs are unsigned; with small non-negative values they order like the signed forms.
                    core = new ComparePred(cmp, type![1] == 's', a, b);
                }
                if (second) core = Pred.Not(core);
                string? bop = d.Modifiers.Select(m => m.TrimStart('.')).FirstOrDefault(m => m is "and" or "or" or "xor");
                if (bop is not null)
                {
                    if (d.Operands.Count < 4 || d.Operands[3] is not RegisterOperand c) return null;
                    core = new BinaryPred(bop, core, PredicateOf(d, c));
                }
                return core;
            }
            case "and" or "or" or "xor" when d.Type == ".pred" && d.Operands.Count == 3:
                return d.Operands[1] is RegisterOperand x && d.Operands[2] is RegisterOperand y ? new BinaryPred(d.Opcode, PredicateOf(d, x), PredicateOf(d, y)) : null;
            case "not" when d.Type == ".pred" && d.Operands.Count == 2:
                return d.Operands[1] is RegisterOperand z ? Pred.Not(PredicateOf(d, z)) : null;
            case "mov" when d.Type == ".pred" && d.Operands.Count == 2:
                return d.Operands[1] is RegisterOperand w ? PredicateOf(d, w) : null;
            default:
                return null;
        }
    }

    // ---- thread conditions --------------------------------------------------------------------------------------

    /// <summary>
    /// The conditions every thread that executes <paramref name="insn"/> has met: the outcome of each conditional branch
    /// whose taken (or not-taken) successor is the only way into a block dominating the instruction, and the
    /// instruction's own guard. Conditions the analysis cannot express are included as <see cref="UnknownPred"/>.
    /// </summary>
    public IReadOnlyList<ThreadCondition> ConditionsOf(Instruction insn) => Timed ? Time(() => ConditionsOfCore(insn)) : ConditionsOfCore(insn);

    private IReadOnlyList<ThreadCondition> ConditionsOfCore(Instruction insn)
    {
        var block = BlockConditions(_cfg.BlockOf(insn));
        if (insn.Guard is not { } g || insn.Info.Flow is FlowKind.Branch or FlowKind.IndirectBranch) return block;
        var list = new List<ThreadCondition>(block) { new(PredicateOf(insn, g), true, insn) };
        return list;
    }

    private IReadOnlyList<ThreadCondition> BlockConditions(BasicBlock b)
    {
        if (_blockConditions.TryGetValue(b.Id, out var cached)) return cached;
        // Iterative over the dominator chain (deep chains in big straight-line kernels).
        var chain = new List<BasicBlock>();
        for (var x = b; x is not null && !_blockConditions.ContainsKey(x.Id); x = _fa.Dominators.ImmediateDominator(x))
            chain.Add(x);
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            var x = chain[i];
            var idom = _fa.Dominators.ImmediateDominator(x);
            IReadOnlyList<ThreadCondition> parent = idom is null ? Array.Empty<ThreadCondition>() : _blockConditions[idom.Id];
            var own = idom is null ? null : EdgeCondition(idom, x);
            // Leaving a loop: the exit test held at some iteration; its loop-variant part says nothing about the thread.
            if (own is not null)
                for (var l = _fa.Loops.LoopOf(idom!); l is not null; l = l.Parent)
                    if (!l.Contains(x) && Pred.AnyVariantIn(own.Predicate, l)) { own = null; break; }
            if (own is null) _blockConditions[x.Id] = parent;
            else
            {
                var list = new List<ThreadCondition>(parent.Count + 1);
                list.AddRange(parent);
                list.Add(own);
                _blockConditions[x.Id] = list;
            }
        }
        return _blockConditions[b.Id];
    }

    /// <summary>The condition of the edge from <paramref name="from"/> into <paramref name="to"/> when it is <paramref name="to"/>'s only way in.</summary>
    private ThreadCondition? EdgeCondition(BasicBlock from, BasicBlock to)
    {
        if (to.Predecessors.Count != 1 || to.Predecessors[0] != from || from.Successors.Count != 2) return null;
        var term = _cfg.Terminator(from);
        if (term is null || term.Guard is not { } g || term.Info.Flow != FlowKind.Branch) return null;
        var target = ControlFlowGraph.BranchTarget(term);
        bool taken = target is not null && to.Labels.Contains(target);
        bool fallthrough = to.Start == from.End;
        if (taken == fallthrough) return null; // both or neither: cannot tell the direction
        return new ThreadCondition(PredicateOf(term, g), taken, term);
    }
}

/// <summary>
/// Values of expressions and predicates for every thread of a box of threads at once, for one block size and one set of
/// loop iterations: element i is thread (x, y, z) with i = (z*Y + y)*X + x, and each element is what
/// <see cref="SymbolicValues.Evaluate(Expr, ThreadBinding)"/> and <see cref="Pred.Evaluate"/> give for that thread
/// (null: unknown). Each atom and predicate is computed once over the box (the witness search evaluates the same atoms
/// for the conditions and the address of every access), not interpreted thread by thread.
/// </summary>
internal sealed class BoxValues
{
    private readonly int _nx, _ny, _n;
    private readonly long? _bx, _by;
    private readonly IReadOnlyDictionary<Loop, long>? _iterations;
    private readonly Dictionary<Atom, long?[]> _atoms = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Pred, sbyte[]> _preds = new(ReferenceEqualityComparer.Instance);
    private ThreadBinding? _one;

    private readonly BoxArrays _pool;

    public BoxValues((int X, int Y, int Z) box, long? blockX, long? blockY, IReadOnlyDictionary<Loop, long>? iterations, BoxArrays pool)
    {
        _pool = pool;
        Box = box;
        _nx = box.X;
        _ny = box.Y;
        _n = box.X * box.Y * box.Z;
        _bx = blockX;
        _by = blockY;
        _iterations = iterations;
    }

    public (int X, int Y, int Z) Box { get; }
    public long? BlockX => _bx;
    public long? BlockY => _by;
    public IReadOnlyDictionary<Loop, long>? Iterations => _iterations;

    /// <summary>How many atoms and predicates are kept (the caller drops an evaluation that has grown large).</summary>
    public int Kept => _atoms.Count + _preds.Count;

    private int X(int i) => i % _nx;
    private int Y(int i) => i / _nx % _ny;
    private int Z(int i) => i / (_nx * _ny);

    // The arrays come from the caller's pool (boxes of 1,024 to 4,096 threads, asked for thousands of times in a big
    // function): a value of an expression goes back when its caller is done with it, those of atoms and predicates
    // with Release. Not the process-wide shared pool, which kept tens of MB of them alive between functions.
    private long?[] RentValues(int n) => _pool.RentValues(n);

    /// <summary>Threads in the box (the length of every array this gives that counts).</summary>
    public int Count => _n;

    /// <summary>The value of <paramref name="e"/> per thread of the box: the caller's, to give back with <see cref="Return"/>.</summary>
    public long?[] Of(Expr e)
    {
        var r = RentValues(_n);
        Array.Fill(r, e.Constant, 0, _n);
        foreach (var (a, c) in e.Terms)
        {
            var av = Of(a);
            for (int i = 0; i < _n; i++)
                if (r[i] is long v) r[i] = av[i] is long x ? v + c * x : null;
        }
        return r;
    }

    /// <summary>Gives back an array <see cref="Of(Expr)"/> made.</summary>
    public void Return(long?[] values) => _pool.Return(values);

    /// <summary>Gives back the arrays of the atoms and predicates kept; the evaluation is not used again.</summary>
    public void Release()
    {
        foreach (var a in _atoms.Values) _pool.Return(a);
        foreach (var p in _preds.Values) _pool.Return(p);
        _atoms.Clear();
        _preds.Clear();
    }

    /// <summary>The value of an atom per thread of the box (kept: not to be changed).</summary>
    public long?[] Of(Atom a)
    {
        if (_atoms.TryGetValue(a, out var r)) return r;
        r = RentValues(_n);
        Array.Fill(r, null, 0, _n);
        switch (a.Kind)
        {
            case AtomKind.ThreadIndex:
                for (int i = 0; i < _n; i++) r[i] = a.Axis switch { 0 => X(i), 1 => Y(i), _ => Z(i) };
                break;
            case AtomKind.LaneId:
                for (int i = 0; i < _n; i++) r[i] = ThreadBinding.LinearOf(X(i), Y(i), Z(i), _bx, _by) is long l ? l & 31 : null;
                break;
            case AtomKind.LoopCounter:
                if (a.Loop is { } lc && _iterations is { } its && its.TryGetValue(lc, out var k)) Array.Fill(r, k, 0, _n);
                break;
            case AtomKind.Induction:
            {
                if (a.Loop is not { } loop || _iterations is null || !_iterations.TryGetValue(loop, out var n) || n > 64) break;
                var v0 = Of(a.Args[0]);
                var st = Of(a.Args[1]);
                for (int i = 0; i < _n; i++)
                {
                    if (v0[i] is long v && st[i] is long s) r[i] = SymbolicValues.Induct(a.Op, a.Bits, v, s, n);
                }
                Return(v0);
                Return(st);
                break;
            }
            case AtomKind.Operation:
            {
                if (!a.ThreadEvaluable || a.Args.Length == 0) break;
                var args = new long?[a.Args.Length][];
                for (int j = 0; j < args.Length; j++) args[j] = Of(a.Args[j]);
                for (int i = 0; i < _n; i++)
                {
                    long x0 = 0, x1 = 0, x2 = 0;
                    bool known = true;
                    for (int j = 0; j < args.Length; j++)
                    {
                        if (args[j][i] is not long v) { known = false; break; }
                        if (j == 0) x0 = v; else if (j == 1) x1 = v; else if (j == 2) x2 = v;
                    }
                    if (known) r[i] = SymbolicValues.Apply(a.Op, a.Bits, x0, x1, x2);
                }
                foreach (var v in args) Return(v);
                break;
            }
        }
        _atoms[a] = r;
        return r;
    }

    /// <summary>A predicate per thread of the box: 1 true, 0 false, -1 unknown (kept: not to be changed).</summary>
    public sbyte[] Of(Pred p)
    {
        if (_preds.TryGetValue(p, out var r)) return r;
        r = _pool.RentPredicates(_n);
        switch (p)
        {
            case NotPred np:
            {
                var o = Of(np.Operand);
                for (int i = 0; i < _n; i++) r[i] = o[i] < 0 ? (sbyte)-1 : (sbyte)(1 - o[i]);
                break;
            }
            case ComparePred cp:
            {
                var va = Of(cp.A);
                var vb = Of(cp.B);
                for (int i = 0; i < _n; i++)
                    r[i] = va[i] is long x && vb[i] is long y ? Code(cp.Compare(x, y)) : (sbyte)-1;
                Return(va);
                Return(vb);
                break;
            }
            case BinaryPred bp:
            {
                var x = Of(bp.A);
                var y = Of(bp.B);
                for (int i = 0; i < _n; i++) r[i] = Code(bp.Combine(Value(x[i]), Value(y[i])));
                break;
            }
            default:
            {
                // constant and unknown predicates (and any other kind): thread by thread
                var t = _one ??= new ThreadBinding { BlockX = _bx, BlockY = _by, Iterations = _iterations };
                for (int i = 0; i < _n; i++)
                {
                    (t.X, t.Y, t.Z) = (X(i), Y(i), Z(i));
                    r[i] = Code(p.Evaluate(t));
                }
                break;
            }
        }
        _preds[p] = r;
        return r;
    }

    /// <summary>A condition per thread, as <see cref="ThreadCondition.Holds"/> gives it: 1 holds, 0 does not, -1 unknown.</summary>
    public static bool? Holds(sbyte predicate, bool polarity) => predicate < 0 ? null : predicate == HoldsCode(polarity);

    /// <summary>The code of a predicate under which a condition of <paramref name="polarity"/> holds (-1, unknown, never does).</summary>
    public static sbyte HoldsCode(bool polarity) => polarity ? (sbyte)1 : (sbyte)0;

    private static sbyte Code(bool? b) => b is bool v ? (v ? (sbyte)1 : (sbyte)0) : (sbyte)-1;

    private static bool? Value(sbyte c) => c < 0 ? null : c == 1;
}

/// <summary>
/// Arrays for <see cref="BoxValues"/>, kept for reuse by one owner (a witness search, on one thread): a few per box
/// size, each exactly as long as its box.
/// </summary>
internal sealed class BoxArrays
{
    private const int MaxKeptPerSize = 16;
    private readonly Dictionary<int, Stack<long?[]>> _values = new();
    private readonly Dictionary<int, Stack<sbyte[]>> _predicates = new();

    public long?[] RentValues(int n) => _values.TryGetValue(n, out var s) && s.TryPop(out var a) ? a : new long?[n];

    public sbyte[] RentPredicates(int n) => _predicates.TryGetValue(n, out var s) && s.TryPop(out var a) ? a : new sbyte[n];

    public void Return(long?[] a) => Keep(_values, a);

    public void Return(sbyte[] a) => Keep(_predicates, a);

    private static void Keep<T>(Dictionary<int, Stack<T[]>> kept, T[] a)
    {
        if (!kept.TryGetValue(a.Length, out var s)) kept[a.Length] = s = new Stack<T[]>();
        if (s.Count < MaxKeptPerSize) s.Push(a);
    }
}
