using System.Security.Cryptography;
using System.Text;
using PtxLint.Diagnostics;

namespace PtxLint.Output;

/// <summary>
/// SARIF <c>partialFingerprints.primaryLocationLineHash</c>, computed by PtxLint: a hash of the rule id and
/// the whitespace-normalized text of the PTX line, plus an occurrence counter among findings of the same
/// rule on identical lines of the same file (<c>&lt;16 hex&gt;:&lt;n&gt;</c>, like GitHub's). It does not
/// depend on line numbers, so it is stable when unrelated lines move.
/// </summary>
public static class Fingerprints
{
    public const string Key = "primaryLocationLineHash";

    /// <summary>
    /// Fingerprints of <paramref name="findings"/>; the occurrence counters follow the order given, so
    /// pass findings in <see cref="Engine.FindingOrder"/>. <paramref name="lineText"/> supplies the line
    /// text when <see cref="Finding.LineText"/> is not set.
    /// </summary>
    public static Dictionary<Finding, string> Compute(IEnumerable<Finding> findings, Func<Finding, string?>? lineText = null)
    {
        var result = new Dictionary<Finding, string>(ReferenceEqualityComparer.Instance);
        var seen = new Dictionary<(string File, string Hash), int>();
        foreach (var f in findings)
        {
            var text = f.LineText ?? lineText?.Invoke(f) ?? string.Empty;
            var hash = Hash(f.Rule.Id, text);
            var key = (f.Location.FilePath, hash);
            int n = seen.TryGetValue(key, out var k) ? k + 1 : 1;
            seen[key] = n;
            result[f] = $"{hash}:{n}";
        }
        return result;
    }

    /// <summary>The hash part: first 16 hex digits of SHA-256 over rule id and normalized line text.</summary>
    public static string Hash(string ruleId, string lineText)
    {
        var normalized = Normalize(lineText);
        var bytes = Encoding.UTF8.GetBytes(ruleId + "\n" + normalized);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return Convert.ToHexStringLower(digest[..8]);
    }

    /// <summary>Trims the line and collapses whitespace runs to one space.</summary>
    public static string Normalize(string line)
    {
        var sb = new StringBuilder(line.Length);
        bool space = false;
        foreach (var c in line.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(c)) { space = true; continue; }
            if (space && sb.Length > 0) sb.Append(' ');
            space = false;
            sb.Append(c);
        }
        return sb.ToString();
    }
}
