using PtxLint.Rules;
using PtxLint.Syntax;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public sealed class PTX010Tests
{
    private static readonly PTX010ContractibleMulAdd Rule = new();

    private static string Kernel(string body) => $$"""
        .visible .entry k(.param .u64 k_p0)
        {
            .reg .b64 %rd<8>;
            .reg .f32 %f<20>;
            .reg .f64 %fd<20>;
            .reg .pred %p<4>;
            ld.param.u64 %rd1, [k_p0];
        {{body}}
            ret;
        }
        """;

    [Fact]
    public void UnroundedMulFeedingAddOrSub()
    {
        var findings = RuleTest.Verify(Rule, Kernel("""
                [|mul.f32 %f1, %f2, %f3;|]
                add.f32 %f5, %f1, %f4;
                [|mul.ftz.f32 %f6, %f2, %f3;|]
                sub.ftz.f32 %f7, %f4, %f6;
                [|mul.f64 %fd1, %fd2, %fd3;|]
                add.f64 %fd4, %fd1, %fd5;
                st.global.f32 [%rd1], %f5;
            """));
        var first = findings.OrderBy(f => f.Location.Span.StartLine).First();
        Assert.Equal("`mul.f32 %f1` feeds `add.f32 %f5, %f1, %f4;` unrounded: ptxas may fuse the pair into `fma.f32`", first.Message);
        Assert.Contains("`mul.rn.f32` (`__fmul_rn`)", first.Help);
        var related = Assert.Single(first.Related);
        Assert.Equal(first.Location.Span.StartLine + 1, related.Location.Span.StartLine);
    }

    [Fact]
    public void ThroughBranchesAllAddsAreRelated()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel("""
                setp.gt.f32 %p1, %f9, 0f00000000;
                [|mul.f32 %f1, %f2, %f3;|]
                @%p1 bra $L_else;
                add.f32 %f5, %f1, %f4;
                bra.uni $L_end;
            $L_else:
                sub.f32 %f5, %f4, %f1;
            $L_end:
                st.global.f32 [%rd1], %f5;
            """)));
        Assert.Equal(2, f.Related.Count);
    }

    [Fact]
    public void RoundedOrOtherUsesAreClean()
    {
        RuleTest.VerifyClean(Rule, Kernel("""
                mul.rn.f32 %f1, %f2, %f3;
                add.f32 %f5, %f1, %f4;
                mul.rz.f64 %fd1, %fd2, %fd3;
                add.f64 %fd4, %fd1, %fd5;
                mul.f32 %f6, %f2, %f3;
                add.rn.f32 %f7, %f6, %f4;
                mul.f32 %f8, %f2, %f3;
                st.global.f32 [%rd1], %f8;
                mul.f32 %f9, %f2, %f3;
                mul.f32 %f10, %f9, %f4;
                st.global.f32 [%rd1], %f10;
                mul.f32 %f11, %f2, 0f40000000;
                add.f32 %f12, %f11, %f4;
                mul.f64 %fd6, %fd2, 0d3FE0000000000000;
                sub.f64 %fd7, %fd6, %fd5;
                fma.rn.f32 %f13, %f2, %f3, %f4;
                add.f32 %f14, %f13, %f4;
                mul.f32 %f15, %f2, %f3;
                mov.f32 %f16, %f15;
                add.f32 %f17, %f16, %f4;
                st.global.f32 [%rd1], %f17;
            """));
    }

    [Fact]
    public void ExactProducts()
    {
        Assert.True(PTX010ContractibleMulAdd.IsPowerOfTwo(new PtxLint.Ir.FloatImmediateOperand(0.5, "0f3F000000")));
        Assert.True(PTX010ContractibleMulAdd.IsPowerOfTwo(new PtxLint.Ir.FloatImmediateOperand(-131072, "0dC100000000000000")));
        Assert.True(PTX010ContractibleMulAdd.IsPowerOfTwo(new PtxLint.Ir.FloatImmediateOperand(0, "0f00000000")));
        Assert.False(PTX010ContractibleMulAdd.IsPowerOfTwo(new PtxLint.Ir.FloatImmediateOperand(3, "0f40400000")));
        Assert.False(PTX010ContractibleMulAdd.IsPowerOfTwo(new PtxLint.Ir.FloatImmediateOperand(0.1, "0f3DCCCCCD")));
    }

    [Fact]
    public void BadSampleFiresFixedSampleIsSilent()
    {
        var bad = Directory.GetFiles(Repo.Samples, "PTX010-*.bad.ptx").Single();
        var fixedFile = Directory.GetFiles(Repo.Samples, "PTX010-*.fixed.ptx").Single();
        var f = Assert.Single(RuleTest.Run(Rule, PtxParserDriver.Parse(bad, File.ReadAllText(bad))));
        Assert.Equal("scale_residual", f.FunctionName);
        Assert.Single(f.Related);
        Assert.Empty(RuleTest.Run(Rule, PtxParserDriver.Parse(fixedFile, File.ReadAllText(fixedFile))));
    }

    [Fact]
    public void OffByDefault()
    {
        Assert.False(PTX010ContractibleMulAdd.Rule.EnabledByDefault);
        Assert.Equal("contractible-mul-add", PTX010ContractibleMulAdd.Rule.Name);
        Assert.Equal(PtxLint.Diagnostics.Level.Note, PTX010ContractibleMulAdd.Rule.DefaultLevel);
        Assert.StartsWith("# PTX010", PTX010ContractibleMulAdd.Rule.HelpMarkdown);
    }
}
