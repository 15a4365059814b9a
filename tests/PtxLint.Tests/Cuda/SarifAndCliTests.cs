using System.Text.Json.Nodes;
using PtxLint.Cli.Commands;
using PtxLint.Cuda.Confirm;

namespace PtxLint.Tests.Cuda;

public class SarifAndCliTests
{
    private const string Sarif = """
        { "version": "2.1.0", "runs": [ { "tool": { "driver": { "name": "PtxLint" } }, "results": [
          { "ruleId": "PTX002", "level": "warning", "message": { "text": "batched kernel ignores ctaid.y" },
            "locations": [ { "physicalLocation": { "artifactLocation": { "uri": "samples/ptx/k.ptx" }, "region": { "startLine": 12, "startColumn": 5 } },
                             "logicalLocations": [ { "name": "rmsnorm_batched", "kind": "function" } ] } ] },
          { "ruleId": "PTX009", "level": "note", "message": { "text": "float atomic" },
            "locations": [ { "physicalLocation": { "artifactLocation": { "uri": "samples/ptx/other.ptx" }, "region": { "startLine": 3 } } } ] }
        ] } ] }
        """;

    [Fact]
    public void Reads_the_results_of_the_file_and_writes_verdicts_back()
    {
        var s = SarifFindings.Read(Sarif, "samples/ptx/k.ptx");
        var f = Assert.Single(s.Findings);
        Assert.Equal("PTX002", f.Rule.Id);
        Assert.Equal("rmsnorm_batched", f.FunctionName);
        Assert.Equal(12, f.Location.Span.StartLine);
        new Confirmation("PTX002", "rmsnorm_batched", Verdict.Confirmed, "rows 1..7 never written", "device: x").AttachTo(f);
        var log = JsonNode.Parse(s.WriteBack())!;
        var props = log["runs"]![0]!["results"]![0]!["properties"]!["confirmation"]!;
        Assert.Equal("confirmed", props["verdict"]!.GetValue<string>());
        Assert.Equal("rows 1..7 never written", props["reason"]!.GetValue<string>());
        Assert.Null(log["runs"]![0]!["results"]![1]!["properties"]);
    }

    [Fact]
    public void Minimal_sarif_carries_the_confirmation()
    {
        var f = TestPtx.Finding("PTX009", "saxpy", 7);
        new Confirmation("PTX009", "saxpy", Verdict.Unsupported, "no CUDA driver (libcuda.so.1 not found)", "").AttachTo(f);
        var log = JsonNode.Parse(SarifFindings.WriteMinimal("k.ptx", [f]))!;
        Assert.Equal("2.1.0", log["version"]!.GetValue<string>());
        var r = log["runs"]![0]!["results"]![0]!;
        Assert.Equal("unsupported", r["properties"]!["confirmation"]!["verdict"]!.GetValue<string>());
        Assert.Equal(7, r["locations"]![0]!["physicalLocation"]!["region"]!["startLine"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5", 1_500)]
    public void Durations(string text, double ms) => Assert.Equal(ms, ConfirmCommand.ParseDuration(text)!.Value.TotalMilliseconds);

    [Theory]
    [InlineData("")]
    [InlineData("-1s")]
    [InlineData("soon")]
    public void Bad_durations(string text) => Assert.Null(ConfirmCommand.ParseDuration(text));

    [Fact]
    public async Task Confirm_with_findings_from_sarif_without_a_driver_writes_unsupported()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var ptx = Path.Combine(dir.FullName, "k.ptx");
            File.WriteAllText(ptx, TestPtx.Saxpy);
            var sarif = Path.Combine(dir.FullName, "run.sarif");
            File.WriteAllText(sarif, Sarif.Replace("samples/ptx/k.ptx", ptx));
            var outText = Path.Combine(dir.FullName, "out.txt");
            var outSarif = Path.Combine(dir.FullName, "out.sarif");
            var options = new ConfirmOptions { DriverCheck = () => "no CUDA driver (libcuda.so.1 not found)" };
            Assert.Equal(0, await ConfirmCommand.RunAsync(new FileInfo(ptx), new FileInfo(sarif), null, "text", new FileInfo(outText), options, null, default));
            var text = File.ReadAllText(outText);
            Assert.Contains("PTX002 in rmsnorm_batched: unsupported", text);
            Assert.Contains("no CUDA driver (libcuda.so.1 not found)", text);
            Assert.Contains("1 findings: 1 unsupported", text);
            Assert.Equal(0, await ConfirmCommand.RunAsync(new FileInfo(ptx), new FileInfo(sarif), null, "sarif", new FileInfo(outSarif), options, null, default));
            Assert.Contains("\"verdict\": \"unsupported\"", File.ReadAllText(outSarif));
            // without --findings and without an analysis engine wired: a clear usage error
            Assert.Equal(2, await ConfirmCommand.RunAsync(new FileInfo(ptx), null, null, "text", new FileInfo(outText), options, null, default));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Commands_have_the_documented_options()
    {
        var confirm = ConfirmCommand.Create();
        Assert.Equal("confirm", confirm.Name);
        Assert.Equal(["--findings", "--kernel", "--spec", "--timeout", "--format", "--output", "--no-sanitizer", "--rule", "--determinism", "--runs", "--save-spec"],
                     confirm.Options.Select(o => o.Name));
        var parity = ParityCommand.Create();
        Assert.Equal(["--batched", "--single", "--spec", "--timeout"], parity.Options.Select(o => o.Name));
        var parsed = confirm.Parse(["k.ptx", "--timeout", "3s", "--format", "sarif"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(TimeSpan.FromSeconds(3), parsed.GetValue<TimeSpan>("--timeout"));
        Assert.NotEmpty(confirm.Parse(["k.ptx", "--timeout", "soon"]).Errors);
        Assert.NotEmpty(confirm.Parse(["k.ptx", "--format", "xml"]).Errors);
    }
}
