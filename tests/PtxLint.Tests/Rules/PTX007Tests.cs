using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

public class PTX007Tests
{
    private static readonly PTX007TmemAllocColumns Rule = new();

    private static string Kernel(string allocCols, string body) => $@"
.visible .entry k(.param .u64 k_param_0)
.maxntid 128
{{
	.reg .pred %p<8>;
	.reg .b32 %r<200>;
	.reg .b64 %rd<8>;
	.shared .align 4 .u32 slot;
	mov.u32 %r1, %tid.x;
	mov.u32 %r3, slot;
	mov.b32 %r4, {allocCols};
	tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], %r4;
	bar.sync 0;
	ld.shared.u32 %r2, [slot];
	shl.b32 %r41, %r1, 16;
	and.b32 %r42, %r41, 6291456;
	add.s32 %r49, %r2, %r42;
{body}
	ret;
}}
";

    [Fact]
    public void NonPowerOfTwoAndOutOfRangeCounts()
    {
        RuleTest.Verify(Rule, @"
.visible .entry k()
{
	.reg .b32 %r<20>;
	.shared .align 4 .u32 slot;
	mov.u32 %r3, slot;
	mov.b32 %r4, 96;
	[|tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], %r4;|]
	[|tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], 16;|]
	[|tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], 1024;|]
	tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], 512;
	tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r3], 32;
	ld.shared.u32 %r2, [slot];
	[|tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r2, %r4;|]
	mov.u32 %r5, %tid.x;
	tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r2, %r5;
	ret;
}
");
    }

    [Fact]
    public void Samples_OneFindingPerCause()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Samples, "PTX007-tmem-alloc-columns.bad.ptx"));
        Assert.Equal(7, RuleTest.Run(Rule, text).Count);
        var grouped = RuleTest.Analyze(Rule, text);
        Assert.Equal(new[] { ("tmem_alloc_npot", 2), ("tmem_ld_past_alloc", 4), ("umma_n256_alloc128", 1) },
            grouped.Select(f => (f.FunctionName!, f.Occurrences)).OrderBy(x => x.Item1).ToArray());
        var npot = grouped.Single(f => f.FunctionName == "tmem_alloc_npot");
        Assert.Equal("`tcgen05.alloc` of 96 columns: the count must be a power of two between 32 and 512 (and 1 more use of 96 columns)", npot.Message);
        Assert.Equal("Use 128 columns, the same count in `tcgen05.alloc` and the matching `tcgen05.dealloc`.", npot.Help);
        Assert.Contains(npot.Related, r => r.IsOccurrence && r.Message == "`tcgen05.dealloc` of 96 columns");
    }

    [Fact]
    public void LdStPastAllocation_AddAndOrOffsets()
    {
        var findings = RuleTest.Verify(Rule, Kernel("128", @"
	tcgen05.st.sync.aligned.32x32b.x8.b32 [%r49], {%r5, %r5, %r5, %r5, %r5, %r5, %r5, %r5};
	add.s32 %r50, %r49, 120;
	tcgen05.st.sync.aligned.32x32b.x8.b32 [%r50], {%r5, %r5, %r5, %r5, %r5, %r5, %r5, %r5};
	add.s32 %r51, %r49, 128;
	[|tcgen05.st.sync.aligned.32x32b.x8.b32 [%r51], {%r5, %r5, %r5, %r5, %r5, %r5, %r5, %r5};|]
	or.b32 %r52, %r49, 124;
	[|tcgen05.ld.sync.aligned.32x32b.x8.b32 {%r6, %r7, %r8, %r9, %r10, %r11, %r12, %r13}, [%r52];|]
	[|tcgen05.ld.sync.aligned.16x256b.x2.b32 {%r6, %r7, %r8, %r9, %r10, %r11, %r12, %r13}, [%r49+120];|]
	tcgen05.ld.sync.aligned.16x256b.x2.b32 {%r6, %r7, %r8, %r9, %r10, %r11, %r12, %r13}, [%r49+112];
	tcgen05.wait::ld.sync.aligned;
"));
        Assert.StartsWith("`tcgen05.st.32x32b.x8` touches columns 128..135, past the 128 columns allocated (line ", findings[0].Message);
        Assert.Contains("columns 124..131", findings[1].Message);
        Assert.Contains("columns 120..135", findings[2].Message);
        Assert.Equal("It writes 8 columns from column offset 128.", findings[0].Notes[0]);
        // One allocation too small for all three: the same fix on each (and on the merged finding).
        Assert.All(findings, f => Assert.Equal("Allocate 256 columns, or keep the accesses below column 128.", f.Help));
    }

    [Fact]
    public void ShapeWidths_FromTheIsa()
    {
        // .16x64b.x4 = 8 columns, .16x128b.x4 = 16, .16x256b.x1 = 8, .32x32b.x64 = 64, .16x32bx2.x4 = 4 + split.
        RuleTest.VerifyClean(Rule, Kernel("64", @"
	tcgen05.ld.sync.aligned.16x64b.x4.b32 {%r6, %r7, %r8, %r9}, [%r49+56];
	tcgen05.ld.sync.aligned.16x128b.x4.b32 {%r6, %r7, %r8, %r9, %r10, %r11, %r12, %r13}, [%r49+48];
	tcgen05.ld.sync.aligned.16x256b.x1.b32 {%r6, %r7, %r8, %r9}, [%r49+56];
	tcgen05.ld.sync.aligned.16x32bx2.x4.b32 {%r6, %r7, %r8, %r9}, [%r49+8], 52;
	tcgen05.wait::ld.sync.aligned;
"));
        RuleTest.Verify(Rule, Kernel("64", @"
	[|tcgen05.ld.sync.aligned.16x64b.x4.b32 {%r6, %r7, %r8, %r9}, [%r49+57];|]
	[|tcgen05.ld.sync.aligned.16x128b.x4.b32 {%r6, %r7, %r8, %r9, %r10, %r11, %r12, %r13}, [%r49+49];|]
	[|tcgen05.ld.sync.aligned.16x32bx2.x4.b32 {%r6, %r7, %r8, %r9}, [%r49+8], 56;|]
	[|tcgen05.cp.cta_group::1.128x256b [%r49+60], %rd1;|]
	tcgen05.cp.cta_group::1.128x128b [%r49+60], %rd1;
	tcgen05.wait::ld.sync.aligned;
"));
    }

    [Fact]
    public void MmaDescriptor_KindF16()
    {
        // 0x08400490: kind::f16, D f32, A = B = bf16, N = 256, M = 128 (the sample's TMEM_COLS = 128 bug).
        var findings = RuleTest.Verify(Rule, Kernel("128", @"
	mov.b32 %r60, 138413200;
	setp.ne.b32 %p3, %r60, 0;
	[|tcgen05.mma.cta_group::1.kind::f16 [%r2], %rd1, %rd2, %r60, %p3;|]
"));
        var f = Assert.Single(findings);
        Assert.StartsWith("`tcgen05.mma.kind::f16` touches columns 0..255, past the 128 columns allocated (line ", f.Message);
        Assert.Contains("128x256", f.Notes[0]);
        Assert.Contains("0x08400490", f.Notes[0]);
        Assert.Equal("Allocate 256 columns, or keep the accesses below column 128.", f.Help);
        var rel = Assert.Single(f.Related);
        Assert.Contains("128 columns", rel.Message);
        // The same descriptor fits 256 columns, and N = 128 (0x08200490) fits 128 columns at column 0 but not at 64.
        RuleTest.VerifyClean(Rule, Kernel("256", @"
	mov.b32 %r60, 138413200;
	tcgen05.mma.cta_group::1.kind::f16 [%r2], %rd1, %rd2, %r60, %p3;
"));
        RuleTest.Verify(Rule, Kernel("128", @"
	mov.b32 %r60, 136316048;
	tcgen05.mma.cta_group::1.kind::f16 [%r2], %rd1, %rd2, %r60, %p3;
	add.s32 %r61, %r2, 64;
	[|tcgen05.mma.cta_group::1.kind::f16 [%r61], %rd1, %rd2, %r60, %p3;|]
"));
    }

    [Fact]
    public void MmaDescriptor_KindTf32_AndImmediate()
    {
        // 0x08400910: kind::tf32, D f32, A = B = tf32, N = 256, M = 128; 0x08100910: N = 64.
        RuleTest.Verify(Rule, Kernel("128", @"
	mov.b32 %r60, 138414352;
	[|tcgen05.mma.cta_group::1.kind::tf32 [%r2], %rd1, %rd2, %r60, %p3;|]
	add.s32 %r62, %r2, 64;
	tcgen05.mma.cta_group::1.kind::tf32 [%r62], %rd1, %rd2, 135268624, %p3;
	add.s32 %r63, %r2, 96;
	[|tcgen05.mma.cta_group::1.kind::tf32 [%r63], %rd1, %rd2, 135268624, %p3;|]
"));
    }

    [Fact]
    public void MmaDescriptorUnknownOrVaryingColumn_IsQuiet()
    {
        RuleTest.VerifyClean(Rule, Kernel("128", @"
	ld.param.u32 %r60, [k_param_0];
	tcgen05.mma.cta_group::1.kind::f16 [%r2], %rd1, %rd2, %r60, %p3;
	mov.b32 %r70, 138413200;
	shl.b32 %r71, %r1, 7;
	add.s32 %r72, %r2, %r71;
	tcgen05.mma.cta_group::1.kind::f16 [%r72], %rd1, %rd2, %r70, %p3;
	mov.b32 %r73, 138412032;
	tcgen05.mma.cta_group::1.kind::f16 [%r2], %rd1, %rd2, %r73, %p3;
"));
    }

    [Fact]
    public void AccessWithoutBaseOrWithoutAlloc_IsLeftToPtx004()
    {
        RuleTest.VerifyClean(Rule, Kernel("32", @"
	mov.b32 %r80, 200;
	tcgen05.ld.sync.aligned.32x32b.x8.b32 {%r6, %r7, %r8, %r9, %r10, %r11, %r12, %r13}, [%r80];
	tcgen05.wait::ld.sync.aligned;
"));
    }

    [Fact]
    public void Samples_BadFires_FixedSilent()
    {
        var bad = RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX007-tmem-alloc-columns.bad.ptx")));
        Assert.Equal(2, bad.Count(f => f.FunctionName == "tmem_alloc_npot"));       // alloc 96 and dealloc 96
        Assert.Equal(4, bad.Count(f => f.FunctionName == "tmem_ld_past_alloc"));    // st/ld at columns 128 and 192
        Assert.Equal(1, bad.Count(f => f.FunctionName == "umma_n256_alloc128"));    // the 128x256 MMA
        Assert.Equal(7, bad.Count);
        Assert.Empty(RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, "PTX007-tmem-alloc-columns.fixed.ptx"))));
    }

    [Fact]
    public void GeneratedTcgen05Code_IsClean()
    {
        foreach (var name in new[] { "nvcc13-blackwell_umma-sm_100a.ptx.gz", "nvcc13-blackwell_umma-sm_100a-lineinfo.ptx.gz", "triton-matmul_fp16-sm100-aot.ptx.gz" })
            Assert.Empty(RuleTest.Run(Rule, Corpus.ReadGz(Path.Combine(Repo.Root, "tests", "data", "generated", name))));
        foreach (var s in new[] { "PTX004-tmem-address-without-alloc-base", "PTX008-tmem-lifecycle" })
            foreach (var kind in new[] { "bad", "fixed" })
                Assert.Empty(RuleTest.Run(Rule, File.ReadAllText(Path.Combine(Repo.Samples, $"{s}.{kind}.ptx"))));
    }
}
