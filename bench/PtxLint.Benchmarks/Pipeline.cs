using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PtxLint.Benchmarks;

/// <summary>
/// The whole pipeline as a user runs it: cold <c>ptxlint analyze DIR --format sarif -o FILE --stats</c> processes
/// (read, parse, IR, every default rule, SARIF written), timed from outside, median of N runs. With <c>--against</c>, a
/// second build runs in alternation with the first (A B A B ...), so both see the same machine noise.
/// <para>
/// <c>pipeline INPUT [--runs N] [--cli PATH] [--against PATH] [--largest]</c>: INPUT is a directory of .ptx/.ptx.gz
/// files (decompressed once into a temporary directory, untimed) or one file; PATH is a ptxlint executable or
/// <c>PtxLint.Cli.dll</c> (default: the one built beside this project); <c>--largest</c> runs on the largest file only.
/// Peak memory is the working set the run's <c>--stats</c> line reports.
/// </para>
/// </summary>
public static class Pipeline
{
    public static int Run(string[] args)
    {
        string input = args[0];
        int runs = 5;
        string cli = DefaultCli();
        string? against = null;
        bool largest = false;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--cli": cli = args[++i]; break;
                case "--against": against = args[++i]; break;
                case "--largest": largest = true; break;
                default: Console.Error.WriteLine($"pipeline: unknown argument '{args[i]}'"); return 2;
            }
        }
        var work = Path.Combine(Path.GetTempPath(), "ptxlint-pipeline-" + Environment.ProcessId);
        Directory.CreateDirectory(work);
        try
        {
            var data = Path.Combine(work, "in");
            Directory.CreateDirectory(data);
            long bytes = 0;
            var files = File.Exists(input) ? new[] { input } : Directory.EnumerateFiles(input, "*.ptx*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".ptx", StringComparison.Ordinal) || f.EndsWith(".ptx.gz", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            var texts = files.Select(f => (Name: f, Text: CorpusRun.ReadText(f))).ToList();
            if (largest) texts = texts.OrderByDescending(t => t.Text.Length).Take(1).ToList();
            int k = 0;
            foreach (var (name, text) in texts)
            {
                var dst = Path.Combine(data, $"{k++:D5}-" + Path.GetFileName(name).Replace(".gz", ""));
                File.WriteAllText(dst, text);
                bytes += new FileInfo(dst).Length;
            }
            var target = texts.Count == 1 ? Directory.GetFiles(data)[0] : data;
            Console.WriteLine($"pipeline: {texts.Count} files, {bytes / 1e6:F1} MB, {runs} cold runs per build{(against is null ? "" : ", alternating")}");
            var builds = against is null ? new[] { cli } : new[] { cli, against };
            var results = builds.ToDictionary(b => b, _ => new List<(double Seconds, double PeakMb)>());
            for (int r = 0; r < runs; r++)
                foreach (var b in builds)
                    results[b].Add(RunOnce(b, target, Path.Combine(work, "out.sarif")));
            foreach (var b in builds)
            {
                var t = results[b].Select(x => x.Seconds).Order().ToArray();
                var m = results[b].Select(x => x.PeakMb).Order().ToArray();
                double med = t[t.Length / 2];
                Console.WriteLine($"{b}: median {med:F2} s = {bytes / 1e6 / med:F1} MB/s (min {t[0]:F2} s, max {t[^1]:F2} s); peak working set median {m[m.Length / 2]:F0} MB");
            }
            if (against is not null)
            {
                double a = results[cli].Select(x => x.Seconds).Order().ToArray()[runs / 2], b = results[against].Select(x => x.Seconds).Order().ToArray()[runs / 2];
                Console.WriteLine($"ratio {cli} / {against}: {a / b:F2}");
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string DefaultCli()
    {
        var dir = AppContext.BaseDirectory;
        var config = dir.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var root = Path.GetFullPath(Path.Combine(dir, "..", "..", "..", "..", ".."));
        return Path.Combine(root, "src", "PtxLint.Cli", "bin", config, "net10.0", "PtxLint.Cli.dll");
    }

    private static readonly Regex Peak = new(@"peak working set (\d+) MB", RegexOptions.CultureInvariant);

    private static (double Seconds, double PeakMb) RunOnce(string cli, string target, string sarif)
    {
        var psi = cli.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") : new ProcessStartInfo(cli);
        if (cli.EndsWith(".dll", StringComparison.Ordinal)) psi.ArgumentList.Add(cli);
        foreach (var a in new[] { "analyze", target, "--format", "sarif", "-o", sarif, "--stats" }) psi.ArgumentList.Add(a);
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var errTask = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double s = sw.Elapsed.TotalSeconds;
        var err = errTask.Result;
        if (p.ExitCode > 1) throw new InvalidOperationException($"{cli} exited {p.ExitCode}: {err}");
        var m = Peak.Match(err);
        return (s, m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN);
    }
}
