using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>PTX009: the determinism experiment (<see cref="Determinism"/>): more than one distinct output in N runs confirms it.</summary>
public sealed class PTX009Confirmer : Confirmer
{
    public override string RuleId => "PTX009";

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => FloatAtomicData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var spec = ctx.Spec();
        int runs = Math.Max(2, spec.For(RuleId).Runs ?? ctx.Options.DefaultRuns);
        ctx.Evidence.Spec("launch", spec);
        ctx.Log($"PTX009 {ctx.Function.Name}: {runs} runs");
        var (r, o) = await Determinism.RunAsync(ctx.Client, ctx.Module.Source.Text, spec, runs, ctx.Options.Timeout, ct);
        if (r is null) return ctx.Failure(o);
        ctx.Evidence.Line(r.Evidence);
        return r.Deterministic
            ? new(Verdict.NotReproduced, $"all {r.Runs} runs produced bit-identical outputs (the order may still vary with other inputs or sizes)")
            : new(Verdict.Confirmed, $"{r.Distinct} distinct outputs in {r.Runs} runs of the same inputs: the float atomic summation order varies run to run" +
                                     (r.FirstDifference is null ? "" : $" (first difference: {r.FirstDifference})"));
    }
}
