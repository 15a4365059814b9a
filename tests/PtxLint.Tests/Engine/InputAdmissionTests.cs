using PtxLint.Engine;
using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Engine;

/// <summary>
/// Files start largest first, and files share the cores only while their bytes together stay within three quarters of
/// the largest input (or 4 MiB): the memory bar of issue 11 is 3 x the largest input + 200 MB, whatever the number of files.
/// </summary>
public sealed class InputAdmissionTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void Inputs_start_largest_first_with_ties_in_input_order()
    {
        var a = new InputAdmission(new[] { 3 * MiB, 9 * MiB, 3 * MiB, 0, 16 * MiB });
        Assert.Equal(new[] { 4, 1, 0, 2, 3 }, a.Order);
        Assert.Equal(12 * MiB, a.Budget); // three quarters of the largest
    }

    [Fact]
    public void Small_inputs_share_a_budget_of_at_least_4_MiB()
    {
        var a = new InputAdmission(new[] { 1000L, 20_000L });
        Assert.Equal(4 * MiB, a.Budget);
        Assert.Equal(4 * MiB, new InputAdmission(new[] { 5 * MiB, 1 * MiB }).Budget); // three quarters of 5 MiB is less
    }

    [Fact]
    public void Files_in_flight_together_never_exceed_the_budget_and_every_file_runs()
    {
        var rng = new Random(11);
        var sizes = Enumerable.Range(0, 200).Select(_ => (long)rng.Next(1, 6) * MiB).Append(10 * MiB).ToArray();
        var a = new InputAdmission(sizes);
        var ran = new int[sizes.Length];
        int next = -1, inWork = 0, overlapped = 0;
        // The workers start together, and until two files have been seen in work at once, a file holds its place for
        // up to 200 ms: a loaded machine that runs the threads one after another cannot hide a missing overlap.
        using var start = new Barrier(4);
        void Work()
        {
            start.SignalAndWait();
            int k;
            while ((k = Interlocked.Increment(ref next)) < a.Order.Length)
            {
                int i = a.Order[k];
                a.Enter(i);
                try
                {
                    Interlocked.Increment(ref ran[i]);
                    if (Interlocked.Increment(ref inWork) > 1) Volatile.Write(ref overlapped, 1);
                    SpinWait.SpinUntil(() => Volatile.Read(ref overlapped) == 1, 200);
                    Thread.SpinWait(2000);
                    Interlocked.Decrement(ref inWork);
                }
                finally { a.Leave(i); }
            }
        }
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(Work)).ToList();
        threads.ForEach(t => t.Start());
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a file waited for ever to enter");
        Assert.All(ran, n => Assert.Equal(1, n));
        Assert.True(a.PeakSharedInFlight <= a.Budget, $"{a.PeakSharedInFlight} bytes in flight together, over the budget {a.Budget}");
        Assert.True(a.PeakFiles > 1, "no two files ever ran together");
        Assert.Equal(1, overlapped);
    }

    [Fact]
    public void A_file_larger_than_the_others_together_still_runs_alone()
    {
        var a = new InputAdmission(new[] { 1 * MiB, 30 * MiB });
        a.Enter(1);
        var small = new Thread(() => { a.Enter(0); a.Leave(0); });
        small.Start();
        Assert.False(small.Join(200), "the small file entered beside one that fills the budget");
        a.Leave(1);
        Assert.True(small.Join(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, a.PeakFiles);
    }

    [Fact]
    public void Results_keep_the_input_order_though_the_largest_file_starts_first()
    {
        using var tmp = new TempDir();
        var ptx = Corpus.Own().Where(f => f.Name.StartsWith("samples/", StringComparison.Ordinal)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        Assert.True(ptx.Count > 5);
        var paths = ptx.Select(f => tmp.Write(f.Name.Replace('/', '_'), f.Text)).ToList();
        Assert.NotEqual(0, new InputAdmission(paths).Order[0]);
        var r = new AnalysisEngine(new AnalysisOptions { Rules = RuleRegistry.All, MaxDegreeOfParallelism = 2 }).Analyze(paths);
        Assert.Equal(paths, r.Files.Select(f => f.Path));
    }
}
