using System.Text.RegularExpressions;
using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Engine;

public enum SuppressionScope { NextLine, Range, File }

/// <summary>One <c>// ptxlint-disable...</c> comment and the lines it covers.</summary>
public sealed class SuppressionDirective
{
    public required SuppressionScope Scope { get; init; }
    /// <summary>Rule ids as written (upper-cased ids or names); empty means every rule.</summary>
    public required IReadOnlyList<string> Rules { get; init; }
    public string? Reason { get; init; }
    /// <summary>The span of the comment (from <c>//</c> to the end of the line).</summary>
    public required SourceSpan Span { get; init; }
    public int FirstLine { get; set; }
    public int LastLine { get; set; }

    public bool AppliesToAllRules => Rules.Count == 0;
    public bool Covers(int line) => line >= FirstLine && line <= LastLine;
}

/// <summary>
/// Finds suppression comments in PTX text. Comments are not in the IR, so this is the one place that scans
/// the source text: <c>// ptxlint-disable-next-line PTX005 reason</c>, <c>// ptxlint-disable PTX001</c> ...
/// <c>// ptxlint-enable PTX001</c>, <c>// ptxlint-disable-file PTX009</c>.
/// </summary>
public static class SuppressionScanner
{
    private static readonly Regex Directive = new(
        @"^\s*ptxlint-(?<kind>disable-next-line|disable-file|disable|enable)\b(?<rest>.*)$",
        RegexOptions.CultureInvariant);
    private static readonly Regex RuleId = new(@"^PTX\d+$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    /// <param name="isRuleName">True for a kebab-case rule name (so <c>disable-next-line shared-address-64bit</c> works);
    /// other words start the justification. Null: only PTXnnn ids are rule tokens.</param>
    public static IReadOnlyList<SuppressionDirective> Scan(SourceText source, Func<string, bool>? isRuleName = null)
    {
        var text = source.Text;
        if (text.IndexOf("ptxlint-", StringComparison.Ordinal) < 0) return Array.Empty<SuppressionDirective>();
        var result = new List<SuppressionDirective>();
        var open = new List<SuppressionDirective>(); // open ranges
        int lineCount = source.LineCount;
        for (int ln = 1; ln <= lineCount; ln++)
        {
            var line = source.GetLine(ln);
            if (line.IndexOf("ptxlint-", StringComparison.Ordinal) < 0) continue;
            int c = CommentStart(line);
            if (c < 0) continue;
            var m = Directive.Match(line[(c + 2)..]);
            if (!m.Success) continue;
            var (rules, reason) = SplitRules(m.Groups["rest"].Value, isRuleName);
            var span = new SourceSpan(ln, c + 1, ln, line.Length + 1);
            switch (m.Groups["kind"].Value)
            {
                case "disable-next-line":
                    result.Add(new SuppressionDirective { Scope = SuppressionScope.NextLine, Rules = rules, Reason = reason, Span = span, FirstLine = ln + 1, LastLine = ln + 1 });
                    break;
                case "disable-file":
                    result.Add(new SuppressionDirective { Scope = SuppressionScope.File, Rules = rules, Reason = reason, Span = span, FirstLine = 1, LastLine = int.MaxValue });
                    break;
                case "disable":
                    var d = new SuppressionDirective { Scope = SuppressionScope.Range, Rules = rules, Reason = reason, Span = span, FirstLine = ln, LastLine = int.MaxValue };
                    result.Add(d);
                    open.Add(d);
                    break;
                case "enable":
                    // Closes the open ranges for the rules named (all open ranges when none are named).
                    foreach (var o in open.ToList())
                    {
                        if (rules.Count == 0 || o.Rules.Any(r => rules.Contains(r, StringComparer.OrdinalIgnoreCase)))
                        {
                            o.LastLine = ln;
                            open.Remove(o);
                        }
                    }
                    break;
            }
        }
        return result;
    }

    /// <summary>Index of the <c>//</c> that starts a comment (not inside a string literal), or -1.</summary>
    private static int CommentStart(string line)
    {
        bool inString = false;
        for (int i = 0; i + 1 < line.Length; i++)
        {
            char ch = line[i];
            if (inString)
            {
                if (ch == '\\') i++;
                else if (ch == '"') inString = false;
            }
            else if (ch == '"') inString = true;
            else if (ch == '/' && line[i + 1] == '/') return i;
        }
        return -1;
    }

    private static (IReadOnlyList<string> Rules, string? Reason) SplitRules(string rest, Func<string, bool>? isRuleName)
    {
        var rules = new List<string>();
        int i = 0;
        while (true)
        {
            while (i < rest.Length && (char.IsWhiteSpace(rest[i]) || rest[i] == ',')) i++;
            int start = i;
            while (i < rest.Length && !char.IsWhiteSpace(rest[i]) && rest[i] != ',') i++;
            if (start == i) break;
            var tok = rest[start..i];
            bool isId = RuleId.IsMatch(tok);
            if (!isId && !(isRuleName is not null && isRuleName(tok))) { i = start; break; }
            rules.Add(isId ? tok.ToUpperInvariant() : tok);
        }
        var reason = rest[i..].Trim().TrimStart('-', ':').Trim();
        return (rules, reason.Length == 0 ? null : reason);
    }
}

/// <summary>Marks suppressed findings and reports unused suppressions (PTX900).</summary>
public static class SuppressionApplier
{
    /// <param name="findings">Findings of one file; suppressed ones get <see cref="Finding.Suppression"/> set.</param>
    /// <param name="ranRule">True when a rule id (or name) is known and ran on this file; unused suppressions are
    /// reported only for those, and for ids that name no rule at all.</param>
    /// <param name="resolve">Maps a rule id or name to its descriptor; null when unknown.</param>
    /// <param name="unusedLevel">The level of PTX900 (None: not reported).</param>
    public static List<Finding> Apply(List<Finding> findings, IReadOnlyList<SuppressionDirective> directives, PtxModule module,
        Func<string, RuleDescriptor?> resolve, Func<string, bool> ranRule, Level unusedLevel)
    {
        var unused = new List<Finding>();
        if (directives.Count == 0) return unused;
        var used = new HashSet<(SuppressionDirective, string)>();
        foreach (var f in findings)
        {
            if (f.Suppression is not null) continue;
            var line = f.Location.Span.StartLine;
            if (f.Location.FilePath != module.FilePath) continue;
            foreach (var d in directives)
            {
                if (!d.Covers(line)) continue;
                string? matched = d.AppliesToAllRules ? "*" : d.Rules.FirstOrDefault(r => Same(resolve(r), f.Rule));
                if (matched is null) continue;
                f.Suppression = new SuppressionInfo("inSource", d.Reason, module.LocationOf(d.Span));
                used.Add((d, matched));
                break;
            }
        }
        if (unusedLevel == Level.None) return unused;
        foreach (var d in directives)
        {
            var names = d.AppliesToAllRules ? new[] { "*" } : d.Rules.ToArray();
            foreach (var r in names)
            {
                if (used.Contains((d, r))) continue;
                string comment = r == "*" ? $"ptxlint-{Kind(d)}" : $"ptxlint-{Kind(d)} {r}";
                string message, help;
                var notes = new List<string>();
                if (r == "*")
                {
                    message = $"`{comment}` suppresses nothing: no finding in the lines it covers";
                    help = "Delete the comment, or name the rule it is meant for (`ptxlint-disable-next-line PTXnnn reason`).";
                }
                else if (resolve(r) is not { } desc)
                {
                    message = $"`{comment}` suppresses nothing: '{r}' is not a PtxLint rule id";
                    help = "Correct the rule id (`ptxlint rules` lists them) or delete the comment.";
                }
                else if (!ranRule(desc.Id)) continue; // the rule is off for this file: nothing to say
                else
                {
                    message = $"`{comment}` suppresses nothing: no {desc.Id} finding in the lines it covers";
                    notes.Add($"{desc.Id} ({desc.Name}) ran on this file and reported nothing there: the finding the comment was written for is gone, or it is on another line.");
                    help = "Delete the comment, or move it to the line before the finding it should suppress.";
                }
                notes.Add("A stale suppression would silence a future finding on these lines unreviewed.");
                var fnd = new Finding(UnusedSuppressionRule.Descriptor, unusedLevel, message, module.LocationOf(d.Span))
                {
                    LineText = module.Source.GetLine(d.Span.StartLine),
                    Help = help,
                };
                fnd.Notes.AddRange(notes);
                unused.Add(fnd);
            }
        }
        return unused;
    }

    private static bool Same(RuleDescriptor? a, RuleDescriptor b) => a is not null && a.Id == b.Id;

    private static string Kind(SuppressionDirective d) => d.Scope switch
    {
        SuppressionScope.NextLine => "disable-next-line",
        SuppressionScope.File => "disable-file",
        _ => "disable",
    };
}
