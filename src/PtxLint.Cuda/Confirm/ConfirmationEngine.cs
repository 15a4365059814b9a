using System.Text;
using System.Text.RegularExpressions;
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

    internal TimeSpan EffectiveSanitizerTimeout =>
        SanitizerTimeout ?? TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(120).Ticks, Timeout.Ticks * 6));
}

/// <summary>
/// Runs, for each finding of a confirmable rule, the experiment that shows the bug on a real GPU (in worker
/// processes, under a watchdog), and records the verdict in <c>Finding.Properties["confirmation"]</c>.
/// </summary>
public sealed class ConfirmationEngine
{
    public static readonly IReadOnlySet<string> ConfirmableRules = new HashSet<string>(StringComparer.Ordinal)
    {
        "PTX001", "PTX002", "PTX003", "PTX004", "PTX005", "PTX006", "PTX007", "PTX008", "PTX009", "PTX010",
    };

    private readonly ConfirmOptions _options;
    private readonly WorkerClient _client;

    public ConfirmationEngine(ConfirmOptions? options = null, WorkerClient? client = null)
    {
        _options = options ?? new ConfirmOptions();
        _client = client ?? new WorkerClient(new SelfWorkerLauncher(), _options.UseSanitizer ? WorkerClient.FindSanitizer() : null);
    }

    public WorkerClient Client => _client;

    private bool SanitizerAvailable => _options.UseSanitizer && _client.SanitizerPath is not null;

    private void Log(string s) => _options.Log?.Invoke(s);

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

        var noDriver = (_options.DriverCheck ?? DefaultDriverCheck)();
        if (noDriver is not null)
            return Attach(todo.Select(f => (f, All(f, Verdict.Unsupported, noDriver))));

        // Probe the device in a worker (the parent never creates a CUDA context).
        Log("probing the device");
        var probe = await _client.RunAsync(new WorkerRequest(), _options.Timeout, SanitizerTool.None, ct);
        if (!probe.Ok || probe.Response?.DeviceInfo is null)
        {
            var why = probe.Response is { Stage: "driver" or "init" or "device" } r
                ? (r.ErrorName is "CUDA_ERROR_NO_DEVICE" ? "no GPU: " : r.Stage == "driver" ? "" : "the driver is not usable: ") + (r.Error ?? "")
                : null;
            var v = why is not null ? Verdict.Unsupported : Verdict.Error;
            var reason = why ?? "probing the device failed: " + probe.Describe();
            return Attach(todo.Select(f => (f, All(f, v, reason, Tail(probe)))));
        }
        var device = probe.Response.DeviceInfo;
        Log($"device: {device}");

        // Module-level preconditions: the target and the ISA version.
        var pre = PtxText.Preflight(module, device);
        if (pre is not null)
        {
            var ev = new StringBuilder($"device: {device}\n");
            // Load it anyway in a worker so the driver's own words and the JIT log are shown.
            var load = await _client.RunAsync(new WorkerRequest { Modules = { module.Source.Text }, LoadModules = true }, _options.Timeout, SanitizerTool.None, ct);
            if (load.Response is { Ok: false } lr)
                ev.Append($"cuModuleLoadDataEx: {lr.ErrorName}: {lr.Error}\n" + (lr.JitLog is { } jl ? "JIT log:\n" + jl + "\n" : ""));
            else if (load.Ok)
                ev.Append("(the driver loaded the module nevertheless)\n");
            return Attach(todo.Select(f => (f, All(f, Verdict.Unsupported, pre, ev.ToString()))));
        }

        var cache = new Dictionary<string, Confirmation>(StringComparer.Ordinal);
        foreach (var f in todo)
        {
            ct.ThrowIfCancellationRequested();
            // One experiment per rule and kernel, except PTX010 (one per flagged mul).
            var key = f.Rule.Id == "PTX010" ? $"{f.Rule.Id}|{f.FunctionName}|{f.Location.Span.StartLine}" : $"{f.Rule.Id}|{f.FunctionName}";
            if (!cache.TryGetValue(key, out var c))
            {
                try
                {
                    c = await RunExperimentAsync(module, f, specs, device, ct);
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

    // ---- dispatch ------------------------------------------------------------------------------------------------

    private async Task<Confirmation> RunExperimentAsync(PtxModule module, Finding f, LaunchSpecFile? specs, DeviceInfo device, CancellationToken ct)
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

        var ev = new Evidence(device);
        VerdictResult r = rule switch
        {
            "PTX001" => await Ptx001(module, fn, specs, device, ev, ct),
            "PTX002" => await Ptx002(module, fn, specs, ev, ct),
            "PTX003" => await Ptx003(module, fn, f, specs, ev, ct),
            "PTX005" => await Ptx005(module, fn, specs, ev, ct),
            "PTX006" => await Ptx006(module, fn, f, specs, ev, ct),
            "PTX009" => await Ptx009(module, fn, specs, ev, ct),
            "PTX010" => await Ptx010(module, fn, f, specs, ev, ct),
            "PTX004" or "PTX007" or "PTX008" => await TensorMemory(module, fn, rule, specs, device, ev, ct),
            _ => new(Verdict.Unsupported, $"no experiment for {rule}"),
        };
        return Make(r.Verdict, r.Reason, ev.ToString());
    }

    /// <summary>Accumulates the evidence text: device, launches, assumptions, observations.</summary>
    private sealed class Evidence
    {
        private readonly StringBuilder _sb = new();
        public Evidence(DeviceInfo device) { _sb.AppendLine($"device: {device}"); }
        public void Line(string s) => _sb.AppendLine(s);
        public void Spec(string label, KernelLaunchSpec spec)
        {
            _sb.AppendLine($"{label}: {spec.Describe()}");
            foreach (var a in spec.Assumptions) _sb.AppendLine("  assumed " + a);
        }
        public override string ToString() => _sb.ToString().TrimEnd();
    }

    /// <summary>A failed worker run as a verdict: unsupported for architecture/ISA rejections, error otherwise.</summary>
    private static VerdictResult Failure(WorkerOutcome o, Evidence ev)
    {
        ev.Line($"worker: {o.CommandLine} ({o.Elapsed.TotalSeconds:0.##} s)");
        if (o.Response is { } r)
        {
            if (r.JitLog is { } log) ev.Line("JIT log:\n" + log);
            if (r.ErrorCode == (int)CudaResult.UnsupportedPtxVersion)
                return new(Verdict.Unsupported, $"{r.ErrorName}: the driver's JIT does not accept this PTX .version ({r.Error})");
            if (r.Stage == "load" && r.ErrorCode is (int)CudaResult.InvalidPtx or (int)CudaResult.NoBinaryForGpu
                && (r.JitLog ?? "").Contains("sm_", StringComparison.Ordinal) && (r.JitLog ?? "").Contains("target", StringComparison.OrdinalIgnoreCase))
                return new(Verdict.Unsupported, $"{r.ErrorName}: the device cannot run this PTX's target (see the JIT log)");
            if (r.Stage == "driver") return new(Verdict.Unsupported, r.Error ?? "no driver");
        }
        else if (o.Stderr.Length > 0) ev.Line("stderr: " + WorkerOutcome.Tail(o.Stderr, 1500));
        return new(Verdict.Error, o.Describe());
    }

    private KernelLaunchSpec Spec(PtxFunction fn, LaunchSpecFile? specs) => LaunchSpecInference.Resolve(fn, specs);

    /// <summary>Runs a worker and checks that a successful result holds one result per launch and per run.</summary>
    private async Task<WorkerOutcome> RunChecked(WorkerRequest request, TimeSpan timeout, SanitizerTool tool, CancellationToken ct)
    {
        var o = await _client.RunAsync(request, timeout, tool, ct);
        if (o.Ok && (o.Response!.Launches.Count != request.Launches.Count
                     || o.Response.Launches.Zip(request.Launches).Any(x => x.First.Runs.Count != Math.Max(1, x.Second.Repeat))))
            return o with { Response = new WorkerResponse { Ok = false, Stage = "protocol", DeviceInfo = o.Response.DeviceInfo,
                Error = $"the worker returned {o.Response.Launches.Count} launch results for {request.Launches.Count} launches" } };
        return o;
    }

    private static WorkerRequest Request(PtxModule module, params WorkerLaunch[] launches)
    {
        var r = new WorkerRequest { Modules = { module.Source.Text } };
        r.Launches.AddRange(launches);
        return r;
    }

    private static IEnumerable<BufferResult> ObservedBuffers(RunResult run, List<int> observed) =>
        run.Buffers.Where(b => observed.Contains(b.Param));

    // ---- PTX002 --------------------------------------------------------------------------------------------------

    private async Task<VerdictResult> Ptx002(PtxModule module, PtxFunction fn, LaunchSpecFile? specs, Evidence ev, CancellationToken ct)
    {
        var baseSpec = Spec(fn, specs);
        var ov = baseSpec.For("PTX002");
        int rows = Math.Max(2, ov.Rows ?? _options.DefaultRows);
        var observed = Parity.Observed(baseSpec, out var allObserved);
        // Outputs the spec marks get the sentinel, so unwritten rows are visible.
        foreach (var i in observed.Where(i => !allObserved))
            baseSpec.Params[i].Buffer!.Fill = "sentinel";
        var one = baseSpec.Clone();
        var many = baseSpec.Clone();
        ev.Spec("one row", one);
        ev.Line("  " + Parity.SetRows(one, 1, ov.RowsParam));
        ev.Line($"{rows} rows: " + Parity.SetRows(many, rows, ov.RowsParam));
        if (allObserved) ev.Line("  no buffer marked output: every buffer is observed for changes");
        Log($"PTX002 {fn.Name}: launching with gridDim.y = 1 and {rows}");
        var o = await RunChecked(Request(module,
            new WorkerLaunch { Label = "rows=1", Spec = one },
            new WorkerLaunch { Label = $"rows={rows}", Spec = many }), _options.Timeout, SanitizerTool.None, ct);
        if (!o.Ok) return Failure(o, ev);
        var r1 = o.Response!.Launches[0].Runs[0];
        var rR = o.Response.Launches[1].Runs[0];
        foreach (var b in ObservedBuffers(rR, observed))
            ev.Line($"  {b.Name ?? "param " + b.Param}: {b.ChangedBytes} bytes changed with {rows} rows, {ObservedBuffers(r1, observed).First(x => x.Param == b.Param).ChangedBytes} with 1 row");
        // With the output layout known (cols), look at the rows themselves.
        if (ov.Cols is int cols && !allObserved)
        {
            foreach (var b in ObservedBuffers(rR, observed))
            {
                if (b.Data is null) continue;
                var spec = many.Params[b.Param].Buffer!;
                int rowBytes = cols * Math.Max(1, ElementTypes.Size(spec.ElementType));
                var v = ExperimentVerdicts.Ptx002Verdict(b.Data, rows, rowBytes, BufferFill.SentinelElement(spec));
                if (v.Verdict != Verdict.Error) return v with { Reason = $"{b.Name}: {v.Reason}" };
            }
        }
        return ExperimentVerdicts.Ptx002FromChanges(ObservedBuffers(r1, observed).Sum(b => b.ChangedBytes),
                                                    ObservedBuffers(rR, observed).Sum(b => b.ChangedBytes), rows);
    }

    // ---- PTX003 --------------------------------------------------------------------------------------------------

    private async Task<VerdictResult> Ptx003(PtxModule module, PtxFunction fn, Finding f, LaunchSpecFile? specs, Evidence ev, CancellationToken ct)
    {
        var baseSpec = Spec(fn, specs);
        var ov = baseSpec.For("PTX003");
        bool Mentioned(string? name) => name is not null && Regex.IsMatch(f.Message, $@"(?<![\w$]){Regex.Escape(name)}(?![\w$])");
        int bufIdx = ov.PositionBufferParam is { } pb ? baseSpec.IndexOfParam(pb)
            : baseSpec.Params.FindIndex(p => p.Buffer is not null && Mentioned(p.Name));
        if (bufIdx < 0 && ov.PositionBufferParam is null)
            bufIdx = baseSpec.Params.FindIndex(p => p.Buffer is not null && p.Name is not null && Regex.IsMatch(p.Name, "(?i)(pos|position|seq_?len|step)"));
        int posIdx = ov.PositionParam is { } pp ? baseSpec.IndexOfParam(pp)
            : baseSpec.Params.FindIndex(p => p.Scalar is not null && !ElementTypes.IsFloat(p.Scalar.Type) && p.Name is not null
                                             && (Mentioned(p.Name) || LaunchSpecInference.LooksLikePosition(p.Name)));
        if (bufIdx < 0 || baseSpec.Params[bufIdx].Buffer is null)
            return new(Verdict.Unsupported, "cannot tell which parameter is the position buffer: name it in the launch spec (experiments.PTX003.positionBufferParam)");
        if (posIdx < 0 || baseSpec.Params[posIdx].Scalar is null)
            return new(Verdict.Unsupported, "cannot tell which parameter is the by-value position: name it in the launch spec (experiments.PTX003.positionParam)");
        long stale = ov.StaleValue ?? 0;
        var positions = (ov.Positions ?? Enumerable.Range(0, Math.Max(2, ov.Steps ?? _options.DefaultSteps)).ToArray()).Select(p => (long)p).ToList();
        var posBuf = baseSpec.Params[bufIdx].Buffer!;
        posBuf.Fill = "constant";
        if (!ElementTypes.Normalize(posBuf.ElementType).StartsWith('s') && !ElementTypes.Normalize(posBuf.ElementType).StartsWith('u'))
            posBuf.ElementType = "s32";
        posBuf.Value = LaunchSpecInference.JsonNumber(stale);
        var observed = Parity.Observed(baseSpec, out var allObserved);
        observed.Remove(bufIdx);
        foreach (var i in observed.Where(i => !allObserved)) baseSpec.Params[i].Buffer!.Fill = "sentinel";
        ev.Spec("base", baseSpec);
        ev.Line($"position buffer {baseSpec.Params[bufIdx].Name} holds the stale value {stale}; by-value {baseSpec.Params[posIdx].Name} = {string.Join(", ", positions)} (one launch per step, input seeds vary per step)");
        var launches = new List<WorkerLaunch>();
        for (int s = 0; s < positions.Count; s++)
        {
            var spec = baseSpec.Clone();
            spec.Params[posIdx].Scalar!.Value = LaunchSpecInference.JsonNumber(positions[s]);
            foreach (var p in spec.Params)
                if (p.Buffer is { Fill: "random" } b) b.Seed += (ulong)(1000 * s); // each step carries different data
            launches.Add(new WorkerLaunch { Label = $"step {s} pos {positions[s]}", Spec = spec });
        }
        Log($"PTX003 {fn.Name}: {positions.Count} decode steps");
        var o = await RunChecked(Request(module, launches.ToArray()), _options.Timeout, SanitizerTool.None, ct);
        if (!o.Ok) return Failure(o, ev);
        var perStep = new List<IReadOnlyList<long[]>>();
        for (int s = 0; s < positions.Count; s++)
        {
            var run = o.Response!.Launches[s].Runs[0];
            // Offsets are made distinct per buffer so two buffers' ranges never coincide by accident.
            var ranges = ObservedBuffers(run, observed)
                .SelectMany(b => b.ChangedRanges.Select(r => new[] { ((long)b.Param << 40) + r[0], ((long)b.Param << 40) + r[1] })).ToList();
            perStep.Add(ranges);
            ev.Line($"  step {s} (pos {positions[s]}): " + string.Join("; ", ObservedBuffers(run, observed).Where(b => b.ChangedBytes > 0)
                .Select(b => $"{b.Name ?? "param " + b.Param} bytes {string.Join(",", b.ChangedRanges.Take(4).Select(r => $"{r[0]}..{r[1]}"))}{(b.ChangedRanges.Count > 4 ? ",..." : "")}")));
        }
        return ExperimentVerdicts.Ptx003Verdict(perStep, positions, stale);
    }

    // ---- PTX005 --------------------------------------------------------------------------------------------------

    private async Task<VerdictResult> Ptx005(PtxModule module, PtxFunction fn, LaunchSpecFile? specs, Evidence ev, CancellationToken ct)
    {
        var spec = Spec(fn, specs);
        ev.Spec("launch", spec);
        Log($"PTX005 {fn.Name}: plain launch under a {_options.Timeout.TotalSeconds:0.#} s watchdog");
        var plain = await RunChecked(Request(module, new WorkerLaunch { Label = "plain", Spec = spec }), _options.Timeout, SanitizerTool.None, ct);
        if (plain.Kind == WorkerOutcomeKind.TimedOut)
        {
            ev.Line($"plain launch: no result after {_options.Timeout.TotalSeconds:0.#} s; the worker's process tree was killed");
            return ExperimentVerdicts.Ptx005Verdict(plain.Kind, 0, _options.Timeout, SanitizerAvailable, null);
        }
        if (!plain.Ok)
        {
            if (plain.Response?.ErrorCode == (int)CudaResult.LaunchTimeout)
                return new(Verdict.Confirmed, $"the launch timed out in the driver ({plain.Response.ErrorName}): the kernel hung");
            return Failure(plain, ev);
        }
        double ms = plain.Response!.Launches[0].Runs[0].Milliseconds;
        ev.Line($"plain launch: completed in {ms:0.###} ms");
        SanitizerReport? race = null;
        if (SanitizerAvailable)
        {
            Log($"PTX005 {fn.Name}: compute-sanitizer --tool racecheck");
            var rc = await RunChecked(Request(module, new WorkerLaunch { Label = "racecheck", Spec = spec }), _options.EffectiveSanitizerTimeout, SanitizerTool.Racecheck, ct);
            ev.Line($"racecheck: {rc.CommandLine} ({rc.Elapsed.TotalSeconds:0.#} s): {rc.Sanitizer}");
            foreach (var s in rc.Sanitizer?.Samples ?? []) ev.Line("  " + s);
            if (rc.Kind == WorkerOutcomeKind.TimedOut)
                return new(Verdict.Error, $"racecheck did not finish within {_options.EffectiveSanitizerTimeout.TotalSeconds:0} s (the plain launch completed in {ms:0.###} ms)");
            race = rc.Sanitizer;
        }
        return ExperimentVerdicts.Ptx005Verdict(plain.Kind, ms, _options.Timeout, SanitizerAvailable, race);
    }

    // ---- PTX006 --------------------------------------------------------------------------------------------------

    private async Task<VerdictResult> Ptx006(PtxModule module, PtxFunction fn, Finding f, LaunchSpecFile? specs, Evidence ev, CancellationToken ct)
    {
        if (!SanitizerAvailable) return ExperimentVerdicts.Ptx006Verdict(false, null);
        var spec = Spec(fn, specs);
        ev.Spec("launch", spec);
        Log($"PTX006 {fn.Name}: compute-sanitizer --tool memcheck");
        var o = await RunChecked(Request(module, new WorkerLaunch { Label = "memcheck", Spec = spec }), _options.EffectiveSanitizerTimeout, SanitizerTool.Memcheck, ct);
        ev.Line($"memcheck: {o.CommandLine} ({o.Elapsed.TotalSeconds:0.#} s): {o.Sanitizer}");
        foreach (var s in o.Sanitizer?.Samples ?? []) ev.Line("  " + s);
        if (o.Kind == WorkerOutcomeKind.TimedOut) return new(Verdict.Error, "memcheck did not finish in time");
        // memcheck turns the bad access into a launch error; the summary still counts them.
        VerdictResult mem = o.Sanitizer is { HasSummary: true } || o.Ok ? ExperimentVerdicts.Ptx006Verdict(true, o.Sanitizer) : Failure(o, ev);
        if (mem.Verdict != Verdict.NotReproduced) return mem;
        // memcheck only sees accesses outside the CTA's shared allocation; an overrun into a neighbouring variable is
        // inside it. Rewrite-and-compare: enlarge the variable to cover the access and compare the outputs bit for bit.
        return await Ptx006Enlarged(module, fn, f, spec, ev, mem, ct);
    }

    private async Task<VerdictResult> Ptx006Enlarged(PtxModule module, PtxFunction fn, Finding f, KernelLaunchSpec spec, Evidence ev, VerdictResult mem, CancellationToken ct)
    {
        if (f.Properties.GetValueOrDefault("symbol") is not string symbol
            || f.Properties.GetValueOrDefault("offset") is not { } off || f.Properties.GetValueOrDefault("width") is not { } width)
            return mem;
        long end = Convert.ToInt64(off, System.Globalization.CultureInfo.InvariantCulture) + Convert.ToInt64(width, System.Globalization.CultureInfo.InvariantCulture);
        var rewritten = PtxText.EnlargeSharedVariable(module.Source.Text, symbol, end, out var what);
        if (rewritten is null) { ev.Line("rewrite: " + what); return mem; }
        ev.Line("rewrite: " + what);
        var observed = Parity.Observed(spec, out _);
        Log($"PTX006 {fn.Name}: original vs {symbol} enlarged to {end} bytes");
        var (failure, a, b) = await RunOriginalAndRewritten(module, rewritten, "enlarged", spec, ev, ct);
        if (failure is { } fail) return fail;
        foreach (var ba in ObservedBuffers(a, observed))
        {
            var bb = b.Buffers.First(x => x.Param == ba.Param);
            if (ba.Sha256 != bb.Sha256)
            {
                ev.Line($"{ba.Name}: differs from the run with {symbol} enlarged");
                return new(Verdict.Confirmed, $"{mem.Reason}, but the output changes when {symbol} is enlarged to {end} bytes: the out-of-bounds access corrupts a neighbouring shared variable");
            }
        }
        ev.Line("outputs equal with the enlarged variable");
        return new(Verdict.NotReproduced, $"{mem.Reason}, and the output is the same with {symbol} enlarged to {end} bytes");
    }

    /// <summary>
    /// Rewrite-and-compare: launches the original module and <paramref name="rewritten"/> with the same spec in one
    /// worker and returns the two runs (with their buffers), or the failure verdict.
    /// </summary>
    private async Task<(VerdictResult? Failure, RunResult Original, RunResult Rewritten)> RunOriginalAndRewritten(
        PtxModule module, string rewritten, string label, KernelLaunchSpec spec, Evidence ev, CancellationToken ct)
    {
        var request = new WorkerRequest { Modules = { module.Source.Text, rewritten } };
        request.Launches.Add(new WorkerLaunch { Label = "original", Module = 0, Spec = spec, ReturnAll = true });
        request.Launches.Add(new WorkerLaunch { Label = label, Module = 1, Spec = spec, ReturnAll = true });
        var o = await RunChecked(request, _options.Timeout, SanitizerTool.None, ct);
        if (!o.Ok) return (Failure(o, ev), null!, null!);
        return (null, o.Response!.Launches[0].Runs[0], o.Response.Launches[1].Runs[0]);
    }

    // ---- PTX009 --------------------------------------------------------------------------------------------------

    private async Task<VerdictResult> Ptx009(PtxModule module, PtxFunction fn, LaunchSpecFile? specs, Evidence ev, CancellationToken ct)
    {
        var spec = Spec(fn, specs);
        int runs = Math.Max(2, spec.For("PTX009").Runs ?? _options.DefaultRuns);
        var observed = Parity.Observed(spec, out var allObserved);
        ev.Spec("launch", spec);
        ev.Line($"{runs} launches of the same inputs" + (allObserved ? "; no buffer marked output: every buffer is compared" : ""));
        Log($"PTX009 {fn.Name}: {runs} runs");
        var timeout = _options.Timeout + TimeSpan.FromMilliseconds(200 * runs);
        var o = await RunChecked(Request(module, new WorkerLaunch { Label = "runs", Spec = spec, Repeat = runs }), timeout, SanitizerTool.None, ct);
        if (!o.Ok) return Failure(o, ev);
        var prints = o.Response!.Launches[0].Runs.Select(r => string.Join("|", ObservedBuffers(r, observed).Select(b => b.Sha256))).ToList();
        var groups = prints.GroupBy(p => p).Select(g => g.Count()).OrderByDescending(c => c).ToList();
        ev.Line($"distinct outputs: {groups.Count} (run counts per distinct output: {string.Join(", ", groups.Take(10))}{(groups.Count > 10 ? ", ..." : "")})");
        return ExperimentVerdicts.Ptx009Verdict(prints);
    }

    // ---- PTX010 --------------------------------------------------------------------------------------------------

    private async Task<VerdictResult> Ptx010(PtxModule module, PtxFunction fn, Finding f, LaunchSpecFile? specs, Evidence ev, CancellationToken ct)
    {
        var rewritten = PtxText.RewriteMulToRn(module.Source.Text, f.Location.Span.StartLine, out var what);
        if (rewritten is null)
        {
            // A kernel without an unrounded mul feeding an add (e.g. a fixed twin with mul.rn) has nothing to contract.
            return f.Message.Contains("requested with --rule", StringComparison.Ordinal) && !PtxText.HasUnroundedFloatMul(module.Source.Text)
                ? new(Verdict.NotReproduced, "no unrounded float mul in the file: nothing ptxas could contract (" + what + ")")
                : new(Verdict.Unsupported, "cannot rewrite the flagged mul: " + what);
        }
        var spec = Spec(fn, specs);
        var observed = Parity.Observed(spec, out var allObserved);
        ev.Spec("launch", spec);
        ev.Line("rewrite: " + what);
        if (allObserved) ev.Line("no buffer marked output: every buffer is compared");
        Log($"PTX010 {fn.Name}: original vs mul.rn ({what})");
        var (failure, a, b) = await RunOriginalAndRewritten(module, rewritten, "mul.rn", spec, ev, ct);
        if (failure is { } fail) return fail;
        foreach (var ba in ObservedBuffers(a, observed))
        {
            var bb = b.Buffers.First(x => x.Param == ba.Param);
            var type = spec.Params[ba.Param].Buffer!.ElementType;
            if (ba.Data is not null && bb.Data is not null)
            {
                var v = ExperimentVerdicts.Ptx010Verdict(ba.Data, bb.Data, type);
                if (v.Verdict == Verdict.Confirmed) return v with { Reason = $"{ba.Name}: {v.Reason}" };
            }
            else if (ba.Sha256 != bb.Sha256)
                return new(Verdict.Confirmed, $"{ba.Name}: the outputs with mul and mul.rn differ (hash): ptxas contracted mul+add into fma");
        }
        return new(Verdict.NotReproduced, "the outputs with mul and with mul.rn are bit-identical: ptxas did not contract this mul into an fma here, or it makes no difference for these inputs");
    }

    // ---- PTX001 --------------------------------------------------------------------------------------------------

    private async Task<VerdictResult> Ptx001(PtxModule module, PtxFunction fn, LaunchSpecFile? specs, DeviceInfo device, Evidence ev, CancellationToken ct)
    {
        var twin = specs?.Find(fn.Name)?.For("PTX001").Single ?? Parity.FindTwin(module, fn.Name);
        if (twin is null)
            return new(Verdict.Unsupported, $"no single-vector twin of {fn.Name} in this module (a kernel named without Batched/batched_): name one in the launch spec (experiments.PTX001.single)");
        Log($"PTX001 {fn.Name}: parity with {twin} at one row");
        var p = await Parity.RunAsync(module, fn.Name, twin, specs, _client, _options.Timeout, ct);
        ev.Line(p.Evidence.TrimEnd());
        return p.Status switch
        {
            ParityStatus.Equal => ExperimentVerdicts.Ptx001Verdict(-1, $"{device.Name} ({device.Sm})"),
            ParityStatus.Different => new(Verdict.Confirmed, $"at one row {fn.Name} differs from its single-vector twin {twin}: {p.Summary}"),
            ParityStatus.Unsupported => new(Verdict.Unsupported, p.Summary),
            _ => new(Verdict.Error, p.Summary),
        };
    }

    // ---- PTX004 / PTX007 / PTX008 --------------------------------------------------------------------------------

    private async Task<VerdictResult> TensorMemory(PtxModule module, PtxFunction fn, string rule, LaunchSpecFile? specs, DeviceInfo device, Evidence ev, CancellationToken ct)
    {
        if (device.Major != 10)
            return new(Verdict.Unsupported, $"{rule} needs tensor memory (tcgen05, sm_100a): the device is {device.Name}, compute capability {device.Major}.{device.Minor}");
        var spec = Spec(fn, specs);
        var fixedKernel = spec.For(rule).FixedKernel;
        if (fixedKernel is null || module.FindFunction(fixedKernel) is not { } ff)
            return new(Verdict.Unsupported, $"on Blackwell, {rule} is confirmed by comparing against the kernel with fixed addressing: name it in the launch spec (experiments.{rule}.fixedKernel)");
        var fixedSpec = LaunchSpecInference.Resolve(ff, specs);
        ev.Spec("flagged", spec);
        ev.Spec("fixed", fixedSpec);
        var o = await RunChecked(Request(module,
            new WorkerLaunch { Label = "flagged", Spec = spec, ReturnAll = true },
            new WorkerLaunch { Label = "fixed", Spec = fixedSpec, ReturnAll = true }), _options.Timeout, SanitizerTool.None, ct);
        if (o.Kind == WorkerOutcomeKind.TimedOut) return new(Verdict.Confirmed, "the flagged kernel hung (killed by the watchdog)");
        if (!o.Ok)
        {
            if (o.Response?.FailedLaunch == "flagged" && o.Response.Stage is "sync" or "launch")
                return new(Verdict.Confirmed, $"the flagged kernel failed on the device: {o.Response.ErrorName}: {o.Response.Error}");
            return Failure(o, ev);
        }
        var observed = Parity.Observed(spec, out _);
        var fixedObserved = Parity.Observed(fixedSpec, out _);
        var a = o.Response!.Launches[0].Runs[0];
        var b = o.Response.Launches[1].Runs[0];
        for (int k = 0; k < Math.Min(observed.Count, fixedObserved.Count); k++)
        {
            var ba = a.Buffers.First(x => x.Param == observed[k]);
            var bb = b.Buffers.First(x => x.Param == fixedObserved[k]);
            if (ba.Sha256 != bb.Sha256)
            {
                var type = spec.Params[observed[k]].Buffer!.ElementType;
                long first = ba.Data is not null && bb.Data is not null ? ExperimentVerdicts.FirstDifference(ba.Data, bb.Data, Math.Max(1, ElementTypes.Size(type))) : -1;
                return new(Verdict.Confirmed, $"{ba.Name} differs from the fixed kernel {fixedKernel}'s output" + (first >= 0 ? $", first at element {first}" : ""));
            }
        }
        return new(Verdict.NotReproduced, $"the outputs equal those of the fixed kernel {fixedKernel} bit for bit");
    }
}
