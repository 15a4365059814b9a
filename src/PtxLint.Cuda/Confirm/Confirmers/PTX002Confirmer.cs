using PtxLint.Cuda.Worker;
using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>PTX002: launch with gridDim.y = 1 and = R rows, outputs filled with a sentinel; rows 1..R-1 untouched or identical confirm it.</summary>
public sealed class PTX002Confirmer : Confirmer
{
    public override string RuleId => "PTX002";

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => BatchedKernelData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var fn = ctx.Function;
        var ev = ctx.Evidence;
        var baseSpec = ctx.Spec();
        var ov = baseSpec.For(RuleId);
        int rows = Math.Max(2, ov.Rows ?? ctx.Options.DefaultRows);
        var rowsParam = ov.RowsParam ?? ctx.Data<BatchedKernelData>()?.RowsParameter;
        var observed = Parity.Observed(baseSpec, out var allObserved);
        // Outputs the spec marks get the sentinel, so unwritten rows are visible.
        foreach (var i in observed.Where(i => !allObserved))
            baseSpec.Params[i].Buffer!.Fill = "sentinel";
        var one = baseSpec.Clone();
        var many = baseSpec.Clone();
        ev.Spec("one row", one);
        ev.Line("  " + Parity.SetRows(one, 1, rowsParam));
        ev.Line($"{rows} rows: " + Parity.SetRows(many, rows, rowsParam));
        if (allObserved) ev.Line("  no buffer marked output: every buffer is observed for changes");
        ctx.Log($"PTX002 {fn.Name}: launching with gridDim.y = 1 and {rows}");
        var o = await ctx.RunChecked(ctx.Request(
            new WorkerLaunch { Label = "rows=1", Spec = one },
            new WorkerLaunch { Label = $"rows={rows}", Spec = many }), ctx.Options.Timeout, SanitizerTool.None, ct);
        if (!o.Ok) return ctx.Failure(o);
        var r1 = o.Response!.Launches[0].Runs[0];
        var rR = o.Response.Launches[1].Runs[0];
        foreach (var b in ConfirmContext.ObservedBuffers(rR, observed))
            ev.Line($"  {b.Name ?? "param " + b.Param}: {b.ChangedBytes} bytes changed with {rows} rows, {ConfirmContext.ObservedBuffers(r1, observed).First(x => x.Param == b.Param).ChangedBytes} with 1 row");
        // With the output layout known (cols), look at the rows themselves.
        if (ov.Cols is int cols && !allObserved)
        {
            foreach (var b in ConfirmContext.ObservedBuffers(rR, observed))
            {
                if (b.Data is null) continue;
                var spec = many.Params[b.Param].Buffer!;
                int rowBytes = cols * Math.Max(1, ElementTypes.Size(spec.ElementType));
                var v = ExperimentVerdicts.Ptx002Verdict(b.Data, rows, rowBytes, BufferFill.SentinelElement(spec));
                if (v.Verdict != Verdict.Error) return v with { Reason = $"{b.Name}: {v.Reason}" };
            }
        }
        return ExperimentVerdicts.Ptx002FromChanges(ConfirmContext.ObservedBuffers(r1, observed).Sum(b => b.ChangedBytes),
                                                    ConfirmContext.ObservedBuffers(rR, observed).Sum(b => b.ChangedBytes), rows);
    }
}
