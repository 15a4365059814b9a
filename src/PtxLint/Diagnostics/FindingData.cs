using System.Globalization;
using System.Text.Json.Nodes;

namespace PtxLint.Diagnostics;

/// <summary>
/// Typed facts a rule attaches to a finding (<see cref="Finding.Data"/>) for the finding's confirmer: which parameter,
/// which variable, which lines. The SARIF writer writes them flat into the result's property bag
/// (<see cref="ToProperties"/>), and a reader rebuilds them from a SARIF result (each data type's <c>FromProperties</c>),
/// so `ptxlint confirm --findings run.sarif` gives the confirmer the same object the rule made. A confirmer reads only
/// this, never the message text.
/// </summary>
public abstract class FindingData
{
    /// <summary>The facts as SARIF properties: names (camelCase) to strings, numbers or booleans.</summary>
    public abstract IEnumerable<KeyValuePair<string, object?>> ToProperties();
}

/// <summary>Reads typed values from a SARIF property bag (JSON nodes) or from <see cref="Finding.Properties"/> (CLR values).</summary>
public sealed class PropertyReader
{
    private readonly IReadOnlyDictionary<string, object?> _values;

    public PropertyReader(IReadOnlyDictionary<string, object?> values) { _values = values; }

    public static PropertyReader FromJson(JsonObject? bag)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (bag is not null)
            foreach (var (k, v) in bag) d[k] = v;
        return new PropertyReader(d);
    }

    public bool Has(string key) => _values.TryGetValue(key, out var v) && v is not null;

    public string? String(string key) => _values.GetValueOrDefault(key) switch
    {
        null => null,
        string s => s,
        JsonValue j when j.TryGetValue<string>(out var s) => s,
        JsonNode n => n.ToJsonString(),
        var o => Convert.ToString(o, CultureInfo.InvariantCulture),
    };

    public long? Long(string key) => _values.GetValueOrDefault(key) switch
    {
        null => null,
        long l => l,
        int i => i,
        JsonValue j when j.TryGetValue<long>(out var l) => l,
        JsonValue j when j.TryGetValue<int>(out var i32) => i32,
        JsonValue j when j.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
        JsonValue j when j.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    public int? Int(string key) => Long(key) is long l && l is >= int.MinValue and <= int.MaxValue ? (int)l : null;

    public bool? Bool(string key) => _values.GetValueOrDefault(key) switch
    {
        bool b => b,
        JsonValue j when j.TryGetValue<bool>(out var b) => b,
        string s when bool.TryParse(s, out var b) => b,
        _ => null,
    };
}
