using System.Text.Json;
using PtxLint.Diagnostics;
using PtxLint.Output.Sarif;

namespace PtxLint.Output;

/// <summary>The results of an earlier SARIF log (<c>--baseline old.sarif</c>), keyed by rule, file and fingerprint.</summary>
public sealed class Baseline
{
    private readonly Dictionary<string, List<Result>> _byKey;

    private Baseline(Dictionary<string, List<Result>> byKey) { _byKey = byKey; }

    /// <summary>Reads a SARIF log written by PtxLint; throws <see cref="BaselineException"/> with a clear reason.</summary>
    public static Baseline Load(string path)
    {
        string json;
        try { json = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BaselineException($"cannot read baseline '{path}': {e.Message}");
        }
        SarifLog log;
        try { log = SarifWriter.Deserialize(json); }
        catch (JsonException e)
        {
            throw new BaselineException($"baseline '{path}' is not a SARIF log: {e.Message}");
        }
        var byKey = new Dictionary<string, List<Result>>(StringComparer.Ordinal);
        foreach (var run in log.Runs)
            foreach (var r in run.Results)
            {
                if (r.BaselineState == "absent") continue; // gone already in that run
                var fp = r.PartialFingerprints?.GetValueOrDefault(Fingerprints.Key);
                var uri = r.Locations?.FirstOrDefault()?.PhysicalLocation?.ArtifactLocation?.Uri;
                if (r.RuleId is null || fp is null) continue;
                var key = KeyOf(r.RuleId, uri, fp);
                if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = new();
                list.Add(r);
            }
        return new Baseline(byKey);
    }

    public int Count => _byKey.Values.Sum(l => l.Count);

    /// <summary>Classifies the current findings; baseline results that no finding matches become "absent".</summary>
    public BaselineComparison Compare(IEnumerable<Finding> findings, IReadOnlyDictionary<Finding, string> fingerprints,
        SarifPaths paths)
    {
        var remaining = _byKey.ToDictionary(p => p.Key, p => new Queue<Result>(p.Value), StringComparer.Ordinal);
        var states = new Dictionary<Finding, string>(ReferenceEqualityComparer.Instance);
        foreach (var f in findings)
        {
            var fp = fingerprints.TryGetValue(f, out var x) ? x : "";
            var uri = paths.ArtifactLocation(f.Location.FilePath).Uri;
            var key = KeyOf(f.Rule.Id, uri, fp);
            if (remaining.TryGetValue(key, out var q) && q.Count > 0) { q.Dequeue(); states[f] = "unchanged"; }
            else states[f] = "new";
        }
        var absent = new List<Result>();
        foreach (var q in remaining.Values)
            foreach (var r in q)
            {
                r.BaselineState = "absent";
                r.Suppressions = null;
                absent.Add(r);
            }
        return new BaselineComparison(states, absent);
    }

    private static string KeyOf(string ruleId, string? uri, string fingerprint) => ruleId + "\u0001" + (uri ?? "") + "\u0001" + fingerprint;
}

/// <summary>The outcome of comparing a run with a baseline.</summary>
public sealed class BaselineComparison
{
    private readonly Dictionary<Finding, string> _states;

    public BaselineComparison(Dictionary<Finding, string> states, IReadOnlyList<Result> absent)
    {
        _states = states;
        Absent = absent;
    }

    /// <summary>Baseline results that are no longer found (baselineState "absent").</summary>
    public IReadOnlyList<Result> Absent { get; }

    /// <summary>"new" or "unchanged" (null for a finding that was not compared).</summary>
    public string? StateOf(Finding f) => _states.TryGetValue(f, out var s) ? s : null;

    public bool IsNew(Finding f) => StateOf(f) != "unchanged";

    public int NewCount => _states.Values.Count(s => s == "new");
    public int UnchangedCount => _states.Values.Count(s => s == "unchanged");
}

public sealed class BaselineException(string message) : Exception(message);
