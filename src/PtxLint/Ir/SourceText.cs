namespace PtxLint.Ir;

/// <summary>The text of a PTX file with a lazily built line index (for caret display and fingerprints).</summary>
public sealed class SourceText
{
    private int[]? _lineStarts;

    public SourceText(string text) { Text = text; }

    public string Text { get; }
    public int Length => Text.Length;

    private int[] LineStarts => _lineStarts ??= BuildLineStarts(Text);

    public int LineCount => LineStarts.Length;

    private static int[] BuildLineStarts(string text)
    {
        var starts = new List<int>(text.Length / 32 + 1) { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n') starts.Add(i + 1);
            else if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                starts.Add(i + 1);
            }
        }
        return starts.ToArray();
    }

    /// <summary>The text of 1-based line <paramref name="line"/> without its line end; empty when out of range.</summary>
    public string GetLine(int line)
    {
        var starts = LineStarts;
        if (line < 1 || line > starts.Length) return string.Empty;
        int s = starts[line - 1];
        int e = line < starts.Length ? starts[line] : Text.Length;
        while (e > s && (Text[e - 1] == '\n' || Text[e - 1] == '\r')) e--;
        return Text.Substring(s, e - s);
    }
}
