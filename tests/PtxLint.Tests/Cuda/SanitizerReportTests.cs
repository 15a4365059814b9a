using PtxLint.Cuda.Worker;

namespace PtxLint.Tests.Cuda;

public class SanitizerReportTests
{
    [Fact]
    public void Parses_memcheck_output()
    {
        var text = """
            ========= COMPUTE-SANITIZER
            ========= Invalid __shared__ write of size 4 bytes
            =========     at block_reduce+0x1b0 in reduce.cu:41
            =========     by thread (1,0,0) in block (0,0,0)
            =========     Address 0x4 is out of bounds
            ========= Invalid __shared__ write of size 4 bytes
            =========     at block_reduce+0x1b0 in reduce.cu:41
            ========= Invalid __global__ read of size 16 bytes
            =========     at k+0x10
            PTXLINT-RESULT: {"ok":false}
            ========= ERROR SUMMARY: 3 errors
            """;
        var r = SanitizerReport.Parse(text);
        Assert.Equal(3, r.ErrorSummary);
        Assert.Null(r.Hazards);
        Assert.Equal(2, r.Kinds["Invalid __shared__ write of size 4 bytes"]);
        Assert.Equal(2, r.Count("Invalid __shared__"));
        Assert.Equal(1, r.Count("Invalid __global__"));
        Assert.Equal("Invalid __shared__ write of size 4 bytes", r.Samples[0]);
        Assert.Contains("ERROR SUMMARY: 3 errors", r.ToString());
    }

    [Fact]
    public void Parses_racecheck_output()
    {
        var text = """
            ========= COMPUTE-SANITIZER
            ========= Error: Race reported between Write access at reduce+0x2c0 in r.cu:20
            =========     and Read access at reduce+0x300 in r.cu:22 [256 hazards]
            =========
            ========= Warning: Race reported between Read access at reduce+0x300 in r.cu:22
            =========     and Write access at reduce+0x2c0 in r.cu:20 [80 hazards]
            =========
            ========= RACECHECK SUMMARY: 2 hazards displayed (1 error, 1 warning)
            """;
        var r = SanitizerReport.Parse(text);
        Assert.Equal(2, r.Hazards);
        Assert.Equal(1, r.HazardErrors);
        Assert.Equal(1, r.HazardWarnings);
        Assert.Equal(2, r.Count("Race"));
        Assert.True(r.HasSummary);
    }

    [Fact]
    public void Parses_older_hazard_format_and_missing_summaries()
    {
        var r = SanitizerReport.Parse("========= ERROR: Potential WAW hazard detected at __shared__ 0x0 in block (0, 0, 0) :\n========= RACECHECK SUMMARY: 4 hazards displayed (4 errors, 0 warnings)");
        Assert.Equal(4, r.Hazards);
        Assert.Equal(1, r.Count("Potential WAW"));
        var none = SanitizerReport.Parse("the process was killed");
        Assert.False(none.HasSummary);
        Assert.Equal("no sanitizer summary", none.ToString());
    }
}
