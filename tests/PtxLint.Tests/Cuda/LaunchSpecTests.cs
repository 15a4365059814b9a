using System.Buffers.Binary;
using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;

namespace PtxLint.Tests.Cuda;

public class LaunchSpecTests
{
    [Fact]
    public void Parses_kernels_params_and_experiment_overrides()
    {
        var spec = LaunchSpecFile.Parse("""
            { "kernels": [ {
                "name": "rmsnorm_batched", "grid": [1, 1], "block": [256], "dynamicSharedBytes": 1024,
                "params": [
                  { "name": "out", "buffer": { "bytes": 4096, "fill": "sentinel", "elementType": "f32", "output": true } },
                  { "buffer": { "bytes": 4096, "fill": "random", "seed": 7, "elementType": "f32" } },
                  { "scalar": { "type": "u32", "value": 1024 } },
                  { "scalar": { "type": "f32", "value": "1e-5" } }
                ],
                "experiments": { "PTX002": { "rows": 8, "cols": 1024 }, "PTX009": { "runs": 10 },
                                 "PTX003": { "steps": 3, "positions": [0, 1, 2], "positionBufferParam": "pb", "staleValue": 0 } }
              } ] }
            """);
        var k = Assert.Single(spec.Kernels);
        Assert.Equal("rmsnorm_batched", k.Name);
        Assert.Equal([1, 1, 1], k.Grid);
        Assert.Equal([256, 1, 1], k.Block);
        Assert.Equal(1024, k.DynamicSharedBytes);
        Assert.Equal(4, k.Params.Count);
        Assert.True(k.Params[0].Buffer!.Output);
        Assert.Equal("sentinel", k.Params[0].Buffer!.Fill);
        Assert.Equal(7UL, k.Params[1].Buffer!.Seed);
        Assert.Equal("u32", k.Params[2].Scalar!.Type);
        Assert.Equal(8, k.For("PTX002").Rows);
        Assert.Equal(1024, k.For("PTX002").Cols);
        Assert.Equal(10, k.For("PTX009").Runs);
        Assert.Equal([0, 1, 2], k.For("PTX003").Positions!);
        Assert.Equal("pb", k.For("PTX003").PositionBufferParam);
        Assert.Null(k.For("PTX005").Rows); // absent -> defaults
        Assert.Equal([0x00, 0x04, 0, 0], ElementTypes.Encode("u32", k.Params[2].Scalar!.Value));
        Assert.Equal(1e-5f, BinaryPrimitives.ReadSingleLittleEndian(ElementTypes.Encode("f32", k.Params[3].Scalar!.Value)));
    }

    [Fact]
    public void A_single_kernel_object_at_the_top_is_accepted()
    {
        var spec = LaunchSpecFile.Parse("""{ "name": "k", "grid": [2,3,4], "params": [] }""");
        Assert.Equal([2, 3, 4], Assert.Single(spec.Kernels).Grid);
    }

    [Theory]
    [InlineData("""{ "kernels": [ { "params": [] } ] }""", "no \"name\"")]
    [InlineData("""{ "name": "k", "grid": [0] }""", "grid[0]")]
    [InlineData("""{ "name": "k", "params": [ { } ] }""", "exactly one")]
    [InlineData("""{ "name": "k", "params": [ { "buffer": { "bytes": 4, "fill": "ones" } } ] }""", "unknown fill")]
    [InlineData("""{ "name": "k", "params": [ { "buffer": { "bytes": 4, "elementType": "q7" } } ] }""", "elementType")]
    [InlineData("""{ "name": "k", "params": [ { "scalar": { "type": "u128", "value": 1 } } ] }""", "scalar type")]
    public void Invalid_specs_say_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => LaunchSpecFile.Parse(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Spec_file_is_found_beside_the_ptx()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var ptx = Path.Combine(dir.FullName, "k.ptx");
            File.WriteAllText(ptx, "");
            Assert.Null(LaunchSpecFile.LoadFor(ptx, null));
            File.WriteAllText(ptx + ".launch.json", """{ "kernels": [ { "name": "k" } ] }""");
            Assert.Equal("k", LaunchSpecFile.LoadFor(ptx, null)!.Kernels[0].Name);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Inference_from_parameters_and_reqntid_reports_every_assumption()
    {
        var module = PtxSignatureScanner.Scan("t.ptx", TestPtx.Saxpy);
        var spec = LaunchSpecInference.Infer(module.FindFunction("saxpy")!);
        Assert.True(spec.Inferred);
        Assert.Equal([256, 1, 1], spec.Block);
        Assert.Equal([1, 1, 1], spec.Grid);
        Assert.Equal(4, spec.Params.Count);
        Assert.NotNull(spec.Params[0].Buffer);           // .u64 .ptr
        Assert.NotNull(spec.Params[1].Buffer);           // .u64
        Assert.Equal("f32", spec.Params[2].Scalar!.Type);
        Assert.Equal("u32", spec.Params[3].Scalar!.Type);
        Assert.Equal(1UL, spec.Params[0].Buffer!.Seed);  // seeds follow buffer ordinals
        Assert.Equal(2UL, spec.Params[1].Buffer!.Seed);
        var text = string.Join("\n", spec.Assumptions);
        Assert.Contains(".reqntid", text);
        Assert.Contains("grid (1,1,1)", text);
        Assert.Contains("saxpy_param_0", text);
        Assert.Contains("n: u32 = 256", text);
    }

    [Fact]
    public void Inference_guesses_rows_positions_and_maxntid()
    {
        var module = PtxSignatureScanner.Scan("t.ptx", TestPtx.Saxpy);
        var b = LaunchSpecInference.Infer(module.FindFunction("rmsnorm_batched")!);
        Assert.Equal([128, 1, 1], b.Block);
        Assert.Contains(b.Assumptions, a => a.Contains(".maxntid"));
        Assert.Equal("1", b.Params[2].Scalar!.Value.GetRawText());     // rows
        Assert.Equal("1e-5", b.Params[4].Scalar!.Value.GetRawText());  // eps
        var d = LaunchSpecInference.Infer(module.FindFunction("decode_step")!);
        Assert.Equal("s32", d.Params[1].Buffer!.ElementType);          // position_buf: an index buffer
        Assert.Equal("0", d.Params[2].Scalar!.Value.GetRawText());     // pos
        Assert.Equal([128, 1, 1], d.Block);
    }

    [Fact]
    public void Aggregate_parameters_need_a_spec()
    {
        var module = PtxSignatureScanner.Scan("t.ptx", TestPtx.Saxpy);
        var e = Assert.Throws<FormatException>(() => LaunchSpecInference.Infer(module.FindFunction("tmem_kernel")!));
        Assert.Contains("give a launch spec", e.Message);
    }

    [Fact]
    public void Resolve_prefers_the_file_and_checks_the_parameter_count()
    {
        var module = PtxSignatureScanner.Scan("t.ptx", TestPtx.Saxpy);
        var fn = module.FindFunction("rmsnorm")!;
        var ok = LaunchSpecFile.Parse("""{ "name": "rmsnorm", "params": [ {"buffer":{"bytes":4}}, {"buffer":{"bytes":4}}, {"scalar":{"type":"u32","value":1}}, {"scalar":{"type":"f32","value":1}} ] }""");
        var spec = LaunchSpecInference.Resolve(fn, ok);
        Assert.False(spec.Inferred);
        Assert.Equal("out", spec.Params[0].Name); // names filled in from the kernel
        var bad = LaunchSpecFile.Parse("""{ "name": "rmsnorm", "params": [ {"buffer":{"bytes":4}} ] }""");
        Assert.Throws<FormatException>(() => LaunchSpecInference.Resolve(fn, bad));
    }

    [Fact]
    public void Signature_scanner_reads_version_target_and_params()
    {
        var m = PtxSignatureScanner.Scan("t.ptx", TestPtx.Saxpy);
        Assert.Equal(new Version(8, 0), m.PtxVersion);
        Assert.Equal("sm_80", m.SmTarget);
        Assert.Equal(64, m.AddressSize);
        Assert.Equal(["saxpy", "rmsnorm_batched", "rmsnorm", "decode_step", "tmem_kernel"], m.Kernels.Select(k => k.Name));
        var p = m.FindFunction("saxpy")!.Parameters;
        Assert.Equal(["saxpy_param_0", "saxpy_param_1", "saxpy_param_2", "n"], p.Select(x => x.Name));
        Assert.True(p[0].IsPointerAttr);
        Assert.Equal(".f32", p[2].TypeName);
        Assert.Equal(64, m.FindFunction("tmem_kernel")!.Parameters[0].ElementCount);
    }
}
