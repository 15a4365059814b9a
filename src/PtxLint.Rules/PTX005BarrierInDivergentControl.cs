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
    public static readonly RuleOption<bool> ReportEarlyExit = RuleOptions.Boolean("reportEarlyExit", false,
        "Also report barriers behind an early-exit bounds guard (if (gid >= n) return;).");

    public static readonly RuleOption<int> BlockDimX = RuleOptions.Integer("blockDimX", 0, 0, 1024,
        "blockDim.x of every launch of the kernels this configuration covers (0: unknown); a multiple of 32 settles the block-shape warnings as .reqntid does.");

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
        PerFunction = true,
        Analyses = new[] { "cfg", "control dependence", "dominators", "facts", "linear forms", "local slots", "loops", "post-dominators", "provenance", "reaching definitions", "register index", "special registers", "uniformity", "uniformity (no launch assumptions)" },
        AppliesTo = new FunctionFilter { AnyOpcode = new[] { "bar", "barrier" } },
        HelpText =
            "Every thread of the CTA must execute the same barrier. Make the trip count of a loop that contains a barrier " +
            "uniform (`for (base = 0; base < n; base += blockDim.x) { i = base + tid; if (i < n) ...; __syncthreads(); }`) " +
            "and move barriers out of thread-dependent `if`s.",
        HelpMarkdown = RuleDocs.Load("PTX005"),
        Precision = "high",
        Tags = new[] { "correctness", "synchronization", "deadlock" },
        Options = new RuleOption[] { ReportEarlyExit, BlockDimX },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        bool reportEarlyExit = ctx.Option(ReportEarlyExit);
        int blockDimX = ctx.Option(BlockDimX);
        foreach (var fn in ctx.Functions)
        {
            var insns = fn.Instructions;
            bool any = false;
            foreach (var i in insns)
                if (Classify(i) != BarrierKind.None) { any = true; break; }
            if (!any) continue;
            var checker = new Checker(fn, reportEarlyExit) { WarpRowsByConfig = blockDimX > 0 && blockDimX % 32 == 0 };
            foreach (var insn in insns)
            {
                var kind = Classify(insn);
                if (kind == BarrierKind.None) continue;
                checker.CheckBarrier(ctx, insn, kind);
            }
            checker.Flush(ctx);
        }
    }

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
        // per function: the shared slots accessed after each barrier, and which blocks only one fixed thread runs
        private readonly Dictionary<Instruction, List<(string Symbol, long Offset, bool Write, Instruction At)>> _heldAfter = new();
        private readonly Dictionary<BasicBlock, bool> _singleThreadBlock = new();
        private readonly Dictionary<Instruction, bool> _singleThread = new();

        public Checker(PtxFunction fn, bool reportEarlyExit)
        {
            _fn = fn;
            _fa = fn.Analyses;
            _reportEarlyExit = reportEarlyExit;
        }

        /// <summary>
        /// Whether the branch's condition can differ between the threads the barrier must bring together (the CTA, or
        /// the lanes of a warp). <paramref name="strict"/>: without assuming the block shape (a warp barrier whose branch
        /// is warp-uniform only when blockDim.x is a multiple of 32 is then divergent; <see cref="Judge"/> lowers it).
        /// </summary>
        private bool IsDivergent(Instruction branch, BarrierKind kind, bool strict = false)
        {
            // The block-shape assumption only turns Varying into WarpUniform: for CTA barriers (any non-uniform branch
            // is divergent) the two analyses agree, and the strict one is built only when a warp barrier needs it.
            var u = _fa.Uniformity.OfBranch(branch);
            if (kind == BarrierKind.Cta) return u != Uniformity.Uniform;
            if (u == Uniformity.Varying) return true;
            return strict && !WarpRowsByConfig && u == Uniformity.WarpUniform && _fa.UniformityWithoutLaunchAssumptions.OfBranch(branch) == Uniformity.Varying;
        }

        public void CheckBarrier(RuleContext ctx, Instruction barrier, BarrierKind kind)
        {
            var cfg = _fa.Cfg;
            var block = cfg.BlockOf(barrier);
            var candidates = new List<Verdict>();

            // A barrier guarded by a thread-dependent predicate is itself the divergent decision.
            if (barrier.Guard is not null && IsDivergent(barrier, kind, strict: true) && IsThreadDependent(barrier, barrier.Guard))
                candidates.Add(Judge(barrier, barrier, kind, loopExit: false));

            if (candidates.Count == 0)
            {
                foreach (var br in _fa.ControlDependence.TransitiveBranchesControlling(block))
                {
                    if (!IsDivergent(br, kind, strict: true)) continue;
                    if (!MaySplitThreads(br)) continue;
                    bool isLoopExit = IsExitOfLoopAround(br, block);
                    if (!isLoopExit && !_reportEarlyExit && IsEarlyExitBoundsGuard(br, block)) continue;
                    if (!isLoopExit && MayMatchElsewhere(barrier, kind, br) && EverySideReachesBarrier(br, kind, barrier)) continue;
                    candidates.Add(Judge(barrier, br, kind, isLoopExit));
                }
            }
            if (candidates.Count == 0) return;
            // The most severe verdict; among equals prefer the exit test of a loop around the barrier (thread-dependent
            // trip count), then a branch the barrier depends on directly, then the nearest one.
            var worst = candidates.Max(c => c.Error);
            var pool = candidates.Where(c => c.Error == worst).ToList();
            var direct = _fa.ControlDependence.BranchesControlling(block);
            var pick = pool.FirstOrDefault(c => c.LoopExit)
                       ?? pool.LastOrDefault(c => direct.Contains(c.Branch))
                       ?? pool[^1];
            _verdicts.Add(pick);
        }

        private readonly List<Verdict> _verdicts = new();
        private readonly Dictionary<Instruction, bool> _maySplit = new();

        /// <summary>
        /// The facts about a divergent branch that do not depend on the barrier (computed once per branch): its
        /// predicate depends on the thread index, neither side aborts, and the chain does not pass through a division by
        /// a runtime value.
        /// </summary>
        private bool MaySplitThreads(Instruction br)
        {
            if (_maySplit.TryGetValue(br, out var known)) return known;
            bool split = !(br.Guard is { } g && !IsThreadDependent(br, g))
                         && !OneSideAborts(br)
                         && !(br.Guard is { } g2 && HasRuntimeDivision && PassesThroughRuntimeDivision(_fa.Uniformity.Explain(br, g2)));
            _maySplit[br] = split;
            return split;
        }

        /// <summary>The configuration states blockDim.x, a multiple of 32 (option blockDimX): the block-shape assumption holds.</summary>
        public bool WarpRowsByConfig { get; init; }

        /// <summary>What a barrier's divergence amounts to, and at which level it is reported.</summary>
        private sealed record Verdict(Instruction Barrier, Instruction Branch, BarrierKind Kind, bool LoopExit, bool Error,
            SkipFate Fate, Instruction? FateAt, bool AssumesWarpRows)
        {
            /// <summary>The branch condition depends on loaded data, not only on the thread index and parameters.</summary>
            public bool DataDependent { get; init; }
            /// <summary>The skipping threads spin on shared memory that the threads held at the barrier would write.</summary>
            public bool Spins { get; init; }
            /// <summary>Whole warps take the same side of the branch.</summary>
            public bool WholeWarps { get; init; }
            /// <summary>The kernel argument or load that decides whether any thread skips (the verdict is then a warning).</summary>
            public ValueSource? Argument { get; init; }
        }

        internal enum SkipFate
        {
            /// <summary>Another barrier (another id, a thread count, a cluster barrier), a spin on shared memory, or a shared slot the held threads access.</summary>
            Continues,
            SameBarrierElsewhere,
            ReturnsToCaller,
            Calls,
            WaitsOnGlobalMemory,
            TouchesShared,
            ExitsAfterWork,
            ExitsImmediately,
            WarpAssumption,
        }

        private Verdict Judge(Instruction barrier, Instruction br, BarrierKind kind, bool loopExit)
        {
            var optimistic = _fa.Uniformity.OfBranch(br);
            if (kind == BarrierKind.Warp)
            {
                // A full-mask __syncwarp(): divergent among the lanes of a warp even with whole-row warps is undefined
                // behavior; divergent only without that assumption depends on the block shape.
                bool always = optimistic == Uniformity.Varying;
                return new Verdict(barrier, br, kind, loopExit, always, always ? SkipFate.Continues : SkipFate.WarpAssumption, null, !always);
            }
            _spin = false;
            var (fate, at) = FateOfSkippingThreads(barrier, br, loopExit);
            bool spin = _spin;
            bool wholeWarps = optimistic == Uniformity.WarpUniform;
            bool wholeWarpsOnlyIfRows = wholeWarps && !WarpRowsByConfig && _fa.UniformityWithoutLaunchAssumptions.OfBranch(br) != Uniformity.WarpUniform;
            // An error only when the verdict does not depend on the launch: the threads that skip the barrier go on to
            // another barrier or to shared memory that the others still use. When every skipping thread exits (a barrier
            // held up only by exited threads is released), or the outcome depends on data, block shape or callers, the
            // finding is a warning that names the assumption.
            // When the condition also depends on a kernel argument or loaded data (`i < n` for a thread-derived i),
            // whether any thread skips depends on those values: shipped code (cuRAND's MTGP32 generators) relies on the
            // host passing counts that never split a block, and the GPU shows no race there. Such findings are warnings
            // that name the argument; a split by the thread index and constants alone (tid < 32) is an error.
            var sources = br.Guard is { } g ? _fa.Provenance.SourcesOf(br, g) : Array.Empty<ValueSource>();
            bool indexOnly = sources.All(v => v.Kind is ValueSourceKind.SpecialRegister or ValueSourceKind.Parameter or ValueSourceKind.Constant or ValueSourceKind.Symbol);
            var argument = sources.FirstOrDefault(v => v.Kind is ValueSourceKind.Parameter or ValueSourceKind.Load);
            bool error = fate == SkipFate.Continues && argument is null;
            return new Verdict(barrier, br, kind, loopExit, error, fate, at, wholeWarpsOnlyIfRows && !error)
            {
                DataDependent = !indexOnly, Spins = spin, WholeWarps = wholeWarps,
                Argument = fate == SkipFate.Continues && argument is not null ? argument : null,
            };
        }

        /// <summary>
        /// Where the threads that do not reach the barrier go: from the successors of the branch's block that the barrier
        /// does not post-dominate (for a loop exit test: the successors outside the loop; for a predicated barrier: the
        /// rest of its block), every path is followed to the end of the function.
        /// <list type="bullet">
        /// <item>Continues: some path executes a CTA or cluster barrier (this one included), touches shared memory,
        /// waits in a loop (volatile/acquire loads, atomics, mbarrier waits) or calls a function.</item>
        /// <item>ReturnsToCaller: in a <c>.func</c>, a path returns to the caller, which may wait at another barrier.</item>
        /// <item>ExitsAfterWork: every path exits, after other memory accesses or loops.</item>
        /// <item>ExitsImmediately: every path exits (or traps) without touching memory.</item>
        /// </list>
        /// </summary>
        private (SkipFate Fate, Instruction? At) FateOfSkippingThreads(Instruction barrier, Instruction br, bool loopExit)
        {
            var cfg = _fa.Cfg;
            var bb = cfg.BlockOf(br);
            var barrierBlock = cfg.BlockOf(barrier);
            var starts = new List<(BasicBlock Block, int From)>();
            if (br == barrier)
                starts.Add((bb, barrier.Index + 1));
            else if (loopExit)
            {
                var l = _fa.Loops.LoopOf(barrierBlock);
                while (l is not null && !l.ExitBranches.Contains(br)) l = l.Parent;
                foreach (var s in bb.Successors)
                    if (l is null || !l.Contains(s)) starts.Add((s, s.Start));
            }
            else
            {
                // The side that leads away: a successor from which the barrier cannot be reached without coming
                // back through the branch (which repeats the decision).
                foreach (var s in bb.Successors)
                    if (!cfg.ReachesAvoiding(s, barrierBlock, bb)) starts.Add((s, s.Start));
                if (starts.Count == 0)
                    foreach (var s in bb.Successors)
                        if (!_fa.PostDominators.Dominates(barrierBlock, s)) starts.Add((s, s.Start));
            }
            if (starts.Count == 0)
                foreach (var s in bb.Successors) starts.Add((s, s.Start));

            bool work = false;
            Instruction? firstWork = null, waits = null, sameBarrier = null, sharedTouch = null, call = null;
            List<(string Symbol, long Offset, bool Write, Instruction At)>? heldWrites = null;
            var seen = new HashSet<BasicBlock> { bb };
            var stack = new Stack<(BasicBlock Block, int From)>();
            if (br == barrier) stack.Push((bb, barrier.Index + 1));
            else foreach (var st in starts) if (seen.Add(st.Block)) stack.Push(st);
            while (stack.Count > 0)
            {
                var (b, from) = stack.Pop();
                if (b.IsExit)
                {
                    if (!_fn.IsEntry) return (SkipFate.ReturnsToCaller, null);
                    continue;
                }
                bool inLoop = _fa.Loops.LoopOf(b) is not null;
                if (inLoop) { work = true; firstWork ??= _fn.Instructions[b.Start < b.End ? b.Start : from]; }
                bool ended = false;
                for (int k = Math.Max(from, b.Start); k < b.End; k++)
                {
                    var insn = _fn.Instructions[k];
                    var info = insn.Info;
                    if (info.Flow == FlowKind.Trap && insn.Guard is null) { ended = true; break; }
                    if (info.Sync is SyncKind.CtaBarrier or SyncKind.ClusterBarrier)
                    {
                        // The same CTA-wide barrier id again: barrier 0 then completes with threads from both places, which
                        // works where every thread executes as many barrier-0 instances. Another id, a thread count or a
                        // cluster barrier: the two groups wait at different barriers.
                        if (SameBarrierResource(insn, barrier)) { sameBarrier ??= insn; ended = true; break; }
                        return (SkipFate.Continues, insn);
                    }
                    if (info.Flow == FlowKind.Call) { call ??= insn; work = true; continue; }
                    foreach (var m in insn.MemoryAccesses)
                    {
                        if (IsSharedAccess(insn, m))
                        {
                            if (inLoop && IsWait(insn)) { _spin = true; return (SkipFate.Continues, insn); }
                            if (UniformSlot(insn, m) is not null && ConflictsWithHeld(insn, m, heldWrites ??= SharedSlotsAccessedAfter(barrier)))
                                return (SkipFate.Continues, insn);
                            sharedTouch ??= insn;
                            work = true;
                            continue;
                        }
                        if (m.Access == AccessKind.None) continue;
                        // A wait on global memory may be released by another CTA or device: not decided statically.
                        if (inLoop && IsWait(insn)) waits ??= insn;
                        if (m.Space is not (StateSpace.Param or StateSpace.Const)) { work = true; firstWork ??= insn; }
                    }
                }
                if (ended) continue;
                foreach (var s in b.Successors)
                    if (seen.Add(s)) stack.Push((s, s.Start));
            }
            if (sameBarrier is not null) return (SkipFate.SameBarrierElsewhere, sameBarrier);
            if (waits is not null) return (SkipFate.WaitsOnGlobalMemory, waits);
            if (call is not null) return (SkipFate.Calls, call);
            if (sharedTouch is not null) return (SkipFate.TouchesShared, sharedTouch);
            return work ? (SkipFate.ExitsAfterWork, firstWork) : (SkipFate.ExitsImmediately, null);
        }

        /// <summary>Both are CTA-wide (no thread count) barriers with the same immediate id (bar.sync 0 / barrier.sync 0).</summary>
        private static bool SameBarrierResource(Instruction other, Instruction barrier)
        {
            if (Classify(other) != BarrierKind.Cta || Classify(barrier) != BarrierKind.Cta) return false;
            int ia = other.Has(".red") ? 1 : 0, ib = barrier.Has(".red") ? 1 : 0;
            if (other.Operands.Count <= ia || barrier.Operands.Count <= ib) return false;
            return other.Operands[ia] is ImmediateOperand a && barrier.Operands[ib] is ImmediateOperand b && a.Value == b.Value;
        }

        /// <summary>
        /// The shared slots at CTA-uniform addresses (a variable plus a constant offset) that the threads passing the
        /// barrier access from there on, with whether they write them, and whether only one fixed thread does.
        /// </summary>
        private List<(string Symbol, long Offset, bool Write, Instruction At)> SharedSlotsAccessedAfter(Instruction barrier)
        {
            if (_heldAfter.TryGetValue(barrier, out var cached)) return cached;
            var result = new List<(string, long, bool, Instruction)>();
            var cfg = _fa.Cfg;
            var start = cfg.BlockOf(barrier);
            var seen = new HashSet<BasicBlock> { start };
            var stack = new Stack<(BasicBlock, int)>();
            stack.Push((start, barrier.Index + 1));
            while (stack.Count > 0)
            {
                var (b, from) = stack.Pop();
                for (int k = Math.Max(from, b.Start); k < b.End; k++)
                {
                    var insn = _fn.Instructions[k];
                    foreach (var m in insn.MemoryAccesses)
                        if (IsSharedAccess(insn, m) && UniformSlot(insn, m) is { } slot)
                            result.Add((slot.Symbol, slot.Offset, m.Access is AccessKind.Write or AccessKind.ReadWrite, insn));
                }
                foreach (var s in b.Successors)
                    if (seen.Add(s)) stack.Push((s, s.Start));
            }
            _heldAfter[barrier] = result;
            return result;
        }

        /// <summary>
        /// True when the skipping threads' access hits a slot the threads held at the barrier access after it, one of
        /// the two writing: the same variable at the same CTA-uniform address (a flag, a total, tile[0]). Two accesses
        /// that only one fixed thread makes (<c>if (tid == 0)</c> bookkeeping) are taken to be the same thread's.
        /// </summary>
        private bool ConflictsWithHeld(Instruction insn, MemoryAccess m, List<(string Symbol, long Offset, bool Write, Instruction At)> held)
        {
            if (UniformSlot(insn, m) is not { } slot) return false;
            bool write = m.Access is AccessKind.Write or AccessKind.ReadWrite;
            foreach (var h in held)
            {
                if (h.Symbol != slot.Symbol || h.Offset != slot.Offset) continue;
                if (!write && !h.Write) continue;
                if (IsSingleThread(insn) && IsSingleThread(h.At)) continue;
                return true;
            }
            return false;
        }

        /// <summary>A shared address that is the same for every thread: a variable plus constants (through uniform registers).</summary>
        private (string Symbol, long Offset)? UniformSlot(Instruction insn, MemoryAccess m)
        {
            var a = m.Address;
            if (a.BaseSymbol is { } sym && a.BaseRegister is null && a.IndexRegister is null) return (sym, a.Offset);
            if (a.BaseRegister is not { } r || a.IndexRegister is not null) return null;
            if (_fa.Uniformity.OfUse(insn, r) != Uniformity.Uniform) return null;
            string? symbol = null;
            long offset = a.Offset;
            foreach (var src in _fa.Provenance.SourcesOf(insn, r))
            {
                switch (src.Kind)
                {
                    case ValueSourceKind.Symbol when src.Space.IsShared():
                        if (symbol is not null && symbol != src.Name) return null;
                        symbol = src.Name;
                        offset += src.Offset;
                        break;
                    case ValueSourceKind.Constant when src.Value is { } c:
                        offset += c;
                        break;
                    default:
                        return null;
                }
            }
            return symbol is null ? null : (symbol, offset);
        }

        /// <summary>True when only one fixed thread executes the instruction: it is guarded by, or control dependent on, <c>tid == c</c>.</summary>
        private bool IsSingleThread(Instruction insn)
        {
            if (_singleThread.TryGetValue(insn, out var known)) return known;
            bool single = insn.Guard is { } g && IsThreadEquality(insn, g, !g.Negated) || IsSingleThreadBlock(_fa.Cfg.BlockOf(insn));
            _singleThread[insn] = single;
            return single;
        }

        /// <summary>True when the block is control dependent on <c>tid == c</c> taken on its equality side.</summary>
        private bool IsSingleThreadBlock(BasicBlock b)
        {
            if (_singleThreadBlock.TryGetValue(b, out var known)) return known;
            bool single = IsSingleThreadBlockCore(b);
            _singleThreadBlock[b] = single;
            return single;
        }

        private bool IsSingleThreadBlockCore(BasicBlock b)
        {
            var cd = _fa.ControlDependence;
            foreach (var br in cd.TransitiveBranchesControlling(b))
            {
                if (br.Guard is not { } bg) continue;
                // which truth value of the predicate means `tid == c` (none: this branch does not single a thread out)
                bool? equalityWhen = IsThreadEquality(br, bg, true) ? true : IsThreadEquality(br, bg, false) ? false : null;
                if (equalityWhen is null) continue;
                // the block is reached on the side where the predicate holds or fails: either way, one of the sides of
                // `tid == c` is a single thread; the other side is everyone else, so only the equality side counts.
                var brBlock = _fa.Cfg.BlockOf(br);
                var target = ControlFlowGraph.BranchTarget(br);
                var taken = target is not null && _fn.Labels.TryGetValue(target, out var ti) ? _fa.Cfg.BlockOf(ti) : null;
                var other = brBlock.Successors.FirstOrDefault(x => x != taken);
                if (taken is null || other is null) continue;
                bool takenSide = _fa.Cfg.ReachesAvoiding(taken, b, brBlock);
                bool fallSide = _fa.Cfg.ReachesAvoiding(other, b, brBlock);
                if (takenSide == fallSide) continue;
                bool predTrueOnPath = takenSide != bg.Negated;
                if (predTrueOnPath == equalityWhen) return true;
            }
            return false;
        }

        /// <summary>True when the predicate, with the given truth value, means <c>thread index == constant</c>.</summary>
        private bool IsThreadEquality(Instruction at, RegisterOperand pred, bool value)
        {
            var defs = _fa.Defs.Reaching(at, pred.Name);
            if (defs.Count != 1) return false;
            var d = defs[0];
            if (d.Opcode != "setp" || d.Operands.Count != 3) return false;
            bool eq = d.Has(".eq"), ne = d.Has(".ne");
            if (!(eq && value || ne && !value)) return false;
            RegisterOperand? x = d.Operands[1] as RegisterOperand ?? d.Operands[2] as RegisterOperand;
            if (x is null || d.Operands[1] is not ImmediateOperand && d.Operands[2] is not ImmediateOperand) return false;
            bool fromTid = false;
            foreach (var src in _fa.Provenance.SourcesOf(d, x))
            {
                if (src.Kind == ValueSourceKind.SpecialRegister && src.Name.StartsWith("%tid", StringComparison.Ordinal)) fromTid = true;
                else if (src.Kind is not (ValueSourceKind.Constant or ValueSourceKind.SpecialRegister)) return false;
            }
            return fromTid;
        }

        private bool _spin;

        /// <summary>A load that can observe another thread's write while it spins: volatile/acquire/relaxed loads, atomics, mbarrier waits.</summary>
        private static bool IsWait(Instruction insn) =>
            insn.Info.Mem == MemKind.Atomic || insn.Has(".volatile") || insn.Has(".acquire") || insn.Has(".relaxed") || insn.Opcode == "mbarrier";

        private bool IsSharedAccess(Instruction insn, MemoryAccess m)
        {
            if (m.Space.IsShared()) return true;
            if (m.Space != StateSpace.Generic) return false;
            foreach (var s in _fa.Provenance.SourcesOfAddress(insn, m.Address))
                if (s.Kind == ValueSourceKind.Symbol && s.Space.IsShared()) return true;
            return false;
        }

        /// <summary>Reports the verdicts, one finding per divergent branch and level (the other barriers it controls as related locations).</summary>
        public void Flush(RuleContext ctx)
        {
            // One finding per barrier; the engine merges those that one divergent branch controls (same level).
            foreach (var v in _verdicts) Report(ctx, v);
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
        private bool? _hasRuntimeDivision;

        /// <summary>The function divides by a register somewhere (else no chain can pass through such a division).</summary>
        private bool HasRuntimeDivision => _hasRuntimeDivision ??=
            _fn.Instructions.Any(i => i.Opcode == "div" && i.Operands.Count == 3 && i.Operands[2] is RegisterOperand { IsSpecial: false });

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

        /// <summary>True when every path from every side of the branch to the exit passes a barrier of the same kind (and, for CTA barriers, the same id).</summary>
        private bool EverySideReachesBarrier(Instruction br, BarrierKind kind, Instruction barrier)
        {
            foreach (var s in _fa.Cfg.BlockOf(br).Successors)
            {
                var seen = new HashSet<BasicBlock> { s };
                var stack = new Stack<BasicBlock>();
                stack.Push(s);
                while (stack.Count > 0)
                {
                    var b = stack.Pop();
                    if (b.IsExit)
                    {
                        // Lanes that return from a .func may meet the others at a __syncwarp() of the caller
                        // (bar.warp.sync instructions match across the warp on sm_70+).
                        if (kind == BarrierKind.Warp && !_fn.IsEntry) continue;
                        return false;
                    }
                    bool hit = false;
                    for (int k = b.Start; k < b.End && !hit; k++)
                        hit = Classify(_fn.Instructions[k]) == kind && _fn.Instructions[k].Guard is null
                              && (kind == BarrierKind.Warp || SameBarrierResource(_fn.Instructions[k], barrier));
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

        private void Report(RuleContext ctx, Verdict v)
        {
            var barrier = v.Barrier;
            var cause = v.Branch;
            var kind = v.Kind;
            bool loopExit = v.LoopExit;
            var u = _fa.Uniformity;
            IReadOnlyList<Instruction> chain = cause.Guard is { } g
                ? (u.Explain(cause, g) is { Count: > 0 } c1 ? c1 : _fa.UniformityWithoutLaunchAssumptions.Explain(cause, g))
                : new[] { cause };
            if (chain.Count == 0) chain = new[] { cause };
            var source = chain[0];
            string what = DescribeSource(source);
            string barrierText = Text(barrier);
            string causeText = Text(cause);
            int causeLine = cause.Span.StartLine;

            string headline;
            if (cause == barrier)
                headline = $"`{barrierText}` is predicated on `{cause.Guard}`, which depends on {what}";
            else if (kind == BarrierKind.Warp)
                headline = $"`{barrierText}` names all 32 lanes but only lanes taking one side of the branch on {what} (line {causeLine}) reach it";
            else if (loopExit)
                headline = $"`{barrierText}` is in a loop whose trip count depends on {what} (exit test at line {causeLine})";
            else
                headline = $"`{barrierText}` is reached only by threads taking one side of the branch on {what} (line {causeLine})";

            var f = ctx.Report(barrier, headline);
            if (!v.Error) f.Level = Lower(ctx.Level);
            var fateLine = v.FateAt is { } at ? $" at line {at.Span.StartLine} (`{Text(at)}`)" : "";
            string who = kind == BarrierKind.Warp ? "lanes" : "threads";
            switch (v.Fate)
            {
                case SkipFate.Continues when kind == BarrierKind.Warp:
                    f.Notes.Add("The lanes on the other side never arrive: a full-mask bar.warp.sync that not every named lane executes is undefined behavior.");
                    break;
                case SkipFate.Continues:
                    f.Notes.Add(v.FateAt is { } c && c.Info.Sync is SyncKind.CtaBarrier or SyncKind.ClusterBarrier
                        ? $"The {who} that skip it go on to another barrier{fateLine}: the two groups wait at different barriers (deadlock, or undefined behavior)."
                        : v.FateAt is { } c2 && c2.Info.Flow == FlowKind.Call
                            ? $"The {who} that skip it call a function{fateLine}, which may wait at a barrier of its own."
                            : v.Spins
                                ? $"The {who} that skip it spin{fateLine} on shared memory that only the threads held at the barrier can write: deadlock."
                            : v.FateAt is { } c3 && c3.MemoryAccesses.Any(m => IsSharedAccess(c3, m))
                                ? $"The {who} that skip it go on to shared memory{fateLine} that the threads held at the barrier use after it: a race."
                                : $"The {who} that skip it wait in a loop{fateLine} for memory that the threads held at the barrier would write (deadlock).");
                    break;
                case SkipFate.ReturnsToCaller:
                    f.Notes.Add($"The {who} that skip it return to the caller, which may wait at another barrier (this is a .func: its callers are not analyzed).");
                    break;
                case SkipFate.SameBarrierElsewhere:
                    f.Notes.Add($"The {who} that skip it reach another `{barrierText}`{fateLine}: barrier 0 then completes with threads from both places. " +
                                "That works only while every thread executes the same number of instances, and a warp split across the two is undefined " +
                                "behavior for an .aligned barrier.");
                    break;
                case SkipFate.Calls:
                    f.Notes.Add($"The {who} that skip it call a function{fateLine}; whether it waits at a barrier is not analyzed.");
                    break;
                case SkipFate.TouchesShared:
                    f.Notes.Add($"The {who} that skip it touch shared memory{fateLine} while the others are held at the barrier; that is a race if the " +
                                "held threads write the same slots, which is not decided statically.");
                    break;
                case SkipFate.WaitsOnGlobalMemory:
                    f.Notes.Add($"The {who} that skip it wait in a loop{fateLine} on memory outside the CTA; if only the threads held at the barrier " +
                                "would write it, this deadlocks (another CTA or device may write it: not decided statically).");
                    break;
                case SkipFate.ExitsAfterWork:
                case SkipFate.ExitsImmediately:
                    f.Notes.Add($"The {who} that skip it exit without reaching another barrier or shared memory; a barrier held up only by exited threads is " +
                                "released (PTX ISA, exit), so this works only while every skipping thread exits.");
                    if (!v.WholeWarps && (barrier.Has(".aligned") || barrier.Opcode == "bar"))
                        f.Notes.Add($"A warp can be split across `{barrierText}`, which is .aligned: every thread of a warp must execute it together " +
                                    "(PTX ISA, bar/barrier); current GPUs wait for the warp's non-exited threads, but that is outside the specification.");
                    break;
                case SkipFate.WarpAssumption:
                    break;
            }
            if (v.Argument is { } arg)
                f.Notes.Add((arg.Kind == ValueSourceKind.Parameter ? $"Whether any thread skips it depends on the kernel argument `{arg.Parameter?.Name ?? arg.Name}`" :
                             $"Whether any thread skips it depends on the value loaded by `{(arg.Origin is { } o ? Text(o) : arg.Name)}`") +
                            " (e.g. a count that is not a multiple of the threads' span); launches whose arguments never split the block are safe, " +
                            "so this is a warning. Otherwise the consequence above happens.");
            if (v.AssumesWarpRows || v.Fate == SkipFate.WarpAssumption)
                f.Notes.Add("This verdict depends on the launch: whole warps take the same side only when blockDim.x is a multiple of 32. " +
                            "State the block shape with `.reqntid` (__launch_bounds__ gives only .maxntid) or with the option blockDimX in ptxlint.json, or keep the barrier out of the branch.");
            f.Help = cause == barrier
                ? kind == BarrierKind.Warp ? "Execute __syncwarp() unpredicated, or pass the mask of the lanes that execute it." : "Execute the barrier unpredicated, so every thread of the CTA reaches it."
                : kind == BarrierKind.Warp
                    ? "Move __syncwarp() out of the branch so all 32 lanes execute it, or pass the mask of the lanes that do (__ballot_sync of the condition)."
                    : loopExit
                        ? "Make the trip count CTA-uniform: `for (base = 0; base < n; base += blockDim.x) { i = base + threadIdx.x; if (i < n) { ... } __syncthreads(); }`."
                        : "Move the barrier out of the thread-dependent branch: `if (cond) { ... } __syncthreads(); if (cond) { ... }`.";

            if (cause != barrier)
                f.Related.Add(new RelatedLocation(cause.Location, loopExit ? $"loop exit test on {what}" : $"divergent branch on {what}"));
            f.Cause = new FindingCause($"branch@{cause.Index}:{kind}", "barrier under this branch", "barriers under this branch",
                $"also controlled by this branch: `{barrierText}`");
            if (v.FateAt is { } fa)
                f.Related.Add(new RelatedLocation(fa.Location, $"where the {who} that skip the barrier go: `{Text(fa)}`"));
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
                steps.Add(new FlowStep(barrier.Location, $"barrier reached by only some {who}: `{barrierText}`"));
            f.CodeFlows.Add(new CodeFlow($"{what} decides whether a thread reaches `{barrierText}`", steps));
            f.Properties["branchLine"] = causeLine;
            f.Properties["loopExit"] = loopExit;
            f.Properties["skippingThreads"] = v.Fate switch
            {
                SkipFate.Continues => "continue",
                SkipFate.ReturnsToCaller => "return-to-caller",
                SkipFate.SameBarrierElsewhere => "same-barrier-elsewhere",
                SkipFate.Calls => "call",
                SkipFate.TouchesShared => "touch-shared",
                SkipFate.WaitsOnGlobalMemory => "wait-on-global-memory",
                SkipFate.ExitsAfterWork => "exit-after-work",
                SkipFate.ExitsImmediately => "exit",
                _ => "block-shape",
            };
            f.Properties["dependsOnLaunch"] = !v.Error;
            if (v.Argument is not null) f.Properties["dependsOnArgument"] = true;
            f.Data = new DivergentBarrierData { BranchLine = causeLine, LoopExit = loopExit };
        }

        /// <summary>One level below the configured one (not below note): the verdict depends on the launch.</summary>
        private static Level Lower(Level l) => l switch { Level.Error => Level.Warning, _ => Level.Note };

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
