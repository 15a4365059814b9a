using PtxLint.Cli;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Output;

/// <summary>The SARIF of the README's main job (`ptxlint analyze samples/ptx`, real parser and rules) validates.</summary>
public sealed class SampleRunSarifTests
{
    [Fact]
    public void Sarif_of_the_sample_run_with_the_real_rules_passes_the_multitool()
    {
        using var tmp = new TempDir();
        var logs = new List<string>();
        foreach (var (name, extra) in new[] { ("samples.sarif", Array.Empty<string>()), ("samples-cuda.sarif", new[] { "--locations", "cuda", "--select", "PTX001,PTX002,PTX003,PTX004,PTX005,PTX006,PTX007,PTX008,PTX009,PTX010,PTX011,PTX012" }) })
        {
            var path = Path.Combine(tmp.Path, name);
            var output = new StringWriter();
            var error = new StringWriter();
            var ctx = new CliContext { Out = output, Error = error, Rules = PtxLint.Rules.RuleRegistry.All };
            var args = new[] { "analyze", Repo.Samples, "--format", "sarif", "--output", path, "--srcroot", Repo.Root, "--category", "ptxlint/samples/" }.Concat(extra).ToArray();
            int rc = Program.Run(args, ctx);
            Assert.True(rc == 1, $"exit {rc}: {error}");
            var text = File.ReadAllText(path);
            // every rule with a bad sample reports on it; fixed samples stay clean
            foreach (var id in new[] { "PTX001", "PTX002", "PTX003", "PTX004", "PTX005", "PTX006", "PTX007", "PTX008", "PTX009", "PTX011", "PTX012" })
                Assert.Contains($"\"ruleId\": \"{id}\"", text);
            Assert.DoesNotContain(".fixed.ptx\"", text.Split("\"results\"")[1].Split("\"artifacts\"")[0]);
            logs.Add(path);
        }
        var problems = SarifValidatorTests.Validate(logs, tmp.Path);
        Assert.True(problems.Count == 0, "SARIF multitool reported:\n" + string.Join("\n", problems));
    }
}
