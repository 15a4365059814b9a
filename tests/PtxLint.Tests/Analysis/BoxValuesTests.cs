using PtxLint.Analysis;
using PtxLint.Ir;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

/// <summary>
/// The witness search evaluates conditions and offsets for a whole box of threads at once (<see cref="BoxValues"/>);
/// every value must be the one the thread-by-thread evaluation gives, unknowns included.
/// </summary>
public class BoxValuesTests
{
    // thread indices in sums, shifts, masks, remainders, a division by a thread-dependent value (zero for thread 0),
    // the lane, a loop counter and a non-additive induction (s >>= 1), comparisons combined with and/or/not, and a
    // loaded (unknown) value
    private const string Kernel = """
        .visible .entry k(.param .u64 p, .param .u32 n)
        {
            .reg .pred %p<12>;
            .reg .b32 %r<40>;
            .reg .b64 %rd<4>;
            ld.param.u64 %rd1, [p];
            ld.param.u32 %r30, [n];
            mov.u32 %r1, %tid.x;
            mov.u32 %r2, %tid.y;
            mov.u32 %r3, %tid.z;
            mov.u32 %r4, %laneid;
            shl.b32 %r5, %r2, 3;
            add.s32 %r6, %r5, %r1;
            shr.u32 %r7, %r6, 2;
            and.b32 %r8, %r6, 3;
            rem.u32 %r9, %r6, 5;
            div.u32 %r10, 100, %r1;
            mad.lo.s32 %r11, %r3, 64, %r6;
            ld.global.u32 %r12, [%rd1];
            add.s32 %r13, %r12, %r1;
            mov.u32 %r20, 16;
            mov.u32 %r21, 0;
        LOOP:
            shr.u32 %r20, %r20, 1;
            add.s32 %r21, %r21, 1;
            add.s32 %r22, %r20, %r1;
            setp.lt.u32 %p1, %r6, 5;
            setp.eq.s32 %p2, %r8, 0;
            and.pred %p3, %p1, %p2;
            or.pred %p4, %p1, %p2;
            xor.pred %p5, %p1, %p2;
            not.pred %p6, %p3;
            setp.ne.s32 %p7, %r13, 7;
            and.pred %p8, %p7, %p2;
            or.pred %p9, %p7, %p1;
            setp.gt.s32 %p10, %r22, %r9;
            shr.u32 %r14, %r4, 1;
            and.b32 %r15, %r21, %r1;
            xor.b32 %r16, %r14, %r15;
            setp.eq.s32 %p11, %r16, 1;
            @%p3 st.global.u32 [%rd1+16], %r14;
            @%p4 st.global.u32 [%rd1+20], %r15;
            @%p5 st.global.u32 [%rd1+24], %r16;
            @%p6 st.global.u32 [%rd1+28], %r14;
            @!%p6 st.global.u32 [%rd1+32], %r14;
            @%p8 st.global.u32 [%rd1+36], %r14;
            @%p9 st.global.u32 [%rd1+40], %r14;
            @%p11 st.global.u32 [%rd1+44], %r14;
            @%p10 bra SKIP;
            st.global.u32 [%rd1], %r10;
        SKIP:
            setp.lt.s32 %p0, %r21, %r30;
            @%p0 bra LOOP;
            st.global.u32 [%rd1+4], %r4;
            st.global.u32 [%rd1+8], %r7;
            st.global.u32 [%rd1+12], %r11;
            ret;
        }
        """;

    [Theory]
    [InlineData(8, 4, 2, 8L, 4L, 0L)]
    [InlineData(64, 1, 1, null, null, 2L)]
    [InlineData(4, 2, 2, 4L, null, 3L)]
    [InlineData(2, 2, 2, null, null, 5L)]
    public void Values_over_a_box_are_the_values_thread_by_thread(int x, int y, int z, long? blockX, long? blockY, long iteration)
    {
        var fn = Fn(Kernel);
        var values = fn.Analyses.Values;
        var iterations = fn.Analyses.Loops.Loops.ToDictionary(l => l, _ => iteration);
        var box = new BoxValues((x, y, z), blockX, blockY, iterations, new BoxArrays());
        var t = new ThreadBinding { BlockX = blockX, BlockY = blockY, Iterations = iterations };
        int exprs = 0, preds = 0, known = 0, unknown = 0;
        foreach (var insn in fn.Instructions)
        {
            foreach (var u in insn.Uses)
            {
                if (u.IsSpecial) continue;
                bool isPred = fn.Analyses.Symbols.Register(u.Name, insn.Index)?.TypeName == ".pred";
                if (isPred)
                {
                    var p = values.PredicateOf(insn, u);
                    var all = box.Of(p);
                    for (int i = 0; i < box.Count; i++)
                    {
                        (t.X, t.Y, t.Z) = (i % x, i / x % y, i / (x * y));
                        var one = p.Evaluate(t);
                        Assert.True(one == (all[i] < 0 ? null : all[i] == 1), $"{p} at {insn} for thread {t}: {one} one by one, {all[i]} over the box");
                        if (one is null) unknown++; else known++;
                    }
                    preds++;
                    continue;
                }
                var e = values.OfUse(insn, u);
                var v = box.Of(e);
                for (int i = 0; i < box.Count; i++)
                {
                    (t.X, t.Y, t.Z) = (i % x, i / x % y, i / (x * y));
                    var one = SymbolicValues.Evaluate(e, t);
                    Assert.True(one == v[i], $"{e} at {insn} for thread {t}: {one} one by one, {v[i]} over the box");
                    if (one is null) unknown++; else known++;
                }
                box.Return(v);
                exprs++;
            }
            foreach (var c in values.ConditionsOf(insn))
            {
                var all = box.Of(c.Predicate);
                for (int i = 0; i < box.Count; i++)
                {
                    (t.X, t.Y, t.Z) = (i % x, i / x % y, i / (x * y));
                    Assert.Equal(c.Holds(t), BoxValues.Holds(all[i], c.Polarity));
                }
            }
        }
        box.Release();
        // the kernel exercises what it is meant to: many values, some known and some not for the same threads
        Assert.True(exprs >= 30 && preds >= 8, $"{exprs} values, {preds} predicates");
        Assert.True(known > 100 && unknown > 10, $"{known} known, {unknown} unknown");
    }
}
