using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Rules;
using PtxLint.Tests.Support;
using Xunit.Abstractions;

namespace PtxLint.Tests.Rules;

/// <summary>
/// The differential test of PTX013 against ptxas 13.0 (V13.0.88), without a GPU: tests/data/ptxas-diff holds, for
/// 8,200 one-line mutants of real files ptxas accepts (operand swaps, type changes, wrong .target/.version, removed
/// declarations, typos ...), 220 hand-written probes and 447 .version/.target boundary probes, the verdict ptxas gave
/// each on the GPU machine (tools/ptxas-diff, docs/runs/ptxas-diff.md). The test rebuilds every file from its base
/// (../shared/corpus or this repository, checked by sha256), runs PtxLint, and compares: ptxas rejects the file (a
/// non-zero exit, a crash included) exactly when PtxLint reports an error-level PTX000 or PTX013. It prints the
/// agreement per set and every disagreement, and asserts the issue's bar (98%) for each set of mutants and probes,
/// and no error on any base.
/// </summary>
public sealed class PTX013PtxasDiffTests
{
    private readonly ITestOutputHelper _out;
    public PTX013PtxasDiffTests(ITestOutputHelper output) { _out = output; }

    private static string DataDir => Path.Combine(Repo.Root, "tests", "data", "ptxas-diff");

    private sealed record Label(string Id, string Set, string Base, string Kind, string Line, string New, string Arch, int Rc, string FirstError)
    {
        public bool Rejected => Rc != 0;
    }

    /// <summary>mutate.py's escaping: \t tab, \r CR, \n newline, \\ backslash; any other backslash stays as it is.</summary>
    internal static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                char c = s[i + 1];
                switch (c)
                {
                    case 't': sb.Append('\t'); i++; continue;
                    case 'r': sb.Append('\r'); i++; continue;
                    case 'n': sb.Append('\n'); i++; continue;
                    case '\\': sb.Append('\\'); i++; continue;
                }
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static IEnumerable<string> GzLines(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var r = new StreamReader(gz, Encoding.Latin1);
        while (r.ReadLine() is { } l) yield return l;
    }

    private static byte[] ReadSource(string source)
    {
        string path = source.StartsWith("corpus/", StringComparison.Ordinal)
            ? Path.Combine(Repo.Shared, source)
            : Path.Combine(Repo.Root, source["repo/".Length..]);
        if (!File.Exists(path)) return Array.Empty<byte>();
        if (!path.EndsWith(".gz", StringComparison.Ordinal)) return File.ReadAllBytes(path);
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    [Fact]
    public void Unescape_reverses_the_mutators_escaping()
    {
        Assert.Equal("\tld.param.u32 %r1, [p];", Unescape("\\tld.param.u32 %r1, [p];"));
        Assert.Equal("a\\b\r", Unescape("a\\\\b\\r"));
        Assert.Equal("x\\qy", Unescape("x\\qy"));
        Assert.Equal(".version 8.0\n.target sm_90\n", Unescape(".version 8.0\\n.target sm_90\\n"));
    }

    [SharedCorpusFact]
    public void Agreement_with_ptxas_13_on_mutants_and_probes()
    {
        // bases: the texts the mutants edit, found again by source and checked by sha256
        var bases = new Dictionary<string, string>(StringComparer.Ordinal);
        var missingBases = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(DataDir, "bases.tsv")))
        {
            var p = line.Split('\t');
            var bytes = ReadSource(p[1]);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (bytes.Length == 0 || sha != p[2]) { missingBases.Add($"{p[0]} {p[1]}{(bytes.Length == 0 ? " (absent)" : " (changed)")}"); continue; }
            bases[p[0]] = Encoding.Latin1.GetString(bytes);
        }
        var probes = GzLines(Path.Combine(DataDir, "probes.tsv.gz")).Select(l => l.Split('\t'))
            .ToDictionary(p => "probe:" + p[0], p => Unescape(p[2]), StringComparer.Ordinal);
        var labels = GzLines(Path.Combine(DataDir, "labels.tsv.gz")).Select(l => l.Split('\t'))
            .Select(p => new Label(p[0], p[1], p[2], p[3], p[4], p[5], p[6], int.Parse(p[7]), p.Length > 8 ? p[8] : "")).ToList();
        Assert.True(labels.Count >= 9000, $"expected the stored labels, found {labels.Count}");
        Assert.True(labels.Count(l => l.Set is "A" or "B" or "C") >= 2000, "the issue asks for at least 2,000 mutants");

        string? TextOf(Label l)
        {
            if (l.Set == "probe") return probes.GetValueOrDefault(l.Id);
            var baseId = l.Set == "base" ? l.Id : l.Base;
            if (!bases.TryGetValue(baseId, out var text)) return null;
            if (l.Set == "base") return text;
            var lines = new List<string>(text.Split('\n'));
            int i = int.Parse(l.Line) - 1;
            if (l.New == "\\x00") lines.RemoveAt(i);
            else lines[i] = Unescape(l.New);
            return string.Join('\n', lines);
        }

        var results = new ConcurrentBag<(Label Label, bool Flagged, string Ours)>();
        int skipped = 0;
        Parallel.ForEach(labels, new ParallelOptions { MaxDegreeOfParallelism = 2 },
            () => new AnalysisEngine(new IRule[] { new PTX013InvalidPtx() }),
            (l, _, engine) =>
            {
                var text = TextOf(l);
                if (text is null) { Interlocked.Increment(ref skipped); return engine; }
                var errors = engine.AnalyzeText(l.Id.Replace(':', '_') + ".ptx", text).Findings
                    .Where(f => f.Level == Level.Error && f.Rule.Id is "PTX000" or "PTX013").ToList();
                var ours = errors.Count == 0 ? "clean" : $"{errors[0].Rule.Id} {errors[0].Location.Span.StartLine}: {errors[0].Message}";
                results.Add((l, errors.Count > 0, ours));
                return engine;
            },
            _ => { });

        var order = new[] { "base", "A", "B", "C", "probe", "boundary" };
        string SetName(string s) => s switch
        {
            "base" => "bases (ptxas accepts)",
            "A" => "mutants A (seed 1, dev)",
            "B" => "mutants B (seed 2, held out)",
            "C" => "mutants C (seed 3, held out)",
            "probe" => "probes (hand-written)",
            "boundary" => "boundary (.version/.target)",
            _ => s,
        };
        _out.WriteLine($"ptxas 13.0 verdicts: {labels.Count} files, {results.Count} rebuilt, {skipped} not rebuilt (bases absent or changed: {missingBases.Count})");
        foreach (var m in missingBases.Take(20)) _out.WriteLine($"  base not rebuilt: {m}");
        _out.WriteLine($"{"set",-30} {"n",6} {"agree",8} {"ok/clean",9} {"ok/ERROR",9} {"fail/error",11} {"fail/CLEAN",11}");
        var failures = new List<string>();
        foreach (var set in order)
        {
            var rs = results.Where(r => r.Label.Set == set).ToList();
            if (rs.Count == 0) continue;
            int okClean = rs.Count(r => !r.Label.Rejected && !r.Flagged), okError = rs.Count(r => !r.Label.Rejected && r.Flagged);
            int failError = rs.Count(r => r.Label.Rejected && r.Flagged), failClean = rs.Count(r => r.Label.Rejected && !r.Flagged);
            double agree = 100.0 * (okClean + failError) / rs.Count;
            _out.WriteLine($"{SetName(set),-30} {rs.Count,6} {agree,7:F2}% {okClean,9} {okError,9} {failError,11} {failClean,11}");
            if (set == "base" && okError + failError + failClean > 0)
                failures.Add($"{okError + failError} bases get an error, {failClean} are rejected by ptxas: every base must be valid and clean");
            if (set != "base" && agree < 98.0)
                failures.Add($"{SetName(set)}: {agree:F2}% agreement, below the bar of 98%");
            int labelled = labels.Count(l => l.Set == set);
            if (rs.Count < labelled * 0.95)
                failures.Add($"{SetName(set)}: only {rs.Count} of {labelled} files rebuilt (bases missing from ../shared or changed in the repository)");
        }
        int all = results.Count(r => r.Label.Set != "base");
        int agreeAll = results.Count(r => r.Label.Set != "base" && r.Label.Rejected == r.Flagged);
        _out.WriteLine($"{"all but bases",-30} {all,6} {100.0 * agreeAll / all,7:F2}%");

        _out.WriteLine("disagreements (ptxas verdict | ptxas's first error | PtxLint):");
        foreach (var (l, flagged, ours) in results.Where(r => r.Label.Rejected != r.Flagged).OrderBy(r => Array.IndexOf(order, r.Label.Set)).ThenBy(r => r.Label.Id, StringComparer.Ordinal))
        {
            var edit = l.Set is "A" or "B" or "C" or "boundary" ? $" [{l.Kind}] line {l.Line}: {Unescape(l.New).Trim()}" : "";
            _out.WriteLine($"  {l.Id}{edit}");
            _out.WriteLine($"      ptxas {(l.Rejected ? $"rejects (exit {l.Rc})" : "accepts")} | {(l.FirstError.Length > 0 ? l.FirstError : "-")} | {ours}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
