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
    /// <summary>Units smaller than this many tokens are grouped together.</summary>
    private const int UnitTokens = 16_384;

    /// <summary>Files with fewer tokens than this are parsed on one thread.</summary>
    private const int ParallelThresholdTokens = 200_000;

    /// <summary>Number of work units the fast parser handed to the ANTLR parser (diagnostics for --stats and tests).</summary>
    public static int FastPathFallbacks;

    public static PtxModule Parse(string filePath, string text) => Parse(filePath, text, ParseOptions.Default);

    public static PtxModule Parse(string filePath, string text, ParseOptions? options)
    {
        options ??= ParseOptions.Default;
        var module = new PtxModule(filePath, new SourceText(text));
        var split = SplitUnits(text);
        var units = split.Units;
        var results = new UnitResult[units.Count];
        if (options.Parallel && split.TokenCount > ParallelThresholdTokens && units.Count > 1)
        {
            Parallel.For(0, units.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                u => results[u] = ParseUnit(module, text, units[u], filePath, options));
        }
        else
        {
            for (int u = 0; u < units.Count; u++)
                results[u] = ParseUnit(module, text, units[u], filePath, options);
        }
        foreach (var r in results)
            r.ApplyTo(module);
        ModuleChecks.Run(module, split.First, split.TokenCount);
        module.Errors.Sort((a, b) => a.Span.StartLine != b.Span.StartLine
            ? a.Span.StartLine.CompareTo(b.Span.StartLine)
            : a.Span.StartColumn.CompareTo(b.Span.StartColumn));
        return module;
    }

    [ThreadStatic] private static RawToken[]? t_tokens;

    /// <summary>A thread keeps its token buffer only up to this size (a giant single-function unit is not retained).</summary>
    private const int MaxRetainedTokens = 1 << 20;

    /// <summary>Deepest nesting of braces, brackets and parentheses the parsers accept (both recurse per level).</summary>
    public const int MaxNesting = 256;

    /// <summary>A work unit: where its tokens start and how many there are (it is re-scanned when parsed).</summary>
    private readonly record struct Unit(PtxScanner.Cursor Start, int Tokens, SourceSpan TooDeepAt);

    private sealed record Split(List<Unit> Units, int TokenCount, RawToken First);

    /// <summary>
    /// Scans the file once without keeping its tokens, splitting it at top-level item boundaries (after ';' or a
    /// closing '}' at depth 0, and before unterminated directives such as .version/.target/.file at depth 0) and
    /// grouping small items into units of about <see cref="UnitTokens"/> tokens. Each unit is scanned again when
    /// it is parsed, so memory holds the tokens of the units being parsed, never of the whole file.
    /// </summary>
    private static Split SplitUnits(string text)
    {
        var units = new List<Unit>();
        var cursor = PtxScanner.Cursor.Start;
        var unitStart = cursor;
        var boundary = cursor;            // cursor at the last boundary
        int boundaryIndex = 0;            // token index of the last boundary
        int unitStartIndex = 0;
        int depth = 0, nest = 0;
        SourceSpan tooDeep = SourceSpan.None;
        int tooDeepIndex = -1;
        int index = 0;
        RawToken first = default;
        bool pendingBraceBoundary = false;
        while (true)
        {
            var before = cursor;
            PtxScanner.Next(text, ref cursor, out var t);
            if (index == 0) first = t;
            int type = t.Type;
            if (pendingBraceBoundary)
            {
                // a function or section body ended at the previous '}'; an initializer's '}' is followed by ';' or ','
                pendingBraceBoundary = false;
                if (type is not (T.SEMI or T.COMMA or T.Eof)) { boundary = before; boundaryIndex = index; }
            }
            if (type == T.Eof) break;
            if (type is T.LBRACE or T.LPAREN or T.LBRACK)
            {
                if (++nest > MaxNesting && tooDeep.IsEmpty)
                {
                    tooDeep = new SourceSpan(t.Line, t.Column + 1, t.Line, t.Column + 2);
                    tooDeepIndex = index;
                }
            }
            else if (type is T.RBRACE or T.RPAREN or T.RBRACK)
            {
                if (nest > 0) nest--;
            }
            if (type == T.LBRACE) depth++;
            else if (type == T.RBRACE)
            {
                if (depth > 0) depth--;
                if (depth == 0) pendingBraceBoundary = true;
            }
            else if (depth == 0)
            {
                if (type == T.SEMI) { boundary = cursor; boundaryIndex = index + 1; }
                else if (index > boundaryIndex && type is T.VERSION or T.TARGET or T.ADDRESS_SIZE or T.FILE or T.SECTION or T.LOC)
                {
                    boundary = before;
                    boundaryIndex = index;
                }
            }
            index++;
            if (depth == 0 && boundaryIndex > unitStartIndex)
            {
                // the too-deep region belongs to the unit only when it lies before the boundary
                bool deepInside = !tooDeep.IsEmpty && tooDeepIndex < boundaryIndex;
                if (boundaryIndex - unitStartIndex >= UnitTokens || deepInside)
                {
                    units.Add(new Unit(unitStart, boundaryIndex - unitStartIndex, deepInside ? tooDeep : SourceSpan.None));
                    if (deepInside) tooDeep = SourceSpan.None;
                    unitStart = boundary;
                    unitStartIndex = boundaryIndex;
                }
            }
        }
        if (index > unitStartIndex || units.Count == 0) units.Add(new Unit(unitStart, index - unitStartIndex, tooDeep));
        return new Split(units, index + 1, first);
    }

    private static UnitResult ParseUnit(PtxModule module, string text, Unit unit, string filePath, ParseOptions options)
    {
        if (!unit.TooDeepAt.IsEmpty)
        {
            return new UnitResult(new List<Action<PtxModule>>(),
                new List<SyntaxError> { new(unit.TooDeepAt, $"braces, brackets or parentheses nested deeper than {MaxNesting} levels; this part of the file is not analyzed") });
        }
        var cursor = unit.Start;
        // One token buffer per thread, reused by every unit it parses (units are parsed to completion on one thread):
        // no large-object allocation per unit.
        var tokens = PtxScanner.Scan(text, ref cursor, unit.Tokens, out int end, t_tokens);
        t_tokens = tokens.Length <= MaxRetainedTokens ? tokens : null;
        int start = 0;
        var pool = new StringPool();
        if (!options.ForceAntlr)
        {
            var fast = new FastParser(module, text, tokens, start, end, pool);
            try
            {
                fast.ParseModule();
                return new UnitResult(fast.Actions, new List<SyntaxError>());
            }
            catch (FastParser.Failure)
            {
                Interlocked.Increment(ref FastPathFallbacks);
                // not what the fast path expects: let the ANTLR parser decide and report
            }
        }
        // Stage 1: SLL, bail on the first error (fast path for valid PTX).
        var source = new SliceTokenSource(text, tokens, start, end, pool, filePath);
        var stream = new CommonTokenStream(source);
        var parser = new PtxParser(stream) { BuildParseTree = true, ErrorHandler = new BailErrorStrategy() };
        parser.RemoveErrorListeners();
        parser.Interpreter.PredictionMode = PredictionMode.SLL;
        PtxParser.ModuleContext tree;
        var errors = new List<SyntaxError>();
        try
        {
            tree = parser.module();
        }
        catch (ParseCanceledException)
        {
            // Stage 2: LL with recovery, collecting every syntax error.
            source = new SliceTokenSource(text, tokens, start, end, pool, filePath);
            stream = new CommonTokenStream(source);
            parser = new PtxParser(stream) { BuildParseTree = true, ErrorHandler = new StatementRecoveryStrategy() };
            parser.RemoveErrorListeners();
            var listener = new ErrorCollector(errors);
            parser.AddErrorListener(listener);
            parser.Interpreter.PredictionMode = PredictionMode.LL;
            tree = parser.module();
        }
        var builder = new IrBuilder(module, text);
        try
        {
            builder.BuildModule(tree);
        }
        catch (Exception ex) when (errors.Count > 0)
        {
            // A tree with errors can be malformed in ways the builder did not foresee; the syntax errors explain it.
            _ = ex;
        }
        return new UnitResult(builder.Actions, errors);
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
        var names = set.ToList().Select(Name).Distinct().ToList();
        if (names.Count > 6) names = names.Take(6).Append("...").ToList();
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
