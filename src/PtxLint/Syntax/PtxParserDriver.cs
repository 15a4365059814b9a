using Antlr4.Runtime;
using Antlr4.Runtime.Atn;
using Antlr4.Runtime.Misc;
using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Syntax.Generated;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>
/// Parses PTX text into a <see cref="PtxModule"/>. Pipeline: hand-written scanner -> split at top-level
/// boundaries into work units -> ANTLR parser per unit (SLL with a bail strategy; on error, LL with
/// recovery to collect syntax errors) -> IR built from each unit's tree, which is then dropped.
/// Large files parse their units in parallel. Syntax errors never throw: they land in <see cref="PtxModule.Errors"/>.
/// </summary>
public static class PtxParserDriver
{
    /// <summary>Files shorter than this many characters are parsed on one thread.</summary>
    private const int ParallelThresholdChars = 1_000_000;

    /// <summary>Number of work units the fast parser handed to the ANTLR parser (diagnostics for --stats and tests).</summary>
    public static int FastPathFallbacks;

    public static PtxModule Parse(string filePath, string text) => Parse(filePath, text, ParseOptions.Default);

    public static PtxModule Parse(string filePath, string text, ParseOptions? options)
    {
        options ??= ParseOptions.Default;
        var module = new PtxModule(filePath, new SourceText(text));
        var units = SplitUnits(text, options.UnitChars, out var bodySizes);
        var results = new UnitResult[units.Count];
        bool parallel = options.Parallel && text.Length > ParallelThresholdChars;
        if (parallel && units.Count > 1)
        {
            Parallel.For(0, units.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                u => results[u] = ParseUnit(module, text, units[u], filePath, options, bodySizes));
        }
        else
        {
            for (int u = 0; u < units.Count; u++)
                results[u] = ParseUnit(module, text, units[u], filePath, options, bodySizes);
        }
        foreach (var r in results)
            r.ApplyTo(module);
        var firstCursor = PtxScanner.Cursor.Start;
        PtxScanner.Next(text, ref firstCursor, out var first);
        ModuleChecks.Run(module, first, parallel ? options.MaxDegreeOfParallelism : 1);
        FindNonAscii(module, text);
        module.Errors.Sort((a, b) => a.Span.StartLine != b.Span.StartLine
            ? a.Span.StartLine.CompareTo(b.Span.StartLine)
            : a.Span.StartColumn.CompareTo(b.Span.StartColumn));
        return module;
    }

    /// <summary>Where the first character outside ASCII is and how many lines have one (ptxas rejects them, even in comments).</summary>
    private static void FindNonAscii(PtxModule module, string text)
    {
        int k = text.AsSpan().IndexOfAnyExceptInRange('\0', '\u007f');
        if (k < 0) return;
        module.FirstNonAscii = new LineCounter(text).SpanAt(k);
        int lines = 0;
        while (k >= 0)
        {
            lines++;
            int eol = text.AsSpan(k).IndexOfAny('\n', '\r');
            if (eol < 0) break;
            int next = text.AsSpan(k + eol).IndexOfAnyExceptInRange('\0', '\u007f');
            k = next < 0 ? -1 : k + eol + next;
        }
        module.NonAsciiLines = lines;
    }

    /// <summary>This thread's token window for the fast parser (see <see cref="FastParser"/>), reused by every unit it parses.</summary>
    [ThreadStatic] private static RawToken[]? t_tokens;

    /// <summary>
    /// A thread keeps a window grown for a long statement (a module item's initializer of thousands of values) only
    /// up to this size, 1.3 MB (the file threads live through the run, so what they keep counts in its peak memory).
    /// </summary>
    private const int MaxRetainedTokens = 1 << 16;

    /// <summary>Deepest nesting of braces, brackets and parentheses the parsers accept (both recurse per level).</summary>
    public const int MaxNesting = 256;

    /// <summary>A work unit: where it starts (a scanner cursor) and the offset where it ends; it is scanned when parsed.</summary>
    private readonly record struct Unit(PtxScanner.Cursor Start, int End, SourceSpan TooDeepAt);

    /// <summary>Bodies with fewer statements than this are not counted (a list grows cheaply that far).</summary>
    private const int MinCountedBody = 256;

    /// <summary>The characters the splitter stops at: brackets, the item end, and the starts of strings and comments.</summary>
    private static readonly System.Buffers.SearchValues<char> SplitStops = System.Buffers.SearchValues.Create("{}()[];\"/");

    /// <summary>
    /// Splits the file at top-level item boundaries (after a ';' or a closing '}' at brace depth 0, unless an
    /// initializer's '}' is followed by ';' or ',') into units of about <see cref="ParseOptions.UnitChars"/> characters, without
    /// tokenizing: a vectorized search for brackets, ';' and the starts of strings and comments, which are skipped
    /// exactly as the scanner skips them (so a boundary is always between two tokens). Each unit is scanned once,
    /// when it is parsed. A region nested deeper than <see cref="MaxNesting"/> marks its unit as too deep.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private static List<Unit> SplitUnits(string text, int unitChars, out Dictionary<int, int>? bodySizes)
    {
        var units = new List<Unit>();
        bodySizes = null;
        int bodyStart = -1, bodySemis = 0;
        int blockCloseLimit = 0, stringFailEnd = 0;
        var lines = new LineCounter(text);
        int unitStart = 0;
        int depth = 0, nest = 0;
        int tooDeepAt = -1;
        int len = text.Length;
        int i = 0;
        while (true)
        {
            int k = text.AsSpan(i).IndexOfAny(SplitStops);
            if (k < 0) break;
            i += k;
            char c = text[i];
            int boundary = -1;
            switch (c)
            {
                case '{':
                    if (depth++ == 0) { bodyStart = i; bodySemis = 0; }
                    goto case '(';
                case '(':
                case '[':
                    if (++nest > MaxNesting && tooDeepAt < 0) tooDeepAt = i;
                    i++;
                    break;
                case '}':
                    if (depth > 0) depth--;
                    if (nest > 0) nest--;
                    i++;
                    if (depth == 0 && bodyStart >= 0)
                    {
                        // a hint, bounded by the body's length: a body of empty statements (";;;;") allocates no more than its text
                        int statements = Math.Min(bodySemis, (i - bodyStart) / 4);
                        if (statements >= MinCountedBody) (bodySizes ??= new())[bodyStart] = statements;
                        bodyStart = -1;
                    }
                    if (depth == 0)
                    {
                        // a function or section body ends here; an initializer's '}' is followed by ';' or ','
                        // (the scanner finds the next token, with its own rules for whitespace and comments)
                        var after = new PtxScanner.Cursor { Offset = i, Line = 1, BlockCloseLimit = blockCloseLimit };
                        PtxScanner.Next(text, ref after, out var next);
                        blockCloseLimit = after.BlockCloseLimit;
                        if (next.Type is not (T.SEMI or T.COMMA or T.Eof)) boundary = i;
                    }
                    break;
                case ')':
                case ']':
                    if (nest > 0) nest--;
                    i++;
                    break;
                case ';':
                    i++;
                    if (depth == 0) boundary = i;
                    else bodySemis++;
                    break;
                case '"':
                {
                    int close = PtxScanner.StringClose(text, i, ref stringFailEnd);
                    i = close >= 0 ? close + 1 : i + 1;
                    break;
                }
                default: // '/'
                    i = SkipComment(text, i, ref blockCloseLimit);
                    break;
            }
            if (boundary < 0) continue;
            bool deepInside = tooDeepAt >= 0;
            if (boundary - unitStart >= unitChars || deepInside)
            {
                units.Add(new Unit(lines.CursorAt(unitStart, blockCloseLimit), boundary, deepInside ? lines.SpanAt(tooDeepAt) : SourceSpan.None));
                tooDeepAt = -1;
                unitStart = boundary;
            }
        }
        if (unitStart < len || units.Count == 0)
            units.Add(new Unit(lines.CursorAt(unitStart, blockCloseLimit), len, tooDeepAt >= 0 ? lines.SpanAt(tooDeepAt) : SourceSpan.None));
        return units;
    }

    /// <summary>Past a comment starting at <paramref name="i"/>; past the '/' alone when it starts none (or an unterminated block comment, as the scanner lexes it).</summary>
    private static int SkipComment(string text, int i, ref int blockCloseLimit)
    {
        int len = text.Length;
        if (i + 1 < len && text[i + 1] == '/')
        {
            int e = text.AsSpan(i + 2).IndexOfAny('\n', '\r');
            return e < 0 ? len : i + 2 + e;
        }
        if (i + 1 < len && text[i + 1] == '*')
        {
            int close = PtxScanner.BlockCommentClose(text, i, ref blockCloseLimit);
            if (close >= 0) return close + 2;
        }
        return i + 1;
    }

    /// <summary>Line numbers for offsets that only grow (the scanner's line rule: \n, \r\n and a lone \r each end a line).</summary>
    private struct LineCounter(string text)
    {
        private readonly bool _hasCr = text.Contains('\r');
        private int _offset;
        private int _line = 1;
        private int _lineStart;

        private void AdvanceTo(int offset)
        {
            if (!_hasCr)
            {
                var span = text.AsSpan(_offset, offset - _offset);
                int n = span.Count('\n');
                if (n > 0) { _line += n; _lineStart = _offset + span.LastIndexOf('\n') + 1; }
            }
            else
            {
                for (int k = _offset; k < offset; k++)
                {
                    char e = text[k];
                    if (e == '\n') { _line++; _lineStart = k + 1; }
                    else if (e == '\r')
                    {
                        if (k + 1 < text.Length && text[k + 1] == '\n')
                        {
                            if (k + 1 >= offset) break; // the pair ends beyond: count it when it is passed
                            k++;
                        }
                        _line++; _lineStart = k + 1;
                    }
                }
            }
            _offset = offset;
        }

        public PtxScanner.Cursor CursorAt(int offset, int blockCloseLimit = 0)
        {
            AdvanceTo(offset);
            return new PtxScanner.Cursor { Offset = offset, Line = _line, LineStart = _lineStart, BlockCloseLimit = blockCloseLimit };
        }

        public SourceSpan SpanAt(int offset)
        {
            var c = CursorAt(offset);
            return new SourceSpan(c.Line, offset - c.LineStart + 1, c.Line, offset - c.LineStart + 2);
        }
    }

    private static UnitResult ParseUnit(PtxModule module, string text, Unit unit, string filePath, ParseOptions options, Dictionary<int, int>? bodySizes)
    {
        if (!unit.TooDeepAt.IsEmpty)
        {
            return new UnitResult(new List<Action<PtxModule>>(),
                new List<SyntaxError> { new(unit.TooDeepAt, $"braces, brackets or parentheses nested deeper than {MaxNesting} levels; this part of the file is not analyzed") });
        }
        var pool = StringPool.ForThread();
        if (!options.ForceAntlr && options.TokenWindow > 0)
        {
            // The fast parser scans as it goes, into a window: this thread's (units are parsed to completion on one
            // thread), so no unit allocates tokens unless a statement outgrows it.
            bool own = options.TokenWindow == ParseOptions.DefaultTokenWindow;
            var window = own && t_tokens is { Length: >= ParseOptions.DefaultTokenWindow } w ? w : new RawToken[Math.Max(16, options.TokenWindow)];
            var fastBuilder = new IrBuilder(module, text, window, pool) { BodySizes = bodySizes };
            var fast = new FastParser(fastBuilder, text, unit.Start, unit.End, window);
            try
            {
                fast.ParseModule();
                return new UnitResult(fastBuilder.Actions, new List<SyntaxError>());
            }
            catch (FastParser.Failure)
            {
                Interlocked.Increment(ref FastPathFallbacks);
                // not what the fast path expects: let the ANTLR parser decide and report
            }
            finally
            {
                // a window grown past the retained size is left to the collector; the thread keeps the one it had
                if (own) t_tokens = fast.Tokens.Length <= MaxRetainedTokens ? fast.Tokens : window;
            }
        }
        // The other paths read the unit's tokens all at once.
        var cursor = unit.Start;
        var tokens = PtxScanner.ScanTo(text, ref cursor, unit.End, out int end, null);
        int start = 0;
        if (!options.ForceAntlr && options.TokenWindow == 0)
        {
            if (FastOverTokens(module, text, tokens, end, pool, bodySizes, new List<SyntaxError>()) is { } whole) return whole;
            Interlocked.Increment(ref FastPathFallbacks);
        }
        // A body whose '{' is never closed: close it where the next module item starts (one error at the '{'),
        // then parse the repaired tokens.
        var repairErrors = new List<SyntaxError>();
        if (BraceRepair.TryRepair(text, ref tokens, ref end, repairErrors) && !options.ForceAntlr
            && FastOverTokens(module, text, tokens, end, pool, bodySizes, repairErrors) is { } repaired)
            return repaired;
        // Stage 1: SLL, bail on the first error (fast path for valid PTX).
        var source = new SliceTokenSource(text, tokens, start, end, pool, filePath);
        var stream = new CommonTokenStream(source);
        var parser = new PtxParser(stream) { BuildParseTree = true, ErrorHandler = new BailErrorStrategy() };
        parser.RemoveErrorListeners();
        parser.Interpreter.PredictionMode = PredictionMode.SLL;
        PtxParser.ModuleContext tree;
        var errors = new List<SyntaxError>(repairErrors);
        try
        {
            tree = parser.module();
        }
        catch (ParseCanceledException)
        {
            // Stage 2: LL with recovery, collecting every syntax error.
            source = new SliceTokenSource(text, tokens, start, end, pool, filePath);
            stream = new CommonTokenStream(source);
            errors = new List<SyntaxError>(repairErrors);
            parser = new PtxParser(stream) { BuildParseTree = true, ErrorHandler = new StatementRecoveryStrategy() };
            parser.RemoveErrorListeners();
            var listener = new ErrorCollector(errors);
            parser.AddErrorListener(listener);
            parser.Interpreter.PredictionMode = PredictionMode.LL;
            tree = parser.module();
        }
        var builder = new IrBuilder(module, text, tokens, pool) { BodySizes = bodySizes };
        try
        {
            new AntlrTreeWalker(builder).Module(tree);
        }
        catch (Exception ex) when (errors.Count > 0)
        {
            // A tree with errors can be malformed in ways the builder did not foresee; the syntax errors explain it.
            _ = ex;
        }
        return new UnitResult(builder.Actions, errors);
    }

    /// <summary>The fast parser over a unit's tokens given at once: its result with <paramref name="errors"/>, or null when it gives up.</summary>
    private static UnitResult? FastOverTokens(PtxModule module, string text, RawToken[] tokens, int end, StringPool pool,
        Dictionary<int, int>? bodySizes, List<SyntaxError> errors)
    {
        var builder = new IrBuilder(module, text, tokens, pool) { BodySizes = bodySizes };
        try
        {
            new FastParser(builder, tokens, 0, end).ParseModule();
            return new UnitResult(builder.Actions, errors);
        }
        catch (FastParser.Failure)
        {
            return null;
        }
    }

    private sealed record UnitResult(List<Action<PtxModule>> Actions, List<SyntaxError> Errors)
    {
        public void ApplyTo(PtxModule module)
        {
            foreach (var a in Actions) a(module);
            module.Errors.AddRange(Errors);
        }
    }
}

/// <param name="ForceAntlr">Parse with the ANTLR parser only (tests compare it with the fast path).</param>
public sealed record ParseOptions(bool Parallel = true, int MaxDegreeOfParallelism = -1, bool ForceAntlr = false)
{
    /// <summary>Unit size for splitting (tests split at every item with 1, or not at all with int.MaxValue).</summary>
    internal int UnitChars { get; init; } = 64 * 1024;

    /// <summary>The fast parser's token window, 8192 tokens (160 KB): a statement is a few to a few hundred tokens.</summary>
    internal const int DefaultTokenWindow = 1 << 13;

    /// <summary>
    /// Tokens the fast parser scans ahead into its window (tests use a tiny one); 0 scans each unit's tokens at once,
    /// as the other parsers read them (tests compare the two).
    /// </summary>
    internal int TokenWindow { get; init; } = DefaultTokenWindow;

    public static readonly ParseOptions Default = new();
}

/// <summary>Collects syntax errors with readable token names.</summary>
internal sealed class ErrorCollector : BaseErrorListener
{
    private readonly List<SyntaxError> _errors;
    public ErrorCollector(List<SyntaxError> errors) { _errors = errors; }

    public override void SyntaxError(TextWriter output, IRecognizer recognizer, IToken offendingSymbol, int line, int charPositionInLine,
        string msg, RecognitionException e)
    {
        var text = offendingSymbol?.Type == TokenConstants.EOF ? "end of file" : $"'{Shorten(offendingSymbol?.Text)}'";
        string message;
        IntervalSet? expected = null;
        try
        {
            expected = e?.GetExpectedTokens() ?? (recognizer as Parser)?.GetExpectedTokens();
        }
        catch
        {
            expected = null;
        }
        if (offendingSymbol?.Type == T.ERROR_CHAR)
            message = $"unexpected character {text}";
        else if (expected is not null && expected.Count > 0)
            message = $"unexpected {text}; expected {TokenNames.Describe(expected)}";
        else
            message = $"unexpected {text}";
        int len = offendingSymbol is null || offendingSymbol.Type == TokenConstants.EOF ? 1 : Math.Max(1, offendingSymbol.StopIndex - offendingSymbol.StartIndex + 1);
        var span = new SourceSpan(line, charPositionInLine + 1, line, charPositionInLine + 1 + len);
        // One error per line is enough: recovery can report several at the same place.
        if (_errors.Count > 0 && _errors[^1].Span.StartLine == line) return;
        _errors.Add(new SyntaxError(span, message));
    }

    private static string Shorten(string? s) => s is null ? "" : s.Length > 40 ? s[..40] + "..." : s;
}

/// <summary>Readable names for expected-token sets.</summary>
internal static class TokenNames
{
    public static string Name(int type) => type switch
    {
        TokenConstants.EOF => "end of file",
        T.IDENT => "an identifier",
        T.DOT_NAME => "a directive, type or modifier",
        T.INT => "an integer",
        T.FLOAT => "a number",
        T.FLOAT_HEX => "a float literal",
        T.STRING => "a string",
        _ => PtxLexer.DefaultVocabulary.GetLiteralName(type) ?? PtxLexer.DefaultVocabulary.GetDisplayName(type),
    };

    public static string Describe(IntervalSet set)
    {
        var types = set.ToList();
        // Where any operand may come, say so once instead of listing every literal kind (keeps the headline short).
        bool operand = types.Contains(T.IDENT) && types.Contains(T.INT);
        var names = types.Where(t => !operand || t is not (T.IDENT or T.INT or T.FLOAT or T.FLOAT_HEX or T.STRING))
            .Select(Name).Distinct().ToList();
        if (operand) names.Insert(0, "an operand");
        if (names.Count > 4) names = names.Take(4).Append("...").ToList();
        return names.Count == 1 ? names[0] : "one of " + string.Join(", ", names);
    }
}

/// <summary>
/// Error recovery that resynchronizes at statement boundaries: after an error inside a statement the parser
/// skips to the next ';' or '}' so one bad line does not hide the rest of the file.
/// </summary>
internal sealed class StatementRecoveryStrategy : DefaultErrorStrategy
{
    protected override IntervalSet GetErrorRecoverySet(Parser recognizer)
    {
        var set = base.GetErrorRecoverySet(recognizer);
        var copy = new IntervalSet(set);
        copy.Add(T.SEMI);
        copy.Add(T.RBRACE);
        return copy;
    }
}
