using PtxLint.Analysis;
using PtxLint.Ir;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

/// <summary>
/// The analyses behind PTX011/PTX012 (issue 13), asked directly: symbolic values (affine in %tid, loop counters and
/// symbols), the conditions guarding an instruction, barrier intervals, and the --stats booking of what they compute
/// on demand.
/// </summary>
public class SharedAnalysesTests
{
    private const string Tile = """
        .visible .entry k(.param .u32 n)
        {
          .reg .pred %p<4>;
          .reg .b32 %r<20>;
          .reg .f32 %f<4>;
          .shared .align 4 .b8 tile[4096];
          ld.param.u32 %r10, [n];
          mov.u32 %r1, %tid.x;
          mov.u32 %r2, %tid.y;
          mov.u32 %r3, tile;
          shl.b32 %r4, %r2, 6;
          add.s32 %r5, %r4, %r1;
          shl.b32 %r6, %r5, 2;
          add.s32 %r7, %r3, %r6;
          st.shared.f32 [%r7+8], %f1;
          setp.lt.u32 %p1, %r1, %r10;
          @!%p1 bra SKIP;
          bar.sync 0;
          ld.shared.f32 %f2, [%r7+4];
        SKIP:
          mov.u32 %r8, 0;
        LOOP:
          shl.b32 %r9, %r8, 2;
          add.s32 %r11, %r3, %r9;
          ld.shared.f32 %f3, [%r11];
          add.s32 %r8, %r8, 1;
          setp.lt.u32 %p2, %r8, 16;
          @%p2 bra LOOP;
          and.b32 %r12, %r1, 31;
          ret;
        }
        """;

    private static AddressOperand Addr(Instruction i) => i.Operands.OfType<AddressOperand>().Single();

    [Fact]
    public void An_address_is_the_symbol_plus_a_sum_over_the_thread_index_with_byte_coefficients()
    {
        var fn = Fn(Tile);
        var v = fn.Analyses.Values;
        var st = I(fn, "st.shared.f32");
        var addr = v.AddressOf(st, Addr(st));
        Assert.Equal("tile", SymbolicValues.BaseSymbol(addr)?.Name);
        Assert.Equal(8, addr.Constant);
        var tx = addr.Terms.Single(t => t.Atom.Kind == AtomKind.ThreadIndex && t.Atom.Name == "x");
        var ty = addr.Terms.Single(t => t.Atom.Kind == AtomKind.ThreadIndex && t.Atom.Name == "y");
        Assert.Equal(4, tx.Coefficient);
        Assert.Equal(256, ty.Coefficient);
        // evaluated for thread (3,2): 8 + 4*3 + 256*2 past tile
        var rel = addr - Expr.Of(SymbolicValues.BaseSymbol(addr)!);
        Assert.Equal(8 + 12 + 512, SymbolicValues.Evaluate(rel, new ThreadBinding { X = 3, Y = 2 }));
    }

    [Fact]
    public void A_loop_counter_appears_in_the_address_of_a_loop_and_non_sums_are_operations()
    {
        var fn = Fn(Tile);
        var v = fn.Analyses.Values;
        var ld = I(fn, "ld.shared.f32 %f3");
        var addr = v.AddressOf(ld, Addr(ld));
        var k = Assert.Single(addr.Terms, t => t.Atom.Kind == AtomKind.LoopCounter);
        Assert.Equal(4, k.Coefficient);
        Assert.Equal(0, addr.Constant);
        var and = I(fn, "and.b32 %r12");
        var e = v.OfDefinition(and, "%r12");
        Assert.Equal(AtomKind.Operation, e.AsAtom?.Kind);
        Assert.Equal(5, SymbolicValues.Evaluate(e, new ThreadBinding { X = 37 }));
    }

    [Fact]
    public void The_conditions_of_an_instruction_are_the_branches_every_path_to_it_takes()
    {
        var fn = Fn(Tile);
        var v = fn.Analyses.Values;
        var guarded = v.ConditionsOf(I(fn, "ld.shared.f32 %f2"));
        var c = Assert.Single(guarded);
        Assert.Null(c.Holds(new ThreadBinding { X = 0 })); // %tid.x < n: n is a launch argument, unknown here
        Assert.Contains(c.Predicate.Atoms(), a => a.Kind == AtomKind.Parameter && a.Name == "n");
        Assert.Empty(v.ConditionsOf(I(fn, "st.shared.f32")));
        Assert.Empty(v.ConditionsOf(I(fn, "ld.shared.f32 %f3"))); // after the join
    }

    [Fact]
    public void Barrier_intervals_separate_accesses_a_barrier_lies_between()
    {
        var fn = Fn(Tile);
        var bi = fn.Analyses.Intervals;
        var st = I(fn, "st.shared.f32");
        var guarded = I(fn, "ld.shared.f32 %f2");
        var loopLoad = I(fn, "ld.shared.f32 %f3");
        Assert.True(bi.IsAnalyzable());
        Assert.False(bi.Reaches(st, guarded, SyncScope.Cta, forwardOnly: false)); // bar.sync between
        Assert.True(bi.Reaches(st, loopLoad, SyncScope.Cta, forwardOnly: false));  // around the barrier through SKIP
        Assert.Single(bi.Cuts(SyncScope.Cta));
        var loop = fn.Analyses.Loops.LoopOf(fn.Analyses.Cfg.BlockOf(loopLoad))!;
        Assert.True(bi.IsBarrierFree(loop, SyncScope.Cta));
        Assert.NotEmpty(bi.PathBetween(st, loopLoad, SyncScope.Cta));
        Assert.Empty(bi.PathBetween(st, guarded, SyncScope.Cta));
    }

    [Fact]
    public void Stats_book_the_on_demand_work_of_the_new_analyses_once_per_function()
    {
        var timings = Timed(() =>
        {
            var fn = Fn(Tile);
            _ = fn.Analyses.SharedRaces.Races;
            _ = fn.Analyses.Intervals.Cuts(SyncScope.Cta);
        });
        var rows = timings.Snapshot().ToDictionary(r => r.Name, r => r.Count);
        Assert.Equal(1, rows["shared-memory races"]);
        Assert.Equal(1, rows["symbolic values"]);
        Assert.Equal(1, rows["barrier intervals"]);
    }
}
