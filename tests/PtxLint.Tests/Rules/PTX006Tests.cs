using PtxLint.Rules;
using PtxLint.Syntax;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public sealed class PTX006Tests
{
    private static readonly PTX006SharedOutOfBounds Rule = new();

    private static string Kernel(string body, string decls = """
            .shared .align 16 .f32 s_amax;
                .shared .align 4 .f32 s_inv_rms;
                .shared .align 4 .b8 s_vals[4096];
            """) => $$"""
        .visible .entry k(.param .u64 k_p0)
        {
            .reg .b32 %r<20>;
            .reg .b64 %rd<20>;
            .reg .f32 %f<20>;
            .reg .pred %p<4>;
            {{decls}}
        {{body}}
            ret;
        }
        """;

    [Fact]
    public void VectorStoreIntoScalar()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel("""
                [|st.shared.v4.f32 [s_amax], {%f1, %f2, %f3, %f4};|]
                ld.shared.f32 %f5, [s_amax];
            """)));
        Assert.Equal("`st.shared.v4.f32` writes bytes [0, 16) of `s_amax`, which has only 4 bytes", f.Message);
        Assert.Contains("`s_amax` is declared `.shared .f32` (4 bytes).", f.Notes);
        Assert.Contains(f.Notes, n => n.StartsWith("The access may overwrite `s_inv_rms`, `s_vals`", StringComparison.Ordinal));
        Assert.Equal("Declare `s_amax` with at least 16 bytes, or narrow the access.", f.Help);
        Assert.Contains(f.Related, r => r.Message.Contains("declared here with 4 bytes") && r.Location.Span.StartLine == 11);
        Assert.Contains(f.Related, r => r.Message.StartsWith("s_inv_rms is declared after s_amax"));
        var data = Assert.IsType<SharedOutOfBoundsData>(f.Data);
        Assert.Equal(16, data.Width);
        Assert.Equal(0L, data.Offset);
        Assert.Equal(4L, data.SymbolBytes);
        // The SARIF property bag keeps the keys the rule always wrote.
        var props = data.ToProperties().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(new[] { "symbol", "symbolBytes", "offset", "width" }, props.Keys);
    }

    [Fact]
    public void ScalarStoresAtConstantOffsetsAndVectorLoad()
    {
        var findings = RuleTest.Verify(Rule, Kernel("""
                st.volatile.shared.f32 [s_amax], %f1;
                [|st.volatile.shared.f32 [s_amax+4], %f1;|]
                [|st.volatile.shared.f32 [s_amax+8], %f1;|]
                [|st.volatile.shared.f32 [s_amax+12], %f1;|]
                [|ld.shared.v2.f32 {%f1, %f2}, [s_amax];|]
                mov.u32 %r9, s_inv_rms;
                sub.s32 %r10, %r9, 4;
                [|ld.shared.f32 %f3, [%r10];|]
            """));
        Assert.Contains(findings, f => f.Message.Contains("writes bytes [12, 16) of `s_amax`"));
        Assert.Contains(findings, f => f.Message.Contains("reads bytes [0, 8) of `s_amax`") && f.Notes.Any(n => n.Contains("reads bytes of `s_inv_rms`")));
        // The fix covers every overrun of the variable in the function, so the merged finding's help is right for all.
        Assert.All(findings.Where(f => f.Message.Contains("of `s_amax`")), f => Assert.Equal("Declare `s_amax` with at least 16 bytes, or narrow the access.", f.Help));
        Assert.Equal("Fix the negative offset, or narrow the access.", findings.Single(f => f.Message.Contains("`s_inv_rms`")).Help);
    }

    [Fact]
    public void RegisterChainOffsets()
    {
        var findings = RuleTest.Verify(Rule, Kernel("""
                mov.u32 %r1, s_amax;
                add.s32 %r2, %r1, 12;
                [|st.shared.f32 [%r2], %f1;|]
                add.s32 %r3, %r1, 4;
                sub.s32 %r4, %r3, 4;
                st.shared.f32 [%r4], %f1;
                mov.u64 %rd1, s_amax;
                add.s64 %rd2, %rd1, 8;
                cvta.shared.u64 %rd3, %rd2;
                [|st.f32 [%rd3], %f1;|]
                cvta.to.shared.u64 %rd4, %rd3;
                [|st.shared::cta.f32 [%rd4], %f1;|]
                mov.u32 %r5, 2;
                shl.b32 %r6, %r5, 2;
                add.s32 %r7, %r1, %r6;
                add.s32 %r11, %r7, -4;
                [|ld.shared.f32 %f2, [%r11];|]
                mov.u32 %r8, s_vals;
                [|st.shared::cluster.v4.f32 [%r8+4088], {%f1, %f2, %f3, %f4};|]
            """));
        var chain = findings[0];
        Assert.Contains("bytes [12, 16)", chain.Message);
        var flow = Assert.Single(chain.CodeFlows);
        Assert.Equal(3, flow.Steps.Count);
        Assert.Contains("access at s_amax+12", flow.Steps[^1].Message);
    }

    [Fact]
    public void BothPathsConstantWorstIsReported()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel("""
                mov.u32 %r1, %tid.x;
                setp.eq.s32 %p1, %r1, 0;
                mov.u32 %r2, s_amax;
                @%p1 add.s32 %r2, %r2, 8;
                [|st.shared.f32 [%r2], %f1;|]
            """)));
        Assert.Contains("bytes [8, 12)", f.Message);
    }

    [Fact]
    public void NonConstantIndexUnsizedExternAndInBoundsAreClean()
    {
        RuleTest.VerifyClean(Rule, Kernel("""
                st.shared.f32 [s_amax], %f1;
                ld.shared.f32 %f1, [s_inv_rms];
                st.shared.v4.f32 [s_vals+4080], {%f1, %f2, %f3, %f4};
                mov.u32 %r1, %tid.x;
                shl.b32 %r2, %r1, 2;
                mov.u32 %r3, s_amax;
                add.s32 %r4, %r3, %r2;
                st.shared.f32 [%r4], %f1;
                ld.param.u64 %rd1, [k_p0];
                cvta.to.shared.u32 %r5, %rd1;
                st.shared.v4.f32 [%r5+64], {%f1, %f2, %f3, %f4};
                mov.u32 %r6, smem;
                st.shared.v4.f32 [%r6+100000], {%f1, %f2, %f3, %f4};
                st.shared.f32 [smem+4096], %f1;
            """, """
            .shared .align 16 .f32 s_amax;
                .shared .align 4 .f32 s_inv_rms;
                .shared .align 4 .b8 s_vals[4096];
            """).Replace(".visible .entry k", ".extern .shared .align 16 .b8 smem[];\n.visible .entry k"));
    }

    [Fact]
    public void LoopCarriedPointerIsClean()
    {
        RuleTest.VerifyClean(Rule, Kernel("""
                mov.u32 %r1, s_vals;
                mov.u32 %r2, 0;
            $L_loop:
                st.shared.f32 [%r1], %f1;
                add.s32 %r1, %r1, 4;
                add.s32 %r2, %r2, 1;
                setp.lt.s32 %p1, %r2, 1024;
                @%p1 bra $L_loop;
            """));
    }

    [Fact]
    public void SinkLanesOfWidenedLoadAreNotCounted()
    {
        RuleTest.VerifyClean(Rule, Kernel("""
                ld.shared.v4.f32 {%f1, %f2, %f3, _}, [center];
            """, ".shared .align 16 .b8 center[12];"));
        RuleTest.Verify(Rule, Kernel("""
                [|ld.shared.v4.f32 {%f1, %f2, %f3, %f4}, [center];|]
            """, ".shared .align 16 .b8 center[12];"));
    }

    [Fact]
    public void AsyncCopyAndMbarrierWidths()
    {
        RuleTest.Verify(Rule, Kernel("""
                ld.param.u64 %rd1, [k_p0];
                cp.async.ca.shared.global [buf], [%rd1], 16;
                [|cp.async.ca.shared.global [buf+8], [%rd1], 16;|]
                mbarrier.init.shared::cta.b64 [bar], 32;
                [|mbarrier.init.shared::cta.b64 [bar+4], 32;|]
            """, ".shared .align 16 .b8 buf[16];\n    .shared .align 8 .b64 bar;"));
    }

    [Fact]
    public void DemangledNames()
    {
        Assert.Equal("s_amax", PTX006SharedOutOfBounds.DemangleLocal("_ZZ18rmsnorm_quant_amaxE6s_amax"));
        Assert.Null(PTX006SharedOutOfBounds.DemangleLocal("s_amax"));
    }

    [Fact]
    public void BadSampleFiresFixedSampleIsSilent()
    {
        var bad = Directory.GetFiles(Repo.Samples, "PTX006-*.bad.ptx").Single();
        var fixedFile = Directory.GetFiles(Repo.Samples, "PTX006-*.fixed.ptx").Single();
        var findings = RuleTest.Run(Rule, PtxParserDriver.Parse(bad, File.ReadAllText(bad)));
        // rmsnorm_quant_amax: the v4 store and the v4 load; absmax_rows_scalar: stores and loads at +4/+8/+12.
        Assert.Equal(8, findings.Count);
        Assert.Equal(2, findings.Count(f => f.FunctionName == "rmsnorm_quant_amax"));
        Assert.Contains(findings, f => f.Message.StartsWith("`st.shared.v4.f32`") && f.Notes.Any(n => n.Contains("`s_inv_rms`")));
        Assert.Empty(RuleTest.Run(Rule, PtxParserDriver.Parse(fixedFile, File.ReadAllText(fixedFile))));
        // One cause per kernel (its s_amax is too small): one finding each after grouping.
        var grouped = RuleTest.Analyze(Rule, File.ReadAllText(bad), bad);
        Assert.Equal(new[] { ("absmax_rows_scalar", 6), ("rmsnorm_quant_amax", 2) },
            grouped.Select(f => (f.FunctionName!, f.Occurrences)).OrderBy(x => x.Item1).ToArray());
        Assert.Contains(grouped, f => f.Message.EndsWith("(and 5 more accesses past its end)", StringComparison.Ordinal));
    }

    [Fact]
    public void Descriptor()
    {
        Assert.Equal("PTX006", PTX006SharedOutOfBounds.Rule.Id);
        Assert.Equal("shared-out-of-bounds", PTX006SharedOutOfBounds.Rule.Name);
        Assert.Equal(PtxLint.Diagnostics.Level.Error, PTX006SharedOutOfBounds.Rule.DefaultLevel);
        Assert.StartsWith("# PTX006", PTX006SharedOutOfBounds.Rule.HelpMarkdown);
    }
}
