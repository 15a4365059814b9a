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
    [InlineData("""{ "failLvel": "error" }""", "did you mean 'failLevel'?")]
    [InlineData("""{ "rules": { "PTX102": { "options": { "patern": "x" } } } }""", "unknown option 'patern' of rule PTX102 (key 'rules.PTX102.options.patern'); did you mean 'pattern'?")]
    [InlineData("""{ "rules": { "PTX101": { "options": { "pattern": "x" } } } }""", "PTX101 has no options")]
    [InlineData("""{ "rules": { "PTX102": { "options": { "pattern": "(" } } } }""", "'rules.PTX102.options.pattern' invalid regular expression \"(\"")]
    [InlineData("""{ "rules": { "PTX102": { "options": { "pattern": 3 } } } }""", "'rules.PTX102.options.pattern' must be a regular expression (a JSON string), got 3")]
    [InlineData("""{ "rules": { "PTX102": { "options": { "limit": 11 } } } }""", "'rules.PTX102.options.limit' must be between 0 and 10, got 11")]
    [InlineData("""{ "rules": { "PTX102": { "options": { "limit": "many" } } } }""", "'rules.PTX102.options.limit' must be an integer")]
    [InlineData("""{ "rules": { "PTX102": { "options": { "flag": "maybe" } } } }""", "'rules.PTX102.options.flag' must be true or false")]
    [InlineData("""{ "rules": { "PTX102": { "options": { "flag": [] } } } }""", "'rules.PTX102.options.flag' must be a boolean")]
    public void Bad_config_is_a_clear_error_naming_the_key_and_file(string json, string expected)
    {
        using var tmp = new TempDir();
        var path = tmp.Write("ptxlint.json", json);
        var e = Assert.Throws<ConfigException>(() => PtxLintConfig.Load(path, Known));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Typed_options_reach_the_rule_as_values_and_defaults()
    {
        using var tmp = new TempDir();
        var path = tmp.Write("ptxlint.json", """{ "rules": { "PTX102": { "options": { "pattern": "^batched_", "limit": 3, "flag": "yes" } } } }""");
        var cfg = PtxLintConfig.Load(path, Known);
        var module = Fakes.Parse("a.ptx", "x\n");
        var ctx = new RuleContext(module, Fakes.NoteRule, Level.Note, cfg.Rules["PTX102"].Options, new List<Finding>());
        Assert.Matches(ctx.Option(Fakes.PatternOption), "batched_rows");
        Assert.Equal(3, ctx.Option(Fakes.LimitOption));
        Assert.True(ctx.Option(Fakes.FlagOption));
        var none = new RuleContext(module, Fakes.NoteRule, Level.Note, new Dictionary<string, string>(), new List<Finding>());
        Assert.Equal("^x", none.Option(Fakes.PatternOption).ToString());
        Assert.Equal(1, none.Option(Fakes.LimitOption));
        Assert.False(none.Option(Fakes.FlagOption));
        // A value that bypassed the loader (a test's own dictionary) is an error, never a silent default.
        var bad = new RuleContext(module, Fakes.NoteRule, Level.Note, new Dictionary<string, string> { ["limit"] = "x" }, new List<Finding>());
        Assert.Throws<ConfigException>(() => bad.Option(Fakes.LimitOption));
    }

    [Fact]
    public void Every_real_rule_option_is_typed_and_documented_on_its_page()
    {
        foreach (var rule in PtxLint.Rules.RuleRegistry.All)
        {
            var d = rule.Descriptor;
            var page = d.HelpMarkdown.Replace("\r\n", "\n");
            int at = page.IndexOf("\n## Options\n", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{d.Id}: docs page has no '## Options' section");
            int end = page.IndexOf("\n## ", at + 1, StringComparison.Ordinal);
            var section = end < 0 ? page[at..] : page[at..end];
            var documented = System.Text.RegularExpressions.Regex.Matches(section, @"^\| `(\w+)` \| `([^`]*)` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
                .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
            Assert.Equal(d.Options.Select(o => o.Name).OrderBy(x => x), documented.Select(x => x.Item1).OrderBy(x => x));
            foreach (var o in d.Options)
            {
                var doc = documented.Single(x => x.Item1 == o.Name).Item2.Replace("\\|", "|");
                Assert.True(o.DefaultText == doc || o.DefaultText == $"\"{doc}\"", $"{d.Id}.{o.Name}: page default `{doc}`, declared {o.DefaultText}");
                Assert.True(o.TryParseValue(o.DefaultText.Trim('"'), out _, out var err), err);
            }
        }
    }
}
