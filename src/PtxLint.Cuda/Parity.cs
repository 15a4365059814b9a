using System.Text;
using System.Text.Json;
using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Driver;
using PtxLint.Cuda.Worker;
using PtxLint.Ir;

namespace PtxLint.Cuda;

public enum ParityStatus
{
    Equal,
    Different,
    Unsupported,
    Error,
}

/// <summary>The result of <c>ptxlint parity</c>: both kernels launched with one row, outputs compared bit for bit.</summary>
public sealed record ParityResult(ParityStatus Status, string Summary, string Evidence, long FirstDifference = -1, int? DifferingBuffer = null)
{
    public int ExitCode => Status switch { ParityStatus.Equal => 0, ParityStatus.Different => 1, _ => 2 };
}

/// <summary>
/// Batched vs single-vector parity: every batched kernel must equal its single-vector twin at M = 1. The batched
/// kernel runs with gridDim.y = 1 and its row-count scalar (a name like rows/batch/M, or
/// <c>experiments.PTX001.rowsParam</c>) set to 1; output buffers are compared in order.
/// </summary>
public static class Parity
{
    /// <summary>Finds the single-vector twin of a batched kernel: the name without <c>Batched</c>/<c>batched_</c>/<c>_batched</c>.</summary>
    public static string? FindTwin(PtxModule module, string kernel)
    {
        string[] patterns = ["_batched", "batched_", "Batched", "batched", "_batch", "batch_", "Batch"];
        foreach (var p in patterns)
        {
            int i = kernel.IndexOf(p, StringComparison.Ordinal);
            if (i < 0) continue;
            var twin = kernel.Remove(i, p.Length);
            if (twin != kernel && module.Kernels.Any(k => k.Name == twin)) return twin;
        }
        return null;
    }

    /// <summary>Sets a spec to one row: gridDim.y = rows, and the row-count scalar (named or guessed) to rows.</summary>
    internal static string SetRows(KernelLaunchSpec spec, int rows, string? rowsParam)
    {
        spec.Grid[1] = rows;
        int idx = rowsParam is not null ? spec.IndexOfParam(rowsParam)
            : spec.Params.FindIndex(p => p.Scalar is not null && p.Name is not null && LaunchSpecInference.LooksLikeRows(p.Name));
        if (idx >= 0 && spec.Params[idx].Scalar is { } s)
        {
            s.Value = LaunchSpecInference.JsonNumber(rows);
            return $"gridDim.y = {rows}, {spec.Params[idx].Name} = {rows}";
        }
        return $"gridDim.y = {rows}";
    }

    /// <summary>Indexes of the buffers an experiment compares: those marked output, else every buffer.</summary>
    internal static List<int> Observed(KernelLaunchSpec spec, out bool assumed)
    {
        var outs = spec.Params.Select((p, i) => (p, i)).Where(x => x.p.Buffer is { Output: true }).Select(x => x.i).ToList();
        assumed = outs.Count == 0;
        return assumed ? spec.Params.Select((p, i) => (p, i)).Where(x => x.p.Buffer is not null).Select(x => x.i).ToList() : outs;
    }

    public static async Task<ParityResult> RunAsync(PtxModule module, string batched, string single, LaunchSpecFile? specs,
                                                    WorkerClient client, TimeSpan timeout, CancellationToken ct = default)
    {
        var ev = new StringBuilder();
        var fb = module.FindFunction(batched);
        var fs = module.FindFunction(single);
        if (fb is null || fs is null)
            return new ParityResult(ParityStatus.Error, $"kernel {(fb is null ? batched : single)} is not in {module.FilePath}", "");
        if (!CudaDriver.IsAvailable(out var reason))
            return new ParityResult(ParityStatus.Unsupported, "unsupported: " + reason, "");
        KernelLaunchSpec sb, ss;
        try
        {
            sb = LaunchSpecInference.Resolve(fb, specs);
            ss = LaunchSpecInference.Resolve(fs, specs);
        }
        catch (FormatException e)
        {
            return new ParityResult(ParityStatus.Unsupported, "unsupported: cannot build the launch: " + e.Message, "");
        }
        var rowsParam = sb.For("PTX001").RowsParam;
        var rowsNote = SetRows(sb, 1, rowsParam);
        ev.AppendLine($"batched: {sb.Describe()} ({rowsNote})");
        ev.AppendLine($"single:  {ss.Describe()}");
        foreach (var a in sb.Assumptions.Concat(ss.Assumptions).Distinct()) ev.AppendLine("  assumed " + a);
        var ob = Observed(sb, out var assumedB);
        var os = Observed(ss, out var assumedS);
        if (assumedB || assumedS) ev.AppendLine("  no buffer marked output: every buffer is compared");
        if (ob.Count != os.Count)
            return new ParityResult(ParityStatus.Error, $"the kernels have {ob.Count} and {os.Count} compared buffers: mark the outputs in the launch spec", ev.ToString());

        var request = new WorkerRequest { Modules = { module.Source.Text } };
        request.Launches.Add(new WorkerLaunch { Label = "batched", Spec = sb, ReturnAll = true });
        request.Launches.Add(new WorkerLaunch { Label = "single", Spec = ss, ReturnAll = true });
        var outcome = await client.RunAsync(request, timeout, SanitizerTool.None, ct);
        if (!outcome.Ok)
            return new ParityResult(outcome.Response?.Stage == "driver" ? ParityStatus.Unsupported : ParityStatus.Error, outcome.Describe(),
                ev.ToString() + (outcome.Response?.JitLog is { } log ? "JIT log:\n" + log : ""));
        ev.AppendLine($"device: {outcome.Response!.DeviceInfo}");
        if (outcome.Response.Launches.Count != 2 || outcome.Response.Launches.Any(l => l.Runs.Count != 1))
            return new ParityResult(ParityStatus.Error, $"the worker returned {outcome.Response.Launches.Count} launch results for 2 launches", ev.ToString());
        var rb = outcome.Response.Launches[0].Runs[0];
        var rs = outcome.Response.Launches[1].Runs[0];
        for (int k = 0; k < ob.Count; k++)
        {
            var b = rb.Buffers.First(x => x.Param == ob[k]);
            var s = rs.Buffers.First(x => x.Param == os[k]);
            var type = sb.Params[ob[k]].Buffer!.ElementType;
            int size = Math.Max(1, ElementTypes.Size(type));
            if (b.Data is null || s.Data is null)
            {
                if (b.Sha256 == s.Sha256 && b.Bytes == s.Bytes) continue;
                return new ParityResult(ParityStatus.Different, $"buffer {k} ({b.Name} vs {s.Name}) differs (hash; too large to return)", ev.ToString(), -1, k);
            }
            long first = ExperimentVerdicts.FirstDifference(b.Data, s.Data, size);
            if (first >= 0)
            {
                string vals = (first + 1) * size <= Math.Min(b.Data.Length, s.Data.Length)
                    ? $": batched {ElementTypes.Read(b.Data, type, first):R}, single {ElementTypes.Read(s.Data, type, first):R}" : "";
                long count = ExperimentVerdicts.CountDifferences(b.Data, s.Data, size);
                return new ParityResult(ParityStatus.Different,
                    $"output {k} ({b.Name} vs {s.Name}) differs at {count} elements, first at index {first}{vals}", ev.ToString(), first, k);
            }
            ev.AppendLine($"  {b.Name} == {s.Name}: {b.Bytes} bytes bit-identical");
        }
        return new ParityResult(ParityStatus.Equal, $"{batched} at one row equals {single} bit for bit ({ob.Count} buffers)", ev.ToString());
    }
}
