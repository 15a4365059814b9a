using PtxLint.Analysis;
using System.Collections.Concurrent;
using System.Diagnostics;
using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Syntax;

namespace PtxLint.Engine;

/// <summary>Options of <see cref="AnalysisEngine"/>.</summary>
public sealed class AnalysisOptions
{
    /// <summary>The rules to run (the CLI passes <c>PtxLint.Rules.RuleRegistry.All</c>).</summary>
    public IReadOnlyList<IRule> Rules { get; init; } = Array.Empty<IRule>();
    /// <summary>The parser; <c>PtxParserDriver.Parse</c> unless a test substitutes one.</summary>
    public Func<string, string, PtxModule> Parser { get; init; } = PtxParserDriver.Parse;
    /// <summary><c>--select</c>: only these rule ids run (null: all enabled rules).</summary>
    public IReadOnlyCollection<string>? Select { get; init; }
    /// <summary><c>--ignore</c>: these rule ids do not run.</summary>
    public IReadOnlyCollection<string>? Ignore { get; init; }
    /// <summary><c>ptxlint.json</c> lookup; null: no configuration files are read.</summary>
    public ConfigResolver? Config { get; init; }
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Collects the time per analysis and per rule (<c>--stats</c>); null: not collected.</summary>
    public AnalysisTimings? Timings { get; init; }
    /// <summary>Keep each file's IR in <see cref="AnalyzedFile.Module"/> (memory!); off by default.</summary>
    public bool KeepModules { get; init; }
    /// <summary>
    /// <c>--max-file-size</c> in bytes: bigger files are refused (an input error) before they are read. Null: the
    /// <c>maxFileSize</c> of the file's <c>ptxlint.json</c>, else <see cref="InputReader.DefaultMaxFileSize"/>. 0: no limit.
    /// </summary>
    public long? MaxFileSize { get; init; }
    /// <summary>Called after each file with (files done, files to analyze), from the worker threads (the CLI's progress line).</summary>
    public Action<int, int>? Progress { get; init; }
    /// <summary>
    /// <c>--timeout</c>: the time budget of one file's parse + rules. A file over it is skipped and reported
    /// (<see cref="AnalysisResult.TimedOut"/>); its worker is abandoned, not stopped (rules are not cancellable): it runs
    /// on a background thread, so it never keeps the process alive. Null or zero: no limit.
    /// </summary>
    public TimeSpan? FileTimeout { get; init; }
}

/// <summary>
/// Files in, findings out: expands paths, reads each file, parses it, reports syntax errors (PTX000), runs every
/// enabled rule, applies in-source suppressions (PTX900 for unused ones), sorts. Files run in parallel.
/// </summary>
public sealed class AnalysisEngine
{
    private readonly AnalysisOptions _options;
    private readonly Dictionary<string, RuleDescriptor> _byId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, RuleDescriptor> _byName = new(StringComparer.Ordinal);

    public AnalysisEngine(IReadOnlyList<IRule> rules) : this(new AnalysisOptions { Rules = rules }) { }

    public AnalysisEngine(AnalysisOptions options)
    {
        _options = options;
        var all = new List<RuleDescriptor>(EngineRules.All);
        all.AddRange(options.Rules.Select(r => r.Descriptor));
        foreach (var d in all)
        {
            _byId.TryAdd(d.Id, d);
            _byName.TryAdd(d.Name, d);
        }
        AllRules = all;
    }

    /// <summary>Every rule the engine knows: PTX000, PTX900, then the rules given.</summary>
    public IReadOnlyList<RuleDescriptor> AllRules { get; }

    /// <summary>A rule by id (any case) or kebab-case name; null when unknown.</summary>
    public RuleDescriptor? FindRule(string idOrName) =>
        _byId.TryGetValue(idOrName, out var d) ? d : _byName.TryGetValue(idOrName, out d) ? d : null;

    /// <summary>The level a rule runs at for a file with configuration <paramref name="config"/> (None: off).</summary>
    public Level EffectiveLevel(RuleDescriptor d, PtxLintConfig? config)
    {
        var level = d.EnabledByDefault ? d.DefaultLevel : Level.None;
        if (config is not null && config.Rules.TryGetValue(d.Id, out var s) && s.Level is { } l) level = l;
        if (_options.Select is { } select)
        {
            if (!select.Contains(d.Id, StringComparer.OrdinalIgnoreCase)) level = Level.None;
            else if (level == Level.None) level = d.DefaultLevel == Level.None ? Level.Warning : d.DefaultLevel;
        }
        if (_options.Ignore is { } ignore && ignore.Contains(d.Id, StringComparer.OrdinalIgnoreCase)) level = Level.None;
        return level;
    }

    /// <summary>Analyzes files, directories (recursively, *.ptx) and globs. Throws <see cref="ConfigException"/> on a bad ptxlint.json.</summary>
    public AnalysisResult Analyze(IEnumerable<string> paths)
    {
        var wall = Stopwatch.StartNew();
        var (files, inputErrors) = InputExpander.Expand(paths);

        // Configuration first, sequentially: errors surface before any work, and include/exclude filter the list.
        var configs = new List<PtxLintConfig?>(files.Count);
        var kept = new List<string>(files.Count);
        foreach (var f in files)
        {
            var cfg = _options.Config?.For(f);
            if (cfg is not null && !cfg.Includes(f)) continue;
            kept.Add(f);
            configs.Add(cfg);
        }

        var results = new AnalyzedFile?[kept.Count];
        var errors = new ConcurrentBag<InputError>(inputErrors);
        var notes = new ConcurrentBag<ToolNotification>();
        long parseTicks = 0, ruleTicks = 0, bytes = 0;

        int done = 0;
        var progress = _options.Progress;
        progress?.Invoke(0, kept.Count);
        var timedOut = new ConcurrentBag<string>();
        var timeout = _options.FileTimeout is { } ft && ft > TimeSpan.Zero ? ft : (TimeSpan?)null;

        var admission = new InputAdmission(kept);
        RunFiles(admission.Order, Math.Max(1, _options.MaxDegreeOfParallelism), i =>
        {
            admission.Enter(i);
            try
            {
                var path = kept[i];
                string text;
                long length;
                InputReader.EncodingProblem? encoding;
                try
                {
                    // a symbolic link counts (and is limited) by the file it points to, not by its own few bytes
                    length = InputReader.TargetInfo(path).Length;
                    var (limit, limitName, where) = MaxFileSizeFor(configs[i]);
                    if (limit > 0 && length > limit)
                    {
                        errors.Add(new InputError(path, "too large")
                        {
                            Message = $"'{path}' is {InputReader.FormatSize(length)}, larger than {limitName} {InputReader.FormatSize(limit)}{where}",
                        });
                        return;
                    }
                    text = InputReader.Read(path, length, out encoding);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
                {
                    errors.Add(new InputError(path, e is UnauthorizedAccessException ? "Permission denied" : e.Message));
                    return;
                }
                catch (OutOfMemoryException)
                {
                    errors.Add(new InputError(path, "out of memory while reading the file (lower --max-file-size)"));
                    return;
                }
                Interlocked.Add(ref bytes, length);
                var local = new List<ToolNotification>();
                int workers = Math.Max(1, _options.MaxDegreeOfParallelism);
                Interlocked.Increment(ref _activeFiles);
                try
                {
                    var cfg = configs[i];
                    (AnalyzedFile File, long Parse, long Rules) r;
                    if (timeout is null) r = AnalyzeCore(path, text, length, cfg, local, encoding, workers);
                    else
                    {
                        // On the worker's background thread (FileThread): an abandoned (timed-out) analysis never
                        // blocks the process exit.
                        var runner = t_fileThread ??= new FileThread("ptxlint file analysis");
                        var task = runner.Run(() => AnalyzeCore(path, text, length, cfg, local, encoding, workers));
                        if (!task.Wait(timeout.Value))
                        {
                            // the thread is left to the analysis it is stuck in; the next file gets a new one
                            t_fileThread = null;
                            runner.Dispose();
                            timedOut.Add(path);
                            notes.Add(new ToolNotification(Level.Warning,
                                $"'{path}' timed out after {timeout.Value.TotalSeconds:0.###} s; skipped", path));
                            return;
                        }
                        r = task.Result;
                    }
                    foreach (var n in local) notes.Add(n);
                    Interlocked.Add(ref parseTicks, r.Parse);
                    Interlocked.Add(ref ruleTicks, r.Rules);
                    results[i] = r.File;
                }
                catch (Exception e)
                {
                    var inner = e is AggregateException { InnerExceptions.Count: 1 } ae ? ae.InnerExceptions[0] : e;
                    notes.Add(new ToolNotification(Level.Error,
                        $"internal error: the analysis of '{path}' failed: {inner.GetType().Name}: {inner.Message}", path) { Exception = inner });
                }
                finally { Interlocked.Decrement(ref _activeFiles); }
            }
            finally
            {
                admission.Leave(i);
                progress?.Invoke(Interlocked.Increment(ref done), kept.Count);
            }
        });

        var analyzed = results.Where(r => r is not null).Select(r => r!).ToList();
        wall.Stop();
        return new AnalysisResult
        {
            Files = analyzed,
            InputErrors = errors.OrderBy(e => e.Path, StringComparer.Ordinal).ToList(),
            TimedOut = timedOut.OrderBy(p => p, StringComparer.Ordinal).ToList(),
            Notifications = inputErrors.Count + errors.Count > 0 || !notes.IsEmpty
                ? errors.OrderBy(e => e.Path, StringComparer.Ordinal)
                    .Select(e => new ToolNotification(Level.Error, e.ToString(), Path.IsPathRooted(e.Path) ? e.Path : null))
                    .Concat(notes.OrderBy(n => n.FilePath, StringComparer.Ordinal).ThenBy(n => n.Message, StringComparer.Ordinal))
                    .ToList()
                : Array.Empty<ToolNotification>(),
            Stats = new AnalysisStats
            {
                Files = analyzed.Count,
                Bytes = bytes,
                ParseTime = TimeSpan.FromTicks(Stopwatch.GetElapsedTime(0, parseTicks).Ticks),
                AnalysisTime = TimeSpan.FromTicks(Stopwatch.GetElapsedTime(0, ruleTicks).Ticks),
                WallTime = wall.Elapsed,
                Timings = _options.Timings?.Snapshot(),
            },
            Rules = AllRules.Where(d => configs.Count == 0 ? EffectiveLevel(d, null) != Level.None
                    : configs.Any(c => EffectiveLevel(d, c) != Level.None)).ToList(),
        };
    }

    /// <summary>
    /// Runs <paramref name="body"/> for each index of <paramref name="order"/>, in that order, on <paramref name="threads"/>
    /// dedicated threads (the calling one included). Not pool threads: a file waiting for <see cref="InputAdmission"/>
    /// blocks its thread, and the pool's threads are left to the functions of the file in flight.
    /// </summary>
    private static void RunFiles(int[] order, int threads, Action<int> body)
    {
        int next = -1;
        Exception? failure = null;
        void Work()
        {
            int k;
            try
            {
                while (Volatile.Read(ref failure) is null && (k = Interlocked.Increment(ref next)) < order.Length)
                {
                    try { body(order[k]); }
                    catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
                }
            }
            finally
            {
                // the worker's file thread (if a time limit gave it one) exits with it
                t_fileThread?.Dispose();
                t_fileThread = null;
            }
        }
        threads = Math.Min(threads, order.Length);
        var others = new Thread[Math.Max(0, threads - 1)];
        for (int t = 0; t < others.Length; t++)
        {
            others[t] = new Thread(Work) { IsBackground = true, Name = $"ptxlint file worker {t + 1}" };
            others[t].Start();
        }
        Work();
        foreach (var t in others) t.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Analyzes text already in memory (tests, editors); <paramref name="notifications"/> collects rule crashes.</summary>
    public AnalyzedFile AnalyzeText(string path, string text, PtxLintConfig? config = null, List<ToolNotification>? notifications = null) =>
        AnalyzeCore(path, text, text.Length, config, notifications ?? new List<ToolNotification>(), null).File;

    /// <summary>Analyzes a file's bytes already in memory, decoded as <see cref="Analyze"/> decodes files (invalid UTF-8 reported).</summary>
    public AnalyzedFile AnalyzeBytes(string path, ReadOnlySpan<byte> bytes, PtxLintConfig? config = null, List<ToolNotification>? notifications = null)
    {
        var text = InputReader.Decode(bytes, out var encoding);
        return AnalyzeCore(path, text, bytes.Length, config, notifications ?? new List<ToolNotification>(), encoding).File;
    }

    private (long Limit, string Name, string Where) MaxFileSizeFor(PtxLintConfig? config) =>
        _options.MaxFileSize is { } cli ? (cli, "--max-file-size", "")
        : config?.MaxFileSize is { } c ? (c, "maxFileSize", $" (set in '{config.FilePath}')")
        : (InputReader.DefaultMaxFileSize, "--max-file-size", "");

    private (AnalyzedFile File, long ParseTicks, long RuleTicks) AnalyzeCore(string path, string text, long length,
        PtxLintConfig? config, List<ToolNotification> notes, InputReader.EncodingProblem? encoding, int functionWorkers = 1)
    {
        long t0 = Stopwatch.GetTimestamp();
        var previousTimings = AnalysisTimings.Current;
        AnalysisTimings.Current = _options.Timings;
        try
        {
            return AnalyzeCoreTimed(path, text, length, config, notes, encoding, t0, functionWorkers);
        }
        finally { AnalysisTimings.Current = previousTimings; }
    }

    /// <summary>Files whose analysis is under way (<see cref="Analyze"/>): the cores they leave idle may check functions.</summary>
    private int _activeFiles;

    /// <summary>The file thread of the file worker running on this thread (see <see cref="FileThread"/>).</summary>
    [ThreadStatic] private static FileThread? t_fileThread;

    /// <summary>How many modules had their functions checked on several threads (for the test that compares the two ways).</summary>
    internal static int ModulesCheckedInParallel;

    /// <summary>This file's core and the ones no other file is using now, at most <paramref name="functionWorkers"/>.</summary>
    private int IdleWorkers(int functionWorkers) =>
        functionWorkers <= 1 ? 1 : Math.Min(functionWorkers, Math.Max(1, _options.MaxDegreeOfParallelism - Volatile.Read(ref _activeFiles) + 1));

    /// <summary>
    /// The per-function rules over the functions of one module, function by function: every admitted rule on a
    /// function, each analysis dropped after the last rule still to run on the function that declares it, then the
    /// function's analyses released. With more than one worker, functions run on several threads. Each (function,
    /// rule) reports into its own list; the lists are appended to the rules' sinks in function order, so the findings
    /// and their order do not depend on the number of threads.
    /// </summary>
    private void RunPerFunction(PtxModule module, List<(IRule Rule, RuleContext Ctx, List<Finding> Sink)> perFunction, int workers,
        HashSet<IRule> failed, Action<IRule, Exception> onFailure)
    {
        var fns = module.Functions.Where(f => f.HasBody).ToList();
        int nr = perFunction.Count;
        var sinks = new List<Finding>?[fns.Count * nr];
        bool IsFailed(IRule r) { lock (failed) return failed.Contains(r); }
        void Check(int fi, HashSet<string> still, bool[] admitted)
        {
            var fn = fns[fi];
            for (int k = 0; k < nr; k++)
                admitted[k] = perFunction[k].Ctx.Admits(fn) && !IsFailed(perFunction[k].Rule);
            for (int k = 0; k < nr; k++)
            {
                if (!admitted[k]) continue;
                var rule = perFunction[k].Rule;
                var sink = new List<Finding>();
                var ctx = perFunction[k].Ctx.ForFunction(fn, sink);
                try { AnalysisTimings.Measure("rule " + rule.Descriptor.Id, () => rule.Check(ctx)); }
                catch (Exception e) { lock (failed) if (!failed.Contains(rule)) onFailure(rule, e); }
                if (sink.Count > 0) sinks[fi * nr + k] = sink;
                if (_options.KeepModules) continue;
                // what this rule computed and no rule still to run on the function declares goes now (the
                // declarations are transitive: a rule that needs an analysis also lists what that one needs)
                still.Clear();
                for (int j = k + 1; j < nr; j++)
                    if (admitted[j]) still.UnionWith(perFunction[j].Rule.Descriptor.Analyses);
                foreach (var name in rule.Descriptor.Analyses)
                    if (!still.Contains(name) && name != "facts") fn.Analyses.Drop(name);
            }
            if (!_options.KeepModules) fn.ReleaseAnalyses();
        }
        if (workers <= 1 || fns.Count < 2)
        {
            var still = new HashSet<string>(StringComparer.Ordinal);
            var admitted = new bool[nr];
            for (int fi = 0; fi < fns.Count; fi++) Check(fi, still, admitted);
        }
        else
        {
            Interlocked.Increment(ref ModulesCheckedInParallel);
            var timings = AnalysisTimings.Current;
            Parallel.For(0, fns.Count, new ParallelOptions { MaxDegreeOfParallelism = workers },
                () => (Still: new HashSet<string>(StringComparer.Ordinal), Admitted: new bool[nr], Saved: AnalysisTimings.Current),
                (fi, _, local) =>
                {
                    AnalysisTimings.Current = timings;
                    Check(fi, local.Still, local.Admitted);
                    return local;
                },
                local => AnalysisTimings.Current = local.Saved);
        }
        for (int k = 0; k < nr; k++)
            for (int fi = 0; fi < fns.Count; fi++)
                if (sinks[fi * nr + k] is { } s) perFunction[k].Sink.AddRange(s);
    }

    private (AnalyzedFile File, long ParseTicks, long RuleTicks) AnalyzeCoreTimed(string path, string text, long length,
        PtxLintConfig? config, List<ToolNotification> notes, InputReader.EncodingProblem? encoding, long t0, int functionWorkers)
    {
        PtxModule module;
        try
        {
            module = AnalysisTimings.Measure("parse + IR", () => _options.Parser(path, text));
        }
        catch (Exception e)
        {
            notes.Add(new ToolNotification(Level.Error, $"internal error: the parser failed on '{path}': {e.GetType().Name}: {e.Message}", path, SyntaxErrorRule.Id) { Exception = e });
            module = new PtxModule(path, new SourceText(text));
        }
        long t1 = Stopwatch.GetTimestamp();

        var findings = new List<Finding>();
        var syntaxLevel = EffectiveLevel(SyntaxErrorRule.Descriptor, config);
        if (syntaxLevel != Level.None && encoding is not null)
            findings.Add(SyntaxErrorRule.EncodingFinding(syntaxLevel, encoding.Message, module.LocationOf(encoding.Span)));
        if (syntaxLevel != Level.None)
            foreach (var err in module.Errors)
            {
                var f = SyntaxErrorRule.Finding(syntaxLevel, err.Message, module.LocationOf(err.Span), module.Errors.Count);
                // the parser's own note and fix (an unclosed brace says where it opened) come before the generic ones
                if (err.Help is not null) f.Help = err.Help;
                f.Notes.InsertRange(0, err.Notes);
                findings.Add(f);
            }

        var ran = new HashSet<string>(StringComparer.Ordinal);
        if (syntaxLevel != Level.None) ran.Add(SyntaxErrorRule.Id);
        // The rules that run, each with its context and findings (kept in rule order). Module-wide rules run first,
        // then the per-function ones function by function: every such rule on one function, then that function's
        // analyses are dropped, so a module's analyses are never all held at once.
        var runs = new List<(IRule Rule, RuleContext Ctx, List<Finding> Sink)>();
        var failed = new HashSet<IRule>();
        void Failed(IRule rule, Exception e)
        {
            failed.Add(rule);
            var d = rule.Descriptor;
            notes.Add(new ToolNotification(Level.Error,
                $"internal error: rule {d.Id} ({d.Name}) failed on '{path}': {e.GetType().Name}: {e.Message}", path, d.Id) { Exception = e });
        }
        foreach (var rule in _options.Rules)
        {
            var d = rule.Descriptor;
            var level = EffectiveLevel(d, config);
            if (level == Level.None) continue;
            ran.Add(d.Id);
            IReadOnlyDictionary<string, string> options =
                config is not null && config.Rules.TryGetValue(d.Id, out var s) ? s.Options : EmptyOptions;
            var sink = new List<Finding>();
            runs.Add((rule, new RuleContext(module, d, level, options, sink), sink));
        }
        foreach (var (rule, ctx, _) in runs)
        {
            if (rule.Descriptor.PerFunction) continue;
            ctx.Workers = IdleWorkers(functionWorkers);
            try { AnalysisTimings.Measure("rule " + rule.Descriptor.Id, () => rule.Check(ctx)); }
            catch (Exception e) { Failed(rule, e); }
        }
        var perFunction = runs.Where(r => r.Rule.Descriptor.PerFunction).ToList();
        // A core no other file is using checks functions of this one too (the last large file of a run, or a run of one).
        int workers = IdleWorkers(functionWorkers);
        if (perFunction.Count > 0) RunPerFunction(module, perFunction, workers, failed, Failed);
        foreach (var (rule, _, sink) in runs)
            if (!failed.Contains(rule)) findings.AddRange(sink);

        foreach (var f in findings)
            if (f.LineText is null && f.Location.FilePath == module.FilePath && !f.Location.Span.IsEmpty)
                f.LineText = module.Source.GetLine(f.Location.Span.StartLine);

        var unusedLevel = EffectiveLevel(UnusedSuppressionRule.Descriptor, config);
        var directives = SuppressionScanner.Scan(module.Source, _byName.ContainsKey);
        findings.AddRange(SuppressionApplier.Apply(findings, directives, module, FindRule, ran.Contains, unusedLevel));
        FindingGrouping.Merge(findings);

        findings.Sort(FindingOrder.Instance);
        long t2 = Stopwatch.GetTimestamp();
        // The writers need the source lines of the findings only, which the findings now carry (LineText): the text
        // of a file is not held until the end of the run (it was, for every file with a finding: most of a build
        // tree's text, twice its size in memory), unless the caller keeps the modules.
        var file = new AnalyzedFile(path, _options.KeepModules ? module.Source : null, findings, length)
        {
            Module = _options.KeepModules ? module : null,
            Config = config,
        };
        return (file, t1 - t0, t2 - t1);
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyOptions = new Dictionary<string, string>();
}
