using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>PTX010: the flagged mul (<see cref="ContractibleMulData.MulLine"/>) rewritten to mul.rn in a copy; outputs compared bit for bit.</summary>
public sealed class PTX010Confirmer : Confirmer
{
    public override string RuleId => "PTX010";

    /// <summary>One experiment per flagged mul.</summary>
    public override string ExperimentKey(Diagnostics.Finding f) =>
        $"{RuleId}|{f.FunctionName}|{(f.Data as ContractibleMulData)?.MulLine ?? f.Location.Span.StartLine}";

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => ContractibleMulData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var fn = ctx.Function;
        var ev = ctx.Evidence;
        var data = ctx.Data<ContractibleMulData>();
        bool requested = ctx.Finding.Data is RequestedExperimentData;
        string? rewritten = null;
        string what = "the finding carries no mul line";
        if (data is not null) rewritten = PtxText.RewriteMulToRn(ctx.Module.Source.Text, data.MulLine, out what);
        if (rewritten is null)
        {
            // A kernel without an unrounded mul feeding an add (e.g. a fixed twin with mul.rn) has nothing to contract.
            return requested && !PtxText.HasUnroundedFloatMul(ctx.Module.Source.Text)
                ? new(Verdict.NotReproduced, "no unrounded float mul in the file: nothing ptxas could contract")
                : new(Verdict.Unsupported, "cannot rewrite the flagged mul: " + what);
        }
        var spec = ctx.Spec();
        var observed = Parity.Observed(spec, out var allObserved);
        ev.Spec("launch", spec);
        ev.Line("rewrite: " + what);
        if (allObserved) ev.Line("no buffer marked output: every buffer is compared");
        ctx.Log($"PTX010 {fn.Name}: original vs mul.rn ({what})");
        var (failure, a, b) = await ctx.RunOriginalAndRewritten(rewritten, "mul.rn", spec, ct);
        if (failure is { } fail) return fail;
        foreach (var ba in ConfirmContext.ObservedBuffers(a, observed))
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
}
