using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PtxLint.Output.Sarif;

// A small SARIF 2.1.0 object model: only what PtxLint writes and reads back (baselines).
// Property names follow the specification (camelCase through the source-generated context).

public sealed class SarifLog
{
    [JsonPropertyName("$schema")]
    public string Schema { get; set; } = "https://json.schemastore.org/sarif-2.1.0.json";
    public string Version { get; set; } = "2.1.0";
    public List<Run> Runs { get; set; } = new();
}

public sealed class Run
{
    public Tool Tool { get; set; } = new();
    public List<Invocation>? Invocations { get; set; }
    public Dictionary<string, ArtifactLocation>? OriginalUriBaseIds { get; set; }
    public List<Artifact>? Artifacts { get; set; }
    public RunAutomationDetails? AutomationDetails { get; set; }
    public List<Result> Results { get; set; } = new();
    public string? ColumnKind { get; set; }
    public JsonObject? Properties { get; set; }
}

public sealed class Tool
{
    public ToolComponent Driver { get; set; } = new();
}

public sealed class ToolComponent
{
    public string Name { get; set; } = "";
    public string? Version { get; set; }
    public string? SemanticVersion { get; set; }
    public string? InformationUri { get; set; }
    public List<ReportingDescriptor>? Rules { get; set; }
}

public sealed class ReportingDescriptor
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }
    public MultiformatMessageString? ShortDescription { get; set; }
    public MultiformatMessageString? FullDescription { get; set; }
    public MultiformatMessageString? Help { get; set; }
    public string? HelpUri { get; set; }
    public ReportingConfiguration? DefaultConfiguration { get; set; }
    public JsonObject? Properties { get; set; }
}

public sealed class MultiformatMessageString
{
    public string Text { get; set; } = "";
    public string? Markdown { get; set; }
}

public sealed class ReportingConfiguration
{
    public string? Level { get; set; }
    public bool? Enabled { get; set; }
}

public sealed class Message
{
    public string? Text { get; set; }
    public string? Markdown { get; set; }
    public string? Id { get; set; }
}

public sealed class Result
{
    public string? RuleId { get; set; }
    public int? RuleIndex { get; set; }
    public string? Level { get; set; }
    public Message Message { get; set; } = new();
    public List<Location>? Locations { get; set; }
    public List<Location>? RelatedLocations { get; set; }
    public List<CodeFlow>? CodeFlows { get; set; }
    public Dictionary<string, string>? PartialFingerprints { get; set; }
    public List<Suppression>? Suppressions { get; set; }
    public string? BaselineState { get; set; }
    public JsonObject? Properties { get; set; }
}

public sealed class Location
{
    public int? Id { get; set; }
    public PhysicalLocation? PhysicalLocation { get; set; }
    public List<LogicalLocation>? LogicalLocations { get; set; }
    public Message? Message { get; set; }
}

public sealed class PhysicalLocation
{
    public ArtifactLocation? ArtifactLocation { get; set; }
    public Region? Region { get; set; }
}

public sealed class ArtifactLocation
{
    public string? Uri { get; set; }
    public string? UriBaseId { get; set; }
    public int? Index { get; set; }
    public Message? Description { get; set; }
}

public sealed class Region
{
    public int? StartLine { get; set; }
    public int? StartColumn { get; set; }
    public int? EndLine { get; set; }
    public int? EndColumn { get; set; }
    public ArtifactContent? Snippet { get; set; }
}

public sealed class ArtifactContent
{
    public string? Text { get; set; }
}

public sealed class LogicalLocation
{
    public string? Name { get; set; }
    public string? FullyQualifiedName { get; set; }
    public string? Kind { get; set; }
}

public sealed class CodeFlow
{
    public Message? Message { get; set; }
    public List<ThreadFlow> ThreadFlows { get; set; } = new();
}

public sealed class ThreadFlow
{
    public List<ThreadFlowLocation> Locations { get; set; } = new();
}

public sealed class ThreadFlowLocation
{
    public Location? Location { get; set; }
    public int? NestingLevel { get; set; }
    public int? ExecutionOrder { get; set; }
}

public sealed class Suppression
{
    public string Kind { get; set; } = "inSource";
    public string? Status { get; set; }
    public string? Justification { get; set; }
    public Location? Location { get; set; }
}

public sealed class Artifact
{
    public ArtifactLocation? Location { get; set; }
    public long? Length { get; set; }
    public string? SourceLanguage { get; set; }
    public List<string>? Roles { get; set; }
}

public sealed class Invocation
{
    public bool ExecutionSuccessful { get; set; }
    public string? StartTimeUtc { get; set; }
    public string? EndTimeUtc { get; set; }
    public List<Notification>? ToolExecutionNotifications { get; set; }
    public List<Notification>? ToolConfigurationNotifications { get; set; }
}

public sealed class Notification
{
    public string? Level { get; set; }
    public Message Message { get; set; } = new();
    public List<Location>? Locations { get; set; }
    public ReportingDescriptorReference? Descriptor { get; set; }
}

public sealed class ReportingDescriptorReference
{
    public string? Id { get; set; }
}

public sealed class RunAutomationDetails
{
    public string? Id { get; set; }
}

/// <summary>Source-generated (reflection-free) serialization of the SARIF model.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(SarifLog))]
public sealed partial class SarifJsonContext : JsonSerializerContext
{
}
