using PtxLint.Cuda.Worker;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// PTX004/PTX007/PTX008 (tensor memory, sm_100a): unsupported before Blackwell; there, the flagged kernel is compared with
/// the kernel the launch spec names as its fixed twin (experiments.PTXnnn.fixedKernel).
/// </summary>
public abstract class TensorMemoryConfirmer : Confirmer
{
    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var rule = RuleId;
        var device = ctx.Device;
        if (device.Major != 10)
            return new(Verdict.Unsupported, $"{rule} needs tensor memory (tcgen05, sm_100a): the device is {device.Name}, compute capability {device.Major}.{device.Minor}");
        var spec = ctx.Spec();
        var fixedKernel = spec.For(rule).FixedKernel;
        if (fixedKernel is null || ctx.Module.FindFunction(fixedKernel) is not { } ff)
            return new(Verdict.Unsupported, $"on Blackwell, {rule} is confirmed by comparing against the kernel with fixed addressing: name it in the launch spec (experiments.{rule}.fixedKernel)");
        var fixedSpec = ctx.Spec(ff);
        ctx.Evidence.Spec("flagged", spec);
        ctx.Evidence.Spec("fixed", fixedSpec);
        var o = await ctx.RunChecked(ctx.Request(
            new WorkerLaunch { Label = "flagged", Spec = spec, ReturnAll = true },
            new WorkerLaunch { Label = "fixed", Spec = fixedSpec, ReturnAll = true }), ctx.Options.Timeout, SanitizerTool.None, ct);
        if (o.Kind == WorkerOutcomeKind.TimedOut) return new(Verdict.Confirmed, "the flagged kernel hung (killed by the watchdog)");
        if (!o.Ok)
        {
            if (o.Response?.FailedLaunch == "flagged" && o.Response.Stage is "sync" or "launch")
                return new(Verdict.Confirmed, $"the flagged kernel failed on the device: {o.Response.ErrorName}: {o.Response.Error}");
            return ctx.Failure(o);
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

/// <summary>PTX004: tensor-memory address without the alloc base (see <see cref="TensorMemoryConfirmer"/>).</summary>
public sealed class PTX004Confirmer : TensorMemoryConfirmer
{
    public override string RuleId => "PTX004";
}

/// <summary>PTX007: tensor-memory column counts (see <see cref="TensorMemoryConfirmer"/>).</summary>
public sealed class PTX007Confirmer : TensorMemoryConfirmer
{
    public override string RuleId => "PTX007";
}

/// <summary>PTX008: tensor-memory lifecycle (see <see cref="TensorMemoryConfirmer"/>).</summary>
public sealed class PTX008Confirmer : TensorMemoryConfirmer
{
    public override string RuleId => "PTX008";
}
