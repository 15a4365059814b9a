using System.Text.Json;
using System.Text.Json.Nodes;
using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// Where <c>ptxlint confirm</c> gets a module and its findings when no SARIF file is given: the CLI satisfies it
/// with the analysis engine (<c>PtxLint.Engine.AnalysisEngine</c>), so this project compiles without it.
/// </summary>
public interface IFindingSource
{
    /// <summary>Parses a PTX file into the IR.</summary>
    PtxModule Parse(string filePath, string text);

    /// <summary>Runs the rules over a parsed module.</summary>
    IReadOnlyList<Finding> Analyze(PtxModule module);

    /// <summary>
    /// Writes findings (with their <c>confirmation</c> properties) as SARIF 2.1.0; null to use
    /// <see cref="SarifFindings.WriteMinimal"/>.
    /// </summary>
    string? ToSarif(PtxModule module, IReadOnlyList<Finding> findings) => null;
}

/// <summary>Findings read from a SARIF file, each with the JSON result it came from (to write the verdict back).</summary>
public sealed class SarifFindings
{
    private SarifFindings(JsonNode document, List<(Finding Finding, JsonObject Result)> items)
    {
        Document = document;
        Items = items;
    }

    public JsonNode Document { get; }
    public IReadOnlyList<(Finding Finding, JsonObject Result)> Items { get; }
    public IReadOnlyList<Finding> Findings => Items.Select(i => i.Finding).ToList();

    /// <summary>
    /// Reads the results of a SARIF log that are located in <paramref name="ptxPath"/> (matched by full path,
    /// then by file name; a log with one artifact matches any path).
    /// </summary>
    public static SarifFindings Read(string sarifText, string ptxPath)
    {
        var doc = JsonNode.Parse(sarifText, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip })
                  ?? throw new FormatException("empty SARIF");
        var items = new List<(Finding, JsonObject)>();
        var rules = new Dictionary<string, RuleDescriptor>(StringComparer.Ordinal);
        foreach (var run in doc["runs"]?.AsArray() ?? new JsonArray())
        {
            var results = run?["results"]?.AsArray();
            if (results is null) continue;
            var uris = results.Select(r => Uri(r)).Where(u => u is not null).Distinct().ToList();
            foreach (var node in results)
            {
                if (node is not JsonObject r) continue;
                var uri = Uri(r);
                if (uris.Count > 1 && uri is not null && !SamePath(uri, ptxPath)) continue;
                var ruleId = r["ruleId"]?.GetValue<string>() ?? r["rule"]?["id"]?.GetValue<string>() ?? "";
                if (!rules.TryGetValue(ruleId, out var rule))
                    rules[ruleId] = rule = new RuleDescriptor
                    {
                        Id = ruleId, Name = ruleId, ShortDescription = ruleId, FullDescription = ruleId,
                        DefaultLevel = Level.Warning, HelpText = "", HelpMarkdown = "",
                    };
                var region = r["locations"]?[0]?["physicalLocation"]?["region"];
                int line = region?["startLine"]?.GetValue<int>() ?? 0;
                int col = region?["startColumn"]?.GetValue<int>() ?? 1;
                int endCol = region?["endColumn"]?.GetValue<int>() ?? col + 1;
                LevelExtensions.TryParse(r["level"]?.GetValue<string>() ?? "warning", out var level);
                var logical = r["locations"]?[0]?["logicalLocations"]?[0];
                var fn = logical?["name"]?.GetValue<string>() ?? logical?["fullyQualifiedName"]?.GetValue<string>();
                var finding = new Finding(rule, level, r["message"]?["text"]?.GetValue<string>() ?? "",
                    new Location(ptxPath, new SourceSpan(line, col, line, endCol))) { FunctionName = fn };
                // The rule's typed data, rebuilt from the property bag by the rule's confirmer (never from the message).
                finding.Data = Confirmers.ReadData(finding, PropertyReader.FromJson(r["properties"] as JsonObject));
                items.Add((finding, r));
            }
        }
        return new SarifFindings(doc, items);
    }

    private static string? Uri(JsonNode? r) =>
        r?["locations"]?[0]?["physicalLocation"]?["artifactLocation"]?["uri"]?.GetValue<string>();

    private static bool SamePath(string uri, string path)
    {
        var u = uri.StartsWith("file://", StringComparison.Ordinal) ? new Uri(uri).LocalPath : System.Uri.UnescapeDataString(uri);
        if (Path.GetFullPath(u) == Path.GetFullPath(path)) return true;
        return u.Replace('\\', '/').EndsWith("/" + Path.GetFileName(path), StringComparison.Ordinal) || u == Path.GetFileName(path);
    }

    /// <summary>Writes every finding's confirmation into its SARIF result's properties and returns the log.</summary>
    public string WriteBack()
    {
        foreach (var (finding, result) in Items)
        {
            if (!finding.Properties.TryGetValue(Confirmation.PropertyKey, out var value) || value is not IReadOnlyDictionary<string, string> props) continue;
            var bag = result["properties"] as JsonObject;
            if (bag is null) result["properties"] = bag = new JsonObject();
            var o = new JsonObject();
            foreach (var kv in props) o[kv.Key] = kv.Value;
            bag[Confirmation.PropertyKey] = o;
        }
        return Document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A minimal SARIF 2.1.0 log of findings with their confirmation properties (when no richer writer is wired).</summary>
    public static string WriteMinimal(string ptxPath, IReadOnlyList<Finding> findings)
    {
        var results = new JsonArray();
        foreach (var f in findings)
        {
            var r = new JsonObject
            {
                ["ruleId"] = f.Rule.Id,
                ["level"] = f.Level.ToSarif(),
                ["message"] = new JsonObject { ["text"] = f.Message },
                ["locations"] = new JsonArray(new JsonObject
                {
                    ["physicalLocation"] = new JsonObject
                    {
                        ["artifactLocation"] = new JsonObject { ["uri"] = f.Location.FilePath.Replace('\\', '/') },
                        ["region"] = new JsonObject { ["startLine"] = Math.Max(1, f.Location.Span.StartLine), ["startColumn"] = Math.Max(1, f.Location.Span.StartColumn) },
                    },
                    ["logicalLocations"] = f.FunctionName is null ? null : new JsonArray(new JsonObject { ["name"] = f.FunctionName, ["kind"] = "function" }),
                }),
            };
            if (f.Properties.TryGetValue(Confirmation.PropertyKey, out var v) && v is IReadOnlyDictionary<string, string> props)
            {
                var o = new JsonObject();
                foreach (var kv in props) o[kv.Key] = kv.Value;
                r["properties"] = new JsonObject { [Confirmation.PropertyKey] = o };
            }
            results.Add((JsonNode)r);
        }
        var log = new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject { ["driver"] = new JsonObject { ["name"] = ToolInfo.Name, ["version"] = ToolInfo.Version, ["informationUri"] = ToolInfo.InformationUri } },
                ["results"] = results,
            }),
        };
        return log.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
