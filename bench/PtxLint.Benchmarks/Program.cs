using System.Diagnostics;
using System.IO.Compression;
using PtxLint.Syntax;

namespace PtxLint.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 2 && args[0] == "rule") return RuleLoop.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 3);
        if (args.Length > 1 && args[0] == "profile") return Profile.Run(args[1]);
        if (args.Length > 1 && args[0] == "scaling") return Scaling.Run(args[1]);
        if (args.Length > 4 && args[0] == "tree") return Scaling.Tree(args[1], args[2], int.Parse(args[3]), double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
        if (args.Length > 1 && args[0] == "memory")
        {
            var text = File.ReadAllText(args[1]);
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long before = GC.GetTotalMemory(true);
            var m = PtxParserDriver.Parse(args[1], text);
            long after = GC.GetTotalMemory(true);
            Console.WriteLine($"text {text.Length / 1e6:F1} M chars; IR {(after - before) / 1e6:F1} MB ({(after - before) / (double)text.Length:F1} bytes/char), {m.Functions.Sum(f => f.Instructions.Count)} instructions; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
            var ops = m.Functions.SelectMany(f => f.Instructions).SelectMany(i => i.Operands).GroupBy(o => o.Kind).Select(g => $"{g.Key}={g.Count()}");
            Console.WriteLine("operands: " + string.Join(" ", ops));
            Console.WriteLine($"labels {m.Functions.Sum(f => f.Labels.Count)}, regdecls {m.Functions.Sum(f => f.RegisterDecls.Count)}, locals {m.Functions.Sum(f => f.LocalSymbols.Count)}, globals {m.Globals.Count}");
            foreach (var f in m.Functions) f.Instructions.Clear();
            long cleared = GC.GetTotalMemory(true);
            Console.WriteLine($"without instructions: {(cleared - before) / 1e6:F1} MB");
            GC.KeepAlive(m);
            return 0;
        }
        if (args.Length > 1 && args[0] == "gc")
            return GcTrace.Run(args[1], cold: args.Length > 2 && args[2] == "--cold");
        if (args.Length > 1 && args[0] == "alloc")
            return AllocProfile.Run(args[1], analyze: args.Length > 2 && args[2] == "--analyze");
        if (args.Length > 1 && args[0] == "throughput")
            return Throughput.Run(args.Skip(1).ToArray());
        if (args.Length > 1 && args[0] == "requirements")
            return IsaRequirements.Run(args.Skip(1).ToArray());
        if (args.Length > 1 && args[0] == "pipeline")
            return Pipeline.Run(args.Skip(1).ToArray());
        if (args.Length > 0 && args[0] == "corpus")
            return CorpusRun.Run(args.Skip(1).ToArray());
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

/// <summary>Quick whole-corpus pass: parse every file, print errors and throughput.</summary>
public static class CorpusRun
{
    /// <summary>A .ptx file's text, or a .ptx.gz file's decompressed text.</summary>
    public static string ReadText(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal)) return File.ReadAllText(path);
        using var r = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        return r.ReadToEnd();
    }

    public static IEnumerable<(string Name, string Text)> Load(string dir)
    {
        foreach (var f in Directory.EnumerateFiles(dir, "*.ptx*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!f.EndsWith(".gz", StringComparison.Ordinal) && !f.EndsWith(".ptx", StringComparison.Ordinal)) continue;
            var text = ReadText(f);
            yield return (Path.GetRelativePath(dir, f), text);
        }
    }

    public static int Run(string[] args)
    {
        var dir = args.Length > 0 ? args[0] : "../shared/corpus";
        bool verbose = args.Contains("-v");
        var files = Load(dir).ToList();
        long bytes = files.Sum(f => (long)f.Text.Length);
        int withErrors = 0;
        var sw = Stopwatch.StartNew();
        foreach (var (name, text) in files)
        {
            var m = PtxParserDriver.Parse(name, text);
            if (m.Errors.Count > 0)
            {
                withErrors++;
                if (verbose || withErrors <= 200)
                    foreach (var e in m.Errors.Take(verbose ? 100 : 2))
                        Console.WriteLine($"{name}:{e.Span.StartLine}:{e.Span.StartColumn}: {e.Message}");
            }
        }
        sw.Stop();
        Console.WriteLine($"{files.Count} files, {bytes / 1e6:F1} MB, {withErrors} with errors, {sw.Elapsed.TotalSeconds:F2} s, {bytes / 1e6 / sw.Elapsed.TotalSeconds:F1} MB/s");
        return 0;
    }
}

public static class Profile
{
    public static int Run(string file)
    {
        var text = File.ReadAllText(file);
        for (int rep = 0; rep < 5; rep++)
        {
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            var pause0 = GC.GetTotalPauseDuration();
            var sw = Stopwatch.StartNew();
            PtxScanner.Scan(text, out int n);
            var scan = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var m = PtxParserDriver.Parse(file, text, new ParseOptions(Parallel: false));
            var parse = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"{text.Length / 1e6:F1} MB, {n} tokens: scan {scan:F0} ms ({text.Length / 1e3 / scan:F1} MB/s), parse+IR {parse:F0} ms ({text.Length / 1e3 / parse:F1} MB/s), {m.Functions.Count} fns, {m.Errors.Count} errors, fallbacks {PtxParserDriver.FastPathFallbacks}, insns {m.Functions.Sum(f => f.Instructions.Count)}, GCs {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2} paused {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms, user {Process.GetCurrentProcess().UserProcessorTime.TotalMilliseconds:F0} ms");
        }
        return 0;
    }
}

/// <summary>
/// Scaling and throughput: builds synthetic modules from real PTX by repeating its functions under new names
/// (1x, 10x, 100x) and times parse+IR and parse+IR+all rules; `tree DIR FILES MB` writes a synthetic build tree.
/// </summary>
public static class Scaling
{
    /// <summary>The module header and the functions of <paramref name="text"/>, with function names suffixed by <paramref name="copy"/>.</summary>
    public static string Replicate(string text, int copies)
    {
        var m = PtxParserDriver.Parse("seed.ptx", text);
        var lines = text.Split('\n');
        int firstFn = m.Functions.Where(f => f.HasBody).Min(f => f.Span.StartLine);
        // include linkage keywords on the same line
        var header = string.Join('\n', lines.Take(firstFn - 1));
        var body = string.Join('\n', lines.Skip(firstFn - 1));
        var names = m.Functions.Where(f => f.HasBody).Select(f => f.Name).Distinct().OrderByDescending(n => n.Length).ToList();
        var sb = new System.Text.StringBuilder(header.Length + body.Length * copies);
        sb.Append(header).Append('\n');
        for (int c = 0; c < copies; c++)
        {
            var b = body;
            if (c > 0)
                foreach (var n in names)
                    b = System.Text.RegularExpressions.Regex.Replace(b, $@"(?<![\w$]){System.Text.RegularExpressions.Regex.Escape(n)}(?![\w$])", n + "_c" + c);
            sb.Append(b).Append('\n');
        }
        return sb.ToString();
    }

    public static int Run(string seedFile)
    {
        var seed = File.ReadAllText(seedFile);
        var engine = new PtxLint.Engine.AnalysisEngine(PtxLint.Rules.RuleRegistry.All);
        Console.WriteLine("| size | MB | parse+IR ms | MB/s | parse+IR+rules ms | MB/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var sizes = new[] { 1, 10, 100 };
        var texts = sizes.Select(k => Replicate(seed, k)).ToArray();
        // one warm-up pass over every size first: the 1x file is measured with the code the 100x one runs (tiered JIT
        // compiles a method again after 30 calls; measured cold, the 1x row timed the JIT, not the analysis)
        foreach (var t in texts) engine.AnalyzeText("x.ptx", t);
        for (int si = 0; si < sizes.Length; si++)
        {
            int k = sizes[si];
            var text = texts[si];
            var m0 = PtxParserDriver.Parse("x.ptx", text);
            if (m0.Errors.Count > 0) { Console.WriteLine($"{k}x: {m0.Errors[0].Span} {m0.Errors[0].Message}"); return 1; }
            double best = double.MaxValue, bestAll = double.MaxValue;
            // the best of several runs at every size: with 3 at 100x (20 below), one noisy hour made that row alone slow
            for (int rep = 0; rep < (k < 100 ? 20 : 7); rep++)
            {
                var sw = Stopwatch.StartNew();
                PtxParserDriver.Parse("x.ptx", text);
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                engine.AnalyzeText("x.ptx", text);
                bestAll = Math.Min(bestAll, sw.Elapsed.TotalMilliseconds);
            }
            double mb = text.Length / 1e6;
            Console.WriteLine($"| {k}x | {mb:F1} | {best:F0} | {mb / best * 1000:F1} | {bestAll:F0} | {mb / bestAll * 1000:F1} |");
        }
        return 0;
    }

    /// <summary>Writes FILES synthetic .ptx files of about MB megabytes each, replicating the seed's functions.</summary>
    public static int Tree(string seedFile, string dir, int files, double mbEach)
    {
        var seed = File.ReadAllText(seedFile);
        int copies = Math.Max(1, (int)Math.Round(mbEach * 1e6 / seed.Length));
        var text = Replicate(seed, copies);
        Directory.CreateDirectory(dir);
        for (int i = 0; i < files; i++) File.WriteAllText(Path.Combine(dir, $"k{i:D4}.ptx"), text);
        Console.WriteLine($"{files} files x {text.Length / 1e6:F1} MB in {dir}");
        return 0;
    }
}

/// <summary>
/// Parse + IR throughput, warm, the way `ptxlint analyze` parses: files in parallel (largest first), large files
/// also split into units parsed in parallel. `throughput PATH... [--reps N] [--threads K]`: PATHs are .ptx/.ptx.gz
/// files or directories; the texts are read into memory first, one untimed warm-up pass, then N timed passes.
/// </summary>
public static class Throughput
{
    public static int Run(string[] args)
    {
        int reps = 5, threads = Environment.ProcessorCount;
        var paths = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--reps") reps = int.Parse(args[++i]);
            else if (args[i] == "--threads") threads = int.Parse(args[++i]);
            else paths.Add(args[i]);
        }
        var files = new List<(string Name, string Text)>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p)) files.AddRange(CorpusRun.Load(p));
            else files.Add((p, CorpusRun.ReadText(p)));
        }
        files = files.OrderByDescending(f => f.Text.Length).ToList();
        long bytes = files.Sum(f => (long)f.Text.Length);
        var options = new ParseOptions(Parallel: threads > 1, MaxDegreeOfParallelism: threads);
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var rates = new List<double>();
        for (int rep = 0; rep <= reps; rep++)
        {
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            var pause0 = GC.GetTotalPauseDuration();
            long alloc0 = GC.GetTotalAllocatedBytes();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long instructions = 0;
            var sw = Stopwatch.StartNew();
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(files, loadBalance: true), po, f =>
            {
                var m = PtxParserDriver.Parse(f.Name, f.Text, options);
                long n = 0;
                foreach (var fn in m.Functions) n += fn.Instructions.Count;
                Interlocked.Add(ref instructions, n);
            });
            sw.Stop();
            double mbs = bytes / 1e6 / sw.Elapsed.TotalSeconds;
            Console.WriteLine($"{(rep == 0 ? "warm-up" : "rep " + rep)}: {files.Count} files, {bytes / 1e6:F1} MB, {instructions} instructions, " +
                $"{sw.Elapsed.TotalMilliseconds:F0} ms = {mbs:F1} MB/s on {threads} thread(s); CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds:F0} ms; " +
                $"allocated {(GC.GetTotalAllocatedBytes() - alloc0) / 1e6:F0} MB; GCs {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}, " +
                $"paused {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:F0} ms");
            if (rep > 0) rates.Add(mbs);
            if (Environment.GetEnvironmentVariable("PTXLINT_BENCH_GC") is not null)
            {
                var gi = GC.GetGCMemoryInfo(GCKind.Any);
                Console.WriteLine($"  last GC: gen{gi.Generation}, promoted {gi.PromotedBytes / 1e6:F0} MB, heap {gi.HeapSizeBytes / 1e6:F0} MB, pause {gi.PauseDurations[0].TotalMilliseconds:F0} ms, compacted {gi.Compacted}, concurrent {gi.Concurrent}");
            }
        }
        rates.Sort();
        Console.WriteLine($"parse+IR: median {rates[rates.Count / 2]:F1} MB/s, min {rates[0]:F1}, max {rates[^1]:F1} over {reps} reps");
        return 0;
    }
}

/// <summary>`alloc FILE`: which types the parse allocates (sampled by the runtime's GC AllocationTick event, about one per 100 KB).</summary>
public sealed class AllocProfile : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, long> _bytes = new();
    private bool _on;

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        int ti = e.PayloadNames!.IndexOf("TypeName"), ai = e.PayloadNames.IndexOf("AllocationAmount64");
        var type = ti >= 0 ? e.Payload[ti]?.ToString() ?? "?" : "?";
        long amount = ai >= 0 ? Convert.ToInt64(e.Payload[ai]) : 100_000;
        lock (_bytes) _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
    }

    /// <summary>
    /// `alloc FILE [--analyze]`: bytes allocated per type (sampled) while parsing the file three times, or, with
    /// --analyze, while running the whole engine (parse and every default rule) over it three times. FILE may be a
    /// directory: its .ptx files, one after the other.
    /// </summary>
    public static int Run(string file, bool analyze)
    {
        // a directory: every .ptx file under it, one after the other (the sampled types over a whole corpus)
        var files = Directory.Exists(file) ? Directory.GetFiles(file, "*.ptx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : new[] { file };
        var texts = files.Select(File.ReadAllText).ToArray();
        long chars = texts.Sum(t => (long)t.Length);
        var engine = new PtxLint.Engine.AnalysisEngine(PtxLint.Rules.RuleRegistry.All);
        void Once()
        {
            for (int k = 0; k < files.Length; k++)
                if (analyze) engine.AnalyzeText(files[k], texts[k]); else PtxParserDriver.Parse(files[k], texts[k]);
        }
        Once();
        using var l = new AllocProfile();
        Thread.Sleep(500);
        l._on = true;
        long a0 = GC.GetTotalAllocatedBytes(true);
        for (int i = 0; i < 3; i++) Once();
        long total = GC.GetTotalAllocatedBytes(true) - a0;
        l._on = false;
        Thread.Sleep(500);
        long sampled = l._bytes.Values.Sum();
        Console.WriteLine($"allocated {total / 3 / 1e6:F1} MB per {(analyze ? "analysis" : "parse")} of {chars / 1e6:F1} MB; sampled {sampled / 3 / 1e6:F1} MB");
        foreach (var (t, b) in l._bytes.OrderByDescending(kv => kv.Value).Take(40))
            Console.WriteLine($"{100.0 * b / sampled,5:F1}%  {b / 3 / 1e6,7:F1} MB  {t}");
        return 0;
    }
}

/// <summary>
/// `requirements FILE...`: for each file, the most demanding PTX ISA version and target its instructions need according
/// to the ISA table (tools/ptxas-diff/boundary.py makes probes just below and at it, to check the table against ptxas).
/// Prints: file, version needed, the instruction that needs it, minimum sm, the instruction, arch-specific targets.
/// </summary>
public static class IsaRequirements
{
    public static int Run(string[] files)
    {
        foreach (var path in files)
        {
            var text = CorpusRun.ReadText(path);
            var m = PtxLint.Syntax.PtxParserDriver.Parse(path, text);
            var ctx = PtxLint.Semantics.IsaContext.Of(m);
            Version? ptx = null; string ptxBy = "-";
            int sm = 0; string smBy = "-";
            string? targets = null; string targetsBy = "-";
            foreach (var fn in m.Functions.Where(f => f.HasBody))
                foreach (var insn in fn.Instructions)
                {
                    var r = PtxLint.Semantics.IsaValidator.RequirementOf(insn, ctx, fn.Analyses.Symbols);
                    if (r is null) continue;
                    if (r.Ptx is { } v && (ptx is null || v > ptx)) { ptx = v; ptxBy = insn.FullOpcode; }
                    if (r.MinSm > sm) { sm = r.MinSm; smBy = insn.FullOpcode; }
                    if (r.Targets is not null && targets is null) { targets = string.Join("|", r.Targets); targetsBy = insn.FullOpcode; }
                }
            Console.WriteLine($"{path}\t{ptx?.ToString() ?? "-"}\t{ptxBy}\t{sm}\t{smBy}\t{targets ?? "-"}\t{targetsBy}");
        }
        return 0;
    }
}

/// <summary>
/// `rule ID DIR [REPS]`: parses each .ptx under DIR and runs one rule on it, on one thread, REPS times over the whole
/// directory, printing the time of the rule (and the analyses it asks for) per repetition: a warm loop for a profiler.
/// </summary>
public static class RuleLoop
{
    public static int Run(string id, string dir, int reps)
    {
        var files = Directory.GetFiles(dir, "*.ptx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var texts = files.Select(File.ReadAllText).ToList();
        if (id.StartsWith('@')) return AnalysisLoop(id[1..], files, texts, reps);
        var rule = PtxLint.Rules.RuleRegistry.All.Single(r => r.Descriptor.Id == id);
        var noOptions = new Dictionary<string, string>();
        for (int rep = 0; rep < reps; rep++)
        {
            // one module alive at a time, as in the pipeline; only the rule (with the analyses it asks for) is timed
            var sw = new Stopwatch();
            int findings = 0;
            for (int i = 0; i < files.Count; i++)
            {
                var m = PtxParserDriver.Parse(files[i], texts[i], new ParseOptions(Parallel: false));
                var sink = new List<PtxLint.Diagnostics.Finding>();
                sw.Start();
                rule.Check(new PtxLint.Engine.RuleContext(m, rule.Descriptor, rule.Descriptor.DefaultLevel, noOptions, sink));
                sw.Stop();
                findings += sink.Count;
            }
            Console.WriteLine($"{id}: {files.Count} modules, {findings} findings, {sw.Elapsed.TotalMilliseconds:F0} ms");
        }
        return 0;
    }

    /// <summary>
    /// `rule @NAME DIR [REPS]`: the time one shared analysis takes over every function (what it asks for is computed
    /// first, untimed): defs, uniformity, provenance, values, intervals, races.
    /// </summary>
    private static int AnalysisLoop(string name, List<string> files, List<string> texts, int reps)
    {
        Func<PtxLint.Analysis.FunctionAnalyses, object> prepare = name switch
        {
            "defs" => fa => fa.Dominators,
            "uniformity" => fa => (fa.Defs, fa.ControlDependence, fa.Loops, fa.LocalSlots),
            "provenance" => fa => fa.Defs,
            "values" => fa => (fa.Defs, fa.Loops, fa.ControlDependence, fa.Uniformity),
            "intervals" => fa => (fa.Defs, fa.Loops, fa.ControlDependence, fa.Uniformity, fa.Values),
            "races" => fa => (fa.Defs, fa.Loops, fa.ControlDependence, fa.Uniformity, fa.Values, fa.Intervals),
            _ => throw new ArgumentException($"unknown analysis '{name}'"),
        };
        Func<PtxLint.Analysis.FunctionAnalyses, object> compute = name switch
        {
            "defs" => fa => fa.Defs,
            "uniformity" => fa => fa.Uniformity,
            "provenance" => fa => fa.Provenance,
            "values" => fa => fa.Values,
            "intervals" => fa => fa.Intervals,
            _ => fa => fa.SharedRaces.Races,
        };
        for (int rep = 0; rep < reps; rep++)
        {
            var sw = new Stopwatch();
            long allocated = 0;
            int functions = 0;
            var slowest = new List<(double Ms, int Instructions, string Where)>();
            for (int i = 0; i < files.Count; i++)
            {
                var m = PtxParserDriver.Parse(files[i], texts[i], new ParseOptions(Parallel: false));
                foreach (var fn in m.Functions)
                {
                    if (name == "races" && !fn.Analyses.Facts.TouchesShared) continue;
                    prepare(fn.Analyses);
                    long a0 = GC.GetAllocatedBytesForCurrentThread();
                    var t0 = sw.Elapsed;
                    sw.Start();
                    compute(fn.Analyses);
                    sw.Stop();
                    slowest.Add(((sw.Elapsed - t0).TotalMilliseconds, fn.Instructions.Count, Path.GetFileName(files[i]) + " " + fn.Name));
                    allocated += GC.GetAllocatedBytesForCurrentThread() - a0;
                    functions++;
                    fn.ReleaseAnalyses();
                }
            }
            long instructions = slowest.Sum(s => (long)s.Instructions);
            Console.WriteLine($"@{name}: {files.Count} modules, {functions} functions, {instructions} instructions, {sw.Elapsed.TotalMilliseconds:F0} ms, {allocated / 1e6:F0} MB allocated ({allocated / (double)Math.Max(1, instructions):F0} bytes per instruction)");
            // the functions that took longest, with the time per instruction (a superlinear analysis shows as a large ratio)
            foreach (var (ms, n, where) in slowest.OrderByDescending(s => s.Ms).Take(8))
                Console.WriteLine($"  {ms,8:F1} ms  {n,7} instructions  {ms * 1e6 / Math.Max(1, n),7:F0} ns/instruction  {(where.Length > 90 ? where[..90] : where)}");
        }
        return 0;
    }
}

/// <summary>
/// `gc FILE [--cold]`: every garbage collection while the whole engine analyzes the file once (after a warm-up run,
/// unless --cold: then the collector's budgets are a fresh process's, as in the CLI, and the JIT runs too): when it
/// started, its generation, the runtime's reason, how long it took and the heap before and after. Run it with the
/// CLI's collector settings (DOTNET_GCgen0size=800000 DOTNET_GCConserveMemory=7 DOTNET_GCLOHThreshold=400000) to see
/// why the native build collects where it does.
/// </summary>
public sealed class GcTrace : System.Diagnostics.Tracing.EventListener
{
    private static readonly string[] Reasons =
    {
        "small allocation", "induced", "low memory", "empty", "large allocation", "out of space (small)", "out of space (large)",
        "induced, not forced", "stress", "low memory (host)", "induced, compacting", "low memory, blocking", "induced, blocking",
        "low memory (host), blocking", "BGC finalizer", "BGC stepping", "BGC tuning", "induced, aggressive", "provisional",
    };
    private readonly List<string> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _start;
    internal bool On;

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Informational, (System.Diagnostics.Tracing.EventKeywords)0x1);
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (!On || e.Payload is null || e.PayloadNames is null) return;
        object? P(string name) { int i = e.PayloadNames.IndexOf(name); return i >= 0 ? e.Payload[i] : null; }
        double now = _clock.Elapsed.TotalMilliseconds;
        lock (_lines)
        {
            if (e.EventName?.StartsWith("GCStart", StringComparison.Ordinal) == true)
            {
                _start = now;
                int reason = Convert.ToInt32(P("Reason") ?? -1);
                _lines.Add($"{now,8:F1} ms  gen{P("Depth")}  {(reason >= 0 && reason < Reasons.Length ? Reasons[reason] : reason.ToString())}");
            }
            else if (e.EventName?.StartsWith("GCEnd", StringComparison.Ordinal) == true && _lines.Count > 0)
                _lines[^1] += $"  {now - _start,6:F1} ms";
            else if (e.EventName?.StartsWith("GCHeapStats", StringComparison.Ordinal) == true && _lines.Count > 0)
            {
                long Gen(string n) => Convert.ToInt64(P(n) ?? 0L);
                long total = Gen("GenerationSize0") + Gen("GenerationSize1") + Gen("GenerationSize2") + Gen("GenerationSize3") + Gen("GenerationSize4");
                _lines[^1] += $"  after: {total / 1e6,6:F1} MB (gen0 {Gen("GenerationSize0") / 1e6:F1}, gen1 {Gen("GenerationSize1") / 1e6:F1}, gen2 {Gen("GenerationSize2") / 1e6:F1}, LOH {Gen("GenerationSize3") / 1e6:F1}); promoted {(Gen("TotalPromotedSize0") + Gen("TotalPromotedSize1") + Gen("TotalPromotedSize2")) / 1e6:F1} MB";
            }
        }
    }

    public static int Run(string file, bool cold)
    {
        var engine = new PtxLint.Engine.AnalysisEngine(PtxLint.Rules.RuleRegistry.All);
        if (!cold)
        {
            engine.AnalyzeText(file, File.ReadAllText(file));
            GC.Collect();
        }
        using var trace = new GcTrace();
        Thread.Sleep(300);
        trace.On = true;
        var t0 = trace._clock.Elapsed.TotalMilliseconds;
        var text = File.ReadAllText(file);
        var t1 = trace._clock.Elapsed.TotalMilliseconds;
        engine.AnalyzeText(file, text);
        var t2 = trace._clock.Elapsed.TotalMilliseconds;
        Thread.Sleep(300);
        trace.On = false;
        Console.WriteLine($"read {t0:F1}-{t1:F1} ms, analyzed {t1:F1}-{t2:F1} ms");
        lock (trace._lines) foreach (var l in trace._lines) Console.WriteLine(l);
        return 0;
    }
}
