using System.Globalization;
using System.IO.Compression;
using System.Text;
using PtxLint.Diagnostics;

namespace PtxLint.Engine;

/// <summary>
/// One line of the ecosystem baseline: the findings of one rule at one level and of one kind (the rule's category
/// property) in one function of one corpus file, how many, and why they are there (a true bug with its evidence, or a
/// known limit). The way ruff checks every rule against real repositories before a release.
/// </summary>
public sealed record EcosystemEntry(string File, string Function, string Rule, string Level, string Category, int Count, string Reason)
{
    public (string, string, string, string, string) Key => (File, Function, Rule, Level, Category);
}

/// <summary>The difference between a run over a corpus and its reviewed baseline.</summary>
public sealed record EcosystemDiff(IReadOnlyList<EcosystemEntry> Added, IReadOnlyList<EcosystemEntry> Gone)
{
    public bool IsEmpty => Added.Count == 0 && Gone.Count == 0;
}

/// <summary>
/// The ecosystem check: analyzes every <c>.ptx</c> / <c>.ptx.gz</c> file under a corpus folder with the default rules,
/// folds the findings into <see cref="EcosystemEntry"/> lines, and compares them with a reviewed baseline file
/// (tab-separated: file, function, rule, level, category, count, reason; <c>#</c> starts a comment).
/// </summary>
public static class Ecosystem
{
    public const string Unreviewed = "UNREVIEWED";
    private const string Header = "file\tfunction\trule\tlevel\tcategory\tcount\treason";

    /// <summary>Every corpus file (relative path with '/', text), in a stable order.</summary>
    public static IEnumerable<(string Path, string Text)> ReadCorpus(string root)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".ptx", StringComparison.Ordinal) || f.EndsWith(".ptx.gz", StringComparison.Ordinal))
            .Select(f => (Full: f, Rel: Path.GetRelativePath(root, f).Replace('\\', '/')))
            .OrderBy(f => f.Rel, StringComparer.Ordinal);
        foreach (var (full, rel) in files)
        {
            string text;
            if (full.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var gz = new GZipStream(File.OpenRead(full), CompressionMode.Decompress);
                using var r = new StreamReader(gz);
                text = r.ReadToEnd();
            }
            else text = File.ReadAllText(full);
            yield return (rel, text);
        }
    }

    /// <summary>What kind of finding it is, from the typed properties rules attach (PTX005's verdict, PTX001's form).</summary>
    public static string CategoryOf(Finding f)
    {
        foreach (var key in new[] { "skippingThreads", "form", "category" })
            if (f.Properties.TryGetValue(key, out var v) && v is not null) return Convert.ToString(v, CultureInfo.InvariantCulture) ?? "";
        return "-";
    }

    /// <summary>Analyzes the corpus (in parallel) and folds the unsuppressed findings into entries without reasons.</summary>
    public static List<EcosystemEntry> Run(string root, AnalysisEngine engine, int threads = 0, Action<string>? progress = null)
    {
        var files = ReadCorpus(root).ToList();
        var perFile = new List<Finding>[files.Count];
        var opts = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, files.Count, opts, i =>
        {
            var (rel, text) = files[i];
            perFile[i] = engine.AnalyzeText(rel, text).Findings.Where(f => f.Suppression is null).ToList();
            progress?.Invoke(rel);
        });
        var counts = new Dictionary<(string, string, string, string, string), int>();
        for (int i = 0; i < files.Count; i++)
            foreach (var f in perFile[i])
            {
                var key = (files[i].Path, f.FunctionName ?? "-", f.Rule.Id, f.Level.ToSarif(), CategoryOf(f));
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        return counts.Select(kv => new EcosystemEntry(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Key.Item4, kv.Key.Item5, kv.Value, ""))
            .OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Function, StringComparer.Ordinal)
            .ThenBy(e => e.Rule, StringComparer.Ordinal).ThenBy(e => e.Level, StringComparer.Ordinal).ThenBy(e => e.Category, StringComparer.Ordinal)
            .ToList();
    }

    public static List<EcosystemEntry> Load(string path)
    {
        var list = new List<EcosystemEntry>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (line.Length == 0 || line.StartsWith('#') || line == Header) continue;
            var p = line.Split('\t');
            if (p.Length != 7 || !int.TryParse(p[5], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                throw new FormatException($"{path}:{n}: expected 7 tab-separated fields (file, function, rule, level, category, count, reason)");
            list.Add(new EcosystemEntry(p[0], p[1], p[2], p[3], p[4], count, p[6]));
        }
        return list;
    }

    /// <summary>Writes the baseline: a comment header, then one entry per line, sorted.</summary>
    public static void Write(string path, IEnumerable<EcosystemEntry> entries, string? comment = null)
    {
        var sb = new StringBuilder();
        if (comment is not null)
            foreach (var l in comment.Split('\n')) sb.Append("# ").Append(l).Append('\n');
        sb.Append(Header).Append('\n');
        foreach (var e in entries)
            sb.Append(e.File).Append('\t').Append(e.Function).Append('\t').Append(e.Rule).Append('\t').Append(e.Level).Append('\t')
              .Append(e.Category).Append('\t').Append(e.Count.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(e.Reason.Replace('\t', ' ').Replace('\n', ' ')).Append('\n');
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>Findings not in the baseline (or more of them), and baseline entries that no longer fire (or fewer).</summary>
    public static EcosystemDiff Compare(IReadOnlyList<EcosystemEntry> actual, IReadOnlyList<EcosystemEntry> baseline)
    {
        var base_ = baseline.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.First());
        var act = actual.ToDictionary(e => e.Key);
        var added = new List<EcosystemEntry>();
        var gone = new List<EcosystemEntry>();
        foreach (var a in actual)
        {
            if (!base_.TryGetValue(a.Key, out var b)) added.Add(a);
            else if (a.Count > b.Count) added.Add(a with { Count = a.Count - b.Count, Reason = b.Reason });
        }
        foreach (var b in base_.Values)
        {
            if (!act.TryGetValue(b.Key, out var a)) gone.Add(b);
            else if (a.Count < b.Count) gone.Add(b with { Count = b.Count - a.Count });
        }
        return new EcosystemDiff(added, gone);
    }

    /// <summary>
    /// Fills in reasons: a baseline entry's own reason when it had one, otherwise the reviewed reason for its rule,
    /// level and category (a table of <c>rule\tlevel\tcategory\tfile-prefix\treason</c> lines, the first match wins), or
    /// <see cref="Unreviewed"/>.
    /// </summary>
    public static List<EcosystemEntry> WithReasons(IReadOnlyList<EcosystemEntry> actual, IReadOnlyList<EcosystemEntry> baseline,
                                                   IReadOnlyList<(string Rule, string Level, string Category, string Prefix, string Reason)> table,
                                                   Func<EcosystemEntry, string?>? special = null)
    {
        var old = baseline.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.First().Reason);
        var result = new List<EcosystemEntry>(actual.Count);
        foreach (var a in actual)
        {
            string? reason = old.TryGetValue(a.Key, out var r) && r != Unreviewed && r.Length > 0 ? r : null;
            reason ??= special?.Invoke(a);
            reason ??= table.FirstOrDefault(t => t.Rule == a.Rule && (t.Level == "*" || t.Level == a.Level) && (t.Category == "*" || t.Category == a.Category)
                                                 && a.File.StartsWith(t.Prefix == "*" ? "" : t.Prefix, StringComparison.Ordinal)).Reason;
            result.Add(a with { Reason = reason ?? Unreviewed });
        }
        return result;
    }

    public static List<(string Rule, string Level, string Category, string Prefix, string Reason)> LoadReasonTable(string path)
    {
        var list = new List<(string, string, string, string, string)>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var p = line.Split('\t');
            if (p.Length != 5) throw new FormatException($"{path}:{n}: expected 5 tab-separated fields (rule, level, category, file prefix, reason)");
            list.Add((p[0], p[1], p[2], p[3], p[4]));
        }
        return list;
    }

    /// <summary>Counts per rule and level: (rule, level) -> (entries' finding count).</summary>
    public static SortedDictionary<(string Rule, string Level), int> Counts(IEnumerable<EcosystemEntry> entries)
    {
        var d = new SortedDictionary<(string, string), int>();
        foreach (var e in entries) d[(e.Rule, e.Level)] = d.GetValueOrDefault((e.Rule, e.Level)) + e.Count;
        return d;
    }

    /// <summary>The ptxas verdicts of MANIFEST.tsv files under the corpus root (column <c>ptxas13</c>), by relative .ptx.gz path.</summary>
    public static Dictionary<string, string> PtxasVerdicts(string root)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in Directory.EnumerateFiles(root, "MANIFEST.tsv", SearchOption.AllDirectories))
        {
            var dir = Path.GetRelativePath(root, Path.GetDirectoryName(m)!).Replace('\\', '/');
            var lines = File.ReadAllLines(m);
            if (lines.Length == 0) continue;
            int col = Array.IndexOf(lines[0].Split('\t'), "ptxas13");
            if (col < 0) continue;
            foreach (var l in lines.Skip(1))
            {
                var p = l.Split('\t');
                if (p.Length > col) d[(dir == "." ? "" : dir + "/") + p[0] + ".gz"] = p[col];
            }
        }
        return d;
    }
}
