using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Analysis;

/// <summary>
/// The thread-dependent part of an integer value as a linear combination of "atoms" (values the analysis does not
/// decompose: <c>%tid.x</c>, a loaded value, a product of two varying values ...), with the CTA-uniform part dropped.
/// Two values with equal forms differ by a CTA-uniform amount; a form with no atoms is CTA-uniform.
/// </summary>
public sealed class LinearForm : IEquatable<LinearForm>
{
    internal static readonly LinearForm Uniform = new(Array.Empty<(int, long)>());

    private readonly (int Atom, long Coeff)[] _terms; // sorted by atom id
    private readonly int _hash;

    private LinearForm((int, long)[] terms)
    {
        _terms = terms;
        var h = new HashCode();
        foreach (var t in terms) h.Add(t);
        _hash = h.ToHashCode();
    }

    /// <summary>No thread-dependent atom: the value is the same for every thread (that evaluates it in the same iteration).</summary>
    public bool IsUniform => _terms.Length == 0;

    internal static LinearForm Atom(int id) => new(new[] { (id, 1L) });

    internal static LinearForm? Combine(LinearForm? a, LinearForm? b, long kb)
    {
        if (a is null || b is null) return null;
        if (b._terms.Length == 0) return a;
        var r = new List<(int, long)>(a._terms.Length + b._terms.Length);
        int i = 0, j = 0;
        while (i < a._terms.Length || j < b._terms.Length)
        {
            if (j >= b._terms.Length || i < a._terms.Length && a._terms[i].Atom < b._terms[j].Atom) r.Add(a._terms[i++]);
            else if (i >= a._terms.Length || b._terms[j].Atom < a._terms[i].Atom) { r.Add((b._terms[j].Atom, kb * b._terms[j].Coeff)); j++; }
            else
            {
                long c = a._terms[i].Coeff + kb * b._terms[j].Coeff;
                if (c != 0) r.Add((a._terms[i].Atom, c));
                i++; j++;
            }
        }
        return r.Count > 16 ? null : new LinearForm(r.ToArray());
    }

    internal static LinearForm? Scale(LinearForm? a, long k)
    {
        if (a is null) return null;
        if (k == 0) return Uniform;
        if (k == 1) return a;
        var t = new (int, long)[a._terms.Length];
        for (int i = 0; i < t.Length; i++) t[i] = (a._terms[i].Atom, a._terms[i].Coeff * k);
        return new LinearForm(t);
    }

    public bool Equals(LinearForm? other) => other is not null && other._hash == _hash && other._terms.AsSpan().SequenceEqual(_terms);
    public override bool Equals(object? obj) => obj is LinearForm f && Equals(f);
    public override int GetHashCode() => _hash;
    public override string ToString() => _terms.Length == 0 ? "uniform" : string.Join(" + ", _terms.Select(t => $"{t.Coeff}*a{t.Atom}"));
}

/// <summary>
/// Linear forms of integer values (see <see cref="LinearForm"/>), through copies, same-value conversions, add, sub,
/// neg, not, multiplication and shifts by constants, mad with a constant factor, and min/max of values with equal
/// forms; loop counters (defined before a loop and stepped by a uniform amount on every trip) keep the form of their
/// start. Atoms that are not decomposed are identified by a structural value number, so a value the compiler
/// recomputes inside a loop (<c>rows * (%ctaid.y * %ntid.y + %tid.y)</c>) gets the same atom as the first computation.
/// Used by <see cref="UniformityInfo"/>: <c>for (i = lo; ...; ++i) if (i &lt;= lo)</c> with <c>lo = rows * %tid.y</c> is
/// true on the first trip only, in every thread.
/// </summary>
public sealed class LinearForms
{
    private readonly FunctionAnalyses _fa;
    private readonly PtxFunction _fn;
    private readonly ReachingDefinitions _defs;
    // per instruction index, made on first use (dense: most instructions of a function get asked about)
    private LinearForm?[]? _memo;
    private bool[]? _memoKnown;
    // merged values assumed to have a form while a loop counter is checked, by their VnKey.Merged key
    private readonly Dictionary<VnKey, LinearForm> _assume = new();
    private readonly Dictionary<VnKey, int> _vnIntern = new();
    private int _vnCount; // value numbers given out: the interned keys and the opaque definitions
    private int[]? _vnOfDef;        // value number + 1; 0 = not numbered yet
    private sbyte[]? _uniformMemo;  // 0 = not asked, 1 = no, 2 = yes
    // merged values by their reaching-definition set (the analysis shares one array per set) and register
    private readonly Dictionary<int[], Dictionary<string, LinearForm>> _phiMemo = new(ReferenceEqualityComparer.Instance);

    public LinearForms(FunctionAnalyses fa)
    {
        _fa = fa;
        _fn = fa.Function;
        _defs = fa.Defs;
    }

    /// <summary>The form of <paramref name="reg"/> read at <paramref name="at"/>; null when it cannot be followed.</summary>
    public LinearForm? OfUse(Instruction at, RegisterOperand reg) => OfUse(at, reg, 0);

    /// <summary>The form of the value <paramref name="def"/> writes; null when unknown.</summary>
    public LinearForm? OfDef(Instruction def) => OfDef(def, 0);

    /// <summary>True when the two registers, read at their instructions, differ by a CTA-uniform amount.</summary>
    public bool DifferByUniform(Instruction at, RegisterOperand a, RegisterOperand b)
    {
        var fa = OfUse(at, a);
        return fa is not null && fa.Equals(OfUse(at, b));
    }

    private LinearForm? OfUse(Instruction at, RegisterOperand reg, int depth)
    {
        if (reg.IsSpecial)
            return SpecialRegisters.UniformityOf(reg.Name) == SpecialRegisters.Uniformity.CtaUniform ? LinearForm.Uniform : LinearForm.Atom(Intern(VnKey.Special(reg.FullName)));
        if (depth > 24) return null;
        var set = _defs.ReachingIndices(at, reg.Name);
        if (set.Length == 1 && set[0] >= 0) return OfDef(_fn.Instructions[set[0]], depth + 1);
        if (set.Length == 0) return null;
        if (set[0] < 0)
            return _fn.IsEntry && set.Length == 1 && _fn.FindParameter(reg.Name) is not null ? LinearForm.Uniform : null;
        if (_phiMemo.TryGetValue(set, out var done) && done.TryGetValue(reg.Name, out var known)) return known;
        var phiKey = VnKey.Merged(reg.Name, set);
        if (_assume.Count > 0 && _assume.TryGetValue(phiKey, out var assumed)) return assumed;
        var result = LoopCounter(at, reg, set, phiKey, depth) ?? LinearForm.Atom(Intern(phiKey));
        if (_assume.Count == 0)
        {
            if (!_phiMemo.TryGetValue(set, out var map)) _phiMemo[set] = map = new Dictionary<string, LinearForm>(StringComparer.Ordinal);
            map[reg.Name] = result;
        }
        return result;
    }

    /// <summary>
    /// A merge at a loop header: the definitions from outside the loop have one form F, and each definition inside the
    /// loop, computed with the merged value taken as F, has form F again (a uniform step) and runs on every trip.
    /// </summary>
    private LinearForm? LoopCounter(Instruction at, RegisterOperand reg, int[] set, VnKey phiKey, int depth)
    {
        var cfg = _fa.Cfg;
        var loop = _fa.Loops.LoopOf(cfg.BlockOf(at));
        if (loop is null) return null;
        LinearForm? outside = null;
        var inside = new List<Instruction>();
        foreach (var d in set)
        {
            var def = _fn.Instructions[d];
            if (loop.Contains(cfg.BlockOf(def))) { inside.Add(def); continue; }
            var f = OfDef(def, depth + 1);
            if (f is null || outside is not null && !outside.Equals(f)) return null;
            outside = f;
        }
        if (outside is null || inside.Count == 0) return null;
        foreach (var def in inside)
        {
            if (def.Guard is not null) return null;
            var db = cfg.BlockOf(def);
            foreach (var latch in loop.Latches)
                if (!_fa.Dominators.Dominates(db, latch)) return null;
        }
        _assume[phiKey] = outside;
        try
        {
            foreach (var def in inside)
            {
                var f = OfDefUncached(def, depth + 1);
                if (f is null || !f.Equals(outside)) return null;
            }
        }
        finally { _assume.Remove(phiKey); }
        return outside;
    }

    private LinearForm? OfDef(Instruction def, int depth)
    {
        int n = _fn.Instructions.Count;
        var memo = _memo ??= new LinearForm?[n];
        var known = _memoKnown ??= new bool[n];
        if (_assume.Count == 0 && known[def.Index]) return memo[def.Index];
        var f = OfDefUncached(def, depth);
        if (_assume.Count == 0)
        {
            memo[def.Index] = f;
            known[def.Index] = true;
        }
        return f;
    }

    private LinearForm? OfDefUncached(Instruction def, int depth)
    {
        if (depth > 24) return null;
        if (def.Guard is not null || def.Defs.Length != 1) return Opaque(def);
        var type = def.Type;
        bool integer = type is null ? def.Opcode == "mov" : !Types.IsFloat(type) && type != ".pred";
        if (!integer || def.Has(".sat") || def.Has(".cc")) return Opaque(def);
        if (IsSyntacticallyUniformDef(def)) return LinearForm.Uniform;
        LinearForm? Op(int i) => i < def.Operands.Count ? def.Operands[i] switch
        {
            RegisterOperand r => OfUse(def, r, depth + 1),
            ImmediateOperand => LinearForm.Uniform,
            _ => null,
        } : null;
        long? K(int i) => i < def.Operands.Count ? ConstantOf(def, def.Operands[i]) : null;
        LinearForm? result = def.Opcode switch
        {
            "mov" when def.Operands.Count == 2 => Op(1),
            "cvt" when def.Operands.Count == 2 && def.Modifiers.Length >= 2 && !Types.IsFloat(def.Modifiers[^1])
                       && Types.BitWidth(def.Modifiers[^2]) >= Types.BitWidth(def.Modifiers[^1]) => Op(1),
            "add" when def.Operands.Count == 3 => LinearForm.Combine(Op(1), Op(2), 1),
            "sub" when def.Operands.Count == 3 => LinearForm.Combine(Op(1), Op(2), -1),
            "neg" or "not" when def.Operands.Count == 2 => LinearForm.Scale(Op(1), -1),
            "mul" when def.Operands.Count == 3 && (def.Has(".lo") || def.Has(".wide")) && K(2) is { } k2 => LinearForm.Scale(Op(1), k2),
            "mul" when def.Operands.Count == 3 && (def.Has(".lo") || def.Has(".wide")) && K(1) is { } k1 => LinearForm.Scale(Op(2), k1),
            "mad" when def.Operands.Count == 4 && (def.Has(".lo") || def.Has(".wide")) && K(2) is { } m2 => LinearForm.Combine(Op(3), Op(1), m2),
            "mad" when def.Operands.Count == 4 && (def.Has(".lo") || def.Has(".wide")) && K(1) is { } m1 => LinearForm.Combine(Op(3), Op(2), m1),
            "shl" when def.Operands.Count == 3 && K(2) is { } s and >= 0 and < 62 => LinearForm.Scale(Op(1), 1L << (int)s),
            "min" or "max" when def.Operands.Count == 3 && Op(1) is { } a && a.Equals(Op(2)) => a,
            _ => null,
        };
        return result ?? Opaque(def);
    }

    private LinearForm Opaque(Instruction def) => LinearForm.Atom(ValueNumber(def));

    private long? ConstantOf(Instruction at, Operand op, int depth = 0)
    {
        if (op is ImmediateOperand imm) return imm.Value;
        if (op is not RegisterOperand r || r.IsSpecial || depth > 8) return null;
        var d = _defs.ReachingIndices(at, r.Name);
        if (d.Length != 1 || d[0] < 0) return null;
        var def = _fn.Instructions[d[0]];
        if (def.Guard is not null || def.Opcode != "mov" || def.Operands.Count != 2) return null;
        return ConstantOf(def, def.Operands[1], depth + 1);
    }

    /// <summary>
    /// A definition computed only from kernel parameters, constants and CTA-uniform special registers, through pure
    /// instructions whose register inputs each have a single reaching definition (no merge of values that a divergent
    /// branch selects).
    /// </summary>
    private bool IsSyntacticallyUniformDef(Instruction def, int depth = 0)
    {
        if (!_fn.IsEntry) return false;
        var uniformMemo = _uniformMemo ??= new sbyte[_fn.Instructions.Count];
        if (uniformMemo[def.Index] != 0) return uniformMemo[def.Index] == 2;
        if (depth > 32) return false;
        var info = def.Info;
        bool ok = def.Guard is null && info.Known && info.Flow == FlowKind.None && info.Sync == SyncKind.None
                  && info.Collective == Collective.None && !info.VaryingResult;
        if (ok && info.Mem != MemKind.None)
            ok = info.Mem == MemKind.Load && def.Opcode == "ld" && def.MemoryAccesses is [{ Space: StateSpace.Param, Address.BaseSymbol: { } ps }]
                 && _fn.FindParameter(ps) is not null;
        if (ok)
        {
            foreach (var u in def.Uses)
            {
                if (u.IsSpecial)
                {
                    if (SpecialRegisters.UniformityOf(u.Name) != SpecialRegisters.Uniformity.CtaUniform) { ok = false; break; }
                    continue;
                }
                var set = _defs.ReachingIndices(def, u.Name);
                if (set.Length != 1 || set[0] < 0 || !IsSyntacticallyUniformDef(_fn.Instructions[set[0]], depth + 1)) { ok = false; break; }
            }
        }
        uniformMemo[def.Index] = ok ? (sbyte)2 : (sbyte)1;
        return ok;
    }

    private static string BaseName(string special) => special.IndexOf('.') is int i and > 0 ? special[..i] : special;

    /// <summary>
    /// A value number for what <paramref name="def"/> computes: equal numbers mean equal values in every thread
    /// (structural: the same pure operation of operands with equal numbers; kernel parameters by slot; special
    /// registers by name; integer add/mul.lo/mad.lo by bit width with mad as add of a product, shl by k as a product
    /// with 2^k, commutative operands sorted).
    /// </summary>
    public int ValueNumber(Instruction def) => ValueNumber(def, 0);

    private int ValueNumber(Instruction def, int depth)
    {
        var vnOfDef = _vnOfDef ??= new int[_fn.Instructions.Count];
        if (vnOfDef[def.Index] != 0) return vnOfDef[def.Index] - 1;
        VnKey key;
        var info = def.Info;
        if (depth > 24 || def.Guard is not null || def.Defs.Length != 1)
            key = VnKey.Definition(def.Index);
        else if (def.Opcode == "mov" && def.Operands.Count == 2 && def.Operands[1] is RegisterOperand or ImmediateOperand
                 || def.Opcode == "cvt" && def.Operands.Count == 2 && def.Modifiers.Length == 2 && Types.BitWidth(def.Modifiers[0]) == Types.BitWidth(def.Modifiers[1])
                    && !Types.IsFloat(def.Modifiers[0]) && !Types.IsFloat(def.Modifiers[1]))
        {
            var k = OperandNumber(def, def.Operands[1], depth);
            if (k.Kind == VnKey.Number) { int same = (int)k.Num; vnOfDef[def.Index] = same + 1; return same; }
            key = k;
        }
        else if (info.Mem == MemKind.Load && def.Opcode == "ld" && def.MemoryAccesses is [{ Space: StateSpace.Param, Address: { BaseSymbol: { } ps, BaseRegister: null } a }]
                 && _fn.FindParameter(ps) is not null)
            key = VnKey.ParameterLoad(ps, a.Offset, def.Type);
        else if (info.Known && info.Mem == MemKind.None && info.Flow == FlowKind.None && info.Sync == SyncKind.None && !info.VaryingResult
                 && info.Collective == Collective.None && def.Operands.Count >= 2)
        {
            var ops = new VnKey[def.Operands.Count - 1];
            for (int i = 1; i < def.Operands.Count; i++) ops[i - 1] = OperandNumber(def, def.Operands[i], depth);
            key = NormalizedKey(def, ops);
        }
        else key = VnKey.Definition(def.Index);
        // An opaque definition's key equals no other key, and a definition is numbered once (vnOfDef): it takes the
        // next number without an entry in the intern table (the same number the table would have given it).
        int id = key.Kind == VnKey.OpaqueDefinition ? _vnCount++ : Intern(key);
        vnOfDef[def.Index] = id + 1;
        return id;
    }

    private VnKey NormalizedKey(Instruction def, VnKey[] ops)
    {
        var type = def.Type;
        bool integer = type is not null && !Types.IsFloat(type) && !def.Has(".sat") && !def.Has(".cc");
        int w = Types.BitWidth(type);
        static VnKey Comm(string op, VnKey a, VnKey b) => VnKey.Compare(a, b) <= 0 ? VnKey.Operation(op, a, b) : VnKey.Operation(op, b, a);
        if (integer)
        {
            switch (def.Opcode)
            {
                case "add" when ops.Length == 2: return Comm(AddName(w), ops[0], ops[1]);
                case "mul" when ops.Length == 2 && def.Has(".lo"): return Comm(MulName(w), ops[0], ops[1]);
                case "mad" when ops.Length == 3 && def.Has(".lo"): return Comm(AddName(w), VnKey.OfNumber(Intern(Comm(MulName(w), ops[0], ops[1]))), ops[2]);
                case "shl" when ops.Length == 2 && def.Operands[2] is ImmediateOperand k && k.Value is >= 0 and < 63:
                    return Comm(MulName(w), ops[0], VnKey.Immediate(1L << (int)k.Value));
            }
        }
        if (def.Info.Commutative && ops.Length == 2 && VnKey.Compare(ops[0], ops[1]) > 0) (ops[0], ops[1]) = (ops[1], ops[0]);
        return VnKey.Operation(def.FullOpcode, ops);
    }

    // "add32", "mul64": the integer operations by width (the names of an operation key; an opcode never reads like this)
    private static readonly string[] AddNames = new string[129], MulNames = new string[129];
    private static string AddName(int w) => w is >= 0 and <= 128 ? AddNames[w] ??= "add" + w : "add" + w;
    private static string MulName(int w) => w is >= 0 and <= 128 ? MulNames[w] ??= "mul" + w : "mul" + w;

    private int Intern(VnKey key)
    {
        ref int id = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_vnIntern, key, out bool exists);
        if (!exists) id = _vnCount++;
        return id;
    }

    private VnKey OperandNumber(Instruction at, Operand op, int depth)
    {
        switch (op)
        {
            case ImmediateOperand imm: return VnKey.Immediate(imm.Value);
            case RegisterOperand r when r.IsSpecial: return VnKey.Special(r.FullName);
            case RegisterOperand r:
                var set = _defs.ReachingIndices(at, r.Name);
                if (set.Length == 1 && set[0] >= 0) return VnKey.OfNumber(ValueNumber(_fn.Instructions[set[0]], depth + 1));
                return VnKey.Merged(r.Name, set);
            default: return VnKey.Other(at.Index);
        }
    }

    /// <summary>
    /// What a value number stands for, as data: an immediate (<c>#5</c>), a special register, another value number, a
    /// register whose value merges several definitions (its name and their set), an operand of another kind at an
    /// instruction, an opaque definition, a load of a kernel parameter, or an operation with its operands' keys. Two
    /// keys are equal exactly when they spell the same structure; commutative operands are put in one order.
    /// </summary>
    private readonly struct VnKey : IEquatable<VnKey>
    {
        public const char Number = 'n', OpaqueDefinition = 'd';
        public readonly char Kind;
        public readonly long Num;
        public readonly string? Text;
        // the one of type, set and arguments that the kind has (a parameter load's type, a merge's definition set, an
        // operation's arguments): one field, so that a key is 32 bytes, not 48 (the intern table holds one per value)
        private readonly object? _extra;

        public string? Type => _extra as string;
        public int[]? Set => _extra as int[];
        public VnKey[]? Args => _extra as VnKey[];

        private VnKey(char kind, long num, string? text = null, string? type = null, int[]? set = null, VnKey[]? args = null)
        {
            System.Diagnostics.Debug.Assert((type is null ? 0 : 1) + (set is null ? 0 : 1) + (args is null ? 0 : 1) <= 1);
            Kind = kind; Num = num; Text = text; _extra = (object?)type ?? (object?)set ?? args;
        }

        public static VnKey Immediate(long v) => new('#', v);
        public static VnKey Special(string fullName) => new('s', 0, fullName);
        public static VnKey OfNumber(int id) => new(Number, id);
        public static VnKey Merged(string name, int[] set) => new('r', 0, name, set: set);
        public static VnKey Other(int instruction) => new('?', instruction);
        public static VnKey Definition(int instruction) => new(OpaqueDefinition, instruction);
        public static VnKey ParameterLoad(string param, long offset, string? type) => new('p', offset, param, type ?? "");
        public static VnKey Operation(string op, VnKey a, VnKey b) => new('f', 0, op, args: new[] { a, b });
        public static VnKey Operation(string op, VnKey[] args) => new('f', 0, op, args: args);

        public bool Equals(VnKey o)
        {
            if (Kind != o.Kind || Num != o.Num || !string.Equals(Text, o.Text, StringComparison.Ordinal)) return false;
            switch (_extra)
            {
                case null: return o._extra is not string;
                case string type: return o._extra is string otherType && string.Equals(type, otherType, StringComparison.Ordinal);
                case int[] set: return o._extra is int[] otherSet && set.AsSpan().SequenceEqual(otherSet);
                default:
                    var x = (VnKey[])_extra;
                    if (o._extra is not VnKey[] y || x.Length != y.Length) return false;
                    for (int i = 0; i < x.Length; i++)
                        if (!x[i].Equals(y[i])) return false;
                    return true;
            }
        }

        public override bool Equals(object? obj) => obj is VnKey k && Equals(k);

        public override int GetHashCode()
        {
            var h = new HashCode();
            h.Add(Kind);
            h.Add(Num);
            if (Text is not null) h.Add(string.GetHashCode(Text, StringComparison.Ordinal));
            if (_extra is int[] set) foreach (var d in set) h.Add(d);
            else if (_extra is VnKey[] args) foreach (var a in args) h.Add(a.GetHashCode());
            return h.ToHashCode();
        }

        /// <summary>A total order on operand keys (equal keys compare 0): the order commutative operands are put in.</summary>
        public static int Compare(VnKey a, VnKey b)
        {
            int c = a.Kind.CompareTo(b.Kind);
            if (c == 0) c = a.Num.CompareTo(b.Num);
            if (c == 0) c = string.CompareOrdinal(a.Text, b.Text);
            if (c == 0 && (a.Set is not null || b.Set is not null))
                c = (a.Set ?? Array.Empty<int>()).AsSpan().SequenceCompareTo(b.Set ?? Array.Empty<int>());
            return c;
        }
    }
}
