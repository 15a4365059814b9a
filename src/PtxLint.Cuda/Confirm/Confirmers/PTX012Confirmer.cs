using PtxLint.Cuda.Worker;
using PtxLint.Ir;
using PtxLint.Rules;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// PTX012: with at least two CTAs, compute-sanitizer initcheck, and the sentinel experiment: the kernel launched twice
/// with the shared variable (<see cref="SharedIndexedByBlockData.Symbol"/>) pre-filled with two different byte
/// patterns. Outputs that differ between the two read bytes no thread of their CTA wrote.
/// </summary>
public sealed class PTX012Confirmer : Confirmer
{
    public override string RuleId => "PTX012";

    public const byte SentinelA = 0x7F, SentinelB = 0x3F;

    public override Diagnostics.FindingData? ReadData(Diagnostics.PropertyReader p, Diagnostics.Finding f) => SharedIndexedByBlockData.FromProperties(p);

    public override async Task<VerdictResult> RunAsync(ConfirmContext ctx, CancellationToken ct)
    {
        var fn = ctx.Function;
        var ev = ctx.Evidence;
        var spec = ctx.Spec();
        if (spec.Grid[0] * spec.Grid[1] * spec.Grid[2] < 2)
        {
            spec.Assumptions.Add($"grid ({spec.Grid[0]},{spec.Grid[1]},{spec.Grid[2]}) -> (4,1,1): a slot picked by the block index needs more than one CTA");
            spec.Grid = [4, 1, 1];
        }
        ev.Spec("launch", spec);
        var data = ctx.Data<SharedIndexedByBlockData>();
        var variables = data is not null && fn.FindVariable(data.Symbol) is { } v
            ? new List<VariableSymbol> { v }
            : fn.LocalSymbols.Values.Concat(ctx.Module.Globals.Values).Where(x => x.Space == StateSpace.Shared && !x.IsExtern && x.ByteSize > 0).Distinct().ToList();

        SanitizerReport? init = null;
        if (ctx.SanitizerAvailable)
        {
            ctx.Log($"PTX012 {fn.Name}: compute-sanitizer --tool initcheck");
            var ic = await ctx.RunChecked(ctx.Request(new WorkerLaunch { Label = "initcheck", Spec = spec }), ctx.Options.EffectiveSanitizerTimeout, SanitizerTool.Initcheck, ct);
            ev.Line($"initcheck: {ic.CommandLine} ({ic.Elapsed.TotalSeconds:0.#} s): {ic.Sanitizer}");
            foreach (var s in ic.Sanitizer?.Samples ?? []) ev.Line("  " + s);
            init = ic.Sanitizer;
        }

        var a = SharedMemoryRewrites.FillShared(ctx.Module, fn, variables, SentinelA, out var what);
        var b = SharedMemoryRewrites.FillShared(ctx.Module, fn, variables, SentinelB, out _);
        if (a is null || b is null)
        {
            ev.Line("sentinel experiment: " + what);
            return Decide(init, null, ctx.SanitizerAvailable);
        }
        ev.Line($"sentinel experiment: {what}, then 0x{SentinelB:X2}; outputs compared bit for bit");
        var request = new WorkerRequest { Modules = { a, b } };
        request.Launches.Add(new WorkerLaunch { Label = $"sentinel 0x{SentinelA:X2}", Module = 0, Spec = spec, ReturnAll = true });
        request.Launches.Add(new WorkerLaunch { Label = $"sentinel 0x{SentinelB:X2}", Module = 1, Spec = spec, ReturnAll = true });
        ctx.Log($"PTX012 {fn.Name}: shared memory pre-filled with two sentinels");
        var o = await ctx.RunChecked(request, ctx.Options.Timeout, SanitizerTool.None, ct);
        if (!o.Ok) return ctx.Failure(o);
        var observed = Parity.Observed(spec, out _);
        string? diff = null;
        var ra = o.Response!.Launches[0].Runs[0];
        var rb = o.Response.Launches[1].Runs[0];
        foreach (var ba in ConfirmContext.ObservedBuffers(ra, observed))
        {
            var bb = rb.Buffers.First(x => x.Param == ba.Param);
            if (ba.Sha256 == bb.Sha256) continue;
            var type = spec.Params[ba.Param].Buffer!.ElementType;
            int size = Math.Max(1, ElementTypes.Size(type));
            long i = ba.Data is not null && bb.Data is not null ? ExperimentVerdicts.FirstDifference(ba.Data, bb.Data, size) : -1;
            diff = i >= 0 && (i + 1) * size <= Math.Min(ba.Data!.Length, bb.Data!.Length)
                ? $"{ba.Name}[{i}] = {ElementTypes.Read(ba.Data, type, i):R} with 0x{SentinelA:X2}, {ElementTypes.Read(bb.Data, type, i):R} with 0x{SentinelB:X2}"
                : $"{ba.Name} differs";
            break;
        }
        ev.Line(diff is null ? "outputs equal under both sentinels" : "outputs differ: " + diff);
        return Decide(init, diff, ctx.SanitizerAvailable);
    }

    public static VerdictResult Decide(SanitizerReport? initcheck, string? sentinelDifference, bool sanitizerAvailable)
    {
        int uninit = initcheck?.Uninitialized("shared") ?? 0;
        if (sentinelDifference is not null)
            return new(Confirm.Verdict.Confirmed, $"the output depends on what shared memory held before the kernel ({sentinelDifference}): it reads slots no thread of its CTA wrote"
                                                  + (uninit > 0 ? $"; initcheck reports {uninit} uninitialized __shared__ reads" : ""));
        if (uninit > 0)
            return new(Confirm.Verdict.Confirmed, $"initcheck reports {uninit} uninitialized __shared__ memory reads");
        return new(Confirm.Verdict.NotReproduced, "the outputs are the same whatever shared memory held before the kernel" + (sanitizerAvailable ? " and initcheck reports no uninitialized __shared__ read" : ""));
    }
}
