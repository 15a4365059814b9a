using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Rules;

/// <summary>
/// PTX006: a shared access whose address is a shared symbol plus a constant (directly <c>[s_amax+12]</c> or through a chain of
/// <c>mov</c>/<c>add</c>/<c>cvta</c>/<c>cvt</c> registers) and whose bytes [offset, offset + width) reach past the symbol's
/// declared size. Addresses with a non-constant part are never reported; unsized <c>extern .shared</c> arrays neither.
/// </summary>
public sealed class PTX006SharedOutOfBounds : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX006",
        Name = "shared-out-of-bounds",
        ShortDescription = "Constant-offset shared-memory access past the end of its variable",
        FullDescription = "A load or store whose address is a .shared variable plus a constant offset touches bytes beyond the variable's " +
                          "declared size (vector widths included), so it reads or overwrites whichever shared variables ptxas placed next.",
        DefaultLevel = Level.Error,
        PerFunction = true,
        Analyses = new[] { "cfg", "dominators", "facts", "reaching definitions" },
        AppliesTo = new FunctionFilter { TouchesShared = true },
        HelpText = "Declare the shared variable large enough for every access (e.g. float s_amax[4] instead of float s_amax), " +
                   "or fix the offset / vector width of the access.",
        HelpMarkdown = RuleDocs.Load("PTX006"),
        Precision = "very-high",
        Tags = new[] { "correctness", "memory-safety" },
    };

    public RuleDescriptor Descriptor => Rule;

    /// <summary>A symbolic address: a symbol (null for a plain constant) plus a byte offset.</summary>
    private readonly record struct SymOff(string? Sym, long Off);

    private const int MaxValues = 16;

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            // Register chains start at an instruction that takes a shared variable's address (mov/cvta of the symbol);
            // without one only [symbol+offset] operands are checked, and reaching definitions are not needed.
            bool addressTaken = fn.Instructions.Any(i => i.Operands.Any(o => o is SymbolOperand so && fn.FindVariable(so.Name)?.Space.IsShared() == true));
            var eval = new Evaluator(fn, addressTaken);
            var overruns = new List<Overrun>();
            foreach (var insn in fn.Instructions)
            {
                foreach (var access in insn.MemoryAccesses)
                {
                    if (access.Space is not (StateSpace.Shared or StateSpace.SharedCluster or StateSpace.Generic)) continue;
                    var values = eval.Address(insn, access.Address);
                    if (values is null) continue;
                    int width = AccessBytes(insn, access);
                    long skip = 0;
                    if (insn.Opcode is "ld" or "ldu" && UsedElements(insn) is var (first, last, n) && n > 1 && width % n == 0)
                    {
                        // ld.v4 {%f1, %f2, %f3, _}: nvcc widens a float3 load; the sink lanes are never used.
                        int elem = width / n;
                        skip = (long)first * elem;
                        width = (last - first + 1) * elem;
                    }
                    // The worst overrun over the paths: every value reaches the access on some path.
                    (SymOff V, VariableSymbol Var, long Size)? worst = null;
                    long worstOver = 0;
                    foreach (var vv in values)
                    {
                        var v = vv;
                        if (v.Sym is null) continue;
                        v = v with { Off = v.Off + skip };
                        var variable = fn.FindVariable(v.Sym);
                        if (variable is null || !variable.Space.IsShared()) continue;
                        if (variable.ByteSize is not long size || size <= 0) continue; // extern .shared x[]: size set at launch
                        long end = v.Off + Math.Max(width, 1);
                        long over = v.Off < 0 ? -v.Off : end - size;
                        if (over > 0 && over > worstOver) { worstOver = over; worst = (v, variable, size); }
                    }
                    if (worst is null) continue;
                    overruns.Add(new Overrun(insn, access, worst.Value.V, worst.Value.Var, worst.Value.Size, width));
                    break; // one finding per instruction
                }
            }
            // The fix is per variable: the size that covers every access of this function past its end.
            foreach (var o in overruns)
            {
                long need = overruns.Where(x => x.Var == o.Var && x.V.Off >= 0).Select(x => x.V.Off + Math.Max(x.Width, 1)).DefaultIfEmpty(0).Max();
                bool negative = overruns.Any(x => x.Var == o.Var && x.V.Off < 0);
                Report(ctx, fn, o, need, negative);
            }
        }
    }

    private sealed record Overrun(Instruction Insn, MemoryAccess Access, SymOff V, VariableSymbol Var, long Size, int Width);

    private static void Report(RuleContext ctx, PtxFunction fn, Overrun o, long need, bool negative)
    {
        var (insn, access, v, variable, size, width) = (o.Insn, o.Access, o.V, o.Var, o.Size, o.Width);
        bool write = access.Access is AccessKind.Write or AccessKind.ReadWrite;
        string name = Display(variable.Name);
        string shortName = Short(variable.Name);
        string range = width > 0 ? $"bytes [{v.Off}, {v.Off + width})" : $"byte offset {v.Off}";
        var neighbours = Neighbours(fn, variable);
        string decl = $".shared {variable.TypeName}" + (variable.VectorWidth > 1 ? $".v{variable.VectorWidth}" : "")
                      + (variable.ElementCount is long c && c != 1 ? $"[{c}]" : "");
        var f = ctx.Report(insn, $"`{insn.FullOpcode}` {(write ? "writes" : "reads")} {range} of `{shortName}`, which has only {size} bytes");
        f.Cause = new FindingCause($"var:{variable.Name}", "access past its end", "accesses past its end",
            $"`{insn.FullOpcode}` {(write ? "writes" : "reads")} {range} of `{shortName}`");
        f.Notes.Add($"`{variable.Name}`{(shortName != variable.Name ? $" (`{shortName}`)" : "")} is declared `{decl}` ({size} bytes).");
        f.Notes.Add(neighbours.Count == 0
            ? $"The access {(write ? "may overwrite" : "reads")} shared memory past the end of the variable."
            : $"The access {(write ? "may overwrite" : "reads bytes of")} " +
              string.Join(", ", neighbours.Take(3).Select(n => $"`{Short(n.Name)}`")) + (neighbours.Count > 3 ? ", ..." : "") +
              " (declared after it; ptxas decides the layout).");
        var fixes = new List<string>();
        if (need > size) fixes.Add($"declare `{shortName}` with at least {need} bytes");
        if (negative) fixes.Add("fix the negative offset");
        f.Help = string.Join(" and ", fixes) is { Length: > 0 } fix ? char.ToUpperInvariant(fix[0]) + fix[1..] + ", or narrow the access." : "Narrow the access.";
        f.Related.Add(new RelatedLocation(fn.LocationOf(variable.Span), $"{name} is declared here with {size} bytes"));
        foreach (var n in neighbours.Take(3))
            f.Related.Add(new RelatedLocation(fn.LocationOf(n.Span), $"{Short(n.Name)} is declared after {Short(variable.Name)}; the out-of-bounds bytes may land here"));
        // The register chain from the symbol to the access, when there is one.
        if (access.Address.BaseRegister is { } reg)
        {
            var src = fn.Analyses.Provenance.SourcesOf(insn, reg).FirstOrDefault(s => s.Kind == ValueSourceKind.Symbol && s.Name == variable.Name);
            if (src is not null && src.Path.Count > 1)
                f.CodeFlows.Add(new CodeFlow($"{name} + {v.Off} reaches the access",
                    src.Path.Select(i => new FlowStep(i.Location, i == insn ? $"the {(width > 0 ? width + "-byte " : "")}access at {Short(variable.Name)}+{v.Off}" : i.ToString())).ToList()));
        }
        f.Data = new SharedOutOfBoundsData { Symbol = variable.Name, SymbolBytes = size, Offset = v.Off, Width = width };
    }

    /// <summary>Shared variables declared after <paramref name="v"/> in the same scope (function or module), in declaration order.</summary>
    private static List<VariableSymbol> Neighbours(PtxFunction fn, VariableSymbol v)
    {
        IEnumerable<VariableSymbol> scope = v.Owner is not null ? v.Owner.LocalSymbols.Values : fn.Module.Globals.Values;
        return scope.Where(o => o != v && o.Space.IsShared() && !o.IsExtern && After(o.Span, v.Span))
            .OrderBy(o => o.Span.StartLine).ThenBy(o => o.Span.StartColumn).ToList();
    }

    private static bool After(SourceSpan a, SourceSpan b) => a.StartLine > b.StartLine || (a.StartLine == b.StartLine && a.StartColumn > b.StartColumn);

    /// <summary>The source name of a demoted local (<c>s_amax</c>), or the PTX name.</summary>
    internal static string Short(string name) => DemangleLocal(name) ?? name;

    /// <summary>A readable name: <c>_ZZ18rmsnorm_quant_amaxE6s_amax</c> becomes <c>_ZZ18rmsnorm_quant_amaxE6s_amax (s_amax)</c>.</summary>
    internal static string Display(string name)
    {
        var local = DemangleLocal(name);
        return local is null ? name : $"{name} ({local})";
    }

    /// <summary>The source name of a demoted function-local static (<c>_ZZ&lt;n&gt;fnE&lt;m&gt;var</c>), or null.</summary>
    internal static string? DemangleLocal(string name)
    {
        if (!name.StartsWith("_ZZ", StringComparison.Ordinal)) return null;
        int e = name.LastIndexOf('E');
        if (e < 0 || e + 1 >= name.Length) return null;
        int i = e + 1, n = 0;
        while (i < name.Length && char.IsAsciiDigit(name[i])) n = n * 10 + (name[i++] - '0');
        if (n <= 0 || i + n > name.Length) return null;
        return name.Substring(i, n);
    }

    /// <summary>For a vector load: the first and last destination elements that are not the sink <c>_</c>, and the element count.</summary>
    private static (int First, int Last, int Count) UsedElements(Instruction insn)
    {
        if (insn.Operands.Count == 0 || insn.Operands[0] is not VectorOperand vec || vec.Elements.Count < 2) return (0, 0, 1);
        int n = vec.Elements.Count, first = 0, last = n - 1;
        while (first < n && vec.Elements[first] is SinkOperand) first++;
        while (last > first && vec.Elements[last] is SinkOperand) last--;
        if (first >= n) return (0, 0, 1);
        return (first, last, n);
    }

    /// <summary>Bytes touched at the address operand; 0 when the instruction does not say (then only the first byte is checked).</summary>
    internal static int AccessBytes(Instruction insn, MemoryAccess access)
    {
        if (access.Bytes > 0) return access.Bytes;
        var m = insn.Mnemonic;
        if (m == "cp.async" && access.OperandIndex == 0 && insn.Operands.Count > 2 && insn.Operands[2] is ImmediateOperand cp)
            return (int)cp.Value;
        if (m is "cp.async.bulk" or "cp.reduce.async.bulk" && access.OperandIndex <= 1 && insn.Operands.Count > 2 && insn.Operands[2] is ImmediateOperand sz)
            return (int)Math.Min(sz.Value, int.MaxValue);
        if (insn.Opcode == "mbarrier" || m == "cp.async.mbarrier.arrive") return 8;
        if (m is "ldmatrix" or "stmatrix") return 16;
        if (m == "tcgen05.alloc") return 4;
        return 0;
    }

    /// <summary>Constant folding of address registers over reaching definitions: symbol + constant, or unknown (null).</summary>
    private sealed class Evaluator
    {
        private readonly PtxFunction _fn;
        private readonly bool _followRegisters;
        private ReachingDefinitions? _defs;
        private readonly Dictionary<int, HashSet<SymOff>?> _memo = new();
        private readonly HashSet<int> _active = new();

        public Evaluator(PtxFunction fn, bool followRegisters)
        {
            _fn = fn;
            _followRegisters = followRegisters;
        }

        public HashSet<SymOff>? Address(Instruction insn, AddressOperand a)
        {
            if (a.IndexRegister is not null) return null;
            if (a.BaseSymbol is { } s)
                return _fn.FindVariable(s) is { } v && v.Space.IsShared() ? new HashSet<SymOff> { new(s, a.Offset) } : null;
            if (a.BaseRegister is not { } r || !_followRegisters) return null;
            var set = Register(insn, r);
            return set is null ? null : Shift(set, a.Offset);
        }

        private static HashSet<SymOff> Shift(HashSet<SymOff> set, long by)
        {
            if (by == 0) return set;
            var r = new HashSet<SymOff>();
            foreach (var v in set) r.Add(v with { Off = v.Off + by });
            return r;
        }

        private HashSet<SymOff>? Register(Instruction at, RegisterOperand reg)
        {
            if (reg.IsSpecial) return null;
            _defs ??= _fn.Analyses.Defs;
            var idx = _defs.ReachingIndices(at, reg.Name);
            if (idx.Length == 0) return null;
            HashSet<SymOff>? result = null;
            foreach (var d in idx)
            {
                if (d < 0) return null; // live-in / parameter
                var v = Definition(_fn.Instructions[d]);
                if (v is null) return null;
                if (result is null) result = new HashSet<SymOff>(v);
                else result.UnionWith(v);
                if (result.Count > MaxValues) return null;
            }
            return result;
        }

        private HashSet<SymOff>? Definition(Instruction d)
        {
            if (_memo.TryGetValue(d.Index, out var cached)) return cached;
            if (!_active.Add(d.Index)) return null; // a loop-carried value: not a constant
            var r = Compute(d);
            _active.Remove(d.Index);
            _memo[d.Index] = r;
            return r;
        }

        private HashSet<SymOff>? Operand(Instruction d, int i)
        {
            if (i >= d.Operands.Count) return null;
            switch (d.Operands[i])
            {
                case ImmediateOperand imm: return new HashSet<SymOff> { new(null, imm.Value) };
                case SymbolOperand s:
                    return _fn.FindVariable(s.Name) is { } v && v.Space.IsShared() ? new HashSet<SymOff> { new(s.Name, s.Offset) } : null;
                case RegisterOperand r: return Register(d, r);
                default: return null;
            }
        }

        private static bool IsIntType(string? t) => t is not null && (t[1] is 'u' or 's' or 'b') && !Types.IsFloat(t);

        private HashSet<SymOff>? Compute(Instruction d)
        {
            if (d.Defs.Length != 1) return null;
            switch (d.Opcode)
            {
                case "mov":
                    if (d.Operands.Count != 2 || (d.Type is { } mt && !IsIntType(mt))) return null;
                    return Operand(d, 1);
                case "cvta":
                    // cvta.shared / cvta.to.shared keep the offset inside the shared window.
                    return d.Space.IsShared() ? Operand(d, 1) : null;
                case "cvt":
                {
                    // Integer conversions only (cvt.u64.u32 of a symbol address, cvt.u32.u64 back).
                    if (d.Modifiers.Any(m => Types.IsType(m) && !IsIntType(m))) return null;
                    if (d.Modifiers.Any(m => m == ".sat")) return null;
                    return Operand(d, 1);
                }
                case "add" when IsIntType(d.Type) && !d.HasPrefix(".cc") && !d.Has(".sat"):
                    return Combine(Operand(d, 1), Operand(d, 2), (a, b) => a.Sym is not null && b.Sym is not null ? null : new SymOff(a.Sym ?? b.Sym, a.Off + b.Off));
                case "sub" when IsIntType(d.Type) && !d.HasPrefix(".cc") && !d.Has(".sat"):
                    return Combine(Operand(d, 1), Operand(d, 2), (a, b) => b.Sym is not null ? null : new SymOff(a.Sym, a.Off - b.Off));
                case "mul" when IsIntType(d.Type) && (d.Has(".lo") || d.Has(".wide")):
                    return Combine(Operand(d, 1), Operand(d, 2), (a, b) => a.Sym is null && b.Sym is null ? new SymOff(null, a.Off * b.Off) : null);
                case "shl" when IsIntType(d.Type):
                    return Combine(Operand(d, 1), Operand(d, 2), (a, b) => a.Sym is null && b.Sym is null && b.Off is >= 0 and < 63 ? new SymOff(null, a.Off << (int)b.Off) : null);
                default:
                    return null;
            }
        }

        private static HashSet<SymOff>? Combine(HashSet<SymOff>? x, HashSet<SymOff>? y, Func<SymOff, SymOff, SymOff?> f)
        {
            if (x is null || y is null || x.Count * y.Count > MaxValues) return null;
            var r = new HashSet<SymOff>();
            foreach (var a in x)
                foreach (var b in y)
                {
                    var v = f(a, b);
                    if (v is null) return null;
                    r.Add(v.Value);
                }
            return r;
        }
    }
}
