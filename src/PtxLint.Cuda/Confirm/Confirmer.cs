using System.Text;
using PtxLint.Cuda.Driver;
using PtxLint.Cuda.Worker;
using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// The experiment of one rule, beside its analysis as a Roslyn code fix sits beside its analyzer: it launches the flagged
/// kernel and says whether the bug shows. A confirmer reads the typed <see cref="Finding.Data"/> its rule attaches (never
/// the message text); <see cref="ReadData"/> rebuilds that data from a SARIF result. Adding a rule's experiment is adding
/// one subclass and one line in <see cref="Confirmers.All"/>.
/// </summary>
public abstract class Confirmer
{
    /// <summary>The rule whose findings this confirmer checks.</summary>
    public abstract string RuleId { get; }

    /// <summary>Findings with the same key share one experiment and its verdict (default: one per kernel).</summary>
    public virtual string ExperimentKey(Finding finding) => $"{RuleId}|{finding.FunctionName}";

    /// <summary>Runs the experiment for <see cref="ConfirmContext.Finding"/> in <see cref="ConfirmContext.Function"/>.</summary>
    public abstract Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct);

    /// <summary>The rule's typed data from a SARIF result's property bag (<c>confirm --findings run.sarif</c>); null when absent.</summary>
    public virtual FindingData? ReadData(PropertyReader properties, Finding finding) => null;
}

/// <summary>Marks a finding made by <c>confirm --rule ID</c> for a kernel the rule did not flag (the experiment still runs).</summary>
public sealed class RequestedExperimentData : FindingData
{
    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("requestedExperiment", true);
    }
}

/// <summary>Accumulates the evidence text: device, launches, assumptions, observations.</summary>
public sealed class Evidence
{
    private readonly StringBuilder _sb = new();
    public Evidence(DeviceInfo device) { _sb.AppendLine($"device: {device}"); }
    public void Line(string s) => _sb.AppendLine(s);

    /// <summary>The launch, every inferred assumption, and (for inferred launches) the spec as JSON to save as FILE.ptx.launch.json.</summary>
    public void Spec(string label, KernelLaunchSpec spec)
    {
        _sb.AppendLine($"{label}: {spec.Describe()}");
        foreach (var a in spec.Assumptions) _sb.AppendLine("  assumed " + a);
    }

    public override string ToString() => _sb.ToString().TrimEnd();
}

/// <summary>What a confirmer works with: the module and kernel, the finding, the launch specs, the device, and the worker.</summary>
public sealed class ConfirmContext
{
    private readonly WorkerClient _client;

    internal ConfirmContext(PtxModule module, PtxFunction function, Finding finding, LaunchSpecFile? specs, DeviceInfo device,
                            ConfirmOptions options, WorkerClient client)
    {
        Module = module;
        Function = function;
        Finding = finding;
        Specs = specs;
        Device = device;
        Options = options;
        _client = client;
        Evidence = new Evidence(device);
    }

    public PtxModule Module { get; }
    /// <summary>The kernel (.entry) of the finding.</summary>
    public PtxFunction Function { get; }
    public Finding Finding { get; }
    public LaunchSpecFile? Specs { get; }
    public DeviceInfo Device { get; }
    public ConfirmOptions Options { get; }
    public Evidence Evidence { get; }
    public WorkerClient Client => _client;

    /// <summary>The rule's typed data, when the finding carries it.</summary>
    public T? Data<T>() where T : FindingData => Finding.Data as T;

    public bool SanitizerAvailable => Options.UseSanitizer && _client.SanitizerPath is not null;

    public void Log(string s) => Options.Log?.Invoke(s);

    /// <summary>The launch spec of a kernel (default: the finding's): from the spec file, else inferred with every assumption recorded.</summary>
    public KernelLaunchSpec Spec(PtxFunction? fn = null) => LaunchSpecInference.Resolve(fn ?? Function, Specs);

    /// <summary>A request holding this module's text and the launches.</summary>
    public WorkerRequest Request(params WorkerLaunch[] launches)
    {
        var r = new WorkerRequest { Modules = { Module.Source.Text } };
        r.Launches.AddRange(launches);
        return r;
    }

    /// <summary>Runs a worker and checks that a successful result holds one result per launch and per run.</summary>
    public async Task<WorkerOutcome> RunChecked(WorkerRequest request, TimeSpan timeout, SanitizerTool tool, CancellationToken ct)
    {
        var o = await _client.RunAsync(request, timeout, tool, ct);
        if (o.Ok && (o.Response!.Launches.Count != request.Launches.Count
                     || o.Response.Launches.Zip(request.Launches).Any(x => x.First.Runs.Count != Math.Max(1, x.Second.Repeat))))
            return o with { Response = new WorkerResponse { Ok = false, Stage = "protocol", DeviceInfo = o.Response.DeviceInfo,
                Error = $"the worker returned {o.Response.Launches.Count} launch results for {request.Launches.Count} launches" } };
        return o;
    }

    /// <summary>A failed worker run as a verdict: unsupported for architecture/ISA rejections, error otherwise.</summary>
    public VerdictResult Failure(WorkerOutcome o)
    {
        var ev = Evidence;
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

    /// <summary>The buffers an experiment compares in one run.</summary>
    public static IEnumerable<BufferResult> ObservedBuffers(RunResult run, List<int> observed) =>
        run.Buffers.Where(b => observed.Contains(b.Param));

    /// <summary>
    /// Rewrite-and-compare: launches the original module and <paramref name="rewritten"/> with the same spec in one
    /// worker and returns the two runs (with their buffers), or the failure verdict.
    /// </summary>
    public async Task<(VerdictResult? Failure, RunResult Original, RunResult Rewritten)> RunOriginalAndRewritten(
        string rewritten, string label, KernelLaunchSpec spec, CancellationToken ct)
    {
        var request = new WorkerRequest { Modules = { Module.Source.Text, rewritten } };
        request.Launches.Add(new WorkerLaunch { Label = "original", Module = 0, Spec = spec, ReturnAll = true });
        request.Launches.Add(new WorkerLaunch { Label = label, Module = 1, Spec = spec, ReturnAll = true });
        var o = await RunChecked(request, Options.Timeout, SanitizerTool.None, ct);
        if (!o.Ok) return (Failure(o), null!, null!);
        return (null, o.Response!.Launches[0].Runs[0], o.Response.Launches[1].Runs[0]);
    }
}

/// <summary>The registry: one confirmer per confirmable rule.</summary>
public static class Confirmers
{
    public static IReadOnlyList<Confirmer> All { get; } = new Confirmer[]
    {
        new PTX001Confirmer(),
        new PTX002Confirmer(),
        new PTX003Confirmer(),
        new PTX004Confirmer(),
        new PTX005Confirmer(),
        new PTX006Confirmer(),
        new PTX007Confirmer(),
        new PTX008Confirmer(),
        new PTX009Confirmer(),
        new PTX010Confirmer(),
        new PTX011Confirmer(),
        new PTX012Confirmer(),
    };

    private static readonly Dictionary<string, Confirmer> ById = All.ToDictionary(c => c.RuleId, StringComparer.Ordinal);

    public static Confirmer? For(string ruleId) => ById.GetValueOrDefault(ruleId);

    /// <summary>Rebuilds a finding's typed data from a SARIF result's property bag through its rule's confirmer.</summary>
    public static FindingData? ReadData(Finding finding, PropertyReader properties) =>
        properties.Bool("requestedExperiment") == true ? new RequestedExperimentData() : For(finding.Rule.Id)?.ReadData(properties, finding);
}
