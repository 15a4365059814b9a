using PtxLint.Cuda.Confirm;

namespace PtxLint.Tests.Cuda;

public class RewriteTests
{
    [Fact]
    public void Enlarging_a_shared_variable_keeps_alignment_and_rounds_up()
    {
        var text = ".version 9.0\n.target sm_90a\n.address_size 64\n.visible .entry k()\n{\n\t.shared .align 4 .f32 _ZZ1kE6s_amax;\n\t.shared .align 4 .b8 s_vals[64];\n\tret;\n}\n";
        var r = PtxText.EnlargeSharedVariable(text, "_ZZ1kE6s_amax", 14, out var what);
        Assert.NotNull(r);
        Assert.Contains(".shared .align 4 .b8 _ZZ1kE6s_amax[16];", r);
        Assert.Contains(".shared .align 4 .b8 s_vals[64];", r);
        Assert.Contains("->", what);
        var m = PtxLint.Syntax.PtxParserDriver.Parse("k.ptx", r!);
        Assert.Empty(m.Errors);
        Assert.Equal(16, m.Functions[0].LocalSymbols["_ZZ1kE6s_amax"].ByteSize);
        Assert.Null(PtxText.EnlargeSharedVariable(text, "nope", 8, out _));
    }

    [Fact]
    public void The_bad_ptx006_sample_can_be_fixed_mechanically()
    {
        var path = Path.Combine(PtxLint.Tests.Support.Repo.Samples, "PTX006-shared-out-of-bounds.bad.ptx");
        var text = File.ReadAllText(path);
        var module = PtxLint.Syntax.PtxParserDriver.Parse(path, text);
        var findings = PtxLint.Tests.Support.RuleTest.Run(new PtxLint.Rules.PTX006SharedOutOfBounds(), module);
        Assert.NotEmpty(findings);
        foreach (var f in findings)
        {
            var data = Assert.IsType<PtxLint.Rules.SharedOutOfBoundsData>(f.Data);
            var sym = data.Symbol;
            long end = data.Offset + data.Width;
            var fixedText = PtxText.EnlargeSharedVariable(text, sym, end, out var what);
            Assert.True(fixedText is not null, what);
            var again = PtxLint.Tests.Support.RuleTest.Run(new PtxLint.Rules.PTX006SharedOutOfBounds(), PtxLint.Syntax.PtxParserDriver.Parse(path, fixedText!));
            Assert.DoesNotContain(again, g => g.Location.Span.StartLine == f.Location.Span.StartLine);
        }
    }

    [Fact]
    public void Unrounded_float_mul_is_detected()
    {
        Assert.True(PtxText.HasUnroundedFloatMul("\tmul.f32 %f1, %f2, %f3;\n"));
        Assert.False(PtxText.HasUnroundedFloatMul("\tmul.rn.f32 %f1, %f2, %f3;\n\tmul.lo.s32 %r1, %r2, %r3;\n"));
    }
}
