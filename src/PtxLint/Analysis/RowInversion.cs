using System.Runtime.CompilerServices;

namespace PtxLint.Analysis;

/// <summary>
/// Compressed rows made from (row, value) pairs that the caller walks twice in the same order: every pair to
/// <see cref="Count"/>, then <see cref="Allocate"/>, then every pair to <see cref="Fill"/>. Row <c>r</c>'s values are
/// <c>Flat[Start[r] .. Start[r + 1])</c>, in the order they were walked. The analyses invert relations with it: the
/// predecessors of each segment (barrier intervals), the readers of each register (register index), the readers of
/// each definition (reaching definitions).
/// </summary>
internal sealed class RowInversion
{
    private readonly int[] _start;
    private int[] _flat = Array.Empty<int>();
    private int[] _next = Array.Empty<int>();

    public RowInversion(int rows) => _start = new int[rows + 1];

    /// <summary>First walk: one more value for <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Count(int row) => _start[row + 1]++;

    /// <summary>Between the walks: the rows' starts from their counts, and room for the values.</summary>
    public void Allocate()
    {
        int rows = _start.Length - 1;
        for (int r = 0; r < rows; r++) _start[r + 1] += _start[r];
        if (_start[rows] == 0) return;
        _flat = new int[_start[rows]];
        _next = _start[..rows];
    }

    /// <summary>Second walk: <paramref name="value"/> is the next value of <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fill(int row, int value) => _flat[_next[row]++] = value;

    /// <summary>Where each row starts in <see cref="Flat"/>; one more entry than rows (the end of the last).</summary>
    public int[] Start => _start;

    /// <summary>The values of every row, row after row.</summary>
    public int[] Flat => _flat;

    /// <summary>The number of values of <paramref name="row"/> (after <see cref="Allocate"/>).</summary>
    public int Length(int row) => _start[row + 1] - _start[row];
}
