using System.Diagnostics;

namespace PtxLint.Cli;

/// <summary>
/// A one-line progress indicator on stderr (<c>ptxlint: analyzing 120/4000 files (3%)</c>) for runs that take more
/// than <see cref="Delay"/>. Only when stderr is a terminal (never in pipes, CI logs or tests: then it prints
/// nothing at all) and TERM is not "dumb". The line is redrawn in place with a carriage return and erased at the end.
/// </summary>
public sealed class ProgressIndicator : IDisposable
{
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    private readonly TextWriter _error;
    private readonly Func<TimeSpan> _clock;
    private readonly Timer? _timer;
    private readonly object _gate = new();
    private int _done, _total;
    private bool _drawn, _disposed;

    /// <param name="error">stderr.</param>
    /// <param name="enabled">false: a no-op indicator (see <see cref="ShouldShow"/>).</param>
    /// <param name="clock">Elapsed time since the start (tests pass a fake one); null: a stopwatch.</param>
    /// <param name="startTimer">Redraw from a timer every <see cref="Period"/> (tests call <see cref="Tick"/> themselves).</param>
    public ProgressIndicator(TextWriter error, bool enabled, Func<TimeSpan>? clock = null, bool startTimer = true)
    {
        _error = error;
        Enabled = enabled;
        if (clock is null)
        {
            var sw = Stopwatch.StartNew();
            clock = () => sw.Elapsed;
        }
        _clock = clock;
        if (enabled && startTimer) _timer = new Timer(_ => Tick(), null, Delay, Period);
    }

    public bool Enabled { get; }

    /// <summary>Progress on a terminal only: stderr is a terminal and TERM is not "dumb".</summary>
    public static bool ShouldShow(bool errorIsTerminal, Func<string, string?> env) =>
        errorIsTerminal && env("TERM") != "dumb";

    /// <summary>Files done so far (thread-safe; the engine calls it from its workers).</summary>
    public void Report(int done, int total)
    {
        Volatile.Write(ref _total, total);
        int old;
        do old = Volatile.Read(ref _done); while (done > old && Interlocked.CompareExchange(ref _done, done, old) != old);
    }

    /// <summary>Draws the line when enabled and the run has taken longer than <see cref="Delay"/>.</summary>
    public void Tick()
    {
        if (!Enabled || _clock() < Delay) return;
        lock (_gate)
        {
            if (_disposed) return;
            int done = Volatile.Read(ref _done), total = Volatile.Read(ref _total);
            var pct = total > 0 ? $" ({100L * done / total}%)" : "";
            _error.Write($"\rptxlint: analyzing {done}/{total} file{(total == 1 ? "" : "s")}{pct}, {_clock().TotalSeconds:F0} s\u001b[K");
            _error.Flush();
            _drawn = true;
        }
    }

    /// <summary>Stops the timer and erases the line, so the report starts on a clean line.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (_drawn)
            {
                _error.Write("\r\u001b[K");
                _error.Flush();
            }
        }
    }
}
