using PtxLint.Analysis;
using PtxLint.Ir;

namespace PtxLint.Semantics;

/// <summary>
/// The instruction shapes of one function that <see cref="IsaValidator.Validate(Instruction, IsaContext, SymbolTable)"/>
/// found valid, so that an instruction of a shape seen before is not checked again. A shape is what the check reads: the
/// opcode form (opcode and modifiers), and per operand its kind and what the check asks of it: a register's declaration
/// (its type and width), a special register's name and component, the class of a floating-point constant (0f, 0d or
/// decimal), a symbol's name, an address's base declaration and symbol; the guard's declaration.
/// <c>add.s32 %r5, %r3, %r4</c> and <c>add.s32 %r9, %r7, %r8</c> have one shape when all are in one
/// <c>.reg .b32 %r&lt;N&gt;</c>. Instructions with operands whose check reads more (negated registers, components of
/// vector registers, expressions, address lists, indexed addresses, dual results, argument lists, calls) have no
/// shape and are always checked. Declarations belong to a function
/// and the module's .version/.target to its file: one cache per function.
/// </summary>
public sealed class IsaShapeCache
{
    private static readonly object NoGuard = new(), Guard = new(), Register = new(), Special = new(), Immediate = new(),
        FloatBits32 = new(), FloatBits64 = new(), FloatDecimal = new(), Sink = new(), Symbol = new(), Address = new(),
        NoBase = new(), NoSymbol = new(), NoComponent = new();
    private static readonly object[] Vector = { new(), new(), new(), new(), new(), new(), new(), new(), new() };

    // per opcode form, the operand shapes found valid (a form has a few: one per combination of register types)
    private readonly Dictionary<OpcodeForm, List<object[]>> _valid = new(ReferenceEqualityComparer.Instance);
    private const int MaxShapesPerForm = 32;
    private object[] _shape = new object[16];
    private int _length;
    private bool _described;

    /// <summary>True when <paramref name="insn"/> has a shape and an instruction of that shape was found valid.</summary>
    internal bool KnownValid(Instruction insn, SymbolTable symbols)
    {
        _described = Describe(insn, symbols);
        if (!_described || !_valid.TryGetValue(insn.Form, out var shapes)) return false;
        foreach (var seen in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shapes))
            if (Matches(seen)) return true;
        return false;
    }

    private bool Matches(object[] seen)
    {
        if (seen.Length != _length) return false;
        for (int i = 0; i < _length; i++)
            if (!Same(seen[i], _shape[i])) return false;
        return true;
    }

    /// <summary>Records the shape <see cref="KnownValid"/> last described as valid (nothing when it had none).</summary>
    internal void AddValid(Instruction insn)
    {
        if (!_described) return;
        if (!_valid.TryGetValue(insn.Form, out var shapes)) _valid[insn.Form] = shapes = new List<object[]>(2);
        // bounded: a form with more shapes than this is checked every time for the ones not kept
        if (shapes.Count < MaxShapesPerForm) shapes.Add(_shape.AsSpan(0, _length).ToArray());
    }

    private static bool Same(object a, object b) => ReferenceEquals(a, b) || a is string sa && b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);

    private void Add(object o)
    {
        if (_length == _shape.Length) Array.Resize(ref _shape, _shape.Length * 2);
        _shape[_length++] = o;
    }

    private bool Describe(Instruction insn, SymbolTable symbols)
    {
        _length = 0;
        if (insn.Opcode == "call") return false;
        if (insn.Guard is { } g)
        {
            if (g.IsSpecial || g.Component is not null || symbols.Register(g.Name, insn.Index) is not { } gd) return false;
            Add(Guard);
            Add(gd);
        }
        else Add(NoGuard);
        var ops = insn.Operands;
        for (int k = 0; k < ops.Count; k++)
            if (!AddOperand(insn, ops[k], symbols, inVector: false)) return false;
        return true;
    }

    private bool AddOperand(Instruction insn, Operand op, SymbolTable symbols, bool inVector)
    {
        switch (op)
        {
            case RegisterOperand r:
                if (r.Negated) return false;
                if (r.IsSpecial)
                {
                    // %tid.x: the check reads the name and whether a component is named, and the name's width
                    Add(Special);
                    Add(r.Name);
                    Add(r.Component ?? NoComponent);
                    return true;
                }
                if (r.Component is not null) return false;
                if (symbols.Register(r.Name, insn.Index) is not { } decl) return false;
                Add(Register);
                Add(decl);
                return true;
            case ImmediateOperand:
                Add(Immediate);
                return true;
            case FloatImmediateOperand fi:
            {
                // the check tells 0f (32-bit) and 0d (64-bit) bit patterns from decimal constants, nothing more
                var t = fi.Text;
                bool bits = t.Length > 2 && t[0] == '0';
                Add(bits && (t[1] | 0x20) == 'f' ? FloatBits32 : bits && (t[1] | 0x20) == 'd' ? FloatBits64 : FloatDecimal);
                return true;
            }
            case SinkOperand:
                Add(Sink);
                return true;
            case SymbolOperand s:
                Add(Symbol);
                Add(s.Name);
                return true;
            case AddressOperand a:
                if (inVector || a.Extra.Count != 0 || a.IndexRegister is not null) return false;
                Add(Address);
                if (a.BaseRegister is { } b)
                {
                    if (b.IsSpecial || b.Negated || b.Component is not null || symbols.Register(b.Name, insn.Index) is not { } bd) return false;
                    Add(bd);
                }
                else Add(NoBase);
                Add(a.BaseSymbol ?? NoSymbol);
                return true;
            case VectorOperand v:
                if (inVector || v.Elements.Count >= Vector.Length) return false;
                Add(Vector[v.Elements.Count]);
                for (int k = 0; k < v.Elements.Count; k++) // by index: a foreach boxes the list's enumerator
                    if (!AddOperand(insn, v.Elements[k], symbols, inVector: true)) return false;
                return true;
            default:
                return false;
        }
    }
}
