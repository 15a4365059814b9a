using PtxLint.Ir;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>
/// The fast path: a recursive-descent recognizer over the scanner's tokens that implements grammar/PtxParser.g4
/// rule for rule and hands what it recognizes to <see cref="IrBuilder"/>, which builds the IR (no parse tree).
/// It accepts exactly what the grammar accepts on valid input; on the first token it does not expect it gives up
/// (<see cref="Failure"/>) and the driver re-parses that unit with the ANTLR parser, which reports the syntax
/// errors with recovery and hands its tree to the same builder. Tests check that both paths build the same IR over
/// the whole corpus.
/// </summary>
internal sealed class FastParser
{
    internal sealed class Failure : Exception
    {
        public Failure() : base("fast parse failed") { }
    }

    private static readonly Failure Fail = new();

    // The tokens _t[0 .. _end). Given all at once (the first constructor), or scanned on demand into a window
    // (the second): a lookahead past _end scans more into the window, growing it only for a statement longer than the
    // window, and at a statement boundary (where the parser holds no token index) the consumed tokens are dropped.
    // So a function of a million tokens is parsed in a window of a few thousand.
    private RawToken[] _t;
    private int _end;
    private readonly IrBuilder _b;
    private int _pos;
    private readonly string? _text;
    private PtxScanner.Cursor _cursor;
    private readonly int _unitEnd;
    private bool _scanned;
    /// <summary>Top-level operands of the instruction being parsed (a struct array: no covariance check per store).</summary>
    private OperandSlot[]? _scratch;

    private struct OperandSlot { public Operand Value; }

    public FastParser(IrBuilder builder, RawToken[] tokens, int start, int end)
    {
        _b = builder;
        _t = tokens;
        _pos = start;
        _end = end;
        _scanned = true;
    }

    /// <summary>
    /// Scans the unit from <paramref name="start"/> (the tokens that start before <paramref name="unitEnd"/>, and the
    /// EOF token when the text ends first) as it parses, into <paramref name="window"/> (at least 16 tokens; a longer
    /// one is made when a statement does not fit). <see cref="Tokens"/> is the window in use at the end.
    /// </summary>
    public FastParser(IrBuilder builder, string text, PtxScanner.Cursor start, int unitEnd, RawToken[] window)
    {
        _b = builder;
        _text = text;
        _cursor = start;
        _unitEnd = unitEnd;
        _t = window;
        _b.SetTokens(window);
    }

    /// <summary>The token array the parser ends with (the window, or a longer one it grew into).</summary>
    public RawToken[] Tokens => _t;

    /// <summary>Scans until token <paramref name="i"/> is in the window or the unit ends; true when it is.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private bool Fill(int i)
    {
        var text = _text!;
        while (_end <= i && !_scanned)
        {
            if (_end == _t.Length)
            {
                // a statement longer than the window (an initializer of many values): room for the rest of the unit at
                // about one token per four characters, as ScanTo makes, rather than doublings that copy it each time
                long rest = Math.Max(0, _unitEnd - _cursor.Offset) / 4L + 16;
                Array.Resize(ref _t, (int)Math.Min(Array.MaxLength, Math.Max(2L * _t.Length, _end + rest)));
                _b.SetTokens(_t);
            }
            var t = _t;
            int n = _end;
            while (n < t.Length)
            {
                PtxScanner.Next(text, ref _cursor, out t[n]);
                ref var tok = ref t[n];
                if (tok.Type == T.Eof) { n++; _scanned = true; break; }
                if (tok.Start >= _unitEnd) { _scanned = true; break; }
                n++;
            }
            _end = n;
        }
        return i < _end;
    }

    /// <summary>
    /// At a statement or module item boundary: when the tokens consumed fill half the window and more are to be
    /// scanned, the rest moves to its start (token indices held across this point would be invalid: there are none).
    /// </summary>
    private void Compact()
    {
        if (_scanned || _pos < (_t.Length >> 1)) return;
        int keep = _end - _pos;
        Array.Copy(_t, _pos, _t, 0, keep);
        _end = keep;
        _pos = 0;
    }

    // ------------------------------------------------------------------ token helpers

    private int LA(int k)
    {
        int i = _pos + k - 1;
        if (i < _end) return _t[i].Type;
        return _scanned || !Fill(i) ? T.Eof : _t[i].Type;
    }

    private int Expect(int type)
    {
        if ((_pos < _end || (!_scanned && Fill(_pos))) && _t[_pos].Type == type) return _pos++;
        throw Fail;
    }

    private bool Accept(int type)
    {
        if ((_pos < _end || (!_scanned && Fill(_pos))) && _t[_pos].Type == type) { _pos++; return true; }
        return false;
    }

    private static bool IsDotName(int type) => type == T.DOT_NAME || (type >= T.VERSION && type <= T.ABI_PRESERVE_CONTROL);
    private static bool IsPerfKeyword(int type) => type >= T.MAXNREG && type <= T.ABI_PRESERVE_CONTROL;
    private static bool IsLinkage(int type) => type is T.VISIBLE or T.EXTERN or T.WEAK or T.COMMON;

    // ------------------------------------------------------------------ module

    public void ParseModule()
    {
        while (LA(1) != T.Eof)
        {
            ModuleItem();
            Compact();
        }
    }

    private void ModuleItem()
    {
        int type = LA(1);
        switch (type)
        {
            case T.VERSION:
            {
                int s = _pos++;
                int v = _pos;
                if (!Accept(T.FLOAT) && !Accept(T.INT)) throw Fail;
                _b.Version(s, v);
                return;
            }
            case T.TARGET:
            {
                int s = _pos++;
                var targets = new List<int> { Expect(T.IDENT) };
                while (Accept(T.COMMA)) targets.Add(Expect(T.IDENT));
                _b.Target(s, targets);
                return;
            }
            case T.ADDRESS_SIZE:
                _pos++;
                _b.AddressSize(Expect(T.INT));
                return;
            case T.FILE:
                FileDirective();
                return;
            case T.SECTION:
                _pos++;
                if (!IsDotName(LA(1))) throw Fail;
                _pos++;
                if (LA(1) == T.LBRACE) SectionBody();
                return;
            case T.ALIAS:
                _pos++;
                Expect(T.IDENT); Expect(T.COMMA); Expect(T.IDENT); Expect(T.SEMI);
                return;
            case T.PRAGMA:
                Pragma(null);
                return;
            case T.LOC:
                LocDirective(null);
                return;
            case T.SEMI:
                _pos++;
                return;
        }
        // linkage* (functionDecl | variableDecl SEMI)
        var linkage = new List<int>(2);
        while (IsLinkage(LA(1))) linkage.Add(_pos++);
        if (LA(1) is T.ENTRY or T.FUNC)
        {
            FunctionDecl(linkage);
            return;
        }
        if (LA(1) == T.DOT_NAME)
        {
            var d = VariableDecl();
            Expect(T.SEMI);
            _b.ModuleVariables(d, linkage);
            return;
        }
        throw Fail;
    }

    private void FileDirective()
    {
        _pos++;
        int idx = Expect(T.INT);
        int path = Expect(T.STRING);
        while (LA(1) == T.COMMA && LA(2) == T.INT) _pos += 2;
        if (LA(1) == T.COMMA) throw Fail;
        _b.File(idx, path, _pos - 1);
    }

    private void Pragma(FunctionState? st)
    {
        _pos++;
        var list = new List<int> { Expect(T.STRING) };
        while (Accept(T.COMMA)) list.Add(Expect(T.STRING));
        Expect(T.SEMI);
        _b.Pragma(st, list);
    }

    private void SectionBody()
    {
        Expect(T.LBRACE);
        // a section's data is only checked, never kept (no token index is held): its consumed tokens can go at any
        // item or element, so that a debug section of a million tokens needs no window of its size
        while (true)
        {
            Compact();
            int type = LA(1);
            if (type == T.RBRACE) { _pos++; return; }
            if (type == T.IDENT && LA(2) == T.COLON) { _pos += 2; continue; }
            if (!IsDotName(type)) throw Fail;
            _pos++;
            if (StartsExpression(LA(1)))
            {
                // inside sections a name takes no component: `.b64 $L__func_begin0` then `.b8 1` on the next line
                // (ANTLR's full-context prediction makes the same choice)
                _inSection = true;
                try
                {
                    if (!SkipLoneInt()) Expression();
                    while (Accept(T.COMMA))
                    {
                        Compact();
                        if (!SkipLoneInt()) Expression();
                    }
                }
                finally { _inSection = false; }
            }
        }
    }

    private bool _inSection;

    // ------------------------------------------------------------------ functions

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private void FunctionDecl(List<int> linkage)
    {
        int kindTok = _pos++;
        var kind = _t[kindTok]; // the body's statements may move the window past it
        List<DeclSyntax>? returnParams = LA(1) == T.LPAREN ? ParamList() : null;
        int nameTok = Expect(T.IDENT);
        var st = _b.BeginFunction(kindTok, nameTok, linkage);
        if (returnParams is not null)
            foreach (var p in returnParams) _b.Parameter(st, isReturn: true, p);
        if (LA(1) == T.LPAREN)
            foreach (var p in ParamList()) _b.Parameter(st, isReturn: false, p);
        while (true)
        {
            int type = LA(1);
            if (IsPerfKeyword(type))
            {
                int kw = _pos++;
                _b.Perf(st, kw, PerfArgs());
                continue;
            }
            if (type == T.PRAGMA) { Pragma(st); continue; }
            break;
        }
        if (LA(1) == T.LBRACE)
        {
            _b.BeginBody(st, _pos);
            _pos++;
            while (LA(1) != T.RBRACE)
            {
                if (LA(1) == T.Eof) throw Fail;
                Statement(st);
                Compact();
            }
            _pos++;
        }
        else
        {
            Accept(T.SEMI);
        }
        _b.EndFunction(st, kind, _pos - 1);
    }

    private List<int> PerfArgs()
    {
        var args = new List<int>(3);
        if (LA(1) is not (T.INT or T.IDENT)) return args;
        args.Add(_pos++);
        while (LA(1) == T.COMMA)
        {
            _pos++;
            if (LA(1) is not (T.INT or T.IDENT)) throw Fail;
            args.Add(_pos++);
        }
        return args;
    }

    private List<DeclSyntax> ParamList()
    {
        var list = new List<DeclSyntax>();
        Expect(T.LPAREN);
        if (Accept(T.RPAREN)) return list;
        list.Add(ParamDecl());
        while (Accept(T.COMMA)) list.Add(ParamDecl());
        Expect(T.RPAREN);
        return list;
    }

    // declSpec+ declarator
    private DeclSyntax ParamDecl()
    {
        var d = new DeclSyntax { First = _pos };
        DeclSpecs(d);
        d.Declarators.Add(Declarator());
        d.Last = _pos - 1;
        return d;
    }

    // declSpec+ : DOT_NAME (INT | LPAREN dotName (COMMA dotName)* RPAREN)?
    private void DeclSpecs(DeclSyntax d)
    {
        if (LA(1) != T.DOT_NAME) throw Fail;
        while (LA(1) == T.DOT_NAME)
        {
            int name = _pos++;
            int arg = -1;
            if (LA(1) == T.INT) arg = _pos++;
            else if (LA(1) == T.LPAREN)
            {
                _pos++;
                if (!IsDotName(LA(1))) throw Fail;
                _pos++;
                while (Accept(T.COMMA))
                {
                    if (!IsDotName(LA(1))) throw Fail;
                    _pos++;
                }
                Expect(T.RPAREN);
            }
            d.Specs.Add((name, arg));
        }
    }

    // IDENT (LT INT GT)? arraySpec* (EQUALS initializer)?
    private DeclaratorSyntax Declarator()
    {
        int start = Expect(T.IDENT);
        var d = new DeclaratorSyntax { Name = start, First = start };
        if (LA(1) == T.LT)
        {
            _pos++;
            d.Count = Expect(T.INT);
            Expect(T.GT);
        }
        while (LA(1) == T.LBRACK)
        {
            _pos++;
            d.Dims ??= new List<ExprNode?>(1);
            d.Dims.Add(LA(1) == T.RBRACK ? null : Expression());
            Expect(T.RBRACK);
        }
        if (Accept(T.EQUALS)) d.Init = Initializer();
        d.Last = _pos - 1;
        return d;
    }

    private InitSyntax Initializer()
    {
        if (LA(1) == T.LBRACE)
        {
            _pos++;
            // a data table: lone integer literals separated by commas, kept as one run of tokens
            int first = _pos, run = 0;
            Initializer.Pending? decoded = null;
            while (LoneInt())
            {
                run++;
                _pos++;
                if (LA(1) == T.RBRACE)
                {
                    _pos++;
                    return new InitSyntax { RunFirst = first, RunCount = run, Decoded = decoded };
                }
                if (LA(1) != T.COMMA || !(LA(2) == T.INT)) break;
                _pos++;
                // The window is about to fill: decode the elements read so far and drop their tokens, so that a table
                // of a hundred thousand values needs no window of its size. No token index into the run is held.
                if (_end - _pos < 4 && !_scanned && _pos > first)
                {
                    DecodeRun(first, ref decoded);
                    run = 0;
                }
            }
            // anything else: element by element (the run read so far included; a decoded part of it comes first, and
            // what follows it starts an element)
            _pos = first;
            var list = new List<InitSyntax>();
            if (decoded is not null || !Accept(T.RBRACE))
            {
                list.Add(Initializer());
                while (Accept(T.COMMA)) list.Add(Initializer());
                Expect(T.RBRACE);
            }
            return new InitSyntax { List = list, Decoded = decoded };
        }
        if (LA(1) == T.IDENT && LA(2) == T.EQUALS)
        {
            int field = _pos;
            _pos += 2;
            return new InitSyntax { Field = field, FieldValue = Expect(T.IDENT) };
        }
        if (LoneInt()) return new InitSyntax { Literal = _pos++ };
        return new InitSyntax { Expr = Expression() };
    }

    /// <summary>
    /// The lone integer literals from <paramref name="first"/> to the parser's position (literal, comma, literal, comma
    /// ...) decoded into <paramref name="decoded"/>; then the tokens not consumed yet move down to <paramref name="first"/>.
    /// </summary>
    private void DecodeRun(int first, ref Initializer.Pending? decoded)
    {
        decoded ??= new Initializer.Pending();
        for (int k = first; k < _pos; k += 2) _b.DecodeLiteral(k, decoded);
        int keep = _end - _pos;
        Array.Copy(_t, _pos, _t, first, keep);
        _end = first + keep;
        _pos = first;
    }

    /// <summary>
    /// An integer literal that is a whole expression: the token after it neither continues one (an operator) nor
    /// starts '?:'. Data lists (initializers, debug sections) are mostly these, and need no expression node.
    /// </summary>
    private bool LoneInt() => LA(1) == T.INT && LA(2) != T.QUESTION && ExprNode.Precedence(LA(2)) == 0;

    /// <summary>Past a <see cref="LoneInt"/> (a section's data, only checked for syntax), when the next token is one.</summary>
    private bool SkipLoneInt()
    {
        if (!LoneInt()) return false;
        _pos++;
        return true;
    }

    // declSpec+ declarator (COMMA declarator)*
    private DeclSyntax VariableDecl()
    {
        var d = new DeclSyntax { First = _pos };
        DeclSpecs(d);
        d.Declarators.Add(Declarator());
        while (Accept(T.COMMA)) d.Declarators.Add(Declarator());
        d.Last = _pos - 1;
        return d;
    }

    // ------------------------------------------------------------------ statements

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private void Statement(FunctionState st)
    {
        int type = LA(1);
        switch (type)
        {
            case T.IDENT:
                if (LA(2) == T.COLON)
                {
                    int s = _pos;
                    _pos += 2;
                    _b.Label(st, s, s + 1);
                    return;
                }
                Instruction(st);
                return;
            case T.AT:
                Instruction(st);
                return;
            case T.LBRACE:
            {
                int first = _b.EnterBlock(st, _pos++);
                while (LA(1) != T.RBRACE)
                {
                    if (LA(1) == T.Eof) throw Fail;
                    Statement(st);
                    Compact();
                }
                _b.ExitBlock(st, first);
                _pos++;
                return;
            }
            case T.LOC:
                LocDirective(st);
                return;
            case T.PRAGMA:
                Pragma(st);
                return;
            case T.FILE:
                FileDirective();
                return;
            case T.CALLPROTOTYPE:
            {
                int s = _pos++;
                if (LA(1) == T.LPAREN) ParamList();
                Expect(T.IDENT);
                if (LA(1) == T.LPAREN) ParamList();
                while (IsPerfKeyword(LA(1))) { _pos++; PerfArgs(); }
                int semi = Expect(T.SEMI);
                _b.CallPrototype(st, s, semi);
                return;
            }
            case T.CALLTARGETS:
            case T.BRANCHTARGETS:
            {
                _pos++;
                var list = new List<int> { Expect(T.IDENT) };
                while (Accept(T.COMMA)) list.Add(Expect(T.IDENT));
                Expect(T.SEMI);
                if (type == T.BRANCHTARGETS) _b.BranchTargets(st, list);
                else _b.CallTargets(st, list);
                return;
            }
            case T.SEMI:
                _pos++;
                IrBuilder.EndStatement(st);
                return;
        }
        if (IsPerfKeyword(type))
        {
            int kw = _pos++;
            _b.Perf(st, kw, PerfArgs());
            Expect(T.SEMI);
            return;
        }
        // linkage* variableDecl SEMI
        var linkage = new List<int>(1);
        while (IsLinkage(LA(1))) linkage.Add(_pos++);
        if (LA(1) != T.DOT_NAME) throw Fail;
        var d = VariableDecl();
        Expect(T.SEMI);
        _b.Declaration(st, d, linkage);
    }

    // LOC INT INT INT? (COMMA locAttribute)*   locAttribute: IDENT (INT INT INT? | IDENT (PLUS INT)?)
    private void LocDirective(FunctionState? st)
    {
        int first = _pos++;
        Expect(T.INT);
        Expect(T.INT);
        Accept(T.INT);
        while (LA(1) == T.COMMA)
        {
            _pos++;
            Expect(T.IDENT);
            if (LA(1) == T.INT)
            {
                _pos++;
                Expect(T.INT);
                Accept(T.INT);
            }
            else
            {
                Expect(T.IDENT);
                if (LA(1) == T.PLUS) { _pos++; Expect(T.INT); }
            }
        }
        _b.Loc(st, first, _pos - 1);
    }

    // ------------------------------------------------------------------ instructions

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private void Instruction(FunctionState st)
    {
        int start = _pos;
        int guard = -1;
        bool neg = false;
        if (LA(1) == T.AT)
        {
            _pos++;
            neg = Accept(T.BANG);
            guard = Expect(T.IDENT);
        }
        int opTok = Expect(T.IDENT);
        int modStart = _pos;
        while (IsDotName(LA(1))) _pos++;
        int modEnd = _pos;
        // a guard goes in the slot before the operands (the instruction keeps no field for it)
        int g = guard >= 0 ? 1 : 0;
        OperandList ops;
        if (LA(1) == T.SEMI)
        {
            if (g == 0) ops = new OperandList(Array.Empty<Operand>());
            else
            {
                var slot = _b.ReserveOperands(1, out int at0);
                ops = new OperandList(slot, at0 + 1, 0);
            }
        }
        else
        {
            // operands of nested vectors are parsed by recursion into their own lists; the top level uses a scratch buffer
            var scratch = _scratch ??= new OperandSlot[16];
            int n = 0;
            scratch[n++].Value = Operand(st);
            while (Accept(T.COMMA))
            {
                var op = Operand(st);
                if (n == scratch.Length) Array.Resize(ref _scratch, n * 2);
                scratch = _scratch!;
                scratch[n++].Value = op;
            }
            var chunk = _b.ReserveOperands(n + g, out int at);
            at += g;
            // the array was made as Operand[]: stores through its data reference skip the covariance check that
            // chunk[i] = ... makes for every element (a type check of the operand's class)
            ref Operand dst = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(chunk);
            for (int i = 0; i < n; i++)
            {
                System.Runtime.CompilerServices.Unsafe.Add(ref dst, at + i) = scratch[i].Value;
                scratch[i].Value = null!;
            }
            ops = new OperandList(chunk, at, n);
        }
        int semi = Expect(T.SEMI);
        _b.Instruction(st, start, guard, neg, opTok, modStart, modEnd, ops, semi, guardSlot: g == 1);
    }

    private static bool EndsOperand(int type) => type is T.COMMA or T.SEMI or T.RBRACE or T.RPAREN or T.RBRACK;

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private Operand Operand(FunctionState st)
    {
        int start = _pos;
        int la1 = LA(1);
        // Fast paths for the common single-token operands: %r1, label, 42.
        if (la1 == T.IDENT && EndsOperand(LA(2)))
        {
            _pos++;
            return _b.Name(st, start, -1);
        }
        if (la1 == T.INT && EndsOperand(LA(2)))
        {
            _pos++;
            return _b.Int(st, start);
        }
        if (la1 == T.MINUS && LA(2) == T.INT && EndsOperand(LA(3)))
        {
            _pos += 2;
            return _b.NegativeInt(st, start);
        }
        if (la1 == T.FLOAT_HEX && EndsOperand(LA(2)))
        {
            _pos++;
            return _b.FloatHex(start);
        }
        if (la1 == T.IDENT && LA(2) == T.DOT_NAME && EndsOperand(LA(3)))
        {
            _pos += 2;
            return _b.Name(st, start, start + 1);
        }
        // [name], [name + INT] and [name + -INT]
        if (la1 == T.LBRACK && LA(2) == T.IDENT)
        {
            int la3 = LA(3);
            if (la3 == T.RBRACK)
            {
                _pos += 3;
                return _b.SimpleAddress(st, start + 1, 0, start, start + 2);
            }
            if (la3 == T.PLUS)
            {
                bool minus = LA(4) == T.MINUS;
                int num = minus ? start + 4 : start + 3;
                if (LA(num - start + 1) == T.INT && LA(num - start + 2) == T.RBRACK
                    && _b.SmallOffset(num, out long offset)) // else a 64-bit unsigned offset: the general path folds it
                {
                    _pos = num + 2;
                    return _b.SimpleAddress(st, start + 1, minus ? -offset : offset, start, num + 1);
                }
            }
        }
        // the general path
        switch (la1)
        {
            case T.LBRACK:
            {
                _pos++;
                var e = Expression();
                Operand[] extra = Array.Empty<Operand>();
                if (LA(1) == T.COMMA)
                {
                    var list = new List<Operand>(2);
                    while (Accept(T.COMMA)) list.Add(Operand(st));
                    extra = list.ToArray();
                }
                int close = Expect(T.RBRACK);
                return _b.Address(st, e, extra, start, close);
            }
            case T.LBRACE:
            {
                _pos++;
                var elems = new List<Operand>();
                if (LA(1) != T.RBRACE)
                {
                    elems.Add(Operand(st));
                    while (Accept(T.COMMA)) elems.Add(Operand(st));
                }
                int close = Expect(T.RBRACE);
                return _b.Vector(elems.ToArray(), start, close);
            }
            case T.LPAREN:
            {
                // ANTLR takes '(' x ')' as the paren-list alternative; a parenthesized expression or a cast only when
                // the operand goes on after the ')'.
                int save = _pos;
                _pos++;
                var elems = new List<Operand>();
                if (LA(1) != T.RPAREN)
                {
                    elems.Add(Operand(st));
                    while (Accept(T.COMMA)) elems.Add(Operand(st));
                }
                int close = Expect(T.RPAREN);
                if (!EndsOperand(LA(1)))
                {
                    _pos = save;
                    break;
                }
                return _b.ParenList(elems.ToArray(), start, close);
            }
            case T.IDENT when LA(2) == T.PIPE && LA(3) == T.IDENT && EndsOperand(LA(4)):
            {
                _pos += 3;
                return _b.DualPredicate(st, start, start + 2);
            }
            case T.BANG when LA(2) == T.IDENT && EndsOperand(LA(3)):
            {
                _pos += 2;
                return _b.Negated(st, start + 1);
            }
        }
        return _b.Expression(st, Expression());
    }

    // ------------------------------------------------------------------ expressions

    private static bool StartsExpression(int type) =>
        type is T.INT or T.FLOAT or T.FLOAT_HEX or T.STRING or T.IDENT or T.DOT_NAME or T.LPAREN or T.MINUS or T.TILDE or T.PLUS or T.BANG;

    // conditionalExpr : logicalOrExpr (QUESTION expression COLON conditionalExpr)?
    private ExprNode Expression()
    {
        var c = Binary(1);
        if (LA(1) != T.QUESTION) return c;
        _pos++;
        var a = Expression();
        Expect(T.COLON);
        var b = Expression();
        return ExprNode.Conditional(c, a, b);
    }

    // logicalOrExpr ... multiplicative: the grammar's left-associative levels, by precedence climbing (one call
    // for an operand without operators, not one per level)
    private ExprNode Binary(int minPrecedence)
    {
        var left = Unary();
        while (true)
        {
            int prec = ExprNode.Precedence(LA(1));
            if (prec < minPrecedence || prec == 0) break;
            int op = _pos++;
            var right = Binary(prec + 1);
            left = ExprNode.Binary(op, left, right);
        }
        return left;
    }

    // unary : (MINUS | PLUS | TILDE | BANG) unary | LPAREN DOT_NAME RPAREN unary | primary
    private ExprNode Unary()
    {
        int type = LA(1);
        if (type is T.MINUS or T.PLUS or T.TILDE or T.BANG)
        {
            int op = _pos++;
            return ExprNode.Unary(op, Unary());
        }
        if (type == T.LPAREN && LA(2) == T.DOT_NAME && LA(3) == T.RPAREN && StartsExpression(LA(4)))
        {
            int lparen = _pos;
            _pos += 3;
            return ExprNode.Cast(lparen, lparen + 1, Unary());
        }
        return Primary();
    }

    private ExprNode Primary()
    {
        int tok = _pos;
        switch (LA(1))
        {
            case T.INT:
            case T.FLOAT:
            case T.FLOAT_HEX:
            case T.STRING:
            case T.DOT_NAME:
                _pos++;
                return ExprNode.Literal(tok);
            case T.IDENT:
                _pos++;
                if (LA(1) == T.LPAREN)
                {
                    _pos++;
                    var arg = Expression();
                    int close = Expect(T.RPAREN);
                    return ExprNode.Call(tok, arg, close);
                }
                int comp = LA(1) == T.DOT_NAME && !_inSection ? _pos++ : -1;
                return ExprNode.Name(tok, comp);
            case T.LPAREN:
            {
                _pos++;
                var inner = Expression();
                int close = Expect(T.RPAREN);
                return ExprNode.Paren(tok, inner, close);
            }
            default:
                throw Fail;
        }
    }
}
