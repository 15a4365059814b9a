using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PtxLint.Diagnostics;

/// <summary>The value kinds a rule option can have (<c>ptxlint explain</c> shows them).</summary>
public enum RuleOptionType
{
    String,
    Boolean,
    Integer,
    /// <summary>A .NET regular expression (validated when <c>ptxlint.json</c> is loaded).</summary>
    Regex,
}

/// <summary>
/// One option of a rule, declared in its <see cref="RuleDescriptor.Options"/>: name, type, default, description and
/// validation. <c>ptxlint.json</c> values (<c>rules.PTXnnn.options.NAME</c>) are checked against it when the file is
/// loaded, so a typo in a name or an invalid regular expression is an error naming the file and the key, never a
/// silent fallback to the default. A rule reads the value with <c>ctx.Option(MyOption)</c>.
/// </summary>
public abstract class RuleOption
{
    private protected RuleOption(string name, string description)
    {
        Name = name;
        Description = description;
    }

    /// <summary>The key under <c>rules.PTXnnn.options</c> (public interface: users write it in configs).</summary>
    public string Name { get; }
    public string Description { get; }
    public abstract RuleOptionType Type { get; }

    public string TypeName => Type switch
    {
        RuleOptionType.Boolean => "boolean",
        RuleOptionType.Integer => "integer",
        RuleOptionType.Regex => "regex",
        _ => "string",
    };

    /// <summary>The default as a user would write it in <c>ptxlint.json</c> (JSON literal text).</summary>
    public abstract string DefaultText { get; }

    /// <summary>What values are accepted, in words (e.g. "true or false", "1..64"); null when any value of the type is.</summary>
    public virtual string? Constraint => null;

    /// <summary>Parses a configured value (the text of a JSON string, or the raw text of a JSON number or boolean).</summary>
    public abstract bool TryParseValue(string raw, out object? value, out string? error);

    public override string ToString() => $"{Name} ({TypeName}, default {DefaultText})";
}

/// <summary>A typed rule option; see <see cref="RuleOptions"/> for the factories.</summary>
public sealed class RuleOption<T> : RuleOption where T : notnull
{
    private readonly Func<string, (T? Value, string? Error)> _parse;

    internal RuleOption(string name, string description, RuleOptionType type, T @default, string defaultText,
        Func<string, (T? Value, string? Error)> parse, string? constraint = null) : base(name, description)
    {
        Type = type;
        Default = @default;
        DefaultText = defaultText;
        _parse = parse;
        Constraint = constraint;
    }

    public override RuleOptionType Type { get; }
    public T Default { get; }
    public override string DefaultText { get; }
    public override string? Constraint { get; }

    public bool TryParse(string raw, out T value, out string? error)
    {
        var (v, e) = _parse(raw);
        error = e;
        value = e is null && v is not null ? v : Default;
        return e is null;
    }

    public override bool TryParseValue(string raw, out object? value, out string? error)
    {
        var ok = TryParse(raw, out var v, out error);
        value = v;
        return ok;
    }
}

/// <summary>Factories of typed rule options.</summary>
public static class RuleOptions
{
    private static readonly ConcurrentDictionary<string, Regex> RegexCache = new(StringComparer.Ordinal);

    /// <summary>A boolean: JSON <c>true</c>/<c>false</c> (the strings "true", "false", "yes", "no", "on", "off", "1", "0" are accepted too).</summary>
    public static RuleOption<bool> Boolean(string name, bool @default, string description) =>
        new(name, description, RuleOptionType.Boolean, @default, @default ? "true" : "false", raw =>
            raw.Trim().ToLowerInvariant() switch
            {
                "true" or "yes" or "on" or "1" => (true, null),
                "false" or "no" or "off" or "0" => (false, null),
                _ => (false, $"must be true or false, got {Quote(raw)}"),
            }, "true or false");

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static RuleOption<int> Integer(string name, int @default, int min, int max, string description) =>
        new(name, description, RuleOptionType.Integer, @default, @default.ToString(CultureInfo.InvariantCulture), raw =>
            int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                ? n >= min && n <= max ? (n, null) : (0, $"must be between {min} and {max}, got {n}")
                : (0, $"must be an integer, got {Quote(raw)}"),
            $"{min}..{max}");

    /// <summary>A string; <paramref name="validate"/> returns an error text for a value it rejects.</summary>
    public static RuleOption<string> String(string name, string @default, string description, Func<string, string?>? validate = null) =>
        new(name, description, RuleOptionType.String, @default, Quote(@default), raw => validate?.Invoke(raw) is { } e ? (null, e) : (raw, null));

    /// <summary>
    /// A .NET regular expression (culture-invariant, matched with a 1 s timeout). The compiled expression is cached per
    /// pattern, so reading the option once per module costs nothing.
    /// </summary>
    public static RuleOption<Regex> Regex(string name, string defaultPattern, string description) =>
        new(name, description, RuleOptionType.Regex, Compile(defaultPattern).Value!, Quote(defaultPattern), Compile);

    private static (Regex? Value, string? Error) Compile(string pattern)
    {
        if (RegexCache.TryGetValue(pattern, out var cached)) return (cached, null);
        try
        {
            var re = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            RegexCache.TryAdd(pattern, re);
            return (re, null);
        }
        catch (ArgumentException e)
        {
            return (null, $"invalid regular expression {Quote(pattern)}: {e.Message}");
        }
    }

    /// <summary>A JSON string literal of <paramref name="s"/> (quotes, backslashes and control characters escaped).</summary>
    internal static string Quote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
