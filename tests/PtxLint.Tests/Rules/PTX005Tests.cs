using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Rules;
using PtxLint.Syntax;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public class PTX005Tests
{
    private static readonly PTX005BarrierInDivergentControl Rule = new();

    /// <summary>RuleTest.Verify with findings of one cause merged, as the engine reports them.</summary>
    private static List<PtxLint.Diagnostics.Finding> Verify(string ptx, IReadOnlyDictionary<string, string>? options = null) =>
        RuleTest.Verify(Rule, ptx, options, merge: true);

    // ---- bad: thread-dependent control around a barrier

    [Fact]
    public void StridedLoopWithBarrier()
    {
        // for (i = tid; i < n; i += ntid) { s[tid] = x[i]; __syncthreads(); }
        var findings = Verify("""
            .visible .entry k(.param .u64 x, .param .u32 n)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<8>;
                .reg .f32 %f<2>;
                .reg .b64 %rd<4>;
                .shared .align 4 .b8 s[1024];
                ld.param.u64 %rd1, [x];
                ld.param.u32 %r2, [n];
                mov.u32 %r1, %tid.x;
                mov.u32 %r3, %ntid.x;
                setp.ge.s32 %p1, %r1, %r2;
                @%p1 bra DONE;
                mov.u32 %r4, %r1;
            LOOP:
                mul.wide.s32 %rd2, %r4, 4;
                add.s64 %rd3, %rd1, %rd2;
                ld.global.f32 %f1, [%rd3];
                shl.b32 %r5, %r1, 2;
                mov.u32 %r6, s;
                add.s32 %r7, %r6, %r5;
                st.shared.f32 [%r7], %f1;
                [|bar.sync 0;|]
                add.s32 %r4, %r4, %r3;
                setp.lt.s32 %p2, %r4, %r2;
                @%p2 bra LOOP;
            DONE:
                ret;
            }
            """);
        var f = Assert.Single(findings);
        Assert.Equal("`bar.sync 0` is in a loop whose trip count depends on `%tid.x` (exit test at line 30)", f.Message);
        Assert.Contains("base += blockDim.x", f.Help);
        Assert.Equal(true, f.Properties["loopExit"]);
        // The threads that leave the loop only return: a barrier held up by exited threads is released (PTX ISA,
        // exit), so this is a warning that says so, not an error.
        Assert.Equal(Level.Warning, f.Level);
        Assert.Equal("exit", f.Properties["skippingThreads"]);
        Assert.Contains("exited threads", RuleTest.Text(f));
    }

    private const string Warp0Barrier = """
        .visible .entry k(.param .u64 out)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<4>;
            .shared .align 4 .b8 s[128];
            mov.u32 %r1, %tid.x;
            setp.gt.u32 %p1, %r1, 31;
            @%p1 bra DONE;
            shl.b32 %r2, %r1, 2;
            mov.u32 %r3, s;
            st.shared.u32 [%r3], %r2;
            [|bar.sync 0;|]
        DONE:
            ret;
        }
        """;

    [Fact]
    public void BarrierUnderTidLessThan32()
    {
        var f = Assert.Single(Verify(Warp0Barrier));
        Assert.Equal("`bar.sync 0` is reached only by threads taking one side of the branch on `%tid.x` (line 12)", f.Message);
        Assert.Contains("Move the barrier out", f.Help);
        Assert.Equal(Level.Warning, f.Level); // warps 1.. return at once
        // related: the divergent branch; code flow: %tid.x source -> setp -> branch -> barrier
        var rel = Assert.Single(f.Related);
        Assert.Equal(12, rel.Location.Span.StartLine);
        var flow = Assert.Single(f.CodeFlows);
        Assert.Equal(4, flow.Steps.Count);
        Assert.Contains("mov.u32 %r1, %tid.x", flow.Steps[0].Message);
        Assert.Contains("setp.gt.u32", flow.Steps[1].Message);
        Assert.Contains("divergent branch", flow.Steps[2].Message);
        Assert.Contains("barrier reached by only some threads", flow.Steps[3].Message);
        Assert.Equal(16, flow.Steps[3].Location.Span.StartLine);
    }

    [Fact]
    public void BarrierInsideIfWithCodeAfter()
    {
        Verify("""
            .visible .entry k(.param .u64 out)
            {
                .reg .pred %p<2>;
                .reg .b32 %r<4>;
                .reg .b64 %rd<2>;
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 32;
                @!%p1 bra SKIP;
                [|bar.sync 0;|]
            SKIP:
                ld.param.u64 %rd1, [out];
                st.global.u32 [%rd1], %r1;
                ret;
            }
            """);
    }

    [Fact]
    public void BarrierAlignedFormsAndBarRed()
    {
        // three barrier forms under one branch: one finding, the other two as related locations
        var f = Assert.Single(Verify("""
            .visible .entry k(.param .u32 n)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<4>;
                mov.u32 %r1, %tid.x;
                setp.eq.u32 %p1, %r1, 0;
                @!%p1 bra SKIP;
                [|barrier.cta.sync.aligned 0;|]
                barrier.sync 0;
                bar.red.popc.u32 %r2, 0, %p1;
            SKIP:
                ret;
            }
            """));
        Assert.Equal(2, f.Related.Count(r => r.Message.StartsWith("also controlled by this branch")));
        Assert.Contains(f.Related, r => r.Message.Contains("bar.red.popc.u32"));
    }

    [Fact]
    public void PredicatedBarrier()
    {
        var f = Assert.Single(Verify("""
            .visible .entry k()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 64;
                [|@%p1 bar.sync 0;|]
                ret;
            }
            """));
        Assert.Contains("predicated on `%p1`", RuleTest.Text(f));
    }

    [Fact]
    public void SyncwarpUnderLaneCondition()
    {
        var f = Assert.Single(Verify("""
            .visible .entry k()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<3>;
                mov.u32 %r2, %tid.x;
                and.b32 %r1, %r2, 31;
                setp.gt.u32 %p1, %r1, 15;
                @%p1 bra DONE;
                [|bar.warp.sync -1;|]
            DONE:
                ret;
            }
            """));
        Assert.Contains("__syncwarp()", f.Help);
        Assert.Contains("names all 32 lanes", f.Message);
        Assert.Equal(Level.Error, f.Level);
    }

    [Fact]
    public void SyncwarpUnderLaneidCondition()
    {
        Verify("""
            .visible .entry k()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %laneid;
                setp.ne.u32 %p1, %r1, 0;
                @%p1 bra DONE;
                [|bar.warp.sync 0xffffffff;|]
            DONE:
                ret;
            }
            """);
    }

    [Fact]
    public void EarlyExitBoundsGuardIsReportedWhenOptionOn()
    {
        var opts = new Dictionary<string, string> { ["reportEarlyExit"] = "true" };
        Verify(EarlyExitBoundsGuard.Replace("bar.sync 0;", "[|bar.sync 0;|]"), opts);
    }

    [Fact]
    public void ThreadDependentBranchInFuncFromTid()
    {
        Verify("""
            .func f(.param .u32 a)
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 32;
                @!%p1 bra SKIP;
                [|bar.sync 0;|]
            SKIP:
                ret;
            }
            """);
    }

    // ---- levels: where the threads that skip the barrier go

    private const string Warp0Head = """
        .visible .entry k(.param .u64 out)
        {
            .reg .pred %p<4>;
            .reg .b32 %r<8>;
            .reg .f32 %f<4>;
            .reg .b64 %rd<4>;
            .shared .align 4 .f32 total;
            .shared .align 4 .b8 part[128];
            mov.u32 %r1, %tid.x;
            setp.gt.u32 %p1, %r1, 31;
            @%p1 bra REST;
            shl.b32 %r2, %r1, 2;
            mov.u32 %r3, part;
            add.s32 %r4, %r3, %r2;
            st.shared.f32 [%r4], %f1;
            [|bar.sync 0;|]
            setp.ne.u32 %p2, %r1, 0;
            @%p2 bra REST;
            st.shared.f32 [total], %f2;
        REST:

        """;

    [Fact]
    public void Skipping_threads_that_read_the_value_the_others_store_make_it_an_error()
    {
        // if (tid < 32) { ...; __syncthreads(); if (tid == 0) total = ...; }  out[tid] = total;   (racecheck: 1 hazard)
        var f = Assert.Single(Verify(Warp0Head + """
                ld.shared.f32 %f3, [total];
                ld.param.u64 %rd1, [out];
                st.global.f32 [%rd1], %f3;
                ret;
            }
            """));
        Assert.Equal(Level.Error, f.Level);
        Assert.Equal("continue", f.Properties["skippingThreads"]);
        Assert.Contains("shared memory", RuleTest.Text(f));
    }

    [Fact]
    public void Skipping_threads_that_spin_on_shared_memory_make_it_an_error()
    {
        var f = Assert.Single(Verify(Warp0Head + """
            SPIN:
                ld.volatile.shared.f32 %f3, [total];
                setp.eq.f32 %p3, %f3, 0f00000000;
                @%p3 bra SPIN;
                ret;
            }
            """));
        Assert.Equal(Level.Error, f.Level);
        Assert.Contains("spin", RuleTest.Text(f));
    }

    [Fact]
    public void Skipping_threads_that_wait_at_another_barrier_make_it_an_error()
    {
        var f = Assert.Single(Verify(Warp0Head + """
                bar.sync 1;
                ret;
            }
            """));
        Assert.Equal(Level.Error, f.Level);
    }

    [Fact]
    public void Skipping_threads_that_exit_or_reach_the_same_barrier_make_it_a_warning()
    {
        var exit = Assert.Single(Verify(Warp0Head + "    ret;\n}\n"));
        Assert.Equal(Level.Warning, exit.Level);
        Assert.Equal("exit", exit.Properties["skippingThreads"]);
        // whole warps that meet the others at another bar.sync 0 (warp-specialised code): nothing to report
        RuleTest.VerifyClean(Rule, RuleTest.StripMarkup(Warp0Head).Text + "    bar.sync 0;\n    ret;\n}\n");
    }

    [Fact]
    public void Bookkeeping_by_one_thread_on_both_sides_is_not_a_race()
    {
        // the skipping side's access of `total` is thread 0's own (if (tid == 0) on both sides): no conflict is proven
        var f = Assert.Single(Verify(Warp0Head.Replace("setp.gt.u32 %p1, %r1, 31;", "setp.gt.u32 %p1, %r1, 31;\n    setp.ne.u32 %p3, %r1, 0;") + """
                @%p3 bra DONE;
                ld.shared.f32 %f3, [total];
                ld.param.u64 %rd1, [out];
                st.global.f32 [%rd1], %f3;
            DONE:
                ret;
            }
            """));
        Assert.Equal(Level.Warning, f.Level);
    }

    [Fact]
    public void A_split_that_depends_on_a_kernel_argument_is_a_warning_that_names_it()
    {
        // for (i = tid; i < n; i += ntid) { tile[tid] = ...; __syncthreads(); if (tid == 0) sum = ...; __syncthreads(); } out = sum;
        var f = Assert.Single(Verify("""
            .visible .entry k(.param .u64 out, .param .u32 n)
            {
                .reg .pred %p<4>;
                .reg .b32 %r<10>;
                .reg .f32 %f<4>;
                .reg .b64 %rd<4>;
                .shared .align 4 .f32 sum;
                ld.param.u32 %r9, [n];
                mov.u32 %r1, %tid.x;
                mov.u32 %r2, %ntid.x;
                mov.u32 %r3, %r1;
                setp.ge.s32 %p1, %r3, %r9;
                @%p1 bra AFTER;
            LOOP:
                [|bar.sync 0;|]
                setp.ne.u32 %p2, %r1, 0;
                @%p2 bra NEXT;
                st.shared.f32 [sum], %f1;
            NEXT:
                bar.sync 0;
                add.s32 %r3, %r3, %r2;
                setp.lt.s32 %p3, %r3, %r9;
                @%p3 bra LOOP;
            AFTER:
                ld.shared.f32 %f2, [sum];
                ld.param.u64 %rd1, [out];
                st.global.f32 [%rd1], %f2;
                ret;
            }
            """));
        Assert.Equal(Level.Warning, f.Level);
        Assert.Equal(true, f.Properties["dependsOnArgument"]);
        Assert.Contains("kernel argument `n`", RuleTest.Text(f));
        Assert.Equal("continue", f.Properties["skippingThreads"]);
    }

    [Fact]
    public void A_func_whose_skipping_threads_return_to_the_caller_is_a_warning()
    {
        var f = Assert.Single(Verify("""
            .func f()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 16;
                @%p1 bra SKIP;
                [|bar.sync 0;|]
            SKIP:
                ret;
            }
            """));
        Assert.Equal(Level.Warning, f.Level);
        Assert.Equal("return-to-caller", f.Properties["skippingThreads"]);
    }

    [Fact]
    public void Syncwarp_under_a_row_branch_of_a_2d_kernel_depends_on_the_block_shape()
    {
        var f = Assert.Single(Verify("""
            .visible .entry k()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %tid.y;
                setp.eq.u32 %p1, %r1, 0;
                @%p1 bra DONE;
                [|bar.warp.sync -1;|]
            DONE:
                ret;
            }
            """));
        Assert.Equal(Level.Warning, f.Level);
        Assert.Contains("blockDim.x is a multiple of 32", RuleTest.Text(f));
        Assert.Contains(".reqntid", RuleTest.Text(f));
        // with .reqntid stating a warp-aligned block the branch is warp-uniform: nothing to report
        RuleTest.VerifyClean(Rule, """
            .visible .entry k() .reqntid 32, 4, 1
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %tid.y;
                setp.eq.u32 %p1, %r1, 0;
                @%p1 bra DONE;
                bar.warp.sync -1;
            DONE:
                ret;
            }
            """);
    }

    [Fact]
    public void BlockDimX_in_the_configuration_settles_the_block_shape_assumption()
    {
        const string ptx = """
            .visible .entry k()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %tid.y;
                setp.eq.u32 %p1, %r1, 0;
                @%p1 bra DONE;
                bar.warp.sync -1;
            DONE:
                ret;
            }
            """;
        RuleTest.VerifyClean(Rule, ptx, new Dictionary<string, string> { ["blockDimX"] = "64" });
        Assert.Single(RuleTest.Run(Rule, RuleTest.Header + ptx, new Dictionary<string, string> { ["blockDimX"] = "48" }));
    }

    [Fact]
    public void A_branch_on_a_barrier_reduction_is_uniform() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<3>;
            .reg .b32 %r<2>;
            mov.u32 %r1, %tid.x;
            setp.lt.u32 %p1, %r1, 64;
            bar.red.or.pred %p2, 0, %p1;
            @!%p2 bra SKIP;
            bar.sync 0;
        SKIP:
            ret;
        }
        """);

    // ---- good: look-alikes that must stay quiet

    [Fact]
    public void UniformKLoopWithCtaidBound()
    {
        // GEMM k-loop: the bound comes from a parameter and %ctaid, the step is a constant: uniform trip count.
        RuleTest.VerifyClean(Rule, """
            .visible .entry k(.param .u32 K)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<8>;
                ld.param.u32 %r1, [K];
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r6, %tid.x;
                sub.s32 %r3, %r1, %r2;
                mov.u32 %r4, 0;
                setp.lt.s32 %p2, %r3, 1;
                @%p2 bra DONE;
            LOOP:
                add.s32 %r7, %r6, %r4;
                bar.sync 0;
                add.s32 %r4, %r4, 32;
                setp.lt.s32 %p1, %r4, %r3;
                @%p1 bra LOOP;
                bar.sync 0;
            DONE:
                ret;
            }
            """);
    }

    [Fact]
    public void UniformLoopWithBoundLoadedAtUniformAddressAndNtidStep()
    {
        // for (base = 0; base < *n_ptr; base += blockDim.x) { if (base + tid < n) ...; __syncthreads(); }
        RuleTest.VerifyClean(Rule, """
            .visible .entry k(.param .u64 nptr, .param .u64 out)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<8>;
                .reg .b64 %rd<4>;
                ld.param.u64 %rd1, [nptr];
                cvta.to.global.u64 %rd2, %rd1;
                ld.global.u32 %r1, [%rd2];
                mov.u32 %r2, %ntid.x;
                mov.u32 %r3, %tid.x;
                mov.u32 %r4, 0;
            LOOP:
                add.s32 %r5, %r4, %r3;
                setp.ge.s32 %p1, %r5, %r1;
                @%p1 bra SKIP;
                ld.param.u64 %rd3, [out];
                st.global.u32 [%rd3], %r5;
            SKIP:
                bar.sync 0;
                add.s32 %r4, %r4, %r2;
                setp.lt.s32 %p2, %r4, %r1;
                @%p2 bra LOOP;
                ret;
            }
            """);
    }

    [Fact]
    public void BarrierAfterMergeOfDivergentIf() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<3>;
            .shared .align 4 .b8 s[128];
            mov.u32 %r1, %tid.x;
            setp.lt.u32 %p1, %r1, 32;
            @!%p1 bra JOIN;
            mov.u32 %r2, s;
            st.shared.u32 [%r2], %r1;
        JOIN:
            bar.sync 0;
            ret;
        }
        """);

    private const string EarlyExitBoundsGuard = """
        .visible .entry k(.param .u64 out, .param .u32 n)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<6>;
            .reg .b64 %rd<3>;
            ld.param.u32 %r1, [n];
            mov.u32 %r2, %ctaid.x;
            mov.u32 %r3, %ntid.x;
            mov.u32 %r4, %tid.x;
            mad.lo.s32 %r5, %r2, %r3, %r4;
            setp.ge.s32 %p1, %r5, %r1;
            @%p1 bra DONE;
            bar.sync 0;
            ld.param.u64 %rd1, [out];
            st.global.u32 [%rd1], %r5;
        DONE:
            ret;
        }
        """;

    [Fact]
    public void EarlyExitBoundsGuardIsQuietByDefault() => RuleTest.VerifyClean(Rule, EarlyExitBoundsGuard);

    [Fact]
    public void NamedBarrierWithThreadCountUnderWarpRole() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<3>;
            mov.u32 %r1, %tid.x;
            setp.lt.u32 %p1, %r1, 128;
            @!%p1 bra CONSUMER;
            bar.sync 1, 128;
            bar.arrive 2, 256;
            ret;
        CONSUMER:
            bar.sync 2, 256;
            ret;
        }
        """);

    [Fact]
    public void SyncwarpUnderWarpIndexBranch() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<3>;
            mov.u32 %r1, %tid.x;
            shr.u32 %r2, %r1, 5;
            setp.ne.u32 %p1, %r2, 0;
            @%p1 bra DONE;
            bar.warp.sync -1;
        DONE:
            ret;
        }
        """);

    [Fact]
    public void SyncwarpUnderVoteAndButterflyResult() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<4>;
            .reg .b32 %r<14>;
            mov.u32 %r1, %tid.x;
            setp.lt.u32 %p1, %r1, 7;
            vote.sync.any.pred %p2, %p1, -1;
            @!%p2 bra NEXT;
            bar.warp.sync -1;
        NEXT:
            shfl.sync.bfly.b32 %r2, %r1, 16, 31, -1;
            max.s32 %r3, %r1, %r2;
            shfl.sync.bfly.b32 %r4, %r3, 8, 31, -1;
            max.s32 %r5, %r3, %r4;
            shfl.sync.bfly.b32 %r6, %r5, 4, 31, -1;
            max.s32 %r7, %r5, %r6;
            shfl.sync.bfly.b32 %r8, %r7, 2, 31, -1;
            max.s32 %r9, %r7, %r8;
            shfl.sync.bfly.b32 %r10, %r9, 1, 31, -1;
            max.s32 %r11, %r9, %r10;
            setp.gt.s32 %p3, %r11, 100;
            @%p3 bra DONE;
            bar.warp.sync -1;
        DONE:
            ret;
        }
        """);

    [Fact]
    public void PartialButterflyIsNotWarpUniform()
    {
        // only offsets 16 and 8: lanes hold different partial maxima
        Verify("""
            .visible .entry k()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<6>;
                mov.u32 %r1, %tid.x;
                shfl.sync.bfly.b32 %r2, %r1, 16, 31, -1;
                max.s32 %r3, %r1, %r2;
                shfl.sync.bfly.b32 %r4, %r3, 8, 31, -1;
                max.s32 %r5, %r3, %r4;
                setp.gt.s32 %p1, %r5, 100;
                @%p1 bra DONE;
                [|bar.warp.sync -1;|]
            DONE:
                ret;
            }
            """);
    }

    [Fact]
    public void DeviceAssertPathIsNotDivergence() => RuleTest.VerifyClean(Rule, """
        .extern .func __assertfail(.param .b64 a);
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<2>;
            mov.u32 %r1, %tid.x;
            setp.gt.u32 %p1, %r1, 1000;
            @%p1 bra FAIL;
            bar.sync 0;
            ret;
        FAIL:
            {
            .param .b64 param0;
            st.param.b64 [param0], 0;
            call.uni __assertfail, (param0);
            }
            trap;
        }
        """);

    [Fact]
    public void FuncBranchOnParameterIsNotReported() => RuleTest.VerifyClean(Rule, """
        .func f(.param .u32 a)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<2>;
            ld.param.u32 %r1, [a];
            setp.eq.u32 %p1, %r1, 0;
            @%p1 bra SKIP;
            bar.sync 0;
        SKIP:
            ret;
        }
        """);

    [Fact]
    public void SyncwarpWithPartialMaskIsNotChecked() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<2>;
            mov.u32 %r1, %laneid;
            setp.gt.u32 %p1, %r1, 15;
            @%p1 bra DONE;
            bar.warp.sync 0xffff;
        DONE:
            ret;
        }
        """);

    [Fact]
    public void BarriersOnBothSidesOfWarpUniformBranch() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<3>;
            mov.u32 %r1, %tid.x;
            shr.u32 %r2, %r1, 5;
            setp.eq.u32 %p1, %r2, 0;
            @%p1 bra PRODUCER;
            bar.sync 0;
            ret;
        PRODUCER:
            bar.sync 0;
            ret;
        }
        """);

    [Fact]
    public void SyncwarpOnBothSidesOfLaneBranch() => RuleTest.VerifyClean(Rule, """
        .visible .entry k()
        {
            .reg .pred %p<2>;
            .reg .b32 %r<2>;
            mov.u32 %r1, %laneid;
            setp.lt.u32 %p1, %r1, 16;
            @%p1 bra LOW;
            bar.warp.sync -1;
            ret;
        LOW:
            bar.warp.sync -1;
            ret;
        }
        """);

    [Fact]
    public void AlignedBarriersOnBothSidesOfThreadBranchAreReported()
    {
        // bar.sync is .aligned: the lanes of one warp must execute the same instruction. Barrier 0 completes with
        // threads from both places on current GPUs, so it is a warning that says so; one finding for the branch.
        var f = Assert.Single(Verify("""
            .visible .entry k()
            {
                .reg .pred %p<2>;
                .reg .b32 %r<2>;
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 16;
                @%p1 bra LOW;
                [|bar.sync 0;|]
                ret;
            LOW:
                bar.sync 0;
                ret;
            }
            """));
        Assert.Equal(Level.Warning, f.Level);
        Assert.Equal("same-barrier-elsewhere", f.Properties["skippingThreads"]);
        Assert.Contains(f.Related, r => r.Location.Span.StartLine == 15 && r.Message.StartsWith("also controlled by this branch"));
    }

    // ---- uniformity facts the rule relies on

    [Fact]
    public void UniformityOfCtaidNtidParamsAndUniformLoads()
    {
        var m = PtxParserDriver.Parse("t.ptx", RuleTest.Header + """
            .visible .entry k(.param .u64 p, .param .u32 n)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<8>;
                .reg .b64 %rd<3>;
                ld.param.u64 %rd1, [p];
                ld.param.u32 %r1, [n];
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                ld.global.u32 %r4, [%rd1+8];
                mad.lo.s32 %r5, %r2, %r3, %r4;
                mov.u32 %r6, 0;
            LOOP:
                add.s32 %r6, %r6, %r3;
                setp.lt.s32 %p1, %r6, %r5;
                @%p1 bra LOOP;
                ret;
            }
            """);
        var fn = m.Functions[0];
        var u = fn.Analyses.Uniformity;
        foreach (var i in fn.Instructions.Where(i => i.Defs.Length > 0))
            Assert.Equal(Uniformity.Uniform, u.OfDef(i));
        var exit = fn.Instructions.Single(i => i.Opcode == "bra");
        Assert.False(u.IsDivergentBranch(exit));
    }

    // ---- samples

    [Fact]
    public void BadSampleFiresOnEveryKernel()
    {
        var path = Path.Combine(Repo.Samples, "PTX005-barrier-in-divergent-control.bad.ptx");
        var findings = RuleTest.RunMerged(Rule, File.ReadAllText(path));
        // one finding per kernel (block_sum_strided's two barriers share the loop exit); the spinning broadcast and the
        // half-warp __syncwarp() are errors, the two whose skipping threads exit are warnings
        Assert.Equal(new[] { "block_sum_strided", "warp0_barrier_sum", "broadcast_sum_spin", "warp_pair_sum_half" },
            findings.Select(f => f.FunctionName).ToArray());
        Assert.Equal(new[] { Level.Warning, Level.Warning, Level.Error, Level.Error }, findings.Select(f => f.Level).ToArray());
        Assert.All(findings, f => Assert.Single(f.CodeFlows));
        Assert.All(findings, f => Assert.NotNull(f.SourceLocation));
    }

    [Fact]
    public void FixedSampleIsClean()
    {
        var path = Path.Combine(Repo.Samples, "PTX005-barrier-in-divergent-control.fixed.ptx");
        Assert.Empty(RuleTest.RunMerged(Rule, File.ReadAllText(path)));
    }
}
