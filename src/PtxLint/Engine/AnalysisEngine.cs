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
    /// <summary>Keep each file's IR in <see cref="AnalyzedFile.Module"/> (memory!); off by default.</summary>
    public bool KeepModules { get; init; }
    /// <summary>Called after each file with (files done, files to analyze), from the worker threads (the CLI's progress line).</summary>
    public Action<int, int>? Progress { get; init; }
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

        Parallel.For(0, kept.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxDegreeOfParallelism) }, i =>
        {
            var path = kept[i];
            string text;
            long length;
            try
            {
                var info = new FileInfo(path);
                length = info.Length;
                text = File.ReadAllText(path); // UTF-8; a BOM is detected and dropped
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
            {
                errors.Add(new InputError(path, e is UnauthorizedAccessException ? "Permission denied" : e.Message));
                progress?.Invoke(Interlocked.Increment(ref done), kept.Count);
                return;
            }
            Interlocked.Add(ref bytes, length);
            var local = new List<ToolNotification>();
            var (file, parse, rules) = AnalyzeCore(path, text, length, configs[i], local);
            foreach (var n in local) notes.Add(n);
            Interlocked.Add(ref parseTicks, parse);
            Interlocked.Add(ref ruleTicks, rules);
            results[i] = file;
            progress?.Invoke(Interlocked.Increment(ref done), kept.Count);
        });

        var analyzed = results.Where(r => r is not null).Select(r => r!).ToList();
        wall.Stop();
        return new AnalysisResult
        {
            Files = analyzed,
            InputErrors = errors.OrderBy(e => e.Path, StringComparer.Ordinal).ToList(),
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
            },
            Rules = AllRules.Where(d => configs.Count == 0 ? EffectiveLevel(d, null) != Level.None
                    : configs.Any(c => EffectiveLevel(d, c) != Level.None)).ToList(),
        };
    }

    /// <summary>Analyzes text already in memory (tests, editors); <paramref name="notifications"/> collects rule crashes.</summary>
    public AnalyzedFile AnalyzeText(string path, string text, PtxLintConfig? config = null, List<ToolNotification>? notifications = null) =>
        AnalyzeCore(path, text, text.Length, config, notifications ?? new List<ToolNotification>()).File;

    private (AnalyzedFile File, long ParseTicks, long RuleTicks) AnalyzeCore(string path, string text, long length,
        PtxLintConfig? config, List<ToolNotification> notes)
    {
        long t0 = Stopwatch.GetTimestamp();
        PtxModule module;
        try
        {
            module = _options.Parser(path, text);
        }
        catch (Exception e)
        {
            notes.Add(new ToolNotification(Level.Error, $"internal error: the parser failed on '{path}': {e.GetType().Name}: {e.Message}", path, SyntaxErrorRule.Id));
            module = new PtxModule(path, new SourceText(text));
        }
        long t1 = Stopwatch.GetTimestamp();

        var findings = new List<Finding>();
        var syntaxLevel = EffectiveLevel(SyntaxErrorRule.Descriptor, config);
        if (syntaxLevel != Level.None)
            foreach (var err in module.Errors)
                findings.Add(new Finding(SyntaxErrorRule.Descriptor, syntaxLevel, err.Message, module.LocationOf(err.Span)));

        var ran = new HashSet<string>(StringComparer.Ordinal);
        if (syntaxLevel != Level.None) ran.Add(SyntaxErrorRule.Id);
        foreach (var rule in _options.Rules)
        {
            var d = rule.Descriptor;
            var level = EffectiveLevel(d, config);
            if (level == Level.None) continue;
            ran.Add(d.Id);
            IReadOnlyDictionary<string, string> options =
                config is not null && config.Rules.TryGetValue(d.Id, out var s) ? s.Options : EmptyOptions;
            var sink = new List<Finding>();
            try
            {
                rule.Check(new RuleContext(module, d, level, options, sink));
                findings.AddRange(sink);
            }
            catch (Exception e)
            {
                notes.Add(new ToolNotification(Level.Error,
                    $"internal error: rule {d.Id} ({d.Name}) failed on '{path}': {e.GetType().Name}: {e.Message}", path, d.Id));
            }
        }

        foreach (var f in findings)
            if (f.LineText is null && f.Location.FilePath == module.FilePath && !f.Location.Span.IsEmpty)
                f.LineText = module.Source.GetLine(f.Location.Span.StartLine);

        var unusedLevel = EffectiveLevel(UnusedSuppressionRule.Descriptor, config);
        var directives = SuppressionScanner.Scan(module.Source, _byName.ContainsKey);
        findings.AddRange(SuppressionApplier.Apply(findings, directives, module, FindRule, ran.Contains, unusedLevel));

        findings.Sort(FindingOrder.Instance);
        long t2 = Stopwatch.GetTimestamp();
        var file = new AnalyzedFile(path, module.Source, findings, length)
        {
            Module = _options.KeepModules ? module : null,
            Config = config,
        };
        return (file, t1 - t0, t2 - t1);
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyOptions = new Dictionary<string, string>();
}
