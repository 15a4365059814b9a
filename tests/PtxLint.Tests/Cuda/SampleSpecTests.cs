using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;

namespace PtxLint.Tests.Cuda;

/// <summary>The launch specs shipped beside samples/ptx parse, and match their kernels' signatures where the PTX is present.</summary>
public class SampleSpecTests
{
    private static string? SamplesDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "PtxLint.sln"))) return Path.Combine(d.FullName, "samples", "ptx");
        return null;
    }

    public static IEnumerable<object[]> Specs() =>
        (SamplesDir() is { } dir && Directory.Exists(dir) ? Directory.GetFiles(dir, "*.ptx.launch.json") : [])
        .Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(Specs))]
    public void Sample_spec_is_valid(string name)
    {
        var path = Path.Combine(SamplesDir()!, name);
        var spec = LaunchSpecFile.Load(path);
        Assert.NotEmpty(spec.Kernels);
        var ptx = path[..^".launch.json".Length];
        if (!File.Exists(ptx)) return; // the PTX lives on another branch until merged
        var module = PtxSignatureScanner.Scan(ptx, File.ReadAllText(ptx));
        foreach (var k in spec.Kernels)
        {
            var fn = module.FindFunction(k.Name);
            Assert.True(fn is not null, $"{name}: kernel {k.Name} is not in {Path.GetFileName(ptx)}");
            Assert.Equal(fn!.Parameters.Count, k.Params.Count);
            for (int i = 0; i < k.Params.Count; i++)
                Assert.Equal(fn.Parameters[i].TypeName == ".u64", k.Params[i].Buffer is not null);
        }
    }

    [Fact]
    public void Ptx010_sample_mul_is_rewritten_and_ptx001_twin_is_found()
    {
        var dir = SamplesDir();
        var bad = dir is null ? "" : Path.Combine(dir, "PTX010-contractible-mul-add.bad.ptx");
        if (!File.Exists(bad)) return; // on another branch until merged
        var text = File.ReadAllText(bad);
        int line = text.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains("mul.f32")).i + 1;
        var rewritten = PtxText.RewriteMulToRn(text, line, out var what);
        Assert.NotNull(rewritten);
        Assert.DoesNotContain("\tmul.f32", rewritten.Split('\n')[line - 1]);
        Assert.Contains("mul.rn.f32", rewritten.Split('\n')[line - 1]);
        var p1 = Path.Combine(dir!, "PTX001-shared-address-64bit.bad.ptx");
        var m = PtxSignatureScanner.Scan(p1, File.ReadAllText(p1));
        Assert.Equal("rmsnorm", Parity.FindTwin(m, "rmsnorm_batched"));
        Assert.Equal(new Version(9, 0), m.PtxVersion);
        Assert.Equal("sm_90a", m.SmTarget);
    }
}
