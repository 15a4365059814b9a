using PtxLint.Analysis;
using Xunit;

namespace PtxLint.Tests.Analysis;

public class AnalysisTimingsTests
{
    [Fact]
    public void A_collection_inside_an_analysis_is_booked_as_its_paused_time_not_its_callers()
    {
        var timings = AnalysisTestUtil.Timed(() =>
            AnalysisTimings.Measure("outer", () =>
            {
                Thread.SpinWait(1_000);
                AnalysisTimings.Measure("inner", () =>
                {
                    // a blocking full collection: a pause of this thread inside "inner"
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                });
            }));
        var rows = timings.Snapshot().ToDictionary(r => r.Name);
        var inner = rows["inner"];
        var outer = rows["outer"];
        Assert.True(inner.Paused > TimeSpan.Zero, "the collections inside 'inner' were not booked as paused");
        Assert.True(inner.Paused <= inner.Time, $"paused {inner.Paused} over the time {inner.Time}");
        // the caller's exclusive pause leaves out what its callee already booked
        Assert.True(outer.Paused <= outer.Time);
        Assert.True(outer.Paused < inner.Paused, $"outer paused {outer.Paused}, inner {inner.Paused}");
    }
}
