using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Engine;

namespace PtxLint.Output;

/// <summary>Counts of the findings a report shows (suppressed and baseline-unchanged ones are left out).</summary>
public sealed record FindingCounts(int Files, int Errors, int Warnings, int Notes, int Suppressed, int Unchanged)
{
    /// <summary>Inputs that could not be read or were refused (the run exits 2); the summary says so.</summary>
    public int Unread { get; init; }
}

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
    /// <summary>Inputs that could not be read (counted in the summary line).</summary>
    public int Unread { get; init; }
    /// <summary><c>--format concise</c>: one line per finding, no snippet, no notes.</summary>
    public bool Concise { get; init; }
    /// <summary>At most this many merged occurrences are listed as <c>note:</c> lines (JSON and SARIF list them all).</summary>
    public int MaxOccurrenceNotes { get; init; } = 10;
}

/// <summary>
/// Compiler-style text: <c>path:line:col: error PTX000: headline [rule-name]</c>, the PTX line with a caret, the CUDA
/// frames, related locations and the finding's notes as <c>note:</c> lines, its fix as a <c>help:</c> line, and a summary
/// line. Control characters of the input (a NUL, an escape sequence) are printed as visible escapes (<c>\x00</c>).
/// <c>concise</c>: the first line only.
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

        var counts = new FindingCounts(files.Count, errors, warnings, notes, suppressed, unchanged) { Unread = options.Unread };
        if (options.Summary) output.WriteLine(SummaryLine(counts, elapsed));
        return counts;
    }

    public static string SummaryLine(FindingCounts c, TimeSpan elapsed)
    {
        var s = $"{Plural(c.Files, "file")}, {Plural(c.Errors, "error")}, {Plural(c.Warnings, "warning")}, {Plural(c.Notes, "note")}";
        if (c.Suppressed > 0) s += $", {c.Suppressed} suppressed";
        if (c.Unchanged > 0) s += $", {c.Unchanged} unchanged from the baseline";
        if (c.Unread > 0) s += $", {Plural(c.Unread, "input")} not read";
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
        var message = TextEscape.Visible(f.Message);
        sb.Append(C(Bold, TextEscape.Visible(DisplayLocation(f.Location, o.BaseDirectory)))).Append(": ")
          .Append(levelText).Append(' ').Append(f.Rule.Id).Append(": ")
          .Append(o.Color ? Bold + message + Reset : message)
          .Append(" [").Append(f.Rule.Name).Append(']').Append('\n');
        if (o.Concise) return;

        var line = f.LineText ?? (f.Location.FilePath == file.Path ? file.Source?.GetLine(f.Location.Span.StartLine) : null);
        if (!string.IsNullOrEmpty(line) && !f.Location.Span.IsEmpty)
        {
            var (shown, caret) = Snippet(line, f.Location.Span);
            sb.Append("    ").Append(shown).Append('\n');
            sb.Append("    ").Append(C(Bold + Green, caret)).Append('\n');
        }
        void Note(string text) => sb.Append("    ").Append(C(Cyan, "note:")).Append(' ').Append(TextEscape.Visible(text)).Append('\n');
        string Where(Diagnostics.Location l) => DisplayLocation(l, o.BaseDirectory);
        if (SourceFrames.Of(f, roots) is { } frames)
        {
            Note("CUDA source: " + Where(frames.Primary));
            foreach (var l in frames.InlinedFrom) Note("inlined from: " + Where(l));
            var callers = frames.InlinedAt.ToList();
            for (int i = 0; i < callers.Count; i++)
                Note("inlined at: " + Where(callers[i]) + (i == callers.Count - 1 ? " (the outermost call site)" : ""));
        }
        int occurrences = 0, hidden = 0;
        foreach (var r in f.Related)
        {
            if (r.IsOccurrence && ++occurrences > o.MaxOccurrenceNotes) { hidden++; continue; }
            Note(Where(r.Location) + ": " + r.Message);
        }
        if (hidden > 0) Note($"and {hidden} more (--format json or sarif lists every occurrence)");
        foreach (var n in f.Notes) Note(n);
        if (f.Help is { Length: > 0 } help)
            sb.Append("    ").Append(C(Bold + Green, "help:")).Append(' ').Append(TextEscape.Visible(help)).Append('\n');
    }

    /// <summary>
    /// The source line as shown (control characters escaped, tabs kept) and the caret line under it: <c>^~~~</c> over
    /// the span, lined up with the escapes.
    /// </summary>
    public static (string Line, string Caret) Snippet(string line, SourceSpan span)
    {
        int start = Math.Clamp(span.StartColumn - 1, 0, line.Length);
        int end = span.EndLine == span.StartLine && span.EndColumn > span.StartColumn
            ? Math.Min(span.EndColumn - 1, line.Length)
            : start + 1;
        var shown = new StringBuilder(line.Length + 8);
        var caret = new StringBuilder(end + 8);
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            string piece = TextEscape.NeedsEscape(c) ? TextEscape.Escape(c) : c.ToString();
            shown.Append(piece);
            if (i < start) caret.Append(c == '\t' ? "\t" : new string(' ', piece.Length));
            else if (i < end) caret.Append(i == start ? "^" : "~").Append('~', piece.Length - 1);
        }
        if (start >= line.Length) caret.Append('^');
        return (shown.ToString(), caret.ToString());
    }

    /// <summary>The caret line under <paramref name="line"/>: tabs kept so the caret lines up, <c>^~~~</c> over the span.</summary>
    public static string Caret(string line, SourceSpan span) => Snippet(line, span).Caret;

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
