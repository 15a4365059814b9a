using System.Text.Json;
using PtxLint.Diagnostics;
using PtxLint.Engine;

namespace PtxLint.Output;

/// <summary><c>--format json</c>: a plain array of findings, one object each (no reflection).</summary>
public static class JsonReportWriter
{
    public static void Write(Stream stream, IReadOnlyList<AnalyzedFile> files,
        IReadOnlyDictionary<Finding, string>? fingerprints = null, BaselineComparison? baseline = null)
    {
        var all = files.SelectMany(f => f.Findings).ToList();
        fingerprints ??= Fingerprints.Compute(all);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartArray();
        foreach (var f in all)
        {
            w.WriteStartObject();
            w.WriteString("path", f.Location.FilePath);
            w.WriteNumber("line", f.Location.Span.StartLine);
            w.WriteNumber("column", f.Location.Span.StartColumn);
            w.WriteNumber("endLine", f.Location.Span.EndLine);
            w.WriteNumber("endColumn", f.Location.Span.EndColumn);
            w.WriteString("level", f.Level.ToSarif());
            w.WriteString("ruleId", f.Rule.Id);
            w.WriteString("ruleName", f.Rule.Name);
            w.WriteString("message", f.Message);
            if (f.FunctionName is { } fn) w.WriteString("function", fn);
            if (f.SourceLocation is { } sl) WriteLocation(w, "sourceLocation", sl);
            if (f.Related.Count > 0)
            {
                w.WriteStartArray("related");
                foreach (var r in f.Related)
                {
                    w.WriteStartObject();
                    w.WriteString("path", r.Location.FilePath);
                    w.WriteNumber("line", r.Location.Span.StartLine);
                    w.WriteNumber("column", r.Location.Span.StartColumn);
                    w.WriteString("message", r.Message);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (fingerprints.TryGetValue(f, out var fp)) w.WriteString("fingerprint", fp);
            w.WriteBoolean("suppressed", f.Suppression is not null);
            if (f.Suppression?.Justification is { } j) w.WriteString("justification", j);
            if (baseline?.StateOf(f) is { } state) w.WriteString("baselineState", state);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WriteLocation(Utf8JsonWriter w, string name, Diagnostics.Location l)
    {
        w.WriteStartObject(name);
        w.WriteString("path", l.FilePath);
        w.WriteNumber("line", l.Span.StartLine);
        w.WriteNumber("column", l.Span.StartColumn);
        w.WriteEndObject();
    }
}
