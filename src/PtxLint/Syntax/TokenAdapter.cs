using Antlr4.Runtime;
using Antlr4.Runtime.Misc;

namespace PtxLint.Syntax;

/// <summary>An ANTLR token over the scanner's raw token: text is materialized on demand and pooled.</summary>
internal sealed class PtxToken : IWritableToken
{
    private readonly SliceTokenSource _source;
    private string? _text;

    public PtxToken(SliceTokenSource source, in RawToken raw)
    {
        _source = source;
        Type = raw.Type;
        StartIndex = raw.Start;
        StopIndex = raw.Stop;
        Line = raw.Line;
        Column = raw.Column;
    }

    public string Text
    {
        get => _text ??= Type == TokenConstants.EOF ? "<EOF>" : _source.Pool.Get(_source.Text, StartIndex, StopIndex - StartIndex + 1);
        set => _text = value;
    }

    public int Type { get; set; }
    public int Line { get; set; }
    public int Column { get; set; }
    public int Channel { get; set; }
    public int TokenIndex { get; set; } = -1;
    public int StartIndex { get; }
    public int StopIndex { get; }
    public ITokenSource TokenSource => _source;
    public ICharStream InputStream => _source.InputStream;
    public override string ToString() => $"[@{TokenIndex},{StartIndex}:{StopIndex}='{Text}',<{Type}>,{Line}:{Column}]";
}

/// <summary>
/// A pool of token strings (opcodes, modifiers, labels, immediates, symbol names) so repeated tokens share one
/// string. Each thread keeps one (<see cref="ForThread"/>) across units and files: labels and immediates repeat
/// in every function. Bounded: it starts over after <see cref="MaxEntries"/> strings (16k: with 64k, the two file
/// threads' pools held about 20 MB more at a corpus run's peak, and were no faster).
/// </summary>
internal sealed class StringPool
{
    private const int MaxEntries = 1 << 14;

    [ThreadStatic] private static StringPool? t_pool;

    /// <summary>This thread's pool.</summary>
    public static StringPool ForThread()
    {
        var p = t_pool ??= new StringPool();
        if (p._map.Count > MaxEntries) t_pool = p = new StringPool();
        return p;
    }

    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() { _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>(); }

    public string Get(string text, int start, int length)
    {
        if (length > 512) return text.Substring(start, length);
        var span = text.AsSpan(start, length);
        if (_lookup.TryGetValue(span, out var s)) return s;
        s = span.ToString();
        _map[s] = s;
        return s;
    }
}

/// <summary>Feeds a range of scanned tokens to the ANTLR parser (then EOF).</summary>
internal sealed class SliceTokenSource : ITokenSource
{
    private readonly RawToken[] _tokens;
    private readonly int _end;
    private int _pos;
    private readonly RawToken _eof;

    public SliceTokenSource(string text, RawToken[] tokens, int start, int end, StringPool pool, string sourceName)
    {
        Text = text;
        _tokens = tokens;
        _pos = start;
        _end = end;
        Pool = pool;
        SourceName = sourceName;
        var last = end > start ? tokens[end - 1] : tokens[Math.Max(0, start)];
        _eof = new RawToken { Type = TokenConstants.EOF, Start = last.Stop + 1, Stop = last.Stop, Line = last.Line, Column = last.Column + last.Length };
    }

    public string Text { get; }
    public StringPool Pool { get; }

    public IToken NextToken()
    {
        if (_pos < _end)
        {
            ref var raw = ref _tokens[_pos++];
            if (raw.Type != TokenConstants.EOF) return new PtxToken(this, raw);
        }
        return new PtxToken(this, _eof);
    }

    public int Line => _pos < _end ? _tokens[_pos].Line : _eof.Line;
    public int Column => _pos < _end ? _tokens[_pos].Column : _eof.Column;
    public ICharStream InputStream => null!;
    public string SourceName { get; }
    public ITokenFactory TokenFactory { get; set; } = CommonTokenFactory.Default;
}
