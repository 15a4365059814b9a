using PtxLint.Diagnostics;

namespace PtxLint.Output;

/// <summary>
/// The CUDA frames of a finding from <c>.loc</c>: the instruction's own line, then each inlined-at call site out to the
/// outermost one, with each path resolved under the source root when the file exists there
/// (<see cref="SarifPaths.FindUnderRoot"/>). <see cref="Chosen"/> is the frame a user wants: the innermost one inside
/// the source root (so a CUDA system header such as <c>/usr/local/cuda/include/sm_30_intrinsics.hpp</c> is skipped for
/// the repository line that called it), or the innermost frame when none is. Text, JSON and SARIF
/// (<c>--locations cuda</c>) all use this one choice.
/// </summary>
public sealed class SourceFrames
{
    private SourceFrames(IReadOnlyList<Location> frames, IReadOnlyList<bool> underRoot, int chosen)
    {
        Frames = frames;
        UnderRoot = underRoot;
        Chosen = chosen;
    }

    /// <summary>Innermost first: [0] is the instruction's <c>.loc</c>, the last is the outermost call site.</summary>
    public IReadOnlyList<Location> Frames { get; }
    /// <summary>Whether frame i exists under the source root (its path in <see cref="Frames"/> is then the local file).</summary>
    public IReadOnlyList<bool> UnderRoot { get; }
    public int Chosen { get; }
    public Location Primary => Frames[Chosen];
    /// <summary>Frames inlined into the chosen one (innermost first): code from headers outside the source root.</summary>
    public IEnumerable<Location> InlinedFrom => Frames.Take(Chosen);
    /// <summary>The call sites of the chosen frame, innermost first, up to the outermost.</summary>
    public IEnumerable<Location> InlinedAt => Frames.Skip(Chosen + 1);

    /// <summary>The frames of a finding, or null when it has no CUDA location. <paramref name="paths"/> null: paths as the PTX names them.</summary>
    public static SourceFrames? Of(Finding f, SarifPaths? paths)
    {
        if (f.SourceLocation is not { } first) return null;
        var frames = new List<Location>(1 + f.InlinedAt.Count);
        var under = new List<bool>(1 + f.InlinedAt.Count);
        foreach (var l in f.InlinedAt.Prepend(first))
        {
            var found = paths?.FindUnderRoot(l.FilePath);
            frames.Add(found is null ? l : l with { FilePath = found });
            under.Add(found is not null);
        }
        int chosen = under.IndexOf(true);
        return new SourceFrames(frames, under, chosen < 0 ? 0 : chosen);
    }
}

/// <summary>Makes text safe for a terminal: control characters become visible escapes (<c>\x00</c>, <c>\x1b</c>, <c>\u{202e}</c>).</summary>
public static class TextEscape
{
    /// <summary>True for characters that must not reach a terminal raw: C0 controls but tab, DEL, C1 controls, bidi overrides and isolates.</summary>
    public static bool NeedsEscape(char c) =>
        (c < ' ' && c != '\t') || (c >= '\u007f' && c <= '\u009f') || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200e' || c == '\u200f' || c == '\u2028' || c == '\u2029' || c == '\ufeff';

    public static string Escape(char c) => c <= '\u00ff' ? $"\\x{(int)c:x2}" : $"\\u{{{(int)c:x4}}}";

    /// <summary>The text with every <see cref="NeedsEscape"/> character replaced by its escape (tabs kept); the same string when there is none.</summary>
    public static string Visible(string text)
    {
        int i = 0;
        while (i < text.Length && !NeedsEscape(text[i])) i++;
        if (i == text.Length) return text;
        var sb = new System.Text.StringBuilder(text.Length + 8).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (NeedsEscape(c)) sb.Append(Escape(c)); else sb.Append(c);
        }
        return sb.ToString();
    }
}
