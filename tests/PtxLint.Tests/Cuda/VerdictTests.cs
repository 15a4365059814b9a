using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Worker;

namespace PtxLint.Tests.Cuda;

public class VerdictTests
{
    private static float[] Output(int rows, int cols, float sentinel, Func<int, int, float?> value)
    {
        var o = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) o[r * cols + c] = value(r, c) ?? sentinel;
        return o;
    }

    [Fact]
    public void Ptx002_rows_never_written_is_confirmed_even_with_a_nan_sentinel()
    {
        float nan = BitConverter.UInt32BitsToSingle(0xFFFFFFFF);
        var v = ExperimentVerdicts.Ptx002Verdict(Output(8, 16, nan, (r, c) => r == 0 ? c : null), 8, 16, nan);
        Assert.Equal(Verdict.Confirmed, v.Verdict);
        Assert.Contains("rows 1..7 were never written", v.Reason);
    }

    [Fact]
    public void Ptx002_identical_rows_is_confirmed_distinct_rows_not()
    {
        Assert.Equal(Verdict.Confirmed, ExperimentVerdicts.Ptx002Verdict(Output(4, 8, -1, (r, c) => c * 0.5f), 4, 8, -1).Verdict);
        var ok = ExperimentVerdicts.Ptx002Verdict(Output(4, 8, -1, (r, c) => r * 100 + c), 4, 8, -1);
        Assert.Equal(Verdict.NotReproduced, ok.Verdict);
        var partial = ExperimentVerdicts.Ptx002Verdict(Output(4, 8, -1, (r, c) => r < 2 ? r * 100 + c : null), 4, 8, -1);
        Assert.Equal(Verdict.Confirmed, partial.Verdict);
        Assert.Contains("rows 2..3", partial.Reason);
        Assert.Equal(Verdict.Error, ExperimentVerdicts.Ptx002Verdict(Output(4, 8, -1, (r, c) => null), 4, 8, -1).Verdict);
    }

    [Fact]
    public void Ptx002_from_changed_bytes()
    {
        Assert.Equal(Verdict.Confirmed, ExperimentVerdicts.Ptx002FromChanges(4096, 4096, 8).Verdict);
        Assert.Equal(Verdict.NotReproduced, ExperimentVerdicts.Ptx002FromChanges(4096, 8 * 4096, 8).Verdict);
        Assert.Equal(Verdict.Error, ExperimentVerdicts.Ptx002FromChanges(0, 0, 8).Verdict);
    }

    [Fact]
    public void Ptx003_every_step_to_the_same_slot_is_confirmed()
    {
        var same = Enumerable.Range(0, 4).Select(_ => (IReadOnlyList<long[]>)new List<long[]> { new long[] { 0, 512 } }).ToList();
        var v = ExperimentVerdicts.Ptx003Verdict(same, [0, 1, 2, 3], 0);
        Assert.Equal(Verdict.Confirmed, v.Verdict);
        Assert.Contains("stale value 0", v.Reason);
        var own = Enumerable.Range(0, 4).Select(s => (IReadOnlyList<long[]>)new List<long[]> { new long[] { s * 512, s * 512 + 512 } }).ToList();
        Assert.Equal(Verdict.NotReproduced, ExperimentVerdicts.Ptx003Verdict(own, [0, 1, 2, 3], 0).Verdict);
        // a step that rewrote identical data shows no change: still the same single place
        var withEmpty = new List<IReadOnlyList<long[]>> { new List<long[]> { new long[] { 0, 64 } }, new List<long[]>(), new List<long[]> { new long[] { 0, 64 } } };
        Assert.Equal(Verdict.Confirmed, ExperimentVerdicts.Ptx003Verdict(withEmpty, [0, 1, 2], 0).Verdict);
        Assert.Equal(Verdict.Error, ExperimentVerdicts.Ptx003Verdict(same, [1, 1, 1, 1], 0).Verdict);
    }

    [Fact]
    public void Ptx005_hang_races_and_clean_runs()
    {
        var t = TimeSpan.FromSeconds(10);
        Assert.Equal(Verdict.Confirmed, ExperimentVerdicts.Ptx005Verdict(WorkerOutcomeKind.TimedOut, 0, t, false, null).Verdict);
        var race = SanitizerReport.Parse("========= RACECHECK SUMMARY: 336 hazards displayed (336 errors, 0 warnings)\n");
        var v = ExperimentVerdicts.Ptx005Verdict(WorkerOutcomeKind.Completed, 0.1, t, true, race);
        Assert.Equal(Verdict.Confirmed, v.Verdict);
        Assert.Contains("336", v.Reason);
        var clean = SanitizerReport.Parse("========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)\n");
        Assert.Equal(Verdict.NotReproduced, ExperimentVerdicts.Ptx005Verdict(WorkerOutcomeKind.Completed, 0.1, t, true, clean).Verdict);
        var noSan = ExperimentVerdicts.Ptx005Verdict(WorkerOutcomeKind.Completed, 0.1, t, false, null);
        Assert.Equal(Verdict.NotReproduced, noSan.Verdict);
        Assert.Contains("compute-sanitizer is not on PATH", noSan.Reason);
    }

    [Fact]
    public void Ptx006_needs_memcheck()
    {
        var u = ExperimentVerdicts.Ptx006Verdict(false, null);
        Assert.Equal(Verdict.Unsupported, u.Verdict);
        Assert.Contains("compute-sanitizer", u.Reason);
        var bad = SanitizerReport.Parse(string.Concat(Enumerable.Repeat("========= Invalid __shared__ write of size 4 bytes\n=========     at k+0x90\n", 449)) + "========= ERROR SUMMARY: 449 errors\n");
        var v = ExperimentVerdicts.Ptx006Verdict(true, bad);
        Assert.Equal(Verdict.Confirmed, v.Verdict);
        Assert.Contains("449", v.Reason);
        Assert.Equal(Verdict.NotReproduced, ExperimentVerdicts.Ptx006Verdict(true, SanitizerReport.Parse("========= ERROR SUMMARY: 0 errors")).Verdict);
        Assert.Equal(Verdict.Error, ExperimentVerdicts.Ptx006Verdict(true, SanitizerReport.Parse("")).Verdict);
    }

    [Fact]
    public void Ptx009_counts_distinct_outputs()
    {
        var v = ExperimentVerdicts.Ptx009Verdict(Enumerable.Range(0, 30).Select(i => (i % 28).ToString()).ToList());
        Assert.Equal(Verdict.Confirmed, v.Verdict);
        Assert.StartsWith("28 distinct outputs in 30 runs", v.Reason);
        Assert.Equal(Verdict.NotReproduced, ExperimentVerdicts.Ptx009Verdict(Enumerable.Repeat("h", 30).ToList()).Verdict);
    }

    [Fact]
    public void Ptx010_and_parity_compare_bit_for_bit()
    {
        var a = new float[] { 1f, 2f, 3f, 4f };
        var b = new float[] { 1f, 2f, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(3f) + 1), 4f };
        var ab = System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()).ToArray();
        var bb = System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()).ToArray();
        Assert.Equal(2, ExperimentVerdicts.FirstDifference(ab, bb, 4));
        Assert.Equal(-1, ExperimentVerdicts.FirstDifference(ab, ab, 4));
        var v = ExperimentVerdicts.Ptx010Verdict(ab, bb, "f32");
        Assert.Equal(Verdict.Confirmed, v.Verdict);
        Assert.Contains("first at index 2", v.Reason);
        Assert.Equal(Verdict.NotReproduced, ExperimentVerdicts.Ptx010Verdict(ab, ab).Verdict);
        // -0.0 and +0.0 compare equal as floats but differ bit for bit
        Assert.Equal(0, ExperimentVerdicts.FirstDifference(BitConverter.GetBytes(0f), BitConverter.GetBytes(-0f), 4));
        var p = ExperimentVerdicts.Ptx001Verdict(-1, "NVIDIA H100 (sm_90)");
        Assert.Equal(Verdict.NotReproduced, p.Verdict);
        Assert.Contains("portability", p.Reason);
        Assert.Equal(Verdict.Confirmed, ExperimentVerdicts.Ptx001Verdict(5, "x").Verdict);
    }

    [Fact]
    public void Confirmation_goes_into_finding_properties()
    {
        var f = TestPtx.Finding("PTX009", "k");
        new Confirmation("PTX009", "k", Verdict.NotReproduced, "r", "e").AttachTo(f);
        var props = Assert.IsType<Dictionary<string, string>>(f.Properties[Confirmation.PropertyKey]);
        Assert.Equal("not-reproduced", props["verdict"]);
        Assert.Equal("r", props["reason"]);
        Assert.Equal("e", props["evidence"]);
    }
}
