using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public class PTX002Tests
{
    private static readonly PTX002BatchedKernelIgnoresCtaidY Rule = new();

    // out[c] = in[c] + bias[c] with c = blockIdx.x * blockDim.x + threadIdx.x: no row selection.
    private const string NoRow = """
        .visible .entry [|add_bias_batched|](.param .u64 out, .param .u64 in, .param .u32 cols)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<6>;
            .reg .f32 %f<2>;
            .reg .b64 %rd<8>;
            ld.param.u64 %rd1, [out];
            ld.param.u64 %rd2, [in];
            ld.param.u32 %r2, [cols];
            mov.u32 %r3, %ctaid.x;
            mov.u32 %r4, %ntid.x;
            mov.u32 %r5, %tid.x;
            mad.lo.s32 %r1, %r3, %r4, %r5;
            setp.ge.s32 %p1, %r1, %r2;
            @%p1 bra DONE;
            mul.wide.s32 %rd3, %r1, 4;
            add.s64 %rd4, %rd2, %rd3;
            ld.global.f32 %f1, [%rd4];
            add.s64 %rd5, %rd1, %rd3;
            st.global.f32 [%rd5], %f1;
        DONE:
            ret;
        }
        """;

    [Fact]
    public void NameMatchesAndNeverReadsCtaidY()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, NoRow));
        Assert.Contains("never reads `%ctaid.y`", f.Message);
        Assert.Contains("blockIdx.y * row_stride", f.Help);
        var rel = Assert.Single(f.Related);
        Assert.Equal(24, rel.Location.Span.StartLine);
        Assert.Contains("`st.global.f32 [%rd5], %f1`", rel.Message);
    }

    [Fact]
    public void CustomPatternSelectsOtherNames()
    {
        var opts = new Dictionary<string, string> { ["batchedKernelPattern"] = "^rows_" };
        RuleTest.VerifyClean(Rule, NoRow.Replace("[|", "").Replace("|]", ""), opts);
        RuleTest.Verify(Rule, NoRow.Replace("add_bias_batched", "rows_add"), opts);
    }

    [Fact]
    public void ReadsNctaidYButNotCtaidY()
    {
        RuleTest.Verify(Rule, """
            .visible .entry [|scale|](.param .u64 out)
            {
                .reg .b32 %r<4>;
                .reg .b64 %rd<4>;
                ld.param.u64 %rd1, [out];
                mov.u32 %r1, %nctaid.y;
                mov.u32 %r2, %ntid.x;
                mov.u32 %r3, %tid.x;
                mad.lo.s32 %r3, %r1, %r2, %r3;
                mul.wide.u32 %rd2, %r3, 4;
                add.s64 %rd3, %rd1, %rd2;
                st.global.u32 [%rd3], %r1;
                ret;
            }
            """);
    }

    [Fact]
    public void StoreIgnoresCtaidYReadElsewhere()
    {
        // the row is used for the input only; the output store forgets it
        var f = Assert.Single(RuleTest.Verify(Rule, """
            .visible .entry copy_batched(.param .u64 out, .param .u64 in, .param .u32 cols)
            {
                .reg .b32 %r<6>;
                .reg .f32 %f<2>;
                .reg .b64 %rd<8>;
                ld.param.u64 %rd1, [out];
                ld.param.u64 %rd2, [in];
                ld.param.u32 %r2, [cols];
                mov.u32 %r3, %ctaid.y;
                mov.u32 %r5, %tid.x;
                mad.lo.s32 %r4, %r3, %r2, %r5;
                mul.wide.s32 %rd3, %r4, 4;
                add.s64 %rd4, %rd2, %rd3;
                ld.global.f32 %f1, [%rd4];
                mul.wide.s32 %rd5, %r5, 4;
                add.s64 %rd6, %rd1, %rd5;
                [|st.global.f32 [%rd6], %f1;|]
                ret;
            }
            """));
        Assert.Contains("which this batched kernel reads elsewhere", f.Message);
        Assert.Contains("%ctaid.y * row_stride", f.Help);
        Assert.Single(f.Related);
    }

    // ---- good

    [Fact]
    public void RowFromCtaidY() => RuleTest.VerifyClean(Rule, """
        .visible .entry add_bias_batched(.param .u64 out, .param .u32 cols)
        {
            .reg .b32 %r<6>;
            .reg .b64 %rd<6>;
            ld.param.u64 %rd1, [out];
            ld.param.u32 %r2, [cols];
            mov.u32 %r3, %ctaid.y;
            mov.u32 %r5, %tid.x;
            mad.lo.s32 %r4, %r3, %r2, %r5;
            mul.wide.s32 %rd3, %r4, 4;
            add.s64 %rd4, %rd1, %rd3;
            st.global.u32 [%rd4], %r4;
            ret;
        }
        """);

    [Fact]
    public void RowPointerLoadedByCtaidY() => RuleTest.VerifyClean(Rule, """
        .visible .entry gemm_batched(.param .u64 ptrs)
        {
            .reg .b32 %r<3>;
            .reg .b64 %rd<8>;
            ld.param.u64 %rd1, [ptrs];
            mov.u32 %r1, %ctaid.y;
            mul.wide.u32 %rd2, %r1, 8;
            add.s64 %rd3, %rd1, %rd2;
            ld.global.u64 %rd4, [%rd3];
            mov.u32 %r2, %tid.x;
            mul.wide.u32 %rd5, %r2, 4;
            add.s64 %rd6, %rd4, %rd5;
            st.global.u32 [%rd6], %r2;
            ret;
        }
        """);

    [Fact]
    public void LoopOverRowsIn1DKernel() => RuleTest.VerifyClean(Rule, """
        .visible .entry add_bias_batched(.param .u64 out, .param .u32 rows, .param .u32 cols)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<8>;
            .reg .b64 %rd<4>;
            ld.param.u64 %rd1, [out];
            ld.param.u32 %r1, [rows];
            ld.param.u32 %r2, [cols];
            mov.u32 %r3, %ctaid.x;
            mov.u32 %r4, %ntid.x;
            mov.u32 %r5, %tid.x;
            mad.lo.s32 %r6, %r3, %r4, %r5;
            mov.u32 %r7, 0;
        LOOP:
            mad.lo.s32 %r6, %r7, %r2, %r6;
            mul.wide.s32 %rd2, %r6, 4;
            add.s64 %rd3, %rd1, %rd2;
            st.global.u32 [%rd3], %r7;
            add.s32 %r7, %r7, 1;
            setp.lt.s32 %p1, %r7, %r1;
            @%p1 bra LOOP;
            ret;
        }
        """);

    [Fact]
    public void OneBlockPerRowWithCtaidX() => RuleTest.VerifyClean(Rule, """
        .visible .entry softmax_per_batch(.param .u64 out, .param .u32 cols)
        {
            .reg .b32 %r<5>;
            .reg .b64 %rd<4>;
            ld.param.u64 %rd1, [out];
            ld.param.u32 %r2, [cols];
            mov.u32 %r1, %ctaid.x;
            mov.u32 %r3, %tid.x;
            mad.lo.s32 %r4, %r1, %r2, %r3;
            mul.wide.s32 %rd2, %r4, 4;
            add.s64 %rd3, %rd1, %rd2;
            st.global.u32 [%rd3], %r4;
            ret;
        }
        """);

    [Fact]
    public void FlatIndexDividedIntoRows() => RuleTest.VerifyClean(Rule, """
        .visible .entry scale_batched(.param .u64 out, .param .u64 scales, .param .u32 cols)
        {
            .reg .b32 %r<7>;
            .reg .f32 %f<2>;
            .reg .b64 %rd<6>;
            ld.param.u64 %rd1, [out];
            ld.param.u32 %r2, [cols];
            mov.u32 %r3, %ctaid.x;
            mov.u32 %r4, %ntid.x;
            mov.u32 %r5, %tid.x;
            mad.lo.s32 %r1, %r3, %r4, %r5;
            div.s32 %r6, %r1, %r2;
            mul.wide.s32 %rd2, %r6, 4;
            add.s64 %rd3, %rd1, %rd2;
            st.global.u32 [%rd3], %r1;
            ret;
        }
        """);

    [Fact]
    public void BatchInCtaidZ() => RuleTest.VerifyClean(Rule, """
        .visible .entry gemm_batched(.param .u64 out, .param .u32 stride)
        {
            .reg .b32 %r<5>;
            .reg .b64 %rd<4>;
            ld.param.u64 %rd1, [out];
            ld.param.u32 %r2, [stride];
            mov.u32 %r1, %ctaid.z;
            mov.u32 %r3, %tid.x;
            mad.lo.s32 %r4, %r1, %r2, %r3;
            mul.wide.s32 %rd2, %r4, 4;
            add.s64 %rd3, %rd1, %rd2;
            st.global.u32 [%rd3], %r4;
            ret;
        }
        """);

    [Fact]
    public void SplitKCounterAndLastBlockStore() => RuleTest.VerifyClean(Rule, """
        .visible .entry splitk_reduce(.param .u64 out, .param .u64 counters, .param .u64 ws)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<8>;
            .reg .b64 %rd<10>;
            ld.param.u64 %rd1, [out];
            ld.param.u64 %rd2, [counters];
            ld.param.u64 %rd7, [ws];
            mov.u32 %r1, %ctaid.x;
            mov.u32 %r2, %ctaid.y;
            mov.u32 %r3, %nctaid.y;
            mov.u32 %r6, %tid.x;
            mad.lo.s32 %r7, %r2, 1024, %r6;
            mul.wide.u32 %rd8, %r7, 4;
            add.s64 %rd9, %rd7, %rd8;
            st.global.u32 [%rd9], %r6;
            mul.wide.u32 %rd3, %r1, 4;
            add.s64 %rd4, %rd2, %rd3;
            atom.global.add.u32 %r4, [%rd4], 1;
            add.s32 %r5, %r4, 1;
            setp.ne.s32 %p1, %r5, %r3;
            @%p1 bra DONE;
            add.s64 %rd5, %rd1, %rd3;
            st.global.u32 [%rd5], %r5;
        DONE:
            ret;
        }
        """);

    [Fact]
    public void StoreSelectedByBranchOnCtaidY() => RuleTest.VerifyClean(Rule, """
        .visible .entry norm_batched(.param .u64 out, .param .u64 flag)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<4>;
            .reg .b64 %rd<6>;
            ld.param.u64 %rd1, [out];
            ld.param.u64 %rd2, [flag];
            mov.u32 %r1, %ctaid.y;
            mov.u32 %r2, %tid.x;
            mad.lo.s32 %r3, %r1, 256, %r2;
            mul.wide.u32 %rd3, %r3, 4;
            add.s64 %rd4, %rd1, %rd3;
            st.global.u32 [%rd4], %r3;
            setp.ne.u32 %p1, %r1, 0;
            @%p1 bra DONE;
            st.global.u32 [%rd2], %r2;
        DONE:
            ret;
        }
        """);

    [Fact]
    public void One_block_per_row_without_any_ctaid_and_a_column_loop_is_reported()
    {
        // for (i = threadIdx.x; i < n; i += blockDim.x) out[i] = in[i] * s;   launched with gridDim.y = rows
        var f = Assert.Single(RuleTest.Verify(Rule, """
            .visible .entry [|scale_batched|](.param .u64 out, .param .u64 in, .param .u32 n)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<6>;
                .reg .f32 %f<3>;
                .reg .b64 %rd<8>;
                ld.param.u64 %rd1, [out];
                ld.param.u64 %rd2, [in];
                ld.param.u32 %r1, [n];
                mov.u32 %r2, %tid.x;
                mov.u32 %r3, %ntid.x;
                setp.ge.s32 %p1, %r2, %r1;
                @%p1 bra DONE;
            LOOP:
                mul.wide.s32 %rd3, %r2, 4;
                add.s64 %rd4, %rd2, %rd3;
                ld.global.f32 %f1, [%rd4];
                add.s64 %rd5, %rd1, %rd3;
                st.global.f32 [%rd5], %f1;
                add.s32 %r2, %r2, %r3;
                setp.lt.s32 %p2, %r2, %r1;
                @%p2 bra LOOP;
            DONE:
                ret;
            }
            """));
        Assert.Contains("never reads `%ctaid.y`", f.Message);
    }

    [Fact]
    public void Grid_stride_loop_over_a_flat_batch_is_quiet() => RuleTest.VerifyClean(Rule, """
        .visible .entry make_batch_pointers(.param .u64 ptrs, .param .u64 base, .param .u64 batch)
        {
            .reg .pred %p<3>;
            .reg .b32 %r<8>;
            .reg .b64 %rd<12>;
            ld.param.u64 %rd1, [ptrs];
            ld.param.u64 %rd2, [base];
            ld.param.u64 %rd3, [batch];
            mov.u32 %r1, %ctaid.x;
            mov.u32 %r2, %ntid.x;
            mov.u32 %r3, %tid.x;
            mad.lo.s32 %r4, %r1, %r2, %r3;
            cvt.u64.u32 %rd4, %r4;
            mov.u32 %r5, %nctaid.x;
            mul.lo.s32 %r6, %r2, %r5;
            cvt.u64.u32 %rd5, %r6;
            setp.ge.u64 %p1, %rd4, %rd3;
            @%p1 bra DONE;
        LOOP:
            shl.b64 %rd6, %rd4, 3;
            add.s64 %rd7, %rd1, %rd6;
            add.s64 %rd8, %rd2, %rd6;
            st.global.u64 [%rd7], %rd8;
            add.s64 %rd4, %rd4, %rd5;
            setp.lt.u64 %p2, %rd4, %rd3;
            @%p2 bra LOOP;
        DONE:
            ret;
        }
        """);

    [Fact]
    public void NotBatched() => RuleTest.VerifyClean(Rule, NoRow.Replace("[|", "").Replace("|]", "").Replace("add_bias_batched", "add_bias"));

    [Theory]
    [InlineData("_ZN6cu_ctc21topk_per_batch_kernelILi128EEEvPf", "cu_ctc::topk_per_batch_kernel")]
    [InlineData("_Z16add_bias_batchedPfPKfi", "add_bias_batched")]
    [InlineData("_ZN7cutlass6KernelINS_4gemm6kernel9GemmArrayINS1_37GemmBatchedIdentityThreadblockSwizzleEEEEEvNT_6ParamsE", "cutlass::Kernel")]
    [InlineData("add_bias_batched", "add_bias_batched")]
    public void BaseNameSkipsTemplateArguments(string mangled, string expected) =>
        Assert.Equal(expected, PTX002BatchedKernelIgnoresCtaidY.BaseName(mangled));

    // ---- samples

    [Fact]
    public void BadSampleFiresAtKernelName()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Samples, "PTX002-batched-kernel-ignores-ctaid-y.bad.ptx"));
        var f = Assert.Single(RuleTest.Run(Rule, text));
        Assert.Equal("add_bias_batched", f.FunctionName);
        Assert.Contains("st.global.f32 [%rd10], %f3", Assert.Single(f.Related).Message);
    }

    [Fact]
    public void FixedSampleIsClean() =>
        Assert.Empty(RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX002-batched-kernel-ignores-ctaid-y.fixed.ptx"))));
}
