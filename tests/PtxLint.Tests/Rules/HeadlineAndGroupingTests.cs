using System.Text.Json;
using System.Text.RegularExpressions;
using PtxLint.Engine;
using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

/// <summary>
/// Issue 14's bar for every rule, measured through the real command line (<c>analyze --format json</c>, every rule
/// selected) on samples/ptx, plus a small file of syntax errors and stale suppressions for PTX000 and PTX900, which the
/// samples (valid, unsuppressed PTX) never trigger:
/// <list type="bullet">
/// <item>the headline is short: median at most 120 characters, none over 200;</item>
/// <item>no kernel has two findings of one rule that share a cause. The cause is judged from the output, not from the
/// rule's own <c>Cause</c> key: two findings of one rule in one kernel whose fix (<c>help</c>) is the same, or whose
/// headlines differ only in register names and numbers, are the same cause reported twice.</item>
/// </list>
/// </summary>
public sealed class HeadlineAndGroupingTests
{
    public const int MedianLimit = 120, MaxLimit = 200;

    /// <summary>PTX000 and PTX900 inputs: statements that do not parse and suppressions that suppress nothing.</summary>
    public const string EngineRulesPtx = """
        .version 8.0
        .target sm_90a
        .address_size 64

        // ptxlint-disable-file PTX004 nothing here allocates tensor memory
        .visible .entry k(.param .u64 k_param_0)
        {
            .reg .b32 %r<8>;
            // ptxlint-disable-next-line PTX777 no such rule
            mov.u32 %r1, %tid.x;
            mov.u32 %r2 %r1;
            add.u32 %r3, %r1, ;
            // ptxlint-disable-next-line
            ret;
        }
        """;

    private sealed record Measured(string Path, string? Function, string RuleId, string Message, string? Help);

    private static readonly Lazy<List<Measured>> All = new(() =>
    {
        using var tmp = new TempDir();
        var extra = tmp.Write("engine-rules.ptx", EngineRulesPtx);
        var ids = string.Join(",", new AnalysisEngine(RuleRegistry.All).AllRules.Select(r => r.Id));
        var rc = CliTestHost.RunReal(RuleRegistry.All, out var json, out var err, "analyze", Repo.Samples, extra, "--format", "json", "--select", ids);
        Assert.True(rc == 1, $"exit {rc}: {err}");
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => new Measured(
            e.GetProperty("path").GetString()!,
            e.TryGetProperty("function", out var fn) ? fn.GetString() : null,
            e.GetProperty("ruleId").GetString()!,
            e.GetProperty("message").GetString()!,
            e.TryGetProperty("help", out var h) ? h.GetString() : null)).ToList();
    });

    public static IEnumerable<object[]> RuleIds() =>
        new AnalysisEngine(RuleRegistry.All).AllRules.Select(r => new object[] { r.Id });

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Headlines_are_short(string ruleId)
    {
        var lengths = All.Value.Where(f => f.RuleId == ruleId).Select(f => f.Message.Length).OrderBy(n => n).ToList();
        Assert.True(lengths.Count > 0, $"{ruleId} reports nothing on the samples and the engine-rules file: nothing to measure");
        double median = lengths.Count % 2 == 1 ? lengths[lengths.Count / 2] : (lengths[lengths.Count / 2 - 1] + lengths[lengths.Count / 2]) / 2.0;
        var longest = All.Value.Where(f => f.RuleId == ruleId).MaxBy(f => f.Message.Length)!;
        Assert.True(median <= MedianLimit && lengths[^1] <= MaxLimit,
            $"{ruleId}: {lengths.Count} findings, median headline {median} characters (limit {MedianLimit}), longest {lengths[^1]} (limit {MaxLimit}): {longest.Message}");
    }

    [Fact]
    public void Headlines_are_short_over_all_rules()
    {
        var lengths = All.Value.Select(f => f.Message.Length).OrderBy(n => n).ToList();
        Assert.True(lengths[lengths.Count / 2] <= MedianLimit, $"median {lengths[lengths.Count / 2]}");
        Assert.True(lengths[^1] <= MaxLimit, $"longest {lengths[^1]}");
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void No_kernel_has_two_findings_of_one_rule_with_one_cause(string ruleId)
    {
        var problems = new List<string>();
        foreach (var g in All.Value.Where(f => f.RuleId == ruleId && f.Function is not null).GroupBy(f => (f.Path, f.Function)))
        {
            var list = g.ToList();
            for (int i = 0; i < list.Count; i++)
                for (int j = i + 1; j < list.Count; j++)
                {
                    if (list[i].Help is { } h && h == list[j].Help)
                        problems.Add($"{g.Key.Path} {g.Key.Function}: the same fix twice: {h}");
                    else if (Shape(list[i].Message) == Shape(list[j].Message))
                        problems.Add($"{g.Key.Path} {g.Key.Function}: the same headline twice: {list[i].Message} | {list[j].Message}");
                }
        }
        Assert.True(problems.Count == 0, $"{ruleId}: {problems.Count} pairs of findings share a cause:\n" + string.Join("\n", problems.Distinct()));
    }

    /// <summary>A headline without what varies between occurrences of one cause: registers, numbers, the "(and N more ...)" tail.</summary>
    internal static string Shape(string message) =>
        Regex.Replace(Regex.Replace(Regex.Replace(message, @" \(and \d+ more [^)]*\)$", ""), @"%[A-Za-z_]+\d+", "%R"), @"\d+", "N");
}
