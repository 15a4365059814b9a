using System.Collections.Concurrent;
using System.Diagnostics;

namespace PtxLint.Analysis;

/// <summary>
/// Time spent per analysis and per rule, summed over threads, exclusive of what it asked for (and likewise the bytes it allocated: a rule's time does not
/// include the analyses it triggered; uniformity's does not include reaching definitions). Of that time, the part the
/// thread stood still in garbage collections (their pauses stop every thread) is booked too, so that what the analysis
/// itself computed can be told from where a collection happened to fall. Collected only while an engine run asks for it
/// (<c>--stats</c>): <see cref="Current"/> is set on each worker thread for the file it analyzes.
/// </summary>
public sealed class AnalysisTimings
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public long Ticks;
        public long Count;
        public long Bytes;
        public long PausedTicks;
    }

    [ThreadStatic] private static AnalysisTimings? _current;
    [ThreadStatic] private static long _childTicks;
    [ThreadStatic] private static long _childBytes;
    [ThreadStatic] private static long _childPaused;

    /// <summary>The collector of the run on this thread; null when nobody asked for timings.</summary>
    public static AnalysisTimings? Current { get => _current; set => _current = value; }

    /// <summary>Runs <paramref name="compute"/> and books its exclusive time under <paramref name="name"/>.</summary>
    public static T Measure<T>(string name, Func<T> compute) => Measure(name, compute, count: true);

    /// <summary>
    /// Books the exclusive time of a part an analysis computes on demand (after <see cref="Measure{T}(string, Func{T})"/>
    /// counted its construction) under <paramref name="name"/>, without counting another computation.
    /// </summary>
    public static T MeasurePart<T>(string name, Func<T> compute) => Measure(name, compute, count: false);

    [ThreadStatic] private static HashSet<string>? _computed;

    /// <summary>
    /// Notes, on this thread, the name of every analysis computed from now on into <paramref name="into"/> (null stops):
    /// what a rule's check computes, for the test that holds each rule to its declared <c>Analyses</c>.
    /// </summary>
    public static void RecordComputed(HashSet<string>? into) => _computed = into;

    private static T Measure<T>(string name, Func<T> compute, bool count)
    {
        if (count) _computed?.Add(name);
        var t = _current;
        if (t is null) return compute();
        long saved = _childTicks, savedBytes = _childBytes, savedPaused = _childPaused;
        _childTicks = 0;
        _childBytes = 0;
        _childPaused = 0;
        long b0 = GC.GetAllocatedBytesForCurrentThread();
        long p0 = GC.GetTotalPauseDuration().Ticks;
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            return compute();
        }
        finally
        {
            long elapsed = Stopwatch.GetTimestamp() - t0;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - b0;
            // pauses are in TimeSpan ticks, the elapsed time in Stopwatch ticks: booked in Stopwatch ticks
            long paused = (long)((GC.GetTotalPauseDuration().Ticks - p0) * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond));
            paused = Math.Clamp(paused, 0, elapsed);
            t.Add(name, elapsed - _childTicks, allocated - _childBytes, Math.Max(0, paused - _childPaused), count);
            _childTicks = saved + elapsed;
            _childBytes = savedBytes + allocated;
            _childPaused = savedPaused + paused;
        }
    }

    public static void Measure(string name, Action compute) => Measure<bool>(name, () => { compute(); return true; });

    private void Add(string name, long ticks, long bytes, long paused, bool count)
    {
        var e = _entries.GetOrAdd(name, _ => new Entry());
        Interlocked.Add(ref e.Ticks, ticks);
        Interlocked.Add(ref e.Bytes, bytes);
        Interlocked.Add(ref e.PausedTicks, paused);
        if (count) Interlocked.Increment(ref e.Count);
    }

    /// <summary>
    /// (name, exclusive time, how many times it was computed or run, exclusive bytes allocated on the heap, the part of
    /// the exclusive time spent in collection pauses), largest time first.
    /// </summary>
    public IReadOnlyList<(string Name, TimeSpan Time, long Count, long Allocated, TimeSpan Paused)> Snapshot() =>
        _entries.Select(kv => (kv.Key, Stopwatch.GetElapsedTime(0, kv.Value.Ticks), kv.Value.Count, kv.Value.Bytes,
                Stopwatch.GetElapsedTime(0, Math.Min(kv.Value.PausedTicks, kv.Value.Ticks))))
            .OrderByDescending(e => e.Item2).ToList();
}
