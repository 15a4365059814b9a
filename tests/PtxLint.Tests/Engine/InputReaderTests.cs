using System.Text;
using PtxLint.Engine;
using PtxLint.Tests.Robustness;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Engine;

/// <summary>
/// A file of <see cref="InputReader.ChunkSize"/> bytes or more that is all ASCII is read in chunks straight into its
/// text; anything else is read whole and decoded. Both give the text and the encoding problem that decoding the
/// whole file's bytes gives, at every size around the chunk boundaries.
/// </summary>
public sealed class InputReaderTests
{
    private const int Chunk = InputReader.ChunkSize;

    private static byte[] AsciiBytes(int length)
    {
        var line = Encoding.ASCII.GetBytes("\tadd.s32 \t%r1, %r2, 7;\r\n// \u0001 control bytes are ASCII\n");
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = line[i % line.Length];
        return bytes;
    }

    /// <summary>Reads a file of <paramref name="bytes"/>, asserts it reads as they decode, and gives what it read.</summary>
    private static (string Text, InputReader.EncodingProblem? Problem) AssertReadsAsDecoded(TempDir tmp, byte[] bytes)
    {
        var f = Path.Combine(tmp.Path, "in.ptx");
        File.WriteAllBytes(f, bytes);
        var text = InputReader.Read(f, out var problem);
        var expected = InputReader.Decode(bytes, out var expectedProblem);
        Assert.Equal(expected.Length, text.Length);
        Assert.True(string.Equals(expected, text, StringComparison.Ordinal), $"the text of a {bytes.Length}-byte file differs");
        Assert.Equal(expectedProblem, problem);
        return (text, problem);
    }

    [Theory]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk)]
    [InlineData(3 * Chunk + 12345)]
    public void Ascii_files_read_in_chunks_are_the_decoded_text(int length)
    {
        using var tmp = new TempDir();
        AssertReadsAsDecoded(tmp, AsciiBytes(length));
    }

    [Theory]
    [InlineData(0)]            // in the first chunk
    [InlineData(Chunk - 1)]    // the last byte of a chunk
    [InlineData(Chunk)]        // the first byte of the next
    [InlineData(2 * Chunk + 7)]
    public void A_byte_outside_ascii_anywhere_is_read_whole_and_reported_as_decoding_does(int at)
    {
        using var tmp = new TempDir();
        var bytes = AsciiBytes(3 * Chunk + 100);
        bytes[at] = 0xE9; // Latin-1: invalid UTF-8
        var (_, problem) = AssertReadsAsDecoded(tmp, bytes);
        Assert.NotNull(problem);
        Assert.Equal(at, problem!.ByteOffset);
    }

    [Fact]
    public void Valid_utf8_boms_and_utf16_in_large_files_decode_as_before()
    {
        using var tmp = new TempDir();
        var ascii = AsciiBytes(2 * Chunk + 3);

        // a two-byte character across a chunk boundary
        var utf8 = ascii.ToArray();
        utf8[Chunk - 1] = 0xC3;
        utf8[Chunk] = 0xA9;
        var (withE, p1) = AssertReadsAsDecoded(tmp, utf8);
        Assert.Contains('\u00E9', withE);
        Assert.Null(p1);

        // a UTF-8 BOM is dropped, so positions do not move
        Assert.Equal(ascii.Length, AssertReadsAsDecoded(tmp, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(ascii).ToArray()).Text.Length);

        // UTF-16 with a BOM
        var text = Encoding.ASCII.GetString(ascii);
        Assert.Equal(text, AssertReadsAsDecoded(tmp, new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(text)).ToArray()).Text);
    }

    [UnixFact]
    public void A_fifo_is_read_whole_from_its_writer()
    {
        // A FIFO has no length: it is read to its end as before, and opened once (a second open would cut the writer
        // off and then wait for ever for another). Its text: more than a chunk of ASCII.
        using var tmp = new TempDir();
        var f = Path.Combine(tmp.Path, "fifo.ptx");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", new[] { f })!)
        {
            mk.WaitForExit();
            Assert.Equal(0, mk.ExitCode);
        }
        var bytes = AsciiBytes(3 * Chunk + 5);
        var writer = Task.Run(() => File.WriteAllBytes(f, bytes));
        var read = Task.Run(() => InputReader.Read(f, out _));
        Assert.True(read.Wait(TimeSpan.FromMinutes(1)), "the read of a FIFO did not finish");
        Assert.True(writer.Wait(TimeSpan.FromMinutes(1)), "the FIFO's writer did not finish");
        Assert.Equal(Encoding.ASCII.GetString(bytes), read.Result);
    }
}
