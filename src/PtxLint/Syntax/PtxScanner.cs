using System.Runtime.CompilerServices;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>A token as the scanner produces it: type (a PtxLexer token type), offsets and position.</summary>
public struct RawToken
{
    public int Type;
    /// <summary>Offset of the first character.</summary>
    public int Start;
    /// <summary>Offset of the last character (inclusive, as ANTLR's StopIndex).</summary>
    public int Stop;
    /// <summary>1-based line.</summary>
    public int Line;
    /// <summary>0-based column (ANTLR's CharPositionInLine).</summary>
    public int Column;

    public readonly int Length => Stop - Start + 1;
}

/// <summary>
/// Hand-written PTX scanner producing exactly the default-channel tokens of grammar/PtxLexer.g4
/// (trivia are skipped). It exists for speed: the ANTLR-generated lexer is several times slower.
/// Tests compare both on the whole corpus.
/// </summary>
public static class PtxScanner
{
    private static readonly Dictionary<string, int> Keywords = new(StringComparer.Ordinal)
    {
        [".version"] = T.VERSION, [".target"] = T.TARGET, [".address_size"] = T.ADDRESS_SIZE, [".file"] = T.FILE,
        [".section"] = T.SECTION, [".alias"] = T.ALIAS, [".pragma"] = T.PRAGMA, [".loc"] = T.LOC, [".entry"] = T.ENTRY,
        [".func"] = T.FUNC, [".visible"] = T.VISIBLE, [".extern"] = T.EXTERN, [".weak"] = T.WEAK, [".common"] = T.COMMON,
        [".callprototype"] = T.CALLPROTOTYPE, [".calltargets"] = T.CALLTARGETS, [".branchtargets"] = T.BRANCHTARGETS,
        [".maxnreg"] = T.MAXNREG, [".maxntid"] = T.MAXNTID, [".reqntid"] = T.REQNTID, [".minnctapersm"] = T.MINNCTAPERSM,
        [".maxnctapersm"] = T.MAXNCTAPERSM, [".noreturn"] = T.NORETURN, [".explicitcluster"] = T.EXPLICITCLUSTER,
        [".reqnctapercluster"] = T.REQNCTAPERCLUSTER, [".maxclusterrank"] = T.MAXCLUSTERRANK,
        [".blocksareclusters"] = T.BLOCKSARECLUSTERS, [".abi_preserve"] = T.ABI_PRESERVE,
        [".abi_preserve_control"] = T.ABI_PRESERVE_CONTROL,
    };

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> KeywordLookup =
        Keywords.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// For each letter, a bit per length of the keywords that start with '.' and that letter: most dot-names
    /// (<c>.u32</c>, <c>.global</c>, <c>.reg</c>) are ruled out without hashing.
    /// </summary>
    private static readonly ulong[] KeywordShapes = BuildKeywordShapes();

    private static ulong[] BuildKeywordShapes()
    {
        var shapes = new ulong[26];
        foreach (var k in Keywords.Keys)
            shapes[k[1] - 'a'] |= 1UL << k.Length;
        return shapes;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayBeKeyword(string text, int start, int length)
    {
        uint c = (uint)(text[start + 1] - 'a');
        return c < 26 && length < 64 && (KeywordShapes[c] >> length & 1) != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsIdStart(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || c == '_' || c == '$';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsIdPart(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c == '_' || c == '$';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsHex(char c) => (uint)(c - '0') <= 9 || (uint)((c | 0x20) - 'a') <= 'f' - 'a';

    /// <summary>Where the scanner is: offset, 1-based line and the offset where that line starts. Resumable.</summary>
    public struct Cursor
    {
        public int Offset;
        public int Line;
        public int LineStart;
        /// <summary>
        /// Where the text's last <c>*/</c> is, plus 2 (1: there is none; 0: not looked up yet). A <c>/*</c> after
        /// it is unterminated without a search to the end of the text, so a file full of them scans in linear time.
        /// </summary>
        internal int BlockCloseLimit;
        /// <summary>End of the stretch where a string ran unterminated (a later quote before it is unterminated too).</summary>
        internal int StringFailEnd;
        public static Cursor Start => new() { Offset = 0, Line = 1, LineStart = 0 };
    }

    /// <summary>Scans <paramref name="text"/> into default-channel tokens; the last token is EOF.</summary>
    public static RawToken[] Scan(string text, out int count)
    {
        var c = Cursor.Start;
        return Scan(text, ref c, int.MaxValue, out count);
    }

    /// <summary>
    /// Scans from <paramref name="cursor"/> up to <paramref name="maxTokens"/> tokens (an EOF token ends the array
    /// when the text ends first; otherwise the array holds exactly <paramref name="maxTokens"/> tokens and the
    /// cursor points after them).
    /// </summary>
    public static RawToken[] Scan(string text, ref Cursor cursor, int maxTokens, out int count, RawToken[]? buffer = null)
    {
        var tokens = buffer;
        if (tokens is null || tokens.Length < 16)
        {
            long estimate = maxTokens == int.MaxValue ? (text.Length - cursor.Offset) / 4 : maxTokens + 1L;
            tokens = new RawToken[(int)Math.Clamp(estimate, 16, Math.Max(16, (text.Length - cursor.Offset) / 2 + 2))];
        }
        int n = 0;
        while (n < maxTokens)
        {
            if (n + 1 >= tokens.Length) Array.Resize(ref tokens, tokens.Length * 2);
            Next(text, ref cursor, out tokens[n]);
            if (tokens[n++].Type == T.Eof) break;
        }
        count = n;
        return tokens;
    }

    /// <summary>
    /// Scans from <paramref name="cursor"/> the tokens that start before <paramref name="endOffset"/> (and the EOF
    /// token when the text ends first) into <paramref name="buffer"/>, growing it as needed.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    public static RawToken[] ScanTo(string text, ref Cursor cursor, int endOffset, out int count, RawToken[]? buffer = null)
    {
        // About one token per four characters of PTX (fewer in comments and long names, more in .b8 data): a buffer
        // of that size is made at once, not grown from a small one by doublings that copy it each time.
        var tokens = buffer;
        if (tokens is null || tokens.Length < 16)
            tokens = new RawToken[Math.Clamp((endOffset - cursor.Offset) / 4 + 16, 16, 1 << 28)];
        int n = 0;
        while (true)
        {
            if (n + 1 >= tokens.Length)
                Array.Resize(ref tokens, (int)Math.Min(Array.MaxLength, Math.Max(2L * tokens.Length, n + Math.Max(0, endOffset - cursor.Offset) / 4L + 16)));
            Next(text, ref cursor, out tokens[n]);
            ref var t = ref tokens[n];
            if (t.Type == T.Eof) { n++; break; }
            if (t.Start >= endOffset) break;
            n++;
        }
        count = n;
        return tokens;
    }

    /// <summary>Scans the next default-channel token (EOF at the end of the text).</summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    public static void Next(string text, ref Cursor cursor, out RawToken t)
    {
        int i = cursor.Offset;
        int line = cursor.Line;
        int lineStart = cursor.LineStart;
        int len = text.Length;
        t = default;
        // ---- trivia
        while (i < len)
        {
            char c = text[i];
            if (c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\uFEFF') { i++; continue; }
            if (c == '\n') { i++; line++; lineStart = i; continue; }
            if (c == '\r')
            {
                i++;
                if (i < len && text[i] == '\n') i++;
                line++; lineStart = i; continue;
            }
            if (c == '/' && i + 1 < len)
            {
                char d = text[i + 1];
                if (d == '/')
                {
                    i += 2;
                    while (i < len && text[i] != '\n' && text[i] != '\r') i++;
                    continue;
                }
                if (d == '*')
                {
                    int close = BlockCommentClose(text, i, ref cursor.BlockCloseLimit);
                    if (close < 0) break; // unterminated: lexed as '/' '*' like the ANTLR lexer
                    for (int k = i + 2; k < close; k++)
                    {
                        char e = text[k];
                        if (e == '\n') { line++; lineStart = k + 1; }
                        else if (e == '\r')
                        {
                            if (k + 1 < close && text[k + 1] == '\n') k++;
                            line++; lineStart = k + 1;
                        }
                    }
                    i = close + 2;
                    continue;
                }
            }
            break;
        }

        t.Start = i;
        t.Line = line;
        t.Column = i - lineStart;
        if (i >= len)
        {
            t.Type = T.Eof;
            t.Stop = i - 1;
            cursor.Offset = i; cursor.Line = line; cursor.LineStart = lineStart;
            return;
        }
        char ch = text[i];
        int start = i;
        if (IsIdStart(ch) || (ch == '%' && i + 1 < len && IsIdPart(text[i + 1])))
        {
            i++;
            while (i < len && IsIdPart(text[i])) i++;
            t.Type = T.IDENT;
        }
        else if (ch == '.')
        {
            if (i + 1 < len && IsIdPart(text[i + 1]))
            {
                i += 2;
                while (i < len && IsIdPart(text[i])) i++;
                while (i + 2 < len && text[i] == ':' && text[i + 1] == ':' && IsIdPart(text[i + 2]))
                {
                    i += 3;
                    while (i < len && IsIdPart(text[i])) i++;
                }
                t.Type = MayBeKeyword(text, start, i - start) && KeywordLookup.TryGetValue(text.AsSpan(start, i - start), out var kw) ? kw : T.DOT_NAME;
            }
            else
            {
                i++;
                t.Type = T.DOT;
            }
        }
        else if (IsDigit(ch))
        {
            t.Type = ScanNumber(text, ref i);
        }
        else
        {
            i++;
            switch (ch)
            {
                case '{': t.Type = T.LBRACE; break;
                case '}': t.Type = T.RBRACE; break;
                case '(': t.Type = T.LPAREN; break;
                case ')': t.Type = T.RPAREN; break;
                case '[': t.Type = T.LBRACK; break;
                case ']': t.Type = T.RBRACK; break;
                case '<':
                    if (i < len && text[i] == '<') { i++; t.Type = T.SHL; }
                    else if (i < len && text[i] == '=') { i++; t.Type = T.LE; }
                    else t.Type = T.LT;
                    break;
                case '>':
                    if (i < len && text[i] == '>') { i++; t.Type = T.SHR; }
                    else if (i < len && text[i] == '=') { i++; t.Type = T.GE; }
                    else t.Type = T.GT;
                    break;
                case '%': t.Type = T.PERCENT; break;
                case ',': t.Type = T.COMMA; break;
                case ';': t.Type = T.SEMI; break;
                case ':':
                    if (i < len && text[i] == ':') { i++; t.Type = T.COLONCOLON; }
                    else t.Type = T.COLON;
                    break;
                case '@': t.Type = T.AT; break;
                case '!':
                    if (i < len && text[i] == '=') { i++; t.Type = T.NEQ; }
                    else t.Type = T.BANG;
                    break;
                case '|':
                    if (i < len && text[i] == '|') { i++; t.Type = T.OROR; }
                    else t.Type = T.PIPE;
                    break;
                case '+': t.Type = T.PLUS; break;
                case '-': t.Type = T.MINUS; break;
                case '*': t.Type = T.STAR; break;
                case '/': t.Type = T.SLASH; break;
                case '~': t.Type = T.TILDE; break;
                case '&':
                    if (i < len && text[i] == '&') { i++; t.Type = T.ANDAND; }
                    else t.Type = T.AMP;
                    break;
                case '^': t.Type = T.CARET; break;
                case '=':
                    if (i < len && text[i] == '=') { i++; t.Type = T.EQEQ; }
                    else t.Type = T.EQUALS;
                    break;
                case '?': t.Type = T.QUESTION; break;
                case '"':
                {
                    int close = StringClose(text, i - 1, ref cursor.StringFailEnd);
                    if (close >= 0) { i = close + 1; t.Type = T.STRING; }
                    else t.Type = T.ERROR_CHAR;
                    break;
                }
                default:
                    // A surrogate pair is one code point: one error token, as the ANTLR lexer does.
                    if (char.IsHighSurrogate(ch) && i < len && char.IsLowSurrogate(text[i])) i++;
                    t.Type = T.ERROR_CHAR;
                    break;
            }
        }
        t.Stop = i - 1;
        cursor.Offset = i; cursor.Line = line; cursor.LineStart = lineStart;
}

    /// <summary>
    /// The offset of the <c>*/</c> that closes the block comment opened at <paramref name="open"/>, or -1 when it
    /// is unterminated. <paramref name="limit"/> is <see cref="Cursor.BlockCloseLimit"/>: the text's last <c>*/</c> is
    /// looked up once, so a text full of unterminated comments is not searched to its end again for each one.
    /// </summary>
    internal static int BlockCommentClose(string text, int open, ref int limit)
    {
        if (limit == 0) limit = text.LastIndexOf("*/", StringComparison.Ordinal) + 2;
        return open + 2 > limit - 2 ? -1 : text.IndexOf("*/", open + 2, StringComparison.Ordinal);
    }

    /// <summary>
    /// The offset of the quote that closes the string literal opened at <paramref name="quote"/>, or -1 when it runs
    /// unterminated (to a line end or the end of the text; a backslash escapes the next character).
    /// <paramref name="failEnd"/> is <see cref="Cursor.StringFailEnd"/>: a quote inside the stretch where an earlier
    /// string ran unterminated is unterminated too (that scan stepped over it as an escaped character, so its own
    /// scan would follow the same path to the same end), which keeps a line full of such quotes linear.
    /// </summary>
    internal static int StringClose(string text, int quote, ref int failEnd)
    {
        if (quote < failEnd) return -1;
        int k = quote + 1, len = text.Length;
        while (k < len)
        {
            char e = text[k];
            if (e == '"') return k;
            if (e == '\r' || e == '\n') break;
            if (e == '\\')
            {
                if (k + 1 >= len) break;
                k += 2;
                continue;
            }
            k++;
        }
        failEnd = k;
        return -1;
    }

    private static int ScanNumber(string text, ref int i)
    {
        int len = text.Length;
        int start = i;
        char c0 = text[i];
        if (c0 == '0' && i + 1 < len)
        {
            char c1 = (char)(text[i + 1] | 0x20);
            if (c1 == 'f' && CountHex(text, i + 2, 8) == 8) { i += 10; return T.FLOAT_HEX; }
            if (c1 == 'd' && CountHex(text, i + 2, 16) == 16) { i += 18; return T.FLOAT_HEX; }
            if (c1 == 'x' && i + 2 < len && IsHex(text[i + 2]))
            {
                i += 2;
                while (i < len && IsHex(text[i])) i++;
                if (i < len && text[i] == 'U') i++;
                return T.INT;
            }
            if (c1 == 'b' && i + 2 < len && (text[i + 2] == '0' || text[i + 2] == '1'))
            {
                i += 2;
                while (i < len && (text[i] == '0' || text[i] == '1')) i++;
                if (i < len && text[i] == 'U') i++;
                return T.INT;
            }
        }
        while (i < len && IsDigit(text[i])) i++;
        int afterDigits = i;
        if (i < len && text[i] == '.')
        {
            i++;
            while (i < len && IsDigit(text[i])) i++;
            TryExponent(text, ref i);
            return T.FLOAT;
        }
        if (TryExponent(text, ref i)) return T.FLOAT;
        i = afterDigits;
        if (i < len && text[i] == 'U') i++;
        _ = start;
        return T.INT;
    }

    private static bool TryExponent(string text, ref int i)
    {
        int len = text.Length;
        if (i < len && (text[i] | 0x20) == 'e')
        {
            int k = i + 1;
            if (k < len && (text[k] == '+' || text[k] == '-')) k++;
            if (k < len && IsDigit(text[k]))
            {
                while (k < len && IsDigit(text[k])) k++;
                i = k;
                return true;
            }
        }
        return false;
    }

    private static int CountHex(string text, int from, int max)
    {
        int n = 0;
        while (n < max && from + n < text.Length && IsHex(text[from + n])) n++;
        return n;
    }
}
