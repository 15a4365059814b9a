using System.CommandLine;
using System.Diagnostics;
using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output;

namespace PtxLint.Cli.Commands;

/// <summary><c>ptxlint analyze PATHS...</c>: the linter.</summary>
public static class AnalyzeCommand
{
    public static Command Create(CliContext ctx)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "PTX files, directories (searched recursively for *.ptx) or quoted globs such as 'build/**/*.ptx'.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format: text (compiler style, with snippets, notes and help), concise (one line per finding), sarif, json.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "concise", "sarif", "json");
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to FILE (atomically) instead of stdout.", HelpName = "FILE" };
        var failLevel = new Option<string?>("--fail-level")
        {
            Description = "Exit 1 when a finding at or above this level is reported [default: warning, or failLevel of ptxlint.json].",
        };
        failLevel.AcceptOnlyFromAmong("error", "warning", "note", "none");
        var srcroot = new Option<string?>("--srcroot") { Description = "The directory SARIF's %SRCROOT% stands for [default: the current directory].", HelpName = "DIR" };
        var category = new Option<string>("--category")
        {
            Description = "SARIF runAutomationDetails.id (GitHub's upload category).",
            DefaultValueFactory = _ => "ptxlint/",
            HelpName = "ID",
        };
        var select = new Option<string[]>("--select") { Description = "Run only these rule ids (comma-separated).", HelpName = "IDS", AllowMultipleArgumentsPerToken = false };
        var ignore = new Option<string[]>("--ignore") { Description = "Do not run these rule ids (comma-separated).", HelpName = "IDS" };
        var stats = new Option<bool>("--stats") { Description = "Print bytes, files, parse/analysis time and MB/s to stderr." };
        var statistics = new Option<bool>("--statistics") { Description = "Print the number of findings per rule instead of the findings (text or json)." };
        var config = new Option<string?>("--config") { Description = "Use this ptxlint.json for every file (no search upwards).", HelpName = "PATH" };
        var baseline = new Option<string?>("--baseline") { Description = "Compare with an earlier SARIF log: only new results fail the run.", HelpName = "SARIF" };
        var locations = new Option<string>("--locations")
        {
            Description = "Primary location of SARIF results: the PTX line, or the CUDA line from .loc (the innermost frame under --srcroot) when there is one.",
            DefaultValueFactory = _ => "ptx",
        };
        locations.AcceptOnlyFromAmong("ptx", "cuda");
        var maxFileSize = new Option<string?>("--max-file-size")
        {
            Description = "Refuse input files bigger than SIZE (MB, or with a unit: 512MB, 1GB; 0: no limit) [default: 256 MB, or maxFileSize of ptxlint.json].",
            HelpName = "SIZE",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Per-file time limit in seconds for parse + rules; a file over it is skipped and reported (exit 2); 0: no limit.",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
            HelpName = "SECONDS",
        };

        var cmd = new Command("analyze", "Analyze PTX files and report findings.")
        {
            paths, format, output, failLevel, srcroot, category, select, ignore, stats, statistics, config, baseline, locations, maxFileSize, timeout,
        };
        var optionNames = cmd.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Append("--help").ToList();
        cmd.SetAction(parse => Run(ctx, new Request
        {
            Paths = CheckPaths(parse.GetValue(paths) ?? Array.Empty<string>(), optionNames),
            Format = parse.GetValue(format) ?? "text",
            Output = parse.GetValue(output),
            FailLevel = parse.GetValue(failLevel),
            SourceRoot = parse.GetValue(srcroot),
            Category = parse.GetValue(category) ?? "ptxlint/",
            Select = SplitIds(parse.GetValue(select)),
            Ignore = SplitIds(parse.GetValue(ignore)),
            Stats = parse.GetValue(stats),
            Statistics = parse.GetValue(statistics),
            Config = parse.GetValue(config),
            Baseline = parse.GetValue(baseline),
            CudaPrimary = parse.GetValue(locations) == "cuda",
            MaxFileSize = parse.GetValue(maxFileSize),
            TimeoutSeconds = parse.GetValue(timeout),
        }));
        return cmd;
    }

    public sealed class Request
    {
        public required string[] Paths { get; init; }
        public string Format { get; init; } = "text";
        public string? Output { get; init; }
        public string? FailLevel { get; init; }
        public string? SourceRoot { get; init; }
        public string Category { get; init; } = "ptxlint/";
        public IReadOnlyList<string>? Select { get; init; }
        public IReadOnlyList<string>? Ignore { get; init; }
        public bool Stats { get; init; }
        /// <summary><c>--statistics</c>: counts per rule instead of the findings.</summary>
        public bool Statistics { get; init; }
        public string? Config { get; init; }
        public string? Baseline { get; init; }
        public bool CudaPrimary { get; init; }
        /// <summary><c>--max-file-size</c> as given (null: configuration or the default).</summary>
        public string? MaxFileSize { get; init; }
        public double TimeoutSeconds { get; init; } = DefaultTimeoutSeconds;
    }

    /// <summary>The default of <c>--timeout</c>: one file's parse + rules may take this long.</summary>
    public const double DefaultTimeoutSeconds = 60;

    /// <summary>
    /// Test hook (environment variable): <c>delay:MS</c> waits MS milliseconds after the report is written to the
    /// temp file and before the rename (to kill a real process mid-write); <c>throw</c> fails there.
    /// </summary>
    public const string WriteFaultVariable = "PTXLINT_TEST_WRITE_FAULT";

    /// <summary>
    /// A path that starts with '-' and names no file is a misspelled option (the paths argument takes any token the
    /// parser does not know): a usage error with "did you mean", not "cannot read '--fromat'".
    /// </summary>
    private static string[] CheckPaths(string[] paths, IReadOnlyList<string> optionNames)
    {
        foreach (var p in paths)
        {
            if (p.Length < 2 || p[0] != '-' || File.Exists(p) || Directory.Exists(p)) continue;
            var name = p.Split('=', 2)[0];
            var near = Suggest.Closest(name, optionNames);
            throw new CliUsageException($"unknown option '{name}' of 'ptxlint analyze'" + (near is not null ? $"; did you mean '{near}'?" : "") +
                " (a file whose name starts with '-' can be given as ./" + p + ")");
        }
        return paths;
    }

    private static IReadOnlyList<string>? SplitIds(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    public static int Run(CliContext ctx, Request req)
    {
        var total = Stopwatch.StartNew();
        var probe = new AnalysisEngine(new AnalysisOptions { Rules = ctx.Rules });
        var select = ResolveIds(probe, req.Select, "--select");
        var ignore = ResolveIds(probe, req.Ignore, "--ignore");

        Level? cliFail = null;
        if (req.FailLevel is { } fl)
        {
            if (!LevelExtensions.TryParse(fl, out var l)) throw new CliUsageException($"invalid --fail-level '{fl}'");
            cliFail = l;
        }
        var srcRoot = Path.GetFullPath(req.SourceRoot ?? Directory.GetCurrentDirectory());
        if (!Directory.Exists(srcRoot)) throw new CliUsageException($"--srcroot '{req.SourceRoot}' is not a directory");
        if (req.Output is { } outPath && Directory.Exists(outPath)) throw new CliUsageException($"--output '{outPath}' is a directory");
        long? maxSize = null;
        if (req.MaxFileSize is { } ms)
        {
            if (!InputReader.TryParseSize(ms, out var b)) throw new CliUsageException($"invalid --max-file-size '{ms}' (a size in MB, or with a unit: 512MB, 1GB; 0: no limit)");
            maxSize = b;
        }
        var format = req.Format.ToLowerInvariant();
        if (req.Statistics && format == "sarif")
            throw new CliUsageException("--statistics prints counts per rule as text or json, not sarif (drop --statistics, or use --format json)");
        if (double.IsNaN(req.TimeoutSeconds) || req.TimeoutSeconds < 0 || req.TimeoutSeconds > int.MaxValue / 1000.0)
            throw new CliUsageException($"invalid --timeout '{req.TimeoutSeconds}' (seconds, 0: no limit)");

        AnalysisResult result;
        Baseline? baseline = null;
        // On a terminal only (never when stderr is a pipe, a CI log or a test's writer).
        using var progress = new ProgressIndicator(ctx.Error, ProgressIndicator.ShouldShow(ctx.ErrorIsTerminal, ctx.Environment));
        try
        {
            var resolver = new ConfigResolver(probe.AllRules, req.Config);
            if (req.Baseline is { } b) baseline = Baseline.Load(b);
            var engine = new AnalysisEngine(new AnalysisOptions
            {
                Rules = ctx.Rules,
                Parser = ctx.Parser ?? Syntax.PtxParserDriver.Parse,
                Select = select,
                Ignore = ignore,
                Config = resolver,
                Progress = progress.Enabled ? progress.Report : null,
                MaxFileSize = maxSize,
                FileTimeout = req.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(req.TimeoutSeconds) : null,
                Timings = req.Stats ? new Analysis.AnalysisTimings() : null,
            });
            result = engine.Analyze(req.Paths);
            progress.Dispose();
        }
        catch (ConfigException e)
        {
            ctx.Error.WriteLine($"ptxlint: error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (BaselineException e)
        {
            ctx.Error.WriteLine($"ptxlint: error: {e.Message}");
            return ExitCodes.Usage;
        }

        foreach (var n in result.Notifications.Where(n => n.Level is Level.Error or Level.Warning))
            ctx.Error.WriteLine($"ptxlint: {(n.Level == Level.Error ? "error" : "warning")}: {n.Message}");
        if (ctx.Environment("PTXLINT_DEBUG") is not null)
            foreach (var n in result.Notifications.Where(n => n.Exception is not null))
                ctx.Error.WriteLine(n.Exception);

        var all = result.Findings.ToList();
        var paths = new SarifPaths(srcRoot);
        var fingerprints = Fingerprints.Compute(all);
        var comparison = baseline?.Compare(all, fingerprints, paths);

        FindingCounts? counts = null;
        // When no input could be read the run has failed (exit 2) and there is nothing to sum up: no "0 files, 0 errors" line
        // that reads like a clean result. When some were read, the summary counts the ones that were not.
        int unread = result.InputErrors.Count;
        bool summary = unread == 0 || result.Files.Count > 0;
        try
        {
            void Emit(Stream? stream, TextWriter? writer)
            {
                switch (format)
                {
                    case "sarif":
                    {
                        var log = SarifWriter.Build(result.Files, result.Rules, new SarifWriterOptions
                        {
                            SourceRoot = srcRoot,
                            AutomationId = req.Category,
                            Fingerprints = fingerprints,
                            Baseline = comparison,
                            CudaLocationsPrimary = req.CudaPrimary,
                        }, result.Notifications);
                        WriteBytes(stream, writer, s => SarifWriter.Write(s, log));
                        break;
                    }
                    case "json" when req.Statistics:
                        WriteBytes(stream, writer, s => Output.Statistics.WriteJson(s, Output.Statistics.Compute(result.Files, comparison is null ? null : comparison.IsNew)));
                        break;
                    case "json":
                        WriteBytes(stream, writer, s => JsonReportWriter.Write(s, result.Files, new JsonReportOptions
                        {
                            SourceRoot = srcRoot,
                            Fingerprints = fingerprints,
                            Baseline = comparison,
                        }));
                        break;
                    default:
                    {
                        bool toTerminal = stream is null && ctx.OutputIsTerminal;
                        var tw = writer ?? new StreamWriter(stream!, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                        var textOptions = new TextReportOptions
                        {
                            Color = TextReportWriter.ShouldUseColor(toTerminal, ctx.Environment("NO_COLOR")),
                            Show = comparison is null ? null : comparison.IsNew,
                            SourceRoot = srcRoot,
                            Concise = format == "concise",
                            Summary = summary,
                            Unread = unread,
                        };
                        if (req.Statistics)
                        {
                            Output.Statistics.WriteText(tw, Output.Statistics.Compute(result.Files, textOptions.Show));
                            counts = Count(result.Files, comparison) with { Unread = unread };
                            if (summary) tw.WriteLine(TextReportWriter.SummaryLine(counts, total.Elapsed));
                        }
                        else counts = TextReportWriter.Write(tw, result.Files, textOptions, total.Elapsed);
                        tw.Flush();
                        if (writer is null) tw.Dispose();
                        break;
                    }
                }
            }

            var fault = ctx.Environment(WriteFaultVariable);
            if (req.Output is { } file) AtomicFile.Write(file, s => { Emit(s, null); InjectWriteFault(fault, s); });
            else Emit(null, ctx.Out);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ctx.Error.WriteLine($"ptxlint: error: cannot write '{req.Output}': {e.Message}");
            return ExitCodes.Usage;
        }

        if (summary && counts is null && (req.Output is not null || format is not ("text" or "concise")))
        {
            // Machine formats: the summary goes to stderr so stdout stays parseable.
            counts = Count(result.Files, comparison) with { Unread = unread };
            ctx.Error.WriteLine("ptxlint: " + TextReportWriter.SummaryLine(counts, total.Elapsed) +
                (req.Output is { } o ? $"; wrote {o}" : ""));
        }

        if (req.Stats) WriteStats(ctx.Error, result.Stats);

        // Unreadable or refused input, a timed-out file (an incomplete analysis) or an internal error: exit 2.
        if (result.InputErrors.Count > 0 || result.TimedOut.Count > 0 || result.Notifications.Any(n => n.Level == Level.Error)) return ExitCodes.Usage;
        foreach (var f in result.Files)
        {
            var threshold = cliFail ?? f.Config?.FailLevel ?? Level.Warning;
            if (threshold == Level.None) continue;
            foreach (var x in f.Findings)
                if (x.Suppression is null && x.Level >= threshold && x.Level != Level.None && (comparison is null || comparison.IsNew(x)))
                    return ExitCodes.Findings;
        }
        return ExitCodes.Ok;
    }

    private static void InjectWriteFault(string? fault, Stream s)
    {
        if (string.IsNullOrEmpty(fault)) return;
        s.Flush();
        if (fault == "throw") throw new InvalidOperationException($"{WriteFaultVariable}=throw: injected failure while writing the report");
        if (fault.StartsWith("delay:", StringComparison.Ordinal) && int.TryParse(fault.AsSpan(6), out var msDelay)) Thread.Sleep(msDelay);
    }

    private static FindingCounts Count(IReadOnlyList<AnalyzedFile> files, BaselineComparison? cmp)
    {
        int e = 0, w = 0, n = 0, s = 0, u = 0;
        foreach (var f in files.SelectMany(x => x.Findings))
        {
            if (f.Suppression is not null) { s++; continue; }
            if (cmp is not null && !cmp.IsNew(f)) { u++; continue; }
            if (f.Level == Level.Error) e++; else if (f.Level == Level.Warning) w++; else if (f.Level == Level.Note) n++;
        }
        return new FindingCounts(files.Count, e, w, n, s, u);
    }

    private static void WriteBytes(Stream? stream, TextWriter? writer, Action<Stream> write)
    {
        if (stream is not null) { write(stream); return; }
        var ms = new MemoryStream();
        write(ms);
        writer!.Write(Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length));
        writer.Flush();
    }

    private static IReadOnlyCollection<string>? ResolveIds(AnalysisEngine engine, IReadOnlyList<string>? ids, string option)
    {
        if (ids is null) return null;
        var result = new List<string>();
        foreach (var id in ids)
        {
            var d = engine.FindRule(id) ?? throw new CliUsageException($"unknown rule id '{id}' in {option}" +
                (Suggest.Closest(id, engine.AllRules.SelectMany(r => new[] { r.Id, r.Name })) is { } near ? $"; did you mean '{near}'?" : "") +
                " (`ptxlint rules` lists them)");
            result.Add(d.Id);
        }
        return result;
    }

    private static void WriteStats(TextWriter err, AnalysisStats s)
    {
        double mb = s.Bytes / 1e6;
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        err.WriteLine($"ptxlint: stats: {s.Files} file{(s.Files == 1 ? "" : "s")}, {s.Bytes} bytes ({mb:F2} MB); " +
            $"read+parse+IR {s.ParseTime.TotalMilliseconds:F0} ms, rules+analyses {s.AnalysisTime.TotalMilliseconds:F0} ms (CPU time summed over threads); " +
            $"wall {s.WallTime.TotalMilliseconds:F0} ms, {s.MegabytesPerSecond:F1} MB/s; peak working set {peak / (1024 * 1024)} MB");
        // the garbage collector's share: its pauses stop every thread (and count in the rows below as the work that was paused)
        err.WriteLine($"ptxlint: stats: garbage collections {GC.CollectionCount(0)} (gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}), " +
            $"paused {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, allocated {GC.GetTotalAllocatedBytes() / (1024 * 1024)} MB");
        if (s.Timings is { Count: > 0 } t)
        {
            // Exclusive CPU time (what each analysis or rule itself took, not what it asked for), summed over threads;
            // "paused ms": the part of it the thread stood still in collections (which fall wherever the heap fills up:
            // ms - paused ms is what the analysis computed). Allocated: the megabytes it allocated itself (exclusive
            // likewise), the collector's work that it causes.
            err.WriteLine($"ptxlint: stats: {"analysis or rule",-36} {"ms",9} {"share",6} {"computed",9} {"alloc MB",9} {"paused ms",10}");
            double total = t.Sum(x => x.Time.TotalMilliseconds);
            foreach (var (name, time, count, allocated, paused) in t)
                err.WriteLine($"ptxlint: stats: {name,-36} {time.TotalMilliseconds,9:F0} {(total > 0 ? time.TotalMilliseconds / total * 100 : 0),5:F1}% {count,9} {allocated / (1024.0 * 1024),9:F0} {paused.TotalMilliseconds,10:F0}");
        }
    }
}
