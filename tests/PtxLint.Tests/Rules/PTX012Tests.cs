using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public sealed class PTX012Tests
{
    private static readonly PTX012SharedIndexedByBlock Rule = new();

    private static string Kernel(string body) => $$"""
        .visible .entry k(.param .u64 k_p0)
        {
            .reg .b32 %r<20>;
            .reg .f32 %f<8>;
            .reg .pred %p<4>;
            .reg .b64 %rd<8>;
            .shared .align 4 .b8 s_amax[256];
            mov.u32 %r1, %tid.x;
            mov.u32 %r2, %ctaid.x;
            mov.u32 %r3, s_amax;
        {{body}}
            ret;
        }
        """;

    [Fact]
    public void The_cross_cta_amax_is_reported_at_the_block_indexed_write()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel("""
                shl.b32 %r4, %r2, 2;
                add.s32 %r5, %r3, %r4;
                [|st.shared.f32 [%r5], %f1;|]
                bar.sync 0;
                mov.u32 %r6, %nctaid.x;
                mov.u32 %r7, 0;
            L:
                shl.b32 %r8, %r7, 2;
                add.s32 %r9, %r3, %r8;
                ld.shared.f32 %f2, [%r9];
                max.f32 %f3, %f3, %f2;
                add.s32 %r7, %r7, 1;
                setp.lt.u32 %p1, %r7, %r6;
                @%p1 bra L;
            """)));
        Assert.True(f.Message.Length <= 120, f.Message);
        Assert.Contains("picked by %ctaid.x", f.Message);
        Assert.Contains(f.Notes, n => n.Contains("loop bounded by the grid size"));
        Assert.Contains("global buffer", f.Help);
        var data = Assert.IsType<SharedIndexedByBlockData>(f.Data);
        Assert.Equal("s_amax", data.Symbol);
        Assert.Single(data.ReadLines);
    }

    [Fact]
    public void A_table_every_cta_fills_itself_may_be_read_at_the_block_index() => RuleTest.VerifyClean(Rule, Kernel("""
            shl.b32 %r4, %r1, 2;
            add.s32 %r5, %r3, %r4;
            st.shared.f32 [%r5], %f1;
            bar.sync 0;
            shl.b32 %r6, %r2, 2;
            add.s32 %r7, %r3, %r6;
            ld.shared.f32 %f2, [%r7];
        """));

    [Fact]
    public void A_per_cta_partial_written_to_global_memory_is_clean() => RuleTest.VerifyClean(Rule, Kernel("""
            ld.param.u64 %rd1, [k_p0];
            cvta.to.global.u64 %rd2, %rd1;
            mul.wide.u32 %rd3, %r2, 4;
            add.s64 %rd4, %rd2, %rd3;
            st.global.f32 [%rd4], %f1;
        """));

    [Fact]
    public void The_global_index_used_as_a_shared_index()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel("""
                mov.u32 %r4, %ntid.x;
                mad.lo.s32 %r5, %r2, 256, %r1;
                shl.b32 %r6, %r5, 2;
                add.s32 %r7, %r3, %r6;
                [|st.shared.f32 [%r7], %f1;|]
            """)));
        Assert.Contains("past its 256 bytes", f.Message);
    }

    [Fact]
    public void Distributed_shared_memory_is_exempt() => RuleTest.VerifyClean(Rule, Kernel("""
            mapa.shared::cluster.u32 %r4, %r3, %r2;
            st.shared::cluster.f32 [%r4], %f1;
        """));
}
