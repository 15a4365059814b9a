using System.Text;
using PtxLint.Engine;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Robustness;

/// <summary>
/// A large ASCII file is read straight into its text in chunks; every other file (and every file that stops being
/// ASCII part-way) is decoded from its bytes. Both must give the same text and the same encoding problem.
/// </summary>
public class InputReaderTests
{
    private static byte[] Ascii(int size)
    {
        var sb = new StringBuilder();
        for (int i = 0; sb.Length < size; i++) sb.Append("\tadd.s32 %r").Append(i % 97).Append(", %r1, ").Append(i).Append(";\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString(0, size));
    }

    private static void AssertReadsAsDecoded(byte[] bytes)
    {
        using var tmp = new TempDir();
        var f = Path.Combine(tmp.Path, "big.ptx");
        File.WriteAllBytes(f, bytes);
        var expected = InputReader.Decode(bytes, out var expectedProblem);
        foreach (long hint in new[] { -1L, bytes.Length })
        {
            var text = InputReader.Read(f, out var problem, hint);
            Assert.Equal(expected.Length, text.Length);
            Assert.True(expected == text, $"the text of a {bytes.Length}-byte file (hint {hint}) differs from its decoded bytes");
            Assert.Equal(expectedProblem, problem);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(64 * 1024 - 1)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(3 * 64 * 1024 + 17)]
    public void An_ascii_file_of_any_size_reads_as_its_decoded_bytes(int size) => AssertReadsAsDecoded(Ascii(size));

    [Theory]
    [InlineData(10)]
    [InlineData(64 * 1024 - 1)]
    [InlineData(64 * 1024)]
    [InlineData(200 * 1024 - 3)]
    public void A_large_file_with_a_non_ascii_byte_late_in_it_is_decoded_and_its_invalid_byte_found(int at)
    {
        var bytes = Ascii(200 * 1024);
        // valid UTF-8 (é) reads as that character; a lone 0xE9 (Latin-1) is reported where it is
        var valid = bytes.Take(at).Concat(new byte[] { 0xC3, 0xA9 }).Concat(bytes.Skip(at)).ToArray();
        AssertReadsAsDecoded(valid);
        var invalid = (byte[])bytes.Clone();
        invalid[at] = 0xE9;
        AssertReadsAsDecoded(invalid);
        InputReader.Decode(invalid, out var problem);
        Assert.NotNull(problem);
        Assert.Equal(at, problem!.ByteOffset);
    }

    [Fact]
    public void Large_files_with_a_byte_order_mark_are_decoded()
    {
        var text = Encoding.ASCII.GetString(Ascii(150 * 1024));
        AssertReadsAsDecoded(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray());
        AssertReadsAsDecoded(new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(text)).ToArray());
        AssertReadsAsDecoded(new byte[] { 0xFE, 0xFF }.Concat(Encoding.BigEndianUnicode.GetBytes(text)).ToArray());
    }
}
