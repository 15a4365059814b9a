using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Engine;

/// <summary>The generic grouping: findings of one rule with one <see cref="Finding.Cause"/> in one function become one.</summary>
public sealed class FindingGroupingTests
{
    private static readonly RuleDescriptor Grouped = Fakes.Descriptor("PTX120", "grouped-thing", Level.Warning);

    /// <summary>Reports each "USE x" line with the cause "x" (the function is the text before ':' on the line, if any).</summary>
    private sealed class CauseRule : IRule
    {
        public RuleDescriptor Descriptor => Grouped;

        public void Check(RuleContext context)
        {
            var src = context.Module.Source;
            for (int ln = 1; ln <= src.LineCount; ln++)
            {
                var line = src.GetLine(ln);
                int col = line.IndexOf("USE ", StringComparison.Ordinal);
                if (col < 0) continue;
                var cause = line[(col + 4)..].Trim();
                var f = context.Report(new SourceSpan(ln, col + 1, ln, col + 4), $"`USE` of `{cause}` at line {ln}");
                f.Cause = new FindingCause(cause, $"use of `{cause}`", $"uses of `{cause}`", $"`USE {cause}` again");
                f.Help = $"Stop using `{cause}`.";
            }
        }
    }

    private static AnalyzedFile Analyze(string text) =>
        new AnalysisEngine(new AnalysisOptions { Rules = new IRule[] { new CauseRule() }, Parser = Fakes.Parse }).AnalyzeText("/w/k.ptx", text);

    [Fact]
    public void One_cause_is_one_finding_with_the_others_as_occurrences()
    {
        var file = Analyze("USE a\nUSE b\nUSE a\nx\nUSE a\n");
        Assert.Equal(2, file.Findings.Count);
        var a = file.Findings.Single(f => f.Message.Contains("`a`"));
        Assert.Equal("`USE` of `a` at line 1 (and 2 more uses of `a`)", a.Message);
        Assert.Equal(3, a.Occurrences);
        Assert.Equal(1, a.Location.Span.StartLine); // the first in source order stays
        Assert.Equal(new[] { (3, "`USE a` again"), (5, "`USE a` again") },
            a.Related.Where(r => r.IsOccurrence).Select(r => (r.Location.Span.StartLine, r.Message)));
        var b = file.Findings.Single(f => f.Message.Contains("`b`"));
        Assert.Equal("`USE` of `b` at line 2", b.Message);
        Assert.Equal(1, b.Occurrences);
        Assert.Equal("`USE` of `a` at line 1 (and 1 more use of `a`)", Analyze("USE a\nUSE a\n").Findings.Single().Message);
    }

    [Fact]
    public void A_suppressed_occurrence_stays_its_own_finding_and_its_comment_is_used()
    {
        var file = Analyze("USE a\n// ptxlint-disable-next-line PTX120 reviewed\nUSE a\nUSE a\n");
        Assert.DoesNotContain(file.Findings, f => f.Rule.Id == UnusedSuppressionRule.Id);
        var suppressed = Assert.Single(file.Findings, f => f.Suppression is not null);
        Assert.Equal(3, suppressed.Location.Span.StartLine);
        var shown = Assert.Single(file.Findings, f => f.Suppression is null);
        Assert.Equal(2, shown.Occurrences);
        Assert.Equal(4, Assert.Single(shown.Related, r => r.IsOccurrence).Location.Span.StartLine);
    }

    [Fact]
    public void Different_levels_functions_or_no_cause_are_never_merged()
    {
        Finding Make(int line, Level level, string? cause, string function = "k") =>
            new(Grouped, level, $"m{line}", new Location("/w/k.ptx", new SourceSpan(line, 1, line, 2)))
            {
                FunctionName = function,
                Cause = cause is null ? null : new FindingCause(cause, "x", "xs"),
            };
        var findings = new List<Finding>
        {
            Make(1, Level.Warning, "c"), Make(2, Level.Error, "c"), Make(3, Level.Warning, null), Make(4, Level.Warning, null),
            Make(5, Level.Warning, "c", "k2"),
        };
        Assert.Equal(0, FindingGrouping.Merge(findings));
        Assert.Equal(5, findings.Count);
        findings.Add(Make(6, Level.Warning, "c"));
        Assert.Equal(1, FindingGrouping.Merge(findings));
        Assert.Equal("m1 (and 1 more x)", findings[0].Message);
    }

    [Fact]
    public void Text_lists_at_most_ten_occurrences_json_and_sarif_all_of_them()
    {
        var text = string.Concat(Enumerable.Range(0, 15).Select(_ => "USE z\n"));
        var file = Analyze(text);
        var f = Assert.Single(file.Findings);
        Assert.Equal(15, f.Occurrences);
        var sw = new StringWriter();
        TextReportWriter.Write(sw, new[] { file }, new TextReportOptions { BaseDirectory = "/w" }, TimeSpan.Zero);
        var output = sw.ToString();
        Assert.Equal(10, output.Split('\n').Count(l => l.Contains("`USE z` again")));
        Assert.Contains("    note: and 4 more (--format json or sarif lists every occurrence)\n", output);
        Assert.Contains("    help: Stop using `z`.\n", output);
        var ms = new MemoryStream();
        JsonReportWriter.Write(ms, new[] { file });
        using var doc = System.Text.Json.JsonDocument.Parse(ms.ToArray());
        Assert.Equal(14, doc.RootElement[0].GetProperty("related").EnumerateArray().Count(r => r.GetProperty("occurrence").GetBoolean()));
        var log = SarifWriter.Build(new[] { file }, new[] { Grouped }, new SarifWriterOptions { SourceRoot = "/w" });
        var result = Assert.Single(log.Runs[0].Results!);
        Assert.Equal(14, result.RelatedLocations!.Count);
        Assert.Equal(15, result.Properties!["occurrences"]!.GetValue<int>());
        Assert.Equal("`USE` of `z` at line 1 (and 14 more uses of `z`).", result.Message.Text);
        Assert.Equal("`USE` of `z` at line 1 (and 14 more uses of `z`).\n\n**Help:** Stop using `z`.", result.Message.Markdown);
        using var tmp = new TempDir();
        var path = Path.Combine(tmp.Path, "grouped.sarif");
        using (var fs = File.Create(path)) SarifWriter.Write(fs, log);
        var problems = PtxLint.Tests.Output.SarifValidatorTests.Validate(new[] { path }, tmp.Path);
        Assert.True(problems.Count == 0, "SARIF multitool reported:\n" + string.Join("\n", problems));
    }
}
