using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Cli;

/// <summary>Typed rule options through the real command line: ptxlint.json values checked at load, `explain` lists them.</summary>
public sealed class RuleOptionsCliTests
{
    private static string Sample(string name) => Path.Combine(Repo.Samples, name);

    [Theory]
    [InlineData("""{ "rules": { "PTX002": { "options": { "batchedKernelPattern": "(batch" } } } }""",
        "'rules.PTX002.options.batchedKernelPattern' invalid regular expression \"(batch\"")]
    [InlineData("""{ "rules": { "PTX002": { "options": { "batchKernelPattern": "batch" } } } }""",
        "unknown option 'batchKernelPattern' of rule PTX002 (key 'rules.PTX002.options.batchKernelPattern'); did you mean 'batchedKernelPattern'?")]
    [InlineData("""{ "rules": { "PTX004": { "options": { "strict": true } } } }""", "PTX004 has no options")]
    [InlineData("""{ "rules": { "PTX005": { "options": { "reportEarlyExit": "sometimes" } } } }""",
        "'rules.PTX005.options.reportEarlyExit' must be true or false")]
    public void A_bad_option_value_or_name_is_an_error_naming_the_file_and_the_key(string json, string expected)
    {
        using var tmp = new TempDir();
        var cfg = tmp.Write("ptxlint.json", json);
        var ptx = Path.Combine(tmp.Path, "k.ptx");
        File.Copy(Sample("PTX002-batched-kernel-ignores-ctaid-y.bad.ptx"), ptx);
        var rc = CliTestHost.RunReal(RuleRegistry.All, out var o, out var e, "analyze", ptx);
        Assert.Equal(2, rc);
        Assert.Contains($"ptxlint: error: {cfg}: ", e);
        Assert.Contains(expected, e);
        Assert.Equal("", o); // nothing analyzed, no summary
    }

    [Fact]
    public void A_valid_option_changes_what_the_rule_reports()
    {
        using var tmp = new TempDir();
        var ptx = Path.Combine(tmp.Path, "k.ptx");
        File.Copy(Sample("PTX002-batched-kernel-ignores-ctaid-y.bad.ptx"), ptx);
        Assert.Equal(1, CliTestHost.RunReal(RuleRegistry.All, out var o, out _, "analyze", ptx, "--select", "PTX002"));
        Assert.Contains("warning PTX002", o);
        // A pattern that no kernel name matches: add_bias_batched is no longer batched by name (and does not read %nctaid.y).
        tmp.Write("ptxlint.json", """{ "rules": { "PTX002": { "options": { "batchedKernelPattern": "^never$" } } } }""");
        Assert.Equal(0, CliTestHost.RunReal(RuleRegistry.All, out o, out var e, "analyze", ptx, "--select", "PTX002"));
        Assert.DoesNotContain("PTX002", o);
        Assert.Equal("", e);
    }

    [Fact]
    public void Explain_lists_each_rules_options_with_type_and_default()
    {
        Assert.Equal(0, CliTestHost.RunReal(RuleRegistry.All, out var o, out _, "explain", "PTX002"));
        Assert.Contains("## Options", o);
        Assert.Contains("| `batchedKernelPattern` | regex | `\"(?i)batch\"` | a .NET regular expression |", o);
        Assert.Contains("""{ "rules": { "PTX002": { "options": { "batchedKernelPattern": "(?i)batch" } } } }""", o);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(o, "^## Options$", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Contains("## How to suppress", o); // the sections after Options are kept

        Assert.Equal(0, CliTestHost.RunReal(RuleRegistry.All, out o, out _, "explain", "barrier-in-divergent-control"));
        Assert.Contains("| `reportEarlyExit` | boolean | `false` | true or false |", o);

        foreach (var rule in RuleRegistry.All)
        {
            Assert.Equal(0, CliTestHost.RunReal(RuleRegistry.All, out o, out _, "explain", rule.Descriptor.Id));
            Assert.Contains("## Options", o);
            foreach (var opt in rule.Descriptor.Options) Assert.Contains($"| `{opt.Name}` | {opt.TypeName} |", o);
            if (rule.Descriptor.Options.Count == 0) Assert.Contains("## Options\n\nNone.", o.Replace("\r\n", "\n"));
        }
    }
}
