using PtxLint.Analysis;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class UniformityTests
{
    [Fact]
    public void Tid_branch_is_divergent_and_merged_value_is_varying_with_explanation()
    {
        // %tid.x < 17 splits a warp (Diamond's %tid.x < 32 selects whole warps: see the next test)
        var fn = Fn(ControlFlowAnalysesTests.Diamond.Replace("setp.lt.u32 %p1, %r2, 32;", "setp.lt.u32 %p1, %r2, 17;"));
        var u = fn.Analyses.Uniformity;
        var bra = I(fn, "@%p1 bra");
        var add = I(fn, "add.s32 %r5");
        var tid = I(fn, "mov.u32 %r2, %tid.x");
        Assert.True(u.IsDivergentBranch(bra));
        Assert.Equal(Uniformity.Varying, u.OfBranch(bra));
        Assert.False(u.IsDivergentBranch(I(fn, "bra.uni")));
        Assert.Equal(Uniformity.Varying, u.OfDef(tid));
        Assert.Equal(Uniformity.Uniform, u.OfDef(I(fn, "mov.u32 %r3, %ctaid.x")));
        Assert.Equal(Uniformity.Uniform, u.OfDef(I(fn, "ld.param.u64 %rd1")));
        // Each arm writes a constant, but which one arrives depends on the divergent branch (sync dependence).
        Assert.Equal(Uniformity.Uniform, u.OfDef(I(fn, "mov.u32 %r4, 1")));
        Assert.Equal(Uniformity.Varying, u.OfUse(add, Use(add, "%r4")));
        Assert.Equal(Uniformity.Uniform, u.OfUse(add, Use(add, "%r3")));
        Assert.Equal(Uniformity.Varying, u.OfDef(add));
        Assert.True(u.IsInDivergentRegion(Block(fn, "$L_then")));
        Assert.False(u.IsInDivergentRegion(Block(fn, "$L_join")));
        Assert.Equal(new[] { bra }, u.DivergentBranchesControlling(Block(fn, "$L_then")));

        var chain = u.Explain(add, Use(add, "%r4"));
        Assert.Equal(tid, chain[0]);
        Assert.Equal(add, chain[^1]);
        Assert.Contains(bra, chain);
        Assert.Empty(u.Explain(add, Use(add, "%r3")));
        var special = I(fn, "mov.u32 %r2, %tid.x");
        Assert.Equal(Uniformity.Varying, u.OfUse(special, Use(special, "%tid.x")));
        Assert.Equal(new[] { special }, u.Explain(special, Use(special, "%tid.x")));
    }

    [Fact]
    public void Uniform_branch_merge_stays_uniform_and_warpid_is_warp_uniform()
    {
        var fn = Fn("""
            .visible .entry uni(.param .u32 uni_param_0)
            {
              .reg .pred %p<4>;
              .reg .b32 %r<10>;
              ld.param.u32 %r1, [uni_param_0];
              setp.eq.s32 %p1, %r1, 0;
              mov.u32 %r4, 0;
              @%p1 bra $L_skip;
              mov.u32 %r4, 1;
            $L_skip:
              add.s32 %r5, %r4, 3;
              mov.u32 %r6, %warpid;
              setp.eq.u32 %p2, %r6, 0;
              mov.u32 %r7, 0;
              @%p2 bra $L_w;
              mov.u32 %r7, 1;
            $L_w:
              add.s32 %r8, %r7, 0;
              ld.local.u32 %r9, [%r1];
              ld.global.u32 %r2, [%r1];
              ret;
            }
            """);
        var u = fn.Analyses.Uniformity;
        Assert.False(u.IsDivergentBranch(I(fn, "@%p1 bra")));
        Assert.Equal(Uniformity.Uniform, u.OfDef(I(fn, "add.s32 %r5")));
        var wb = I(fn, "@%p2 bra");
        Assert.True(u.IsDivergentBranch(wb));
        Assert.Equal(Uniformity.WarpUniform, u.OfBranch(wb));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "add.s32 %r8")));
        Assert.Equal(Uniformity.Varying, u.OfDef(I(fn, "ld.local.u32")));
        Assert.Equal(Uniformity.Uniform, u.OfDef(I(fn, "ld.global.u32")));
    }

    [Fact]
    public void Loops_divergent_inner_exit_gives_temporal_divergence_outer_stays_uniform()
    {
        var fn = Fn(ControlFlowAnalysesTests.NestedLoops);
        var u = fn.Analyses.Uniformity;
        Assert.True(u.IsDivergentBranch(I(fn, "@%p1 bra")));
        Assert.False(u.IsDivergentBranch(I(fn, "@%p2 bra")));
        // The accumulator changes per inner iteration and threads leave the inner loop at different iterations.
        var r6 = I(fn, "mov.u32 %r6");
        Assert.Equal(Uniformity.Varying, u.OfUse(r6, Use(r6, "%r4")));
        // The outer counter is uniform: all threads run the outer loop the same number of times.
        var r7 = I(fn, "mov.u32 %r7");
        Assert.Equal(Uniformity.Uniform, u.OfUse(r7, Use(r7, "%r3")));
        // A loop-invariant value defined inside the divergent loop is still uniform after it.
        var r9 = I(fn, "mov.u32 %r9");
        Assert.Equal(Uniformity.Uniform, u.OfUse(r9, Use(r9, "%r8")));
        // The accumulator leaves the inner loop (temporally divergent) and comes back in through the outer loop.
        var acc = I(fn, "add.s32 %r4");
        Assert.Equal(Uniformity.Varying, u.OfUse(acc, Use(acc, "%r4")));
        // The inner counter is reset before re-entry: uniform among the threads still iterating.
        var inc = I(fn, "add.s32 %r5");
        Assert.Equal(Uniformity.Uniform, u.OfUse(inc, Use(inc, "%r5")));
        var chain = u.Explain(r6, Use(r6, "%r4"));
        Assert.Equal(I(fn, "mov.u32 %r2, %tid.x"), chain[0]);
        Assert.Equal(r6, chain[^1]);
        Assert.False(u.IsInDivergentRegion(fn.Analyses.Cfg.BlockOf(I(fn, "bar.sync"))));
        Assert.True(u.IsInDivergentRegion(Block(fn, "$L_inner")));
    }

    [Fact]
    public void Guarded_definition_with_varying_guard_is_varying_at_the_merge()
    {
        var fn = Fn("""
            .visible .entry g(.param .u32 g_param_0)
            {
              .reg .pred %p<4>;
              .reg .b32 %r<10>;
              mov.u32 %r1, %tid.x;
              setp.lt.u32 %p1, %r1, 16;
              mov.u32 %r2, 0;
              @%p1 mov.u32 %r2, 5;
              add.s32 %r3, %r2, 1;
              mov.u32 %r4, %ctaid.x;
              setp.lt.u32 %p2, %r4, 16;
              mov.u32 %r5, 0;
              @%p2 mov.u32 %r5, 5;
              add.s32 %r6, %r5, 1;
              atom.global.add.u32 %r7, [%r4], 1;
              shfl.sync.idx.b32 %r8, %r1, 0, 31, -1;
              redux.sync.add.u32 %r9, %r1, -1;
              ret;
            }
            """);
        var u = fn.Analyses.Uniformity;
        Assert.Equal(Uniformity.Varying, u.OfDef(I(fn, "add.s32 %r3")));
        Assert.Equal(Uniformity.Uniform, u.OfDef(I(fn, "add.s32 %r6")));
        Assert.Equal(Uniformity.Varying, u.OfDef(I(fn, "atom.global")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "shfl.sync"))); // every lane reads lane 0
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "redux.sync")));
    }

    [Fact]
    public void Device_function_parameters_are_varying_kernel_parameters_uniform()
    {
        var m = Parse("""
            .func (.param .b32 f_ret) f(.param .b32 f_param_0)
            {
              .reg .pred %p<2>;
              .reg .b32 %r<4>;
              ld.param.b32 %r1, [f_param_0];
              setp.eq.s32 %p1, %r1, 0;
              @%p1 bra $L_done;
              add.s32 %r1, %r1, 1;
            $L_done:
              st.param.b32 [f_ret], %r1;
              ret;
            }
            """);
        var fn = m.FindFunction("f")!;
        var u = fn.Analyses.Uniformity;
        Assert.Equal(Uniformity.Varying, u.OfDef(I(fn, "ld.param.b32 %r1")));
        Assert.True(u.IsDivergentBranch(I(fn, "@%p1 bra")));
    }
}
