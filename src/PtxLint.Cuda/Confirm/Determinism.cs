using PtxLint.Cuda.Worker;

namespace PtxLint.Cuda.Confirm;

/// <summary>The outcome of launching the same inputs N times: how many distinct outputs, and where the first two differ.</summary>
public sealed record DeterminismResult(int Runs, IReadOnlyList<int> DistinctCounts, string? FirstDifference, string Evidence)
{
    /// <summary>The number of distinct outputs (1: deterministic).</summary>
    public int Distinct => DistinctCounts.Count;
    public bool Deterministic => Distinct == 1;

    public string Summary =>
        Deterministic
            ? $"{Runs} runs of the same inputs: 1 distinct output (bit-identical every time)"
            : $"{Runs} runs of the same inputs: {Distinct} distinct outputs (runs per output: {string.Join(", ", DistinctCounts.Take(10))}{(Distinct > 10 ? ", ..." : "")})"
              + (FirstDifference is null ? "" : $"; first differing element: {FirstDifference}");
}

/// <summary>
/// The determinism experiment, for any kernel: the same inputs (same fills and seeds) launched N times in one worker;
/// the observed buffers (outputs, else every buffer) are fingerprinted per run. Used by `confirm --determinism`, PTX009
/// and PTX011.
/// </summary>
public static class Determinism
{
    public static async Task<(DeterminismResult? Result, WorkerOutcome Outcome)> RunAsync(
        WorkerClient client, string moduleText, KernelLaunchSpec spec, int runs, TimeSpan timeout, CancellationToken ct)
    {
        runs = Math.Max(2, runs);
        var observed = Parity.Observed(spec, out var allObserved);
        var request = new WorkerRequest { Modules = { moduleText } };
        request.Launches.Add(new WorkerLaunch { Label = "runs", Spec = spec, Repeat = runs, ReturnAll = allObserved });
        var o = await client.RunAsync(request, timeout + TimeSpan.FromMilliseconds(200 * runs), SanitizerTool.None, ct);
        if (!o.Ok || o.Response!.Launches.Count != 1 || o.Response.Launches[0].Runs.Count != runs) return (null, o);
        var all = o.Response.Launches[0].Runs;
        var prints = all.Select(r => string.Join("|", ConfirmContext.ObservedBuffers(r, observed).Select(b => b.Sha256))).ToList();
        var groups = prints.GroupBy(p => p).Select(g => g.Count()).OrderByDescending(c => c).ToList();
        string? first = null;
        int other = prints.FindIndex(p => p != prints[0]);
        if (other > 0) first = FirstDifference(spec, observed, all[0], all[other], other);
        var ev = $"{runs} launches of the same inputs" + (allObserved ? "; no buffer marked output: every buffer is compared" : "") +
                 $"\ndistinct outputs: {groups.Count} (run counts per distinct output: {string.Join(", ", groups.Take(10))}{(groups.Count > 10 ? ", ..." : "")})" +
                 (first is null ? "" : $"\nfirst differing element: {first}");
        return (new DeterminismResult(runs, groups, first, ev), o);
    }

    /// <summary>The first element where run 0 and run <paramref name="k"/> differ, with both values: <c>out[17]: 1.25 (run 1) vs 1.5 (run 4)</c>.</summary>
    private static string FirstDifference(KernelLaunchSpec spec, List<int> observed, RunResult a, RunResult b, int k)
    {
        foreach (var ba in ConfirmContext.ObservedBuffers(a, observed))
        {
            var bb = b.Buffers.First(x => x.Param == ba.Param);
            if (ba.Sha256 == bb.Sha256) continue;
            var name = ba.Name ?? "param " + ba.Param;
            if (ba.Data is null || bb.Data is null) return $"{name} (contents too large to return; hashes differ)";
            var type = spec.Params[ba.Param].Buffer!.ElementType;
            int size = Math.Max(1, ElementTypes.Size(type));
            long i = ExperimentVerdicts.FirstDifference(ba.Data, bb.Data, size);
            if (i < 0) continue;
            return (i + 1) * size <= Math.Min(ba.Data.Length, bb.Data.Length)
                ? $"{name}[{i}]: {ElementTypes.Read(ba.Data, type, i):R} (run 1) vs {ElementTypes.Read(bb.Data, type, i):R} (run {k + 1})"
                : $"{name}[{i}]";
        }
        return "(none)";
    }
}
