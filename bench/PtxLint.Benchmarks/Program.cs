using System.Diagnostics;
using System.IO.Compression;
using PtxLint.Syntax;

namespace PtxLint.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 1 && args[0] == "profile") return Profile.Run(args[1]);
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
        if (args.Length > 0 && args[0] == "corpus")
            return CorpusRun.Run(args.Skip(1).ToArray());
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

/// <summary>Quick whole-corpus pass: parse every file, print errors and throughput.</summary>
public static class CorpusRun
{
    public static IEnumerable<(string Name, string Text)> Load(string dir)
    {
        foreach (var f in Directory.EnumerateFiles(dir, "*.ptx*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string text;
            if (f.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var gz = new GZipStream(File.OpenRead(f), CompressionMode.Decompress);
                using var r = new StreamReader(gz);
                text = r.ReadToEnd();
            }
            else if (f.EndsWith(".ptx", StringComparison.Ordinal)) text = File.ReadAllText(f);
            else continue;
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
            var sw = Stopwatch.StartNew();
            PtxScanner.Scan(text, out int n);
            var scan = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var m = PtxParserDriver.Parse(file, text, new ParseOptions(Parallel: false));
            var parse = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"{text.Length / 1e6:F1} MB, {n} tokens: scan {scan:F0} ms ({text.Length / 1e3 / scan:F1} MB/s), parse+IR {parse:F0} ms ({text.Length / 1e3 / parse:F1} MB/s), {m.Functions.Count} fns, {m.Errors.Count} errors, fallbacks {PtxParserDriver.FastPathFallbacks}, insns {m.Functions.Sum(f => f.Instructions.Count)}, GCs {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}, user {Process.GetCurrentProcess().UserProcessorTime.TotalMilliseconds:F0} ms");
        }
        return 0;
    }
}
