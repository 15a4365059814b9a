using System.Text.Json;
using PtxLint.Diagnostics;
using PtxLint.Engine;

namespace PtxLint.Output;

/// <summary>Options of <see cref="JsonReportWriter"/>: the same paths as the text output.</summary>
public sealed class JsonReportOptions
{
    /// <summary>Paths under this directory are written relative to it, as in the text output (default: the current directory).</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>The source root (<c>--srcroot</c>): CUDA files named by <c>.file</c> are resolved under it, as in the text output; null: as the PTX names them.</summary>
    public string? SourceRoot { get; init; }
    public IReadOnlyDictionary<Finding, string>? Fingerprints { get; init; }
    public BaselineComparison? Baseline { get; init; }
}

/// <summary>
/// <c>--format json</c>: a plain array of findings, one object each (no reflection), with the same facts and paths as
/// the text output. The schema is in the README ("Output formats").
/// </summary>
public static class JsonReportWriter
{
    public static void Write(Stream stream, IReadOnlyList<AnalyzedFile> files,
        IReadOnlyDictionary<Finding, string>? fingerprints = null, BaselineComparison? baseline = null) =>
        Write(stream, files, new JsonReportOptions { Fingerprints = fingerprints, Baseline = baseline });

    public static void Write(Stream stream, IReadOnlyList<AnalyzedFile> files, JsonReportOptions options)
    {
        var all = files.SelectMany(f => f.Findings).ToList();
        var fingerprints = options.Fingerprints ?? Fingerprints.Compute(all);
        var roots = options.SourceRoot is { } root ? new SarifPaths(root) : null;
        string Shown(string path) => TextReportWriter.DisplayPath(path, options.BaseDirectory);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartArray();
        foreach (var f in all)
        {
            w.WriteStartObject();
            w.WriteString("path", Shown(f.Location.FilePath));
            w.WriteNumber("line", f.Location.Span.StartLine);
            w.WriteNumber("column", f.Location.Span.StartColumn);
            w.WriteNumber("endLine", f.Location.Span.EndLine);
            w.WriteNumber("endColumn", f.Location.Span.EndColumn);
            w.WriteString("level", f.Level.ToSarif());
            w.WriteString("ruleId", f.Rule.Id);
            w.WriteString("ruleName", f.Rule.Name);
            w.WriteString("message", f.Message);
            w.WriteStartArray("notes");
            foreach (var n in f.Notes) w.WriteStringValue(n);
            w.WriteEndArray();
            if (f.Help is { Length: > 0 } help) w.WriteString("help", help);
            w.WriteNumber("occurrences", f.Occurrences);
            if (f.FunctionName is { } fn) w.WriteString("function", fn);
            if (SourceFrames.Of(f, roots) is { } frames)
            {
                WriteLocation(w, "sourceLocation", frames.Primary, Shown);
                w.WriteStartArray("inlinedAt");
                foreach (var l in frames.InlinedAt) WriteLocation(w, null, l, Shown);
                w.WriteEndArray();
                if (frames.Chosen > 0)
                {
                    w.WriteStartArray("inlinedFrom");
                    foreach (var l in frames.InlinedFrom) WriteLocation(w, null, l, Shown);
                    w.WriteEndArray();
                }
            }
            if (f.Related.Count > 0)
            {
                w.WriteStartArray("related");
                foreach (var r in f.Related)
                {
                    w.WriteStartObject();
                    w.WriteString("path", Shown(r.Location.FilePath));
                    w.WriteNumber("line", r.Location.Span.StartLine);
                    w.WriteNumber("column", r.Location.Span.StartColumn);
                    w.WriteString("message", r.Message);
                    w.WriteBoolean("occurrence", r.IsOccurrence);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (fingerprints.TryGetValue(f, out var fp)) w.WriteString("fingerprint", fp);
            w.WriteBoolean("suppressed", f.Suppression is not null);
            if (f.Suppression?.Justification is { } j) w.WriteString("justification", j);
            if (options.Baseline?.StateOf(f) is { } state) w.WriteString("baselineState", state);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WriteLocation(Utf8JsonWriter w, string? name, Diagnostics.Location l, Func<string, string> shown)
    {
        if (name is null) w.WriteStartObject(); else w.WriteStartObject(name);
        w.WriteString("path", shown(l.FilePath));
        w.WriteNumber("line", l.Span.StartLine);
        w.WriteNumber("column", l.Span.StartColumn);
        w.WriteEndObject();
    }
}
