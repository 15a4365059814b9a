using PtxLint.Diagnostics;

namespace PtxLint.Cuda.Confirm;

/// <summary>The outcome of confirming one finding on a GPU.</summary>
public enum Verdict
{
    /// <summary>The experiment showed the bug.</summary>
    Confirmed,
    /// <summary>The experiment ran and the bug did not show (say why that may still matter).</summary>
    NotReproduced,
    /// <summary>The experiment cannot run here (no driver, no GPU, architecture, no compute-sanitizer ...).</summary>
    Unsupported,
    /// <summary>The experiment failed (driver error, crash, bad launch spec).</summary>
    Error,
}

public static class VerdictExtensions
{
    /// <summary>The word printed and written to SARIF: confirmed, not-reproduced, unsupported, error.</summary>
    public static string ToText(this Verdict v) => v switch
    {
        Verdict.Confirmed => "confirmed",
        Verdict.NotReproduced => "not-reproduced",
        Verdict.Unsupported => "unsupported",
        _ => "error",
    };

    public static bool TryParse(string text, out Verdict verdict)
    {
        foreach (var v in Enum.GetValues<Verdict>())
            if (v.ToText() == text) { verdict = v; return true; }
        verdict = Verdict.Error;
        return false;
    }
}

/// <summary>A verdict with its reason (one sentence) and evidence (what was launched, what was observed).</summary>
public sealed record Confirmation(string RuleId, string? Kernel, Verdict Verdict, string Reason, string Evidence)
{
    /// <summary>The key in <see cref="Finding.Properties"/> (and SARIF result properties).</summary>
    public const string PropertyKey = "confirmation";

    /// <summary>
    /// The SARIF property value: a string dictionary { verdict, reason, evidence, kernel } so any writer can emit it.
    /// </summary>
    public Dictionary<string, string> ToProperties()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["verdict"] = Verdict.ToText(),
            ["reason"] = Reason,
            ["evidence"] = Evidence,
        };
        if (Kernel is not null) d["kernel"] = Kernel;
        return d;
    }

    public void AttachTo(Finding finding) => finding.Properties[PropertyKey] = ToProperties();

    public override string ToString() => $"{Verdict.ToText()}: {Reason}";
}
