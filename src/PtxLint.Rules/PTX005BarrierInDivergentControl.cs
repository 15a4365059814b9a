using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Rules;

/// <summary>
/// PTX005: a CTA barrier (<c>bar.sync</c>, <c>bar.red</c>, <c>barrier{.cta}.sync{.aligned}</c>) that is control dependent
/// on a branch whose condition differs between the threads of the CTA, or a full-mask <c>bar.warp.sync</c> under a
/// branch that differs between the lanes of a warp. Uses ControlDependence (the branches a barrier's block depends
/// on), Uniformity (which of them are divergent, and the chain back to <c>%tid.x</c> for the code flow) and LoopInfo
/// (a divergent loop exit: thread-dependent trip count).
/// </summary>
public sealed class PTX005BarrierInDivergentControl : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX005",
        Name = "barrier-in-divergent-control",
        ShortDescription = "Barrier under thread-dependent control flow",
        FullDescription =
            "A CTA barrier (bar.sync / bar.red / barrier.sync, i.e. __syncthreads()) that is control dependent on a branch whose " +
            "condition depends on the thread (%tid, %laneid, ...): a strided loop `for (i = tid; i < n; i += ntid)` around the " +
            "barrier, or a barrier inside `if (tid < 32)`. Threads that take the other way never arrive: the CTA deadlocks or the " +
            "behavior is undefined. Also a full-mask bar.warp.sync (__syncwarp()) under lane-dependent control.",
        DefaultLevel = Level.Error,
        HelpText =
            "Every thread of the CTA must execute the same barrier. Make the trip count of a loop that contains a barrier " +
            "uniform (`for (base = 0; base < n; base += blockDim.x) { i = base + tid; if (i < n) ...; __syncthreads(); }`) " +
            "and move barriers out of thread-dependent `if`s.",
        HelpMarkdown = RuleDocs.Load("PTX005"),
        Precision = "high",
        Tags = new[] { "correctness", "synchronization", "deadlock" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        bool reportEarlyExit = IsTrue(ctx.Option("reportEarlyExit", "false"));
        foreach (var fn in ctx.Module.Functions)
        {
            if (!fn.HasBody) continue;
            var insns = fn.Instructions;
            bool any = false;
            foreach (var i in insns)
                if (Classify(i) != BarrierKind.None) { any = true; break; }
            if (!any) continue;
            var checker = new Checker(fn, reportEarlyExit);
            foreach (var insn in insns)
            {
                var kind = Classify(insn);
                if (kind == BarrierKind.None) continue;
                checker.CheckBarrier(ctx, insn, kind);
            }
        }
    }

    private static bool IsTrue(string s) => s.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "on";

    internal enum BarrierKind { None, Cta, Warp }

    /// <summary>Which barriers the rule checks: CTA-wide waiting barriers without a thread count, full-mask bar.warp.sync.</summary>
    internal static BarrierKind Classify(Instruction insn)
    {
        var sync = insn.Info.Sync;
        if (sync == SyncKind.CtaBarrier)
        {
            if (insn.Opcode is not ("bar" or "barrier")) return BarrierKind.None;
            if (insn.Has(".arrive")) return BarrierKind.None; // does not wait; needs a thread count
            bool red = insn.Has(".red");
            // bar.sync a{, b}; bar.red.op d, a{, b}, {!}c: a thread count b names a subset of the CTA (named barriers of
            // warp-specialized kernels): those are meant to be executed by some threads only.
            int withoutCount = red ? 3 : 1;
            if (insn.Operands.Count > withoutCount) return BarrierKind.None;
            return BarrierKind.Cta;
        }
        if (sync == SyncKind.WarpSync && insn.Mnemonic == "bar.warp.sync")
        {
            if (insn.Operands.Count >= 1 && insn.Operands[0] is ImmediateOperand imm && (imm.Value == -1 || imm.Value == 0xffffffffL))
                return BarrierKind.Warp;
        }
        return BarrierKind.None;
    }

    private sealed class Checker
    {
        private readonly PtxFunction _fn;
        private readonly FunctionAnalyses _fa;
        private readonly bool _reportEarlyExit;
        private Dictionary<BasicBlock, bool>? _exitsWithoutSync;

        public Checker(PtxFunction fn, bool reportEarlyExit)
        {
            _fn = fn;
            _fa = fn.Analyses;
            _reportEarlyExit = reportEarlyExit;
        }

        private bool IsDivergent(Instruction branch, BarrierKind kind)
        {
            var u = _fa.Uniformity.OfBranch(branch);
            return kind == BarrierKind.Cta ? u != Uniformity.Uniform : u == Uniformity.Varying;
        }

        public void CheckBarrier(RuleContext ctx, Instruction barrier, BarrierKind kind)
        {
            var cfg = _fa.Cfg;
            var block = cfg.BlockOf(barrier);
            Instruction? cause = null;
            bool loopExit = false;

            // A barrier guarded by a thread-dependent predicate is itself the divergent decision.
            if (barrier.Guard is not null && IsDivergent(barrier, kind) && IsThreadDependent(barrier, barrier.Guard))
                cause = barrier;

            if (cause is null)
            {
                var candidates = new List<(Instruction Branch, bool LoopExit)>();
                foreach (var br in _fa.ControlDependence.TransitiveBranchesControlling(block))
                {
                    if (!IsDivergent(br, kind)) continue;
                    if (br.Guard is { } g && !IsThreadDependent(br, g)) continue;
                    if (OneSideAborts(br)) continue;
                    if (br.Guard is { } g2 && PassesThroughRuntimeDivision(_fa.Uniformity.Explain(br, g2))) continue;
                    bool isLoopExit = IsExitOfLoopAround(br, block);
                    if (!isLoopExit && !_reportEarlyExit && IsEarlyExitBoundsGuard(br, block)) continue;
                    if (!isLoopExit && MayMatchElsewhere(barrier, kind, br) && EverySideReachesBarrier(br, kind)) continue;
                    candidates.Add((br, isLoopExit));
                }
                if (candidates.Count == 0) return;
                // Prefer the exit test of a loop around the barrier (thread-dependent trip count), then a branch the
                // barrier depends on directly, then the nearest one.
                var direct = _fa.ControlDependence.BranchesControlling(block);
                var pick = candidates.FirstOrDefault(c => c.LoopExit);
                if (pick.Branch is null) pick = candidates.LastOrDefault(c => direct.Contains(c.Branch));
                if (pick.Branch is null) pick = candidates[^1];
                cause = pick.Branch;
                loopExit = pick.LoopExit;
            }

            Report(ctx, barrier, kind, cause, loopExit);
        }

        /// <summary>
        /// True when one side of the branch ends the whole grid on every path (<c>trap</c>, e.g. a device-side assert:
        /// <c>call __assertfail; trap;</c>): the threads that take it never return, so whether they reach a barrier does not matter.
        /// </summary>
        private bool OneSideAborts(Instruction br)
        {
            foreach (var s in _fa.Cfg.BlockOf(br).Successors)
                if (AlwaysTraps(s)) return true;
            return false;
        }

        private bool AlwaysTraps(BasicBlock start)
        {
            var seen = new HashSet<BasicBlock> { start };
            var stack = new Stack<BasicBlock>();
            stack.Push(start);
            while (stack.Count > 0)
            {
                var b = stack.Pop();
                if (b.IsExit || _fa.Loops.LoopOf(b) is not null) return false;
                bool traps = false;
                for (int k = b.Start; k < b.End; k++)
                {
                    var insn = _fn.Instructions[k];
                    if (insn.Info.Flow == FlowKind.Trap && insn.Guard is null) { traps = true; break; }
                }
                if (traps) continue;
                foreach (var s in b.Successors)
                    if (seen.Add(s)) stack.Push(s);
            }
            return true;
        }

        /// <summary>
        /// True when the chain from the thread-dependent source to the branch divides by a run-time uniform value
        /// (<c>(blockIdx.x * B + threadIdx.x) / group_size</c>): the quotient is the same for the whole CTA whenever the
        /// divisor is a multiple of the block size, which such code arranges; not reported (known false negative).
        /// </summary>
        private bool PassesThroughRuntimeDivision(IReadOnlyList<Instruction> chain)
        {
            var u = _fa.Uniformity;
            foreach (var insn in chain)
            {
                if (insn.Opcode != "div" || insn.Operands.Count != 3) continue;
                if (insn.Operands[2] is RegisterOperand d && !d.IsSpecial && u.OfUse(insn, d) == Uniformity.Uniform) return true;
            }
            return false;
        }

        /// <summary>
        /// Whether threads on the two sides of the branch may meet at different barrier instructions: lanes of a warp
        /// at different <c>bar.warp.sync</c> (sm_70+) or non-<c>.aligned</c> <c>barrier.sync</c>; whole warps at different
        /// <c>bar.sync</c> when the branch is warp-uniform (<c>if (warp == 0) { ...; bar.sync 0; } else { ...; bar.sync 0; }</c>).
        /// </summary>
        private bool MayMatchElsewhere(Instruction barrier, BarrierKind kind, Instruction br)
        {
            if (kind == BarrierKind.Warp) return true;
            if (barrier.Opcode == "barrier" && !barrier.Has(".aligned")) return true;
            return _fa.Uniformity.OfBranch(br) == Uniformity.WarpUniform;
        }

        /// <summary>True when every path from every side of the branch to the exit passes a barrier of the same kind.</summary>
        private bool EverySideReachesBarrier(Instruction br, BarrierKind kind)
        {
            foreach (var s in _fa.Cfg.BlockOf(br).Successors)
            {
                var seen = new HashSet<BasicBlock> { s };
                var stack = new Stack<BasicBlock>();
                stack.Push(s);
                while (stack.Count > 0)
                {
                    var b = stack.Pop();
                    if (b.IsExit) return false;
                    bool hit = false;
                    for (int k = b.Start; k < b.End && !hit; k++)
                        hit = Classify(_fn.Instructions[k]) == kind && _fn.Instructions[k].Guard is null;
                    if (hit) continue;
                    foreach (var n in b.Successors)
                        if (seen.Add(n)) stack.Push(n);
                }
            }
            return true;
        }

        /// <summary>True when the branch decides whether a loop containing <paramref name="barrierBlock"/> runs again.</summary>
        private bool IsExitOfLoopAround(Instruction br, BasicBlock barrierBlock)
        {
            for (var l = _fa.Loops.LoopOf(barrierBlock); l is not null; l = l.Parent)
                if (l.ExitBranches.Contains(br)) return true;
            return false;
        }

        /// <summary>
        /// The bounds-guard early exit <c>if (gid >= n) return;</c> before a barrier: the branch is outside every loop
        /// around the barrier, its condition compares a thread-dependent index with a run-time bound (a kernel parameter or
        /// a value loaded from memory, not a constant or %ntid: that would select a fixed subset of threads, such as
        /// <c>tid &lt; 32</c>), and one of its successors leads to the end of the kernel without any barrier or loop. The
        /// threads that leave exit for good, and PTX releases a barrier that is held up only by exited threads.
        /// </summary>
        private bool IsEarlyExitBoundsGuard(Instruction br, BasicBlock barrierBlock)
        {
            var cfg = _fa.Cfg;
            var bb = cfg.BlockOf(br);
            for (var l = _fa.Loops.LoopOf(barrierBlock); l is not null; l = l.Parent)
                if (l.Contains(bb)) return false;
            if (br.Guard is null || !IsBoundsPredicate(br, br.Guard, 0)) return false;
            foreach (var s in bb.Successors)
                if (ExitsWithoutSync(s)) return true;
            return false;
        }

        /// <summary>True when every path from the block reaches the exit without a barrier and without a loop.</summary>
        private bool ExitsWithoutSync(BasicBlock start)
        {
            _exitsWithoutSync ??= new Dictionary<BasicBlock, bool>();
            if (_exitsWithoutSync.TryGetValue(start, out var cached)) return cached;
            var seen = new HashSet<BasicBlock>();
            var stack = new Stack<BasicBlock>();
            stack.Push(start);
            seen.Add(start);
            bool ok = true;
            while (stack.Count > 0 && ok)
            {
                var b = stack.Pop();
                if (b.IsExit) continue;
                if (_fa.Loops.LoopOf(b) is not null) { ok = false; break; }
                for (int k = b.Start; k < b.End; k++)
                {
                    var insn = _fn.Instructions[k];
                    if (insn.Info.Sync != SyncKind.None || insn.Info.Flow == FlowKind.Call) { ok = false; break; }
                }
                foreach (var s in b.Successors)
                    if (seen.Add(s)) stack.Push(s);
            }
            _exitsWithoutSync[start] = ok;
            return ok;
        }

        /// <summary>
        /// True when the predicate is (a combination with and/or/not of) comparisons of a thread-dependent value with a
        /// run-time uniform bound that comes from a parameter or a load.
        /// </summary>
        private bool IsBoundsPredicate(Instruction at, RegisterOperand pred, int depth)
        {
            if (depth > 8 || pred.IsSpecial) return false;
            var defs = _fa.Defs.Reaching(at, pred.Name);
            if (defs.Count != 1) return false;
            var d = defs[0];
            var u = _fa.Uniformity;
            const int dst = 1; // setp (one or two predicates in operand 0), and, or, not: one destination operand
            if (d.Opcode == "setp")
            {
                if (d.Operands.Count < dst + 2) return false;
                var a = d.Operands[dst];
                var b = d.Operands[dst + 1];
                bool bounds = IsIndexVsBound(d, a, b) || IsIndexVsBound(d, b, a);
                if (!bounds) return false;
                if (d.Operands.Count > dst + 2 && d.Operands[dst + 2] is RegisterOperand c)
                    return u.OfUse(d, c) == Uniformity.Uniform || IsBoundsPredicate(d, c, depth + 1);
                return true;
            }
            if (d.Opcode is "and" or "or" && d.Has(".pred"))
            {
                bool anyBounds = false;
                for (int i = dst; i < d.Operands.Count; i++)
                {
                    if (d.Operands[i] is not RegisterOperand r) return false;
                    if (IsBoundsPredicate(d, r, depth + 1)) { anyBounds = true; continue; }
                    if (u.OfUse(d, r) != Uniformity.Uniform) return false;
                }
                return anyBounds;
            }
            if (d.Opcode == "not" && d.Operands.Count > dst && d.Operands[dst] is RegisterOperand n)
                return IsBoundsPredicate(d, n, depth + 1);
            return false;
        }

        private bool IsIndexVsBound(Instruction setp, Operand index, Operand bound)
        {
            if (index is not RegisterOperand ir || bound is not RegisterOperand brg) return false;
            var u = _fa.Uniformity;
            if (u.OfUse(setp, ir) == Uniformity.Uniform || u.OfUse(setp, brg) != Uniformity.Uniform) return false;
            foreach (var s in _fa.Provenance.SourcesOf(setp, brg))
                if (s.Kind is ValueSourceKind.Parameter or ValueSourceKind.Load) return true;
            return false;
        }

        /// <summary>
        /// True when the value's non-uniformity comes from the thread itself. In a kernel every non-uniform value does;
        /// in a .func the parameters and everything loaded through them count as varying (the callers are not analyzed),
        /// so there only a chain that starts at a thread-varying special register (%tid, %laneid ...) counts.
        /// </summary>
        private bool IsThreadDependent(Instruction at, RegisterOperand reg)
        {
            if (_fn.IsEntry) return true;
            var chain = _fa.Uniformity.Explain(at, reg);
            if (chain.Count == 0) return false;
            var first = chain[0];
            var u = _fa.Uniformity;
            foreach (var r in first.Uses)
                if (r.IsSpecial && u.OfUse(first, r) != Uniformity.Uniform) return true;
            return false;
        }

        private void Report(RuleContext ctx, Instruction barrier, BarrierKind kind, Instruction cause, bool loopExit)
        {
            var u = _fa.Uniformity;
            var chain = cause.Guard is { } g ? u.Explain(cause, g) : new[] { cause };
            if (chain.Count == 0) chain = new[] { cause };
            var source = chain[0];
            string what = DescribeSource(source);
            string barrierText = Text(barrier);
            string causeText = Text(cause);
            int causeLine = cause.Span.StartLine;
            string fnKind = _fn.IsEntry ? "kernel" : "function";

            string message;
            if (cause == barrier)
            {
                message = kind == BarrierKind.Warp
                    ? $"`{barrierText}` in {fnKind} `{_fn.Name}` names all 32 lanes but is predicated on `{cause.Guard}`, which depends on {what}: " +
                      "the lanes whose predicate is false never arrive (undefined behavior). Execute __syncwarp() unpredicated, or pass the mask of the lanes that execute it."
                    : $"`{barrierText}` in {fnKind} `{_fn.Name}` is predicated on `{cause.Guard}`, which depends on {what}: threads whose predicate is false " +
                      "skip the barrier the others wait at (deadlock or undefined behavior). Execute the barrier unpredicated so every thread of the CTA reaches it.";
            }
            else if (kind == BarrierKind.Warp)
            {
                message = $"`{barrierText}` (__syncwarp() with the full mask) in {fnKind} `{_fn.Name}` is control dependent on `{causeText}` (line {causeLine}), " +
                          $"whose condition depends on {what} and differs between the lanes of a warp: the lanes that take the other way never arrive, " +
                          "which is undefined behavior. Move __syncwarp() out of the branch so all 32 lanes execute it, or pass the mask of the lanes that do " +
                          "(e.g. __ballot_sync of the condition).";
            }
            else if (loopExit)
            {
                message = $"`{barrierText}` in {fnKind} `{_fn.Name}` is inside a loop whose exit test `{causeText}` (line {causeLine}) depends on {what}: " +
                          "the trip count differs between threads, so threads that leave the loop early skip the barrier the others wait at " +
                          "(deadlock, or undefined behavior). Make the trip count CTA-uniform, e.g. `for (base = 0; base < n; base += blockDim.x) " +
                          "{ i = base + threadIdx.x; if (i < n) { ... } __syncthreads(); }`, with the bounds check inside the loop.";
            }
            else
            {
                message = $"`{barrierText}` in {fnKind} `{_fn.Name}` is control dependent on `{causeText}` (line {causeLine}), whose condition depends on {what}: " +
                          "only the threads that take one side reach the barrier, the others skip it (deadlock if they wait at another barrier or spin, " +
                          "undefined behavior otherwise). Move the barrier out of the thread-dependent `if` so every thread of the CTA executes it " +
                          "(`if (cond) { ... } __syncthreads(); if (cond) { ... }`).";
            }

            var f = ctx.Report(barrier, message);
            if (cause != barrier)
                f.Related.Add(new RelatedLocation(cause.Location, $"divergent branch: its condition depends on {what}"));
            var steps = new List<FlowStep>();
            for (int k = 0; k < chain.Count; k++)
            {
                var insn = chain[k];
                string m = k == 0 && insn != cause
                    ? $"thread-dependent value: `{Text(insn)}` ({what})"
                    : insn == cause
                        ? (cause == barrier ? $"barrier predicated on `{cause.Guard}`" : loopExit ? $"loop exit test depends on it: `{Text(insn)}`" : $"divergent branch: `{Text(insn)}`")
                        : $"flows into `{Text(insn)}`";
                steps.Add(new FlowStep(insn.Location, m));
            }
            if (cause != barrier)
                steps.Add(new FlowStep(barrier.Location, $"barrier reached by only some threads: `{barrierText}`"));
            f.CodeFlows.Add(new CodeFlow($"{what} decides whether a thread reaches `{barrierText}`", steps));
            f.Properties["branchLine"] = causeLine;
            f.Properties["loopExit"] = loopExit;
            f.Data = new DivergentBarrierData { BranchLine = causeLine, LoopExit = loopExit };
        }

        private string DescribeSource(Instruction source)
        {
            var u = _fa.Uniformity;
            foreach (var r in source.Uses)
                if (r.IsSpecial && u.OfUse(source, r) != Uniformity.Uniform) return "`" + r.FullName + "`";
            if (source.Info.Mem == MemKind.Atomic) return $"the result of `{source.Mnemonic}`";
            if (source.Info.Mem == MemKind.Load) return $"a per-thread load (`{source.Mnemonic}`)";
            if (source.Info.VaryingResult || !source.Info.Known) return $"the per-thread result of `{source.Mnemonic}`";
            return "a thread-dependent value";
        }
    }

    internal static string Text(Instruction insn)
    {
        var s = insn.ToString();
        return s.EndsWith(';') ? s[..^1] : s;
    }
}
