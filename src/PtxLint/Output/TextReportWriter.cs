using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Engine;

namespace PtxLint.Output;

/// <summary>Counts of the findings a report shows (suppressed and baseline-unchanged ones are left out).</summary>
public sealed record FindingCounts(int Files, int Errors, int Warnings, int Notes, int Suppressed, int Unchanged);

public sealed class TextReportOptions
{
    /// <summary>ANSI colors (only on a terminal and when NO_COLOR is unset: see <see cref="TextReportWriter.ShouldUseColor"/>).</summary>
    public bool Color { get; init; }
    /// <summary>Paths under this directory are printed relative to it (default: the current directory).</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>With a baseline: only findings for which this is true are shown.</summary>
    public Func<Finding, bool>? Show { get; init; }
    public bool Summary { get; init; } = true;
    /// <summary>
    /// The source root (<c>--srcroot</c>): CUDA files named by <c>.file</c> are shown where they exist under it
    /// (<see cref="SarifPaths.FindUnderRoot"/>); null: as the PTX names them.
    /// </summary>
    public string? SourceRoot { get; init; }
}

/// <summary>
/// Compiler-style text: <c>path:line:col: error PTX000: message [rule-name]</c>, the PTX line with a caret,
/// related locations as <c>note:</c> lines, and a summary line.
/// </summary>
public static class TextReportWriter
{
    private const string Reset = "\u001b[0m", Bold = "\u001b[1m", Red = "\u001b[31m", Yellow = "\u001b[33m",
        Cyan = "\u001b[36m", Green = "\u001b[32m";

    /// <summary>Color only when the output is a terminal and NO_COLOR is unset or empty (https://no-color.org).</summary>
    public static bool ShouldUseColor(bool outputIsTerminal, string? noColor) =>
        outputIsTerminal && string.IsNullOrEmpty(noColor);

    public static FindingCounts Write(TextWriter output, IReadOnlyList<AnalyzedFile> files, TextReportOptions options, TimeSpan elapsed)
    {
        int errors = 0, warnings = 0, notes = 0, suppressed = 0, unchanged = 0;
        var sb = new StringBuilder();
        var roots = options.SourceRoot is { } root ? new SarifPaths(root) : null;
        foreach (var file in files)
            foreach (var f in file.Findings)
            {
                if (f.Suppression is not null) { suppressed++; continue; }
                if (options.Show is { } show && !show(f)) { unchanged++; continue; }
                switch (f.Level)
                {
                    case Level.Error: errors++; break;
                    case Level.Warning: warnings++; break;
                    case Level.Note: notes++; break;
                }
                sb.Clear();
                AppendFinding(sb, f, file, options, roots);
                output.Write(sb.ToString());
            }

        var counts = new FindingCounts(files.Count, errors, warnings, notes, suppressed, unchanged);
        if (options.Summary) output.WriteLine(SummaryLine(counts, elapsed));
        return counts;
    }

    public static string SummaryLine(FindingCounts c, TimeSpan elapsed)
    {
        var s = $"{Plural(c.Files, "file")}, {Plural(c.Errors, "error")}, {Plural(c.Warnings, "warning")}, {Plural(c.Notes, "note")}";
        if (c.Suppressed > 0) s += $", {c.Suppressed} suppressed";
        if (c.Unchanged > 0) s += $", {c.Unchanged} unchanged from the baseline";
        return s + $" ({(long)elapsed.TotalMilliseconds} ms)";
    }

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";

    private static void AppendFinding(StringBuilder sb, Finding f, AnalyzedFile file, TextReportOptions o, SarifPaths? roots)
    {
        string C(string code, string text) => o.Color ? code + text + Reset : text;
        var levelText = f.Level switch
        {
            Level.Error => C(Bold + Red, "error"),
            Level.Warning => C(Bold + Yellow, "warning"),
            _ => C(Bold + Cyan, "note"),
        };
        sb.Append(C(Bold, DisplayLocation(f.Location, o.BaseDirectory))).Append(": ")
          .Append(levelText).Append(' ').Append(f.Rule.Id).Append(": ")
          .Append(o.Color ? Bold + f.Message + Reset : f.Message)
          .Append(" [").Append(f.Rule.Name).Append(']').Append('\n');

        var line = f.LineText ?? (f.Location.FilePath == file.Path ? file.Source?.GetLine(f.Location.Span.StartLine) : null);
        if (!string.IsNullOrEmpty(line) && !f.Location.Span.IsEmpty)
        {
            sb.Append("    ").Append(line).Append('\n');
            sb.Append("    ").Append(C(Bold + Green, Caret(line, f.Location.Span))).Append('\n');
        }
        Diagnostics.Location Found(Diagnostics.Location l) =>
            roots?.FindUnderRoot(l.FilePath) is { } p ? l with { FilePath = p } : l;
        if (f.SourceLocation is { } cu)
            sb.Append("    ").Append(C(Cyan, "note:")).Append(" CUDA source: ").Append(DisplayLocation(Found(cu), o.BaseDirectory)).Append('\n');
        for (int i = 0; i < f.InlinedAt.Count; i++)
            sb.Append("    ").Append(C(Cyan, "note:")).Append(" inlined at: ").Append(DisplayLocation(Found(f.InlinedAt[i]), o.BaseDirectory))
              .Append(i == f.InlinedAt.Count - 1 ? " (the outermost call site)" : "").Append('\n');
        foreach (var r in f.Related)
            sb.Append("    ").Append(C(Cyan, "note:")).Append(' ').Append(DisplayLocation(r.Location, o.BaseDirectory))
              .Append(": ").Append(r.Message).Append('\n');
        foreach (var n in f.Notes)
            sb.Append("    ").Append(C(Cyan, "note:")).Append(' ').Append(n).Append('\n');
        if (f.Help is { Length: > 0 } help)
            sb.Append("    ").Append(C(Bold + Green, "help:")).Append(' ').Append(help).Append('\n');
    }

    /// <summary>The caret line under <paramref name="line"/>: tabs kept so the caret lines up, <c>^~~~</c> over the span.</summary>
    public static string Caret(string line, SourceSpan span)
    {
        int start = Math.Clamp(span.StartColumn - 1, 0, line.Length);
        int end = span.EndLine == span.StartLine && span.EndColumn > span.StartColumn
            ? Math.Min(span.EndColumn - 1, line.Length)
            : start + 1;
        var sb = new StringBuilder(end + 1);
        for (int i = 0; i < start; i++) sb.Append(line[i] == '\t' ? '\t' : ' ');
        sb.Append('^');
        for (int i = start + 1; i < end; i++) sb.Append('~');
        return sb.ToString();
    }

    /// <summary><c>path:line:col</c> with the path relative to <paramref name="baseDirectory"/> when under it.</summary>
    public static string DisplayLocation(Diagnostics.Location loc, string baseDirectory)
    {
        var p = DisplayPath(loc.FilePath, baseDirectory);
        return loc.Span.IsEmpty ? p : $"{p}:{loc.Span.StartLine}:{Math.Max(1, loc.Span.StartColumn)}";
    }

    public static string DisplayPath(string path, string baseDirectory)
    {
        if (!Path.IsPathRooted(path)) return path;
        var rel = Path.GetRelativePath(baseDirectory, path);
        return Path.IsPathRooted(rel) || rel.StartsWith("..", StringComparison.Ordinal) ? path : rel;
    }
}
