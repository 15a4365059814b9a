using System.Text;
using PtxLint.Engine;
using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Engine;

/// <summary>
/// A file analyzed alone on two cores has its functions checked on two threads (the per-function rules, and PTX013's
/// instruction checks): the findings, their notes and their order are the same as on one thread.
/// </summary>
public sealed class ParallelFunctionsTests
{
    private static string Render(AnalysisResult r)
    {
        var sb = new StringBuilder();
        foreach (var file in r.Files)
            foreach (var f in file.Findings)
            {
                sb.Append(f.Rule.Id).Append(' ').Append(f.Level).Append(' ').Append(f.Location.Span).Append(' ')
                  .Append(f.FunctionName).Append(' ').Append(f.Message).Append('\n');
                foreach (var n in f.Notes) sb.Append("  note ").Append(n).Append('\n');
                sb.Append("  help ").Append(f.Help).Append('\n');
            }
        foreach (var n in r.Notifications) sb.Append("notification ").Append(n.Message).Append('\n');
        return sb.ToString();
    }

    private static (string One, string Two) Both(string path)
    {
        var one = new AnalysisEngine(new AnalysisOptions { Rules = RuleRegistry.All, MaxDegreeOfParallelism = 1 }).Analyze(new[] { path });
        var two = new AnalysisEngine(new AnalysisOptions { Rules = RuleRegistry.All, MaxDegreeOfParallelism = 2 }).Analyze(new[] { path });
        return (Render(one), Render(two));
    }

    private static int Compare(IEnumerable<CorpusFile> files)
    {
        using var tmp = new TempDir();
        int compared = 0, withFindings = 0;
        int parallel0 = AnalysisEngine.ModulesCheckedInParallel;
        foreach (var f in files)
        {
            var path = tmp.Write(f.Name.Replace('/', '_'), f.Text);
            var (one, two) = Both(path);
            Assert.True(one == two, $"{f.Name}: the findings on two threads differ from one thread's");
            compared++;
            if (one.Length > 0) withFindings++;
        }
        Assert.True(withFindings > 0, "no file had a finding to compare");
        Assert.True(AnalysisEngine.ModulesCheckedInParallel > parallel0, "no module was checked on two threads");
        return compared;
    }

    [Fact]
    public void Same_findings_in_the_same_order_on_the_projects_own_ptx()
    {
        var files = Corpus.Own().Where(f => f.Name.StartsWith("samples/", StringComparison.Ordinal)).ToList();
        Assert.True(Compare(files) > 10);
    }

    [SharedCorpusFact]
    public void Same_findings_in_the_same_order_on_shared_corpus_files_with_many_functions()
    {
        // files with several functions and findings of many rules (races, barriers, invalid PTX), kept small for speed
        var files = Corpus.Shared()
            .Where(f => f.Text.Length < 1_200_000 && CountFunctions(f.Text) >= 4)
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Where((_, i) => i % 4 == 0)
            .Take(40)
            .ToList();
        Assert.True(Compare(files) >= 20);
    }

    private static int CountFunctions(string text)
    {
        int n = 0;
        for (int i = text.IndexOf(".entry", StringComparison.Ordinal); i >= 0; i = text.IndexOf(".entry", i + 6, StringComparison.Ordinal)) n++;
        for (int i = text.IndexOf(".func", StringComparison.Ordinal); i >= 0; i = text.IndexOf(".func", i + 5, StringComparison.Ordinal)) n++;
        return n;
    }
}
