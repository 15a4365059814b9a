using System.Buffers.Binary;
using System.Text.Json;
using PtxLint.Cuda;
using PtxLint.Cuda.Worker;

namespace PtxLint.Tests.Cuda;

public class BufferFillTests
{
    private static JsonElement J(string s) => JsonDocument.Parse(s).RootElement.Clone();

    [Fact]
    public void Zeros_and_iota()
    {
        Assert.All(BufferFill.Create(new BufferSpec { Bytes = 16, Fill = "zeros" }), b => Assert.Equal(0, b));
        var f = BufferFill.Create(new BufferSpec { Bytes = 16, Fill = "iota", ElementType = "f32" });
        Assert.Equal(3.0f, BinaryPrimitives.ReadSingleLittleEndian(f.AsSpan(12)));
        var i = BufferFill.Create(new BufferSpec { Bytes = 16, Fill = "iota", ElementType = "i32" });
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(i.AsSpan(8)));
        var h = BufferFill.Create(new BufferSpec { Bytes = 8, Fill = "iota", ElementType = "f16" });
        Assert.Equal((Half)3, BinaryPrimitives.ReadHalfLittleEndian(h.AsSpan(6)));
    }

    [Fact]
    public void Random_is_deterministic_per_seed_and_floats_are_in_range()
    {
        var a = BufferFill.Create(new BufferSpec { Bytes = 4096, Fill = "random", Seed = 3 });
        var b = BufferFill.Create(new BufferSpec { Bytes = 4096, Fill = "random", Seed = 3 });
        var c = BufferFill.Create(new BufferSpec { Bytes = 4096, Fill = "random", Seed = 4 });
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        for (int k = 0; k < 1024; k++)
        {
            var v = BinaryPrimitives.ReadSingleLittleEndian(a.AsSpan(k * 4));
            Assert.InRange(v, -1f, 1f);
        }
    }

    [Fact]
    public void Constant_and_sentinel()
    {
        var c = BufferFill.Create(new BufferSpec { Bytes = 8, Fill = "constant", ElementType = "s32", Value = J("-2") });
        Assert.Equal(-2, BinaryPrimitives.ReadInt32LittleEndian(c.AsSpan(4)));
        var s = BufferFill.Create(new BufferSpec { Bytes = 10, Fill = "sentinel", ElementType = "f32" });
        Assert.All(s, b => Assert.Equal(0xFF, b)); // default sentinel: all bytes 0xFF, tail included
        var sv = BufferFill.Create(new BufferSpec { Bytes = 8, Fill = "sentinel", ElementType = "f32", Value = J("-12345.5") });
        Assert.Equal(-12345.5f, BinaryPrimitives.ReadSingleLittleEndian(sv.AsSpan(4)));
        var hex = BufferFill.Create(new BufferSpec { Bytes = 4, Fill = "constant", ElementType = "f32", Value = J("\"0x7fc00000\"") });
        Assert.Equal(0x7fc00000u, BinaryPrimitives.ReadUInt32LittleEndian(hex));
    }

    [Fact]
    public void Scalars_encode_each_type()
    {
        Assert.Equal(8, ElementTypes.Encode("u64", J("18446744073709551615")).Length);
        Assert.Equal(ulong.MaxValue, BinaryPrimitives.ReadUInt64LittleEndian(ElementTypes.Encode("u64", J("18446744073709551615"))));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32LittleEndian(ElementTypes.Encode("s32", J("-1"))));
        Assert.Equal(2.5, BinaryPrimitives.ReadDoubleLittleEndian(ElementTypes.Encode("f64", J("2.5"))));
        Assert.True(float.IsNaN(BinaryPrimitives.ReadSingleLittleEndian(ElementTypes.Encode("f32", J("\"nan\"")))));
        Assert.Equal([0x80, 0x3F], ElementTypes.Encode("bf16", J("1.0"))); // 1.0 = 0x3F80
        Assert.Equal(0, ElementTypes.Size("q8"));
    }

    [Fact]
    public void Buffer_diff_reports_changed_ranges()
    {
        var before = new byte[100];
        var after = (byte[])before.Clone();
        after[10] = 1; after[11] = 1; after[20] = 1; // merged (gap < 16)
        after[80] = 1;
        var d = BufferDiff.Compute(before, after);
        Assert.Equal(4, d.ChangedBytes);
        Assert.Equal(2, d.Ranges.Count);
        Assert.Equal([10L, 21L], d.Ranges[0]);
        Assert.Equal([80L, 81L], d.Ranges[1]);
        Assert.Empty(BufferDiff.Compute(before, before).Ranges);
        var capped = BufferDiff.Compute(new byte[1000], Enumerable.Range(0, 1000).Select(i => (byte)(i % 40 == 0 ? 1 : 0)).ToArray(), maxRanges: 3);
        Assert.True(capped.Truncated);
        Assert.Equal(3, capped.Ranges.Count);
        Assert.Equal(961, capped.Ranges[^1][1]);
    }
}
