using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>
/// PTX009: floating-point atomic or reduction addition (<c>atom/red .add.f32/.f64/.f16/.f16x2/.bf16/.bf16x2</c>,
/// <c>red.async</c>, <c>cp.reduce.async.bulk .add</c>, <c>multimem.red .add</c>): the order in which threads land varies from
/// run to run and float addition is not associative, so the sum is not bit-reproducible.
/// </summary>
public sealed class PTX009FloatAtomicOrder : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX009",
        Name = "float-atomic-order",
        ShortDescription = "Floating-point atomic addition: results are not bit-reproducible",
        FullDescription = "atom/red .add on a floating-point type (f32, f64, f16, f16x2, bf16, bf16x2), and the bulk/async/multimem " +
                          "reductions with .add on floats, accumulate in whatever order the threads arrive. Float addition is not " +
                          "associative, so the result differs from run to run in the last bits.",
        DefaultLevel = Level.Note,
        PerFunction = true,
        Analyses = new[] { "cfg", "dominators", "facts", "provenance", "reaching definitions", "register index" },
        AppliesTo = new FunctionFilter { AnyOpcode = new[] { "atom", "red", "multimem", "cp" } },
        HelpText = "Where bit-reproducibility matters, write per-block partial sums to memory and reduce them in a fixed order " +
                   "(a second kernel or a last-block reduction), or accumulate in integers / fixed point.",
        HelpMarkdown = RuleDocs.Load("PTX009"),
        Precision = "very-high",
        Tags = new[] { "reproducibility", "numerics" },
    };

    public RuleDescriptor Descriptor => Rule;

    private static readonly string[] FloatTypes = { ".f32", ".f64", ".f16", ".f16x2", ".bf16", ".bf16x2" };

    private static bool IsCandidate(Instruction insn) =>
        insn.Opcode is "atom" or "red" || insn.Mnemonic is "multimem.red" or "cp.reduce.async.bulk" or "cp.reduce.async.bulk.tensor";

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            foreach (var insn in fn.InstructionSpan)
            {
                if (!IsCandidate(insn) || !insn.Has(".add")) continue;
                var type = insn.Modifiers.LastOrDefault(m => Array.IndexOf(FloatTypes, m) >= 0);
                if (type is null) continue;
                Report(ctx, fn, insn, type);
            }
        }
    }

    private static void Report(RuleContext ctx, PtxFunction fn, Instruction insn, string type)
    {
        // The destination of the reduction: the first written address operand.
        var access = insn.MemoryAccesses.FirstOrDefault(a => a.Access is AccessKind.Write or AccessKind.ReadWrite)
                     ?? insn.MemoryAccesses.FirstOrDefault();
        string where = "memory";
        string dest = "memory";
        if (access is not null)
        {
            var sources = fn.Analyses.Provenance.SourcesOfAddress(insn, access.Address);
            var roots = sources.Where(s => s.Kind is ValueSourceKind.Parameter or ValueSourceKind.Symbol).ToList();
            var space = access.Space;
            if (space is StateSpace.Generic or StateSpace.None)
            {
                // Generic addressing: infer from the base (a shared variable, or a kernel pointer parameter).
                if (roots.Any(s => s.Variable is { } v && v.Space.IsShared())) space = StateSpace.Shared;
                else if (roots.Any(s => s.Variable is { } v && v.Space == StateSpace.Global)
                         || (fn.IsEntry && roots.Any(s => s.Kind == ValueSourceKind.Parameter))) space = StateSpace.Global;
            }
            where = space switch
            {
                StateSpace.Shared => "shared memory",
                StateSpace.SharedCluster => "cluster shared memory",
                StateSpace.Global => "global memory",
                _ => "generic memory",
            };
            var names = roots.Select(s => $"`{PTX006SharedOutOfBounds.Short(s.Name)}`").Distinct().Take(2).ToList();
            dest = names.Count > 0 ? string.Join(" + ", names) : where;
        }
        string scope = where.Contains("shared")
            ? "Within the block the order of the threads' additions is not fixed either."
            : "Threads and blocks land in a different order on every run.";
        var f = ctx.Report(insn, $"`{insn.FullOpcode}` adds {type[1..]} values to {dest} in no fixed order: the sum is not bit-reproducible");
        f.Cause = new FindingCause($"dest:{where}:{dest}", "float atomic there", "float atomics there",
            $"`{insn.FullOpcode}` also adds {type[1..]} values to {dest}");
        if (dest != where) f.Notes.Add($"{dest} is in {where}.");
        f.Notes.Add(scope + " Floating-point addition is not associative, so the last bits of the result differ from run to run.");
        f.Help = "Where reproducibility matters, reduce the partial values in a fixed order (per-block partials plus a deterministic final pass).";
        f.Properties["type"] = type;
        f.Properties["space"] = where;
        f.Data = new FloatAtomicData { Type = type, Space = where };
    }
}
