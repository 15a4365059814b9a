using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Engine;

/// <summary>
/// A rule: one descriptor plus one analysis over the shared IR and analyses (like a Roslyn analyzer).
/// A rule never re-parses text. Implementations live in PtxLint.Rules, one file per rule.
/// </summary>
public interface IRule
{
    RuleDescriptor Descriptor { get; }

    /// <summary>Runs the check over one module and reports through <paramref name="context"/>.</summary>
    void Check(RuleContext context);
}

/// <summary>What a rule sees: the module, the effective options, and a sink for findings.</summary>
public sealed class RuleContext
{
    private readonly List<Finding> _findings;

    public RuleContext(PtxModule module, RuleDescriptor rule, Level level, IReadOnlyDictionary<string, string> options, List<Finding> sink)
    {
        Module = module;
        Rule = rule;
        Level = level;
        Options = options;
        _findings = sink;
    }

    public PtxModule Module { get; }
    public RuleDescriptor Rule { get; }

    /// <summary>
    /// The module's functions with a body that the rule's declared prefilter (<see cref="RuleDescriptor.AppliesTo"/>)
    /// admits; for a <see cref="RuleDescriptor.PerFunction"/> rule the engine runs one function at a time, so this
    /// is then that one function (or none).
    /// </summary>
    public IEnumerable<PtxFunction> Functions
    {
        get
        {
            if (OnlyFunction is { } only)
            {
                if (Admits(only)) yield return only;
                yield break;
            }
            foreach (var fn in Module.Functions)
                if (Admits(fn)) yield return fn;
        }
    }

    /// <summary>The function has a body and the rule's prefilter admits it.</summary>
    internal bool Admits(PtxFunction fn)
    {
        var filter = Rule.AppliesTo;
        return fn.HasBody && (IgnorePrefilter || ReferenceEquals(filter, FunctionFilter.AnyFunctionWithBody) || filter.Matches(fn.Analyses.Facts));
    }

    /// <summary>Set by the engine while it runs a per-function rule on one function.</summary>
    internal PtxFunction? OnlyFunction { get; set; }

    // shared by the contexts of one rule on one module (ForFunction), which may run on several threads
    private readonly Dictionary<string, object> _moduleFacts = new(StringComparer.Ordinal);

    /// <summary>
    /// A fact about the whole module that a per-function check needs (computed on the first call, then kept for the
    /// module's other functions): <c>ctx.ModuleFact("module32", () => ...)</c>. Safe to call from the threads that
    /// check different functions of one module.
    /// </summary>
    public T ModuleFact<T>(string key, Func<T> compute) where T : notnull
    {
        lock (_moduleFacts)
        {
            if (_moduleFacts.TryGetValue(key, out var v)) return (T)v;
            var value = compute();
            _moduleFacts[key] = value;
            return value;
        }
    }

    private RuleContext(RuleContext of, PtxFunction function, List<Finding> sink)
    {
        Module = of.Module;
        Rule = of.Rule;
        Level = of.Level;
        Options = of.Options;
        IgnorePrefilter = of.IgnorePrefilter;
        _moduleFacts = of._moduleFacts;
        _findings = sink;
        OnlyFunction = function;
    }

    /// <summary>
    /// A context for this rule on one function of the module, reporting into <paramref name="sink"/> and sharing the
    /// module facts (the engine checks the functions of a large module on several threads).
    /// </summary>
    internal RuleContext ForFunction(PtxFunction function, List<Finding> sink) => new(this, function, sink);

    /// <summary>How many threads a module-wide check may use for its functions (set by the engine: the idle cores).</summary>
    internal int Workers { get; set; } = 1;

    /// <summary>
    /// Runs <paramref name="check"/> on each function (a module-wide rule's per-function part), on several threads
    /// when the engine has idle cores. Each call reports through the context it is handed; the findings come out in
    /// the order of <paramref name="functions"/>, as with one thread. The check may read the module and compute the
    /// analyses of the function it is handed, not those of other functions.
    /// </summary>
    public void ForEachFunction(IReadOnlyList<PtxFunction> functions, Action<RuleContext, PtxFunction> check)
    {
        if (Workers <= 1 || functions.Count < 2)
        {
            foreach (var fn in functions) check(this, fn);
            return;
        }
        var sinks = new List<Finding>[functions.Count];
        var timings = Analysis.AnalysisTimings.Current;
        Parallel.For(0, functions.Count, new ParallelOptions { MaxDegreeOfParallelism = Workers },
            () => Analysis.AnalysisTimings.Current,
            (i, _, saved) =>
            {
                Analysis.AnalysisTimings.Current = timings;
                var sink = sinks[i] = new List<Finding>();
                var ctx = new RuleContext(this, functions[i], sink) { OnlyFunction = null };
                check(ctx, functions[i]);
                return saved;
            },
            saved => Analysis.AnalysisTimings.Current = saved);
        foreach (var sink in sinks) _findings.AddRange(sink);
    }

    /// <summary>
    /// Hands the rule every function with a body, and asks its own cheap pre-checks to pass every function too (the
    /// test that shows a prefilter hides no finding).
    /// </summary>
    public bool IgnorePrefilter { get; internal init; }
    /// <summary>The effective level (default or configured).</summary>
    public Level Level { get; }
    /// <summary>Rule options from configuration (e.g. <c>batchedKernelPattern</c>).</summary>
    public IReadOnlyDictionary<string, string> Options { get; }

    /// <summary>An option's raw configured text, or <paramref name="defaultValue"/>. Prefer the typed <see cref="Option{T}(RuleOption{T})"/>.</summary>
    public string Option(string key, string defaultValue) => Options.TryGetValue(key, out var v) ? v : defaultValue;

    /// <summary>
    /// The value of an option the rule declares in <see cref="RuleDescriptor.Options"/>: the configured value (checked
    /// when <c>ptxlint.json</c> was loaded) or the option's default. A value that does not parse is a
    /// <see cref="ConfigException"/> here (only a test that builds its own options can get one).
    /// </summary>
    public T Option<T>(RuleOption<T> option) where T : notnull
    {
        if (!Options.TryGetValue(option.Name, out var raw)) return option.Default;
        // parsed once per module (a per-function rule asks for each function; a pattern compiles once)
        return ModuleFact("option:" + option.Name, () =>
            option.TryParse(raw, out var value, out var error) ? value : throw new ConfigException($"rule {Rule.Id}: option '{option.Name}' {error}"));
    }

    /// <summary>Creates a finding at an instruction (attaching its function and CUDA source location) and reports it.</summary>
    public Finding Report(Instruction at, string message)
    {
        var f = new Finding(Rule, Level, message, at.Location) { FunctionName = at.Function.Name };
        SourceLocations.Attach(f, at);
        _findings.Add(f);
        return f;
    }

    /// <summary>
    /// Creates a finding at a span of a function (e.g. its name on the <c>.entry</c> line, which has no <c>.loc</c>) and
    /// reports it; its CUDA location is the function's first <c>.loc</c> (the kernel's opening line in the .cu file).
    /// </summary>
    public Finding Report(PtxFunction function, SourceSpan span, string message)
    {
        var f = new Finding(Rule, Level, message, function.LocationOf(span)) { FunctionName = function.Name };
        if (function.HasBody && function.Instructions.FirstOrDefault(i => i.Loc is not null) is { } first)
            SourceLocations.Attach(f, first);
        _findings.Add(f);
        return f;
    }

    /// <summary>Creates a module-level finding (no function) and reports it.</summary>
    public Finding Report(SourceSpan span, string message)
    {
        var f = new Finding(Rule, Level, message, Module.LocationOf(span));
        _findings.Add(f);
        return f;
    }
}

/// <summary>Maps an instruction's <c>.loc</c> to CUDA source locations.</summary>
public static class SourceLocations
{
    public static void Attach(Finding f, Instruction insn)
    {
        var loc = insn.Loc;
        if (loc is null) return;
        var files = insn.Function.Module.Files;
        // A .file name with NUL or line breaks is no usable path (seen in fuzzed input): no CUDA location then.
        Location? Map(DebugLoc d) =>
            files.TryGetValue(d.File, out var path) && d.Line > 0 && path.Length > 0 && path.AsSpan().IndexOfAny('\0', '\n', '\r') < 0
                ? new Location(path, new SourceSpan(d.Line, Math.Max(1, d.Column), d.Line, Math.Max(1, d.Column) + 1))
                : null;
        f.SourceLocation = Map(loc);
        for (var at = loc.InlinedAt; at is not null; at = at.InlinedAt)
            if (Map(at) is { } l) f.InlinedAt.Add(l);
    }
}
