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
        Analyses = new[] { "cfg", "constant values", "dominators", "facts", "reaching definitions", "register index" },
        AppliesTo = new FunctionFilter { TouchesShared = true },
        HelpText = "Declare the shared variable large enough for every access (e.g. float s_amax[4] instead of float s_amax), " +
                   "or fix the offset / vector width of the access.",
        HelpMarkdown = RuleDocs.Load("PTX006"),
        Precision = "very-high",
        Tags = new[] { "correctness", "memory-safety" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            // Register chains start at an instruction that takes a shared variable's address (mov/cvta of the symbol);
            // without one only [symbol+offset] operands are checked, and reaching definitions are not needed.
            bool addressTaken = fn.Instructions.Any(i => i.Operands.Any(o => o is SymbolOperand so && fn.FindVariable(so.Name)?.Space.IsShared() == true));
            var overruns = new List<Overrun>();
            foreach (var insn in fn.InstructionSpan)
            {
                foreach (var access in insn.MemoryAccesses)
                {
                    if (access.Space is not (StateSpace.Shared or StateSpace.SharedCluster or StateSpace.Generic)) continue;
                    var values = SharedAddress(fn, insn, access.Address, addressTaken);
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
                    (SymbolOffset V, VariableSymbol Var, long Size)? worst = null;
                    long worstOver = 0;
                    foreach (var vv in values)
                    {
                        var v = vv;
                        if (v.Symbol is null) continue;
                        v = v with { Offset = v.Offset + skip };
                        var variable = fn.FindVariable(v.Symbol)!;
                        if (variable.ByteSize is not long size || size <= 0) continue; // extern .shared x[]: size set at launch
                        long end = v.Offset + Math.Max(width, 1);
                        long over = v.Offset < 0 ? -v.Offset : end - size;
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
                long need = overruns.Where(x => x.Var == o.Var && x.V.Offset >= 0).Select(x => x.V.Offset + Math.Max(x.Width, 1)).DefaultIfEmpty(0).Max();
                bool negative = overruns.Any(x => x.Var == o.Var && x.V.Offset < 0);
                Report(ctx, fn, o, need, negative);
            }
        }
    }

    /// <summary>
    /// The values of a shared access's address (<see cref="ConstantValues"/>); null when unknown or when some value is
    /// rooted in a symbol that is not a shared variable. Without an instruction that takes a shared variable's address
    /// (<paramref name="followRegisters"/> false) only <c>[symbol+offset]</c> operands are read.
    /// </summary>
    private static IReadOnlyList<SymbolOffset>? SharedAddress(PtxFunction fn, Instruction insn, AddressOperand a, bool followRegisters)
    {
        if (a.BaseSymbol is null && !followRegisters) return null;
        var values = fn.Analyses.Constants.AddressValues(insn, a);
        if (values is null) return null;
        foreach (var v in values)
        {
            if (v.Symbol is null) continue;
            if (fn.FindVariable(v.Symbol) is not { } variable || !variable.Space.IsShared()) return null;
        }
        return values;
    }

    private sealed record Overrun(Instruction Insn, MemoryAccess Access, SymbolOffset V, VariableSymbol Var, long Size, int Width);

    private static void Report(RuleContext ctx, PtxFunction fn, Overrun o, long need, bool negative)
    {
        var (insn, access, v, variable, size, width) = (o.Insn, o.Access, o.V, o.Var, o.Size, o.Width);
        bool write = access.Access is AccessKind.Write or AccessKind.ReadWrite;
        string name = Display(variable.Name);
        string shortName = Short(variable.Name);
        string range = width > 0 ? $"bytes [{v.Offset}, {v.Offset + width})" : $"byte offset {v.Offset}";
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
                f.CodeFlows.Add(new CodeFlow($"{name} + {v.Offset} reaches the access",
                    src.Path.Select(i => new FlowStep(i.Location, i == insn ? $"the {(width > 0 ? width + "-byte " : "")}access at {Short(variable.Name)}+{v.Offset}" : i.ToString())).ToList()));
        }
        f.Data = new SharedOutOfBoundsData { Symbol = variable.Name, SymbolBytes = size, Offset = v.Offset, Width = width };
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
}
