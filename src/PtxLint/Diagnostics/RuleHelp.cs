using System.Text;

namespace PtxLint.Diagnostics;

/// <summary>
/// A rule's help as users read it (<c>ptxlint explain</c>, SARIF <c>help.markdown</c>): its docs page with the "Options"
/// section generated from <see cref="RuleDescriptor.Options"/> (name, type, default, accepted values), so the page cannot
/// drift from what <c>ptxlint.json</c> accepts.
/// </summary>
public static class RuleHelp
{
    /// <summary>The docs page with its "## Options" section replaced by <see cref="OptionsSection"/> (appended when the page has none).</summary>
    public static string Markdown(RuleDescriptor d)
    {
        var page = d.HelpMarkdown.Replace("\r\n", "\n");
        var generated = OptionsSection(d);
        int start = page.StartsWith("## Options\n", StringComparison.Ordinal) ? 0 : page.IndexOf("\n## Options\n", StringComparison.Ordinal) is var i and >= 0 ? i + 1 : -1;
        if (start < 0) return page.TrimEnd() + "\n\n" + generated;
        int end = page.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return page[..start] + generated + (end < 0 ? "" : "\n" + page[(end + 1)..]);
    }

    /// <summary>Markdown: a table of the rule's options and a ptxlint.json example, or "None.".</summary>
    public static string OptionsSection(RuleDescriptor d)
    {
        var sb = new StringBuilder("## Options\n\n");
        if (d.Options.Count == 0)
        {
            sb.Append("None.");
            if (!d.EnabledByDefault) sb.Append($" The rule is off by default; enable it in `ptxlint.json`: `{{\"rules\": {{\"{d.Id}\": \"{d.DefaultLevel.ToSarif()}\"}}}}`.");
            return sb.Append('\n').ToString();
        }
        sb.Append("| option | type | default | accepts | meaning |\n|---|---|---|---|---|\n");
        foreach (var o in d.Options)
        {
            var accepts = o.Type == RuleOptionType.Regex ? "a .NET regular expression" : o.Constraint ?? "any " + o.TypeName;
            sb.Append($"| `{o.Name}` | {o.TypeName} | `{Cell(o.DefaultText)}` | {Cell(accepts)} | {Cell(o.Description)} |\n");
        }
        sb.Append("\nIn `ptxlint.json` (checked when it is loaded: an unknown option or an invalid value is an error, exit 2):\n\n```json\n")
          .Append($"{{ \"rules\": {{ \"{d.Id}\": {{ \"options\": {{ ")
          .Append(string.Join(", ", d.Options.Select(o => $"\"{o.Name}\": {o.DefaultText}")))
          .Append(" } } } }\n```\n");
        return sb.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|");
}
