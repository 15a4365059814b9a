namespace PtxLint.Engine;

/// <summary>"Did you mean ...?": the closest known name to a misspelled one (commands, options, config keys).</summary>
public static class Suggest
{
    /// <summary>
    /// The candidate closest to <paramref name="typed"/> by edit distance (insertions, deletions, substitutions and
    /// swaps of neighbours; case-insensitive), when it is close enough to be a typo: at most 1 edit for names of up to
    /// 4 characters, 2 up to 8, else 3. Null when none is.
    /// </summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        var t = typed.ToLowerInvariant();
        foreach (var c in candidates)
        {
            if (string.IsNullOrEmpty(c)) continue;
            int d = Distance(t, c.ToLowerInvariant());
            if (d < bestDistance) { best = c; bestDistance = d; }
        }
        if (best is null) return null;
        int core = typed.TrimStart('-').Length;
        int allowed = core <= 4 ? 1 : core <= 8 ? 2 : 3;
        return bestDistance > 0 && bestDistance <= allowed ? best : null;
    }

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, d[i - 2, j - 2] + 1);
                d[i, j] = v;
            }
        return d[a.Length, b.Length];
    }
}
