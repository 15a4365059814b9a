using System.IO.Compression;
using PtxLint.Ir;
using PtxLint.Syntax;

namespace PtxLint.Tests.Support;

/// <summary>Paths of the repository and of ../shared (material beside the project root, present on CI).</summary>
public static class Repo
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PtxLint.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find PtxLint.sln above " + AppContext.BaseDirectory);
    });

    public static string Root => RootLazy.Value;
    public static string Samples => Path.Combine(Root, "samples", "ptx");
    /// <summary>../shared beside the repository root, or <c>PTXLINT_SHARED</c> when set (git worktrees live elsewhere).</summary>
    public static string Shared => Environment.GetEnvironmentVariable("PTXLINT_SHARED") is { Length: > 0 } env
        ? Path.GetFullPath(env)
        : Path.GetFullPath(Path.Combine(Root, "..", "shared"));
    public static string SharedCorpus => Path.Combine(Shared, "corpus");
    public static bool HasShared => Directory.Exists(SharedCorpus);
    public const string NoSharedReason = "../shared/corpus is absent (it ships beside the project on developer machines and CI, not in a user's clone)";
}

/// <summary>A fact that needs ../shared/corpus: skipped, with the reason shown, only when it is absent.</summary>
public sealed class SharedCorpusFactAttribute : FactAttribute
{
    public SharedCorpusFactAttribute()
    {
        if (!Repo.HasShared) Skip = Repo.NoSharedReason;
    }
}

public sealed record CorpusFile(string Name, string Text, string? PtxasVerdict);

public static class Corpus
{
    public static string ReadGz(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var r = new StreamReader(gz);
        return r.ReadToEnd();
    }

    /// <summary>Every file of ../shared/corpus with the manifest's ptxas verdict (public/ only; device/ files are real compiler output).</summary>
    public static IReadOnlyList<CorpusFile> Shared()
    {
        var list = new List<CorpusFile>();
        foreach (var sub in new[] { "public", "device" })
        {
            var root = Path.Combine(Repo.SharedCorpus, sub);
            if (!Directory.Exists(root)) continue;
            var verdicts = new Dictionary<string, string>();
            var manifest = Path.Combine(root, "MANIFEST.tsv");
            if (File.Exists(manifest))
            {
                var lines = File.ReadAllLines(manifest);
                var header = lines[0].Split('\t');
                int col = Array.IndexOf(header, "ptxas13");
                foreach (var line in lines.Skip(1))
                {
                    var parts = line.Split('\t');
                    if (col >= 0 && parts.Length > col) verdicts[parts[0]] = parts[col];
                }
            }
            foreach (var f in Directory.EnumerateFiles(root, "*.ptx.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var rel = Path.GetRelativePath(root, f).Replace('\\', '/');
                var key = rel[..^3];
                list.Add(new CorpusFile($"{sub}/{rel}", ReadGz(f), verdicts.GetValueOrDefault(key)));
            }
        }
        return list;
    }

    /// <summary>PTX the project generated itself (tests/data/generated) and wrote itself (samples/ptx).</summary>
    public static IReadOnlyList<CorpusFile> Own()
    {
        var list = new List<CorpusFile>();
        var gen = Path.Combine(Repo.Root, "tests", "data", "generated");
        if (Directory.Exists(gen))
            foreach (var f in Directory.EnumerateFiles(gen, "*.ptx.gz").Order(StringComparer.Ordinal))
                list.Add(new CorpusFile("generated/" + Path.GetFileName(f), ReadGz(f), "ok"));
        foreach (var f in Directory.EnumerateFiles(Repo.Samples, "*.ptx").Order(StringComparer.Ordinal))
            list.Add(new CorpusFile("samples/" + Path.GetFileName(f), File.ReadAllText(f), "ok"));
        return list;
    }

    /// <summary>True when the manifest says ptxas rejected the file at parse time (not valid PTX syntax).</summary>
    public static bool IsMarkedInvalid(CorpusFile f) =>
        f.PtxasVerdict is { } v && v.StartsWith("fail", StringComparison.Ordinal)
        && (v.Contains("Parsing error", StringComparison.Ordinal) || v.Contains("Missing .version", StringComparison.Ordinal));

    public static PtxModule Parse(string text, string name = "test.ptx", bool antlr = false) =>
        PtxParserDriver.Parse(name, text, new ParseOptions(ForceAntlr: antlr));
}
