using System.Globalization;
using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Semantics;
using FunctionState = PtxLint.Syntax.IrFactory.FunctionState;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>
/// The fast path: a recursive-descent parser over the scanner's tokens that implements grammar/PtxParser.g4
/// rule for rule and builds the IR directly (no parse tree). It accepts exactly what the grammar accepts on
/// valid input; on the first token it does not expect it gives up (<see cref="Failure"/>) and the driver
/// re-parses that unit with the ANTLR parser, which reports the syntax errors with recovery. Tests check that
/// both paths build the same IR over the whole corpus.
/// </summary>
internal sealed class FastParser
{
    /// <summary>The decimal integers 0..999 with their text, shared.</summary>
    private static class SmallInts
    {
        private static readonly string[] Texts = Enumerable.Range(0, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

        public static bool TryGet(ReadOnlySpan<char> s, out long value, out string text)
        {
            int v = 0;
            foreach (var c in s)
            {
                if ((uint)(c - '0') > 9) { value = 0; text = ""; return false; }
                v = v * 10 + (c - '0');
            }
            value = v;
            text = Texts[v];
            return true;
        }
    }

    internal sealed class Failure : Exception
    {
        public Failure() : base("fast parse failed") { }
    }

    private static readonly Failure Fail = new();

    private readonly PtxModule _module;
    private readonly string _text;
    private readonly RawToken[] _t;
    private readonly int _end;
    private readonly StringPool _pool;
    private int _pos;
    /// <summary>Top-level operands of the instruction being parsed (a struct array: no covariance check per store).</summary>
    private OperandSlot[]? _scratch;

    private struct OperandSlot { public Operand Value; }

    public FastParser(PtxModule module, string text, RawToken[] tokens, int start, int end, StringPool pool)
    {
        _module = module;
        _text = text;
        _t = tokens;
        _pos = start;
        _end = end;
        _pool = pool;
    }

    public List<Action<PtxModule>> Actions { get; } = new();

    /// <summary>Offset of a top-level '{' → number of ';' inside its body (large bodies only), from the splitter.</summary>
    public IReadOnlyDictionary<int, int>? BodySizes { get; init; }

    // ------------------------------------------------------------------ token helpers

    private int LA(int k)
    {
        int i = _pos + k - 1;
        return i < _end ? _t[i].Type : T.Eof;
    }

    private string Text(int i) => _pool.Get(_text, _t[i].Start, _t[i].Length);

    private int Expect(int type)
    {
        if (_pos >= _end || _t[_pos].Type != type) throw Fail;
        return _pos++;
    }

    private bool Accept(int type)
    {
        if (_pos < _end && _t[_pos].Type == type) { _pos++; return true; }
        return false;
    }

    private SourceSpan Span(int startTok, int stopTok)
    {
        ref var a = ref _t[startTok];
        ref var b = ref _t[stopTok];
        return new SourceSpan(a.Line, a.Column + 1, b.Line, b.Column + 1 + Math.Max(1, b.Length));
    }

    private static bool IsDotName(int type) => type == T.DOT_NAME || (type >= T.VERSION && type <= T.ABI_PRESERVE_CONTROL);
    private static bool IsPerfKeyword(int type) => type >= T.MAXNREG && type <= T.ABI_PRESERVE_CONTROL;
    private static bool IsLinkage(int type) => type is T.VISIBLE or T.EXTERN or T.WEAK or T.COMMON;

    // ------------------------------------------------------------------ module

    public void ParseModule()
    {
        while (_pos < _end && LA(1) != T.Eof)
            ModuleItem();
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
                var text = Text(v);
                var span = Span(s, v);
                if (Version.TryParse(text.Contains('.') ? text : text + ".0", out var ver))
                    Actions.Add(m => { m.PtxVersion ??= ver; if (m.VersionSpan.IsEmpty) m.VersionSpan = span; });
                return;
            }
            case T.TARGET:
            {
                int s = _pos++;
                var targets = new List<string> { Text(Expect(T.IDENT)) };
                while (Accept(T.COMMA)) targets.Add(Text(Expect(T.IDENT)));
                var span = Span(s, _pos - 1);
                Actions.Add(m => { m.Targets.AddRange(targets); if (m.TargetSpan.IsEmpty) m.TargetSpan = span; });
                return;
            }
            case T.ADDRESS_SIZE:
            {
                _pos++;
                var n = Text(Expect(T.INT));
                if (IrBuilder.TryParseInt(n, out var size))
                    Actions.Add(m => { m.AddressSize = (int)size; m.HasAddressSizeDirective = true; });
                return;
            }
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
                LocDirective();
                return;
            case T.SEMI:
                _pos++;
                return;
        }
        // linkage* (functionDecl | variableDecl SEMI)
        var linkage = new List<string>(2);
        while (IsLinkage(LA(1))) linkage.Add(Text(_pos++));
        if (LA(1) is T.ENTRY or T.FUNC)
        {
            FunctionDecl(linkage);
            return;
        }
        if (LA(1) == T.DOT_NAME)
        {
            foreach (var v in VariableDecl(linkage, null))
            {
                var sym = v;
                Actions.Add(m => m.Globals[sym.Name] = sym);
            }
            Expect(T.SEMI);
            return;
        }
        throw Fail;
    }

    private void FileDirective()
    {
        _pos++;
        var idx = Text(Expect(T.INT));
        var path = Text(Expect(T.STRING));
        while (LA(1) == T.COMMA && LA(2) == T.INT) _pos += 2;
        if (LA(1) == T.COMMA) throw Fail;
        if (IrBuilder.TryParseInt(idx, out var i))
        {
            var p = Unquote(path);
            Actions.Add(m => m.Files[(int)i] = p);
        }
    }

    private List<string> Pragma(PtxFunction? fn)
    {
        _pos++;
        var list = new List<string> { Unquote(Text(Expect(T.STRING))) };
        while (Accept(T.COMMA)) list.Add(Unquote(Text(Expect(T.STRING))));
        Expect(T.SEMI);
        fn?.Performance.Pragmas.AddRange(list);
        return list;
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1].Replace("\\\\", "\\").Replace("\\\"", "\"") : s;

    private void SectionBody()
    {
        Expect(T.LBRACE);
        while (true)
        {
            int type = LA(1);
            if (type == T.RBRACE) { _pos++; return; }
            if (type == T.IDENT && LA(2) == T.COLON) { _pos += 2; continue; }
            if (!IsDotName(type)) throw Fail;
            _pos++;
            if (StartsExpression(LA(1)))
            {
                Expression(allowComponent: false);
                while (Accept(T.COMMA)) Expression(allowComponent: false);
            }
        }
    }

    // ------------------------------------------------------------------ functions

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private void FunctionDecl(List<string> linkage)
    {
        int kindTok = _pos++;
        bool isEntry = _t[kindTok].Type == T.ENTRY;
        var returnParams = new List<(IrFactory.Specs, string, long, SourceSpan)>();
        if (LA(1) == T.LPAREN) ParamList(returnParams);
        int nameTok = Expect(T.IDENT);
        var fn = new PtxFunction(_module, Text(nameTok), isEntry) { NameSpan = Span(nameTok, nameTok) };
        foreach (var l in linkage)
        {
            switch (l)
            {
                case ".visible": fn.IsVisible = true; break;
                case ".extern": fn.IsExtern = true; break;
                case ".weak": fn.IsWeak = true; break;
            }
        }
        var st = new FunctionState { Fn = fn };
        foreach (var p in returnParams) AddParameter(st, fn.ReturnParameters, p);
        if (LA(1) == T.LPAREN)
        {
            var ps = new List<(IrFactory.Specs, string, long, SourceSpan)>();
            ParamList(ps);
            foreach (var p in ps) AddParameter(st, fn.Parameters, p);
        }
        while (true)
        {
            int type = LA(1);
            if (IsPerfKeyword(type))
            {
                var kw = Text(_pos++);
                IrFactory.ApplyPerf(fn, kw, PerfArgs());
                continue;
            }
            if (type == T.PRAGMA) { Pragma(fn); continue; }
            break;
        }
        if (LA(1) == T.LBRACE)
        {
            fn.HasBody = true;
            // the splitter counted the body's statements: one exact allocation for the instruction list
            if (BodySizes is not null && BodySizes.TryGetValue(_t[_pos].Start, out int statements))
                fn.Instructions.Capacity = statements;
            _pos++;
            while (LA(1) != T.RBRACE)
            {
                if (LA(1) == T.Eof) throw Fail;
                Statement(st);
            }
            _pos++;
        }
        else
        {
            Accept(T.SEMI);
        }
        fn.Span = Span(kindTok, _pos - 1);
        Actions.Add(m => m.Functions.Add(fn));
    }

    private string[] PerfArgs()
    {
        if (LA(1) is not (T.INT or T.IDENT)) return Array.Empty<string>();
        var args = new List<string> { Text(_pos++) };
        while (LA(1) == T.COMMA)
        {
            _pos++;
            if (LA(1) is not (T.INT or T.IDENT)) throw Fail;
            args.Add(Text(_pos++));
        }
        return args.ToArray();
    }

    private void ParamList(List<(IrFactory.Specs, string, long, SourceSpan)> into)
    {
        Expect(T.LPAREN);
        if (Accept(T.RPAREN)) return;
        into.Add(ParamDecl());
        while (Accept(T.COMMA)) into.Add(ParamDecl());
        Expect(T.RPAREN);
    }

    private (IrFactory.Specs, string, long, SourceSpan) ParamDecl()
    {
        int start = _pos;
        var specs = DeclSpecs();
        var d = Declarator();
        long count = 1;
        foreach (var dim in d.Dims) count *= dim ?? 1;
        return (specs, d.Name, count, Span(start, _pos - 1));
    }

    private static void AddParameter(FunctionState st, List<Parameter> list, (IrFactory.Specs Specs, string Name, long Count, SourceSpan Span) p)
    {
        var specs = p.Specs;
        list.Add(new Parameter
        {
            Name = p.Name,
            Index = list.Count,
            TypeName = specs.Type,
            ElementSize = Types.ByteSize(specs.Type) * specs.Vector,
            ElementCount = p.Count,
            Alignment = specs.Align,
            IsPointerAttr = specs.Ptr,
            PointeeSpace = specs.PointeeSpace,
            Space = specs.Space == StateSpace.Reg ? StateSpace.Reg : StateSpace.Param,
            Span = p.Span,
        });
        if (specs.Space == StateSpace.Reg)
        {
            st.SingleRegs.Add(p.Name);
            st.Fn.RegisterDecls.Add(new RegisterDecl { Prefix = p.Name, TypeName = specs.Type ?? "", Bits = Types.BitWidth(specs.Type) * specs.Vector, Span = p.Span });
        }
    }

    // declSpec+ : DOT_NAME (INT | LPAREN dotName (COMMA dotName)* RPAREN)?
    private IrFactory.Specs DeclSpecs()
    {
        if (LA(1) != T.DOT_NAME) throw Fail;
        int first = _pos;
        var list = new List<(string?, string?)>(4);
        while (LA(1) == T.DOT_NAME)
        {
            var name = Text(_pos++);
            string? intText = null;
            if (LA(1) == T.INT) intText = Text(_pos++);
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
            list.Add((name, intText));
        }
        var specs = IrFactory.ReadSpecs(list);
        if (specs.VectorAfterType)
        {
            var span = Span(first, _pos - 1);
            Actions.Add(m => m.Errors.Add(new SyntaxError(span, IrFactory.VectorAfterTypeMessage)));
        }
        return specs;
    }

    private sealed class DeclaratorInfo
    {
        public required string Name;
        public string? CountText;
        public readonly List<long?> Dims = new();
        public bool HasInitializer;
        public int InitializerBraceElements = -1;
        public int Start;
        public int Stop;
    }

    // IDENT (LT INT GT)? arraySpec* (EQUALS initializer)?
    private DeclaratorInfo Declarator()
    {
        int start = Expect(T.IDENT);
        var d = new DeclaratorInfo { Name = Text(start), Start = start };
        if (LA(1) == T.LT)
        {
            _pos++;
            d.CountText = Text(Expect(T.INT));
            Expect(T.GT);
        }
        while (LA(1) == T.LBRACK)
        {
            _pos++;
            if (LA(1) == T.RBRACK) d.Dims.Add(null);
            else
            {
                var e = Expression(allowComponent: true);
                d.Dims.Add(e.ConstValue);
            }
            Expect(T.RBRACK);
        }
        if (Accept(T.EQUALS))
        {
            d.HasInitializer = true;
            d.InitializerBraceElements = Initializer();
        }
        d.Stop = _pos - 1;
        return d;
    }

    /// <summary>Parses an initializer; returns the element count when it is a brace list, else -1.</summary>
    private int Initializer()
    {
        if (LA(1) == T.LBRACE)
        {
            _pos++;
            if (Accept(T.RBRACE)) return 0;
            int n = 1;
            Initializer();
            while (Accept(T.COMMA)) { Initializer(); n++; }
            Expect(T.RBRACE);
            return n;
        }
        if (LA(1) == T.IDENT && LA(2) == T.EQUALS)
        {
            _pos += 2;
            Expect(T.IDENT);
            return -1;
        }
        Expression(allowComponent: true);
        return -1;
    }

    private IEnumerable<VariableSymbol> VariableDecl(List<string> linkage, PtxFunction? owner)
    {
        var specs = DeclSpecs();
        var decls = new List<DeclaratorInfo> { Declarator() };
        while (Accept(T.COMMA)) decls.Add(Declarator());
        var result = new List<VariableSymbol>(decls.Count);
        foreach (var d in decls) result.Add(MakeVariable(specs, d, linkage, owner));
        return result;
    }

    private VariableSymbol MakeVariable(IrFactory.Specs specs, DeclaratorInfo d, List<string> linkage, PtxFunction? owner)
    {
        long? count = 1;
        bool unsized = false;
        foreach (var dim in d.Dims)
        {
            if (dim is long n) count *= n;
            else unsized = true;
        }
        if (unsized && d.HasInitializer && d.InitializerBraceElements >= 0)
        {
            count = d.InitializerBraceElements;
            unsized = false;
        }
        return new VariableSymbol
        {
            Name = d.Name,
            Space = specs.Space,
            TypeName = specs.Type,
            ElementSize = Types.ByteSize(specs.Type),
            VectorWidth = specs.Vector,
            ElementCount = unsized ? null : count,
            Alignment = specs.Align,
            IsExtern = linkage.Contains(".extern"),
            IsVisible = linkage.Contains(".visible"),
            HasInitializer = d.HasInitializer,
            Span = Span(d.Start, d.Stop),
            Owner = owner,
        };
    }

    // ------------------------------------------------------------------ statements

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private void Statement(FunctionState st)
    {
        var fn = st.Fn;
        int type = LA(1);
        switch (type)
        {
            case T.IDENT:
                if (LA(2) == T.COLON)
                {
                    int s = _pos;
                    var name = Text(_pos);
                    _pos += 2;
                    var span = Span(s, s + 1);
                    if (st.DefineLabel(name, span) is { } dup) Actions.Add(m => m.Errors.Add(dup));
                    st.PendingLabel = name;
                    return;
                }
                Instruction(st);
                st.PendingLabel = null;
                return;
            case T.AT:
                Instruction(st);
                st.PendingLabel = null;
                return;
            case T.LBRACE:
            {
                _pos++;
                int first = fn.Instructions.Count;
                st.EnterScope();
                while (LA(1) != T.RBRACE)
                {
                    if (LA(1) == T.Eof) throw Fail;
                    Statement(st);
                }
                st.ExitScope(first);
                _pos++;
                return;
            }
            case T.LOC:
                st.SetLoc(LocDirective());
                return;
            case T.PRAGMA:
                Pragma(fn);
                return;
            case T.FILE:
                FileDirective();
                return;
            case T.CALLPROTOTYPE:
                _pos++;
                if (LA(1) == T.LPAREN) SkipProtoParams();
                Expect(T.IDENT);
                if (LA(1) == T.LPAREN) SkipProtoParams();
                while (IsPerfKeyword(LA(1))) { _pos++; PerfArgs(); }
                Expect(T.SEMI);
                st.PendingLabel = null;
                return;
            case T.CALLTARGETS:
            case T.BRANCHTARGETS:
            {
                _pos++;
                var list = new List<string> { Text(Expect(T.IDENT)) };
                while (Accept(T.COMMA)) list.Add(Text(Expect(T.IDENT)));
                Expect(T.SEMI);
                if (type == T.BRANCHTARGETS && st.PendingLabel is not null) fn.BranchTargets[st.PendingLabel] = list;
                st.PendingLabel = null;
                return;
            }
            case T.SEMI:
                _pos++;
                st.PendingLabel = null;
                return;
        }
        if (IsPerfKeyword(type))
        {
            var kw = Text(_pos++);
            IrFactory.ApplyPerf(fn, kw, PerfArgs());
            Expect(T.SEMI);
            return;
        }
        // linkage* variableDecl SEMI
        var linkage = new List<string>(1);
        while (IsLinkage(LA(1))) linkage.Add(Text(_pos++));
        if (LA(1) != T.DOT_NAME) throw Fail;
        Declaration(st, linkage);
        Expect(T.SEMI);
        st.PendingLabel = null;
    }

    private void SkipProtoParams()
    {
        var dummy = new List<(IrFactory.Specs, string, long, SourceSpan)>();
        ParamList(dummy);
    }

    private void Declaration(FunctionState st, List<string> linkage)
    {
        var fn = st.Fn;
        var specs = DeclSpecs();
        var decls = new List<DeclaratorInfo> { Declarator() };
        while (Accept(T.COMMA)) decls.Add(Declarator());
        if (specs.Space == StateSpace.Reg)
        {
            foreach (var d in decls)
            {
                int? n = d.CountText is not null && IrBuilder.TryParseInt(d.CountText, out var c) ? (int)c : null;
                if (n is null) st.SingleRegs.Add(d.Name); else st.DeclareRange(d.Name, n.Value);
                fn.RegisterDecls.Add(new RegisterDecl
                {
                    Prefix = d.Name,
                    Count = n,
                    TypeName = specs.Type ?? "",
                    Bits = Types.BitWidth(specs.Type) * specs.Vector,
                    Span = Span(d.Start, d.Stop),
                });
            }
        }
        else
        {
            foreach (var d in decls)
            {
                var v = MakeVariable(specs, d, linkage, fn);
                fn.LocalSymbols[v.Name] = v;
            }
        }
    }

    // LOC INT INT INT? (COMMA locAttribute)*
    private DebugLoc? LocDirective()
    {
        _pos++;
        var file = Text(Expect(T.INT));
        var line = Text(Expect(T.INT));
        string? col = LA(1) == T.INT ? Text(_pos++) : null;
        DebugLoc? inlinedAt = null;
        string? funcName = null;
        while (LA(1) == T.COMMA)
        {
            _pos++;
            var key = Text(Expect(T.IDENT));
            if (LA(1) == T.INT)
            {
                var f2 = Text(_pos++);
                var l2 = Text(Expect(T.INT));
                string? c2 = LA(1) == T.INT ? Text(_pos++) : null;
                if (key == "inlined_at")
                {
                    IrBuilder.TryParseInt(f2, out var fv);
                    IrBuilder.TryParseInt(l2, out var lv);
                    long cv = 0;
                    if (c2 is not null) IrBuilder.TryParseInt(c2, out cv);
                    inlinedAt = new DebugLoc((int)fv, (int)lv, (int)cv);
                }
            }
            else
            {
                var name = Text(Expect(T.IDENT));
                if (LA(1) == T.PLUS) { _pos++; Expect(T.INT); }
                if (key == "function_name") funcName = name;
            }
        }
        IrBuilder.TryParseInt(file, out var fl);
        IrBuilder.TryParseInt(line, out var ln);
        long cl = 0;
        if (col is not null) IrBuilder.TryParseInt(col, out cl);
        return new DebugLoc((int)fl, (int)ln, (int)cl, inlinedAt, funcName);
    }

    // ------------------------------------------------------------------ instructions

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private void Instruction(FunctionState st)
    {
        var fn = st.Fn;
        int start = _pos;
        RegisterOperand? guard = null;
        if (LA(1) == T.AT)
        {
            _pos++;
            bool neg = Accept(T.BANG);
            int g = Expect(T.IDENT);
            guard = IrFactory.MakeRegister(Text(g), null, neg, Span(start, g));
        }
        int opTok = Expect(T.IDENT);
        int modStart = _pos;
        while (IsDotName(LA(1))) _pos++;
        var form = OpcodeOf(opTok, modStart, _pos);
        Operand[] ops;
        if (LA(1) == T.SEMI) ops = Array.Empty<Operand>();
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
            ops = new Operand[n];
            for (int i = 0; i < n; i++)
            {
                ops[i] = scratch[i].Value;
                scratch[i].Value = null!;
            }
        }
        int semi = Expect(T.SEMI);
        fn.Instructions.Add(new Instruction(fn, fn.Instructions.Count, form, ops)
        {
            Guard = guard,
            Span = Span(start, semi),
            Loc = st.CurrentLoc,
        });
    }

    private readonly Dictionary<string, OpcodeForm> _opcodes = new(StringComparer.Ordinal);

    /// <summary>
    /// The opcode, its modifier array and its table row, shared by every instruction with the same opcode text
    /// (modifier arrays are never mutated): fewer allocations and one table lookup per distinct opcode.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private OpcodeForm OpcodeOf(int opTok, int modStart, int modEnd)
    {
        int from = _t[opTok].Start;
        int to = modEnd > modStart ? _t[modEnd - 1].Stop + 1 : _t[opTok].Stop + 1;
        var lookup = _opcodes.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(_text.AsSpan(from, to - from), out var hit)) return hit;
        var opcode = Text(opTok);
        var mods = modEnd == modStart ? Array.Empty<string>() : new string[modEnd - modStart];
        for (int i = 0; i < mods.Length; i++) mods[i] = Text(modStart + i);
        var entry = new OpcodeForm(opcode, mods, InstructionTable.Lookup(opcode, mods));
        _opcodes[_text.Substring(from, to - from)] = entry;
        return entry;
    }

    private static bool EndsOperand(int type) => type is T.COMMA or T.SEMI or T.RBRACE or T.RPAREN or T.RBRACK;

    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    private Operand Operand(FunctionState st)
    {
        int start = _pos;
        int la1 = LA(1);
        // Fast paths for the common single-token operands: %r1, 42, 0f3F800000, label.
        if (la1 == T.IDENT && EndsOperand(LA(2)))
        {
            _pos++;
            if (st.RangeReg(_text.AsSpan(_t[start].Start, _t[start].Length)) is { } ranged) return ranged;
            var name = Text(start);
            var span = Span(start, start);
            if (name == "_") return new SinkOperand { Span = span };
            if (st.IsRegisterName(name)) return st.Reg(name, null, false);
            return new SymbolOperand(st.ResolveLabel(name)) { Span = span };
        }
        if (la1 == T.INT && EndsOperand(LA(2)))
        {
            // small decimal integers (most immediates) need no pool lookup
            var span = _text.AsSpan(_t[start].Start, _t[start].Length);
            if (span.Length <= 3 && (span.Length == 1 || span[0] != '0') && SmallInts.TryGet(span, out var small, out var smallText))
            {
                _pos++;
                return new ImmediateOperand(small, smallText) { Span = Span(start, start) };
            }
            var text = Text(start);
            if (IrBuilder.TryParseInt(text, out var iv))
            {
                _pos++;
                return new ImmediateOperand(iv, text) { Span = Span(start, start) };
            }
        }
        if (la1 == T.LBRACK && LA(2) == T.IDENT && (LA(3) == T.RBRACK || (LA(3) == T.PLUS && LA(4) == T.INT && LA(5) == T.RBRACK)))
        {
            RegisterOperand? reg = st.RangeReg(_text.AsSpan(_t[start + 1].Start, _t[start + 1].Length));
            string? sym = null;
            if (reg is null)
            {
                var name = Text(start + 1);
                if (st.IsRegisterName(name)) reg = st.Reg(name, null, false);
                else sym = name;
            }
            long offset = 0;
            if (LA(3) == T.PLUS)
            {
                if (!IrBuilder.TryParseInt(Text(start + 3), out offset)) goto general;
                _pos += 5;
            }
            else _pos += 3;
            return new AddressOperand { BaseRegister = reg, BaseSymbol = sym, Offset = offset, Span = Span(start, _pos - 1) };
        }
        general:
        switch (la1)
        {
            case T.LBRACK:
            {
                _pos++;
                var op = Address(st, start);
                return op;
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
                Expect(T.RBRACE);
                return new VectorOperand(elems.ToArray()) { Span = Span(start, _pos - 1) };
            }
            case T.LPAREN:
            {
                // ANTLR resolves '(' x ')' to the paren-list alternative; a parenthesized expression only
                // when an operator follows the ')'.
                int save = _pos;
                _pos++;
                var elems = new List<Operand>();
                if (LA(1) != T.RPAREN)
                {
                    elems.Add(Operand(st));
                    while (Accept(T.COMMA)) elems.Add(Operand(st));
                }
                Expect(T.RPAREN);
                if (LA(1) is T.PLUS or T.MINUS or T.STAR or T.SLASH or T.AMP or T.CARET)
                {
                    _pos = save;
                    break;
                }
                return new ParenListOperand(elems.ToArray()) { Span = Span(start, _pos - 1) };
            }
            case T.IDENT when LA(2) == T.PIPE:
            {
                int a = _pos;
                _pos += 2;
                int b = Expect(T.IDENT);
                return new DualPredicateOperand(
                    st.Reg(Text(a), null, false),
                    st.Reg(Text(b), null, false)) { Span = Span(a, b) };
            }
            case T.BANG:
            {
                _pos++;
                int id = Expect(T.IDENT);
                return st.Reg(Text(id), null, true);
            }
        }
        var e = Expression(allowComponent: true);
        return ExpressionOperand(st, e, start);
    }

    private Operand ExpressionOperand(FunctionState st, Expr e, int start)
    {
        var span = Span(start, _pos - 1);
        var terms = e.Terms;
        if (terms is { Count: 1 })
        {
            var term = terms[0];
            int sign = term.Sign;
            switch (term.Kind)
            {
                case PrimKind.Int:
                    if (IrBuilder.TryParseInt(Text(term.Tok), out var v))
                        return new ImmediateOperand(sign * v, TextOf(start, _pos)) { Span = span };
                    break;
                case PrimKind.FloatHex:
                    return new FloatImmediateOperand(sign * IrBuilder.ParseFloatHex(Text(term.Tok)), TextOf(start, _pos)) { Span = span };
                case PrimKind.Float:
                    if (double.TryParse(Text(term.Tok), NumberStyles.Float, CultureInfo.InvariantCulture, out var dv))
                        return new FloatImmediateOperand(sign * dv, TextOf(start, _pos)) { Span = span };
                    break;
                case PrimKind.String:
                    return new StringOperand(Text(term.Tok)) { Span = span };
                case PrimKind.Name when sign == 1:
                {
                    var name = Text(term.Tok);
                    if (name == "_") return new SinkOperand { Span = span };
                    string? comp = term.Comp >= 0 ? Text(term.Comp)[1..] : null;
                    if (st.IsRegisterName(name)) return st.Reg(name, comp, false);
                    return new SymbolOperand(st.ResolveLabel(name)) { Span = span };
                }
            }
        }
        if (terms is { Count: 2 } && terms[0].Sign == 1 && terms[0].Kind == PrimKind.Name && terms[1].Kind == PrimKind.Int
            && IrBuilder.TryParseInt(Text(terms[1].Tok), out var off) && !st.IsRegisterName(Text(terms[0].Tok)))
            return new SymbolOperand(Text(terms[0].Tok), terms[1].Sign * off) { Span = span };
        return new ExpressionOperand(TextOf(start, _pos), CollectRegisters(st, e)) { Span = span };
    }

    private RegisterOperand[] CollectRegisters(FunctionState st, Expr e)
    {
        List<RegisterOperand>? regs = null;
        foreach (var (tok, comp) in e.Names)
        {
            var name = Text(tok);
            if (!st.IsRegisterName(name)) continue;
            (regs ??= new()).Add(st.Reg(name, comp >= 0 ? Text(comp)[1..] : null, false));
        }
        return regs?.ToArray() ?? Array.Empty<RegisterOperand>();
    }

    private Operand Address(FunctionState st, int start)
    {
        var e = Expression(allowComponent: true);
        var extra = new List<Operand>();
        while (Accept(T.COMMA)) extra.Add(Operand(st));
        Expect(T.RBRACK);
        var span = Span(start, _pos - 1);
        RegisterOperand? baseReg = null, indexReg = null;
        string? baseSym = null;
        long offset = 0;
        bool ok = e.Terms is not null;
        if (e.Terms is not null)
        {
            foreach (var term in e.Terms)
            {
                if (term.Kind == PrimKind.Int && IrBuilder.TryParseInt(Text(term.Tok), out var v)) { offset += term.Sign * v; continue; }
                if (term.Kind == PrimKind.Name && term.Sign == 1)
                {
                    var name = Text(term.Tok);
                    if (st.IsRegisterName(name))
                    {
                        var r = st.Reg(name, term.Comp >= 0 ? Text(term.Comp)[1..] : null, false);
                        if (baseReg is null && baseSym is null) baseReg = r;
                        else if (indexReg is null) indexReg = r;
                        else { ok = false; break; }
                    }
                    else if (baseReg is null && baseSym is null) baseSym = name;
                    else { ok = false; break; }
                    continue;
                }
                ok = false;
                break;
            }
        }
        if (!ok)
        {
            var regs = CollectRegisters(st, e);
            var expr = new ExpressionOperand(TextOf(e.Start, e.End), regs);
            extra.Insert(0, expr);
            return new AddressOperand { BaseRegister = regs.FirstOrDefault(), Extra = extra.ToArray(), Span = span };
        }
        return new AddressOperand { BaseRegister = baseReg, IndexRegister = indexReg, BaseSymbol = baseSym, Offset = offset, Extra = extra.ToArray(), Span = span };
    }

    private string TextOf(int startTok, int endTokExclusive)
    {
        if (endTokExclusive - startTok == 1) return Text(startTok);
        var sb = new StringBuilder();
        for (int i = startTok; i < endTokExclusive; i++) sb.Append(_text, _t[i].Start, _t[i].Length);
        return sb.ToString();
    }

    // ------------------------------------------------------------------ expressions

    private enum PrimKind { Int, Float, FloatHex, String, Name, Call, DotName, Paren }

    private readonly record struct Term(int Sign, PrimKind Kind, int Tok, int Comp);

    private sealed class Expr
    {
        public int Start;
        public int End;
        /// <summary>Signed linear terms; null when the expression uses other operators (*, /, &amp;, ^, ~).</summary>
        public List<Term>? Terms;
        /// <summary>Names (IDENT primaries not called as functions) with their component token or -1.</summary>
        public readonly List<(int Tok, int Comp)> Names = new(1);
        public long? ConstValue;
        public bool Const = true;
    }

    private static bool StartsExpression(int type) =>
        type is T.INT or T.FLOAT or T.FLOAT_HEX or T.STRING or T.IDENT or T.DOT_NAME or T.LPAREN or T.MINUS or T.TILDE or T.PLUS;

    private Expr Expression(bool allowComponent)
    {
        var e = new Expr { Start = _pos, Terms = new List<Term>(2) };
        long acc = 0;
        int op = T.PLUS;
        while (true)
        {
            var (v, isConst) = Multiplicative(e, op == T.MINUS ? -1 : 1, allowComponent);
            if (isConst && e.Const)
            {
                try
                {
                    acc = op switch { T.PLUS => checked(acc + v), T.MINUS => checked(acc - v), T.AMP => acc & v, T.CARET => acc ^ v, _ => acc };
                }
                catch (OverflowException) { e.Const = false; }
            }
            else e.Const = false;
            int next = LA(1);
            if (next is T.PLUS or T.MINUS or T.AMP or T.CARET)
            {
                if (next is T.AMP or T.CARET) e.Terms = null;
                op = next;
                _pos++;
                continue;
            }
            break;
        }
        e.End = _pos;
        e.ConstValue = e.Const ? acc : null;
        return e;
    }

    private (long Value, bool Const) Multiplicative(Expr e, int sign, bool allowComponent)
    {
        var (v, isConst) = Unary(e, sign, allowComponent, topLevel: true);
        bool multi = false;
        while (LA(1) is T.STAR or T.SLASH)
        {
            int op = LA(1);
            _pos++;
            multi = true;
            var (w, c2) = Unary(e, 1, allowComponent, topLevel: false);
            if (isConst && c2)
            {
                try
                {
                    v = op == T.STAR ? checked(v * w) : w == 0 ? throw new DivideByZeroException() : v / w;
                }
                catch (Exception ex) when (ex is OverflowException or DivideByZeroException) { isConst = false; }
            }
            else isConst = false;
        }
        if (multi) e.Terms = null;
        return (v, isConst);
    }

    private (long Value, bool Const) Unary(Expr e, int sign, bool allowComponent, bool topLevel)
    {
        int type = LA(1);
        if (type is T.MINUS or T.PLUS or T.TILDE)
        {
            _pos++;
            if (type == T.TILDE && topLevel) e.Terms = null;
            var (v, c) = Unary(e, type == T.MINUS ? -sign : sign, allowComponent, topLevel && type != T.TILDE);
            return (type == T.MINUS ? -v : type == T.TILDE ? ~v : v, c);
        }
        return Primary(e, sign, allowComponent, topLevel);
    }

    private (long Value, bool Const) Primary(Expr e, int sign, bool allowComponent, bool topLevel)
    {
        int tok = _pos;
        switch (LA(1))
        {
            case T.INT:
                _pos++;
                if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.Int, tok, -1));
                return IrBuilder.TryParseInt(Text(tok), out var v) ? (v, true) : (0, false);
            case T.FLOAT:
                _pos++;
                if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.Float, tok, -1));
                return (0, false);
            case T.FLOAT_HEX:
                _pos++;
                if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.FloatHex, tok, -1));
                return (0, false);
            case T.STRING:
                _pos++;
                if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.String, tok, -1));
                return (0, false);
            case T.DOT_NAME:
                _pos++;
                if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.DotName, tok, -1));
                return (0, false);
            case T.IDENT:
                _pos++;
                if (LA(1) == T.LPAREN)
                {
                    _pos++;
                    var args = Expression(allowComponent);
                    Expect(T.RPAREN);
                    e.Names.AddRange(args.Names);
                    if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.Call, tok, -1));
                    return (0, false);
                }
                int comp = -1;
                if (allowComponent && LA(1) == T.DOT_NAME) comp = _pos++;
                e.Names.Add((tok, comp));
                if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.Name, tok, comp));
                return (0, false);
            case T.LPAREN:
            {
                _pos++;
                var inner = Expression(allowComponent);
                Expect(T.RPAREN);
                e.Names.AddRange(inner.Names);
                if (topLevel) e.Terms?.Add(new Term(sign, PrimKind.Paren, tok, -1));
                return inner.ConstValue is long c ? (c, true) : (0, false);
            }
            default:
                throw Fail;
        }
    }
}
