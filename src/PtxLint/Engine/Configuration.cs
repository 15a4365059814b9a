using System.Text.Json;
using PtxLint.Diagnostics;

namespace PtxLint.Engine;

/// <summary>A configuration error: names the file and the key. The CLI prints it and exits 2.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>The setting of one rule in <c>ptxlint.json</c>.</summary>
public sealed class RuleSetting
{
    /// <summary>The configured level; <see cref="Level.None"/> means off; null keeps the default.</summary>
    public Level? Level { get; init; }
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A <c>ptxlint.json</c>:
/// <code>
/// {
///   "failLevel": "warning",
///   "include": ["**/*.ptx"],
///   "exclude": ["third_party/**"],
///   "rules": {
///     "PTX009": "off",
///     "PTX001": { "level": "error", "options": { "batchedKernelPattern": "^batched_" } }
///   }
/// }
/// </code>
/// Rules are named by id or name. Globs are relative to the file's directory. Unknown keys are errors.
/// </summary>
public sealed class PtxLintConfig
{
    public const string FileName = "ptxlint.json";

    public required string FilePath { get; init; }
    public string Directory => Path.GetDirectoryName(FilePath)!;
    public Level? FailLevel { get; init; }
    /// <summary><c>maxFileSize</c>: files bigger than this many bytes are refused (a number of MB, or a string such as "1GB"; 0: no limit).</summary>
    public long? MaxFileSize { get; init; }
    public IReadOnlyList<string> Include { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    /// <summary>By rule id.</summary>
    public IReadOnlyDictionary<string, RuleSetting> Rules { get; init; } = new Dictionary<string, RuleSetting>();

    private Glob[]? _include, _exclude;

    /// <summary>False when the file is excluded (or not included) by this configuration's globs.</summary>
    public bool Includes(string fullPath)
    {
        var rel = Path.GetRelativePath(Directory, fullPath).Replace(Path.DirectorySeparatorChar, '/');
        _include ??= Include.Select(g => new Glob(g)).ToArray();
        _exclude ??= Exclude.Select(g => new Glob(g)).ToArray();
        if (_include.Length > 0 && !_include.Any(g => g.Matches(rel))) return false;
        return !_exclude.Any(g => g.Matches(rel) || g.MatchesDirectoryOf(rel));
    }

    private static readonly string[] TopKeys = { "$schema", "failLevel", "maxFileSize", "include", "exclude", "rules" };

    /// <summary>Reads and checks a configuration file against the known rules.</summary>
    public static PtxLintConfig Load(string path, IReadOnlyCollection<RuleDescriptor> knownRules)
    {
        path = Path.GetFullPath(path);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read configuration '{path}': {e.Message}");
        }
        return Parse(path, text, knownRules);
    }

    public static PtxLintConfig Parse(string path, string text, IReadOnlyCollection<RuleDescriptor> knownRules)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{path}: invalid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ConfigException($"{path}: the configuration must be a JSON object");
            Level? fail = null;
            long? maxFileSize = null;
            var include = new List<string>();
            var exclude = new List<string>();
            var rules = new Dictionary<string, RuleSetting>(StringComparer.Ordinal);
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "$schema": break;
                    case "failLevel": fail = ParseLevel(path, "failLevel", p.Value); break;
                    case "maxFileSize": maxFileSize = ParseSize(path, "maxFileSize", p.Value); break;
                    case "include": include.AddRange(StringList(path, "include", p.Value)); break;
                    case "exclude": exclude.AddRange(StringList(path, "exclude", p.Value)); break;
                    case "rules":
                        if (p.Value.ValueKind != JsonValueKind.Object) throw new ConfigException($"{path}: 'rules' must be an object");
                        foreach (var r in p.Value.EnumerateObject())
                        {
                            var d = knownRules.FirstOrDefault(k => string.Equals(k.Id, r.Name, StringComparison.OrdinalIgnoreCase) || k.Name == r.Name)
                                ?? throw new ConfigException($"{path}: unknown rule '{r.Name}' (key 'rules.{r.Name}'); " +
                                    (Suggest.Closest(r.Name, knownRules.SelectMany(k => new[] { k.Id, k.Name })) is { } nearRule ? $"did you mean '{nearRule}'? " : "") +
                                    "`ptxlint rules` lists the rule ids");
                            rules[d.Id] = ParseRule(path, "rules." + r.Name, r.Value, d);
                        }
                        break;
                    default:
                        throw new ConfigException($"{path}: unknown key '{p.Name}'" +
                            (Suggest.Closest(p.Name, TopKeys) is { } near ? $"; did you mean '{near}'?" : "") +
                            $" (known keys: {string.Join(", ", TopKeys)})");
                }
            }
            return new PtxLintConfig { FilePath = path, FailLevel = fail, MaxFileSize = maxFileSize, Include = include, Exclude = exclude, Rules = rules };
        }
    }

    private static RuleSetting ParseRule(string path, string key, JsonElement v, RuleDescriptor rule)
    {
        if (v.ValueKind == JsonValueKind.String) return new RuleSetting { Level = ParseLevel(path, key, v) };
        if (v.ValueKind == JsonValueKind.False) return new RuleSetting { Level = Level.None };
        if (v.ValueKind == JsonValueKind.True) return new RuleSetting();
        if (v.ValueKind != JsonValueKind.Object)
            throw new ConfigException($"{path}: '{key}' must be a level (\"error\", \"warning\", \"note\", \"off\") or an object");
        Level? level = null;
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            switch (p.Name)
            {
                case "level": level = ParseLevel(path, key + ".level", p.Value); break;
                case "options":
                    if (p.Value.ValueKind != JsonValueKind.Object) throw new ConfigException($"{path}: '{key}.options' must be an object");
                    foreach (var o in p.Value.EnumerateObject())
                        options[o.Name] = ParseOption(path, $"{key}.options.{o.Name}", o, rule);
                    break;
                default:
                    throw new ConfigException($"{path}: unknown key '{key}.{p.Name}' (known keys: level, options)");
            }
        }
        return new RuleSetting { Level = level, Options = options };
    }

    /// <summary>Checks one option against the rule's declaration (name, JSON type, value) and returns its raw text.</summary>
    private static string ParseOption(string path, string key, JsonProperty o, RuleDescriptor rule)
    {
        var option = rule.Options.FirstOrDefault(x => x.Name == o.Name);
        if (option is null)
        {
            var known = rule.Options.Count == 0
                ? $"{rule.Id} has no options"
                : $"{rule.Id}'s options: {string.Join(", ", rule.Options.Select(x => x.Name))}";
            var near = Suggest.Closest(o.Name, rule.Options.Select(x => x.Name));
            throw new ConfigException($"{path}: unknown option '{o.Name}' of rule {rule.Id} (key '{key}'); " +
                (near is not null ? $"did you mean '{near}'? " : "") + $"{known} (`ptxlint explain {rule.Id}` lists them)");
        }
        var v = o.Value;
        bool kindOk = option.Type switch
        {
            RuleOptionType.Boolean => v.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.String,
            RuleOptionType.Integer => v.ValueKind is JsonValueKind.Number or JsonValueKind.String,
            _ => v.ValueKind == JsonValueKind.String,
        };
        if (!kindOk)
            throw new ConfigException($"{path}: '{key}' must be a {(option.Type == RuleOptionType.Regex ? "regular expression (a JSON string)" : option.TypeName)}, got {v.GetRawText()}");
        var raw = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
        if (!option.TryParseValue(raw, out _, out var error))
            throw new ConfigException($"{path}: '{key}' {error}");
        return raw;
    }

    private static long ParseSize(string path, string key, JsonElement v)
    {
        var text = v.ValueKind switch
        {
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.String => v.GetString()!,
            _ => null,
        };
        if (text is not null && InputReader.TryParseSize(text, out var bytes)) return bytes;
        throw new ConfigException($"{path}: '{key}' must be a size in MB (a number, or a string such as \"512MB\" or \"1GB\"; 0: no limit), got {v.GetRawText()}");
    }

    private static Level ParseLevel(string path, string key, JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.String && LevelExtensions.TryParse(v.GetString()!, out var l)) return l;
        throw new ConfigException($"{path}: '{key}' must be one of \"error\", \"warning\", \"note\", \"off\" (got {v.GetRawText()})");
    }

    private static IEnumerable<string> StringList(string path, string key, JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.String) return new[] { v.GetString()! };
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw new ConfigException($"{path}: '{key}' must be a list of glob strings");
        return v.EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}

/// <summary>Finds the <c>ptxlint.json</c> for each file (walking up from its directory) or uses <c>--config</c>.</summary>
public sealed class ConfigResolver
{
    private readonly IReadOnlyCollection<RuleDescriptor> _rules;
    private readonly PtxLintConfig? _explicit;
    private readonly Dictionary<string, PtxLintConfig?> _byDirectory = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <param name="rules">Every known rule (for checking rule ids).</param>
    /// <param name="explicitPath"><c>--config</c>: used for every file; no walking up.</param>
    public ConfigResolver(IReadOnlyCollection<RuleDescriptor> rules, string? explicitPath = null)
    {
        _rules = rules;
        if (explicitPath is not null)
        {
            if (!File.Exists(explicitPath)) throw new ConfigException($"cannot read configuration '{explicitPath}': file not found");
            _explicit = PtxLintConfig.Load(explicitPath, rules);
        }
    }

    /// <summary>The configuration that applies to <paramref name="filePath"/>, or null when there is none.</summary>
    public PtxLintConfig? For(string filePath)
    {
        if (_explicit is not null) return _explicit;
        var dir = Path.GetDirectoryName(Path.GetFullPath(filePath));
        return dir is null ? null : ForDirectory(dir);
    }

    private PtxLintConfig? ForDirectory(string dir)
    {
        lock (_lock)
        {
            if (_byDirectory.TryGetValue(dir, out var cached)) return cached;
        }
        PtxLintConfig? found = null;
        var candidate = Path.Combine(dir, PtxLintConfig.FileName);
        if (File.Exists(candidate)) found = PtxLintConfig.Load(candidate, _rules);
        else if (Path.GetDirectoryName(dir) is { } parent) found = ForDirectory(parent);
        lock (_lock) _byDirectory[dir] = found;
        return found;
    }
}
