namespace PtxLint.Diagnostics;

/// <summary>Level of a finding, as in SARIF (<c>none</c> means the rule is off).</summary>
public enum Level
{
    None = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
}

public static class LevelExtensions
{
    public static string ToSarif(this Level level) => level switch
    {
        Level.Error => "error",
        Level.Warning => "warning",
        Level.Note => "note",
        _ => "none",
    };

    public static bool TryParse(string text, out Level level)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "error": level = Level.Error; return true;
            case "warning": level = Level.Warning; return true;
            case "note": level = Level.Note; return true;
            case "none": case "off": level = Level.None; return true;
            default: level = Level.None; return false;
        }
    }
}

/// <summary>
/// A span in a source file. Lines and columns are 1-based; <see cref="EndColumn"/> is exclusive
/// (the column just after the last character), as in SARIF regions.
/// </summary>
public readonly record struct SourceSpan(int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static readonly SourceSpan None = new(0, 0, 0, 0);
    public bool IsEmpty => StartLine <= 0;
    public override string ToString() => $"{StartLine}:{StartColumn}";
}

/// <summary>A place in a file: the analyzed PTX file, or a CUDA source file named by <c>.file</c>/<c>.loc</c>.</summary>
public sealed record Location(string FilePath, SourceSpan Span)
{
    public override string ToString() => $"{FilePath}:{Span.StartLine}:{Span.StartColumn}";
}

/// <summary>A secondary location of a finding (the twin kernel, the alloc, the divergent branch).</summary>
public sealed record RelatedLocation(Location Location, string Message)
{
    /// <summary>
    /// True for another occurrence of the same cause merged into this finding (see <see cref="Finding.Cause"/>), false for a
    /// location that explains the finding (the alloc, the branch).
    /// </summary>
    public bool IsOccurrence { get; init; }
}

/// <summary>
/// What a finding has in common with others of its rule in the same function: findings of one rule with equal
/// <see cref="Key"/> in one function are merged by the engine into one finding (the first in source order), the others
/// becoming its related locations (<see cref="RelatedLocation.IsOccurrence"/>) and the headline gaining
/// "(and 1 more <see cref="One"/>)" or "(and N more <see cref="Many"/>)".
/// </summary>
/// <param name="Key">The cause, e.g. <c>"alloc@40"</c> (the alloc whose base is missing) or <c>"var:s_amax"</c>; compared ordinally.</param>
/// <param name="One">The noun phrase for one other occurrence: <c>"tcgen05 access"</c>.</param>
/// <param name="Many">The plural: <c>"tcgen05 accesses"</c>.</param>
/// <param name="Occurrence">
/// What this finding says when it is one of the others (the related location's message); null: its <see cref="Finding.Message"/>.
/// </param>
public sealed record FindingCause(string Key, string One, string Many, string? Occurrence = null);

/// <summary>One step of a code flow: a place and what happens there.</summary>
public sealed record FlowStep(Location Location, string Message);

/// <summary>A dataflow or control path shown as a SARIF codeFlow.</summary>
public sealed record CodeFlow(string Message, IReadOnlyList<FlowStep> Steps);

/// <summary>An in-source suppression that matched a finding.</summary>
public sealed record SuppressionInfo(string Kind, string? Justification, Location? Location);

/// <summary>One result of a rule.</summary>
public sealed class Finding
{
    public Finding(RuleDescriptor rule, Level level, string message, Location location)
    {
        Rule = rule;
        Level = level;
        Message = message;
        Location = location;
    }

    public RuleDescriptor Rule { get; }
    public Level Level { get; set; }
    /// <summary>The headline: one sentence of at most 120 characters that names the instruction and the fact.</summary>
    public string Message { get; private set; }
    public Location Location { get; }

    /// <summary>The cause this finding shares with others of its rule in its function (null: never merged). See <see cref="FindingCause"/>.</summary>
    public FindingCause? Cause { get; set; }

    /// <summary>How many occurrences this finding stands for: 1, or 1 + the occurrences merged into it.</summary>
    public int Occurrences { get; private set; } = 1;

    /// <summary>The function or kernel that holds the finding (SARIF logicalLocation).</summary>
    public string? FunctionName { get; init; }

    /// <summary>The CUDA source location (from .loc) of the instruction, when the PTX carries line info.</summary>
    public Location? SourceLocation { get; set; }

    /// <summary>Inlined frames from the innermost to the outermost call site, when the PTX carries them.</summary>
    public List<Location> InlinedAt { get; } = new();

    public List<RelatedLocation> Related { get; } = new();
    public List<CodeFlow> CodeFlows { get; } = new();

    /// <summary>
    /// Explanations behind the headline <see cref="Message"/> (why it matters, what the verdict assumes): printed as
    /// <c>note:</c> lines in text output. The headline itself is one short sentence.
    /// </summary>
    public List<string> Notes { get; } = new();

    /// <summary>How to fix this occurrence, when it says more than the rule's help: printed as a <c>help:</c> line.</summary>
    public string? Help { get; set; }

    /// <summary>Extra facts for SARIF result properties (e.g. confirmation verdicts).</summary>
    public Dictionary<string, object?> Properties { get; } = new();

    /// <summary>Typed facts for the rule's confirmer; written into the SARIF property bag beside <see cref="Properties"/>.</summary>
    public FindingData? Data { get; set; }

    public SuppressionInfo? Suppression { get; set; }

    /// <summary>The text of the PTX line the finding points at, used for fingerprints and caret display.</summary>
    public string? LineText { get; set; }

    public override string ToString() => $"{Location}: {Level.ToSarif()} {Rule.Id}: {Message}";

    /// <summary>Merges <paramref name="others"/> (same rule, function and cause) into this finding; see <see cref="FindingCause"/>.</summary>
    internal void Absorb(IReadOnlyList<Finding> others)
    {
        if (others.Count == 0) return;
        foreach (var o in others)
        {
            Related.Add(new RelatedLocation(o.Location, o.Cause?.Occurrence ?? o.Message) { IsOccurrence = true });
            Occurrences += o.Occurrences;
        }
        var n = Occurrences - 1;
        var noun = n == 1 ? Cause?.One ?? "occurrence" : Cause?.Many ?? "occurrences";
        Message = $"{Message.TrimEnd().TrimEnd('.')} (and {n} more {noun})";
    }
}

/// <summary>
/// Rule metadata, one per rule id (like a Roslyn DiagnosticDescriptor). Rule ids and names are
/// public interface: users put them in configs and suppressions.
/// </summary>
public sealed class RuleDescriptor
{
    public required string Id { get; init; }
    /// <summary>kebab-case name, e.g. <c>shared-address-64bit</c>.</summary>
    public required string Name { get; init; }
    public required string ShortDescription { get; init; }
    public required string FullDescription { get; init; }
    public required Level DefaultLevel { get; init; }
    public bool EnabledByDefault { get; init; } = true;
    /// <summary>Plain-text help (what it finds and how to fix it).</summary>
    public required string HelpText { get; init; }
    /// <summary>Markdown help: the rule's docs page.</summary>
    public required string HelpMarkdown { get; init; }
    /// <summary>SARIF precision: very-high, high, medium or low.</summary>
    public string Precision { get; init; } = "high";
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();
    /// <summary>The rule's options (<c>rules.PTXnnn.options</c> in <c>ptxlint.json</c>), checked when the file is loaded.</summary>
    public IReadOnlyList<RuleOption> Options { get; init; } = Array.Empty<RuleOption>();
    /// <summary>
    /// The functions the rule can report on, as a cheap test of what they hold (<see cref="Analysis.FunctionFacts"/>):
    /// <c>RuleContext.Functions</c> hands the rule only those, so the others build none of its analyses.
    /// </summary>
    public FunctionFilter AppliesTo { get; init; } = FunctionFilter.AnyFunctionWithBody;
    /// <summary>
    /// The shared analyses the rule's check computes, directly or through other analyses (names as <c>--stats</c>
    /// prints them); a test runs every rule alone and holds it to this list.
    /// </summary>
    public IReadOnlyList<string> Analyses { get; init; } = Array.Empty<string>();
    /// <summary>
    /// The check reports on each function from that function alone (and module facts it keeps with
    /// <c>RuleContext.ModuleFact</c>): the engine runs it function by function, every such rule on one function
    /// before the next, and drops the function's analyses after the last one (a module's analyses are not all held
    /// at once). A test holds each such rule to the same findings run per module and per function.
    /// </summary>
    public bool PerFunction { get; init; }

    public string HelpUri => $"{ToolInfo.InformationUri}/blob/main/docs/rules/{Id}.md";

    /// <summary>GitHub's problem.severity: error, warning or recommendation.</summary>
    public string ProblemSeverity => DefaultLevel switch
    {
        Level.Error => "error",
        Level.Warning => "warning",
        _ => "recommendation",
    };

    public override string ToString() => $"{Id} {Name}";
}

/// <summary>A rule's declared prefilter: the functions worth checking, by what <see cref="Analysis.FunctionFacts"/> says they hold.</summary>
public sealed class FunctionFilter
{
    /// <summary>Every function with a body.</summary>
    public static readonly FunctionFilter AnyFunctionWithBody = new();

    /// <summary>The function has an instruction with one of these opcodes (first words); empty: no opcode is needed.</summary>
    public IReadOnlyList<string> AnyOpcode { get; init; } = Array.Empty<string>();
    /// <summary>The function touches shared memory (a <c>.shared</c> state space, or an operand naming a shared variable).</summary>
    public bool TouchesShared { get; init; }

    public bool Matches(Analysis.FunctionFacts facts)
    {
        if (TouchesShared && !facts.TouchesShared) return false;
        if (AnyOpcode.Count == 0) return true;
        foreach (var op in AnyOpcode)
            if (facts.HasOpcode(op)) return true;
        return false;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (AnyOpcode.Count > 0) parts.Add("an instruction " + string.Join(", ", AnyOpcode));
        if (TouchesShared) parts.Add("shared memory");
        return parts.Count == 0 ? "every function with a body" : "functions with " + string.Join(" and ", parts);
    }
}

/// <summary>Facts about the tool itself, for SARIF and --version.</summary>
public static class ToolInfo
{
    public const string Name = "PtxLint";
    public const string InformationUri = "https://github.com/ptxlint/ptxlint";

    /// <summary>The version of this build (build/Version.targets: a tag vX.Y.Z, or 0.1.COMMITS), without the commit id.</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>The commit this build was made from (12 hex digits), or null (a source archive without .git).</summary>
    public static string? Commit { get; } = InformationalVersion.Split('+') is [_, var c, ..] && c.Length > 0 ? c : null;

    private static string InformationalVersion =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(ToolInfo).Assembly)
            ?.InformationalVersion ?? "";

    private static string ReadVersion()
    {
        var info = InformationalVersion.Split('+')[0];
        if (info.Length > 0) return info;
        return typeof(ToolInfo).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";
    }
}
