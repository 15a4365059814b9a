using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace PtxLint.Cuda;

/// <summary>Element and scalar types of the launch spec (PTX names; i8..i64 accepted as s8..s64).</summary>
public static class ElementTypes
{
    /// <summary>Bytes of one element; 0 when the type is unknown.</summary>
    public static int Size(string? type) => Normalize(type) switch
    {
        "u8" or "s8" or "b8" or "pred" => 1,
        "u16" or "s16" or "b16" or "f16" or "bf16" => 2,
        "u32" or "s32" or "b32" or "f32" => 4,
        "u64" or "s64" or "b64" or "f64" => 8,
        _ => 0,
    };

    public static string Normalize(string? type)
    {
        var t = (type ?? "").Trim().TrimStart('.').ToLowerInvariant();
        if (t.Length > 1 && t[0] == 'i' && char.IsAsciiDigit(t[1])) t = "s" + t[1..];
        return t switch { "float" => "f32", "double" => "f64", "half" => "f16", "int" => "s32", "uint" => "u32", _ => t };
    }

    public static bool IsFloat(string? type) => Normalize(type) is "f16" or "bf16" or "f32" or "f64";

    /// <summary>Writes <paramref name="value"/> as one element of <paramref name="type"/> (little endian).</summary>
    public static void Write(Span<byte> dst, string type, double value)
    {
        switch (Normalize(type))
        {
            case "f32": BinaryPrimitives.WriteSingleLittleEndian(dst, (float)value); break;
            case "f64": BinaryPrimitives.WriteDoubleLittleEndian(dst, value); break;
            case "f16": BinaryPrimitives.WriteHalfLittleEndian(dst, (Half)value); break;
            case "bf16":
                var bits = BitConverter.SingleToUInt32Bits((float)value);
                BinaryPrimitives.WriteUInt16LittleEndian(dst, (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16));
                break;
            default: WriteInteger(dst, type, checked((long)Math.Round(value))); break;
        }
    }

    public static void WriteInteger(Span<byte> dst, string type, long value)
    {
        switch (Size(type))
        {
            case 1: dst[0] = unchecked((byte)value); break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(dst, unchecked((ushort)value)); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(dst, unchecked((uint)value)); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(dst, unchecked((ulong)value)); break;
            default: throw new FormatException($"unknown type {type}");
        }
    }

    /// <summary>Encodes a JSON value (number, or string: decimal, 0x hex, nan/inf) as one element of <paramref name="type"/>.</summary>
    public static byte[] Encode(string type, JsonElement value)
    {
        var bytes = new byte[Size(type)];
        if (bytes.Length == 0) throw new FormatException($"unknown type {type}");
        string text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.True => "1",
            JsonValueKind.False => "0",
            _ => throw new FormatException($"value {value.GetRawText()} is not a number"),
        };
        EncodeText(bytes, type, text);
        return bytes;
    }

    public static void EncodeText(Span<byte> dst, string type, string text)
    {
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            // a hex literal is the exact bit pattern, for floats too (0x7fc00000)
            var raw = ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            WriteInteger(dst, Size(type) switch { 1 => "u8", 2 => "u16", 4 => "u32", _ => "u64" }, unchecked((long)raw));
            return;
        }
        if (IsFloat(type))
        {
            var d = text.ToLowerInvariant() switch
            {
                "nan" => double.NaN,
                "inf" or "+inf" or "infinity" => double.PositiveInfinity,
                "-inf" or "-infinity" => double.NegativeInfinity,
                _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            Write(dst, type, d);
            return;
        }
        if (Normalize(type).StartsWith('u') && ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u))
        {
            WriteInteger(dst, type, unchecked((long)u));
            return;
        }
        WriteInteger(dst, type, long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture));
    }

    /// <summary>Reads element <paramref name="index"/> of a buffer as a double (for messages).</summary>
    public static double Read(ReadOnlySpan<byte> data, string type, long index)
    {
        int size = Size(type);
        var e = data.Slice(checked((int)(index * size)), size);
        return Normalize(type) switch
        {
            "f32" => BinaryPrimitives.ReadSingleLittleEndian(e),
            "f64" => BinaryPrimitives.ReadDoubleLittleEndian(e),
            "f16" => (double)BinaryPrimitives.ReadHalfLittleEndian(e),
            "bf16" => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(e) << 16),
            "s8" => (sbyte)e[0],
            "s16" => BinaryPrimitives.ReadInt16LittleEndian(e),
            "s32" => BinaryPrimitives.ReadInt32LittleEndian(e),
            "s64" => BinaryPrimitives.ReadInt64LittleEndian(e),
            _ => size switch
            {
                1 => e[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(e),
                4 => BinaryPrimitives.ReadUInt32LittleEndian(e),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(e),
            },
        };
    }
}

/// <summary>Builds the host bytes of a buffer from its fill pattern. Deterministic on every platform.</summary>
public static class BufferFill
{
    public static readonly string[] Fills = ["zeros", "iota", "random", "constant", "sentinel"];

    public static bool IsKnownFill(string? fill) => Array.IndexOf(Fills, (fill ?? "").ToLowerInvariant()) >= 0;

    /// <summary>The default sentinel byte: every byte 0xFF (a NaN for floats, -1 for signed integers).</summary>
    public const byte DefaultSentinelByte = 0xFF;

    public static byte[] Create(BufferSpec spec)
    {
        var data = new byte[spec.Bytes];
        Fill(data, spec);
        return data;
    }

    /// <summary>The bytes of one sentinel element of this buffer.</summary>
    public static byte[] SentinelElement(BufferSpec spec)
    {
        int size = Math.Max(1, ElementTypes.Size(spec.ElementType));
        if (spec.Value is { } v) return ElementTypes.Encode(spec.ElementType, v);
        return Enumerable.Repeat(DefaultSentinelByte, size).ToArray();
    }

    public static void Fill(Span<byte> data, BufferSpec spec)
    {
        var type = ElementTypes.Normalize(spec.ElementType);
        int size = ElementTypes.Size(type);
        if (size == 0) throw new FormatException($"unknown elementType {spec.ElementType}");
        long count = data.Length / size;
        switch (spec.Fill.ToLowerInvariant())
        {
            case "zeros":
                data.Clear();
                break;
            case "iota":
                data.Clear();
                for (long i = 0; i < count; i++) ElementTypes.Write(data.Slice((int)(i * size), size), type, i);
                break;
            case "random":
            {
                data.Clear();
                var rng = new SplitMix64(spec.Seed);
                for (long i = 0; i < count; i++)
                {
                    var e = data.Slice((int)(i * size), size);
                    if (ElementTypes.IsFloat(type)) ElementTypes.Write(e, type, rng.NextDouble() * 2.0 - 1.0); // [-1, 1)
                    else ElementTypes.WriteInteger(e, type, unchecked((long)rng.Next()));
                }
                break;
            }
            case "constant":
            case "sentinel":
            {
                byte[] element = spec.Fill.Equals("constant", StringComparison.OrdinalIgnoreCase)
                    ? (spec.Value is { } v ? ElementTypes.Encode(type, v) : new byte[size])
                    : SentinelElement(spec);
                for (long i = 0; i < count; i++) element.CopyTo(data.Slice((int)(i * size), size));
                // a tail shorter than one element gets the leading bytes of the pattern
                for (long i = count * size, k = 0; i < data.Length; i++, k++) data[(int)i] = element[k];
                break;
            }
            default:
                throw new FormatException($"unknown fill {spec.Fill}");
        }
    }
}

/// <summary>SplitMix64: a tiny, well-known, portable PRNG (the same sequence everywhere for a seed).</summary>
public struct SplitMix64
{
    private ulong _state;
    public SplitMix64(ulong seed) { _state = seed; }

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
