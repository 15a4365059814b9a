using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>
/// PTX004: a tcgen05 tensor-memory address (ld/st/cp/shift/mma <c>[taddr]</c>, the dealloc address) that does not
/// derive from the base <c>tcgen05.alloc</c> wrote to shared memory. Provenance: the address's sources are only
/// constants and special registers (%tid.x ...) in a function that allocates, i.e. no load of the alloc's slot,
/// no parameter, no call result.
/// </summary>
public sealed class PTX004TmemAddressWithoutAllocBase : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX004",
        Name = "tmem-address-without-alloc-base",
        DefaultLevel = Level.Error,
        PerFunction = true,
        Analyses = new[] { "cfg", "constant values", "dominators", "facts", "provenance", "reaching definitions", "register index" },
        AppliesTo = new FunctionFilter { AnyOpcode = new[] { "tcgen05" } },
        ShortDescription = "Tensor-memory address does not add the base that tcgen05.alloc returned",
        FullDescription = "A tcgen05.ld/st/cp/shift/mma/dealloc tensor-memory address is computed only from constants and thread " +
                          "indices, without the TMEM base address that tcgen05.alloc wrote to shared memory: it touches columns " +
                          "the CTA may not own and reads or overwrites another CTA's accumulators.",
        HelpText = "Load the base written by tcgen05.alloc (ld.shared.u32 %rB, [slot]) and add it to every TMEM address: " +
                   "taddr = base + (lane << 16) + column.",
        HelpMarkdown = RuleDocs.Load("PTX004"),
        Precision = "high",
        Tags = new[] { "correctness", "tcgen05", "tensor-memory" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            var allocs = fn.Instructions.Where(i => Tcgen05.Is(i, "alloc")).ToList();
            if (allocs.Count == 0) continue; // base from a parameter or another kernel's alloc: not ours to judge
            var prov = fn.Analyses.Provenance;
            var alloc = allocs[0];
            var slot = Tcgen05.AllocSlot(alloc);
            string slotText = slot is { } s ? s.Symbol + (s.Offset is long o && o != 0 ? "+" + o : "") : "its shared-memory slot";
            foreach (var insn in fn.InstructionSpan)
            {
                foreach (var (op, role) in Tcgen05.TmemAddresses(insn))
                {
                    var reg = Tcgen05.AddressRegister(op);
                    IReadOnlyList<ValueSource> sources;
                    if (reg is null)
                    {
                        if (op is AddressOperand { BaseRegister: null, BaseSymbol: null, IndexRegister: null } || op is ImmediateOperand)
                            sources = Array.Empty<ValueSource>();
                        else continue;
                    }
                    else sources = prov.SourcesOf(insn, reg);
                    if (!sources.All(x => x.Kind is ValueSourceKind.Constant or ValueSourceKind.SpecialRegister)) continue;
                    Report(ctx, fn, insn, op, reg, role, sources, alloc, slotText);
                }
            }
        }
    }

    private static void Report(RuleContext ctx, PtxFunction fn, Instruction insn, Operand op, RegisterOperand? reg, string role,
                               IReadOnlyList<ValueSource> sources, Instruction alloc, string slotText)
    {
        var specials = sources.Where(x => x.Kind == ValueSourceKind.SpecialRegister).Select(x => x.Name).Distinct().ToList();
        string from = specials.Count > 0 ? string.Join(", ", specials.Select(x => $"`{x}`")) + " and constants" : "constants";
        string what = reg is null ? $"constant address `{op}`" : $"{role} `{reg}`";
        string mnemonic = "tcgen05." + Tcgen05.Op(insn);
        int allocLine = Tcgen05.Line(alloc);
        var f = ctx.Report(insn, $"`{mnemonic}` {what} lacks the TMEM base of `tcgen05.alloc` (line {allocLine})");
        f.Cause = new FindingCause($"alloc@{alloc.Index}", "address without the base", "addresses without the base",
            $"`{mnemonic}` {what} also lacks the TMEM base");
        f.Notes.Add($"The address is computed only from {from}.");
        f.Notes.Add("Without the base the address selects columns this CTA may not own: it reads or overwrites another CTA's accumulators.");
        f.Help = $"Load the base (`ld.shared.u32 %rB, [{slotText}];`) and add it to every TMEM address: taddr = base + (lane << 16) + column.";
        f.Related.Add(new RelatedLocation(alloc.Location, $"tcgen05.alloc writes the TMEM base address to {slotText}"));
        // Code flow: the address computation, from its sources to the tcgen05 instruction.
        var steps = new List<(Instruction, string)>();
        var seen = new HashSet<Instruction>();
        foreach (var src in sources.OrderByDescending(x => x.Path.Count))
            foreach (var i in src.Path)
                if (i != insn && seen.Add(i)) steps.Add((i, i.ToString()));
        steps.Sort((a, b) => a.Item1.Index.CompareTo(b.Item1.Index));
        steps.Add((insn, $"{mnemonic} uses {(reg?.ToString() ?? op.ToString())} as the tensor-memory address (no alloc base)"));
        f.CodeFlows.Add(Tcgen05.Flow("TMEM address computation", steps));
        f.Properties["allocLine"] = Tcgen05.Line(alloc);
    }
}
