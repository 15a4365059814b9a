using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Syntax;

namespace PtxLint.Tests.Support;

/// <summary>
/// Rule tests with inline markup, like Roslynator's <c>[|...|]</c>: write PTX with the expected finding's text
/// wrapped in <c>[|</c> and <c>|]</c>. <see cref="Verify"/> strips the markers, parses, runs the rule and checks that
/// there is exactly one finding starting at each marker (line and column) and no other finding.
/// <see cref="VerifyClean"/> checks that the rule reports nothing.
/// </summary>
public static class RuleTest
{
    public const string Header = ".version 8.7\n.target sm_90a\n.address_size 64\n\n";

    /// <summary>The headline, the notes and the help of a finding, one per line (what a user reads in text output).</summary>
    public static string Text(Finding f) => string.Join("\n", new[] { f.Message }.Concat(f.Notes).Append(f.Help ?? ""));

    public sealed record Marker(int Line, int Column, int EndLine, int EndColumn);

    public static (string Text, List<Marker> Markers) StripMarkup(string marked)
    {
        var sb = new System.Text.StringBuilder(marked.Length);
        var markers = new List<Marker>();
        int line = 1, col = 1;
        int startLine = 0, startCol = 0;
        for (int i = 0; i < marked.Length; i++)
        {
            if (i + 1 < marked.Length && marked[i] == '[' && marked[i + 1] == '|') { startLine = line; startCol = col; i++; continue; }
            if (i + 1 < marked.Length && marked[i] == '|' && marked[i + 1] == ']') { markers.Add(new Marker(startLine, startCol, line, col)); i++; continue; }
            char c = marked[i];
            sb.Append(c);
            if (c == '\n') { line++; col = 1; } else col++;
        }
        return (sb.ToString(), markers);
    }

    /// <summary>Parses the PTX (syntax errors fail the test) and runs one rule; returns the findings.</summary>
    public static List<Finding> Run(IRule rule, string text, IReadOnlyDictionary<string, string>? options = null, Level? level = null)
    {
        var module = PtxParserDriver.Parse("test.ptx", text);
        Assert.True(module.Errors.Count == 0, "test PTX has syntax errors: " + string.Join("; ", module.Errors.Select(e => $"{e.Span}: {e.Message}")));
        return Run(rule, module, options, level);
    }

    public static List<Finding> Run(IRule rule, PtxModule module, IReadOnlyDictionary<string, string>? options = null, Level? level = null)
    {
        var sink = new List<Finding>();
        var ctx = new RuleContext(module, rule.Descriptor, level ?? rule.Descriptor.DefaultLevel, options ?? new Dictionary<string, string>(), sink);
        rule.Check(ctx);
        return sink;
    }

    /// <summary>
    /// Runs one rule through the engine (enabled even when it is off by default), as the command line does: suppressions
    /// applied and findings of one cause merged (<see cref="FindingGrouping"/>). Returns that rule's findings.
    /// </summary>
    public static List<Finding> Analyze(IRule rule, string text, string path = "test.ptx")
    {
        var engine = new AnalysisEngine(new AnalysisOptions { Rules = new[] { rule }, Select = new[] { rule.Descriptor.Id } });
        return engine.AnalyzeText(path, text).Findings.Where(f => f.Rule.Id == rule.Descriptor.Id).ToList();
    }

    /// <summary>Checks that the rule reports exactly the marked places (start line and column). Returns the findings for further asserts.</summary>
    public static List<Finding> Verify(IRule rule, string markedPtx, IReadOnlyDictionary<string, string>? options = null, bool addHeader = true,
                                       bool merge = false)
    {
        var (text, markers) = StripMarkup(addHeader ? Header + markedPtx : markedPtx);
        Assert.True(markers.Count > 0, "Verify needs at least one [|...|] marker; use VerifyClean for good code");
        var findings = Run(rule, text, options);
        if (merge) FindingGrouping.Merge(findings); // findings of one cause as the engine reports them
        var got = findings.Select(f => (f.Location.Span.StartLine, f.Location.Span.StartColumn)).OrderBy(x => x).ToList();
        var want = markers.Select(m => (m.Line, m.Column)).OrderBy(x => x).ToList();
        Assert.True(want.SequenceEqual(got),
            $"expected findings at [{string.Join(", ", want)}], got [{string.Join(", ", got)}]:\n" + string.Join("\n", findings.Select(f => f.ToString())));
        foreach (var f in findings)
        {
            Assert.Equal(rule.Descriptor.Id, f.Rule.Id);
            Assert.False(string.IsNullOrWhiteSpace(f.Message));
        }
        return findings;
    }

    /// <summary>Runs one rule and merges findings of one cause (<see cref="FindingGrouping"/>), as the engine does.</summary>
    public static List<Finding> RunMerged(IRule rule, string text)
    {
        var findings = Run(rule, text);
        FindingGrouping.Merge(findings);
        return findings;
    }

    /// <summary>Checks that the rule reports nothing on correct PTX.</summary>
    public static void VerifyClean(IRule rule, string ptx, IReadOnlyDictionary<string, string>? options = null, bool addHeader = true)
    {
        var findings = Run(rule, addHeader ? Header + ptx : ptx, options);
        Assert.True(findings.Count == 0, "expected no findings, got:\n" + string.Join("\n", findings.Select(f => f.ToString())));
    }
}
