using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Engine;

public sealed class ConfigTests
{
    private static IReadOnlyList<RuleDescriptor> Known =>
        EngineRules.All.Concat(Fakes.Rules.Select(r => r.Descriptor)).ToList();

    [Fact]
    public void Levels_options_globs_and_fail_level_apply_per_directory()
    {
        using var tmp = new TempDir();
        tmp.Write("proj/ptxlint.json", """
            {
              // comments are allowed
              "failLevel": "error",
              "exclude": ["gen/**", "skip.ptx"],
              "rules": {
                "PTX101": "off",
                "noted-thing": { "level": "error", "options": { "pattern": "^batched_", "limit": 3 } }
              }
            }
            """);
        var a = tmp.Write("proj/sub/a.ptx", "BAD NOTE\n");
        tmp.Write("proj/gen/g.ptx", "BAD\n");
        tmp.Write("proj/skip.ptx", "BAD\n");
        var outside = tmp.Write("other/o.ptx", "BAD\n");
        var engine = new AnalysisEngine(new AnalysisOptions { Rules = Fakes.Rules, Parser = Fakes.Parse, Config = new ConfigResolver(Known) });
        var result = engine.Analyze(new[] { tmp.Path });
        Assert.Equal(new[] { outside, a }.OrderBy(x => x, StringComparer.Ordinal), result.Files.Select(f => f.Path));
        var fa = result.Files.Single(f => f.Path == a);
        Assert.Equal(Level.Error, fa.Config!.FailLevel);
        var n = Assert.Single(fa.Findings);
        Assert.Equal(("PTX102", Level.Error), (n.Rule.Id, n.Level));
        Assert.Equal("3", fa.Config.Rules["PTX102"].Options["limit"]);
        Assert.Equal("PTX101", result.Files.Single(f => f.Path == outside).Findings.Single().Rule.Id);
    }

    [Fact]
    public void Explicit_config_applies_everywhere()
    {
        using var tmp = new TempDir();
        var cfg = tmp.Write("cfg/custom.json", """{ "rules": { "PTX102": "off" } }""");
        var a = tmp.Write("a.ptx", "BAD NOTE\n");
        var engine = new AnalysisEngine(new AnalysisOptions { Rules = Fakes.Rules, Parser = Fakes.Parse, Config = new ConfigResolver(Known, cfg) });
        Assert.Equal(new[] { "PTX101" }, engine.Analyze(new[] { a }).Findings.Select(f => f.Rule.Id));
    }

    [Theory]
    [InlineData("""{ "rulez": {} }""", "unknown key 'rulez'")]
    [InlineData("""{ "rules": { "PTX999": "off" } }""", "unknown rule 'PTX999'")]
    [InlineData("""{ "rules": { "PTX101": { "levle": "off" } } }""", "unknown key 'rules.PTX101.levle'")]
    [InlineData("""{ "failLevel": "loud" }""", "'failLevel' must be one of")]
    [InlineData("""{ "include": [1] }""", "'include' must be a list")]
    [InlineData("""{ nope""", "invalid JSON")]
    public void Bad_config_is_a_clear_error_naming_the_key_and_file(string json, string expected)
    {
        using var tmp = new TempDir();
        var path = tmp.Write("ptxlint.json", json);
        var e = Assert.Throws<ConfigException>(() => PtxLintConfig.Load(path, Known));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }
}
