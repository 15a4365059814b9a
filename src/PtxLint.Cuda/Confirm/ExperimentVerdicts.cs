using PtxLint.Cuda.Worker;

namespace PtxLint.Cuda.Confirm;

/// <summary>A verdict and its reason, before the evidence is attached.</summary>
public readonly record struct VerdictResult(Verdict Verdict, string Reason);

/// <summary>
/// The verdict logic of each experiment as pure functions of what was observed, so it is tested without a GPU.
/// </summary>
public static class ExperimentVerdicts
{
    // ---- PTX002 --------------------------------------------------------------------------------------------------

    /// <summary>
    /// PTX002 over an output of <paramref name="rows"/> x <paramref name="cols"/> floats pre-filled with
    /// <paramref name="sentinel"/> (compared bit for bit, so a NaN sentinel works): confirmed when rows 1..R-1 are
    /// never written or every row equals row 0.
    /// </summary>
    public static VerdictResult Ptx002Verdict(float[] output, int rows, int cols, float sentinel)
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.AsSpan());
        return Ptx002Verdict(bytes, rows, cols * sizeof(float), BitConverter.GetBytes(sentinel));
    }

    /// <summary>PTX002 on raw bytes: rows of <paramref name="rowBytes"/>, sentinel element bytes.</summary>
    public static VerdictResult Ptx002Verdict(ReadOnlySpan<byte> output, int rows, int rowBytes, ReadOnlySpan<byte> sentinel)
    {
        if (rows < 2) return new(Verdict.Error, "PTX002 needs at least 2 rows");
        if ((long)rows * rowBytes > output.Length)
            return new(Verdict.Error, $"the output holds {output.Length} bytes, fewer than {rows} rows of {rowBytes} bytes");
        var written = new List<int>();
        for (int r = 0; r < rows; r++)
            if (!AllSentinel(output.Slice(r * rowBytes, rowBytes), sentinel)) written.Add(r);
        if (written.Count == 0)
            return new(Verdict.Error, "no row of the output was written (every element still holds the sentinel): check the launch spec");
        if (written.Count == 1 && written[0] == 0)
            return new(Verdict.Confirmed, $"with gridDim.y = {rows}, rows 1..{rows - 1} were never written (still the sentinel): every block wrote row 0");
        if (written.Count == rows)
        {
            var row0 = output[..rowBytes];
            bool same = true;
            for (int r = 1; r < rows && same; r++) same = output.Slice(r * rowBytes, rowBytes).SequenceEqual(row0);
            if (same) return new(Verdict.Confirmed, $"with gridDim.y = {rows}, all {rows} rows are bit-identical to row 0: the row index is ignored");
        }
        var missing = Enumerable.Range(0, rows).Except(written).ToList();
        if (missing.Count > 0)
            return new(Verdict.Confirmed, $"with gridDim.y = {rows}, rows {Ranges(missing)} were never written (rows {Ranges(written)} were)");
        return new(Verdict.NotReproduced, $"with gridDim.y = {rows}, every row was written with its own data");
    }

    private static bool AllSentinel(ReadOnlySpan<byte> row, ReadOnlySpan<byte> sentinel)
    {
        if (sentinel.Length == 0) return false;
        for (int i = 0; i < row.Length; i++)
            if (row[i] != sentinel[i % sentinel.Length]) return false;
        return true;
    }

    /// <summary>
    /// PTX002 from bytes changed by a one-row launch and a <paramref name="rows"/>-row launch of the same inputs
    /// (no knowledge of the output layout needed): confirmed when R rows changed no more bytes than one row.
    /// </summary>
    public static VerdictResult Ptx002FromChanges(long changedOneRow, long changedRows, int rows)
    {
        if (changedOneRow == 0 && changedRows == 0)
            return new(Verdict.Error, "the kernel changed no observed buffer at all: check the launch spec (outputs, sizes, scalars)");
        if (changedRows <= changedOneRow)
            return new(Verdict.Confirmed, $"gridDim.y = {rows} changed {changedRows} bytes, the same as gridDim.y = 1 ({changedOneRow} bytes): rows 1..{rows - 1} were never written, every block wrote row 0");
        double ratio = changedOneRow == 0 ? double.PositiveInfinity : (double)changedRows / changedOneRow;
        return new(Verdict.NotReproduced, $"gridDim.y = {rows} changed {changedRows} bytes vs {changedOneRow} for one row ({ratio:0.##}x): the other rows were written");
    }

    // ---- PTX003 --------------------------------------------------------------------------------------------------

    /// <summary>
    /// PTX003: <paramref name="changedPerStep"/>[s] = the byte ranges [start, end) of the observed outputs that step s
    /// changed, with by-value position <paramref name="positions"/>[s] while the position buffer held
    /// <paramref name="staleValue"/>. Confirmed when every step wrote the same place (it follows the buffer).
    /// </summary>
    public static VerdictResult Ptx003Verdict(IReadOnlyList<IReadOnlyList<long[]>> changedPerStep, IReadOnlyList<long> positions, long staleValue)
    {
        if (changedPerStep.Count != positions.Count) return new(Verdict.Error, "one set of changes per step is needed");
        if (positions.Distinct().Count() < 2) return new(Verdict.Error, "PTX003 needs at least two distinct by-value positions");
        var sigs = changedPerStep.Select(Signature).ToList();
        var nonEmpty = sigs.Where(s => s.Length > 0).ToList();
        if (nonEmpty.Count == 0)
            return new(Verdict.Error, "no step changed an observed buffer: check the launch spec (outputs, sizes)");
        var distinct = nonEmpty.Distinct().Count();
        string Where(int s) => changedPerStep[s].Count == 0 ? "nothing" : $"bytes {changedPerStep[s][0][0]}..{changedPerStep[s][^1][1]}";
        if (distinct == 1)
            return new(Verdict.Confirmed,
                $"positions {string.Join(",", positions)} passed by value all wrote the same place ({Where(sigs.FindIndex(s => s.Length > 0))}), " +
                $"the slot of the stale value {staleValue} in the position buffer: the kernel follows the buffer, not the argument");
        var steps = string.Join("; ", Enumerable.Range(0, positions.Count).Select(s => $"pos {positions[s]}: {Where(s)}"));
        return new(Verdict.NotReproduced, $"each by-value position wrote its own place ({steps}): the kernel follows the argument");
    }

    private static string Signature(IReadOnlyList<long[]> ranges) => string.Join(";", ranges.Select(r => $"{r[0]}-{r[1]}"));

    // ---- PTX005 --------------------------------------------------------------------------------------------------

    /// <summary>
    /// PTX005: the plain launch's outcome (a hang is confirmation) and, when compute-sanitizer ran, racecheck's report.
    /// </summary>
    public static VerdictResult Ptx005Verdict(WorkerOutcomeKind plain, double plainMilliseconds, TimeSpan timeout, bool sanitizerAvailable, SanitizerReport? racecheck)
    {
        if (plain == WorkerOutcomeKind.TimedOut)
            return new(Verdict.Confirmed, $"the kernel hung: the worker was killed by the watchdog after {timeout.TotalSeconds:0.#} s (the barrier is never reached by every thread)");
        if (plain != WorkerOutcomeKind.Completed)
            return new(Verdict.Error, "the plain launch did not complete");
        if (racecheck is not null)
        {
            int hazards = racecheck.Hazards ?? racecheck.Count("Race") + racecheck.Count("Potential");
            if (hazards > 0)
                return new(Verdict.Confirmed, $"racecheck reports {hazards} shared-memory hazards ({racecheck.HazardErrors ?? hazards} errors): threads that skip the divergent barrier race with those waiting at it");
            if (racecheck.Hazards is null && racecheck.ErrorSummary is null)
                return new(Verdict.Error, "racecheck printed no summary");
            return new(Verdict.NotReproduced, $"the kernel completed in {plainMilliseconds:0.###} ms and racecheck reports 0 hazards");
        }
        return new(Verdict.NotReproduced,
            $"the kernel completed in {plainMilliseconds:0.###} ms without hanging" +
            (sanitizerAvailable ? "" : "; compute-sanitizer is not on PATH, so races were not checked (on Hopper divergent barriers usually compute wrong results rather than hang)"));
    }

    // ---- PTX006 --------------------------------------------------------------------------------------------------

    public static VerdictResult Ptx006Verdict(bool sanitizerAvailable, SanitizerReport? memcheck)
    {
        if (!sanitizerAvailable || memcheck is null)
            return new(Verdict.Unsupported, "compute-sanitizer is not on PATH: a shared out-of-bounds write usually leaves the outputs looking right, only memcheck shows it");
        int shared = memcheck.Count("Invalid __shared__");
        if (shared > 0)
            return new(Verdict.Confirmed, $"memcheck reports {shared} invalid __shared__ accesses ({string.Join("; ", memcheck.Kinds.Where(k => k.Key.StartsWith("Invalid __shared__", StringComparison.Ordinal)).Select(k => $"{k.Value} x {k.Key}"))})");
        if (memcheck.ErrorSummary is null)
            return new(Verdict.Error, "memcheck printed no ERROR SUMMARY (the run did not finish)");
        if (memcheck.ErrorSummary > 0)
            return new(Verdict.NotReproduced, $"memcheck reports {memcheck.ErrorSummary} errors, none of them an invalid __shared__ access: {memcheck}");
        return new(Verdict.NotReproduced, "memcheck reports 0 errors");
    }

    // ---- PTX009 --------------------------------------------------------------------------------------------------

    /// <summary>PTX009: one output fingerprint per run of the same inputs; confirmed when more than one distinct.</summary>
    public static VerdictResult Ptx009Verdict(IReadOnlyList<string> outputFingerprints)
    {
        if (outputFingerprints.Count < 2) return new(Verdict.Error, "PTX009 needs at least two runs");
        int distinct = outputFingerprints.Distinct(StringComparer.Ordinal).Count();
        return distinct > 1
            ? new(Verdict.Confirmed, $"{distinct} distinct outputs in {outputFingerprints.Count} runs of the same inputs: the float atomic summation order varies run to run")
            : new(Verdict.NotReproduced, $"all {outputFingerprints.Count} runs produced bit-identical outputs (the order may still vary with other inputs or sizes)");
    }

    // ---- bit-for-bit comparisons (PTX010, PTX001 parity, tcgen05 fixed twins) ------------------------------------

    /// <summary>The first element index at which two buffers differ bit for bit, or -1 when equal (length mismatch counts at the shorter length).</summary>
    public static long FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int elementSize = 1)
    {
        int common = a.CommonPrefixLength(b);
        if (common == a.Length && common == b.Length) return -1;
        return common / Math.Max(1, elementSize);
    }

    public static long CountDifferences(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int elementSize = 1)
    {
        elementSize = Math.Max(1, elementSize);
        long n = Math.Min(a.Length, b.Length) / elementSize, diff = 0;
        for (long i = 0; i < n; i++)
            if (!a.Slice((int)(i * elementSize), elementSize).SequenceEqual(b.Slice((int)(i * elementSize), elementSize))) diff++;
        return diff + Math.Abs(a.Length - b.Length) / elementSize;
    }

    /// <summary>PTX010: outputs of the original and of the <c>mul.rn</c> rewrite.</summary>
    public static VerdictResult Ptx010Verdict(ReadOnlySpan<byte> original, ReadOnlySpan<byte> rewritten, string elementType = "f32")
    {
        int size = Math.Max(1, ElementTypes.Size(elementType));
        long first = FirstDifference(original, rewritten, size);
        if (first < 0)
            return new(Verdict.NotReproduced, "the outputs with mul and with mul.rn are bit-identical: ptxas did not contract this mul into an fma here, or it makes no difference for these inputs");
        long count = CountDifferences(original, rewritten, size);
        string values = (first + 1) * size <= Math.Min(original.Length, rewritten.Length)
            ? $": {ElementTypes.Read(original, elementType, first):R} vs {ElementTypes.Read(rewritten, elementType, first):R} with mul.rn"
            : "";
        return new(Verdict.Confirmed, $"pinning the mul with mul.rn changes {count} output elements, the first at index {first}{values}: ptxas contracted mul+add into fma");
    }

    /// <summary>PTX001: batched kernel vs its single-vector twin at one row.</summary>
    public static VerdictResult Ptx001Verdict(long firstDifference, string device)
    {
        if (firstDifference >= 0)
            return new(Verdict.Confirmed, $"at one row the batched kernel and its single-vector twin differ, first at element {firstDifference}");
        return new(Verdict.NotReproduced,
            $"at one row the batched kernel and its single-vector twin are bit-identical on {device}: 64-bit shared addressing behaved correctly on this device; " +
            "the hazard is portability (PTX truncates shared addresses to the 32-bit window, and other architectures or compilers need not), not this device");
    }

    internal static string Ranges(IReadOnlyList<int> xs)
    {
        var parts = new List<string>();
        for (int i = 0; i < xs.Count;)
        {
            int j = i;
            while (j + 1 < xs.Count && xs[j + 1] == xs[j] + 1) j++;
            parts.Add(i == j ? $"{xs[i]}" : $"{xs[i]}..{xs[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }
}
