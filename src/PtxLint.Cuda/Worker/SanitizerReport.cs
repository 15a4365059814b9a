using System.Text.RegularExpressions;

namespace PtxLint.Cuda.Worker;

/// <summary>
/// What compute-sanitizer printed: the <c>ERROR SUMMARY: N errors</c> line (memcheck and others), the
/// <c>RACECHECK SUMMARY: N hazards displayed (E errors, W warnings)</c> line, and counts of the kinds of reports
/// (<c>Invalid __shared__ write of size 4 bytes</c>, <c>Race reported between Write access ...</c>).
/// </summary>
public sealed partial class SanitizerReport
{
    /// <summary>From <c>ERROR SUMMARY</c>; null when the line is missing (the run did not finish).</summary>
    public int? ErrorSummary { get; init; }
    /// <summary>From <c>RACECHECK SUMMARY</c>: hazards displayed.</summary>
    public int? Hazards { get; init; }
    public int? HazardErrors { get; init; }
    public int? HazardWarnings { get; init; }
    /// <summary>Report headlines with their counts, e.g. "Invalid __shared__ write of size 4 bytes" -> 449.</summary>
    public IReadOnlyDictionary<string, int> Kinds { get; init; } = new Dictionary<string, int>();
    /// <summary>The first few report lines, for evidence.</summary>
    public IReadOnlyList<string> Samples { get; init; } = [];

    /// <summary>racecheck's reported races: the two accesses (kind, file, line when line information is present) and the hazard count.</summary>
    public IReadOnlyList<RaceLocation> Races { get; init; } = [];

    /// <summary>initcheck's reads of uninitialized memory, by kind (<c>Uninitialized __shared__ memory read of size 4 bytes</c> ...).</summary>
    public int Uninitialized(string space) => Count("Uninitialized __" + space);

    public bool HasSummary => ErrorSummary is not null || Hazards is not null;

    /// <summary>Errors of the given kind prefix, e.g. <c>Invalid __shared__</c>.</summary>
    public int Count(string prefix) => Kinds.Where(k => k.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(k => k.Value);

    [GeneratedRegex(@"ERROR SUMMARY:\s*(\d+)\s+errors?")]
    private static partial Regex ErrorSummaryRx();
    [GeneratedRegex(@"RACECHECK SUMMARY:\s*(\d+)\s+hazards?\s+displayed\s*\((\d+)\s+errors?,\s*(\d+)\s+warnings?\)")]
    private static partial Regex RaceSummaryRx();
    [GeneratedRegex(@"^=+\s+(Invalid __\w+__ (?:read|write|atomic)\w*(?: of size \d+ bytes?)?)", RegexOptions.Multiline)]
    private static partial Regex InvalidRx();
    [GeneratedRegex(@"^=+\s+(Error|Warning): Race reported between (\w+) access", RegexOptions.Multiline)]
    private static partial Regex RaceRx();
    [GeneratedRegex(@"^=+\s+(ERROR|WARN\w*): Potential (\w+) hazard", RegexOptions.Multiline)]
    private static partial Regex HazardRx();
    [GeneratedRegex(@"^=+\s+((?:Program hit|Out-of-range|Misaligned|Barrier error|Malloc/Free error|Leaked)[^\r\n]*)", RegexOptions.Multiline)]
    private static partial Regex OtherRx();
    [GeneratedRegex(@"^=+\s+(Uninitialized __\w+__ memory (?:read|access)\w*(?: of size \d+ bytes?)?)", RegexOptions.Multiline)]
    private static partial Regex UninitRx();
    [GeneratedRegex(@"Race reported between (\w+) access at ([^\r\n]*?)\r?\n=+\s+and (\w+) access at ([^\r\n]*?)(?:\s*\[(\d+) hazards?\])?\s*$", RegexOptions.Multiline)]
    private static partial Regex RacePairRx();
    [GeneratedRegex(@"(?:\bin\s+)?([^\s:\[\]]+\.(?:ptx|cu|cuh|h|hpp|cpp)):(\d+)")]
    private static partial Regex FileLineRx();

    public static SanitizerReport Parse(string output)
    {
        int? errors = null, hazards = null, herr = null, hwarn = null;
        foreach (Match m in ErrorSummaryRx().Matches(output)) errors = int.Parse(m.Groups[1].Value);
        foreach (Match m in RaceSummaryRx().Matches(output))
        {
            hazards = int.Parse(m.Groups[1].Value);
            herr = int.Parse(m.Groups[2].Value);
            hwarn = int.Parse(m.Groups[3].Value);
        }
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        var samples = new List<string>();
        void Add(string kind, string line)
        {
            kinds[kind] = kinds.TryGetValue(kind, out var c) ? c + 1 : 1;
            if (samples.Count < 5) samples.Add(line.Trim().TrimStart('=').Trim());
        }
        foreach (Match m in InvalidRx().Matches(output)) Add(m.Groups[1].Value.Trim(), m.Value);
        foreach (Match m in RaceRx().Matches(output)) Add($"Race ({m.Groups[1].Value}) reported between {m.Groups[2].Value} access and ...", m.Value);
        foreach (Match m in HazardRx().Matches(output)) Add($"Potential {m.Groups[2].Value} hazard ({m.Groups[1].Value})", m.Value);
        foreach (Match m in OtherRx().Matches(output)) Add(m.Groups[1].Value.Trim(), m.Value);
        foreach (Match m in UninitRx().Matches(output)) Add(m.Groups[1].Value.Trim(), m.Value);
        var races = new List<RaceLocation>();
        foreach (Match m in RacePairRx().Matches(output))
        {
            var a = FileLineRx().Match(m.Groups[2].Value);
            var b = FileLineRx().Match(m.Groups[4].Value);
            races.Add(new RaceLocation(m.Groups[1].Value, m.Groups[2].Value.Trim(), a.Success ? a.Groups[1].Value : null, a.Success ? int.Parse(a.Groups[2].Value) : null,
                                       m.Groups[3].Value, m.Groups[4].Value.Trim(), b.Success ? b.Groups[1].Value : null, b.Success ? int.Parse(b.Groups[2].Value) : null,
                                       m.Groups[5].Success ? int.Parse(m.Groups[5].Value) : null));
        }
        return new SanitizerReport { ErrorSummary = errors, Hazards = hazards, HazardErrors = herr, HazardWarnings = hwarn, Kinds = kinds, Samples = samples, Races = races };
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Hazards is { } h) parts.Add($"RACECHECK SUMMARY: {h} hazards displayed ({HazardErrors} errors, {HazardWarnings} warnings)");
        if (ErrorSummary is { } e) parts.Add($"ERROR SUMMARY: {e} errors");
        if (Kinds.Count > 0) parts.Add(string.Join("; ", Kinds.OrderByDescending(k => k.Value).Take(6).Select(k => $"{k.Value} x \"{k.Key}\"")));
        return parts.Count == 0 ? "no sanitizer summary" : string.Join("; ", parts);
    }
}

/// <summary>One race racecheck reports: the first and second access (kind, where, file and line when known) and its hazard count.</summary>
public sealed record RaceLocation(string FirstKind, string FirstAt, string? FirstFile, int? FirstLine,
                                  string SecondKind, string SecondAt, string? SecondFile, int? SecondLine, int? Hazards)
{
    public override string ToString() =>
        $"{FirstKind} at {(FirstLine is int l1 ? $"line {l1}" : FirstAt)} and {SecondKind} at {(SecondLine is int l2 ? $"line {l2}" : SecondAt)}" +
        (Hazards is int h ? $" ({h} hazards)" : "");
}
