using PtxLint.Diagnostics;

namespace PtxLint.Engine;

/// <summary>
/// Merges findings of one rule that share a cause (<see cref="Finding.Cause"/>) in one function into one finding, as
/// ruff and clang-tidy group repeated causes: the first in source order stays, its headline gains "(and N more ...)",
/// the others become its related locations (<see cref="RelatedLocation.IsOccurrence"/>). The engine runs this after
/// in-source suppressions are applied, so a suppressed occurrence stays its own (suppressed) finding and never turns
/// the suppression comment into an unused one (PTX900). Findings without a cause, or at different levels, are kept.
/// </summary>
public static class FindingGrouping
{
    /// <summary>Merges in place; returns how many findings were merged away.</summary>
    public static int Merge(List<Finding> findings)
    {
        Dictionary<(string Rule, string? Function, string Cause, Level Level), List<Finding>>? groups = null;
        foreach (var f in findings)
        {
            if (f.Cause is not { } cause || f.Suppression is not null) continue;
            groups ??= new();
            var key = (f.Rule.Id, f.FunctionName, cause.Key, f.Level);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = new List<Finding>();
            list.Add(f);
        }
        if (groups is null) return 0;
        var merged = new HashSet<Finding>(ReferenceEqualityComparer.Instance);
        foreach (var list in groups.Values)
        {
            if (list.Count < 2) continue;
            list.Sort(FindingOrder.Instance);
            list[0].Absorb(list.GetRange(1, list.Count - 1));
            for (int i = 1; i < list.Count; i++) merged.Add(list[i]);
        }
        if (merged.Count > 0) findings.RemoveAll(merged.Contains);
        return merged.Count;
    }
}
