using System.Text.Json;
using System.Text.Json.Nodes;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Output.Sarif;
using Location = PtxLint.Diagnostics.Location;

namespace PtxLint.Output;

/// <summary>Options of <see cref="SarifWriter"/>.</summary>
public sealed class SarifWriterOptions
{
    /// <summary>The directory <c>%SRCROOT%</c> stands for; files under it get relative URIs (<c>--srcroot</c>).</summary>
    public string SourceRoot { get; init; } = Directory.GetCurrentDirectory();
    /// <summary><c>runAutomationDetails.id</c> (<c>--category</c>); GitHub uses it to tell uploads apart.</summary>
    public string AutomationId { get; init; } = "ptxlint/";
    public string ToolVersion { get; init; } = ToolInfo.Version;
    /// <summary>GitHub code scanning accepts at most 25,000 results per run.</summary>
    public int MaxResults { get; init; } = 25_000;
    /// <summary>
    /// <c>--locations cuda</c>: the primary location is the CUDA line (<see cref="SourceFrames.Chosen"/>: the innermost
    /// <c>.loc</c> frame whose file exists under <see cref="SourceRoot"/>, else the innermost frame) and the PTX
    /// instruction is a related location. False (<c>--locations ptx</c>, the default): the PTX line is always primary and
    /// the CUDA frames are related locations.
    /// </summary>
    public bool CudaLocationsPrimary { get; init; }
    /// <summary>Comparison with a baseline log (<c>--baseline</c>): sets baselineState, adds absent results.</summary>
    public BaselineComparison? Baseline { get; init; }
    /// <summary>Fingerprints already computed by the caller (else computed here).</summary>
    public IReadOnlyDictionary<Finding, string>? Fingerprints { get; init; }
}

/// <summary>Turns analyzed files and their findings into a SARIF 2.1.0 log (GitHub code scanning ready).</summary>
public static class SarifWriter
{
    public const string SrcRoot = "%SRCROOT%";
    public const int MaxRelatedLocations = 1000;
    public const int MaxThreadFlowLocations = 10_000;

    /// <summary>Builds the SARIF log of one run.</summary>
    public static SarifLog Build(
        IReadOnlyList<AnalyzedFile> files,
        IReadOnlyList<RuleDescriptor> rules,
        SarifWriterOptions options,
        IReadOnlyList<ToolNotification>? notifications = null)
    {
        var srcRoot = Path.GetFullPath(options.SourceRoot);
        var paths = new SarifPaths(srcRoot);

        // Rules: those given, then any rule a finding names that was not given.
        var ruleList = new List<RuleDescriptor>(rules);
        var ruleIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < ruleList.Count; i++) ruleIndex.TryAdd(ruleList[i].Id, i);
        var all = files.SelectMany(f => f.Findings).ToList();
        foreach (var f in all)
            if (!ruleIndex.ContainsKey(f.Rule.Id)) { ruleIndex[f.Rule.Id] = ruleList.Count; ruleList.Add(f.Rule); }

        var sourceOf = files.Where(f => f.Source is not null)
            .GroupBy(f => f.Path, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Source!, StringComparer.Ordinal);
        var fingerprints = options.Fingerprints ?? Fingerprints.Compute(all,
            f => sourceOf.TryGetValue(f.Location.FilePath, out var s) ? s.GetLine(f.Location.Span.StartLine) : null);

        var notes = new List<Notification>();
        bool failed = false;
        foreach (var n in notifications ?? Array.Empty<ToolNotification>())
        {
            if (n.Level == Level.Error) failed = true;
            notes.Add(MakeNotification(n, paths));
        }

        // Cap: keep errors first, then warnings, then notes, each in the deterministic order.
        IEnumerable<Finding> kept = all;
        if (all.Count > options.MaxResults)
        {
            kept = all.Select((f, i) => (f, i))
                .OrderByDescending(p => (int)p.f.Level).ThenBy(p => p.i)
                .Take(options.MaxResults).OrderBy(p => p.i).Select(p => p.f).ToList();
            notes.Add(MakeNotification(new ToolNotification(Level.Warning,
                $"{all.Count} results were found; only the first {options.MaxResults} (errors first) are reported, " +
                "the most GitHub code scanning accepts in one run."), paths));
        }

        var results = new List<Result>();
        foreach (var f in kept)
            results.Add(MakeResult(f, ruleIndex[f.Rule.Id], fingerprints, paths, options));
        if (options.Baseline is { } baseline)
            foreach (var absent in baseline.Absent)
            {
                if (absent.RuleId is { } id && ruleIndex.TryGetValue(id, out var idx)) absent.RuleIndex = idx;
                else absent.RuleIndex = null;
                results.Add(absent);
            }

        // Artifacts: every analyzed file, then CUDA sources the findings point at.
        var artifacts = new List<Artifact>();
        var artifactSeen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
            if (artifactSeen.Add(file.Path))
                artifacts.Add(new Artifact
                {
                    Location = paths.ArtifactLocation(file.Path),
                    Length = file.Length,
                    SourceLanguage = "ptx",
                    Roles = new() { "analysisTarget" },
                });
        foreach (var f in kept)
            foreach (var sl in SourceFrames.Of(f, paths)?.Frames ?? Array.Empty<Location>())
            {
                var cuPath = sl.FilePath;
                if (artifactSeen.Add(cuPath))
                    artifacts.Add(new Artifact { Location = paths.ArtifactLocation(cuPath), SourceLanguage = "cuda" });
            }

        var run = new Run
        {
            Tool = new Tool
            {
                Driver = new ToolComponent
                {
                    Name = ToolInfo.Name,
                    Version = options.ToolVersion,
                    SemanticVersion = options.ToolVersion,
                    InformationUri = ToolInfo.InformationUri,
                    Rules = ruleList.Select(MakeRule).ToList(),
                },
            },
            Invocations = new()
            {
                new Invocation
                {
                    ExecutionSuccessful = !failed,
                    ToolExecutionNotifications = notes.Count > 0 ? notes : null,
                },
            },
            OriginalUriBaseIds = new()
            {
                [SrcRoot] = new ArtifactLocation
                {
                    Uri = SarifPaths.DirectoryUri(srcRoot),
                    Description = new Message { Text = "The source root (--srcroot)." },
                },
            },
            Artifacts = artifacts,
            AutomationDetails = new RunAutomationDetails { Id = options.AutomationId },
            Results = results,
            ColumnKind = "utf16CodeUnits",
        };
        return new SarifLog { Runs = { run } };
    }

    /// <summary>Serializes a log as indented UTF-8 JSON.</summary>
    public static void Write(Stream stream, SarifLog log) =>
        JsonSerializer.Serialize(stream, log, SarifJsonContext.Default.SarifLog);

    public static string Serialize(SarifLog log) =>
        JsonSerializer.Serialize(log, SarifJsonContext.Default.SarifLog);

    public static SarifLog Deserialize(string json) =>
        JsonSerializer.Deserialize(json, SarifJsonContext.Default.SarifLog)
        ?? throw new JsonException("the file holds no SARIF log");

    /// <summary>Rule metadata: ids, names, descriptions, help, default configuration and GitHub's tags.</summary>
    public static ReportingDescriptor MakeRule(RuleDescriptor d)
    {
        var tags = new JsonArray();
        foreach (var t in d.Tags.Take(20)) tags.Add((JsonNode?)JsonValue.Create(t));
        return new ReportingDescriptor
        {
            Id = d.Id,
            Name = d.Name,
            ShortDescription = new MultiformatMessageString { Text = Sentence(d.ShortDescription) },
            FullDescription = new MultiformatMessageString { Text = Sentence(d.FullDescription) },
            Help = new MultiformatMessageString { Text = d.HelpText, Markdown = RuleHelp.Markdown(d) },
            HelpUri = d.HelpUri,
            DefaultConfiguration = new ReportingConfiguration
            {
                Level = d.DefaultLevel == Level.None ? "none" : d.DefaultLevel.ToSarif(),
                Enabled = d.EnabledByDefault,
            },
            Properties = new JsonObject
            {
                ["tags"] = tags,
                ["precision"] = d.Precision,
                ["problem.severity"] = d.ProblemSeverity,
            },
        };
    }

    private static Result MakeResult(Finding f, int ruleIndex, IReadOnlyDictionary<Finding, string> fingerprints,
        SarifPaths paths, SarifWriterOptions options)
    {
        var logical = f.FunctionName is { } fn
            ? new List<LogicalLocation> { new() { Name = fn, FullyQualifiedName = fn, Kind = "function" } }
            : null;

        var ptx = PhysicalOf(f.Location, paths);
        if (ptx.Region is { } reg && !string.IsNullOrEmpty(f.LineText)) reg.Snippet = new ArtifactContent { Text = f.LineText };
        var frames = SourceFrames.Of(f, paths);
        var cuda = frames is null ? null : PhysicalOf(frames.Primary, paths);
        var primary = cuda is not null && options.CudaLocationsPrimary ? cuda : ptx;

        var related = new List<Sarif.Location>();
        int nextId = 1;
        foreach (var r in f.Related)
            related.Add(new Sarif.Location { Id = nextId++, PhysicalLocation = PhysicalOf(r.Location, paths), Message = Text(r.Message) });
        if (frames is not null)
        {
            if (ReferenceEquals(primary, cuda))
                related.Add(new Sarif.Location { Id = nextId++, PhysicalLocation = ptx, Message = Text("The PTX instruction") });
            else
                related.Add(new Sarif.Location { Id = nextId++, PhysicalLocation = cuda, Message = Text("CUDA source location (from .loc)") });
            string Where(Location l) => $"{Path.GetFileName(l.FilePath)}:{l.Span.StartLine}:{Math.Max(1, l.Span.StartColumn)}";
            // Code inlined into the chosen frame (a CUDA header outside the source root), then its call sites out to the
            // outermost one (the kernel's own source line).
            foreach (var inl in frames.InlinedFrom)
                related.Add(new Sarif.Location { Id = nextId++, PhysicalLocation = PhysicalOf(inl, paths), Message = Text($"Inlined from {Where(inl)}") });
            var callers = frames.InlinedAt.ToList();
            for (int i = 0; i < callers.Count; i++)
                related.Add(new Sarif.Location
                {
                    Id = nextId++,
                    PhysicalLocation = PhysicalOf(callers[i], paths),
                    Message = Text(i == callers.Count - 1 ? $"Inlined at {Where(callers[i])} (the outermost call site)" : $"Inlined at {Where(callers[i])}"),
                });
        }
        if (related.Count > MaxRelatedLocations) related.RemoveRange(MaxRelatedLocations, related.Count - MaxRelatedLocations);

        List<Sarif.CodeFlow>? flows = null;
        if (f.CodeFlows.Count > 0)
        {
            flows = new();
            foreach (var cf in f.CodeFlows)
                flows.Add(new Sarif.CodeFlow
                {
                    Message = Text(cf.Message),
                    ThreadFlows =
                    {
                        new ThreadFlow
                        {
                            Locations = cf.Steps.Take(MaxThreadFlowLocations).Select(s => new ThreadFlowLocation
                            {
                                Location = new Sarif.Location { PhysicalLocation = PhysicalOf(s.Location, paths), Message = Text(s.Message) },
                            }).ToList(),
                        },
                    },
                });
        }

        List<Suppression>? suppressions = null;
        if (f.Suppression is { } sup)
        {
            suppressions = new()
            {
                new Suppression
                {
                    Kind = string.IsNullOrEmpty(sup.Kind) ? "inSource" : sup.Kind,
                    Justification = string.IsNullOrWhiteSpace(sup.Justification) ? null : sup.Justification,
                    Location = sup.Location is { } l ? new Sarif.Location { PhysicalLocation = PhysicalOf(l, paths) } : null,
                },
            };
        }

        JsonObject? props = null;
        var data = f.Data?.ToProperties().Where(p => p.Value is not null).ToList();
        if (f.Properties.Count > 0 || data is { Count: > 0 } || f.Notes.Count > 0 || f.Help is { Length: > 0 } || f.Occurrences > 1)
        {
            var all = new SortedDictionary<string, object?>(StringComparer.Ordinal);
            if (data is not null) foreach (var (k, v) in data) all[k] = v;
            foreach (var (k, v) in f.Properties) all[k] = v;
            props = new JsonObject();
            foreach (var (k, v) in all) props[k] = ToNode(v);
            if (f.Notes.Count > 0) props["notes"] = new JsonArray(f.Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
            if (f.Help is { Length: > 0 } h) props["help"] = h;
            if (f.Occurrences > 1) props["occurrences"] = f.Occurrences;
        }

        return new Result
        {
            RuleId = f.Rule.Id,
            RuleIndex = ruleIndex,
            Level = f.Level == Level.None ? "none" : f.Level.ToSarif(),
            Message = ResultMessage(f),
            Locations = new() { new Sarif.Location { PhysicalLocation = primary, LogicalLocations = logical } },
            RelatedLocations = related.Count > 0 ? related : null,
            CodeFlows = flows,
            PartialFingerprints = fingerprints.TryGetValue(f, out var fp) ? new() { [Fingerprints.Key] = fp } : null,
            Suppressions = suppressions,
            BaselineState = options.Baseline?.StateOf(f),
            Properties = props,
        };
    }

    private static Notification MakeNotification(ToolNotification n, SarifPaths paths) => new()
    {
        Level = n.Level.ToSarif(),
        Message = Text(n.Message),
        Locations = n.FilePath is { } p
            ? new() { new Sarif.Location { PhysicalLocation = new PhysicalLocation { ArtifactLocation = paths.ArtifactLocation(p) } } }
            : null,
        Descriptor = n.RuleId is { } id ? new ReportingDescriptorReference { Id = id } : null,
    };

    private static PhysicalLocation PhysicalOf(Location loc, SarifPaths paths)
    {
        var s = loc.Span;
        Region? region = null;
        if (!s.IsEmpty)
        {
            int startCol = Math.Max(1, s.StartColumn);
            int endLine = Math.Max(s.StartLine, s.EndLine);
            int endCol = s.EndColumn > 0 ? s.EndColumn : startCol + 1;
            if (endLine == s.StartLine && endCol <= startCol) endCol = startCol + 1;
            region = new Region { StartLine = s.StartLine, StartColumn = startCol, EndLine = endLine, EndColumn = endCol };
        }
        return new PhysicalLocation { ArtifactLocation = paths.ArtifactLocation(loc.FilePath), Region = region };
    }

    private static Message Text(string text) => new() { Text = Sentence(text) };

    /// <summary>
    /// The result message: <c>text</c> is the headline (what GitHub shows as the alert's message, with the rule's help
    /// under "Show more"); <c>markdown</c>, for viewers that render it, adds the finding's notes and its help.
    /// </summary>
    internal static Message ResultMessage(Finding f)
    {
        var m = Text(f.Message);
        if (f.Notes.Count == 0 && f.Help is not { Length: > 0 }) return m;
        var md = new System.Text.StringBuilder(m.Text);
        if (f.Notes.Count > 0)
        {
            md.Append("\n");
            foreach (var n in f.Notes) md.Append("\n- ").Append(Sentence(n));
        }
        if (f.Help is { Length: > 0 } help) md.Append("\n\n**Help:** ").Append(Sentence(help));
        m.Markdown = md.ToString();
        return m;
    }

    /// <summary>SARIF messages are sentences: they end with a period (SARIF2001).</summary>
    internal static string Sentence(string text)
    {
        var t = text.TrimEnd();
        if (t.Length == 0) return t;
        char last = t[^1];
        return last is '.' or '!' or '?' ? t : t + ".";
    }

    internal static JsonNode? ToNode(object? v) => v switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        float fl => JsonValue.Create(fl),
        decimal m => JsonValue.Create(m),
        Enum e => JsonValue.Create(e.ToString()),
        System.Collections.IDictionary dict => DictNode(dict),
        System.Collections.IEnumerable seq => new JsonArray(seq.Cast<object?>().Select(ToNode).ToArray()),
        _ => JsonValue.Create(v.ToString()),
    };

    private static JsonObject DictNode(System.Collections.IDictionary dict)
    {
        var o = new JsonObject();
        foreach (System.Collections.DictionaryEntry e in dict) o[e.Key.ToString()!] = ToNode(e.Value);
        return o;
    }
}

/// <summary>Artifact URIs: relative to <c>%SRCROOT%</c> when under the source root, absolute file URIs otherwise.</summary>
public sealed class SarifPaths
{
    private readonly string _root;

    private readonly Dictionary<string, string?> _found = new(StringComparer.Ordinal);

    public SarifPaths(string sourceRoot) { _root = Path.GetFullPath(sourceRoot); }

    public string Root => _root;

    /// <summary>
    /// Where a file named in PTX (a <c>.file</c> path: absolute on the build machine, or relative) exists under the
    /// source root: the path itself when it is under the root and exists; a relative path joined to the root; else
    /// the longest trailing part of the path that exists under the root (<c>/build/agent/src/kernels/k.cu</c> ->
    /// <c>ROOT/src/kernels/k.cu</c>, then <c>ROOT/kernels/k.cu</c>, then <c>ROOT/k.cu</c>). Null when none exists.
    /// </summary>
    public string? FindUnderRoot(string path)
    {
        lock (_found)
        {
            if (_found.TryGetValue(path, out var cached)) return cached;
            var result = Find(path);
            _found[path] = result;
            return result;
        }
    }

    private string? Find(string path)
    {
        try
        {
            if (Path.IsPathRooted(path))
            {
                var full = Path.GetFullPath(path);
                if (RelativeUri(full) is not null && File.Exists(full)) return full;
            }
            var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Where(p => p != "." && !p.EndsWith(':')).ToArray();
            for (int i = 0; i < parts.Length; i++)
            {
                if (parts[i..].Contains("..")) continue;
                var candidate = Path.Combine(_root, Path.Combine(parts[i..]));
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException) { }
        return null;
    }

    public ArtifactLocation ArtifactLocation(string path)
    {
        // A path from a .file directive can hold anything (even NUL): such a path is not a file system path.
        if (path.AsSpan().IndexOfAny('\0', '\n', '\r') >= 0)
            return new ArtifactLocation { Uri = Escape(path.Replace('\\', '/').TrimStart('/')), UriBaseId = SarifWriter.SrcRoot };
        var rel = RelativeUri(path);
        return rel is not null
            ? new ArtifactLocation { Uri = rel, UriBaseId = SarifWriter.SrcRoot }
            : new ArtifactLocation { Uri = new Uri(Path.GetFullPath(path)).AbsoluteUri };
    }

    /// <summary>The URI relative to the source root (escaped, '/'-separated), or null when outside it.</summary>
    public string? RelativeUri(string path)
    {
        if (!Path.IsPathRooted(path))
        {
            // A relative path (e.g. a .file name from nvcc) is taken as relative to the source root.
            return Escape(path.Replace('\\', '/').TrimStart('/'));
        }
        var full = Path.GetFullPath(path);
        var rel = Path.GetRelativePath(_root, full);
        if (Path.IsPathRooted(rel) || rel == ".." || rel.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return null;
        return Escape(rel.Replace(Path.DirectorySeparatorChar, '/'));
    }

    private static string Escape(string rel) => string.Join('/', rel.Split('/').Select(Uri.EscapeDataString));

    public static string DirectoryUri(string dir)
    {
        var uri = new Uri(Path.GetFullPath(dir)).AbsoluteUri;
        return uri.EndsWith('/') ? uri : uri + "/";
    }
}
