using PtxLint.Cuda.Driver;
using PtxLint.Cuda.Worker;
using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>PTX005: a plain launch under the watchdog (a hang confirms it), then compute-sanitizer racecheck when available.</summary>
public sealed class PTX005Confirmer : Confirmer
{
    public override string RuleId => "PTX005";

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => DivergentBarrierData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var fn = ctx.Function;
        var ev = ctx.Evidence;
        var opt = ctx.Options;
        var spec = ctx.Spec();
        ev.Spec("launch", spec);
        ctx.Log($"PTX005 {fn.Name}: plain launch under a {opt.Timeout.TotalSeconds:0.#} s watchdog");
        var plain = await ctx.RunChecked(ctx.Request(new WorkerLaunch { Label = "plain", Spec = spec }), opt.Timeout, SanitizerTool.None, ct);
        if (plain.Kind == WorkerOutcomeKind.TimedOut)
        {
            ev.Line($"plain launch: no result after {opt.Timeout.TotalSeconds:0.#} s; the worker's process tree was killed");
            return ExperimentVerdicts.Ptx005Verdict(plain.Kind, 0, opt.Timeout, ctx.SanitizerAvailable, null);
        }
        if (!plain.Ok)
        {
            if (plain.Response?.ErrorCode == (int)CudaResult.LaunchTimeout)
                return new(Verdict.Confirmed, $"the launch timed out in the driver ({plain.Response.ErrorName}): the kernel hung");
            return ctx.Failure(plain);
        }
        double ms = plain.Response!.Launches[0].Runs[0].Milliseconds;
        ev.Line($"plain launch: completed in {ms:0.###} ms");
        SanitizerReport? race = null;
        if (ctx.SanitizerAvailable)
        {
            ctx.Log($"PTX005 {fn.Name}: compute-sanitizer --tool racecheck");
            var rc = await ctx.RunChecked(ctx.Request(new WorkerLaunch { Label = "racecheck", Spec = spec }), opt.EffectiveSanitizerTimeout, SanitizerTool.Racecheck, ct);
            ev.Line($"racecheck: {rc.CommandLine} ({rc.Elapsed.TotalSeconds:0.#} s): {rc.Sanitizer}");
            foreach (var s in rc.Sanitizer?.Samples ?? []) ev.Line("  " + s);
            if (rc.Kind == WorkerOutcomeKind.TimedOut)
                return new(Verdict.Error, $"racecheck did not finish within {opt.EffectiveSanitizerTimeout.TotalSeconds:0} s (the plain launch completed in {ms:0.###} ms)");
            race = rc.Sanitizer;
        }
        return ExperimentVerdicts.Ptx005Verdict(plain.Kind, ms, opt.Timeout, ctx.SanitizerAvailable, race);
    }
}
