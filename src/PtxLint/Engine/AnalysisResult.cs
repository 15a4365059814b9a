using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Engine;

/// <summary>One analyzed input file: its text and its findings (sorted, suppressed ones included).</summary>
public sealed class AnalyzedFile
{
    public AnalyzedFile(string path, SourceText? source, IReadOnlyList<Finding> findings, long length = -1)
    {
        Path = path;
        Source = source;
        Findings = findings;
        Length = length >= 0 ? length : source?.Length ?? 0;
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }
    public SourceText? Source { get; }
    /// <summary>Size in bytes on disk (or characters for in-memory text).</summary>
    public long Length { get; }
    public IReadOnlyList<Finding> Findings { get; }
    /// <summary>The parsed module; null when built by hand (tests) or when the IR was released.</summary>
    public PtxModule? Module { get; init; }
    /// <summary>The <c>ptxlint.json</c> that applied to the file, if any.</summary>
    public PtxLintConfig? Config { get; init; }
}

/// <summary>A problem of the tool rather than of the input PTX: an unreadable file, a rule that threw, a cap.</summary>
public sealed record ToolNotification(Level Level, string Message, string? FilePath = null, string? RuleId = null)
{
    /// <summary>The exception behind an internal error (a rule or the parser threw), for the fuzzer and PTXLINT_DEBUG; never printed by default.</summary>
    public Exception? Exception { get; init; }
}

/// <summary>A path the engine could not read (missing, permission, I/O error) or a glob that matched nothing.</summary>
public sealed record InputError(string Path, string Reason)
{
    /// <summary>The whole message when it is not "cannot read 'path': reason" (e.g. a file over the size limit).</summary>
    public string? Message { get; init; }

    public override string ToString() => Message ?? $"cannot read '{Path}': {Reason}";
}

/// <summary>Timing and size figures of one run (for <c>--stats</c>).</summary>
public sealed class AnalysisStats
{
    public int Files { get; set; }
    public long Bytes { get; set; }
    /// <summary>Reading + parsing + IR, summed over all worker threads.</summary>
    public TimeSpan ParseTime { get; set; }
    /// <summary>Rules (and the analyses they ask for), summed over all worker threads.</summary>
    public TimeSpan AnalysisTime { get; set; }
    /// <summary>Wall-clock time of the whole run.</summary>
    public TimeSpan WallTime { get; set; }
    public double MegabytesPerSecond => WallTime.TotalSeconds > 0 ? Bytes / 1e6 / WallTime.TotalSeconds : 0;
    /// <summary>Exclusive time per analysis and per rule (name, time, times computed), when collected.</summary>
    public IReadOnlyList<(string Name, TimeSpan Time, long Count, long Allocated, TimeSpan Paused)>? Timings { get; init; }
}

/// <summary>The outcome of <see cref="AnalysisEngine.Analyze(IEnumerable{string})"/>.</summary>
public sealed class AnalysisResult
{
    public required IReadOnlyList<AnalyzedFile> Files { get; init; }
    public required IReadOnlyList<InputError> InputErrors { get; init; }
    public required IReadOnlyList<ToolNotification> Notifications { get; init; }
    public required AnalysisStats Stats { get; init; }
    /// <summary>Files whose analysis ran past the per-file time limit (<c>--timeout</c>): skipped, reported as warnings.</summary>
    public IReadOnlyList<string> TimedOut { get; init; } = Array.Empty<string>();
    /// <summary>The rules that ran (engine rules PTX000/PTX900 included), for SARIF's rule metadata.</summary>
    public required IReadOnlyList<RuleDescriptor> Rules { get; init; }

    /// <summary>All findings of all files, sorted by path, line, column, rule.</summary>
    public IEnumerable<Finding> Findings => Files.SelectMany(f => f.Findings);
}

/// <summary>The one deterministic order of findings: path, line, column, rule id, message.</summary>
public sealed class FindingOrder : IComparer<Finding>
{
    public static readonly FindingOrder Instance = new();

    public int Compare(Finding? a, Finding? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        int c = string.CompareOrdinal(a.Location.FilePath, b.Location.FilePath);
        if (c != 0) return c;
        c = a.Location.Span.StartLine.CompareTo(b.Location.Span.StartLine);
        if (c != 0) return c;
        c = a.Location.Span.StartColumn.CompareTo(b.Location.Span.StartColumn);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Rule.Id, b.Rule.Id);
        if (c != 0) return c;
        return string.CompareOrdinal(a.Message, b.Message);
    }
}
