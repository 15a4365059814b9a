using System.Text.Json;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Output;

/// <summary>
/// Findings in PTX built with -lineinfo/-G point at the CUDA line (.file/.loc), through inlined frames to the
/// outermost call site. --locations ptx (the default) keeps the PTX line the SARIF primary location; --locations cuda
/// makes it the innermost frame whose file exists under --srcroot (a CUDA system header is skipped), the PTX line and
/// the other frames related locations.
/// </summary>
public sealed class CudaLocationTests
{
    private static readonly RuleDescriptor Barrier = Fakes.Descriptor("PTX777", "barrier-here", Level.Warning);
    private static readonly IReadOnlyList<IRule> Rules = new IRule[] { new Fakes.InstructionRule(Barrier, "bar.sync") };

    /// <summary>helper() (helpers.cuh:13) inlined into step() at main.cu:28:5, itself inlined into the kernel at main.cu:40:3.</summary>
    public const string InlinedPtx = """
        .version 8.0
        .target sm_90a
        .address_size 64

        .visible .entry k(.param .u32 n)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<4>;
            .loc 1 38 3
            ld.param.u32 %r1, [n];
            mov.u32 %r2, %tid.x;
            setp.ge.u32 %p1, %r2, %r1;
            @%p1 bra $L__BB0_2;
            .loc 1 40 3
            .loc 1 28 5, function_name $L__info_string1, inlined_at 1 40 3
            .loc 2 13 25, function_name $L__info_string0, inlined_at 1 28 5
            bar.sync 0;
        $L__BB0_2:
            .loc 1 42 1
            ret;
        }
            .file 1 "/ptxlint/samples/cuda/main.cu"
            .file 2 "/ptxlint/samples/cuda/helpers.cuh"
        """;

    [Fact]
    public void Loc_with_inlined_at_is_followed_to_the_outermost_call_site()
    {
        var file = new AnalysisEngine(Rules).AnalyzeText("/w/k.ptx", InlinedPtx);
        var f = Assert.Single(file.Findings);
        Assert.Equal("PTX777", f.Rule.Id);
        Assert.Equal("/ptxlint/samples/cuda/helpers.cuh", f.SourceLocation!.FilePath);
        Assert.Equal((13, 25), (f.SourceLocation.Span.StartLine, f.SourceLocation.Span.StartColumn));
        Assert.Equal(new[] { "/ptxlint/samples/cuda/main.cu:28:5", "/ptxlint/samples/cuda/main.cu:40:3" },
            f.InlinedAt.Select(l => $"{l.FilePath}:{l.Span.StartLine}:{l.Span.StartColumn}"));
    }

    [Fact]
    public void Locations_ptx_keeps_the_ptx_line_primary_and_cuda_makes_the_cuda_line_primary()
    {
        using var tmp = new TempDir();
        var ptx = tmp.Write("build/k.ptx", InlinedPtx);
        var emptyRoot = Path.Combine(tmp.Path, "empty");
        Directory.CreateDirectory(emptyRoot);
        var logs = new List<string>();

        // 1. No .cu under the source root: the PTX line is primary, the CUDA line and the frames are related.
        var s1 = Path.Combine(tmp.Path, "ptx-primary.sarif");
        Assert.Equal(1, CliTestHost.RunReal(Rules, out _, out var err, "analyze", ptx, "--format", "sarif", "-o", s1, "--srcroot", emptyRoot));
        logs.Add(s1);
        var r = FirstResult(s1);
        Assert.StartsWith("file:///", Uri(r.GetProperty("locations")[0]));
        Assert.EndsWith("/build/k.ptx", Uri(r.GetProperty("locations")[0]));
        var related = Related(r);
        Assert.Contains(("file:///ptxlint/samples/cuda/helpers.cuh", 13, "CUDA source location (from .loc)."), related);
        Assert.Contains(("file:///ptxlint/samples/cuda/main.cu", 28, "Inlined at main.cu:28:5."), related);
        Assert.Contains(("file:///ptxlint/samples/cuda/main.cu", 40, "Inlined at main.cu:40:3 (the outermost call site)."), related);

        // 2. --locations cuda: the CUDA line is primary even though the file is not under the root.
        var s2 = Path.Combine(tmp.Path, "cuda-flag.sarif");
        Assert.Equal(1, CliTestHost.RunReal(Rules, out _, out err, "analyze", ptx, "--format", "sarif", "-o", s2, "--srcroot", emptyRoot, "--locations", "cuda"));
        logs.Add(s2);
        r = FirstResult(s2);
        Assert.Equal("file:///ptxlint/samples/cuda/helpers.cuh", Uri(r.GetProperty("locations")[0]));
        Assert.Contains(Related(r), x => x.Message == "The PTX instruction." && x.Uri.EndsWith("/build/k.ptx", StringComparison.Ordinal));

        // 3. The .cu files exist under the source root (found by the trailing part of the .file path): with --locations cuda
        //    they are primary, relative to %SRCROOT%; with the default (--locations ptx) the PTX line stays primary.
        var root = Path.Combine(tmp.Path, "checkout");
        var cuh = Path.Combine(root, "samples", "cuda", "helpers.cuh");
        Directory.CreateDirectory(Path.GetDirectoryName(cuh)!);
        File.WriteAllText(cuh, string.Concat(Enumerable.Range(1, 20).Select(i => $"// line {i} of helpers.cuh, long enough for column 25\n")));
        File.WriteAllText(Path.Combine(root, "samples", "cuda", "main.cu"), string.Concat(Enumerable.Range(1, 50).Select(i => $"// line {i}\n")));
        File.Copy(ptx, Path.Combine(root, "k.ptx"));
        var s3ptx = Path.Combine(tmp.Path, "cuda-found-ptx.sarif");
        Assert.Equal(1, CliTestHost.RunReal(Rules, out _, out err, "analyze", Path.Combine(root, "k.ptx"), "--format", "sarif", "-o", s3ptx, "--srcroot", root));
        logs.Add(s3ptx);
        r = FirstResult(s3ptx);
        Assert.Equal("k.ptx", Uri(r.GetProperty("locations")[0]));
        Assert.Contains(("samples/cuda/helpers.cuh", 13, "CUDA source location (from .loc)."), Related(r));
        var s3 = Path.Combine(tmp.Path, "cuda-found.sarif");
        Assert.Equal(1, CliTestHost.RunReal(Rules, out _, out err, "analyze", Path.Combine(root, "k.ptx"), "--format", "sarif", "-o", s3, "--srcroot", root, "--locations", "cuda"));
        logs.Add(s3);
        r = FirstResult(s3);
        var primary = r.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal("samples/cuda/helpers.cuh", primary.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal("%SRCROOT%", primary.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
        Assert.Equal(13, primary.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(25, primary.GetProperty("region").GetProperty("startColumn").GetInt32());
        related = Related(r);
        Assert.Contains(("k.ptx", 17, "The PTX instruction."), related);
        Assert.Contains(("samples/cuda/main.cu", 28, "Inlined at main.cu:28:5."), related);
        Assert.Contains(("samples/cuda/main.cu", 40, "Inlined at main.cu:40:3 (the outermost call site)."), related);
        using (var doc = JsonDocument.Parse(File.ReadAllText(s3)))
        {
            var artifacts = doc.RootElement.GetProperty("runs")[0].GetProperty("artifacts").EnumerateArray()
                .Select(a => a.GetProperty("location").GetProperty("uri").GetString()).ToList();
            Assert.Contains("samples/cuda/helpers.cuh", artifacts);
            Assert.Contains("samples/cuda/main.cu", artifacts);
        }

        // 4. The text output shows the CUDA line and the frames (found under the source root).
        Assert.Equal(1, CliTestHost.RunReal(Rules, out var text, out _, "analyze", Path.Combine(root, "k.ptx"), "--srcroot", root));
        Assert.Contains($"    note: CUDA source: {cuh}:13:25\n", text);
        Assert.Contains($"    note: inlined at: {Path.Combine(root, "samples", "cuda", "main.cu")}:28:5\n", text);
        Assert.Contains($"    note: inlined at: {Path.Combine(root, "samples", "cuda", "main.cu")}:40:3 (the outermost call site)\n", text);
        Assert.Equal(1, CliTestHost.RunReal(Rules, out text, out _, "analyze", ptx, "--srcroot", emptyRoot));
        Assert.Contains("    note: CUDA source: /ptxlint/samples/cuda/helpers.cuh:13:25\n", text);

        // 5. The samples (nvcc -lineinfo, .file "/ptxlint/samples/cuda/X.cu"): with the repository as the source root
        //    the .cu exists; --locations cuda makes it primary, the default keeps the PTX line.
        var sample = Path.Combine(Repo.Samples, "PTX005-barrier-in-divergent-control.bad.ptx");
        var s5ptx = Path.Combine(tmp.Path, "sample-ptx.sarif");
        Assert.Equal(1, CliTestHost.RunReal(Rules, out _, out err, "analyze", sample, "--format", "sarif", "-o", s5ptx, "--srcroot", Repo.Root, "--locations", "ptx"));
        logs.Add(s5ptx);
        using (var doc = JsonDocument.Parse(File.ReadAllText(s5ptx)))
            foreach (var res in doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray())
                Assert.Equal("samples/ptx/PTX005-barrier-in-divergent-control.bad.ptx", Uri(res.GetProperty("locations")[0]));
        var s5 = Path.Combine(tmp.Path, "sample.sarif");
        Assert.Equal(1, CliTestHost.RunReal(Rules, out _, out err, "analyze", sample, "--format", "sarif", "-o", s5, "--srcroot", Repo.Root, "--locations", "cuda"));
        logs.Add(s5);
        using (var doc = JsonDocument.Parse(File.ReadAllText(s5)))
        {
            var results = doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
            Assert.NotEmpty(results);
            foreach (var res in results)
            {
                Assert.Equal("samples/cuda/PTX005-barrier-in-divergent-control.bad.cu", Uri(res.GetProperty("locations")[0]));
                Assert.Contains(Related(res), x => x.Uri == "samples/ptx/PTX005-barrier-in-divergent-control.bad.ptx" && x.Message == "The PTX instruction.");
            }
        }

        // The SARIF validator: no errors, no warnings on any of them.
        var problems = SarifValidatorTests.Validate(logs, tmp.Path);
        Assert.True(problems.Count == 0, "SARIF multitool reported:\n" + string.Join("\n", problems));
    }

    /// <summary>An intrinsic from a CUDA system header (outside the source root) inlined into the kernel's .cu line.</summary>
    public const string SystemHeaderPtx = """
        .version 8.0
        .target sm_90a
        .address_size 64

        .visible .entry k()
        {
            .loc 1 20 3
            .loc 2 410 10, function_name $L__info_string0, inlined_at 1 20 3
            bar.sync 0;
            ret;
        }
            .file 1 "/build/agent/src/kernels/k.cu"
            .file 2 "/usr/local/cuda-13.0/include/sm_30_intrinsics.hpp"
        """;

    [Fact]
    public void The_cuda_location_is_the_innermost_frame_under_the_source_root_in_text_json_and_sarif()
    {
        using var tmp = new TempDir();
        var root = Path.Combine(tmp.Path, "repo");
        var cu = Path.Combine(root, "src", "kernels", "k.cu");
        Directory.CreateDirectory(Path.GetDirectoryName(cu)!);
        File.WriteAllText(cu, string.Concat(Enumerable.Range(1, 30).Select(i => $"// line {i} of k.cu\n")));
        var ptx = Path.Combine(root, "build", "k.ptx");
        Directory.CreateDirectory(Path.GetDirectoryName(ptx)!);
        File.WriteAllText(ptx, SystemHeaderPtx);
        const string Header = "/usr/local/cuda-13.0/include/sm_30_intrinsics.hpp";

        // Text: the repository line is the CUDA source; the header it inlined is a note.
        Assert.Equal(1, CliTestHost.RunReal(Rules, out var text, out _, "analyze", ptx, "--srcroot", root));
        Assert.Contains($"    note: CUDA source: {cu}:20:3\n", text);
        Assert.Contains($"    note: inlined from: {Header}:410:10\n", text);
        Assert.DoesNotContain("CUDA source: /usr/local", text);

        // JSON: the same frame, resolved to the local file, and the header as inlinedFrom.
        Assert.Equal(1, CliTestHost.RunReal(Rules, out var json, out _, "analyze", ptx, "--srcroot", root, "--format", "json"));
        using (var doc = JsonDocument.Parse(json))
        {
            var f = doc.RootElement[0];
            Assert.Equal(cu, f.GetProperty("sourceLocation").GetProperty("path").GetString());
            Assert.Equal(20, f.GetProperty("sourceLocation").GetProperty("line").GetInt32());
            Assert.Equal(0, f.GetProperty("inlinedAt").GetArrayLength());
            Assert.Equal(Header, f.GetProperty("inlinedFrom")[0].GetProperty("path").GetString());
        }

        // SARIF --locations cuda: primary src/kernels/k.cu:20 (relative), the header a related location.
        var sarif = Path.Combine(tmp.Path, "cuda.sarif");
        Assert.Equal(1, CliTestHost.RunReal(Rules, out _, out _, "analyze", ptx, "--srcroot", root, "--format", "sarif", "-o", sarif, "--locations", "cuda"));
        var r = FirstResult(sarif);
        Assert.Equal("src/kernels/k.cu", Uri(r.GetProperty("locations")[0]));
        Assert.Equal(20, r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32());
        var related = Related(r);
        Assert.Contains(("build/k.ptx", 9, "The PTX instruction."), related);
        Assert.Contains(($"file://{Header}", 410, "Inlined from sm_30_intrinsics.hpp:410:10."), related);
        var problems = SarifValidatorTests.Validate(new[] { sarif }, tmp.Path);
        Assert.True(problems.Count == 0, "SARIF multitool reported:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void A_finding_on_the_entry_line_takes_the_kernels_first_loc()
    {
        var rule = new Fakes.KernelRule(Fakes.Descriptor("PTX778", "kernel-here", Level.Warning));
        var file = new AnalysisEngine(new IRule[] { rule }).AnalyzeText("/w/k.ptx", InlinedPtx);
        var f = Assert.Single(file.Findings);
        Assert.Equal(5, f.Location.Span.StartLine); // the .entry line, which has no .loc
        Assert.Equal("/ptxlint/samples/cuda/main.cu", f.SourceLocation!.FilePath);
        Assert.Equal(38, f.SourceLocation.Span.StartLine);
    }

    [Fact]
    public void Source_root_lookup_finds_nvcc_paths_by_their_trailing_part()
    {
        using var tmp = new TempDir();
        var cu = tmp.Write("src/kernels/k.cu", "x\n");
        var paths = new SarifPaths(tmp.Path);
        Assert.Equal(cu, paths.FindUnderRoot(cu));
        Assert.Equal(cu, paths.FindUnderRoot("/home/runner/work/repo/repo/src/kernels/k.cu"));
        Assert.Equal(cu, paths.FindUnderRoot("src/kernels/k.cu"));
        Assert.Equal(cu, paths.FindUnderRoot(@"C:\agent\src\kernels\k.cu"));
        Assert.Null(paths.FindUnderRoot("/usr/local/cuda/include/cuda_runtime.h"));
        Assert.Null(paths.FindUnderRoot("/x/../../etc/k2.cu"));
    }

    private static JsonElement FirstResult(string sarif)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        return doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0].Clone();
    }

    private static string Uri(JsonElement location) =>
        location.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!;

    private static List<(string Uri, int Line, string Message)> Related(JsonElement result) =>
        result.GetProperty("relatedLocations").EnumerateArray()
            .Select(l => (Uri(l), l.GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32(),
                l.GetProperty("message").GetProperty("text").GetString()!))
            .ToList();
}
