namespace PtxLint.Engine;

/// <summary>
/// Which files may be in flight at once. A file's IR and analyses take 15 to 38 times its size (measured on the shared
/// corpus), so two large files analyzed side by side would need about twice the memory of the largest one alone (the
/// issue 11 bar is 3 × the largest input + 200 MB). Files are taken largest first, and a file enters only while the
/// bytes in flight, its own included, stay within <see cref="Budget"/>: three quarters of the largest input, or
/// <see cref="MinimumBudget"/> when that is more. Not the whole largest input: each file in flight brings its own
/// analysis scratch and collector headroom besides its IR, so two files that add up to the largest need more than it
/// alone (native, on the shared corpus: the whole run peaked at 236 to 243 MB with the largest input as the budget,
/// 213 to 224 MB with three quarters, the largest file alone at about 195 MB). A file always enters when nothing else
/// is in flight, so every file runs, and a file left alone still gets the idle cores for its functions
/// (<see cref="AnalysisEngine"/>).
/// </summary>
internal sealed class InputAdmission
{
    /// <summary>
    /// Inputs that together stay under this size are never held back (60 to 150 MB of IR and analyses). 4 MiB, not
    /// the 8 MiB it was: on a set of library files of at most 7.4 MB (bar 222 MB), 8 MiB let a 6 MB and a 2 MB file run
    /// together and the run peaked at 236 MB (mean of 4), 181 MB with 4 MiB, in the same time.
    /// </summary>
    public const long MinimumBudget = 4L << 20;

    private readonly long[] _size;
    private readonly object _gate = new();
    private long _inFlight;
    private int _files;

    public InputAdmission(IReadOnlyList<string> paths) : this(paths.Select(SizeOf).ToArray()) { }

    /// <summary>Inputs of these sizes (tests).</summary>
    internal InputAdmission(long[] sizes)
    {
        _size = sizes;
        long largest = 0;
        foreach (var size in sizes) largest = Math.Max(largest, size);
        Budget = Math.Max(largest / 4 * 3, MinimumBudget);
        var order = new int[sizes.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        // largest first: the big files run while the small ones are left to fill the other cores at the end
        Array.Sort(order, (a, b) => _size[a] != _size[b] ? _size[b].CompareTo(_size[a]) : a.CompareTo(b));
        Order = order;
    }

    /// <summary>The indices of the inputs, in the order to start them.</summary>
    public int[] Order { get; }

    /// <summary>The bytes of input that may be in flight together.</summary>
    public long Budget { get; }

    /// <summary>The most bytes that were in flight while more than one file was (tests: never over <see cref="Budget"/>).</summary>
    internal long PeakSharedInFlight { get; private set; }

    /// <summary>The most files that were in flight together (tests).</summary>
    internal int PeakFiles { get; private set; }

    /// <summary>Waits until input <paramref name="i"/> fits in the budget, then counts it in flight.</summary>
    public void Enter(int i)
    {
        lock (_gate)
        {
            while (_files > 0 && _inFlight + _size[i] > Budget) Monitor.Wait(_gate);
            _inFlight += _size[i];
            _files++;
            if (_files > 1) PeakSharedInFlight = Math.Max(PeakSharedInFlight, _inFlight);
            PeakFiles = Math.Max(PeakFiles, _files);
        }
    }

    /// <summary>Input <paramref name="i"/> is done (or abandoned): its bytes leave the budget.</summary>
    public void Leave(int i)
    {
        lock (_gate)
        {
            _inFlight -= _size[i];
            _files--;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The size the file will be read at (a link counts by its target); 0 when it cannot be read (the read reports why).</summary>
    private static long SizeOf(string path)
    {
        try
        {
            var info = InputReader.TargetInfo(path);
            return info.Exists ? info.Length : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException) { return 0; }
    }
}
