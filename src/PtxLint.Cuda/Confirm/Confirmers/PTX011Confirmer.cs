using PtxLint.Cuda.Worker;
using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// PTX011: compute-sanitizer racecheck on the kernel, JIT-compiled with the PTX's own lines as line information so
/// the reported races name PTX lines (compared with the finding's <see cref="SharedRaceData.FirstLine"/> and
/// <see cref="SharedRaceData.SecondLine"/>); then the determinism experiment. An inferred block smaller than the
/// witness needs is enlarged (and said so).
/// </summary>
public sealed class PTX011Confirmer : Confirmer
{
    public override string RuleId => "PTX011";

    public const int DefaultRuns = 10;

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => SharedRaceData.FromProperties(p, f.FunctionName);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var fn = ctx.Function;
        var ev = ctx.Evidence;
        var spec = ctx.Spec();
        var data = ctx.Data<SharedRaceData>();
        if (data is not null && spec.Inferred)
        {
            var need = new[] { data.BlockX, data.BlockY, data.BlockZ };
            for (int d = 0; d < 3; d++)
                if (spec.Block[d] < need[d])
                {
                    spec.Assumptions.Add($"block.{"xyz"[d]} {spec.Block[d]} -> {need[d]}: the race's witness threads ({data.FirstThread}, {data.SecondThread}) need it");
                    spec.Block[d] = need[d];
                }
        }
        ev.Spec("launch", spec);
        if (data is not null)
            ev.Line($"static finding: {data.Kind} between PTX line {data.FirstLine} ({"thread " + data.FirstThread}) and line {data.SecondLine} ({"thread " + data.SecondThread})");

        SanitizerReport? report = null;
        if (ctx.SanitizerAvailable)
        {
            var text = SharedMemoryRewrites.WithPtxLineInfo(ctx.Module);
            var request = new WorkerRequest { Modules = { text ?? ctx.Module.Source.Text }, LineInfo = text is not null };
            request.Launches.Add(new WorkerLaunch { Label = "racecheck", Spec = spec });
            ev.Line(text is not null ? $"line information: every instruction tagged with its PTX line ({SharedMemoryRewrites.LineFile})" : "line information: not added (no .address_size)");
            ctx.Log($"PTX011 {fn.Name}: compute-sanitizer --tool racecheck");
            var rc = await ctx.RunChecked(request, ctx.Options.EffectiveSanitizerTimeout, SanitizerTool.Racecheck, ct);
            ev.Line($"racecheck: {rc.CommandLine} ({rc.Elapsed.TotalSeconds:0.#} s): {rc.Sanitizer}");
            foreach (var r in rc.Sanitizer?.Races.Take(6) ?? []) ev.Line("  race: " + r);
            if (rc.Sanitizer is { Races.Count: 0 }) foreach (var s in rc.Sanitizer.Samples) ev.Line("  " + s);
            if (rc.Kind == WorkerOutcomeKind.TimedOut) return new(Confirm.Verdict.Error, $"racecheck did not finish within {ctx.Options.EffectiveSanitizerTimeout.TotalSeconds:0} s");
            if (!rc.Ok && rc.Sanitizer is not { HasSummary: true }) return ctx.Failure(rc);
            report = rc.Sanitizer;
        }

        // The determinism experiment: a race often shows as run-to-run differences.
        int runs = Math.Max(2, spec.For(RuleId).Runs ?? DefaultRuns);
        ctx.Log($"PTX011 {fn.Name}: {runs} runs of the same inputs");
        var (det, o) = await Determinism.RunAsync(ctx.Client, ctx.Module.Source.Text, spec, runs, ctx.Options.Timeout, ct);
        if (det is not null) ev.Line("determinism: " + det.Summary);
        else ev.Line("determinism: " + o.Describe());
        return Decide(report, det, data, ctx.SanitizerAvailable);
    }

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    /// <summary>The verdict from racecheck's report (primary) and the determinism runs.</summary>
    public static VerdictResult Decide(SanitizerReport? racecheck, DeterminismResult? determinism, SharedRaceData? data, bool sanitizerAvailable)
    {
        string det = determinism is null ? "" : determinism.Deterministic ? $"; {determinism.Runs} runs gave bit-identical outputs" : $"; {determinism.Distinct} distinct outputs in {determinism.Runs} runs";
        if (racecheck is not null)
        {
            int hazards = racecheck.Hazards ?? racecheck.Count("Race") + racecheck.Count("Potential");
            if (hazards > 0)
            {
                string where = "";
                var match = data is null ? null : racecheck.Races.FirstOrDefault(r =>
                    r.FirstLine is int a && r.SecondLine is int b && (a == data.FirstLine && b == data.SecondLine || a == data.SecondLine && b == data.FirstLine));
                if (match is not null)
                    where = $" between PTX lines {match.FirstLine} and {match.SecondLine}, the finding's two accesses";
                else if (racecheck.Races.FirstOrDefault(r => r.FirstLine is not null) is { } first)
                    where = $" between PTX lines {first.FirstLine} and {first.SecondLine}" + (data is null ? "" : $" (not the finding's lines {data.FirstLine} and {data.SecondLine})");
                return new(Confirm.Verdict.Confirmed, $"racecheck reports {Plural(hazards, "shared-memory hazard")} ({Plural(racecheck.HazardErrors ?? hazards, "error")}){where}{det}");
            }
            if (racecheck.Hazards is null && racecheck.ErrorSummary is null) return new(Confirm.Verdict.Error, "racecheck printed no summary");
            return new(Confirm.Verdict.NotReproduced, $"racecheck reports 0 hazards{det}");
        }
        if (determinism is { Deterministic: false })
            return new(Confirm.Verdict.Confirmed, $"{determinism.Distinct} distinct outputs in {determinism.Runs} runs of the same inputs (compute-sanitizer is not on PATH: racecheck did not run)");
        return new(Confirm.Verdict.Unsupported, (sanitizerAvailable ? "racecheck did not run" : "compute-sanitizer is not on PATH, so racecheck did not run") + det);
    }
}
