using PtxLint.Rules;
using PtxLint.Syntax;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public sealed class PTX001Tests
{
    private static readonly PTX001SharedAddress64Bit Rule = new();

    /// <summary>RuleTest.Verify with findings of one cause merged, as the engine reports them.</summary>
    private static List<PtxLint.Diagnostics.Finding> Verify(string ptx, IReadOnlyDictionary<string, string>? options = null) =>
        RuleTest.Verify(Rule, ptx, options, merge: true);

    private static string Kernel(string name, string body, string regs = ".reg .b32 %r<20>;\n    .reg .b64 %rd<20>;\n    .reg .f32 %f<8>;\n    .reg .pred %p<4>;") => $$"""
        .visible .entry {{name}}(.param .u64 {{name}}_p0)
        {
            {{regs}}
            .shared .align 4 .b8 {{name}}_red[1024];
        {{body}}
            ret;
        }

        """;

    [Fact]
    public void CvtaToSharedU64FeedingStoreAndLoad()
    {
        var findings = Verify(Kernel("k", """
                mov.u32 %r1, k_red;
                { .reg .b64 %tmp;
                  cvt.u64.u32 %tmp, %r1;
                  cvta.shared.u64 %rd1, %tmp; }
                cvta.to.shared.u64 %rd2, %rd1;
                [|st.shared.f32 [%rd2], %f1;|]
                ld.shared.f32 %f2, [%rd2+4];
                ld.f32 %f3, [%rd1];
            """));
        // one finding per origin: the second access through the same cvta result is a related location
        var one = Assert.Single(findings);
        Assert.Contains(one.Related, r => r.IsOccurrence && r.Message.Contains("same cause: `ld.shared.f32 %f2, [%rd2+4]`"));
        Assert.Contains("(and 1 more access)", one.Message);
        Assert.All(findings, f => Assert.Contains("`cvta.to.shared.u64`", f.Message));
        Assert.All(findings, f => Assert.Contains(f.Related, r => r.Message.Contains("`cvta.to.shared.u64 %rd2, %rd1` produces")));
        Assert.All(findings, f => Assert.Contains("cvta.to.shared.u32", RuleTest.Text(f)));
        Assert.All(findings, f => Assert.Contains(f.Related, r => r.Message.Contains("cvta.to.shared.u64")));
    }

    [Fact]
    public void SharedCtaAndClusterSpellings()
    {
        var f = Assert.Single(Verify(Kernel("k", """
                ld.param.u64 %rd1, [k_p0];
                cvta.to.shared::cta.u64 %rd2, %rd1;
                [|st.shared::cta.f32 [%rd2], %f1;|]
                cvta.to.shared::cluster.u64 %rd3, %rd1;
                ld.shared::cluster.f32 %f2, [%rd3];
            """)));
        // one cause (cvta.to.shared.u64) in one kernel: the ::cluster access is a related location
        Assert.Contains(f.Related, r => r.Message.Contains("ld.shared::cluster.f32") && r.Message.Contains("cvta.to.shared::cluster.u64"));
    }

    [Fact]
    public void VectorAtomicMbarrierLdmatrixAndCpAsync()
    {
        // Every kind of shared access counts; accesses through one cvta result are one finding.
        var f = Assert.Single(Verify(Kernel("k", """
                ld.param.u64 %rd1, [k_p0];
                cvta.to.shared.u64 %rd2, %rd1;
                [|st.shared.v4.f32 [%rd2], {%f1, %f2, %f3, %f4};|]
                atom.shared.add.u32 %r1, [%rd2], 1;
                red.shared.add.u32 [%rd2], 1;
                mbarrier.init.shared::cta.b64 [%rd2], 32;
                ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%r2, %r3, %r4, %r5}, [%rd2];
                cp.async.ca.shared.global [%rd2], [%rd1], 16;
                cp.async.ca.shared.global [%r9], [%rd1], 16;
            """)));
        foreach (var m in new[] { "atom.shared.add.u32", "red.shared.add.u32", "mbarrier.init", "ldmatrix", "cp.async.ca.shared.global [%rd2]" })
            Assert.Contains(f.Related, r => r.IsOccurrence && r.Message.Contains(m));
        Assert.DoesNotContain(f.Related, r => r.Message.Contains("[%r9]"));
        Assert.Equal(6, f.Occurrences);
    }

    [Fact]
    public void TwinKernelIsRelated()
    {
        var text = Kernel("rmsnorm_batched", """
                ld.param.u64 %rd1, [rmsnorm_batched_p0];
                cvta.to.shared.u64 %rd2, %rd1;
                [|st.shared.f32 [%rd2], %f1;|]
            """) + Kernel("rmsnorm", """
                mov.u32 %r1, rmsnorm_red;
                st.shared.f32 [%r1], %f1;
            """);
        var f = Assert.Single(Verify(text));
        var twin = Assert.Single(f.Related, r => r.Message.Contains("twin kernel rmsnorm uses 32-bit shared addresses"));
        Assert.Contains("st.shared.f32 [%r1]", twin.Message);
    }

    [Theory]
    [InlineData("RmsNormBatched", "RmsNorm")]
    [InlineData("batched_gemm", "gemm")]
    [InlineData("gemm_BATCHED", "gemm")]
    public void TwinNames(string a, string b) => Assert.Equal(PTX001SharedAddress64Bit.TwinKey(b), PTX001SharedAddress64Bit.TwinKey(a));

    [Fact]
    public void NoTwinWhenOtherKernelAlsoUses64Bit()
    {
        var text = Kernel("x_batched", """
                ld.param.u64 %rd1, [x_batched_p0];
                cvta.to.shared.u64 %rd2, %rd1;
                [|st.shared.f32 [%rd2], %f1;|]
            """) + Kernel("x", """
                ld.param.u64 %rd1, [x_p0];
                cvta.to.shared.u64 %rd2, %rd1;
                [|st.shared.f32 [%rd2], %f1;|]
            """);
        Assert.All(Verify(text), f => Assert.DoesNotContain(f.Related, r => r.Message.Contains("twin")));
    }

    [Fact]
    public void ThirtyTwoBitAddressesAreClean()
    {
        RuleTest.VerifyClean(Rule, Kernel("k", """
                mov.u32 %r1, k_red;
                mov.u32 %r2, %tid.x;
                shl.b32 %r3, %r2, 2;
                add.s32 %r4, %r1, %r3;
                st.shared.f32 [%r4], %f1;
                ld.shared.v4.f32 {%f1, %f2, %f3, %f4}, [%r4+16];
                ld.shared.f32 %f5, [k_red+8];
                ld.param.u64 %rd1, [k_p0];
                cvta.to.shared.u32 %r5, %rd1;
                st.shared::cta.f32 [%r5], %f1;
                cvta.to.shared.u64 %rd2, %rd1;
                cvt.u32.u64 %r6, %rd2;
                st.shared.f32 [%r6], %f1;
            """));
    }

    [Fact]
    public void GenericSixtyFourBitAccessIsClean()
    {
        // nvcc's generic pointer to shared: a generic ld/st with a 64-bit register is fine.
        RuleTest.VerifyClean(Rule, Kernel("k", """
                mov.u32 %r1, k_red;
                { .reg .b64 %tmp;
                  cvt.u64.u32 %tmp, %r1;
                  cvta.shared.u64 %rd1, %tmp; }
                st.f32 [%rd1], %f1;
                ld.global.f32 %f2, [%rd1];
                cvta.to.global.u64 %rd2, %rd1;
                st.global.f32 [%rd2], %f1;
            """));
    }

    [Fact]
    public void OldCompilerSymbolIdiomIsCleanByDefault()
    {
        var body = """
                mov.u64 %rd1, k_red;
                mov.u32 %r1, %tid.x;
                mul.wide.u32 %rd2, %r1, 4;
                add.s64 %rd3, %rd1, %rd2;
                st.shared.f32 [%rd3], %f1;
            """;
        RuleTest.VerifyClean(Rule, Kernel("k", body));
        var marked = body.Replace("st.shared.f32 [%rd3], %f1;", "[|st.shared.f32 [%rd3], %f1;|]");
        var f = Assert.Single(Verify(Kernel("k", marked), new Dictionary<string, string> { ["reportSymbolAddresses"] = "true" }));
        Assert.Contains("shared `k_red`", RuleTest.Text(f));
        Assert.Contains("reportSymbolAddresses", RuleTest.Text(f));
    }

    [Fact]
    public void SharedPointerParameterIsCleanByDefault()
    {
        RuleTest.VerifyClean(Rule, """
            .entry k(.param .u64 .ptr .shared .align 4 k_p0)
            {
                .reg .b64 %rd<4>;
                .reg .f32 %f<2>;
                ld.param.u64 %rd1, [k_p0];
                st.shared.f32 [%rd1], %f1;
                ret;
            }
            """);
    }

    [Fact]
    public void BadSampleFiresFixedSampleIsSilent()
    {
        var bad = Directory.GetFiles(Repo.Samples, "PTX001-*.bad.ptx").Single();
        var fixedFile = Directory.GetFiles(Repo.Samples, "PTX001-*.fixed.ptx").Single();
        var findings = RuleTest.RunMerged(Rule, File.ReadAllText(bad));
        // seven accesses through inlined cvta.to.shared.u64 helpers: one finding with the other six as related locations
        var f = Assert.Single(findings);
        Assert.Equal("rmsnorm_batched", f.FunctionName);
        Assert.Equal(7, f.Occurrences);
        Assert.Equal(6, f.Related.Count(r => r.IsOccurrence));
        Assert.Contains(f.Related, r => r.Message.Contains("twin kernel rmsnorm"));
        Assert.Empty(RuleTest.Run(Rule, PtxParserDriver.Parse(fixedFile, File.ReadAllText(fixedFile))));
    }

    // ---- issue 10: the incident's own forms

    [Fact]
    public void Widened_32_bit_shared_address_is_reported()
    {
        // inline asm "l" operand: mov.u32 %r40, red; add.s32 %r41, %r40, %r39; cvt.u64.u32 %rd20, %r41; st.shared.f32 [%rd20], %f9;
        var f = Assert.Single(Verify(Kernel("k", """
                mov.u32 %r1, %tid.x;
                shl.b32 %r2, %r1, 2;
                mov.u32 %r3, k_red;
                add.s32 %r4, %r3, %r2;
                cvt.u64.u32 %rd1, %r4;
                [|st.shared.f32 [%rd1], %f1;|]
            """)));
        Assert.Equal("Widened32", f.Properties["form"]);
        Assert.Contains(f.Related, r => r.Message.Contains("`cvt.u64.u32 %rd1, %r4` widens"));
        Assert.Equal(PtxLint.Diagnostics.Level.Warning, f.Level);
    }

    [Fact]
    public void Generic_address_in_the_shared_space_is_an_error()
    {
        var f = Assert.Single(Verify(Kernel("k", """
                mov.u64 %rd6, k_red;
                cvta.shared.u64 %rd7, %rd6;
                [|ld.shared.f32 %f1, [%rd7];|]
                ld.f32 %f2, [%rd7];
            """)));
        Assert.Equal("GenericAddress", f.Properties["form"]);
        Assert.Equal(PtxLint.Diagnostics.Level.Error, f.Level);
        Assert.Contains("generic address", f.Message);
    }

    [Fact]
    public void Generic_address_converted_back_is_the_cvta_form()
    {
        var f = Assert.Single(Verify(Kernel("k", """
                mov.u64 %rd6, k_red;
                cvta.shared.u64 %rd7, %rd6;
                cvta.to.shared.u64 %rd8, %rd7;
                [|ld.shared.f32 %f1, [%rd8];|]
            """)));
        Assert.Equal("CvtaTo64", f.Properties["form"]);
    }

    private const string Builder = """
        .visible .entry rmsnorm(.param .u64 p0)
        {
            .reg .b32 %r<8>;
            .reg .f32 %f<4>;
            .shared .align 4 .b8 red[1024];
            mov.u32 %r1, %tid.x;
            shl.b32 %r2, %r1, 2;
            mov.u32 %r3, red;
            add.s32 %r4, %r3, %r2;
            st.shared.f32 [%r4], %f1;
            ret;
        }
        .visible .entry rmsnorm_batched(.param .u64 p0)
        {
            .reg .b32 %r<8>;
            .reg .b64 %rd<10>;
            .reg .f32 %f<4>;
            .shared .align 4 .b8 red2[1024];
            mov.u32 %r1, %tid.x;
            mul.wide.u32 %rd8, %r1, 4;
            mov.u64 %rd7, red2;
            add.s64 %rd9, %rd7, %rd8;
            [|st.shared.f32 [%rd9], %f1;|]
            ret;
        }
        """;

    [Fact]
    public void Builder_keeping_a_shared_symbol_in_64_bits_beside_a_32_bit_twin_is_reported()
    {
        var f = Assert.Single(Verify(Builder));
        Assert.Equal("Symbol64Inconsistent", f.Properties["form"]);
        Assert.Equal("rmsnorm_batched", f.FunctionName);
        Assert.Contains("unlike the rest of the module", f.Message);
    }

    [Fact]
    public void A_module_using_64_bit_shared_addresses_throughout_is_quiet()
    {
        // old nvcc / LLVM without short pointers: the convention, not an inconsistency
        var only64 = RuleTest.StripMarkup(Builder).Text;
        only64 = only64[only64.IndexOf(".visible .entry rmsnorm_batched", StringComparison.Ordinal)..];
        RuleTest.VerifyClean(Rule, only64);
    }

    [Fact]
    public void Tensormap_replace_takes_a_64_bit_address_by_design() => RuleTest.VerifyClean(Rule, Kernel("k", """
            mov.b32 %r16, k_red;
            cvt.u64.u32 %rd2, %r16;
            tensormap.replace.tile.global_address.shared::cta.b1024.b64 [%rd2], %rd3;
        """));

    [Fact]
    public void Descriptor()
    {
        Assert.Equal("PTX001", PTX001SharedAddress64Bit.Rule.Id);
        Assert.Equal("shared-address-64bit", PTX001SharedAddress64Bit.Rule.Name);
        Assert.Equal(PtxLint.Diagnostics.Level.Warning, PTX001SharedAddress64Bit.Rule.DefaultLevel);
        Assert.StartsWith("# PTX001", PTX001SharedAddress64Bit.Rule.HelpMarkdown);
    }
}
