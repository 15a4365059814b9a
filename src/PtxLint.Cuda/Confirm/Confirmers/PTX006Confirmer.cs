using PtxLint.Cuda.Worker;
using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// PTX006: compute-sanitizer memcheck; when it sees nothing (the overrun stays inside the CTA's shared window), the
/// variable (<see cref="SharedOutOfBoundsData.Symbol"/>) is enlarged to cover the access in a copy of the PTX and the
/// outputs are compared bit for bit.
/// </summary>
public sealed class PTX006Confirmer : Confirmer
{
    public override string RuleId => "PTX006";

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => SharedOutOfBoundsData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        if (!ctx.SanitizerAvailable) return ExperimentVerdicts.Ptx006Verdict(false, null);
        var fn = ctx.Function;
        var ev = ctx.Evidence;
        var spec = ctx.Spec();
        ev.Spec("launch", spec);
        ctx.Log($"PTX006 {fn.Name}: compute-sanitizer --tool memcheck");
        var o = await ctx.RunChecked(ctx.Request(new WorkerLaunch { Label = "memcheck", Spec = spec }), ctx.Options.EffectiveSanitizerTimeout, SanitizerTool.Memcheck, ct);
        ev.Line($"memcheck: {o.CommandLine} ({o.Elapsed.TotalSeconds:0.#} s): {o.Sanitizer}");
        foreach (var s in o.Sanitizer?.Samples ?? []) ev.Line("  " + s);
        if (o.Kind == WorkerOutcomeKind.TimedOut) return new(Verdict.Error, "memcheck did not finish in time");
        // memcheck turns the bad access into a launch error; the summary still counts them.
        VerdictResult mem = o.Sanitizer is { HasSummary: true } || o.Ok ? ExperimentVerdicts.Ptx006Verdict(true, o.Sanitizer) : ctx.Failure(o);
        if (mem.Verdict != Verdict.NotReproduced) return mem;
        // memcheck only sees accesses outside the CTA's shared allocation; an overrun into a neighbouring variable is
        // inside it. Rewrite-and-compare: enlarge the variable to cover the access and compare the outputs bit for bit.
        if (ctx.Data<SharedOutOfBoundsData>() is not { } data) return mem;
        long end = data.Offset + data.Width;
        var rewritten = PtxText.EnlargeSharedVariable(ctx.Module.Source.Text, data.Symbol, end, out var what);
        ev.Line("rewrite: " + what);
        if (rewritten is null) return mem;
        var observed = Parity.Observed(spec, out _);
        ctx.Log($"PTX006 {fn.Name}: original vs {data.Symbol} enlarged to {end} bytes");
        var (failure, a, b) = await ctx.RunOriginalAndRewritten(rewritten, "enlarged", spec, ct);
        if (failure is { } fail) return fail;
        foreach (var ba in ConfirmContext.ObservedBuffers(a, observed))
        {
            var bb = b.Buffers.First(x => x.Param == ba.Param);
            if (ba.Sha256 != bb.Sha256)
            {
                ev.Line($"{ba.Name}: differs from the run with {data.Symbol} enlarged");
                return new(Verdict.Confirmed, $"{mem.Reason}, but the output changes when {data.Symbol} is enlarged to {end} bytes: the out-of-bounds access corrupts a neighbouring shared variable");
            }
        }
        ev.Line("outputs equal with the enlarged variable");
        return new(Verdict.NotReproduced, $"{mem.Reason}, and the output is the same with {data.Symbol} enlarged to {end} bytes");
    }
}
