using System.Text.Json;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Output;

public sealed class TextAndJsonWriterTests
{
    [Fact]
    public void Text_is_compiler_style_with_caret_notes_and_summary()
    {
        using var tmp = new TempDir();
        var (files, _) = SampleFindings.Build(tmp.Path);
        var sw = new StringWriter();
        var counts = TextReportWriter.Write(sw, files, new TextReportOptions { BaseDirectory = tmp.Path }, TimeSpan.FromMilliseconds(12));
        var text = sw.ToString();
        Assert.Contains("build/kernels.ptx:10:5: error PTX101: Barrier in divergent code: bar.sync after a branch on %tid.x [bad-thing]\n", text);
        Assert.Contains("\n        bar.sync 0;\n        ^~~~~~~~~~~\n", text);
        Assert.Contains("    note: CUDA source: src/saxpy.cu:12:3\n", text);
        Assert.Contains("    note: build/kernels.ptx:8:5: %r1 comes from %tid.x here\n", text);
        Assert.Contains("/opt/elsewhere/other.ptx:3:1: warning PTX103:", text);
        Assert.DoesNotContain("suppressed thing", text);
        Assert.DoesNotContain("\u001b[", text);
        Assert.EndsWith("2 files, 1 error, 2 warnings, 1 note, 1 suppressed (12 ms)\n", text.Replace("\r\n", "\n"));
        Assert.Equal(new FindingCounts(2, 1, 2, 1, 1, 0), counts);
    }

    [Fact]
    public void Color_only_on_a_terminal_without_NO_COLOR()
    {
        Assert.True(TextReportWriter.ShouldUseColor(true, null));
        Assert.True(TextReportWriter.ShouldUseColor(true, ""));
        Assert.False(TextReportWriter.ShouldUseColor(true, "1"));
        Assert.False(TextReportWriter.ShouldUseColor(false, null));
        using var tmp = new TempDir();
        var (files, _) = SampleFindings.Build(tmp.Path);
        var sw = new StringWriter();
        TextReportWriter.Write(sw, files, new TextReportOptions { BaseDirectory = tmp.Path, Color = true }, TimeSpan.Zero);
        Assert.Contains("\u001b[31m", sw.ToString());
    }

    [Fact]
    public void Caret_keeps_tabs_and_spans_the_range()
    {
        Assert.Equal("\t  ^~~", TextReportWriter.Caret("\tab xyz", new SourceSpan(1, 4, 1, 7)));
        Assert.Equal("^", TextReportWriter.Caret("x", new SourceSpan(1, 1, 3, 1)));
    }

    [Fact]
    public void Json_is_an_array_of_findings()
    {
        using var tmp = new TempDir();
        var (files, _) = SampleFindings.Build(tmp.Path);
        var ms = new MemoryStream();
        JsonReportWriter.Write(ms, files);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var arr = doc.RootElement;
        Assert.Equal(JsonValueKind.Array, arr.ValueKind);
        Assert.Equal(5, arr.GetArrayLength());
        var e = arr.EnumerateArray().Single(x => x.GetProperty("ruleId").GetString() == "PTX101");
        Assert.Equal(10, e.GetProperty("line").GetInt32());
        Assert.Equal("error", e.GetProperty("level").GetString());
        Assert.Equal("saxpy", e.GetProperty("function").GetString());
        Assert.Equal(12, e.GetProperty("sourceLocation").GetProperty("line").GetInt32());
        Assert.False(e.GetProperty("suppressed").GetBoolean());
        Assert.Matches("^[0-9a-f]{16}:1$", e.GetProperty("fingerprint").GetString());
        Assert.Contains(arr.EnumerateArray(), x => x.GetProperty("suppressed").GetBoolean() && x.GetProperty("justification").GetString() == "the host pads the buffer");
    }
}
