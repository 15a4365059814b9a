using PtxLint.Rules;
using PtxLint.Syntax;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public sealed class PTX009Tests
{
    private static readonly PTX009FloatAtomicOrder Rule = new();

    private static string Kernel(string body) => $$"""
        .visible .entry sum(.param .u64 sum_out, .param .u64 sum_in)
        {
            .reg .b16 %h<8>;
            .reg .b32 %r<20>;
            .reg .b64 %rd<20>;
            .reg .f32 %f<20>;
            .reg .f64 %fd<8>;
            .reg .pred %p<4>;
            .shared .align 8 .b8 s_acc[64];
            ld.param.u64 %rd1, [sum_out];
            cvta.to.global.u64 %rd2, %rd1;
            mov.u32 %r1, s_acc;
        {{body}}
            ret;
        }
        """;

    [Fact]
    public void EveryFloatType()
    {
        var findings = RuleTest.Verify(Rule, Kernel("""
                [|atom.global.add.f32 %f1, [%rd2], %f2;|]
                [|red.global.add.f32 [%rd2], %f2;|]
                [|atom.global.add.f64 %fd1, [%rd2], %fd2;|]
                [|red.global.add.f64 [%rd2+8], %fd2;|]
                [|atom.global.add.noftz.f16 %h1, [%rd2], %h2;|]
                [|atom.global.add.noftz.bf16 %h1, [%rd2], %h2;|]
                [|atom.global.add.noftz.f16x2 %r2, [%rd2], %r3;|]
                [|red.global.add.noftz.bf16x2 [%rd2], %r3;|]
                [|atom.add.f32 %f1, [%rd1], %f2;|]
                [|red.relaxed.gpu.global.add.f32 [%rd2], %f2;|]
            """));
        Assert.Equal(10, findings.Count);
        foreach (var t in new[] { "f32", "f64", "f16", "bf16", "f16x2", "bf16x2" })
            Assert.Contains(findings, f => f.Message.Contains($"adds {t} values"));
        Assert.All(findings, f => Assert.Contains("values to `sum_out` in no fixed order", f.Message));
        Assert.All(findings, f => Assert.Contains("`sum_out` is in global memory.", f.Notes));
        Assert.All(findings, f => Assert.Contains("not bit-reproducible", f.Message));
        Assert.All(findings, f => Assert.Contains("per-block partials", f.Help));
        // Every atomic into sum_out is one cause: the engine merges the ten into one finding.
        var grouped = Assert.Single(RuleTest.Analyze(Rule, RuleTest.StripMarkup(RuleTest.Header + Kernel("""
                atom.global.add.f32 %f1, [%rd2], %f2;
                red.global.add.f32 [%rd2], %f2;
                red.global.add.f64 [%rd2+8], %fd2;
            """)).Text));
        Assert.Equal(3, grouped.Occurrences);
        Assert.EndsWith("(and 2 more float atomics there)", grouped.Message);
    }

    [Fact]
    public void SharedAtomicsSaySharedAndNameTheVariable()
    {
        var findings = RuleTest.Verify(Rule, Kernel("""
                [|atom.shared.add.f32 %f1, [%r1], %f2;|]
                [|red.shared::cta.add.f32 [s_acc+4], %f2;|]
                [|red.shared::cluster.add.f32 [%r1], %f2;|]
            """));
        Assert.Contains("values to `s_acc`", findings[0].Message);
        Assert.Contains("`s_acc` is in shared memory.", findings[0].Notes);
        Assert.Contains("values to `s_acc`", findings[1].Message);
        Assert.Contains("`s_acc` is in cluster shared memory.", findings[2].Notes);
    }

    [Fact]
    public void BulkAsyncAndMultimemReductions()
    {
        RuleTest.Verify(Rule, Kernel("""
                [|cp.reduce.async.bulk.global.shared::cta.bulk_group.add.f32 [%rd2], [%r1], 64;|]
                [|cp.reduce.async.bulk.global.shared::cta.bulk_group.add.noftz.bf16 [%rd2], [%r1], 64;|]
                [|multimem.red.relaxed.sys.global.add.f32 [%rd2], %f1;|]
                cp.reduce.async.bulk.global.shared::cta.bulk_group.add.u32 [%rd2], [%r1], 64;
                cp.reduce.async.bulk.global.shared::cta.bulk_group.min.f32 [%rd2], [%r1], 64;
            """));
    }

    [Fact]
    public void IntegerAtomicsAndOtherFloatOpsAreClean()
    {
        RuleTest.VerifyClean(Rule, Kernel("""
                atom.global.add.u32 %r2, [%rd2], 1;
                red.global.add.u64 [%rd2], %rd3;
                atom.shared.add.s32 %r2, [%r1], 1;
                atom.global.exch.b32 %r2, [%rd2], %r3;
                atom.global.max.f32 %f1, [%rd2], %f2;
                atom.global.cas.b32 %r2, [%rd2], %r3, %r4;
                red.global.min.f64 [%rd2], %fd1;
                add.f32 %f3, %f1, %f2;
                st.global.f32 [%rd2], %f3;
            """));
    }

    [Fact]
    public void GenericAtomicOnSharedVariable()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel("""
                cvta.shared.u64 %rd5, s_acc;
                [|atom.add.f32 %f1, [%rd5], %f2;|]
            """)));
        Assert.Contains("`s_acc` is in shared memory.", f.Notes);
        Assert.DoesNotContain(f.Notes, n => n.Contains("global"));
    }

    [Fact]
    public void BadSampleFiresFixedSampleIsSilent()
    {
        var bad = Directory.GetFiles(Repo.Samples, "PTX009-*.bad.ptx").Single();
        var fixedFile = Directory.GetFiles(Repo.Samples, "PTX009-*.fixed.ptx").Single();
        var f = Assert.Single(RuleTest.Run(Rule, PtxParserDriver.Parse(bad, File.ReadAllText(bad))));
        Assert.Contains("atom.global.add.f32", f.Message);
        Assert.Contains("sum_atomic_param_1", f.Message);
        Assert.Empty(RuleTest.Run(Rule, PtxParserDriver.Parse(fixedFile, File.ReadAllText(fixedFile))));
    }

    [Fact]
    public void Descriptor()
    {
        Assert.Equal("PTX009", PTX009FloatAtomicOrder.Rule.Id);
        Assert.Equal("float-atomic-order", PTX009FloatAtomicOrder.Rule.Name);
        Assert.Equal(PtxLint.Diagnostics.Level.Note, PTX009FloatAtomicOrder.Rule.DefaultLevel);
        Assert.StartsWith("# PTX009", PTX009FloatAtomicOrder.Rule.HelpMarkdown);
    }
}
