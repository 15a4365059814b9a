namespace PtxLint.Ir;

/// <summary>
/// The one reading of a register name as a declared range's member: <c>.reg .b32 %r&lt;8&gt;;</c> declares
/// <c>%r0</c> to <c>%r7</c>, so a name is a prefix followed by a decimal number. The parser, the symbol table, the
/// register index and the messages all split names here, so they agree on what a range covers.
/// </summary>
public static class RegisterNames
{
    /// <summary>
    /// Where the decimal digits that end a name start (<c>%rd12</c>: 3); -1 when it ends in no digit or is only
    /// digits (no prefix).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int NumberStart(ReadOnlySpan<char> name)
    {
        int end = name.Length;
        while (end > 0 && char.IsAsciiDigit(name[end - 1])) end--;
        return end == name.Length || end == 0 ? -1 : end;
    }

    /// <summary>
    /// The number that the digits at <paramref name="start"/> (from <see cref="NumberStart"/>) spell: -1 for a leading
    /// zero (<c>%r01</c> is a name of its own, not <c>%r1</c>), <see cref="int.MaxValue"/> past nine digits (no
    /// declared range reaches it).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int Number(ReadOnlySpan<char> name, int start)
    {
        var digits = name[start..];
        if (digits.Length > 1 && digits[0] == '0') return -1;
        if (digits.Length > 9) return int.MaxValue;
        // ASCII digits only (NumberStart found them): no culture-aware parse
        int n = 0;
        foreach (var c in digits) n = n * 10 + (c - '0');
        return n;
    }

    /// <summary>
    /// A name that is a prefix and a number without a leading zero: the prefix's length and the number
    /// (<see cref="int.MaxValue"/> past nine digits).
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<char> name, out int prefixLength, out int number)
    {
        prefixLength = NumberStart(name);
        number = prefixLength < 0 ? -1 : Number(name, prefixLength);
        return number >= 0;
    }
}
