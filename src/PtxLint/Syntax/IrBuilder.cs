using System.Text;
using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Semantics;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>A declaration as the parsers recognize it (grammar rules <c>variableDecl</c> and <c>paramDecl</c>), by token index.</summary>
internal sealed class DeclSyntax
{
    /// <summary>The declaration specifiers: the directive name token and its integer argument token (or -1).</summary>
    public readonly List<(int Name, int Arg)> Specs = new(4);
    public readonly List<DeclaratorSyntax> Declarators = new(1);
    public int First, Last;
}

/// <summary>One declarator: <c>name&lt;count&gt;[dim]... = initializer</c>.</summary>
internal sealed class DeclaratorSyntax
{
    public int Name;
    /// <summary>The <c>&lt;N&gt;</c> count token of a register range, or -1.</summary>
    public int Count = -1;
    /// <summary>Array dimensions; a null entry is an empty <c>[]</c>.</summary>
    public List<ExprNode?>? Dims;
    public InitSyntax? Init;
    public int First, Last;
}

/// <summary>An initializer: an expression, a brace list, or a sampler field (<c>addr_mode_0 = clamp_to_border</c>).</summary>
internal sealed class InitSyntax
{
    public ExprNode? Expr;
    /// <summary>An integer literal token standing alone (the fast parser's data lists): an <see cref="Expr"/> without the node; -1 otherwise.</summary>
    public int Literal = -1;
    public List<InitSyntax>? List;
    /// <summary>
    /// A brace list of nothing but lone integer literals (<c>{1, 2, 3}</c>, the fast parser's data tables): its first
    /// literal token and how many there are, every second token (a comma between them); no object per element.
    /// <see cref="List"/> is null then.
    /// </summary>
    public int RunFirst = -1, RunCount;
    /// <summary>
    /// A brace list's first elements, lone integer literals already decoded (a long data table: their tokens were
    /// dropped so that the parser's token window need not grow); they come before the run or the list.
    /// </summary>
    public Initializer.Pending? Decoded;
    public int Field = -1, FieldValue = -1;
}

/// <summary>
/// The one place that turns recognized PTX syntax into IR. Both parsers call it: the fast recursive-descent
/// <see cref="FastParser"/> as it reads the tokens, and <see cref="AntlrTreeWalker"/> over an ANTLR parse tree
/// (the grammar is the specification and reports the syntax errors). Everything that gives syntax a meaning lives
/// here: string unquoting, declaration specifiers, parameters, variables and their initializers, registers and
/// their scopes, labels, <c>.loc</c>, operands, address decomposition and the evaluation of constant expressions.
/// Tokens are indices into the unit's scanned token array, which both parsers share.
/// Module-level effects are recorded as <see cref="Actions"/> that the driver applies in source order.
/// </summary>
internal sealed class IrBuilder
{
    private readonly PtxModule _module;
    private readonly string _text;
    private RawToken[] _t;
    private readonly StringPool _pool;

    public IrBuilder(PtxModule module, string text, RawToken[] tokens, StringPool pool)
    {
        _module = module;
        _text = text;
        _t = tokens;
        _pool = pool;
    }

    public List<Action<PtxModule>> Actions { get; } = new();

    /// <summary>Offset of a top-level '{' → number of ';' inside its body (large bodies only), from the splitter.</summary>
    public IReadOnlyDictionary<int, int>? BodySizes { get; init; }

    // ------------------------------------------------------------------ tokens and spans

    /// <summary>The fast parser's token window moved to a new array (it grew): the indices it hands over are into this one.</summary>
    internal void SetTokens(RawToken[] tokens) => _t = tokens;

    public string Text(int i) => _pool.Get(_text, _t[i].Start, _t[i].Length);

    public int TypeOf(int i) => _t[i].Type;

    public SourceSpan Span(int startTok, int stopTok) => Span(_t[startTok], _t[stopTok]);

    private static SourceSpan Span(in RawToken a, in RawToken b) => new(a.Line, a.Column + 1, b.Line, b.Column + 1 + Math.Max(1, b.Length));

    /// <summary>The tokens' texts concatenated (no whitespace): the text of an expression operand.</summary>
    public string TextOf(int first, int last)
    {
        if (first == last) return Text(first);
        var sb = new StringBuilder();
        for (int i = first; i <= last; i++) sb.Append(_text, _t[i].Start, _t[i].Length);
        return sb.ToString();
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1].Replace("\\\\", "\\").Replace("\\\"", "\"") : s;

    internal static bool TryParseInt(string text, out long value) => ConstantExpressions.TryParseInt(text, out value);

    // ------------------------------------------------------------------ module directives

    public void Version(int dirTok, int numTok)
    {
        var text = Text(numTok);
        var span = Span(dirTok, numTok);
        bool ok = System.Version.TryParse(text.Contains('.') ? text : text + ".0", out var ver);
        Actions.Add(m =>
        {
            m.VersionDirectives.Add(span);
            if (!ok) return;
            m.PtxVersion ??= ver;
            if (m.VersionSpan.IsEmpty) m.VersionSpan = span;
        });
    }

    public void Target(int dirTok, List<int> names)
    {
        var targets = names.Select(Text).ToList();
        var span = Span(dirTok, names.Count > 0 ? names[^1] : dirTok);
        Actions.Add(m =>
        {
            m.TargetDirectives.Add(span);
            m.Targets.AddRange(targets);
            if (m.TargetSpan.IsEmpty) m.TargetSpan = span;
        });
    }

    public void AddressSize(int numTok)
    {
        var span = Span(numTok - 1, numTok);
        if (TryParseInt(Text(numTok), out var size))
            Actions.Add(m => { m.AddressSize = (int)size; m.HasAddressSizeDirective = true; m.AddressSizeSpan = span; });
    }

    /// <summary><c>.file N "path" [, timestamp, size]</c>; <paramref name="lastTok"/> is its last token.</summary>
    public void File(int indexTok, int pathTok, int lastTok)
    {
        if (lastTok > pathTok)
        {
            var span = Span(indexTok - 1, lastTok);
            Actions.Add(m => { if (m.FileTimestampSpan.IsEmpty) m.FileTimestampSpan = span; });
        }
        if (!TryParseInt(Text(indexTok), out var i)) return;
        var p = Unquote(Text(pathTok));
        Actions.Add(m => m.Files[(int)i] = p);
    }

    /// <summary>A <c>.pragma "a", "b";</c>: the strings go to the function's pragmas (module-level pragmas are not kept).</summary>
    public void Pragma(FunctionState? st, List<int> strings)
    {
        if (st is null) return;
        foreach (var s in strings) st.Fn.Performance.Pragmas.Add(Unquote(Text(s)));
    }

    public void ModuleVariables(DeclSyntax d, List<int> linkage)
    {
        foreach (var v in Variables(d, linkage, null))
        {
            var sym = v;
            Actions.Add(m => { m.Globals[sym.Name] = sym; m.GlobalDeclarations.Add(sym); });
        }
    }

    // ------------------------------------------------------------------ functions

    public FunctionState BeginFunction(int kindTok, int nameTok, List<int> linkage)
    {
        var fn = new PtxFunction(_module, Text(nameTok), _t[kindTok].Type == T.ENTRY) { NameSpan = Span(nameTok, nameTok) };
        foreach (var l in linkage)
        {
            switch (_t[l].Type)
            {
                case T.VISIBLE: fn.IsVisible = true; break;
                case T.EXTERN: fn.IsExtern = true; break;
                case T.WEAK: fn.IsWeak = true; break;
            }
        }
        return new FunctionState { Fn = fn };
    }

    public void Parameter(FunctionState st, bool isReturn, DeclSyntax p)
    {
        var specs = ReadSpecs(p);
        var list = isReturn ? st.Fn.ReturnParameters : st.Fn.Parameters;
        foreach (var d in p.Declarators)
        {
            long count = 1;
            bool incomplete = false;
            if (d.Dims is not null)
                foreach (var dim in d.Dims)
                {
                    var n = Dimension(dim);
                    if (dim is null) incomplete = true;
                    count *= n ?? 1;
                }
            var name = Text(d.Name);
            var span = Span(p.First, p.Last);
            list.Add(new Parameter
            {
                Name = name,
                Index = list.Count,
                TypeName = specs.Type,
                ElementSize = Types.ByteSize(specs.Type) * specs.Vector,
                ElementCount = count,
                Alignment = specs.Align,
                IsPointerAttr = specs.Ptr,
                PointeeSpace = specs.PointeeSpace,
                Space = specs.Space == StateSpace.Reg ? StateSpace.Reg : StateSpace.Param,
                IsIncompleteArray = incomplete,
                Span = span,
            });
            if (specs.Space == StateSpace.Reg)
            {
                st.DeclareSingle(name);
                st.Fn.RegisterDecls.Add(new RegisterDecl { Prefix = name, TypeName = specs.Type ?? "", Bits = Types.BitWidth(specs.Type) * specs.Vector, Span = span });
            }
        }
    }

    /// <summary>A performance-tuning directive (<c>.maxntid 256, 1, 1</c>) with its argument tokens.</summary>
    public void Perf(FunctionState st, int kwTok, List<int> args)
    {
        var fn = st.Fn;
        int[] Ints() => args.Select(a => TryParseInt(Text(a), out var v) ? (int)v : 0).ToArray();
        switch (Text(kwTok))
        {
            case ".maxntid": fn.Performance.MaxNtid = Ints(); break;
            case ".reqntid": fn.Performance.ReqNtid = Ints(); break;
            case ".maxnreg": fn.Performance.MaxNReg = Ints().FirstOrDefault(); break;
            case ".minnctapersm": fn.Performance.MinNCtaPerSm = Ints().FirstOrDefault(); break;
            case ".maxnctapersm": fn.Performance.MaxNCtaPerSm = Ints().FirstOrDefault(); break;
            case ".reqnctapercluster": fn.Performance.ReqNCtaPerCluster = Ints(); break;
            case ".noreturn": fn.Performance.NoReturn = true; break;
            case ".explicitcluster": fn.Performance.ExplicitCluster = true; break;
        }
    }

    /// <summary>The function has a body starting at this '{'.</summary>
    public void BeginBody(FunctionState st, int lbraceTok)
    {
        st.Fn.HasBody = true;
        // the splitter counted the body's statements: one exact allocation for the instruction list
        if (BodySizes is not null && BodySizes.TryGetValue(_t[lbraceTok].Start, out int statements))
            st.Fn.Instructions.Capacity = statements;
    }

    public void EndFunction(FunctionState st, int kindTok, int lastTok) => EndFunction(st, _t[kindTok], lastTok);

    /// <summary>The function ends at <paramref name="lastTok"/>; <paramref name="kind"/> is its <c>.entry</c>/<c>.func</c> token (kept by
    /// the fast parser, whose window may have dropped it by now).</summary>
    public void EndFunction(FunctionState st, in RawToken kind, int lastTok)
    {
        var fn = st.Fn;
        fn.Span = Span(kind, _t[lastTok]);
        Actions.Add(m => m.Functions.Add(fn));
    }

    // ------------------------------------------------------------------ statements

    public void Label(FunctionState st, int nameTok, int colonTok)
    {
        var name = Text(nameTok);
        if (st.DefineLabel(name, Span(nameTok, colonTok)) is { } dup) Actions.Add(m => m.Errors.Add(dup));
        st.PendingLabel = name;
    }

    /// <summary>A statement other than a label or a directive that names the pending label (.branchtargets ...) ends.</summary>
    public static void EndStatement(FunctionState st) => st.PendingLabel = null;

    public int EnterBlock(FunctionState st, int lbraceTok)
    {
        st.EnterScope(Span(lbraceTok, lbraceTok));
        return st.Fn.Instructions.Count;
    }

    public void ExitBlock(FunctionState st, int firstInstruction) => st.ExitScope(firstInstruction);

    /// <summary>
    /// <c>.loc file line [column] (, function_name name [+ off] | , inlined_at file line [column])*</c>: the tokens
    /// from <paramref name="first"/> (the <c>.loc</c>) to <paramref name="last"/>, already checked against the grammar.
    /// </summary>
    public void Loc(FunctionState? st, int first, int last)
    {
        int i = first + 1;
        long file = 0, line = 0, col = 0;
        if (i <= last && _t[i].Type == T.INT) TryParseInt(Text(i++), out file);
        if (i <= last && _t[i].Type == T.INT) TryParseInt(Text(i++), out line);
        if (i <= last && _t[i].Type == T.INT) TryParseInt(Text(i++), out col);
        DebugLoc? inlinedAt = null;
        string? funcName = null;
        while (i <= last && _t[i].Type == T.COMMA)
        {
            i++;
            if (i > last) break;
            var key = Text(i++);
            if (i <= last && _t[i].Type == T.INT)
            {
                long f2 = 0, l2 = 0, c2 = 0;
                TryParseInt(Text(i++), out f2);
                if (i <= last && _t[i].Type == T.INT) TryParseInt(Text(i++), out l2);
                if (i <= last && _t[i].Type == T.INT) TryParseInt(Text(i++), out c2);
                if (key == "inlined_at") inlinedAt = new DebugLoc((int)f2, (int)l2, (int)c2);
            }
            else if (i <= last && _t[i].Type == T.IDENT)
            {
                var name = Text(i++);
                if (i <= last && _t[i].Type == T.PLUS) i += 2;
                if (key == "function_name") funcName = name;
            }
        }
        st?.SetLoc(new DebugLoc((int)file, (int)line, (int)col, inlinedAt, funcName));
    }

    public void Declaration(FunctionState st, DeclSyntax d, List<int> linkage)
    {
        var fn = st.Fn;
        var specs = ReadSpecs(d);
        if (specs.Space == StateSpace.Reg)
        {
            foreach (var dd in d.Declarators)
            {
                var name = Text(dd.Name);
                int? n = dd.Count >= 0 && TryParseInt(Text(dd.Count), out var c) ? (int)c : null;
                if (n is null) st.DeclareSingle(name); else st.DeclareRange(name, n.Value);
                fn.RegisterDecls.Add(new RegisterDecl
                {
                    Prefix = name,
                    Count = n,
                    TypeName = specs.Type ?? "",
                    Bits = Types.BitWidth(specs.Type) * specs.Vector,
                    Span = Span(dd.First, dd.Last),
                    Scope = st.Block,
                });
            }
        }
        else
        {
            foreach (var v in Variables(d, linkage, fn, specs, st.Block))
            {
                fn.LocalSymbols[v.Name] = v;
                fn.LocalDeclarations.Add(v);
            }
        }
        st.PendingLabel = null;
    }

    public void BranchTargets(FunctionState st, List<int> names)
    {
        if (st.PendingLabel is not null) st.Fn.BranchTargets[st.PendingLabel] = names.Select(Text).ToList();
        st.PendingLabel = null;
    }

    public void CallTargets(FunctionState st, List<int> names)
    {
        if (st.PendingLabel is not null) st.Fn.CallTargets[st.PendingLabel] = names.Select(Text).ToList();
        st.PendingLabel = null;
    }

    public void CallPrototype(FunctionState st, int first, int last)
    {
        if (st.PendingLabel is not null) st.Fn.CallPrototypes[st.PendingLabel] = Span(first, last);
        st.PendingLabel = null;
    }

    // ------------------------------------------------------------------ declarations

    internal struct Specs
    {
        public StateSpace Space;
        public string? Type;
        public int Vector;
        public int? Align;
        public bool Ptr;
        public StateSpace PointeeSpace;
        /// <summary>A vector specifier came after the type (<c>.b32 .v2</c>): ptxas rejects it.</summary>
        public bool VectorAfterType;
    }

    internal const string VectorAfterTypeMessage = "the vector specifier (.v2/.v4/.v8) must come before the type (.v2 .b32, not .b32 .v2)";

    private Specs ReadSpecs(DeclSyntax d)
    {
        var r = new Specs { Vector = 1 };
        foreach (var (nameTok, argTok) in d.Specs)
        {
            var name = Text(nameTok);
            if (name == ".align" && argTok >= 0 && TryParseInt(Text(argTok), out var al)) { r.Align = (int)al; continue; }
            if (name == ".ptr") { r.Ptr = true; continue; }
            if (name.Length >= 3 && name[1] == 'v' && int.TryParse(name.AsSpan(2), out var vw))
            {
                r.Vector = vw;
                if (r.Type is not null) r.VectorAfterType = true;
                continue;
            }
            if (Types.IsType(name)) { r.Type = name; continue; }
            var space = StateSpaces.Parse(name);
            if (space != StateSpace.None)
            {
                if (r.Space == StateSpace.None) r.Space = space;
                else if (r.Ptr || r.Space == StateSpace.Param) r.PointeeSpace = space;
            }
        }
        if (r.VectorAfterType && d.Specs.Count > 0)
        {
            var last = d.Specs[^1];
            var span = Span(d.Specs[0].Name, last.Arg >= 0 ? last.Arg : last.Name);
            Actions.Add(m => m.Errors.Add(new SyntaxError(span, VectorAfterTypeMessage)));
        }
        return r;
    }

    /// <summary>The value of an array dimension, or null for <c>[]</c> and for a dimension that is not an integer constant.</summary>
    private long? Dimension(ExprNode? e)
    {
        if (e is null) return null;
        return ConstantExpressions.TryEvaluate(e, _text, _t, out var v, out _) && v.IsInteger ? v.Int : null;
    }

    private List<VariableSymbol> Variables(DeclSyntax d, List<int> linkage, PtxFunction? owner, Specs? known = null, BlockScope? scope = null)
    {
        var specs = known ?? ReadSpecs(d);
        bool isExtern = false, isVisible = false;
        foreach (var l in linkage)
        {
            if (_t[l].Type == T.EXTERN) isExtern = true;
            else if (_t[l].Type == T.VISIBLE) isVisible = true;
        }
        var result = new List<VariableSymbol>(d.Declarators.Count);
        foreach (var dd in d.Declarators)
        {
            long? count = 1;
            bool unsized = false;
            ExprNode? sizeExpr = null;
            if (dd.Dims is not null)
                foreach (var dim in dd.Dims)
                {
                    if (Dimension(dim) is long n) count *= n;
                    else unsized = true;
                    if (dim is not null && !(dim.Kind == ExprKind.Literal && _t[dim.Tok].Type == T.INT)) sizeExpr ??= dim;
                }
            var init = dd.Init is null ? null : BuildInitializer(dd.Init);
            if (unsized && init is { TopLevelCount: >= 0 })
            {
                count = init.TopLevelCount;
                unsized = false;
            }
            result.Add(new VariableSymbol
            {
                Name = Text(dd.Name),
                Space = specs.Space,
                TypeName = specs.Type,
                ElementSize = Types.ByteSize(specs.Type),
                VectorWidth = specs.Vector,
                ElementCount = unsized ? null : count,
                Alignment = specs.Align,
                IsExtern = isExtern,
                IsVisible = isVisible,
                HasInitializer = init is not null,
                Initializer = init,
                Span = Span(dd.First, dd.Last),
                Owner = owner,
                Scope = scope,
                SizeIsExpression = sizeExpr is not null,
                SizeSpan = sizeExpr is null ? default : Span(sizeExpr.First, sizeExpr.Last),
            });
        }
        return result;
    }

    private Initializer BuildInitializer(InitSyntax init)
    {
        // the scalar elements counted first: one array of the exact size, no list that grows
        var elements = new Initializer.Builder(Leaves(init));
        Flatten(init, ref elements);
        int decoded = init.Decoded?.Count ?? 0;
        return elements.Build(init.List is { } list ? decoded + list.Count : init.RunFirst >= 0 ? decoded + init.RunCount : -1);
    }

    private static int Leaves(InitSyntax init)
    {
        int decoded = init.Decoded?.Count ?? 0;
        if (init.RunFirst >= 0) return decoded + init.RunCount;
        if (init.List is null) return 1;
        int n = decoded;
        foreach (var x in init.List) n += Leaves(x);
        return n;
    }

    /// <summary>A lone integer literal of a data table, decoded now (the parser then drops its token), into <paramref name="into"/>.</summary>
    public void DecodeLiteral(int tok, Initializer.Pending into) => into.Add(LiteralElement(tok));

    private void Flatten(InitSyntax init, ref Initializer.Builder into)
    {
        if (init.Decoded is { } decoded) into.Add(decoded);
        if (init.RunFirst >= 0)
        {
            for (int k = 0; k < init.RunCount; k++) Literal(init.RunFirst + 2 * k, ref into);
            return;
        }
        if (init.List is not null)
        {
            foreach (var x in init.List) Flatten(x, ref into);
            return;
        }
        if (init.Field >= 0)
        {
            into.Add(new InitializerElement(InitializerKind.Field, default, Text(init.Field) + "=" + Text(init.FieldValue)));
            return;
        }
        if (init.Literal >= 0)
        {
            Literal(init.Literal, ref into);
            return;
        }
        var e = init.Expr!;
        if (ConstantExpressions.TryEvaluate(e, _text, _t, out var v, out var problem))
        {
            into.Add(new InitializerElement(InitializerKind.Constant, v, null));
            return;
        }
        if (problem is null)
        {
            if (e.Kind == ExprKind.Call && e.A is { Kind: ExprKind.Name } arg)
            {
                into.Add(new InitializerElement(InitializerKind.GenericAddress, default, Text(arg.Tok)));
                return;
            }
            if (SymbolPlusOffset(e, null) is var (sym, offset))
            {
                into.Add(new InitializerElement(InitializerKind.Address, ConstantValue.Signed(offset), sym));
                return;
            }
        }
        into.Add(new InitializerElement(InitializerKind.Expression, default, TextOf(e.First, e.Last)));
    }

    /// <summary>A literal token as an expression of its own: its value, or (too large) its text.</summary>
    private void Literal(int tok, ref Initializer.Builder into) => into.Add(LiteralElement(tok));

    private InitializerElement LiteralElement(int tok) =>
        ConstantExpressions.TryEvaluateLiteral(tok, _text, _t, out var lv)
            ? new InitializerElement(InitializerKind.Constant, lv, null)
            : new InitializerElement(InitializerKind.Expression, default, TextOf(tok, tok));

    // ------------------------------------------------------------------ instructions

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

    /// <summary>
    /// <c>[@[!]guard] opcode.modifiers operands;</c> from token <paramref name="first"/> to the ';'. The modifiers are the
    /// tokens <paramref name="modStart"/> to <paramref name="modEnd"/> - 1; <paramref name="guard"/> is the guard's
    /// register token or -1; <paramref name="guardSlot"/>: the slot before <paramref name="operands"/> was reserved for it.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    public void Instruction(FunctionState st, int first, int guard, bool guardNegated, int opTok, int modStart, int modEnd, OperandList operands, int semi,
        bool guardSlot = false)
    {
        var fn = st.Fn;
        var form = OpcodeOf(opTok, modStart, modEnd);
        // The grammar reads a parenthesized operand `(1 << 4)` as a one-element list (its paren-list alternative comes
        // first); only `call` has argument lists, elsewhere the parentheses group an expression.
        if (form.Info.Flow != FlowKind.Call)
        {
            var ops = operands.Writable;
            for (int i = 0; i < ops.Length; i++)
                if (ops[i] is ParenListOperand { Elements.Count: 1 } p && p.Elements[0] is not (ParenListOperand or VectorOperand))
                    ops[i] = p.Elements[0];
        }
        RegisterOperand? g = guard >= 0 ? MakeRegister(Text(guard), null, guardNegated, Span(first, guard)) : null;
        fn.Instructions.Add(new Instruction(fn, fn.Instructions.Count, form, operands, listed: true, g, guardSlot)
        {
            Span = Span(first, semi),
            Loc = st.CurrentLoc,
        });
        st.PendingLabel = null;
    }

    // ------------------------------------------------------------------ operands

    // The top-level operands of the unit's instructions, run after run in shared arrays (one array object per few
    // thousand operands, not one per instruction): arrays of 64 operands, doubling to the longest an instruction keeps
    // as a run of a shared array (a longer one is copied into an array of the instruction's own).
    private Operand[] _operandChunk = System.Array.Empty<Operand>();
    private int _operandChunkUsed;
    private const int MaxOperandChunk = Ir.Instruction.SharedRunLimit;

    /// <summary>Room for <paramref name="count"/> operands of one instruction: the array and where they go.</summary>
    public Operand[] ReserveOperands(int count, out int start)
    {
        if (_operandChunkUsed + count > _operandChunk.Length)
        {
            int size = Math.Min(MaxOperandChunk, Math.Max(64, 2 * _operandChunk.Length));
            _operandChunk = new Operand[Math.Max(count, size)];
            _operandChunkUsed = 0;
        }
        start = _operandChunkUsed;
        _operandChunkUsed += count;
        return _operandChunk;
    }

    /// <summary>The decimal integers 0..999 with their text, shared.</summary>
    private static class SmallInts
    {
        private static readonly string[] Texts = Enumerable.Range(0, 1000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        public static bool TryGet(ReadOnlySpan<char> s, out long value, out string text)
        {
            value = 0;
            text = "";
            if (s.Length > 3 || (s.Length > 1 && s[0] == '0')) return false;
            int v = 0;
            foreach (var c in s)
            {
                if ((uint)(c - '0') > 9) return false;
                v = v * 10 + (c - '0');
            }
            value = v;
            text = Texts[v];
            return true;
        }
    }

    /// <summary>An identifier operand: a register (<c>%r1</c>, <c>%tid.x</c> with <paramref name="compTok"/>), the sink <c>_</c>, or a symbol or label.</summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    public Operand Name(FunctionState st, int tok, int compTok)
    {
        if (compTok < 0 && st.RangeReg(_text.AsSpan(_t[tok].Start, _t[tok].Length)) is { } ranged) return ranged;
        var name = Text(tok);
        var span = Span(tok, compTok >= 0 ? compTok : tok);
        if (name == "_") return new SinkOperand { Span = span };
        string? comp = compTok >= 0 ? Text(compTok)[1..] : null;
        if (st.IsRegisterName(name)) return st.Reg(name, comp, false);
        return new SymbolOperand(st.ResolveLabel(name)) { Span = span };
    }

    /// <summary>An integer literal operand (one token).</summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    public Operand Int(FunctionState st, int tok)
    {
        // small decimal integers (most immediates) need no pool lookup
        if (SmallInts.TryGet(_text.AsSpan(_t[tok].Start, _t[tok].Length), out var small, out var smallText))
            return new ImmediateOperand(small, smallText) { Span = Span(tok, tok) };
        return Evaluated(st, ExprNode.Literal(tok));
    }

    /// <summary>A <c>0fXXXXXXXX</c> / <c>0dXXXXXXXXXXXXXXXX</c> literal operand (one token).</summary>
    public Operand FloatHex(int tok)
    {
        var text = Text(tok);
        return new FloatImmediateOperand(ConstantExpressions.ParseFloatHex(text), text) { Span = Span(tok, tok) };
    }

    /// <summary>An address offset literal that is a signed 64-bit value (not one that only fits unsigned).</summary>
    public bool SmallOffset(int tok, out long value)
    {
        value = 0;
        if (!ConstantExpressions.IntLiteral(_text.AsSpan(_t[tok].Start, _t[tok].Length), out var v, out _) || v > long.MaxValue) return false;
        value = (long)v;
        return true;
    }

    /// <summary><c>-INT</c>: a negated integer literal operand (the minus and the literal tokens).</summary>
    public Operand NegativeInt(FunctionState st, int minusTok)
    {
        int tok = minusTok + 1;
        if (!ConstantExpressions.IntLiteral(_text.AsSpan(_t[tok].Start, _t[tok].Length), out var v, out bool unsigned))
            return Evaluated(st, ExprNode.Unary(minusTok, ExprNode.Literal(tok)));
        return new ImmediateOperand(unchecked(-(long)v), TextOf(minusTok, tok)) { Span = Span(minusTok, tok), IsUnsigned = unsigned };
    }

    /// <summary>
    /// An expression operand: a constant expression becomes an immediate (integer or floating-point), a name a
    /// register, sink or symbol, <c>sym + constant</c> a symbol with an offset; anything else stays an expression.
    /// </summary>
    public Operand Expression(FunctionState st, ExprNode e)
    {
        if (e.Kind == ExprKind.Name) return Name(st, e.Tok, e.Comp);
        if (e.Kind == ExprKind.Literal)
        {
            if (_t[e.Tok].Type == T.INT) return Int(st, e.Tok);
            if (_t[e.Tok].Type == T.STRING) return new StringOperand(Text(e.Tok)) { Span = Span(e.First, e.Last) };
        }
        return Evaluated(st, e);
    }

    private Operand Evaluated(FunctionState st, ExprNode e)
    {
        var span = Span(e.First, e.Last);
        if (ConstantExpressions.TryEvaluate(e, _text, _t, out var v, out var problem))
        {
            var text = TextOf(e.First, e.Last);
            return v.IsInteger
                ? new ImmediateOperand(v.Int, text) { Span = span, IsUnsigned = v.IsUnsigned }
                : new FloatImmediateOperand(v.Double, text) { Span = span };
        }
        if (problem is null && SymbolPlusOffset(e, st) is var (sym, offset))
            return new SymbolOperand(sym, offset) { Span = span };
        return new ExpressionOperand(TextOf(e.First, e.Last), CollectRegisters(st, e)) { Span = span, Problem = problem };
    }

    /// <summary><c>sym</c>, <c>sym + c</c>, <c>sym - c</c>, <c>c + sym</c> with integer constants c: the symbol and the offset; null otherwise (and for registers).</summary>
    private (string Symbol, long Offset)? SymbolPlusOffset(ExprNode e, FunctionState? st)
    {
        var terms = LinearTerms(e);
        if (terms is null) return null;
        string? sym = null;
        long offset = 0;
        foreach (var (sign, node) in terms)
        {
            if (node.Kind == ExprKind.Name && node.Comp < 0 && sign == 1 && sym is null)
            {
                var name = Text(node.Tok);
                if (st is not null && st.IsRegisterName(name)) return null;
                sym = name;
                continue;
            }
            if (!ConstantExpressions.TryEvaluate(node, _text, _t, out var c, out _) || !c.IsInteger) return null;
            offset = unchecked(offset + sign * c.Int);
        }
        return sym is null ? null : (sym, offset);
    }

    /// <summary>Flattens <c>a + (b - 4)</c> into signed terms; null when there are too many (a linear expression of one or two names is all an address needs).</summary>
    private List<(int Sign, ExprNode Node)>? LinearTerms(ExprNode e)
    {
        var terms = new List<(int, ExprNode)>(3);
        return Collect(e, 1, terms) ? terms : null;

        bool Collect(ExprNode e, int sign, List<(int, ExprNode)> into)
        {
            if (into.Count > 64) return false;
            switch (e.Kind)
            {
                case ExprKind.Paren:
                    return Collect(e.A!, sign, into);
                case ExprKind.Unary when e.A is { Kind: ExprKind.Name or ExprKind.Paren or ExprKind.Unary or ExprKind.Binary }:
                {
                    // -(x) and +(x) distribute; other unary operators make a term of their own
                    int op = OpOf(e);
                    if (op == T.MINUS) return Collect(e.A!, -sign, into);
                    if (op == T.PLUS) return Collect(e.A!, sign, into);
                    break;
                }
                case ExprKind.Binary:
                {
                    int op = OpOf(e);
                    if (op == T.PLUS) return Collect(e.A!, sign, into) && Collect(e.B!, sign, into);
                    if (op == T.MINUS) return Collect(e.A!, sign, into) && Collect(e.B!, -sign, into);
                    break;
                }
            }
            into.Add((sign, e));
            return true;
        }
    }

    /// <summary>The operator token type of a unary or binary node.</summary>
    private int OpOf(ExprNode e) => _t[e.Tok].Type;

    private RegisterOperand[] CollectRegisters(FunctionState st, ExprNode e)
    {
        List<RegisterOperand>? regs = null;
        Walk(e);
        return regs?.ToArray() ?? Array.Empty<RegisterOperand>();

        void Walk(ExprNode? n)
        {
            if (n is null) return;
            if (n.Kind == ExprKind.Name)
            {
                var name = Text(n.Tok);
                if (st.IsRegisterName(name)) (regs ??= new()).Add(st.Reg(name, n.Comp >= 0 ? Text(n.Comp)[1..] : null, false));
                return;
            }
            Walk(n.A);
            Walk(n.B);
            Walk(n.C);
        }
    }

    /// <summary><c>[name]</c> or <c>[name + offset]</c>: the common address forms, without an expression tree.</summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    public Operand SimpleAddress(FunctionState st, int nameTok, long offset, int lbrack, int rbrack)
    {
        RegisterOperand? reg = st.RangeReg(_text.AsSpan(_t[nameTok].Start, _t[nameTok].Length));
        string? sym = null;
        if (reg is null)
        {
            var name = Text(nameTok);
            if (st.IsRegisterName(name)) reg = st.Reg(name, null, false);
            else sym = name;
        }
        return new AddressOperand { BaseRegister = reg, BaseSymbol = sym, Offset = offset, Span = Span(lbrack, rbrack) };
    }

    /// <summary>
    /// <c>[expression, extra...]</c>: the expression decomposed into a base register or symbol, an optional index
    /// register and a constant offset (constant subexpressions folded); an expression that is not of that form is
    /// kept as the first extra operand.
    /// </summary>
    public Operand Address(FunctionState st, ExprNode e, Operand[] extra, int lbrack, int rbrack)
    {
        var span = Span(lbrack, rbrack);
        var terms = LinearTerms(e);
        RegisterOperand? baseReg = null, indexReg = null;
        string? baseSym = null;
        long offset = 0;
        bool ok = terms is not null;
        if (terms is not null)
        {
            foreach (var (sign, node) in terms)
            {
                if (node.Kind == ExprKind.Name && sign == 1)
                {
                    var name = Text(node.Tok);
                    if (st.IsRegisterName(name))
                    {
                        var r = st.Reg(name, node.Comp >= 0 ? Text(node.Comp)[1..] : null, false);
                        if (baseReg is null && baseSym is null) baseReg = r;
                        else if (indexReg is null) indexReg = r;
                        else { ok = false; break; }
                    }
                    else if (baseReg is null && baseSym is null && node.Comp < 0) baseSym = name;
                    else { ok = false; break; }
                    continue;
                }
                if (ConstantExpressions.TryEvaluate(node, _text, _t, out var c, out _) && c.IsInteger)
                {
                    offset = unchecked(offset + sign * c.Int);
                    continue;
                }
                ok = false;
                break;
            }
        }
        if (!ok)
        {
            var regs = CollectRegisters(st, e);
            ConstantExpressions.TryEvaluate(e, _text, _t, out _, out var problem);
            var expr = new ExpressionOperand(TextOf(e.First, e.Last), regs) { Problem = problem };
            var all = new Operand[extra.Length + 1];
            all[0] = expr;
            extra.CopyTo(all, 1);
            return new AddressOperand { BaseRegister = regs.FirstOrDefault(), Extra = all, Span = span };
        }
        return new AddressOperand { BaseRegister = baseReg, IndexRegister = indexReg, BaseSymbol = baseSym, Offset = offset, Extra = extra, Span = span };
    }

    public Operand Vector(Operand[] elements, int lbrace, int rbrace) => new VectorOperand(elements) { Span = Span(lbrace, rbrace) };

    public Operand ParenList(Operand[] elements, int lparen, int rparen) => new ParenListOperand(elements) { Span = Span(lparen, rparen) };

    /// <summary><c>%p|%q</c>.</summary>
    public Operand DualPredicate(FunctionState st, int a, int b) =>
        new DualPredicateOperand(st.Reg(Text(a), null, false), st.Reg(Text(b), null, false)) { Span = Span(a, b) };

    /// <summary><c>!%p</c>.</summary>
    public Operand Negated(FunctionState st, int identTok) => st.Reg(Text(identTok), null, true);

    internal static RegisterOperand MakeRegister(string name, string? component, bool negated, SourceSpan span) =>
        new(name, negated) { IsSpecial = SpecialRegisters.IsSpecial(name), Component = component, Span = span };
}
