using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public class PTX008Tests
{
    private static readonly PTX008TmemLifecycle Rule = new();

    private const string Prologue = @"
.visible .entry k(.param .u32 k_param_0)
.maxntid 128
{
	.reg .pred %p<16>;
	.reg .b32 %r<200>;
	.reg .b64 %rd<8>;
	.shared .align 4 .u32 slot;
	ld.param.u32 %r9, [k_param_0];
	mov.u32 %r1, %tid.x;
	setp.gt.u32 %p1, %r1, 31;
	mov.u32 %r3, slot;
	mov.b32 %r4, 128;
";

    private const string AllocWarp0 = @"
	@%p1 bra $L_a;
	tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], %r4;
	tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;
$L_a:
	bar.sync 0;
	ld.shared.u32 %r2, [slot];
";

    private const string DeallocWarp0 = @"
	bar.sync 0;
	setp.gt.u32 %p2, %r1, 31;
	@%p2 bra $L_end;
	tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r2, %r4;
$L_end:
	ret;
}
";

    [Fact]
    public void DeallocOnAllPathsOfTheAllocatingWarp_IsClean()
    {
        // The dealloc is skipped only by threads > 31, which never allocated (same comparison as the alloc's guard).
        RuleTest.VerifyClean(Rule, Prologue + AllocWarp0 + DeallocWarp0);
        // Complementary comparison (le) and the guard-predicate form (Triton: @%p alloc ... @%p dealloc).
        RuleTest.VerifyClean(Rule, Prologue + AllocWarp0 + DeallocWarp0.Replace("setp.gt.u32 %p2, %r1, 31;\n\t@%p2 bra", "setp.le.u32 %p2, %r1, 31;\n\t@!%p2 bra"));
        RuleTest.VerifyClean(Rule, Prologue + @"
	setp.lt.u32 %p3, %r1, 32;
	@%p3 tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], 256;
	@%p3 tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;
	bar.sync 0;
	ld.shared.b32 %r2, [slot];
	bar.sync 0;
	@%p3 tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r2, 256;
	ret;
}
");
    }

    [Fact]
    public void EarlyReturnAfterAlloc_Leaks()
    {
        var findings = RuleTest.Verify(Rule, Prologue + @"
	@%p1 bra $L_a;
	[|tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], %r4;|]
	tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;
$L_a:
	bar.sync 0;
	ld.shared.u32 %r2, [slot];
	setp.ne.s32 %p5, %r9, 0;
	@%p5 bra $L_end;
" + DeallocWarp0);
        var f = Assert.Single(findings);
        Assert.Matches(@"^`tcgen05\.alloc` can reach `ret` \(line \d+\) without `tcgen05\.dealloc`$", f.Message);
        Assert.Contains(f.Notes, n => n.StartsWith("The path takes `@%p5 bra", StringComparison.Ordinal));
        Assert.Contains("128 columns stay allocated: exiting with tensor memory allocated is an error.", f.Notes);
        Assert.Equal("Dealloc on every path that allocated (or leave before allocating).", f.Help);
        Assert.Contains(f.Related, r => r.Message.Contains("ret"));
        Assert.Contains(f.Related, r => r.Message.Contains("branch"));
        var flow = Assert.Single(f.CodeFlows);
        Assert.Contains("tcgen05.alloc", flow.Steps[0].Message);
        Assert.Contains("ret", flow.Steps[^1].Message);
    }

    [Fact]
    public void DeallocOnOnePathOnly_Leaks_AndMissingRelinquish()
    {
        RuleTest.Verify(Rule, Prologue + @"
	@%p1 bra $L_a;
	[|[|tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], %r4;|]|]
$L_a:
	bar.sync 0;
	ld.shared.u32 %r2, [slot];
	setp.eq.s32 %p6, %r9, 7;
	@%p6 bra $L_x;
	tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r2, %r4;
$L_x:
	ret;
}
");
    }

    [Fact]
    public void DeallocInCalledFunction_AndTrapPaths_AreNotLeaks()
    {
        RuleTest.VerifyClean(Rule, @"
.func free_tmem(.param .b32 free_tmem_param_0)
{
	.reg .b32 %r<4>;
	ld.param.b32 %r1, [free_tmem_param_0];
	tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r1, 128;
	ret;
}
" + Prologue + AllocWarp0 + @"
	setp.ne.s32 %p5, %r9, 0;
	@%p5 bra $L_ok;
	trap;
$L_ok:
	@%p1 bra $L_end;
	{
	.param .b32 param0;
	st.param.b32 [param0], %r2;
	call.uni free_tmem, (param0);
	}
$L_end:
	ret;
}
");
    }

    [Fact]
    public void LdUsedBeforeWait()
    {
        var findings = RuleTest.Verify(Rule, Prologue + AllocWarp0 + @"
	tcgen05.ld.sync.aligned.32x32b.x2.b32 {%r20, %r21}, [%r2];
	[|add.s32 %r22, %r20, %r21;|]
	tcgen05.wait::ld.sync.aligned;
	add.s32 %r23, %r20, 1;
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r24}, [%r2+8];
	tcgen05.wait::ld.sync.aligned;
	add.s32 %r25, %r24, 1;
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r26}, [%r2+16];
	setp.ne.s32 %p7, %r9, 0;
	@%p7 bra $L_w;
	tcgen05.wait::ld.sync.aligned;
$L_w:
	[|add.s32 %r27, %r26, 1;|]
" + DeallocWarp0);
        Assert.Contains("reads 2 registers of `tcgen05.ld`", findings[0].Message);
        Assert.Contains("Registers read before the wait: `%r20`, `%r21`.", findings[0].Notes);
        Assert.Contains("before `tcgen05.wait::ld`", findings[0].Message);
        Assert.Equal("Put `tcgen05.wait::ld.sync.aligned;` between each `tcgen05.ld` and the first use of its registers.", findings[0].Help);
        Assert.Contains("tcgen05.ld", Assert.Single(findings[0].Related).Message);
    }

    [Fact]
    public void WaitOnEveryPathAndLoopWithWait_AreClean()
    {
        RuleTest.VerifyClean(Rule, Prologue + AllocWarp0 + @"
	mov.b32 %r30, 0;
$L_loop:
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r26}, [%r2+16];
	setp.ne.s32 %p7, %r9, 0;
	@%p7 bra $L_w;
	tcgen05.wait::ld.sync.aligned;
	bra.uni $L_j;
$L_w:
	tcgen05.wait::ld.sync.aligned;
$L_j:
	add.s32 %r27, %r26, 1;
	add.s32 %r30, %r30, 1;
	setp.lt.s32 %p8, %r30, 4;
	@%p8 bra $L_loop;
" + DeallocWarp0);
    }

    [Fact]
    public void MixedCtaGroups()
    {
        RuleTest.Verify(Rule, Prologue + AllocWarp0 + @"
	tcgen05.mma.cta_group::1.kind::f16 [%r2], %rd1, %rd2, %r5, %p3;
	[|tcgen05.commit.cta_group::2.mbarrier::arrive::one.shared::cluster.b64 [%r3];|]
	tcgen05.mma.cta_group::2.kind::f16 [%r2], %rd1, %rd2, %r5, %p3;
" + DeallocWarp0);
    }

    [Fact]
    public void LaneQuadrantOfAKnownWarp()
    {
        // Warp 0 (tid.x <= 31) reads lanes 32..63; warp 2 (tid.x >> 5 == 2) reads lanes 64..95 (fine) and 0..31 (not).
        RuleTest.Verify(Rule, Prologue + AllocWarp0 + @"
	@%p1 bra $L_w2;
	add.s32 %r40, %r2, 2097152;
	[|tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r41}, [%r40];|]
	tcgen05.wait::ld.sync.aligned;
$L_w2:
	shr.u32 %r42, %r1, 5;
	setp.ne.s32 %p9, %r42, 2;
	@%p9 bra $L_q;
	add.s32 %r43, %r2, 4194304;
	tcgen05.st.sync.aligned.32x32b.x1.b32 [%r43], {%r41};
	[|tcgen05.st.sync.aligned.16x64b.x1.b32 [%r2], {%r41};|]
$L_q:
" + DeallocWarp0);
    }

    [Fact]
    public void LaneQuadrantUnknownWarpOrVaryingLane_IsQuiet()
    {
        RuleTest.VerifyClean(Rule, Prologue + AllocWarp0 + @"
	add.s32 %r40, %r2, 2097152;
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r41}, [%r40];
	tcgen05.wait::ld.sync.aligned;
	@%p1 bra $L_q;
	shl.b32 %r44, %r1, 16;
	add.s32 %r45, %r2, %r44;
	tcgen05.ld.sync.aligned.32x32b.x1.b32 {%r41}, [%r45];
	tcgen05.wait::ld.sync.aligned;
$L_q:
" + DeallocWarp0);
    }

    [Fact]
    public void Samples_BadFires_FixedSilent()
    {
        var bad = RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX008-tmem-lifecycle.bad.ptx")));
        Assert.Single(bad, f => (string?)f.Properties["problem"] == "no-relinquish");
        Assert.Single(bad, f => (string?)f.Properties["problem"] == "leak");
        Assert.Equal(4, bad.Count(f => (string?)f.Properties["problem"] == "use-before-wait-ld"));
        Assert.Equal(6, bad.Count);
        Assert.Empty(RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX008-tmem-lifecycle.fixed.ptx"))));
    }

    [Fact]
    public void GeneratedTcgen05CodeAndOtherSamples_AreClean()
    {
        foreach (var name in new[] { "nvcc13-blackwell_umma-sm_100a.ptx.gz", "nvcc13-blackwell_umma-sm_100a-lineinfo.ptx.gz", "triton-matmul_fp16-sm100-aot.ptx.gz" })
            Assert.Empty(RuleTest.Run(Rule, Corpus.ReadGz(Path.Combine(Repo.Root, "tests", "data", "generated", name))));
        foreach (var s in new[] { "PTX004-tmem-address-without-alloc-base", "PTX007-tmem-alloc-columns" })
            foreach (var kind in new[] { "bad", "fixed" })
                Assert.Empty(RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, $"{s}.{kind}.ptx"))));
    }
}
