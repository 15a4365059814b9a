using PtxLint.Analysis;
using Xunit;

namespace PtxLint.Tests.Analysis;

public class RowInversionTests
{
    private static RowInversion Invert(int rows, (int Row, int Value)[] pairs)
    {
        var inv = new RowInversion(rows);
        foreach (var (r, _) in pairs) inv.Count(r);
        inv.Allocate();
        foreach (var (r, v) in pairs) inv.Fill(r, v);
        return inv;
    }

    private static int[] Row(RowInversion inv, int r) => inv.Flat[inv.Start[r]..inv.Start[r + 1]];

    [Fact]
    public void Each_row_holds_its_values_in_the_order_they_were_walked()
    {
        // edges 0->2, 1->2, 0->1, 3->2 inverted: the predecessors of 2 are 0, 1, 3 in walk order
        var inv = Invert(4, new[] { (2, 0), (2, 1), (1, 0), (2, 3) });
        Assert.Equal(new[] { 0, 0, 1, 4, 4 }, inv.Start);
        Assert.Empty(Row(inv, 0));
        Assert.Equal(new[] { 0 }, Row(inv, 1));
        Assert.Equal(new[] { 0, 1, 3 }, Row(inv, 2));
        Assert.Empty(Row(inv, 3));
        Assert.Equal(3, inv.Length(2));
        Assert.Equal(0, inv.Length(3));
    }

    [Fact]
    public void No_pairs_give_empty_rows_and_no_values()
    {
        var inv = Invert(3, Array.Empty<(int, int)>());
        Assert.Equal(new[] { 0, 0, 0, 0 }, inv.Start);
        Assert.Empty(inv.Flat);
        var none = Invert(0, Array.Empty<(int, int)>());
        Assert.Equal(new[] { 0 }, none.Start);
    }
}
