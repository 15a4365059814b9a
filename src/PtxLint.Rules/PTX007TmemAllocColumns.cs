using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>
/// PTX007: tcgen05.alloc/dealloc column counts that are not a power of two in [32, 512], and tensor-memory accesses at
/// constant column offsets past the allocation: tcgen05.ld/st (offset + the shape's column width), tcgen05.cp, and
/// tcgen05.mma whose D extent (N, decoded from the instruction descriptor) does not fit.
/// </summary>
public sealed class PTX007TmemAllocColumns : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX007",
        Name = "tmem-alloc-columns",
        DefaultLevel = Level.Error,
        PerFunction = true,
        Analyses = new[] { "cfg", "constant values", "dominators", "facts", "reaching definitions", "register index" },
        AppliesTo = new FunctionFilter { AnyOpcode = new[] { "tcgen05" } },
        ShortDescription = "Tensor-memory column count invalid, or an access past the allocated columns",
        FullDescription = "tcgen05.alloc/dealloc take a column count that must be a power of two between 32 and 512; " +
                          "tcgen05.ld/st/cp at a constant column offset, and tcgen05.mma whose accumulator is N columns wide " +
                          "(decoded from its instruction descriptor), must stay inside the allocated columns.",
        HelpText = "Allocate a power of two in [32, 512] that covers every column the kernel touches (MMA N, ld/st offset + width).",
        HelpMarkdown = RuleDocs.Load("PTX007"),
        Precision = "high",
        Tags = new[] { "correctness", "tcgen05", "tensor-memory" },
    };

    public RuleDescriptor Descriptor => Rule;

    private static bool ValidCount(long n) => n >= 32 && n <= 512 && (n & (n - 1)) == 0;

    private static long Suggest(long n)
    {
        long p = 32;
        while (p < n && p < 512) p <<= 1;
        return p;
    }

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            var allocs = new List<Instruction>();
            foreach (var insn in fn.InstructionSpan)
            {
                var op = Tcgen05.Op(insn);
                if (op is not ("alloc" or "dealloc")) continue;
                if (op == "alloc") allocs.Add(insn);
                if (Tcgen05.Columns(insn) is long n && !ValidCount(n))
                {
                    var f = ctx.Report(insn, $"`tcgen05.{op}` of {n} columns: the count must be a power of two between 32 and 512");
                    f.Cause = new FindingCause($"count:{n}", $"use of {n} columns", $"uses of {n} columns", $"`tcgen05.{op}` of {n} columns");
                    f.Notes.Add("tcgen05.alloc and tcgen05.dealloc take 32, 64, 128, 256 or 512 columns; any other count is invalid PTX for ptxas.");
                    f.Help = $"Use {Suggest(n)} columns, the same count in `tcgen05.alloc` and the matching `tcgen05.dealloc`.";
                }
            }
            if (allocs.Count == 0) continue;
            var baseLoads = new Dictionary<Instruction, List<Instruction>>();
            bool IsBaseLoad(Instruction load)
            {
                if (!baseLoads.TryGetValue(load, out var list)) baseLoads[load] = list = Tcgen05.AllocsReadBy(load, allocs);
                return list.Count > 0;
            }
            var past = new List<(Instruction Insn, Instruction Alloc, long Allocated, long Col, long Width, string What, string? Detail)>();
            foreach (var insn in fn.InstructionSpan)
            {
                var op = Tcgen05.Op(insn);
                if (op is not ("ld" or "st" or "cp" or "mma")) continue;
                var addr = Tcgen05.TmemAddresses(insn).FirstOrDefault().Operand;
                if (addr is null) continue;
                var value = Tcgen05.Evaluate(insn, addr, IsBaseLoad);
                if (value.BaseLoads.Count == 0 || value.Column is not long col) continue;
                // The allocation this address is relative to: the allocs whose slot its base load reads (the largest).
                var owners = value.BaseLoads.SelectMany(l => baseLoads[l]).Distinct().ToList();
                var counted = owners.Select(a => (Alloc: a, Cols: Tcgen05.Columns(a))).ToList();
                if (counted.Count == 0 || counted.Any(c => c.Cols is null)) continue;
                var (alloc, cols) = counted.OrderByDescending(c => c.Cols).First();
                long allocated = cols!.Value;

                long width;
                string what;
                string? detail = null;
                if (op == "mma")
                {
                    if (Tcgen05.InstructionDescriptor(insn) is not { } idOp || Tcgen05.Constant(insn, idOp) is not long idesc) continue;
                    var (m, n, dtype) = Tcgen05.Decode(idesc);
                    if (n == 0) continue;
                    var kind = Tcgen05.Kind(insn);
                    // An f16 accumulator (kind::f16 with D type F16) may be packed two per column: count N/2 (conservative).
                    width = kind == "f16" && dtype == 0 ? n / 2 : n;
                    what = $"tcgen05.mma.kind::{kind}";
                    detail = $"Its {m}x{n} accumulator is {width} columns wide (instruction descriptor 0x{idesc:X8}: " +
                             $"N>>3 = {n >> 3} in bits 17-22, M>>4 = {m >> 4} in bits 24-28).";
                }
                else
                {
                    if (Tcgen05.ColumnWidth(insn) is not int w) continue;
                    width = w;
                    // .16x32bx2: the second half starts immHalfSplitoff columns further.
                    if (insn.Has(".16x32bx2") && insn.Operands[^1] is ImmediateOperand split) width = split.Value + w;
                    var shape = insn.Modifiers.Skip(1).Where(x => x.Contains('x') && char.IsAsciiDigit(x[1]) || x.StartsWith(".x", StringComparison.Ordinal));
                    what = $"tcgen05.{op}{string.Concat(shape)}";
                    detail = $"It {(op == "ld" ? "reads" : "writes")} {w} columns from column offset {col}.";
                }
                if (col + width <= allocated) continue;
                past.Add((insn, alloc, allocated, col, width, what, detail));
            }
            foreach (var p in past)
            {
                long last = p.Col + p.Width - 1;
                // The fix is per allocation: a count that covers every access of the function past it.
                long need = past.Where(x => x.Alloc == p.Alloc).Max(x => x.Col + x.Width);
                var f = ctx.Report(p.Insn, $"`{p.What}` touches columns {p.Col}..{last}, past the {p.Allocated} columns allocated (line {Tcgen05.Line(p.Alloc)})");
                f.Cause = new FindingCause($"past:{p.Alloc.Index}", "access past it", "accesses past it",
                    $"`{p.What}` touches columns {p.Col}..{last}");
                if (p.Detail is not null) f.Notes.Add(p.Detail);
                f.Notes.Add($"Columns {Math.Max(p.Col, p.Allocated)}..{last} are outside what `{fn.Name}` allocated: undefined behavior, " +
                            "they may be another CTA's tensor memory.");
                f.Help = need <= 512
                    ? $"Allocate {Suggest(need)} columns, or keep the accesses below column {p.Allocated}."
                    : $"Keep the accesses below column {p.Allocated} (at most 512 columns can be allocated).";
                f.Related.Add(new RelatedLocation(p.Alloc.Location, $"tcgen05.alloc of {p.Allocated} columns"));
                f.Properties["allocatedColumns"] = p.Allocated;
                f.Properties["firstColumn"] = p.Col;
                f.Properties["lastColumn"] = last;
            }
        }
    }
}
