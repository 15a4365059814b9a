using PtxLint.Analysis;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

/// <summary>Warp-level uniformity: warp collectives, full xor-butterfly reductions, warp indices.</summary>
public class WarpUniformityTests
{
    private const string Ptx = """
        .version 8.0
        .target sm_90a
        .address_size 64
        .visible .entry k()
        {
            .reg .pred %p<6>;
            .reg .b32 %r<20>;
            mov.u32 %r1, %tid.x;
            setp.lt.u32 %p1, %r1, 7;
            vote.sync.any.pred %p2, %p1, -1;
            vote.sync.ballot.b32 %r2, %p1, -1;
            match.all.sync.b32 %r3|%p3, %r1, -1;
            match.any.sync.b32 %r4, %r1, -1;
            activemask.b32 %r5;
            shr.u32 %r6, %r1, 5;
            shr.u32 %r7, %r1, 4;
            and.b32 %r8, %r1, -32;
            div.u32 %r9, %r1, 64;
            shfl.sync.bfly.b32 %r10, %r1, 16, 31, -1;
            add.s32 %r11, %r1, %r10;
            shfl.sync.bfly.b32 %r12, %r11, 8, 31, -1;
            add.s32 %r13, %r11, %r12;
            shfl.sync.bfly.b32 %r14, %r13, 4, 31, -1;
            add.s32 %r15, %r13, %r14;
            shfl.sync.bfly.b32 %r16, %r15, 2, 31, -1;
            add.s32 %r17, %r15, %r16;
            shfl.sync.bfly.b32 %r18, %r17, 1, 31, -1;
            add.s32 %r19, %r17, %r18;
            ret;
        }
        """;

    [Fact]
    public void Warp_collectives_butterflies_and_warp_indices_are_warp_uniform()
    {
        var fn = Fn(Ptx);
        var u = fn.Analyses.Uniformity;
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "vote.sync.any")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "vote.sync.ballot")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "match.all")));
        Assert.Equal(Uniformity.Varying, u.OfDef(I(fn, "match.any")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "activemask")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "shr.u32 %r6")));
        Assert.Equal(Uniformity.Varying, u.OfDef(I(fn, "shr.u32 %r7")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "and.b32 %r8")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "div.u32 %r9")));
        // partial butterflies differ per lane; the last step of the full one is the warp's sum in every lane
        Assert.Equal(Uniformity.Varying, u.OfDef(I(fn, "add.s32 %r17")));
        Assert.Equal(Uniformity.WarpUniform, u.OfDef(I(fn, "add.s32 %r19")));
    }
}
