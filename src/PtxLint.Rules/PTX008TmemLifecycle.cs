using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Rules;

/// <summary>
/// PTX008: tensor-memory lifecycle. (1) a tcgen05.alloc with a CFG path to the exit that passes no tcgen05.dealloc
/// (path-sensitive: a branch on the same condition that guarded the alloc goes the same way); (2) no
/// tcgen05.relinquish_alloc_permit in a kernel that allocates; (3) registers of tcgen05.ld used before
/// tcgen05.wait::ld on some path; (4) .cta_group::1 and ::2 mixed in one kernel; (5) a warp whose index is fixed by
/// a constant guard accessing TMEM lanes (constant lane part of the address) outside its 32-lane quadrant.
/// </summary>
public sealed class PTX008TmemLifecycle : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX008",
        Name = "tmem-lifecycle",
        DefaultLevel = Level.Warning,
        PerFunction = true,
        Analyses = new[] { "cfg", "constant values", "dominators", "facts", "reaching definitions", "register index" },
        // every check is about tcgen05 instructions of the function (the module-wide facts are computed apart)
        AppliesTo = new FunctionFilter { AnyOpcode = new[] { "tcgen05" } },
        ShortDescription = "Tensor-memory lifecycle: leaked alloc, missing relinquish, tcgen05.ld used before wait::ld, mixed cta_group, lane quadrant",
        FullDescription = "tcgen05.alloc must be matched by tcgen05.dealloc on every path to the exit and followed by " +
                          "tcgen05.relinquish_alloc_permit; registers written by tcgen05.ld are undefined until tcgen05.wait::ld; " +
                          "a kernel uses one .cta_group; warp w may only access TMEM lanes 32*(w%4)..32*(w%4)+31.",
        HelpText = "Dealloc on every path that allocated, relinquish the permit after allocating, wait::ld before using loaded " +
                   "registers, use one cta_group per kernel, and give each warp the lanes of its own quadrant.",
        HelpMarkdown = RuleDocs.Load("PTX008"),
        Precision = "medium",
        Tags = new[] { "correctness", "tcgen05", "tensor-memory" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        var module = ctx.Module;
        var freeing = ctx.ModuleFact("freeing", () => FunctionsContaining(module, i => Tcgen05.Is(i, "dealloc")));
        var relinquishing = ctx.ModuleFact("relinquishing", () => FunctionsContaining(module, i => Tcgen05.Is(i, "relinquish_alloc_permit")));
        foreach (var fn in ctx.Functions)
        {
            var allocs = fn.Instructions.Where(i => Tcgen05.Is(i, "alloc")).ToList();
            if (allocs.Count > 0)
            {
                if (fn.IsEntry)
                    foreach (var a in allocs) CheckLeak(ctx, fn, a, freeing);
                bool relinquished = fn.IsEntry ? relinquishing.Contains(fn) : relinquishing.Count > 0;
                if (!relinquished)
                {
                    var f = ctx.Report(allocs[0], $"`tcgen05.alloc` in `{fn.Name}`, which never executes `tcgen05.relinquish_alloc_permit`");
                    f.Notes.Add("Other CTAs on the SM that want tensor memory may stall until this CTA exits.");
                    f.Help = "Relinquish the permit right after the alloc, in the allocating warp: " +
                             "`tcgen05.relinquish_alloc_permit.cta_group::N.sync.aligned;`.";
                    f.Properties["problem"] = "no-relinquish";
                }
            }
            CheckWaitLd(ctx, fn);
            CheckCtaGroups(ctx, fn);
            CheckQuadrants(ctx, fn, allocs);
        }
    }

    // ---- (1) alloc without dealloc on some path

    private static HashSet<PtxFunction> FunctionsContaining(PtxModule module, Func<Instruction, bool> pred)
    {
        var set = module.Functions.Where(f => f.HasBody && f.Instructions.Any(pred)).ToHashSet();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var f in module.Functions)
                if (f.HasBody && !set.Contains(f) && f.Instructions.Any(i => Callee(i) is { } c && set.Contains(c)))
                { set.Add(f); changed = true; }
        }
        return set;
    }

    private static PtxFunction? Callee(Instruction i)
    {
        if (i.Info.Flow != FlowKind.Call) return null;
        foreach (var op in i.Operands)
            if (op is SymbolOperand s && i.Function.Module.FindFunction(s.Name) is { } f) return f;
        return null;
    }

    private static void CheckLeak(RuleContext ctx, PtxFunction fn, Instruction alloc, HashSet<PtxFunction> freeing)
    {
        var fa = fn.Analyses;
        var cfg = fa.Cfg;
        bool Frees(Instruction i) => Tcgen05.Is(i, "dealloc") || (Callee(i) is { } c && freeing.Contains(c));
        var start = cfg.BlockOf(alloc);
        for (int i = alloc.Index + 1; i < start.End; i++)
            if (Frees(fn.Instructions[i])) return;
        var facts = Tcgen05.FactsAt(alloc);
        var parent = new Dictionary<BasicBlock, BasicBlock>();
        var visited = new HashSet<BasicBlock> { start };
        var queue = new Queue<BasicBlock>();
        queue.Enqueue(start);
        BasicBlock? leakFrom = null;
        while (queue.Count > 0 && leakFrom is null)
        {
            var b = queue.Dequeue();
            var term = cfg.Terminator(b);
            foreach (var s in Tcgen05.FeasibleSuccessors(cfg, b, facts))
            {
                if (s.IsExit)
                {
                    if (term is not null && term.Info.Flow == FlowKind.Trap) continue; // a trap aborts the grid anyway
                    leakFrom = b;
                    break;
                }
                if (!visited.Add(s)) continue;
                parent[s] = b;
                bool frees = false;
                for (int i = s.Start; i < s.End && !frees; i++) frees = Frees(fn.Instructions[i]);
                if (!frees) queue.Enqueue(s);
            }
        }
        if (leakFrom is null) return;
        var exitInsn = cfg.Terminator(leakFrom) ?? alloc;
        // The path, for the message and the code flow: the conditional branches taken from the alloc to the exit.
        var path = new List<BasicBlock>();
        for (var b = leakFrom; ; b = parent[b])
        {
            path.Add(b);
            if (b == start) break;
        }
        path.Reverse();
        var branches = path.Select(b => cfg.Terminator(b)).Where(t => t is not null && t.Guard is not null && t.Info.Flow == FlowKind.Branch).Cast<Instruction>().ToList();
        var cols = Tcgen05.Columns(alloc);
        string colText = cols is long n ? $"{n} columns" : "the allocated columns";
        string exitText = exitInsn.Info.Flow is FlowKind.Return or FlowKind.Exit ? exitInsn.FullOpcode : "the end of the kernel";
        var f = ctx.Report(alloc, $"`tcgen05.alloc` can reach `{exitText}` (line {Tcgen05.Line(exitInsn)}) without `tcgen05.dealloc`");
        if (branches.Count > 0)
            f.Notes.Add($"The path takes `{branches[^1]}` (line {Tcgen05.Line(branches[^1])}).");
        f.Notes.Add($"{char.ToUpperInvariant(colText[0])}{colText[1..]} stay allocated: exiting with tensor memory allocated is an error.");
        f.Help = "Dealloc on every path that allocated (or leave before allocating).";
        f.Related.Add(new RelatedLocation(exitInsn.Location, $"{exitText} reached without tcgen05.dealloc"));
        foreach (var br in branches)
            f.Related.Add(new RelatedLocation(br.Location, "branch on the path that skips the dealloc"));
        var steps = new List<(Instruction, string)> { (alloc, "tcgen05.alloc") };
        steps.AddRange(branches.Select(b => (b, b.ToString())));
        if (exitInsn != alloc) steps.Add((exitInsn, $"{exitText} without tcgen05.dealloc"));
        f.CodeFlows.Add(Tcgen05.Flow("path from the alloc to the exit without dealloc", steps));
        f.Properties["problem"] = "leak";
    }

    // ---- (3) tcgen05.ld registers used before tcgen05.wait::ld

    private static bool IsWaitLd(Instruction i) => Tcgen05.Is(i, "wait::ld");

    private static void CheckWaitLd(RuleContext ctx, PtxFunction fn)
    {
        var fa = fn.Analyses;
        var cfg = fa.Cfg;
        foreach (var ld in fn.InstructionSpan)
        {
            if (!Tcgen05.Is(ld, "ld") || ld.Defs.Length == 0) continue;
            // Instructions reachable from the ld without passing a wait::ld.
            var early = new HashSet<int>();
            var startBlock = cfg.BlockOf(ld);
            bool waited = false;
            for (int i = ld.Index + 1; i < startBlock.End; i++)
            {
                if (IsWaitLd(fn.Instructions[i])) { waited = true; break; }
                early.Add(i);
            }
            if (!waited)
            {
                var visited = new HashSet<BasicBlock>();
                var stack = new Stack<BasicBlock>(startBlock.Successors);
                while (stack.Count > 0)
                {
                    var b = stack.Pop();
                    if (b.IsExit || !visited.Add(b)) continue;
                    bool w = false;
                    for (int i = b.Start; i < b.End; i++)
                    {
                        if (IsWaitLd(fn.Instructions[i])) { w = true; break; }
                        early.Add(i);
                    }
                    if (!w) foreach (var s in b.Successors) stack.Push(s);
                }
            }
            Instruction? first = null;
            var regs = new List<string>();
            foreach (var r in ld.Defs)
            {
                foreach (var u in fa.Defs.UsesOf(ld, r.Name))
                {
                    if (!early.Contains(u.Index)) continue;
                    if (!regs.Contains(r.Name)) regs.Add(r.Name);
                    if (first is null || u.Index < first.Index) first = u;
                }
            }
            if (first is null) continue;
            string regText = regs.Count == 1 ? $"`{regs[0]}`" : $"{regs.Count} registers";
            var f = ctx.Report(first, $"`{first.FullOpcode}` reads {regText} of `tcgen05.ld` (line {Tcgen05.Line(ld)}) before `tcgen05.wait::ld`");
            f.Cause = new FindingCause("use-before-wait-ld", "use before wait::ld", "uses before wait::ld",
                $"`{first.FullOpcode}` reads registers of `tcgen05.ld` (line {Tcgen05.Line(ld)}) before the wait");
            if (regs.Count > 1) f.Notes.Add($"Registers read before the wait: {string.Join(", ", regs.Select(r => $"`{r}`"))}.");
            f.Notes.Add("The registers `tcgen05.ld` writes are undefined until `tcgen05.wait::ld` completes.");
            f.Help = "Put `tcgen05.wait::ld.sync.aligned;` between each `tcgen05.ld` and the first use of its registers.";
            f.Related.Add(new RelatedLocation(ld.Location, "tcgen05.ld that writes the registers asynchronously"));
            f.Properties["problem"] = "use-before-wait-ld";
        }
    }

    // ---- (4) mixed cta_group

    private static void CheckCtaGroups(RuleContext ctx, PtxFunction fn)
    {
        Instruction? firstInsn = null;
        int firstGroup = 0;
        foreach (var i in fn.InstructionSpan)
        {
            if (i.Opcode != "tcgen05") continue;
            int g = Tcgen05.CtaGroup(i);
            if (g == 0) continue;
            if (firstInsn is null) { firstInsn = i; firstGroup = g; continue; }
            if (g == firstGroup) continue;
            var f = ctx.Report(i, $"`tcgen05.{Tcgen05.Op(i)}` uses `.cta_group::{g}`, but `tcgen05.{Tcgen05.Op(firstInsn)}` " +
                                  $"(line {Tcgen05.Line(firstInsn)}) uses `.cta_group::{firstGroup}`");
            f.Notes.Add("All tcgen05 instructions of a kernel must use the same `.cta_group`.");
            f.Help = $"Use `.cta_group::{firstGroup}` (or `::{g}`) on every tcgen05 instruction of `{fn.Name}`.";
            f.Related.Add(new RelatedLocation(firstInsn.Location, $"first .cta_group::{firstGroup} instruction"));
            f.Properties["problem"] = "mixed-cta-group";
            return;
        }
    }

    // ---- (5) lane quadrant of a warp with a known index

    private static void CheckQuadrants(RuleContext ctx, PtxFunction fn, List<Instruction> allocs)
    {
        if (allocs.Count == 0 || !OneDimensional(fn)) return;
        var baseLoadCache = new Dictionary<Instruction, bool>();
        bool IsBaseLoad(Instruction l)
        {
            if (!baseLoadCache.TryGetValue(l, out var v)) baseLoadCache[l] = v = Tcgen05.AllocsReadBy(l, allocs).Count > 0;
            return v;
        }
        foreach (var insn in fn.InstructionSpan)
        {
            var op = Tcgen05.Op(insn);
            if (op is not ("ld" or "st") || Tcgen05.LaneCount(insn) is not int lanes) continue;
            var addr = Tcgen05.TmemAddresses(insn).FirstOrDefault().Operand;
            if (addr is null) continue;
            var value = Tcgen05.Evaluate(insn, addr, IsBaseLoad);
            if (value.BaseLoads.Count == 0 || value.LaneOffset is not long lane) continue;
            if (KnownWarp(insn) is not (int warp, Instruction guard)) continue;
            int q = warp % 4;
            long lo = 32L * q, hi = lo + 31;
            if (lane >= lo && lane + lanes - 1 <= hi) continue;
            var f = ctx.Report(insn, $"`tcgen05.{op}` in warp {warp} selects TMEM lanes {lane}..{lane + lanes - 1}, outside its lanes {lo}..{hi}");
            f.Cause = new FindingCause($"quadrant:{warp}", "access outside the quadrant", "accesses outside the quadrant",
                $"`tcgen05.{op}` in warp {warp} selects lanes {lane}..{lane + lanes - 1}");
            f.Notes.Add($"Only warp {warp} runs this access (guard at line {Tcgen05.Line(guard)}); warp w may only access lanes " +
                        $"32*(w%4)..32*(w%4)+31, here {lo}..{hi} (warp % 4 = {q}).");
            f.Help = $"Use lane offset {lo} << 16, or run this access in warp {lane / 32 % 4} (+4k).";
            f.Related.Add(new RelatedLocation(guard.Location, $"guard that selects warp {warp}"));
            f.Properties["problem"] = "lane-quadrant";
        }
    }

    private static bool OneDimensional(PtxFunction fn)
    {
        var dims = fn.Performance.ReqNtid ?? fn.Performance.MaxNtid;
        return dims is not null && dims.Skip(1).All(d => d == 1);
    }

    /// <summary>The warp index when the guards that dominate the instruction pin it to one value (tid.x range or tid.x/32).</summary>
    private static (int, Instruction)? KnownWarp(Instruction insn)
    {
        var fa = insn.Function.Analyses;
        var cfg = fa.Cfg;
        long lo = 0, hi = long.MaxValue; // warp index range
        Instruction? last = null;
        for (var d = cfg.BlockOf(insn); d is not null; d = fa.Dominators.ImmediateDominator(d))
        {
            if (d.Predecessors.Count != 1) continue;
            var br = cfg.Terminator(d.Predecessors[0]);
            if (br?.Guard is not { } g || Tcgen05.Successors(cfg, br) is not { } s) continue;
            if (s.Taken != d && s.Fall != d) continue;
            bool predValue = (s.Taken == d) != g.Negated; // value of the guard register on this edge
            if (WarpConstraint(br, g, predValue) is not (long a, long b)) continue;
            lo = Math.Max(lo, a);
            hi = Math.Min(hi, b);
            last = br;
        }
        return last is not null && lo == hi ? ((int)lo, last) : null;
    }

    /// <summary>The warp range [a, b] implied by predicate <paramref name="g"/> having value <paramref name="value"/> at <paramref name="at"/>.</summary>
    private static (long, long)? WarpConstraint(Instruction at, RegisterOperand g, bool value)
    {
        var fn = at.Function;
        var defs = fn.Analyses.Defs.ReachingIndices(at, g.Name);
        if (defs.Length != 1 || defs[0] < 0) return null;
        var setp = fn.Instructions[defs[0]];
        if (setp.Opcode != "setp" || setp.Guard is not null || setp.Operands.Count != 3) return null;
        if (setp.Has(".and") || setp.Has(".or") || setp.Has(".xor")) return null;
        string? cmp = setp.Modifiers.Select(m => m[1..]).FirstOrDefault(m => m is "eq" or "ne" or "lt" or "le" or "gt" or "ge" or "lo" or "ls" or "hi" or "hs");
        if (cmp is null || setp.Type is not { } t || t.StartsWith(".f", StringComparison.Ordinal)) return null;
        int scale;
        Operand x = setp.Operands[1], c = setp.Operands[2];
        if (Tcgen05.Constant(setp, c) is not long k)
        {
            if (Tcgen05.Constant(setp, x) is not long k2) return null;
            (x, c, k) = (c, x, k2);
            cmp = cmp switch { "lt" => "gt", "gt" => "lt", "le" => "ge", "ge" => "le", "lo" => "hi", "hi" => "lo", "ls" => "hs", "hs" => "ls", _ => cmp };
        }
        if (x is not RegisterOperand xr) return null;
        var kind = TidOrWarp(setp, xr);
        if (kind is null) return null;
        scale = kind.Value ? 1 : 32; // warp index or tid.x
        cmp = cmp switch { "lo" => "lt", "ls" => "le", "hi" => "gt", "hs" => "ge", _ => cmp };
        if (!value) cmp = cmp switch { "eq" => "ne", "ne" => "eq", "lt" => "ge", "ge" => "lt", "le" => "gt", "gt" => "le", _ => cmp };
        // Range of the compared value v (tid.x or warp).
        (long lo, long hi)? r = cmp switch
        {
            "eq" => (k, k),
            "lt" => (0, k - 1),
            "le" => (0, k),
            "gt" => (k + 1, long.MaxValue / 64),
            "ge" => (k, long.MaxValue / 64),
            _ => null,
        };
        if (r is not { } range || range.lo > range.hi) return null;
        return (range.lo / scale, range.hi / scale);
    }

    /// <summary>True when the register is the warp index (tid.x &gt;&gt; 5, tid.x / 32), false when it is tid.x itself, null otherwise.</summary>
    private static bool? TidOrWarp(Instruction at, RegisterOperand r, int depth = 0)
    {
        if (r.IsSpecial) return r.FullName == "%tid.x" ? false : null;
        if (depth > 4) return null;
        var fn = at.Function;
        var defs = fn.Analyses.Defs.ReachingIndices(at, r.Name);
        if (defs.Length != 1 || defs[0] < 0) return null;
        var d = fn.Instructions[defs[0]];
        if (d.Guard is not null || d.Operands.Count < 2 || d.Operands[1] is not RegisterOperand src) return null;
        switch (d.Opcode)
        {
            case "mov" or "cvt":
                return d.Operands.Count == 2 ? TidOrWarp(d, src, depth + 1) : null;
            case "shr" when d.Operands.Count == 3 && Tcgen05.Constant(d, d.Operands[2]) == 5:
            case "div" when d.Operands.Count == 3 && Tcgen05.Constant(d, d.Operands[2]) == 32:
                return TidOrWarp(d, src, depth + 1) == false ? true : null;
            default:
                return null;
        }
    }
}
