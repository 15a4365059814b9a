using PtxLint.Analysis;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class ControlFlowAnalysesTests
{
    public const string Diamond = """
        .visible .entry diamond(.param .u64 diamond_param_0, .param .u32 diamond_param_1)
        {
          .reg .pred %p<4>;
          .reg .b32 %r<10>;
          .reg .b64 %rd<6>;

          ld.param.u64 %rd1, [diamond_param_0];
          ld.param.u32 %r1, [diamond_param_1];
          mov.u32 %r2, %tid.x;
          mov.u32 %r3, %ctaid.x;
          setp.lt.u32 %p1, %r2, 32;
          mov.u32 %r4, 0;
          @%p1 bra $L_then;
          mov.u32 %r4, 1;
          bra.uni $L_join;
        $L_then:
          mov.u32 %r4, 2;
        $L_join:
          add.s32 %r5, %r4, %r3;
          bar.sync 0;
          st.global.u32 [%rd1], %r5;
          ret;
        }
        """;

    [Fact]
    public void Diamond_dominators_postdominators_and_control_dependence()
    {
        var fn = Fn(Diamond);
        var fa = fn.Analyses;
        var cfg = fa.Cfg;
        var entry = cfg.Entry;
        var then = Block(fn, "$L_then");
        var join = Block(fn, "$L_join");
        var els = cfg.BlockOf(I(fn, "mov.u32 %r4, 1"));
        Assert.Equal(5, cfg.Blocks.Count); // entry, else, then, join, exit

        Assert.Equal(entry, fa.Dominators.ImmediateDominator(join));
        Assert.Equal(entry, fa.Dominators.ImmediateDominator(then));
        Assert.Null(fa.Dominators.ImmediateDominator(entry));
        Assert.True(fa.Dominators.Dominates(entry, join));
        Assert.False(fa.Dominators.Dominates(then, join));
        Assert.False(fa.Dominators.Dominates(els, join));

        Assert.Equal(join, fa.PostDominators.ImmediateDominator(entry));
        Assert.Equal(join, fa.PostDominators.ImmediateDominator(then));
        Assert.Equal(cfg.Exit, fa.PostDominators.ImmediateDominator(join));
        Assert.True(fa.PostDominators.Dominates(join, entry));
        Assert.False(fa.PostDominators.Dominates(then, entry));

        var bra = I(fn, "@%p1 bra");
        Assert.Equal(new[] { bra }, fa.ControlDependence.BranchesControlling(then));
        Assert.Equal(new[] { bra }, fa.ControlDependence.BranchesControlling(els));
        Assert.Empty(fa.ControlDependence.BranchesControlling(join));
        Assert.Empty(fa.ControlDependence.BranchesControlling(entry));
        Assert.Empty(fa.Loops.Loops);
    }

    [Fact]
    public void Reachability_avoiding_a_block_in_the_diamond()
    {
        var fn = Fn(Diamond);
        var cfg = fn.Analyses.Cfg;
        var then = Block(fn, "$L_then");
        var join = Block(fn, "$L_join");
        var els = cfg.BlockOf(I(fn, "mov.u32 %r4, 1"));
        Assert.True(cfg.ReachesAvoiding(cfg.Entry, join, then));   // through the else side
        Assert.True(cfg.ReachesAvoiding(then, cfg.Exit, els));
        Assert.False(cfg.ReachesAvoiding(then, cfg.Exit, join));   // every path leaves through the join
        Assert.False(cfg.ReachesAvoiding(join, then, cfg.Entry));  // no path back
        Assert.False(cfg.ReachesAvoiding(then, join, then));       // starting in the avoided block
        Assert.True(cfg.ReachesAvoiding(join, join, then));        // the start is reached
        // the scratch is reused: the same question again gives the same answer
        Assert.True(cfg.ReachesAvoiding(cfg.Entry, join, then));
        Assert.False(cfg.ReachesAvoiding(then, cfg.Exit, join));
    }

    public const string NestedLoops = """
        .visible .entry loops(.param .u64 loops_param_0, .param .u32 loops_param_1)
        {
          .reg .pred %p<4>;
          .reg .b32 %r<20>;
          .reg .b64 %rd<4>;

          ld.param.u64 %rd1, [loops_param_0];
          ld.param.u32 %r1, [loops_param_1];
          mov.u32 %r2, %tid.x;
          mov.u32 %r3, 0;
          mov.u32 %r4, 0;
        $L_outer:
          mov.u32 %r5, 0;
        $L_inner:
          add.s32 %r4, %r4, %r5;
          mov.u32 %r8, 7;
          add.s32 %r5, %r5, 1;
          setp.lt.u32 %p1, %r5, %r2;
          @%p1 bra $L_inner;
          add.s32 %r3, %r3, 1;
          setp.lt.u32 %p2, %r3, %r1;
          @%p2 bra $L_outer;
          mov.u32 %r6, %r4;
          mov.u32 %r7, %r3;
          mov.u32 %r9, %r8;
          bar.sync 0;
          st.global.u32 [%rd1], %r6;
          ret;
        }
        """;

    [Fact]
    public void Nested_loops_headers_latches_exits_depth()
    {
        var fn = Fn(NestedLoops);
        var fa = fn.Analyses;
        var outerH = Block(fn, "$L_outer");
        var innerH = Block(fn, "$L_inner");
        var innerExit = I(fn, "@%p1 bra");
        var outerExit = I(fn, "@%p2 bra");
        var latchOuter = fa.Cfg.BlockOf(outerExit);

        Assert.Equal(2, fa.Loops.Loops.Count);
        var inner = fa.Loops.LoopOf(innerH)!;
        var outer = fa.Loops.LoopOf(outerH)!;
        Assert.Equal(innerH, inner.Header);
        Assert.Equal(outerH, outer.Header);
        Assert.Equal(2, inner.Depth);
        Assert.Equal(1, outer.Depth);
        Assert.Same(outer, inner.Parent);
        Assert.Null(outer.Parent);
        Assert.Equal(new[] { innerH }, inner.Latches);
        Assert.Equal(new[] { latchOuter }, outer.Latches);
        Assert.Equal(new[] { innerExit }, inner.ExitBranches);
        Assert.Equal(new[] { outerExit }, outer.ExitBranches);
        Assert.Equal(3, outer.Blocks.Count);
        Assert.Contains(innerH, outer.Blocks);
        Assert.Single(inner.Blocks);
        Assert.Same(outer, fa.Loops.LoopOf(latchOuter));
        Assert.Null(fa.Loops.LoopOf(fa.Cfg.Entry));
        Assert.Null(fa.Loops.LoopOf(fa.Cfg.BlockOf(I(fn, "bar.sync"))));

        // Control dependence: the inner header depends on its own latch branch and on the outer latch branch (transitively).
        Assert.Contains(innerExit, fa.ControlDependence.BranchesControlling(innerH));
        Assert.Contains(outerExit, fa.ControlDependence.TransitiveBranchesControlling(innerH).ToArray());
        Assert.DoesNotContain(innerExit, fa.ControlDependence.BranchesControlling(latchOuter));
        Assert.Contains(outerExit, fa.ControlDependence.BranchesControlling(latchOuter));
        Assert.Empty(fa.ControlDependence.BranchesControlling(fa.Cfg.BlockOf(I(fn, "bar.sync"))));
    }

    [Fact]
    public void Irreducible_flow_and_infinite_loop_do_not_crash()
    {
        var fn = Fn("""
            .visible .entry irr(.param .u32 irr_param_0)
            {
              .reg .pred %p<4>;
              .reg .b32 %r<10>;
              ld.param.u32 %r1, [irr_param_0];
              setp.eq.s32 %p1, %r1, 0;
              setp.eq.s32 %p3, %r1, 7;
              @%p3 bra $L_spin;
              @%p1 bra $L_b;
            $L_a:
              add.s32 %r2, %r2, 1;
              bra.uni $L_b;
            $L_b:
              add.s32 %r2, %r2, 2;
              setp.lt.s32 %p2, %r2, 100;
              @%p2 bra $L_a;
              ret;
            $L_spin:
              add.s32 %r3, %r3, 1;
              bra.uni $L_spin;
            }
            """);
        var fa = fn.Analyses;
        var a = Block(fn, "$L_a");
        var b = Block(fn, "$L_b");
        var spin = Block(fn, "$L_spin");
        // a <-> b is a cycle with two entries: no natural loop.
        Assert.DoesNotContain(fa.Loops.Loops, l => l.Header == a || l.Header == b);
        Assert.Null(fa.Loops.LoopOf(a));
        // The spin loop is a natural (self) loop without exits.
        var spinLoop = fa.Loops.LoopOf(spin)!;
        Assert.Equal(spin, spinLoop.Header);
        Assert.Empty(spinLoop.ExitBranches);
        // Post-dominators: the spin loop cannot reach the exit; it is connected virtually and post-dominated by exit only.
        Assert.True(fa.PostDominators.HasVirtualExitEdge(spin));
        Assert.Equal(fa.Cfg.Exit, fa.PostDominators.ImmediateDominator(spin));
        Assert.Contains(I(fn, "@%p3 bra"), fa.ControlDependence.BranchesControlling(spin));
        Assert.Contains(I(fn, "@%p2 bra"), fa.ControlDependence.BranchesControlling(a));
        _ = fa.Uniformity;
        _ = IrPrinter.Print(fn.Module, null);
    }
}
