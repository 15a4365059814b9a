using PtxLint.Analysis;
using PtxLint.Ir;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

/// <summary>
/// The uniformity facts that make library code uniform (issue 10): each on hand-written PTX, with a look-alike that
/// must stay thread-dependent.
/// </summary>
public class UniformityFactsTests
{
    private static Uniformity Def(PtxFunction fn, string prefix) => fn.Analyses.Uniformity.OfDef(I(fn, prefix));
    private static Uniformity Strict(PtxFunction fn, string prefix) => fn.Analyses.UniformityWithoutLaunchAssumptions.OfDef(I(fn, prefix));

    [Fact]
    public void Barrier_reductions_are_the_same_in_every_thread_of_the_cta()
    {
        var fn = Fn("""
            .visible .entry k()
            {
              .reg .pred %p<6>;
              .reg .b32 %r<6>;
              mov.u32 %r1, %tid.x;
              setp.lt.u32 %p1, %r1, 64;
              bar.red.or.pred %p2, 0, %p1;
              bar.red.popc.u32 %r2, 0, %p1;
              barrier.red.and.pred %p3, 1, %p1;
              barrier.cta.red.popc.u32 %r3, 2, !%p1;
              @%p1 bar.red.or.pred %p4, 0, %p1;
              @!%p2 bra DONE;
              bar.sync 0;
            DONE:
              ret;
            }
            """);
        foreach (var p in new[] { "bar.red.or.pred %p2", "bar.red.popc", "barrier.red.and", "barrier.cta.red" })
            Assert.Equal(Uniformity.Uniform, Def(fn, p));
        Assert.NotEqual(Uniformity.Uniform, Def(fn, "@%p1 bar.red.or.pred %p4")); // only some threads execute it
        Assert.False(fn.Analyses.Uniformity.IsDivergentBranch(I(fn, "@!%p2 bra")));
    }

    [Fact]
    public void Shuffle_from_a_fixed_lane_is_a_broadcast()
    {
        var fn = Fn("""
            .visible .entry k()
            {
              .reg .pred %p<3>;
              .reg .b32 %r<12>;
              mov.u32 %r1, %tid.x;
              shfl.sync.idx.b32 %r2, %r1, 0, 31, -1;
              shfl.sync.idx.b32 %r3|%p1, %r1, 5, 0x1f, -1;
              shfl.idx.b32 %r4, %r1, 3, 31;
              mov.u32 %r5, 31;
              mov.u32 %r6, 0;
              mov.u32 %r7, -1;
              shfl.sync.idx.b32 %r8|%p2, %r1, %r6, %r5, %r7;
              shfl.sync.idx.b32 %r9, %r1, %r1, 31, -1;
              shfl.sync.idx.b32 %r10, %r1, 0, 0x101f, -1;
              ret;
            }
            """);
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "shfl.sync.idx.b32 %r2"));
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "shfl.sync.idx.b32 %r3"));
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "shfl.idx.b32 %r4"));
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "shfl.sync.idx.b32 %r8")); // nvcc 13 passes lane, clamp and mask in registers
        Assert.Equal(Uniformity.Varying, Def(fn, "shfl.sync.idx.b32 %r9"));      // each lane reads its own lane
        Assert.Equal(Uniformity.Varying, Def(fn, "shfl.sync.idx.b32 %r10"));     // 16-lane segments
    }

    [Fact]
    public void Butterflies_through_float_casts_and_compare_select_reduce_the_whole_warp()
    {
        var steps = string.Join("\n", new[] { 16, 8, 4, 2, 1 }.Select((k, i) => $"""
              mov.b32 %r{10 + i}, %f{1 + i};
              shfl.sync.bfly.b32 %r{20 + i}|%p{1 + i}, %r{10 + i}, {k}, 31, -1;
              mov.b32 %f{10 + i}, %r{20 + i};
              max.f32 %f{2 + i}, %f{1 + i}, %f{10 + i};
            """));
        var sel = string.Join("\n", new[] { 16, 8, 4, 2, 1 }.Select((k, i) => $"""
              shfl.sync.bfly.b32 %r{40 + i}, %r{30 + i}, {k}, 31, -1;
              setp.gt.s32 %p{10 + i}, %r{30 + i}, %r{40 + i};
              selp.b32 %r{31 + i}, %r{30 + i}, %r{40 + i}, %p{10 + i};
            """));
        var fn = Fn($$"""
            .visible .entry k(.param .u64 x)
            {
              .reg .pred %p<20>;
              .reg .b32 %r<60>;
              .reg .f32 %f<20>;
              .reg .b64 %rd<4>;
              ld.param.u64 %rd1, [x];
              mov.u32 %r1, %tid.x;
              mul.wide.u32 %rd2, %r1, 4;
              add.s64 %rd3, %rd1, %rd2;
              ld.global.f32 %f1, [%rd3];
            {{steps}}
              cvt.rzi.s32.f32 %r30, %f1;
            {{sel}}
              shfl.sync.bfly.b32 %r50, %r30, 16, 31, -1;
              max.s32 %r51, %r30, %r50;
              ret;
            }
            """);
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "max.f32 %f6"));
        Assert.Equal(Uniformity.Varying, Def(fn, "max.f32 %f5"));  // offsets 16..2: pairs of lanes still differ
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "selp.b32 %r35"));
        Assert.Equal(Uniformity.Varying, Def(fn, "max.s32 %r51"));
    }

    [Fact]
    public void Double_butterfly_shuffled_as_two_halves()
    {
        var steps = string.Join("\n", new[] { 16, 8, 4, 2, 1 }.Select((k, i) => $$"""
              mov.b64 {%r{{10 + 2 * i}}, %r{{11 + 2 * i}}}, %fd{{1 + i}};
              shfl.sync.bfly.b32 %r{{30 + 2 * i}}, %r{{10 + 2 * i}}, {{k}}, 31, -1;
              shfl.sync.bfly.b32 %r{{31 + 2 * i}}, %r{{11 + 2 * i}}, {{k}}, 31, -1;
              mov.b64 %fd{{10 + i}}, {%r{{30 + 2 * i}}, %r{{31 + 2 * i}}};
              add.f64 %fd{{2 + i}}, %fd{{1 + i}}, %fd{{10 + i}};
            """));
        var fn = Fn($$"""
            .visible .entry k()
            {
              .reg .b32 %r<60>;
              .reg .f64 %fd<20>;
              mov.u32 %r1, %tid.x;
              cvt.rn.f64.u32 %fd1, %r1;
            {{steps}}
              ret;
            }
            """);
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "add.f64 %fd6"));
        Assert.Equal(Uniformity.Varying, Def(fn, "add.f64 %fd5"));
    }

    [Fact]
    public void Warp_index_from_the_linear_thread_id_is_warp_uniform_for_any_block_shape()
    {
        var fn = Fn("""
            .visible .entry k()
            {
              .reg .pred %p<4>;
              .reg .b32 %r<20>;
              mov.u32 %r1, %tid.x;
              mov.u32 %r2, %tid.y;
              mov.u32 %r3, %tid.z;
              mov.u32 %r4, %ntid.x;
              mov.u32 %r5, %ntid.y;
              mad.lo.s32 %r6, %r3, %r5, %r2;
              mad.lo.s32 %r7, %r6, %r4, %r1;
              shr.u32 %r8, %r7, 5;
              and.b32 %r9, %r7, -32;
              setp.gt.u32 %p1, %r7, 31;
              shr.u32 %r10, %r1, 5;
              and.b32 %r11, %r7, 31;
              setp.lt.u32 %p2, %r7, 17;
              ret;
            }
            """);
        foreach (var p in new[] { "shr.u32 %r8", "and.b32 %r9", "setp.gt.u32 %p1" })
        {
            Assert.Equal(Uniformity.WarpUniform, Def(fn, p));
            Assert.Equal(Uniformity.WarpUniform, Strict(fn, p)); // exact: warps are formed from the linear id
        }
        // %tid.x >> 5 in a kernel that reads %tid.y: warp-uniform only when blockDim.x is a multiple of 32
        Assert.Equal(Uniformity.WarpUniform, Def(fn, "shr.u32 %r10"));
        Assert.Equal(Uniformity.Varying, Strict(fn, "shr.u32 %r10"));
        Assert.Equal(Uniformity.Varying, Def(fn, "and.b32 %r11")); // the lane
        Assert.Equal(Uniformity.Varying, Def(fn, "setp.lt.u32 %p2"));
    }

    [Fact]
    public void One_dimensional_kernels_and_reqntid_decide_the_block_shape_assumption()
    {
        const string body = """
              .reg .b32 %r<4>;
              mov.u32 %r1, %tid.x;
              shr.u32 %r2, %r1, 5;
              ret;
            }
            """;
        var oneD = Fn(".visible .entry k()\n{\n" + body);
        Assert.Equal(Uniformity.WarpUniform, Strict(oneD, "shr.u32 %r2")); // never reads %tid.y: 1-D blocks
        var req = Fn(".visible .entry k() .reqntid 48, 2, 1\n{\n  .reg .b32 %r9;\n  mov.u32 %r9, %tid.y;\n" + body);
        Assert.Equal(Uniformity.Varying, Def(req, "shr.u32 %r2"));         // 48 is not a multiple of 32
        var req64 = Fn(".visible .entry k() .reqntid 64, 2, 1\n{\n  .reg .b32 %r9;\n  mov.u32 %r9, %tid.y;\n" + body);
        Assert.Equal(Uniformity.WarpUniform, Strict(req64, "shr.u32 %r2"));
    }

    [Fact]
    public void A_spilled_by_value_parameter_reads_back_uniform()
    {
        var fn = Fn("""
            .visible .entry k(.param .align 4 .b8 p[8])
            {
              .local .align 4 .b8 __local_depot0[16];
              .reg .b64 %SP;
              .reg .b64 %SPL;
              .reg .b32 %r<12>;
              mov.u64 %SPL, __local_depot0;
              cvta.local.u64 %SP, %SPL;
              ld.param.u32 %r1, [p];
              st.local.u32 [%SPL+0], %r1;
              mov.u32 %r2, %tid.x;
              st.local.u32 [%SPL+4], %r2;
              st.u32 [%SP+8], %r1;
              ld.local.u32 %r3, [%SPL+0];
              ld.local.u32 %r4, [%SPL+4];
              ld.local.u32 %r5, [__local_depot0+0];
              ld.u32 %r6, [%SP+8];
              ret;
            }
            """);
        Assert.Equal(Uniformity.Uniform, Def(fn, "ld.local.u32 %r3"));
        Assert.Equal(Uniformity.Uniform, Def(fn, "ld.local.u32 %r5"));  // the same slot by symbol
        Assert.Equal(Uniformity.Uniform, Def(fn, "ld.u32 %r6"));        // through the generic address
        Assert.Equal(Uniformity.Varying, Def(fn, "ld.local.u32 %r4"));  // %tid.x was stored there
        Assert.Same(I(fn, "st.local.u32 [%SPL],"), fn.Analyses.LocalSlots.ForwardedStore(I(fn, "ld.local.u32 %r3")));
    }

    [Theory]
    [InlineData("st.local.u32 [%SPL+0], %r2;")]                       // a second store to the slot
    [InlineData("st.global.u64 [%rd1], %SP;")]                        // the frame's address escapes
    [InlineData("add.s64 %rd2, %SP, %rd1;\n  st.u32 [%rd2], %r2;")]   // a store at an unknown offset
    public void Forwarding_gives_up_when_the_slot_may_be_written_elsewhere(string extra)
    {
        var fn = Fn($$"""
            .visible .entry k(.param .u32 p, .param .u64 q)
            {
              .local .align 8 .b8 __local_depot0[16];
              .reg .b64 %SP;
              .reg .b64 %SPL;
              .reg .b64 %rd<4>;
              .reg .b32 %r<12>;
              mov.u64 %SPL, __local_depot0;
              cvta.local.u64 %SP, %SPL;
              ld.param.u64 %rd1, [q];
              ld.param.u32 %r1, [p];
              mov.u32 %r2, %tid.x;
              st.local.u32 [%SPL+0], %r1;
              {{extra}}
              ld.local.u32 %r3, [%SPL+0];
              ret;
            }
            """);
        Assert.Equal(Uniformity.Varying, Def(fn, "ld.local.u32 %r3"));
        Assert.Null(fn.Analyses.LocalSlots.ForwardedStore(I(fn, "ld.local.u32 %r3")));
    }

    [Fact]
    public void Comparing_a_loop_counter_with_its_own_thread_dependent_start_is_uniform()
    {
        // for (i = lo; i < lo + n; ++i) { if (i > lo) ...; }   lo = rows * (%ctaid.y * %ntid.y + %tid.y), recomputed in the loop
        var fn = Fn("""
            .visible .entry k(.param .u32 rows, .param .u32 n)
            {
              .reg .pred %p<6>;
              .reg .b32 %r<30>;
              ld.param.u32 %r1, [rows];
              ld.param.u32 %r2, [n];
              mov.u32 %r3, %ctaid.y;
              mov.u32 %r4, %ntid.y;
              mov.u32 %r5, %tid.y;
              mul.lo.s32 %r6, %r3, %r4;
              add.s32 %r7, %r6, %r5;
              mul.lo.s32 %r8, %r1, %r7;
              add.s32 %r9, %r8, %r2;
              max.s32 %r20, %r9, %r8;
              sub.s32 %r21, %r20, %r8;
              mov.u32 %r10, %r8;
            LOOP:
              ld.param.u32 %r11, [rows];
              mov.u32 %r12, %ctaid.y;
              mov.u32 %r13, %ntid.y;
              mov.u32 %r14, %tid.y;
              mad.lo.s32 %r15, %r12, %r13, %r14;
              mul.lo.s32 %r16, %r11, %r15;
              setp.le.s32 %p1, %r10, %r16;
              setp.le.s32 %p3, %r10, %r15;
              add.s32 %r10, %r10, 1;
              setp.lt.s32 %p2, %r10, %r9;
              @%p2 bra LOOP;
              ret;
            }
            """);
        Assert.Equal(Uniformity.Uniform, Def(fn, "setp.le.s32 %p1"));   // first trip only, in every thread
        Assert.Equal(Uniformity.Uniform, Def(fn, "setp.lt.s32 %p2"));   // i < lo + n: the same trip count
        Assert.Equal(Uniformity.Uniform, Def(fn, "sub.s32 %r21"));      // max(lo + n, lo) - lo
        Assert.NotEqual(Uniformity.Uniform, Def(fn, "setp.le.s32 %p3")); // against another thread-dependent value
    }
}
