using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>
/// PTX010: <c>mul.f32/.f64</c> without a rounding modifier whose result feeds an <c>add</c>/<c>sub</c> (also without one):
/// ptxas may contract the pair into one <c>fma</c> (one rounding instead of two), so the result can differ in the last bit
/// from a sequential reference. <c>mul.rn</c> (<c>__fmul_rn</c>) or <c>add.rn</c> (<c>__fadd_rn</c>) pins the two roundings.
/// Off by default: it matters only where bit-equality with a reference path is required.
/// </summary>
public sealed class PTX010ContractibleMulAdd : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX010",
        Name = "contractible-mul-add",
        ShortDescription = "mul feeding add without rounding modifiers may be fused into fma",
        FullDescription = "A mul.f32/.f64 without .rn/.rz/.rm/.rp whose result is an operand of an add/sub.f32/.f64 without a rounding " +
                          "modifier: the PTX ISA lets ptxas contract the pair into a fused multiply-add, which rounds once and can differ " +
                          "from a sequential reference (and from another build of the same source).",
        DefaultLevel = Level.Note,
        PerFunction = true,
        Analyses = new[] { "cfg", "dominators", "reaching definitions", "register index" },
        EnabledByDefault = false,
        HelpText = "Write mul.rn.f32 (CUDA __fmul_rn) or add.rn.f32 (__fadd_rn) where bit-equality with an unfused reference matters, " +
                   "or write fma.rn explicitly where the fused result is wanted.",
        HelpMarkdown = RuleDocs.Load("PTX010"),
        Precision = "high",
        Tags = new[] { "reproducibility", "numerics" },
    };

    public RuleDescriptor Descriptor => Rule;

    private static readonly string[] Rounding = { ".rn", ".rz", ".rm", ".rp" };

    private static bool Unrounded(Instruction insn) => !insn.Modifiers.Any(m => Array.IndexOf(Rounding, m) >= 0);

    private static bool IsFloatOp(Instruction insn, string opcode) =>
        insn.Opcode == opcode && insn.Type is ".f32" or ".f64" && insn.Modifiers.Count(m => m is ".f32" or ".f64") == 1;

    /// <summary>An immediate ±2^k or 0: the product is exact (barring overflow/underflow), so fma and mul+add agree.</summary>
    internal static bool IsPowerOfTwo(Operand op)
    {
        if (op is not FloatImmediateOperand f || double.IsNaN(f.Value) || double.IsInfinity(f.Value)) return false;
        if (f.Value == 0) return true;
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(f.Value));
        return (bits & 0x000F_FFFF_FFFF_FFFFL) == 0 && (bits >> 52) != 0; // zero mantissa, normal
    }

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            Analysis.ReachingDefinitions? defs = null;
            foreach (var mul in fn.InstructionSpan)
            {
                if (!IsFloatOp(mul, "mul") || !Unrounded(mul) || mul.Defs.Length != 1) continue;
                if (mul.Operands.Skip(1).Any(IsPowerOfTwo)) continue; // x * 2^k and x * 0 are exact: fusing changes nothing
                defs ??= fn.Analyses.Defs;
                var dst = mul.Defs[0];
                var adds = new List<Instruction>();
                foreach (var use in defs.UsesOf(mul, dst.Name))
                {
                    if (!(IsFloatOp(use, "add") || IsFloatOp(use, "sub")) || !Unrounded(use) || use.Type != mul.Type) continue;
                    // The product must be a source operand of the add, not (only) its guard.
                    if (!use.Operands.Skip(1).OfType<RegisterOperand>().Any(r => r.Name == dst.Name)) continue;
                    adds.Add(use);
                }
                if (adds.Count == 0) continue;
                var add = adds[0];
                string t = mul.Type!;
                var f = ctx.Report(mul, $"`{mul.FullOpcode} {dst.Name}` feeds `{add}` unrounded: ptxas may fuse the pair into `fma{t}`");
                f.Cause = new FindingCause($"contract{t}", "contractible pair", "contractible pairs",
                    $"`{mul.FullOpcode} {dst.Name}` feeds `{add.FullOpcode}` (line {add.Span.StartLine}) unrounded");
                f.Notes.Add("A fused multiply-add rounds once instead of twice, so the result can differ in the last bit from a " +
                            "sequential reference (and from another build of the same source).");
                f.Help = $"Write `mul.rn{t}` (`__fmul_rn`) or `add.rn{t}` (`__fadd_rn`) to keep both roundings, or `fma.rn{t}` where the fused result is wanted.";
                f.Data = new ContractibleMulData { MulLine = mul.Span.StartLine };
                foreach (var a in adds)
                    f.Related.Add(new RelatedLocation(a.Location, $"{a.FullOpcode} consumes the product {dst.Name}"));
            }
        }
    }
}
