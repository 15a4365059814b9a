using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Worker;

namespace PtxLint.Tests.Cuda;

public class PtxTextTests
{
    [Fact]
    public void Rewrites_the_flagged_mul_to_mul_rn()
    {
        int line = TestPtx.LineOf(TestPtx.Saxpy, "mul.f32 %f4");
        var rewritten = PtxText.RewriteMulToRn(TestPtx.Saxpy, line, out var what);
        Assert.NotNull(rewritten);
        Assert.Contains("mul.rn.f32 %f4, %f1, %f2;", rewritten);
        Assert.DoesNotContain("mul.f32 %f4", rewritten);
        Assert.Contains("mul.wide.u32 %rd5", rewritten); // integer mul untouched
        Assert.Contains($"line {line}", what);
        Assert.Equal(TestPtx.Saxpy.Split('\n').Length, rewritten.Split('\n').Length);
    }

    [Fact]
    public void A_finding_on_the_add_rewrites_the_mul_that_feeds_it()
    {
        int add = TestPtx.LineOf(TestPtx.Saxpy, "add.f32 %f4");
        var rewritten = PtxText.RewriteMulToRn(TestPtx.Saxpy, add, out var what);
        Assert.NotNull(rewritten);
        Assert.Contains("mul.rn.f32 %f4", rewritten);
        Assert.Contains($"line {add - 1}", what);
    }

    [Theory]
    [InlineData("    mul.ftz.f32 %f1, %f2, %f3;", "    mul.rn.ftz.f32 %f1, %f2, %f3;")]
    [InlineData("    @%p1 mul.f64 %fd1, %fd2, %fd3; // c", "    @%p1 mul.rn.f64 %fd1, %fd2, %fd3; // c")]
    public void Rewrite_keeps_other_modifiers_guards_and_comments(string line, string expected)
    {
        Assert.Equal(expected, PtxText.RewriteMulToRn(line, 1, out _));
    }

    [Theory]
    [InlineData("    mul.rn.f32 %f1, %f2, %f3;", "already has a rounding modifier")]
    [InlineData("    mul.lo.s32 %r1, %r2, %r3;", "no unrounded float mul")]
    public void Rewrite_refuses_with_a_reason(string line, string reason)
    {
        Assert.Null(PtxText.RewriteMulToRn(line, 1, out var why));
        Assert.Contains(reason, why);
    }

    [Theory]
    [InlineData("sm_90", 9, 0, true)]
    [InlineData("sm_90", 10, 0, true)]
    [InlineData("sm_90a", 9, 0, true)]
    [InlineData("sm_90a", 10, 0, false)]
    [InlineData("sm_100a", 9, 0, false)]
    [InlineData("sm_100a", 10, 0, true)]
    [InlineData("sm_100f", 10, 3, true)]
    [InlineData("sm_120", 9, 0, false)]
    [InlineData("sm_89", 9, 0, true)]
    public void Targets_run_on_devices(string target, int major, int minor, bool runs)
    {
        Assert.True(SmTarget.TryParse(target, out var t));
        Assert.Equal(runs, t.RunsOn(major, minor));
    }

    private static DeviceInfo H100 => new() { Name = "NVIDIA H100 80GB HBM3", Major = 9, Minor = 0, DriverVersion = 13000, DeviceCount = 1 };

    [Fact]
    public void Preflight_names_the_target_and_the_device()
    {
        var m = PtxSignatureScanner.Scan("t.ptx", ".version 8.7\n.target sm_100a\n.address_size 64\n");
        var why = PtxText.Preflight(m, H100);
        Assert.NotNull(why);
        Assert.Contains("sm_100a", why);
        Assert.Contains("sm_90", why);
        Assert.Contains("H100", why);
    }

    [Fact]
    public void Preflight_reports_a_ptx_version_newer_than_the_driver_accepts()
    {
        var m = PtxSignatureScanner.Scan("t.ptx", ".version 9.1\n.target sm_90\n");
        var why = PtxText.Preflight(m, H100);
        Assert.NotNull(why);
        Assert.Contains("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", why);
        Assert.Contains("9.1", why);
        Assert.Contains("up to 9.0", why);
        Assert.Contains("CUDA 13.0", why);
        Assert.Null(PtxText.Preflight(PtxSignatureScanner.Scan("t.ptx", ".version 9.0\n.target sm_90a\n"), H100));
    }

    [Theory]
    [InlineData(13000, "9.0")]
    [InlineData(12080, "8.7")]
    [InlineData(12040, "8.4")]
    [InlineData(11080, "7.8")]
    public void Ptx_isa_by_driver(int driver, string isa) => Assert.Equal(Version.Parse(isa), PtxText.MaxPtxIsa(driver));

    [Fact]
    public void Unknown_newer_drivers_let_the_load_decide() => Assert.Null(PtxText.MaxPtxIsa(14000));
}
