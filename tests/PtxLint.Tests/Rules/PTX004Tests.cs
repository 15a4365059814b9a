using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public class PTX004Tests
{
    private static readonly PTX004TmemAddressWithoutAllocBase Rule = new();

    private static string Kernel(string body, string extraRegs = "") => $@"
.visible .entry k(.param .u64 k_param_0)
.maxntid 128
{{
	.reg .pred %p<8>;
	.reg .b32 %r<200>;
	.reg .b64 %rd<8>;
	.shared .align 4 .u32 slot;
	.shared .align 4 .u32 other;
{extraRegs}
{body}
	ret;
}}
";

    private const string Alloc = @"
	mov.u32 %r1, %tid.x;
	setp.gt.u32 %p1, %r1, 31;
	@%p1 bra $L_a;
	mov.u32 %r3, slot;
	mov.b32 %r4, 128;
	tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], %r4;
	tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;
$L_a:
	bar.sync 0;
	ld.shared.u32 %r2, [slot];
";

    [Fact]
    public void LaneOffsetWithoutBase_OrArithmetic()
    {
        // nvcc: lane_off + n*8 became `or.b32 %r14, %r49, 8`; neither adds the base %r2.
        RuleTest.Verify(Rule, Kernel(Alloc + @"
	shl.b32 %r41, %r1, 16;
	and.b32 %r49, %r41, 6291456;
	[|tcgen05.st.sync.aligned.32x32b.x1.b32 [%r49], {%r5};|]
	or.b32 %r14, %r49, 8;
	[|tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r6}, [%r14];|]
	tcgen05.wait::ld.sync.aligned;
"));
    }

    [Fact]
    public void AddArithmeticAndConstantAddress()
    {
        RuleTest.Verify(Rule, Kernel(Alloc + @"
	shl.b32 %r41, %r1, 16;
	and.b32 %r42, %r41, 6291456;
	add.s32 %r43, %r42, 16;
	[|tcgen05.ld.sync.aligned.32x32b.x2.b32 {%r6, %r7}, [%r43+8];|]
	tcgen05.wait::ld.sync.aligned;
	mov.b32 %r44, 0;
	[|tcgen05.st.sync.aligned.32x32b.x1.b32 [%r44], {%r5};|]
	[|tcgen05.st.sync.aligned.32x32b.x1.b32 [0], {%r5};|]
"));
    }

    [Fact]
    public void MmaAndDeallocWithoutBase()
    {
        RuleTest.Verify(Rule, Kernel(Alloc + @"
	mov.b32 %r50, 0;
	mov.b32 %r51, 136316048;
	setp.ne.b32 %p3, %r50, 0;
	[|tcgen05.mma.cta_group::1.kind::f16 [%r50], %rd1, %rd2, %r51, %p3;|]
	mov.b32 %r52, 128;
	[|tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r50, %r52;|]
"));
    }

    [Fact]
    public void MmaWithATmemNotFromBase()
    {
        RuleTest.Verify(Rule, Kernel(Alloc + @"
	mov.b32 %r51, 136316048;
	mov.b32 %r53, 128;
	[|tcgen05.mma.cta_group::1.kind::f16 [%r2], [%r53], %rd2, %r51, %p3;|]
"));
    }

    [Fact]
    public void BaseLoadedFromSlotIsClean()
    {
        RuleTest.VerifyClean(Rule, Kernel(Alloc + @"
	shl.b32 %r41, %r1, 16;
	and.b32 %r42, %r41, 6291456;
	add.s32 %r49, %r2, %r42;
	tcgen05.st.sync.aligned.32x32b.x1.b32 [%r49], {%r5};
	or.b32 %r14, %r49, 8;
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r6}, [%r14];
	tcgen05.wait::ld.sync.aligned;
	add.s32 %r15, %r2, 128;
	mov.b32 %r51, 136316048;
	tcgen05.mma.cta_group::1.kind::f16 [%r2], [%r15+8], %rd2, %r51, %p3;
	mov.b32 %r52, 128;
	tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r2, %r52;
"));
    }

    [Fact]
    public void BaseInRegisterLoadedThroughGenericSlotAddress()
    {
        // The base register comes from a load through a register address that holds the slot.
        RuleTest.VerifyClean(Rule, Kernel(Alloc + @"
	mov.u32 %r60, slot;
	ld.shared.u32 %r61, [%r60];
	add.s32 %r62, %r61, 32;
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r6}, [%r62];
	tcgen05.wait::ld.sync.aligned;
"));
    }

    [Fact]
    public void LoopCarriedAddressFromBaseIsClean()
    {
        RuleTest.VerifyClean(Rule, Kernel(Alloc + @"
	mov.u32 %r70, %r2;
	mov.b32 %r71, 0;
$L_loop:
	tcgen05.ld.sync.aligned.32x32b.x8.b32 {%r80, %r81, %r82, %r83, %r84, %r85, %r86, %r87}, [%r70];
	tcgen05.wait::ld.sync.aligned;
	add.s32 %r70, %r70, 8;
	add.s32 %r71, %r71, 1;
	setp.ne.s32 %p5, %r71, 4;
	@%p5 bra $L_loop;
"));
    }

    [Fact]
    public void NoAllocInKernel_BaseFromParameter_IsNotFlagged()
    {
        RuleTest.VerifyClean(Rule, @"
.visible .entry k(.param .u32 k_param_0)
{
	.reg .b32 %r<10>;
	mov.b32 %r1, 0;
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r6}, [%r1];
	tcgen05.wait::ld.sync.aligned;
	ld.param.u32 %r2, [k_param_0];
	tcgen05.st.sync.aligned.32x32b.x1.b32 [%r2], {%r6};
	ret;
}
");
    }

    [Fact]
    public void AddressFromParameterOrOtherLoadOrFuncParam_Conservative()
    {
        RuleTest.VerifyClean(Rule, Kernel(Alloc + @"
	ld.param.u64 %rd3, [k_param_0];
	ld.global.u32 %r90, [%rd3];
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r6}, [%r90];
	tcgen05.wait::ld.sync.aligned;
	ld.shared.u32 %r91, [other];
	tcgen05.st.sync.aligned.32x32b.x1.b32 [%r91], {%r6};
	shfl.sync.idx.b32 %r92, %r2, 0, 31, -1;
	tcgen05.st.sync.aligned.32x32b.x1.b32 [%r92], {%r6};
"));
        RuleTest.VerifyClean(Rule, @"
.func helper(.param .b32 helper_param_0)
{
	.reg .b32 %r<10>;
	ld.param.b32 %r1, [helper_param_0];
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r6}, [%r1];
	tcgen05.wait::ld.sync.aligned;
	ret;
}
");
    }

    [Fact]
    public void MessageRelatedAndCodeFlow()
    {
        var findings = RuleTest.Verify(Rule, Kernel(Alloc + @"
	shl.b32 %r41, %r1, 16;
	and.b32 %r49, %r41, 6291456;
	[|tcgen05.st.sync.aligned.32x32b.x1.b32 [%r49], {%r5};|]
"));
        var f = Assert.Single(findings);
        Assert.Equal("`tcgen05.st` address `%r49` lacks the TMEM base of `tcgen05.alloc` (line 21)", f.Message);
        Assert.Equal("The address is computed only from `%tid.x` and constants.", f.Notes[0]);
        Assert.Contains("another CTA's accumulators", f.Notes[1]);
        Assert.Equal("Load the base (`ld.shared.u32 %rB, [slot];`) and add it to every TMEM address: taddr = base + (lane << 16) + column.", f.Help);
        var rel = Assert.Single(f.Related);
        Assert.Contains("tcgen05.alloc", rel.Message);
        Assert.True(rel.Location.Span.StartLine > 0 && rel.Location.Span.StartLine < f.Location.Span.StartLine);
        var flow = Assert.Single(f.CodeFlows);
        Assert.True(flow.Steps.Count >= 4, string.Join(" | ", flow.Steps.Select(s => s.Message)));
        Assert.Contains("%tid.x", flow.Steps[0].Message);
        Assert.Contains("shl.b32", string.Join(" | ", flow.Steps.Select(s => s.Message)));
        Assert.Contains("tcgen05.st", flow.Steps[^1].Message);
    }

    [Fact]
    public void Samples_BadFires_FixedSilent()
    {
        var bad = RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX004-tmem-address-without-alloc-base.bad.ptx")));
        Assert.Equal(8, bad.Count); // 4 tcgen05.st + 4 tcgen05.ld without the base
        Assert.All(bad, f => Assert.Contains("[_ZZ14tmem_roundtripE11s_tmem_base]", f.Help));
        Assert.All(bad, f => Assert.NotNull(f.SourceLocation));
        // One cause (the base of the alloc at line 40 is never added): the engine reports it once, the others as occurrences.
        var grouped = Assert.Single(RuleTest.Analyze(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX004-tmem-address-without-alloc-base.bad.ptx"))));
        Assert.Equal(8, grouped.Occurrences);
        Assert.EndsWith("(and 7 more addresses without the base)", grouped.Message);
        Assert.Equal(7, grouped.Related.Count(r => r.IsOccurrence));
        Assert.Contains(grouped.Related, r => r.IsOccurrence && r.Message == "`tcgen05.ld` address `%r32` also lacks the TMEM base");
        var fixedFindings = RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX004-tmem-address-without-alloc-base.fixed.ptx")));
        Assert.Empty(fixedFindings);
    }

    [Fact]
    public void GeneratedTcgen05Code_IsClean()
    {
        foreach (var name in new[] { "nvcc13-blackwell_umma-sm_100a.ptx.gz", "nvcc13-blackwell_umma-sm_100a-lineinfo.ptx.gz", "triton-matmul_fp16-sm100-aot.ptx.gz" })
        {
            var text = Corpus.ReadGz(Path.Combine(Repo.Root, "tests", "data", "generated", name));
            Assert.Empty(RuleTest.Run(Rule, text));
        }
        foreach (var s in new[] { "PTX007-tmem-alloc-columns", "PTX008-tmem-lifecycle" })
            foreach (var kind in new[] { "bad", "fixed" })
                Assert.Empty(RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, $"{s}.{kind}.ptx"))));
    }
}
