using System.Text.Json;
using PtxLint.Diagnostics;
using PtxLint.Engine;

namespace PtxLint.Output;

/// <summary>One row of <c>--statistics</c>: a rule, how many findings it reported and how many occurrences they stand for.</summary>
public sealed record RuleCount(RuleDescriptor Rule, Level Level, int Findings, int Occurrences);

/// <summary><c>--statistics</c>: counts per rule (as ruff prints them) instead of the findings.</summary>
public static class Statistics
{
    /// <summary>The rules with at least one shown finding (suppressed and baseline-unchanged ones left out), most findings first.</summary>
    public static IReadOnlyList<RuleCount> Compute(IEnumerable<AnalyzedFile> files, Func<Finding, bool>? show = null) =>
        files.SelectMany(f => f.Findings)
            .Where(f => f.Suppression is null && f.Level != Level.None && (show is null || show(f)))
            .GroupBy(f => f.Rule.Id, StringComparer.Ordinal)
            .Select(g => new RuleCount(g.First().Rule, g.Max(f => f.Level), g.Count(), g.Sum(f => f.Occurrences)))
            .OrderByDescending(r => r.Findings).ThenBy(r => r.Rule.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>Text: <c>COUNT  ID  LEVEL  NAME</c> lines (occurrences in parentheses when grouping merged some).</summary>
    public static void WriteText(TextWriter output, IReadOnlyList<RuleCount> rows)
    {
        if (rows.Count == 0) return;
        int countW = Math.Max(5, rows.Max(r => r.Findings.ToString(System.Globalization.CultureInfo.InvariantCulture).Length));
        int idW = rows.Max(r => r.Rule.Id.Length);
        int levelW = rows.Max(r => r.Level.ToSarif().Length);
        foreach (var r in rows)
        {
            var line = $"{r.Findings.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(countW)}  {r.Rule.Id.PadRight(idW)}  " +
                       $"{r.Level.ToSarif().PadRight(levelW)}  {r.Rule.Name}";
            if (r.Occurrences != r.Findings) line += $" ({r.Occurrences} occurrences)";
            output.WriteLine(line);
        }
    }

    /// <summary>JSON: <c>[{"ruleId", "ruleName", "level", "count", "occurrences"}]</c>.</summary>
    public static void WriteJson(Stream stream, IReadOnlyList<RuleCount> rows)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartArray();
        foreach (var r in rows)
        {
            w.WriteStartObject();
            w.WriteString("ruleId", r.Rule.Id);
            w.WriteString("ruleName", r.Rule.Name);
            w.WriteString("level", r.Level.ToSarif());
            w.WriteNumber("count", r.Findings);
            w.WriteNumber("occurrences", r.Occurrences);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.Flush();
        stream.WriteByte((byte)'\n');
    }
}
