using System.Text;
using System.Text.RegularExpressions;
using PtxLint.Cli;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Packaging;

/// <summary>
/// The example workflow and the documentation have the fields GitHub code scanning needs, and every
/// <c>ptxlint ...</c> command line they (and the README) show parses with the real command line.
/// </summary>
public sealed class GitHubWorkflowTests
{
    private static string Workflow => File.ReadAllText(Path.Combine(Repo.Root, ".github", "workflows", "ptxlint.yml"));

    [Fact]
    public void Workflow_builds_analyzes_and_uploads_sarif_per_architecture()
    {
        var wf = Workflow;
        Assert.DoesNotContain("\t", wf); // YAML forbids tabs in indentation
        Assert.Matches(@"(?m)^\s+security-events: write\b", wf);
        Assert.Matches(@"(?m)^\s+contents: read\b", wf);
        Assert.Matches(@"(?m)^\s+- uses: actions/checkout@v\d+", wf);
        Assert.Matches(@"(?m)^\s+- uses: actions/setup-dotnet@v\d+", wf);
        Assert.Matches(@"(?m)^\s+dotnet-version: '10\.0\.x'", wf);
        Assert.Matches(@"(?m)^\s+arch: \[sm_90a, sm_100a\]", wf);
        Assert.Matches(@"nvcc -ptx -lineinfo -arch=\$\{\{ matrix\.arch \}\}", wf);

        var analyze = Assert.Single(AnalyzeLines(wf));
        Assert.Contains("--format sarif", analyze);
        Assert.Contains("--output ptxlint.sarif", analyze);
        Assert.Contains("--category ptxlint/${{ matrix.arch }}", analyze);
        Assert.Contains("--srcroot", analyze);
        Assert.Contains("--locations cuda", analyze); // build/ is not in the repository: alerts go on the .cu line

        var upload = Regex.Match(wf, @"(?ms)^(\s+)uses: github/codeql-action/upload-sarif@v3\s*\n\1with:\s*\n(?<with>(?:\1  .*\n)+)");
        Assert.True(upload.Success, "no upload-sarif step with a 'with:' block");
        var with = upload.Groups["with"].Value;
        Assert.Matches(@"(?m)^\s+sarif_file: ptxlint\.sarif\s*$", with);
        Assert.Matches(@"(?m)^\s+category: ptxlint/\$\{\{ matrix\.arch \}\}\s*$", with);
        // The step that uploads comes after the one that analyzes.
        Assert.True(wf.IndexOf(analyze, StringComparison.Ordinal) < upload.Index);
    }

    [Fact]
    public void Docs_cover_what_code_scanning_relies_on()
    {
        var doc = File.ReadAllText(Path.Combine(Repo.Root, "docs", "github-code-scanning.md"));
        foreach (var needle in new[]
                 {
                     "partialFingerprints", "primaryLocationLineHash", "%SRCROOT%", "--srcroot", "runAutomationDetails",
                     "--category", "25,000", "--locations cuda", "-lineinfo", "inlined_at", "security-events: write",
                     "github/codeql-action/upload-sarif@v3", "sarif_file", "category:", "help.markdown", "problem.severity",
                     "security-severity",
                 })
            Assert.Contains(needle, doc);
        Assert.Contains("github-code-scanning.md", File.ReadAllText(Path.Combine(Repo.Root, "README.md")));
    }

    public static IEnumerable<object[]> DocumentedCommandLines()
    {
        foreach (var file in new[] { ".github/workflows/ptxlint.yml", "docs/github-code-scanning.md", "README.md" })
            foreach (var line in AnalyzeLines(File.ReadAllText(Path.Combine(Repo.Root, file))))
                yield return new object[] { file, line };
    }

    [Theory]
    [MemberData(nameof(DocumentedCommandLines))]
    public void Documented_analyze_command_lines_parse(string file, string line)
    {
        var args = Tokenize(line.Replace("${{ matrix.arch }}", "sm_90a"));
        int start = args.IndexOf("analyze");
        Assert.True(start >= 0, $"{file}: {line}");
        var ctx = new CliContext { Out = new StringWriter(), Error = new StringWriter(), Rules = Fakes.Rules };
        var parse = Program.BuildRoot(ctx).Parse(args.Skip(start).ToArray());
        Assert.True(parse.Errors.Count == 0, $"{file}: `{line}`: " + string.Join("; ", parse.Errors.Select(e => e.Message)));
    }

    /// <summary>Lines that run <c>ptxlint analyze</c> (in shell, YAML <c>run:</c> or code blocks), without the usage synopsis.</summary>
    internal static List<string> AnalyzeLines(string text)
    {
        var lines = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var m = Regex.Match(raw, @"(?:^|[\s:`/$])(?<cmd>ptxlint analyze\s.*)$");
            if (!m.Success) continue;
            var cmd = m.Groups["cmd"].Value.TrimEnd('\r', ' ', '`');
            if (cmd.Contains("PATHS...") || cmd.Contains('[')) continue; // the synopsis
            int hash = cmd.IndexOf(" # ", StringComparison.Ordinal);
            if (hash >= 0) cmd = cmd[..hash].TrimEnd();
            int bt = cmd.IndexOf('`');
            if (bt >= 0) cmd = cmd[..bt];
            lines.Add(cmd);
        }
        return lines;
    }

    /// <summary>Splits a shell command line: whitespace separates words, single and double quotes group them.</summary>
    internal static List<string> Tokenize(string line)
    {
        var words = new List<string>();
        var cur = new StringBuilder();
        bool any = false;
        char quote = '\0';
        foreach (var c in line)
        {
            if (quote != '\0')
            {
                if (c == quote) quote = '\0'; else cur.Append(c);
                continue;
            }
            if (c is '\'' or '"') { quote = c; any = true; continue; }
            if (char.IsWhiteSpace(c))
            {
                if (any || cur.Length > 0) words.Add(cur.ToString());
                cur.Clear();
                any = false;
                continue;
            }
            if (c is '|' or ';' or '>' or '&') break; // the rest is another command or a redirection
            cur.Append(c);
        }
        if (any || cur.Length > 0) words.Add(cur.ToString());
        return words;
    }
}
