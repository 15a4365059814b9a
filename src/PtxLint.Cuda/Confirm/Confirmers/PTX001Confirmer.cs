using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>PTX001: parity of the batched kernel at one row with its single-vector twin (the rule's <see cref="SharedAddress64BitData.TwinKernel"/>).</summary>
public sealed class PTX001Confirmer : Confirmer
{
    public override string RuleId => "PTX001";

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => SharedAddress64BitData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var fn = ctx.Function;
        var twin = ctx.Specs?.Find(fn.Name)?.For(RuleId).Single ?? ctx.Data<SharedAddress64BitData>()?.TwinKernel ?? Parity.FindTwin(ctx.Module, fn.Name);
        if (twin is null)
            return new(Verdict.Unsupported, $"no single-vector twin of {fn.Name} in this module (a kernel named without Batched/batched_): name one in the launch spec (experiments.PTX001.single)");
        ctx.Log($"PTX001 {fn.Name}: parity with {twin} at one row");
        var p = await Parity.RunAsync(ctx.Module, fn.Name, twin, ctx.Specs, ctx.Client, ctx.Options.Timeout, ct);
        ctx.Evidence.Line(p.Evidence.TrimEnd());
        return p.Status switch
        {
            ParityStatus.Equal => ExperimentVerdicts.Ptx001Verdict(-1, $"{ctx.Device.Name} ({ctx.Device.Sm})"),
            ParityStatus.Different => new(Verdict.Confirmed, $"at one row {fn.Name} differs from its single-vector twin {twin}: {p.Summary}"),
            ParityStatus.Unsupported => new(Verdict.Unsupported, p.Summary),
            _ => new(Verdict.Error, p.Summary),
        };
    }
}
