using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public class PTX003Tests
{
    private static readonly PTX003IndirectPositionRead Rule = new();

    // cache[(*position_buf) * dim + i] = src[i], with position_buf kept as the PTX parameter name.
    private const string Scatter = """
        .visible .entry kv_scatter(.param .u64 cache, .param .u64 position_buf, .param .u32 dim)
        {
            .reg .b32 %r<7>;
            .reg .b64 %rd<8>;
            ld.param.u64 %rd1, [cache];
            ld.param.u64 %rd2, [position_buf];
            ld.param.u32 %r2, [dim];
            cvta.to.global.u64 %rd3, %rd2;
            [|ld.global.u32 %r3, [%rd3];|]
            mov.u32 %r4, %tid.x;
            mad.lo.s32 %r5, %r3, %r2, %r4;
            mul.wide.s32 %rd4, %r5, 4;
            add.s64 %rd5, %rd1, %rd4;
            st.global.u32 [%rd5], %r4;
            ret;
        }
        """;

    [Fact]
    public void An_in_place_swap_by_a_pivot_is_not_a_scatter() => RuleTest.VerifyClean(Rule, """
        .visible .entry swap_rows(.param .u64 a, .param .u64 piv, .param .u32 lda)
        {
            .reg .b32 %r<6>;
            .reg .f32 %f<3>;
            .reg .b64 %rd<10>;
            ld.param.u64 %rd1, [a];
            ld.param.u64 %rd2, [piv];
            ld.param.u32 %r1, [lda];
            cvta.to.global.u64 %rd3, %rd1;
            cvta.to.global.u64 %rd4, %rd2;
            ld.global.u64 %rd5, [%rd4];
            mov.u32 %r2, %tid.x;
            cvt.s64.s32 %rd6, %r1;
            mul.lo.s64 %rd7, %rd5, %rd6;
            cvt.u64.u32 %rd8, %r2;
            add.s64 %rd7, %rd7, %rd8;
            shl.b64 %rd7, %rd7, 2;
            add.s64 %rd9, %rd3, %rd7;
            ld.global.f32 %f1, [%rd9];
            st.global.f32 [%rd9], %f2;
            ret;
        }
        """);

    [Fact]
    public void A_by_value_twin_in_the_module_is_named()
    {
        var text = Scatter.Replace("kv_scatter(", "kv_scatter_graph(") + """
            .visible .entry kv_scatter(.param .u64 cache, .param .u32 pos, .param .u32 dim)
            {
                ret;
            }
            """;
        var f = Assert.Single(RuleTest.Verify(Rule, text));
        Assert.Equal("kv_scatter", f.Properties["byValueTwin"]);
        Assert.Contains(f.Related, r => r.Message.Contains("by-value twin kernel `kv_scatter`"));
    }

    [Fact]
    public void NamedPositionBuffer()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, Scatter));
        Assert.Contains("pointer parameter `position_buf`", f.Message);
        Assert.Contains("pointer parameter `position_buf` (#1)", RuleTest.Text(f));
        Assert.Contains("`st.global.u32 [%rd5], %r4` (line 18)", RuleTest.Text(f));
        Assert.Contains("CUDA-graph replay", RuleTest.Text(f));
        var rel = Assert.Single(f.Related);
        Assert.Equal(18, rel.Location.Span.StartLine);
        var flow = Assert.Single(f.CodeFlows);
        var lines = flow.Steps.Select(s => s.Location.Span.StartLine).ToArray();
        Assert.Equal(new[] { 10, 12, 13, 15, 16, 17, 18 }, lines);
        Assert.Contains("load of the buffer pointer", flow.Steps[0].Message);
        Assert.Contains("indirect load", flow.Steps[2].Message);
        Assert.Contains("scatter store", flow.Steps[^1].Message);
        Assert.Equal(false, f.Properties["nullTestOverride"]);
    }

    [Fact]
    public void MangledParameterNameIsReferredToByIndex()
    {
        var ptx = Scatter.Replace("position_buf", "kv_scatter_param_1").Replace("cache", "kv_scatter_param_0").Replace("[dim]", "[kv_scatter_param_2]").Replace(".u32 dim", ".u32 kv_scatter_param_2");
        var f = Assert.Single(RuleTest.Verify(Rule, ptx));
        Assert.Contains("pointer parameter #1 (`kv_scatter_param_1`; the CUDA name is not kept in the PTX)", RuleTest.Text(f));
    }

    [Fact]
    public void NullTestOverridesByValuePosition()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, """
            .visible .entry kv_scatter(.param .u64 kv_scatter_param_0, .param .u32 kv_scatter_param_1, .param .u64 kv_scatter_param_2)
            {
                .reg .pred %p<2>;
                .reg .b32 %r<6>;
                .reg .b64 %rd<8>;
                ld.param.u64 %rd1, [kv_scatter_param_0];
                ld.param.u32 %r1, [kv_scatter_param_1];
                ld.param.u64 %rd2, [kv_scatter_param_2];
                setp.eq.s64 %p1, %rd2, 0;
                @%p1 bra USE;
                cvta.to.global.u64 %rd3, %rd2;
                [|ld.global.u32 %r1, [%rd3];|]
            USE:
                mov.u32 %r4, %tid.x;
                mad.lo.s32 %r5, %r1, 128, %r4;
                mul.wide.s32 %rd4, %r5, 4;
                add.s64 %rd5, %rd1, %rd4;
                st.global.u32 [%rd5], %r4;
                ret;
            }
            """));
        Assert.Contains("whenever the pointer is non-null (`@%p1 bra USE`, line 14)", RuleTest.Text(f));
        Assert.Contains("by-value position parameter #1", RuleTest.Text(f));
        Assert.Equal(2, f.Related.Count);
        Assert.Contains("null test", f.Related[0].Message);
        var steps = f.CodeFlows[0].Steps;
        Assert.Contains("load of the buffer pointer", steps[0].Message);
        Assert.Contains("null test", steps[1].Message);
        Assert.Equal(true, f.Properties["nullTestOverride"]);
    }

    [Fact]
    public void CustomPattern()
    {
        var opts = new Dictionary<string, string> { ["positionBufferPattern"] = "^step_ptr$" };
        RuleTest.VerifyClean(Rule, Scatter.Replace("[|", "").Replace("|]", ""), opts);
        RuleTest.Verify(Rule, Scatter.Replace("position_buf", "step_ptr"), opts);
    }

    [Fact]
    public void AtomicScatter()
    {
        RuleTest.Verify(Rule, """
            .visible .entry hist(.param .u64 out, .param .u64 slot_idx)
            {
                .reg .b32 %r<3>;
                .reg .b64 %rd<6>;
                ld.param.u64 %rd1, [out];
                ld.param.u64 %rd2, [slot_idx];
                [|ld.global.u32 %r1, [%rd2+4];|]
                mul.wide.u32 %rd3, %r1, 4;
                add.s64 %rd4, %rd1, %rd3;
                red.global.add.u32 [%rd4], 1;
                ret;
            }
            """);
    }

    // ---- good

    [Fact]
    public void ByValuePosition() => RuleTest.VerifyClean(Rule, """
        .visible .entry kv_scatter(.param .u64 cache, .param .u32 pos, .param .u64 position_buf)
        {
            .reg .b32 %r<6>;
            .reg .b64 %rd<6>;
            ld.param.u64 %rd1, [cache];
            ld.param.u32 %r1, [pos];
            mov.u32 %r4, %tid.x;
            mad.lo.s32 %r5, %r1, 128, %r4;
            mul.wide.s32 %rd4, %r5, 4;
            add.s64 %rd5, %rd1, %rd4;
            st.global.u32 [%rd5], %r4;
            ret;
        }
        """);

    [Fact]
    public void CsrRowOffsetsIndexedByCtaid() => RuleTest.VerifyClean(Rule, """
        .visible .entry spmv(.param .u64 out, .param .u64 row_offsets)
        {
            .reg .b32 %r<5>;
            .reg .b64 %rd<8>;
            ld.param.u64 %rd1, [out];
            ld.param.u64 %rd2, [row_offsets];
            mov.u32 %r1, %ctaid.x;
            mul.wide.u32 %rd3, %r1, 4;
            add.s64 %rd4, %rd2, %rd3;
            ld.global.u32 %r2, [%rd4];
            mov.u32 %r3, %tid.x;
            add.s32 %r4, %r2, %r3;
            mul.wide.s32 %rd5, %r4, 4;
            add.s64 %rd6, %rd1, %rd5;
            st.global.u32 [%rd6], %r3;
            ret;
        }
        """);

    [Fact]
    public void CuSeqlensIndexedByBatchFromCtaidY() => RuleTest.VerifyClean(Rule, """
        .visible .entry varlen(.param .u64 out, .param .u64 cu_seqlens)
        {
            .reg .b32 %r<5>;
            .reg .b64 %rd<8>;
            ld.param.u64 %rd1, [out];
            ld.param.u64 %rd2, [cu_seqlens];
            mov.u32 %r1, %ctaid.y;
            mul.wide.u32 %rd3, %r1, 4;
            add.s64 %rd4, %rd2, %rd3;
            ld.global.u32 %r2, [%rd4];
            mov.u32 %r3, %tid.x;
            add.s32 %r4, %r2, %r3;
            mul.wide.s32 %rd5, %r4, 4;
            add.s64 %rd6, %rd1, %rd5;
            st.global.u32 [%rd6], %r3;
            ret;
        }
        """);

    [Fact]
    public void PerThreadIndexLoad() => RuleTest.VerifyClean(Rule, """
        .visible .entry gather(.param .u64 out, .param .u64 idx)
        {
            .reg .b32 %r<4>;
            .reg .b64 %rd<8>;
            ld.param.u64 %rd1, [out];
            ld.param.u64 %rd2, [idx];
            mov.u32 %r1, %tid.x;
            mul.wide.u32 %rd3, %r1, 4;
            add.s64 %rd4, %rd2, %rd3;
            ld.global.u32 %r2, [%rd4];
            mul.wide.s32 %rd5, %r2, 4;
            add.s64 %rd6, %rd1, %rd5;
            st.global.u32 [%rd6], %r1;
            ret;
        }
        """);

    [Fact]
    public void ScalarUsedAsValueOnlyOrNamedScale() => RuleTest.VerifyClean(Rule, """
        .visible .entry axpy(.param .u64 out, .param .u64 alpha_ptr, .param .u64 ld_ptr)
        {
            .reg .b32 %r<5>;
            .reg .b64 %rd<8>;
            ld.param.u64 %rd1, [out];
            ld.param.u64 %rd2, [alpha_ptr];
            ld.param.u64 %rd7, [ld_ptr];
            ld.global.u32 %r2, [%rd2];
            ld.global.u32 %r4, [%rd7];
            mov.u32 %r1, %tid.x;
            mad.lo.s32 %r3, %r1, %r4, %r1;
            mul.wide.u32 %rd3, %r3, 4;
            add.s64 %rd4, %rd1, %rd3;
            st.global.u32 [%rd4], %r2;
            ret;
        }
        """);

    [Fact]
    public void SharedSlotIsNotAPointerParameter() => RuleTest.VerifyClean(Rule, """
        .visible .entry k(.param .u64 out)
        {
            .reg .b32 %r<4>;
            .reg .b64 %rd<4>;
            .shared .align 4 .u32 s_pos;
            ld.param.u64 %rd1, [out];
            ld.shared.u32 %r1, [s_pos];
            mov.u32 %r2, %tid.x;
            add.s32 %r3, %r1, %r2;
            mul.wide.u32 %rd2, %r3, 4;
            add.s64 %rd3, %rd1, %rd2;
            st.global.u32 [%rd3], %r2;
            ret;
        }
        """);

    // ---- samples

    [Fact]
    public void BadSampleFiresWithNullTestCause()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Samples, "PTX003-indirect-position-read.bad.ptx"));
        var f = Assert.Single(RuleTest.Run(Rule, text));
        Assert.Equal("kv_scatter", f.FunctionName);
        Assert.StartsWith("`ld.global.u32 %r9, [%rd4]`", f.Message);
        Assert.Contains("pointer parameter #3", RuleTest.Text(f));
        Assert.Contains("by-value position parameter #2", RuleTest.Text(f));
        Assert.Equal(true, f.Properties["nullTestOverride"]);
        Assert.NotNull(f.SourceLocation);
    }

    [Fact]
    public void FixedSampleIsClean() =>
        Assert.Empty(RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX003-indirect-position-read.fixed.ptx"))));
}
