using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using PtxLint.Diagnostics;

namespace PtxLint.Engine;

/// <summary>
/// Reads an input file into text. PTX is ASCII; the reader accepts UTF-8 (a BOM is dropped), UTF-16 with a BOM,
/// and anything else as UTF-8 with every invalid sequence replaced by U+FFFD. The first invalid byte is reported
/// (as a PTX000 finding at its line:column) so binary or Latin-1 files are not analyzed silently.
/// </summary>
public static class InputReader
{
    /// <summary>The default of <c>--max-file-size</c>: 256 MB (MiB).</summary>
    public const long DefaultMaxFileSize = 256L * 1024 * 1024;

    /// <summary>The first invalid UTF-8 byte of a file: where it is and a message for the PTX000 finding.</summary>
    public sealed record EncodingProblem(SourceSpan Span, long ByteOffset, string Message);

    /// <summary>The file <paramref name="path"/> reads: a symbolic link by its final target (so it counts, and is limited, by that file's size).</summary>
    internal static FileInfo TargetInfo(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target : info;
    }

    public static string Read(string path, out EncodingProblem? problem) =>
        Read(path, TargetInfo(path) is { Exists: true } info ? info.Length : 0, out problem);

    /// <summary><see cref="Read(string, out EncodingProblem?)"/> of a file whose <see cref="TargetInfo"/> length the caller has.</summary>
    internal static string Read(string path, long length, out EncodingProblem? problem)
    {
        // Small files are read whole, and so is a FIFO or a device, which has no length: it is not opened here, so that
        // it is opened once (a second open would cut a FIFO's writer off and then wait for another).
        if (length >= ChunkSize)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            if (stream.CanSeek && TryReadAscii(stream) is { } ascii)
            {
                problem = null;
                return ascii;
            }
        }
        var bytes = File.ReadAllBytes(path);
        return Decode(bytes, out problem);
    }

    /// <summary>Files below this are read whole (their byte array is small); larger ones are read in chunks of it.</summary>
    internal const int ChunkSize = 1 << 16;

    private sealed class ChunkRead(FileStream stream)
    {
        public readonly FileStream Stream = stream;
        public bool Ascii = true;
    }

    /// <summary>
    /// A large regular file that is all ASCII (PTX nearly always is), read in chunks straight into its string: no array
    /// of the whole file's bytes beside the text (for a 12 MB file, 12 MB of large-object heap allocated and dropped at
    /// once). ASCII bytes decode as themselves in UTF-8, so the text is what <see cref="Decode"/> would give. Null for a
    /// byte outside ASCII (a BOM included) or a file whose size changes while it is read: those are read whole.
    /// </summary>
    private static string? TryReadAscii(FileStream stream)
    {
        long length = stream.Length;
        if (length > Array.MaxLength) return null;
        var read = new ChunkRead(stream);
        var text = string.Create((int)length, read, static (chars, r) =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                int at = 0;
                while (at < chars.Length)
                {
                    int got = r.Stream.Read(buffer, 0, Math.Min(ChunkSize, chars.Length - at));
                    // shorter than its length said, or not ASCII: read whole
                    if (got == 0 || System.Text.Ascii.ToUtf16(buffer.AsSpan(0, got), chars[at..], out _) != OperationStatus.Done)
                    {
                        r.Ascii = false;
                        return;
                    }
                    at += got;
                }
                // longer than its length said: read whole
                if (r.Stream.Read(buffer, 0, 1) != 0) r.Ascii = false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        return read.Ascii ? text : null;
    }

    public static string Decode(ReadOnlySpan<byte> bytes, out EncodingProblem? problem)
    {
        problem = null;
        if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) return Encoding.Unicode.GetString(bytes[2..]);
        if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF) return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) bytes = bytes[3..];
        if (!Utf8.IsValid(bytes)) problem = FirstInvalid(bytes);
        return Encoding.UTF8.GetString(bytes); // replacement: invalid sequences become U+FFFD
    }

    private static EncodingProblem FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        // Decode until the first invalid sequence (no replacement): bytesRead is its offset.
        var buffer = ArrayPool<char>.Shared.Rent(Math.Min(bytes.Length, 1 << 16) + 4);
        int offset = 0;
        try
        {
            while (offset < bytes.Length)
            {
                var status = Utf8.ToUtf16(bytes[offset..], buffer, out int read, out _, replaceInvalidSequences: false, isFinalBlock: true);
                offset += read;
                if (status != System.Buffers.OperationStatus.DestinationTooSmall) break;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
        offset = Math.Min(offset, bytes.Length - 1);

        // Line and column as SourceText counts them: \n, \r\n and a lone \r end a line; columns are UTF-16 units.
        int line = 1, lineStart = 0;
        for (int i = 0; i < offset; i++)
        {
            byte b = bytes[i];
            if (b == (byte)'\n') { line++; lineStart = i + 1; }
            else if (b == (byte)'\r')
            {
                if (i + 1 < offset && bytes[i + 1] == (byte)'\n') i++;
                line++;
                lineStart = i + 1;
            }
        }
        int column = Encoding.UTF8.GetCharCount(bytes[lineStart..offset]) + 1;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"invalid UTF-8: byte 0x{bytes[offset]:X2} at offset {offset} is not valid UTF-8");
        return new EncodingProblem(new SourceSpan(line, column, line, column + 1), offset, message);
    }

    /// <summary>Parses a size: a number of MB, or a number with a unit (<c>K</c>, <c>KB</c>, <c>M</c>, <c>MB</c>, <c>G</c>, <c>GB</c>, binary). 0: no limit.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim().ToUpperInvariant();
        long unit = 1024 * 1024;
        if (t.EndsWith('B')) t = t[..^1];
        if (t.EndsWith('K')) { unit = 1024; t = t[..^1]; }
        else if (t.EndsWith('M')) { unit = 1024 * 1024; t = t[..^1]; }
        else if (t.EndsWith('G')) { unit = 1024L * 1024 * 1024; t = t[..^1]; }
        if (!double.TryParse(t.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0 || double.IsNaN(v) || v * unit > long.MaxValue / 2)
            return false;
        bytes = (long)Math.Round(v * unit);
        return true;
    }

    /// <summary>A size for messages: <c>500 MB</c>, <c>1.5 MB</c>, <c>12 KB</c>, <c>10 bytes</c>.</summary>
    public static string FormatSize(long bytes) =>
        bytes >= 1024 * 1024 ? (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
        : bytes >= 1024 ? (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB"
        : bytes + " bytes";
}
