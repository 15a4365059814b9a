using System.Text;
using PtxLint.Cuda.Driver;
using PtxLint.Cuda.Worker;
using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Cuda.Confirm;

public sealed class ConfirmOptions
{
    /// <summary>Watchdog per worker run (a plain launch); default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Watchdog for runs under compute-sanitizer (slower to start); default 120 s or 6 x Timeout, whichever is larger.</summary>
    public TimeSpan? SanitizerTimeout { get; set; }
    /// <summary>Use compute-sanitizer where an experiment can (PTX005 racecheck, PTX006 memcheck).</summary>
    public bool UseSanitizer { get; set; } = true;
    /// <summary>Only findings in this kernel.</summary>
    public string? Kernel { get; set; }
    public int DefaultRows { get; set; } = 8;
    public int DefaultSteps { get; set; } = 4;
    public int DefaultRuns { get; set; } = 30;
    /// <summary>Returns why the driver cannot be used, or null (injectable for tests). Default: loads libcuda.so.1.</summary>
    public Func<string?>? DriverCheck { get; set; }
    /// <summary>Progress lines (what is being launched), e.g. to stderr.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>
    /// Watchdog for the runs that launch no kernel (probing the device, loading a module to show the JIT log): they
    /// only create a context, which on a loaded or cold machine can take longer than a kernel's watchdog; default
    /// 60 s or Timeout, whichever is larger.
    /// </summary>
    public TimeSpan? SetupTimeout { get; set; }

    internal TimeSpan EffectiveSetupTimeout =>
        SetupTimeout ?? TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(60).Ticks, Timeout.Ticks));

    internal TimeSpan EffectiveSanitizerTimeout =>
        SanitizerTimeout ?? TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(120).Ticks, Timeout.Ticks * 6));
}

/// <summary>
/// Runs, for each finding of a confirmable rule, its rule's <see cref="Confirmer"/> (in worker processes, under a
/// watchdog), and records the verdict in <c>Finding.Properties["confirmation"]</c>. The engine probes the device,
/// checks the module's target and ISA, and groups findings that share an experiment; the experiments themselves live
/// in Confirm/Confirmers, one file per rule.
/// </summary>
public sealed class ConfirmationEngine
{
    /// <summary>The rules with a confirmer.</summary>
    public static readonly IReadOnlySet<string> ConfirmableRules = Confirmers.All.Select(c => c.RuleId).ToHashSet(StringComparer.Ordinal);

    private readonly ConfirmOptions _options;
    private readonly WorkerClient _client;

    public ConfirmationEngine(ConfirmOptions? options = null, WorkerClient? client = null)
    {
        _options = options ?? new ConfirmOptions();
        _client = client ?? new WorkerClient(new SelfWorkerLauncher(), _options.UseSanitizer ? WorkerClient.FindSanitizer() : null);
    }

    public WorkerClient Client => _client;

    private void Log(string s) => _options.Log?.Invoke(s);

    /// <summary>The device, or why the experiments cannot run here (verdict and reason, with evidence).</summary>
    private async Task<(DeviceInfo? Device, Verdict Verdict, string Reason, string Evidence)> PrepareAsync(PtxModule module, CancellationToken ct)
    {
        var noDriver = (_options.DriverCheck ?? DefaultDriverCheck)();
        if (noDriver is not null) return (null, Verdict.Unsupported, noDriver, "");

        // Probe the device in a worker (the parent never creates a CUDA context).
        Log("probing the device");
        var probe = await _client.RunAsync(new WorkerRequest(), _options.EffectiveSetupTimeout, SanitizerTool.None, ct);
        if (!probe.Ok || probe.Response?.DeviceInfo is null)
        {
            var why = probe.Response is { Stage: "driver" or "init" or "device" } r
                ? (r.ErrorName is "CUDA_ERROR_NO_DEVICE" ? "no GPU: " : r.Stage == "driver" ? "" : "the driver is not usable: ") + (r.Error ?? "")
                : null;
            return (null, why is not null ? Verdict.Unsupported : Verdict.Error, why ?? "probing the device failed: " + probe.Describe(), Tail(probe));
        }
        var device = probe.Response.DeviceInfo;
        Log($"device: {device}");

        // Module-level preconditions: the target and the ISA version.
        var pre = PtxText.Preflight(module, device);
        if (pre is not null)
        {
            var ev = new StringBuilder($"device: {device}\n");
            // Load it anyway in a worker so the driver's own words and the JIT log are shown.
            var load = await _client.RunAsync(new WorkerRequest { Modules = { module.Source.Text }, LoadModules = true }, _options.EffectiveSetupTimeout, SanitizerTool.None, ct);
            if (load.Response is { Ok: false } lr)
                ev.Append($"cuModuleLoadDataEx: {lr.ErrorName}: {lr.Error}\n" + (lr.JitLog is { } jl ? "JIT log:\n" + jl + "\n" : ""));
            else if (load.Ok)
                ev.Append("(the driver loaded the module nevertheless)\n");
            return (null, Verdict.Unsupported, pre, ev.ToString());
        }
        return (device, Verdict.Confirmed, "", "");
    }

    /// <summary>
    /// Confirms every finding of a confirmable rule in <paramref name="module"/> and returns the verdicts in the
    /// order of the findings; each verdict is also attached to its finding. Never throws for GPU problems.
    /// </summary>
    public async Task<IReadOnlyList<(Finding Finding, Confirmation Confirmation)>> ConfirmAsync(
        PtxModule module, IReadOnlyList<Finding> findings, LaunchSpecFile? specs = null, CancellationToken ct = default)
    {
        var todo = findings.Where(f => ConfirmableRules.Contains(f.Rule.Id)
                                       && (_options.Kernel is null || f.FunctionName == _options.Kernel)).ToList();
        var results = new List<(Finding, Confirmation)>();
        if (todo.Count == 0) return results;

        Confirmation All(Finding f, Verdict v, string reason, string evidence = "") =>
            new(f.Rule.Id, f.FunctionName, v, reason, evidence);

        var (device, pv, preason, pevidence) = await PrepareAsync(module, ct);
        if (device is null) return Attach(todo.Select(f => (f, All(f, pv, preason, pevidence))));

        var cache = new Dictionary<string, Confirmation>(StringComparer.Ordinal);
        foreach (var f in todo)
        {
            ct.ThrowIfCancellationRequested();
            var confirmer = Confirmers.For(f.Rule.Id)!;
            var key = confirmer.ExperimentKey(f);
            if (!cache.TryGetValue(key, out var c))
            {
                try
                {
                    c = await RunExperimentAsync(module, f, confirmer, specs, device, ct);
                }
                catch (FormatException e)
                {
                    c = All(f, Verdict.Unsupported, "cannot build the launch: " + e.Message);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    c = All(f, Verdict.Error, $"{e.GetType().Name}: {e.Message}");
                }
                cache[key] = c;
                Log($"{f.Rule.Id} {f.FunctionName}: {c}");
            }
            results.Add((f, c));
        }
        return Attach(results);
    }

    private static IReadOnlyList<(Finding, Confirmation)> Attach(IEnumerable<(Finding, Confirmation)> items)
    {
        var list = items.ToList();
        foreach (var (f, c) in list) c.AttachTo(f);
        return list;
    }

    private static string? DefaultDriverCheck() => CudaDriver.IsAvailable(out var reason) ? null : reason;

    private static string Tail(WorkerOutcome o) => WorkerOutcome.Tail(o.Stderr, 800);

    private async Task<Confirmation> RunExperimentAsync(PtxModule module, Finding f, Confirmer confirmer, LaunchSpecFile? specs, DeviceInfo device, CancellationToken ct)
    {
        var rule = f.Rule.Id;
        var fn = f.FunctionName is { } name ? module.FindFunction(name) : null;
        Confirmation Make(Verdict v, string reason, string evidence = "") => new(rule, f.FunctionName, v, reason, evidence);
        if (fn is null || !fn.IsEntry)
            return Make(Verdict.Unsupported, f.FunctionName is null
                ? "the finding names no kernel"
                : $"{f.FunctionName} is not a kernel (.entry) of this module: only kernels can be launched");
        if (specs?.Find(fn.Name)?.For(rule) is { Disabled: true })
            return Make(Verdict.Unsupported, "disabled in the launch spec");
        var ctx = new ConfirmContext(module, fn, f, specs, device, _options, _client);
        var r = await confirmer.RunAsync(ctx, ct);
        return Make(r.Verdict, r.Reason, ctx.Evidence.ToString());
    }

    /// <summary>One kernel's determinism verdict (<c>confirm --determinism</c>).</summary>
    public sealed record DeterminismOutcome(string Kernel, DeterminismResult? Result, Verdict Verdict, string Reason, string Evidence);

    /// <summary>
    /// The determinism experiment for every kernel of the module (or <see cref="ConfirmOptions.Kernel"/>): the same inputs
    /// launched <paramref name="runs"/> times; the number of distinct outputs and the first differing element.
    /// </summary>
    public async Task<IReadOnlyList<DeterminismOutcome>> DeterminismAsync(PtxModule module, LaunchSpecFile? specs, int runs, CancellationToken ct = default)
    {
        var kernels = module.Kernels.Where(k => k.HasBody && (_options.Kernel is null || k.Name == _options.Kernel)).ToList();
        var results = new List<DeterminismOutcome>();
        if (kernels.Count == 0) return results;
        var (device, pv, preason, pevidence) = await PrepareAsync(module, ct);
        if (device is null)
            return kernels.Select(k => new DeterminismOutcome(k.Name, null, pv, preason, pevidence)).ToList();
        foreach (var k in kernels)
        {
            ct.ThrowIfCancellationRequested();
            var ev = new Evidence(device);
            KernelLaunchSpec spec;
            try { spec = LaunchSpecInference.Resolve(k, specs); }
            catch (FormatException e)
            {
                results.Add(new DeterminismOutcome(k.Name, null, Verdict.Unsupported, "cannot build the launch: " + e.Message, ev.ToString()));
                continue;
            }
            ev.Spec("launch", spec);
            int n = Math.Max(2, spec.For("determinism").Runs ?? runs);
            Log($"determinism {k.Name}: {n} runs");
            var (r, o) = await Determinism.RunAsync(_client, module.Source.Text, spec, n, _options.Timeout, ct);
            if (r is null)
            {
                var ctxFail = new ConfirmContext(module, k, new Finding(new RuleDescriptor { Id = "determinism", Name = "determinism", ShortDescription = "", FullDescription = "",
                    DefaultLevel = Level.Note, HelpText = "", HelpMarkdown = "" }, Level.Note, "", module.LocationOf(k.NameSpan)), specs, device, _options, _client);
                var fail = ctxFail.Failure(o);
                results.Add(new DeterminismOutcome(k.Name, null, fail.Verdict, fail.Reason, ev + "\n" + ctxFail.Evidence));
                continue;
            }
            ev.Line(r.Evidence);
            results.Add(new DeterminismOutcome(k.Name, r, r.Deterministic ? Verdict.NotReproduced : Verdict.Confirmed, r.Summary, ev.ToString()));
        }
        return results;
    }
}
