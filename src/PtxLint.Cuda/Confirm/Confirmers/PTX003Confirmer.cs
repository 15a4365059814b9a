using PtxLint.Cuda.Worker;
using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// PTX003: one launch per decode step with by-value positions 0..3 while the position buffer (the rule's
/// <see cref="IndirectPositionData.Parameter"/>) holds a stale value; every step writing the same place confirms it.
/// </summary>
public sealed class PTX003Confirmer : Confirmer
{
    public override string RuleId => "PTX003";

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => IndirectPositionData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var fn = ctx.Function;
        var ev = ctx.Evidence;
        var baseSpec = ctx.Spec();
        var ov = baseSpec.For(RuleId);
        var data = ctx.Data<IndirectPositionData>();
        int bufIdx = ov.PositionBufferParam is { } pb ? baseSpec.IndexOfParam(pb)
            : data is not null ? (baseSpec.IndexOfParam(data.Parameter) is var k && k >= 0 ? k : data.ParameterIndex < baseSpec.Params.Count ? data.ParameterIndex : -1)
            : baseSpec.Params.FindIndex(p => p.Buffer is not null && p.Name is not null && System.Text.RegularExpressions.Regex.IsMatch(p.Name, "(?i)(pos|position|seq_?len|step)"));
        int posIdx = ov.PositionParam is { } pp ? baseSpec.IndexOfParam(pp)
            : data?.PositionParameter is { } named ? baseSpec.IndexOfParam(named)
            : baseSpec.Params.FindIndex(p => p.Scalar is not null && !ElementTypes.IsFloat(p.Scalar.Type) && p.Name is not null && LaunchSpecInference.LooksLikePosition(p.Name));
        if (bufIdx < 0 || baseSpec.Params[bufIdx].Buffer is null)
            return new(Verdict.Unsupported, "cannot tell which parameter is the position buffer: name it in the launch spec (experiments.PTX003.positionBufferParam)");
        if (posIdx < 0 || baseSpec.Params[posIdx].Scalar is null)
            return new(Verdict.Unsupported, "cannot tell which parameter is the by-value position: name it in the launch spec (experiments.PTX003.positionParam)");
        long stale = ov.StaleValue ?? 0;
        var positions = (ov.Positions ?? Enumerable.Range(0, Math.Max(2, ov.Steps ?? ctx.Options.DefaultSteps)).ToArray()).Select(p => (long)p).ToList();
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
        ctx.Log($"PTX003 {fn.Name}: {positions.Count} decode steps");
        var o = await ctx.RunChecked(ctx.Request(launches.ToArray()), ctx.Options.Timeout, SanitizerTool.None, ct);
        if (!o.Ok) return ctx.Failure(o);
        var perStep = new List<IReadOnlyList<long[]>>();
        for (int s = 0; s < positions.Count; s++)
        {
            var run = o.Response!.Launches[s].Runs[0];
            // Offsets are made distinct per buffer so two buffers' ranges never coincide by accident.
            var ranges = ConfirmContext.ObservedBuffers(run, observed)
                .SelectMany(b => b.ChangedRanges.Select(r => new[] { ((long)b.Param << 40) + r[0], ((long)b.Param << 40) + r[1] })).ToList();
            perStep.Add(ranges);
            ev.Line($"  step {s} (pos {positions[s]}): " + string.Join("; ", ConfirmContext.ObservedBuffers(run, observed).Where(b => b.ChangedBytes > 0)
                .Select(b => $"{b.Name ?? "param " + b.Param} bytes {string.Join(",", b.ChangedRanges.Take(4).Select(r => $"{r[0]}..{r[1]}"))}{(b.ChangedRanges.Count > 4 ? ",..." : "")}")));
        }
        return ExperimentVerdicts.Ptx003Verdict(perStep, positions, stale);
    }
}
