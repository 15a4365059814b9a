using System.Diagnostics;
using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Fuzzing;

/// <summary>
/// A deterministic mutation fuzzer over PTX bytes. Input <c>i</c> of seed <c>S</c> is a pure function of
/// (S, i, the seed files), so any input can be rebuilt alone (<see cref="Generate"/>). Mutations: bit/byte flips,
/// token deletions and duplications, interesting-token insertions, line shuffles/duplications/deletions,
/// truncations and splices between two seed files; one to four per input.
/// </summary>
public sealed class Mutator
{
    private readonly IReadOnlyList<byte[]> _seeds;

    public Mutator(IReadOnlyList<byte[]> seeds)
    {
        if (seeds.Count == 0) throw new ArgumentException("no seed files");
        _seeds = seeds;
    }

    public int SeedCount => _seeds.Count;

    private static readonly string[] Interesting =
    {
        "{", "}", ";", ",", "(", ")", "[", "]", "::", "@%p1 ", "@!%p1 ", "bra $L__BB0_1;", "bra.uni L;", "L:", "$L__BB0_1:",
        "//", "/*", "*/", "\"", "\0", "\r", "\n", "\t", ".reg .b32 %r<99999999>;", ".reg .pred %p<2>;", "99999999999999999999999",
        "-2147483648", "0f7FC00000", "0d7FF8000000000000", "0x", "%tid.x", "%ctaid.y", "ld.global.v4.f32 {%f1, %f2, %f3, %f4}, [%rd1+4];",
        "st.shared.u32 [%r1], %r2;", "bar.sync 0;", "ret;", "exit;", "call (%r1), f, (%r2);", ".entry e()", ".func f()", ".version 9.9",
        ".target sm_100a", ".address_size 32", ".loc 1 2 3", ".file 1 \"x.cu\"", "// ptxlint-disable-next-line PTX000",
        "// ptxlint-disable-file PTX990", "\uFEFF", "\u00e9", "\U0001F600", ".pragma \"nounroll\";", "{%r1, %r2}", "_", ".maxntid 1024, 1, 1",
    };

    /// <summary>The input <paramref name="index"/> of run <paramref name="seed"/> and a description of how it was made.</summary>
    public (byte[] Bytes, string Description) Generate(int seed, long index)
    {
        var rng = new Random(unchecked((int)(seed * 1_000_003L + index * 7919L) ^ (int)(index >> 20)));
        int s = rng.Next(_seeds.Count);
        var data = _seeds[s];
        var desc = new StringBuilder($"seed file #{s}");
        int n = 1 + rng.Next(4);
        for (int k = 0; k < n; k++)
        {
            int op = rng.Next(9);
            desc.Append(", ");
            data = op switch
            {
                0 => Flip(rng, data, desc),
                1 => DeleteTokens(rng, data, desc),
                2 => DuplicateToken(rng, data, desc),
                3 => ShuffleLines(rng, data, desc),
                4 => Truncate(rng, data, desc),
                5 => Splice(rng, data, desc),
                6 => InsertInteresting(rng, data, desc),
                7 => LineEdit(rng, data, desc),
                _ => DeleteTokens(rng, data, desc),
            };
        }
        return (data, desc.ToString());
    }

    private static byte[] Flip(Random rng, byte[] d, StringBuilder desc)
    {
        if (d.Length == 0) return d;
        var r = (byte[])d.Clone();
        int k = 1 + rng.Next(8);
        desc.Append($"flip {k}");
        for (int i = 0; i < k; i++)
        {
            int at = rng.Next(r.Length);
            r[at] = rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)(r[at] ^ (1 << rng.Next(8)));
        }
        return r;
    }

    private static bool IsWord(byte b) => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
        or (byte)'_' or (byte)'.' or (byte)'%' or (byte)'$';

    /// <summary>Token spans: runs of identifier bytes, or single other non-blank bytes.</summary>
    private static List<(int Start, int Length)> Tokens(byte[] d)
    {
        var t = new List<(int, int)>();
        for (int i = 0; i < d.Length;)
        {
            byte b = d[i];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') { i++; continue; }
            int j = i + 1;
            if (IsWord(b)) while (j < d.Length && IsWord(d[j])) j++;
            t.Add((i, j - i));
            i = j;
        }
        return t;
    }

    private static byte[] DeleteTokens(Random rng, byte[] d, StringBuilder desc)
    {
        var t = Tokens(d);
        if (t.Count == 0) return d;
        int first = rng.Next(t.Count), k = 1 + rng.Next(Math.Min(3, t.Count - first));
        desc.Append($"delete {k} tokens at #{first}");
        int start = t[first].Start, end = t[first + k - 1].Start + t[first + k - 1].Length;
        return d[..start].Concat(d[end..]).ToArray();
    }

    private static byte[] DuplicateToken(Random rng, byte[] d, StringBuilder desc)
    {
        var t = Tokens(d);
        if (t.Count == 0) return d;
        var (s, l) = t[rng.Next(t.Count)];
        var tok = d[s..(s + l)];
        int at = rng.Next(2) == 0 ? s + l : t[rng.Next(t.Count)].Start;
        int times = 1 + (rng.Next(8) == 0 ? rng.Next(50) : 0);
        desc.Append($"duplicate '{Encoding.Latin1.GetString(tok)}' x{times}");
        var ins = Enumerable.Repeat(tok.Append((byte)' '), times).SelectMany(x => x).ToArray();
        return d[..at].Concat(ins).Concat(d[at..]).ToArray();
    }

    private static List<byte[]> Lines(byte[] d)
    {
        var lines = new List<byte[]>();
        int s = 0;
        for (int i = 0; i < d.Length; i++)
            if (d[i] == (byte)'\n') { lines.Add(d[s..(i + 1)]); s = i + 1; }
        if (s < d.Length) lines.Add(d[s..]);
        return lines;
    }

    private static byte[] ShuffleLines(Random rng, byte[] d, StringBuilder desc)
    {
        var lines = Lines(d);
        if (lines.Count < 2) return d;
        int start = rng.Next(lines.Count - 1), len = Math.Min(2 + rng.Next(8), lines.Count - start);
        desc.Append($"shuffle lines {start + 1}..{start + len}");
        var window = lines.GetRange(start, len);
        for (int i = window.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (window[i], window[j]) = (window[j], window[i]); }
        lines.RemoveRange(start, len);
        lines.InsertRange(start, window);
        return lines.SelectMany(x => x).ToArray();
    }

    private static byte[] Truncate(Random rng, byte[] d, StringBuilder desc)
    {
        int at = d.Length == 0 ? 0 : rng.Next(d.Length);
        desc.Append($"truncate at {at}");
        return d[..at];
    }

    private byte[] Splice(Random rng, byte[] d, StringBuilder desc)
    {
        int o = rng.Next(_seeds.Count);
        var other = _seeds[o];
        int a = d.Length == 0 ? 0 : rng.Next(d.Length + 1), b = other.Length == 0 ? 0 : rng.Next(other.Length + 1);
        if (rng.Next(2) == 0) // at line boundaries
        {
            while (a < d.Length && d[a] != (byte)'\n') a++;
            while (b < other.Length && other[b] != (byte)'\n') b++;
        }
        desc.Append($"splice at {a} with seed file #{o} from {b}");
        return d[..Math.Min(a, d.Length)].Concat(other[Math.Min(b, other.Length)..]).ToArray();
    }

    private static byte[] InsertInteresting(Random rng, byte[] d, StringBuilder desc)
    {
        var tok = Interesting[rng.Next(Interesting.Length)];
        var t = Tokens(d);
        int at = t.Count == 0 || rng.Next(4) == 0 ? (d.Length == 0 ? 0 : rng.Next(d.Length + 1)) : t[rng.Next(t.Count)].Start;
        desc.Append($"insert {System.Text.Json.JsonSerializer.Serialize(tok)} at {at}");
        return d[..at].Concat(Encoding.UTF8.GetBytes(tok)).Concat(d[at..]).ToArray();
    }

    private static byte[] LineEdit(Random rng, byte[] d, StringBuilder desc)
    {
        var lines = Lines(d);
        if (lines.Count == 0) return d;
        int i = rng.Next(lines.Count);
        if (rng.Next(2) == 0) { desc.Append($"delete line {i + 1}"); lines.RemoveAt(i); }
        else { desc.Append($"duplicate line {i + 1}"); lines.Insert(i, lines[i]); }
        return lines.SelectMany(x => x).ToArray();
    }
}

/// <summary>A property violation: an exception (with its stack trace), an internal-error notification, or a timeout.</summary>
public sealed record FuzzFailure(long Index, string Kind, string Description, string Detail, byte[] Input)
{
    /// <summary>Exception type and first frame: failures with the same key are one bug.</summary>
    public string Key => Kind + ": " + (Detail.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal))?.Trim() ?? Detail.Split('\n')[0]);
}

public sealed class FuzzReport
{
    public long Inputs { get; set; }
    public int Seed { get; init; }
    public int SeedFiles { get; init; }
    public long Bytes { get; set; }
    public TimeSpan Elapsed { get; set; }
    public List<FuzzFailure> Failures { get; } = new();
    public long SlowestIndex { get; set; } = -1;
    public TimeSpan SlowestTime { get; set; }
    public string SlowestDescription { get; set; } = "";
    public int SlowestLength { get; set; }
    public List<string> SarifSamples { get; } = new();
    public int WithFindings { get; set; }

    public override string ToString() =>
        $"{Inputs} inputs (seed {Seed}, {SeedFiles} seed files, {Bytes / 1e6:F1} MB), {Failures.Count} failures " +
        $"({Failures.Select(f => f.Key).Distinct().Count()} distinct), {Elapsed.TotalSeconds:F1} s, {WithFindings} inputs with findings; " +
        $"slowest input #{SlowestIndex} ({SlowestLength} bytes, {SlowestDescription}): {SlowestTime.TotalMilliseconds:F0} ms";
}

/// <summary>Runs the property over generated inputs: no exception, no internal error, within the time limit, SARIF written.</summary>
public static class FuzzRunner
{
    /// <summary>Seed files: samples/ptx, tests/data/generated, and the files of ../shared/corpus up to <paramref name="maxSeedBytes"/>.</summary>
    /// <summary>The first inputs of a run are left out of the slowest-input figure: they pay for JIT compilation.</summary>
    public const int WarmUpInputs = 50;

    public static List<byte[]> LoadSeeds(int maxSeedBytes = 32 * 1024)
    {
        var seeds = new List<byte[]>();
        foreach (var f in Corpus.Own()) if (f.Text.Length <= maxSeedBytes * 4) seeds.Add(Encoding.UTF8.GetBytes(f.Text));
        if (Repo.HasShared)
            foreach (var f in Corpus.Shared()) if (f.Text.Length <= maxSeedBytes) seeds.Add(Encoding.UTF8.GetBytes(f.Text));
        return seeds;
    }

    public static FuzzReport Run(IReadOnlyList<byte[]> seeds, int seed, long count, TimeSpan perInputLimit, string workDir,
        int sarifSamples = 0, Action<string>? progress = null, long startIndex = 0)
    {
        var mutator = new Mutator(seeds);
        var report = new FuzzReport { Seed = seed, SeedFiles = seeds.Count };
        var engine = NewEngine();
        var total = Stopwatch.StartNew();
        long sampleEvery = sarifSamples > 0 ? Math.Max(1, count / sarifSamples) : long.MaxValue;
        for (long i = startIndex; i < startIndex + count; i++)
        {
            var (bytes, desc) = mutator.Generate(seed, i);
            bool sample = (i - startIndex) % sampleEvery == sampleEvery / 2 && report.SarifSamples.Count < sarifSamples;
            var sarifPath = sample ? Path.Combine(workDir, $"fuzz-{seed}-{i}.sarif") : null;
            var outcome = RunOne(engine, bytes, Path.Combine(workDir, $"fuzz-{seed}-{i}.ptx"), workDir, perInputLimit, sarifPath);
            report.Inputs++;
            report.Bytes += bytes.Length;
            if (outcome.HadFindings) report.WithFindings++;
            if (sarifPath is not null && outcome.Failure is null) report.SarifSamples.Add(sarifPath);
            if (i - startIndex >= WarmUpInputs && outcome.Elapsed > report.SlowestTime) // the first inputs pay for JIT compilation
            {
                report.SlowestTime = outcome.Elapsed;
                report.SlowestIndex = i;
                report.SlowestDescription = desc;
                report.SlowestLength = bytes.Length;
            }
            if (outcome.Failure is { } fail)
            {
                report.Failures.Add(new FuzzFailure(i, fail.Kind, desc, fail.Detail, bytes));
                if (fail.Kind == "timeout") engine = NewEngine(); // the abandoned worker may still hold the old one
            }
            if (progress is not null && (i - startIndex + 1) % 1000 == 0)
            {
                report.Elapsed = total.Elapsed;
                progress(report.ToString());
            }
        }
        report.Elapsed = total.Elapsed;
        return report;
    }

    public static AnalysisEngine NewEngine() =>
        new(new AnalysisOptions { Rules = PtxLint.Rules.RuleRegistry.All.Append(new AnalysesProbeRule()).ToList(), MaxDegreeOfParallelism = 1 });

    public sealed record Outcome(TimeSpan Elapsed, (string Kind, string Detail)? Failure, bool HadFindings);

    /// <summary>Parse + every rule + SARIF/text/JSON writing of one input, on a background thread under a time limit.</summary>
    public static Outcome RunOne(AnalysisEngine engine, byte[] bytes, string path, string sourceRoot, TimeSpan limit, string? sarifPath)
    {
        (string Kind, string Detail)? failure = null;
        bool hadFindings = false;
        var sw = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            try
            {
                var notes = new List<ToolNotification>();
                var file = engine.AnalyzeBytes(path, bytes, null, notes);
                hadFindings = file.Findings.Count > 0;
                var internalErrors = notes.Where(n => n.Level == Level.Error).ToList();
                if (internalErrors.Count > 0)
                {
                    var n = internalErrors[0];
                    failure = ("internal error", n.Message + "\n" + n.Exception);
                    return;
                }
                var files = new[] { file };
                var log = SarifWriter.Build(files, engine.AllRules, new SarifWriterOptions { SourceRoot = sourceRoot }, notes);
                using (Stream s = sarifPath is null ? new MemoryStream() : File.Create(sarifPath)) SarifWriter.Write(s, log);
                using (var ms = new MemoryStream()) JsonReportWriter.Write(ms, files, Fingerprints.Compute(file.Findings.ToList()), null);
                TextReportWriter.Write(new StringWriter(), files, new TextReportOptions { Color = false }, TimeSpan.Zero);
            }
            catch (Exception e)
            {
                failure = ("exception", e.ToString());
            }
        }) { IsBackground = true, Name = "fuzz input" };
        worker.Start();
        if (!worker.Join(limit))
            return new Outcome(sw.Elapsed, ("timeout", $"did not finish within {limit.TotalSeconds:0.#} s"), false);
        return new Outcome(sw.Elapsed, failure, hadFindings);
    }

    /// <summary>Saves a failing input (and its description) under <paramref name="dir"/>; returns the path.</summary>
    public static string SaveReproducer(FuzzFailure f, int seed, string dir)
    {
        Directory.CreateDirectory(dir);
        var name = $"seed{seed}-input{f.Index}";
        var path = Path.Combine(dir, name + ".ptx");
        File.WriteAllBytes(path, f.Input);
        File.WriteAllText(Path.Combine(dir, name + ".txt"), $"{f.Kind}: {f.Description}\n\n{f.Detail}\n");
        return path;
    }
}
