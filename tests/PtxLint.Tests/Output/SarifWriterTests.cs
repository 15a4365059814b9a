using System.Text.Json;
using System.Text.Json.Nodes;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Output;

public sealed class SarifWriterTests
{
    private static JsonNode BuildJson(string root, SarifWriterOptions? options = null, IReadOnlyList<ToolNotification>? notes = null)
    {
        var (files, rules) = SampleFindings.Build(root);
        var log = SarifWriter.Build(files, rules, options ?? new SarifWriterOptions { SourceRoot = root }, notes);
        return JsonNode.Parse(SarifWriter.Serialize(log))!;
    }

    [Fact]
    public void Tool_and_rule_metadata_are_complete_and_have_no_security_severity()
    {
        using var tmp = new TempDir();
        var run = BuildJson(tmp.Path)["runs"]![0]!;
        Assert.Equal("2.1.0", BuildJson(tmp.Path)["version"]!.GetValue<string>());
        var driver = run["tool"]!["driver"]!;
        Assert.Equal("PtxLint", driver["name"]!.GetValue<string>());
        Assert.Equal(ToolInfo.Version, driver["version"]!.GetValue<string>());
        Assert.Equal(ToolInfo.Version, driver["semanticVersion"]!.GetValue<string>());
        Assert.Equal(ToolInfo.InformationUri, driver["informationUri"]!.GetValue<string>());
        var rule = driver["rules"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == "PTX101")!;
        Assert.Equal("bad-thing", rule["name"]!.GetValue<string>());
        Assert.EndsWith(".", rule["shortDescription"]!["text"]!.GetValue<string>());
        Assert.NotNull(rule["fullDescription"]!["text"]);
        Assert.Equal("How to fix bad-thing.", rule["help"]!["text"]!.GetValue<string>());
        Assert.Contains("**bad-thing**", rule["help"]!["markdown"]!.GetValue<string>());
        Assert.EndsWith("/docs/rules/PTX101.md", rule["helpUri"]!.GetValue<string>());
        Assert.Equal("error", rule["defaultConfiguration"]!["level"]!.GetValue<string>());
        Assert.True(rule["defaultConfiguration"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("high", rule["properties"]!["precision"]!.GetValue<string>());
        Assert.Equal("error", rule["properties"]!["problem.severity"]!.GetValue<string>());
        Assert.Equal(new[] { "correctness", "ptx" }, rule["properties"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.DoesNotContain("security-severity", run.ToJsonString());
        Assert.Equal("utf16CodeUnits", run["columnKind"]!.GetValue<string>());
        Assert.Equal("ptxlint/", run["automationDetails"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public void Results_carry_regions_relative_uris_logical_locations_related_flows_and_fingerprints()
    {
        using var tmp = new TempDir();
        var run = BuildJson(tmp.Path)["runs"]![0]!;
        Assert.Equal(new Uri(tmp.Path + "/").AbsoluteUri, run["originalUriBaseIds"]!["%SRCROOT%"]!["uri"]!.GetValue<string>());
        var results = run["results"]!.AsArray();
        Assert.Equal(5, results.Count);
        var r = results.Single(x => x!["ruleId"]!.GetValue<string>() == "PTX101")!;
        var rules = run["tool"]!["driver"]!["rules"]!.AsArray();
        Assert.Equal("PTX101", rules[r["ruleIndex"]!.GetValue<int>()]!["id"]!.GetValue<string>());
        Assert.Equal("error", r["level"]!.GetValue<string>());
        Assert.EndsWith(".", r["message"]!["text"]!.GetValue<string>());
        var loc = r["locations"]![0]!;
        var art = loc["physicalLocation"]!["artifactLocation"]!;
        Assert.Equal("build/kernels.ptx", art["uri"]!.GetValue<string>());
        Assert.Equal("%SRCROOT%", art["uriBaseId"]!.GetValue<string>());
        var region = loc["physicalLocation"]!["region"]!;
        Assert.Equal(10, region["startLine"]!.GetValue<int>());
        Assert.Equal(5, region["startColumn"]!.GetValue<int>());
        Assert.Equal(10, region["endLine"]!.GetValue<int>());
        Assert.Equal(16, region["endColumn"]!.GetValue<int>());
        Assert.Equal("    bar.sync 0;", region["snippet"]!["text"]!.GetValue<string>());
        Assert.Equal("saxpy", loc["logicalLocations"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("function", loc["logicalLocations"]![0]!["kind"]!.GetValue<string>());

        var related = r["relatedLocations"]!.AsArray();
        Assert.Equal(new[] { 1, 2, 3 }, related.Select(x => x!["id"]!.GetValue<int>()));
        Assert.Equal("%r1 comes from %tid.x here.", related[0]!["message"]!["text"]!.GetValue<string>());
        Assert.Equal("src/saxpy.cu", related[1]!["physicalLocation"]!["artifactLocation"]!["uri"]!.GetValue<string>());
        Assert.Equal(12, related[1]!["physicalLocation"]!["region"]!["startLine"]!.GetValue<int>());
        Assert.Equal(30, related[2]!["physicalLocation"]!["region"]!["startLine"]!.GetValue<int>());

        var steps = r["codeFlows"]![0]!["threadFlows"]![0]!["locations"]!.AsArray();
        Assert.Equal(3, steps.Count);
        Assert.Equal("%tid.x is read.", steps[0]!["location"]!["message"]!["text"]!.GetValue<string>());

        Assert.Matches("^[0-9a-f]{16}:1$", r["partialFingerprints"]!["primaryLocationLineHash"]!.GetValue<string>());
        Assert.True(r["properties"]!["confirmed"]!.GetValue<bool>());
        Assert.Equal(128, r["properties"]!["threads"]!.GetValue<int>());
        Assert.Equal(3, r["properties"]!["lanes"]!.AsArray().Count);
        Assert.Null(r["suppressions"]);

        var suppressed = results.Single(x => x!["message"]!["text"]!.GetValue<string>().StartsWith("suppressed"))!;
        Assert.Equal("inSource", suppressed["suppressions"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal("the host pads the buffer", suppressed["suppressions"]![0]!["justification"]!.GetValue<string>());

        var outside = results.Single(x => x!["message"]!["text"]!.GetValue<string>().StartsWith("a file outside"))!;
        var oa = outside["locations"]![0]!["physicalLocation"]!["artifactLocation"]!;
        Assert.Equal("file:///opt/elsewhere/other.ptx", oa["uri"]!.GetValue<string>());
        Assert.Null(oa["uriBaseId"]);

        var artifacts = run["artifacts"]!.AsArray().Select(a => a!["location"]!["uri"]!.GetValue<string>()).ToList();
        Assert.Contains("build/kernels.ptx", artifacts);
        Assert.Contains("src/saxpy.cu", artifacts);
        Assert.True(run["invocations"]![0]!["executionSuccessful"]!.GetValue<bool>());
    }

    [Fact]
    public void Cuda_primary_swaps_the_primary_location_and_keeps_the_ptx_line_related()
    {
        using var tmp = new TempDir();
        var run = BuildJson(tmp.Path, new SarifWriterOptions { SourceRoot = tmp.Path, CudaLocationsPrimary = true })["runs"]![0]!;
        var r = run["results"]!.AsArray().Single(x => x!["ruleId"]!.GetValue<string>() == "PTX101")!;
        Assert.Equal("src/saxpy.cu", r["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]!.GetValue<string>());
        Assert.Contains(r["relatedLocations"]!.AsArray(), x => x!["physicalLocation"]!["artifactLocation"]!["uri"]!.GetValue<string>() == "build/kernels.ptx"
            && x["physicalLocation"]!["region"]!["startLine"]!.GetValue<int>() == 10);
    }

    [Fact]
    public void Unreadable_files_become_error_notifications_and_fail_the_invocation()
    {
        using var tmp = new TempDir();
        var run = BuildJson(tmp.Path, null, new[] { new ToolNotification(Level.Error, "cannot read 'x.ptx': Permission denied", Path.Combine(tmp.Path, "x.ptx")) })["runs"]![0]!;
        var inv = run["invocations"]![0]!;
        Assert.False(inv["executionSuccessful"]!.GetValue<bool>());
        var n = inv["toolExecutionNotifications"]![0]!;
        Assert.Equal("error", n["level"]!.GetValue<string>());
        Assert.Equal("x.ptx", n["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]!.GetValue<string>());
    }

    [Fact]
    public void Results_are_capped_errors_first_and_a_notification_says_so()
    {
        using var tmp = new TempDir();
        var run = BuildJson(tmp.Path, new SarifWriterOptions { SourceRoot = tmp.Path, MaxResults = 1 })["runs"]![0]!;
        var results = run["results"]!.AsArray();
        Assert.Single(results);
        Assert.Equal("error", results[0]!["level"]!.GetValue<string>());
        var note = run["invocations"]![0]!["toolExecutionNotifications"]![0]!;
        Assert.Contains("only the first 1", note["message"]!["text"]!.GetValue<string>());
        Assert.True(run["invocations"]![0]!["executionSuccessful"]!.GetValue<bool>());
        Assert.Equal(25_000, new SarifWriterOptions().MaxResults);
    }

    [Fact]
    public void Fingerprint_is_stable_when_unrelated_lines_move_and_counts_identical_lines()
    {
        var rule = Fakes.BadRule;
        Finding At(int line, string text) => new(rule, Level.Warning, "m", new Location("/a.ptx", new SourceSpan(line, 1, line, 2))) { LineText = text };
        var before = new[] { At(3, "  bar.sync 0;"), At(9, "bar.sync   0;"), At(12, "ld.global.u32 %r1, [%rd1];") };
        var after = new[] { At(30, "bar.sync 0;"), At(41, "\tbar.sync 0;"), At(52, "ld.global.u32 %r1, [%rd1];") };
        var fb = Fingerprints.Compute(before);
        var fa = Fingerprints.Compute(after);
        for (int i = 0; i < 3; i++) Assert.Equal(fb[before[i]], fa[after[i]]);
        Assert.EndsWith(":1", fb[before[0]]);
        Assert.EndsWith(":2", fb[before[1]]);
        Assert.Equal(fb[before[0]][..16], fb[before[1]][..16]);
        var other = new Finding(Fakes.NoteRule, Level.Note, "m", before[0].Location) { LineText = "  bar.sync 0;" };
        Assert.NotEqual(fb[before[0]], Fingerprints.Compute(new[] { other })[other]);
    }

    [Fact]
    public void Log_round_trips_through_the_source_generated_context()
    {
        using var tmp = new TempDir();
        var (files, rules) = SampleFindings.Build(tmp.Path);
        var json = SarifWriter.Serialize(SarifWriter.Build(files, rules, new SarifWriterOptions { SourceRoot = tmp.Path }));
        var back = SarifWriter.Deserialize(json);
        Assert.Equal(5, back.Runs[0].Results.Count);
        Assert.Equal(json, SarifWriter.Serialize(back));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("https://json.schemastore.org/sarif-2.1.0.json", doc.RootElement.GetProperty("$schema").GetString());
    }
}
