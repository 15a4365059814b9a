using System.Globalization;
using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Semantics;
using PtxLint.Syntax.Generated;
using P = PtxLint.Syntax.Generated.PtxParser;
using FunctionState = PtxLint.Syntax.IrFactory.FunctionState;

namespace PtxLint.Syntax;

/// <summary>
/// Builds IR from the parse tree of one work unit. Functions are built completely here; module-level effects
/// (.version, globals, adding the function) are recorded as actions applied in source order by the driver.
/// The builder tolerates trees with syntax errors (missing children are skipped).
/// </summary>
internal sealed class IrBuilder
{
    private readonly PtxModule _module;
    private readonly string _text;

    public IrBuilder(PtxModule module, string text)
    {
        _module = module;
        _text = text;
    }

    public List<Action<PtxModule>> Actions { get; } = new();

    // ------------------------------------------------------------------ spans

    private static SourceSpan SpanOf(IToken start, IToken stop)
    {
        if (start is null) return SourceSpan.None;
        stop ??= start;
        int endLine = stop.Line;
        int endCol = stop.Column + 1 + Math.Max(1, stop.StopIndex - stop.StartIndex + 1);
        if (stop.Type == TokenConstants.EOF) { endLine = start.Line; endCol = start.Column + 2; }
        return new SourceSpan(start.Line, start.Column + 1, endLine, endCol);
    }

    private static SourceSpan SpanOf(ParserRuleContext ctx) => SpanOf(ctx.Start, ctx.Stop);
    private static SourceSpan SpanOf(IToken tok) => SpanOf(tok, tok);

    // ------------------------------------------------------------------ module

    public void BuildModule(P.ModuleContext tree)
    {
        foreach (var item in tree.moduleItem())
        {
            try
            {
                BuildModuleItem(item);
            }
            catch (NullReferenceException) when (item.exception is not null || HasErrorNode(item))
            {
                // malformed item: already reported as a syntax error
            }
        }
    }

    private static bool HasErrorNode(IParseTree t)
    {
        if (t is IErrorNode) return true;
        for (int i = 0; i < t.ChildCount; i++)
            if (HasErrorNode(t.GetChild(i))) return true;
        return false;
    }

    private void BuildModuleItem(P.ModuleItemContext item)
    {
        switch (item)
        {
            case P.VersionDirectiveContext v:
            {
                var text = v.versionNumber()?.GetText();
                var span = SpanOf(v);
                if (text is not null && Version.TryParse(text.Contains('.') ? text : text + ".0", out var ver))
                    Actions.Add(m => { m.PtxVersion ??= ver; if (m.VersionSpan.IsEmpty) m.VersionSpan = span; });
                break;
            }
            case P.TargetDirectiveContext t:
            {
                var targets = t.IDENT().Select(x => x.GetText()).ToList();
                var span = SpanOf(t);
                Actions.Add(m => { m.Targets.AddRange(targets); if (m.TargetSpan.IsEmpty) m.TargetSpan = span; });
                break;
            }
            case P.AddressSizeDirectiveContext a:
            {
                if (a.INT() is { } n && TryParseInt(n.GetText(), out var size))
                    Actions.Add(m => { m.AddressSize = (int)size; m.HasAddressSizeDirective = true; });
                break;
            }
            case P.ModuleFileContext f:
                AddFile(f.fileDirective());
                break;
            case P.FunctionItemContext fi:
                BuildFunction(fi.functionDecl(), fi.linkage());
                break;
            case P.VariableItemContext vi:
            {
                var linkage = vi.linkage().Select(l => l.GetText()).ToArray();
                foreach (var sym in BuildVariables(vi.variableDecl(), linkage, owner: null))
                {
                    var s = sym;
                    Actions.Add(m => m.Globals[s.Name] = s);
                }
                break;
            }
        }
    }

    private void AddFile(P.FileDirectiveContext? f)
    {
        if (f?.INT() is null || f.STRING() is null) return;
        if (!TryParseInt(f.INT(0).GetText(), out var idx)) return;
        var path = Unquote(f.STRING().GetText());
        Actions.Add(m => m.Files[(int)idx] = path);
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1].Replace("\\\\", "\\").Replace("\\\"", "\"") : s;

    // ------------------------------------------------------------------ functions

    private void BuildFunction(P.FunctionDeclContext decl, P.LinkageContext[] linkage)
    {
        if (decl?.name is null || decl.kind is null) return;
        var fn = new PtxFunction(_module, decl.name.Text, decl.kind.Type == PtxLexer.ENTRY)
        {
            Span = SpanOf(decl),
            NameSpan = SpanOf(decl.name),
        };
        foreach (var l in linkage)
        {
            switch (l.GetText())
            {
                case ".visible": fn.IsVisible = true; break;
                case ".extern": fn.IsExtern = true; break;
                case ".weak": fn.IsWeak = true; break;
            }
        }
        var st = new FunctionState { Fn = fn };
        if (decl.returnParams() is { } rp)
            foreach (var p in rp.paramDecl())
                AddParameter(st, fn.ReturnParameters, p);
        if (decl.paramList() is { } pl)
            foreach (var p in pl.paramDecl())
                AddParameter(st, fn.Parameters, p);
        foreach (var pd in decl.performanceDirective())
        {
            if (pd.pragma() is { } pr) fn.Performance.Pragmas.AddRange(pr.STRING().Select(s => Unquote(s.GetText())));
            else if (pd.perfKeyword() is { } kw) ApplyPerf(fn, kw.GetText(), pd.perfArg());
        }
        if (decl.functionBody() is { } body)
        {
            fn.HasBody = true;
            foreach (var s in body.statement())
                BuildStatement(st, s);
        }
        Actions.Add(m => m.Functions.Add(fn));
    }

    private static void ApplyPerf(PtxFunction fn, string kw, P.PerfArgContext[] args) =>
        IrFactory.ApplyPerf(fn, kw, args.Select(a => a.GetText()).ToArray());

    private void AddParameter(FunctionState st, List<Parameter> list, P.ParamDeclContext p)
    {
        var specs = ReadSpecs(p.declSpec());
        var d = p.declarator();
        if (d?.IDENT() is null) return;
        var name = d.IDENT().GetText();
        long count = 1;
        foreach (var a in d.arraySpec())
            count *= a.expression() is { } e && TryEvalInt(e, out var n) ? n : 1;
        var param = new Parameter
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
            Span = SpanOf(p),
        };
        list.Add(param);
        if (specs.Space == StateSpace.Reg)
        {
            st.SingleRegs.Add(name);
            st.Fn.RegisterDecls.Add(new RegisterDecl { Prefix = name, TypeName = specs.Type ?? "", Bits = Types.BitWidth(specs.Type) * specs.Vector, Span = SpanOf(p) });
        }
    }

    private IrFactory.Specs ReadSpecs(P.DeclSpecContext[] specs)
    {
        var r = IrFactory.ReadSpecs(specs.Select(sp => (sp.DOT_NAME()?.GetText(), sp.INT()?.GetText())));
        if (r.VectorAfterType && specs.Length > 0)
        {
            var span = SpanOf(specs[0].Start, specs[^1].Stop);
            Actions.Add(m => m.Errors.Add(new SyntaxError(span, IrFactory.VectorAfterTypeMessage)));
        }
        return r;
    }

    private IEnumerable<VariableSymbol> BuildVariables(P.VariableDeclContext? decl, string[] linkage, PtxFunction? owner)
    {
        if (decl is null) yield break;
        var specs = ReadSpecs(decl.declSpec());
        foreach (var d in decl.declarator())
        {
            if (d.IDENT() is null) continue;
            long? count = 1;
            bool unsized = false;
            foreach (var a in d.arraySpec())
            {
                if (a.expression() is null) { unsized = true; continue; }
                if (TryEvalInt(a.expression(), out var n)) count *= n;
                else unsized = true;
            }
            var init = d.initializer();
            if (unsized && init is not null && init.LBRACE() is not null)
            {
                count = init.initializer().Length;
                unsized = false;
            }
            yield return new VariableSymbol
            {
                Name = d.IDENT().GetText(),
                Space = specs.Space,
                TypeName = specs.Type,
                ElementSize = Types.ByteSize(specs.Type),
                VectorWidth = specs.Vector,
                ElementCount = unsized ? null : count,
                Alignment = specs.Align,
                IsExtern = linkage.Contains(".extern"),
                IsVisible = linkage.Contains(".visible"),
                HasInitializer = init is not null,
                Span = SpanOf(d),
                Owner = owner,
            };
        }
    }

    // ------------------------------------------------------------------ statements

    private void BuildStatement(FunctionState st, P.StatementContext s)
    {
        var fn = st.Fn;
        switch (s)
        {
            case P.InstructionStatementContext i:
                BuildInstruction(st, i.instruction());
                st.PendingLabel = null;
                break;
            case P.LabelStatementContext l:
            {
                var name = l.label()?.IDENT()?.GetText();
                if (name is null) break;
                var span = SpanOf(l);
                if (st.DefineLabel(name, span) is { } dup) Actions.Add(m => m.Errors.Add(dup));
                st.PendingLabel = name;
                break;
            }
            case P.BlockStatementContext b:
            {
                int first = fn.Instructions.Count;
                st.EnterScope();
                foreach (var inner in b.statement()) BuildStatement(st, inner);
                st.ExitScope(first);
                break;
            }
            case P.LocStatementContext loc:
                st.SetLoc(BuildLoc(loc.locDirective()));
                break;
            case P.DeclarationStatementContext d:
            {
                var decl = d.variableDecl();
                if (decl is null) break;
                var specs = ReadSpecs(decl.declSpec());
                if (specs.Space == StateSpace.Reg)
                {
                    foreach (var dd in decl.declarator())
                    {
                        if (dd.IDENT() is null) continue;
                        var name = dd.IDENT().GetText();
                        int? n = dd.INT() is { } cnt && TryParseInt(cnt.GetText(), out var c) ? (int)c : null;
                        if (n is null) st.SingleRegs.Add(name); else st.DeclareRange(name, n.Value);
                        fn.RegisterDecls.Add(new RegisterDecl
                        {
                            Prefix = name,
                            Count = n,
                            TypeName = specs.Type ?? "",
                            Bits = Types.BitWidth(specs.Type) * specs.Vector,
                            Span = SpanOf(dd),
                        });
                    }
                }
                else
                {
                    var linkage = d.linkage().Select(x => x.GetText()).ToArray();
                    foreach (var v in BuildVariables(decl, linkage, fn))
                        fn.LocalSymbols[v.Name] = v;
                }
                st.PendingLabel = null;
                break;
            }
            case P.BranchTargetsStatementContext bt:
                if (st.PendingLabel is not null)
                    fn.BranchTargets[st.PendingLabel] = bt.IDENT().Select(x => x.GetText()).ToList();
                st.PendingLabel = null;
                break;
            case P.PragmaStatementContext p:
                fn.Performance.Pragmas.AddRange(p.pragma()?.STRING().Select(x => Unquote(x.GetText())) ?? []);
                break;
            case P.PerfStatementContext ps:
                if (ps.perfKeyword() is { } kw) ApplyPerf(fn, kw.GetText(), ps.perfArg());
                break;
            case P.FileStatementContext f:
                AddFile(f.fileDirective());
                break;
            default:
                st.PendingLabel = null;
                break;
        }
    }

    private static DebugLoc? BuildLoc(P.LocDirectiveContext? loc)
    {
        if (loc is null) return null;
        var ints = loc.INT();
        if (ints.Length < 2) return null;
        TryParseInt(ints[0].GetText(), out var file);
        TryParseInt(ints[1].GetText(), out var line);
        long col = 0;
        if (ints.Length >= 3) TryParseInt(ints[2].GetText(), out col);
        DebugLoc? inlinedAt = null;
        string? funcName = null;
        foreach (var attr in loc.locAttribute())
        {
            var key = attr.IDENT(0)?.GetText();
            if (key == "inlined_at")
            {
                var n = attr.INT();
                if (n.Length >= 2)
                {
                    TryParseInt(n[0].GetText(), out var f2);
                    TryParseInt(n[1].GetText(), out var l2);
                    long c2 = 0;
                    if (n.Length >= 3) TryParseInt(n[2].GetText(), out c2);
                    inlinedAt = new DebugLoc((int)f2, (int)l2, (int)c2);
                }
            }
            else if (key == "function_name")
            {
                funcName = attr.IDENT().Length > 1 ? attr.IDENT(1).GetText() : null;
            }
        }
        return new DebugLoc((int)file, (int)line, (int)col, inlinedAt, funcName);
    }

    // ------------------------------------------------------------------ instructions

    private void BuildInstruction(FunctionState st, P.InstructionContext? ctx)
    {
        if (ctx?.opcode is null) return;
        var fn = st.Fn;
        var dotNames = ctx.dotName();
        var mods = new string[dotNames.Length];
        for (int i = 0; i < mods.Length; i++) mods[i] = dotNames[i].Start.Text;
        var opCtxs = ctx.operand();
        var ops = new Operand[opCtxs.Length];
        for (int i = 0; i < ops.Length; i++) ops[i] = BuildOperand(st, opCtxs[i]);
        RegisterOperand? guard = null;
        if (ctx.guard() is { } g && g.IDENT() is { } gid)
            guard = IrFactory.MakeRegister(gid.Symbol.Text, null, g.BANG() is not null, SpanOf(g));
        var insn = new Instruction(fn, fn.Instructions.Count, ctx.opcode.Text, mods, ops)
        {
            Guard = guard,
            Span = SpanOf(ctx.Start, ctx.Stop),
            Loc = st.CurrentLoc,
        };
        fn.Instructions.Add(insn);
    }

    private static RegisterOperand MakeRegister(FunctionState st, string name, string? component, bool negated, SourceSpan span) =>
        st.Reg(name, component, negated);

    private static bool IsRegisterName(FunctionState st, string name) => st.IsRegisterName(name);

    private Operand NameOperand(FunctionState st, IToken id, IToken? component, SourceSpan span)
    {
        var name = id.Text;
        if (name == "_") return new SinkOperand { Span = span };
        var comp = component?.Text;
        if (comp is not null && comp.Length > 1) comp = comp[1..];
        if (IsRegisterName(st, name)) return MakeRegister(st, name, comp, false, span);
        return new SymbolOperand(st.ResolveLabel(name)) { Span = span };
    }

    private Operand BuildOperand(FunctionState st, P.OperandContext ctx)
    {
        var span = SpanOf(ctx);
        switch (ctx)
        {
            case P.ExpressionOperandContext e:
                return BuildExpressionOperand(st, e.expression(), span);
            case P.AddressOperandContext a:
                return BuildAddress(st, a.address(), span);
            case P.VectorOperandContext v:
                return new VectorOperand(v.operand().Select(o => BuildOperand(st, o)).ToArray()) { Span = span };
            case P.ParenListOperandContext pl:
                return new ParenListOperand(pl.operand().Select(o => BuildOperand(st, o)).ToArray()) { Span = span };
            case P.DualPredicateOperandContext dp:
            {
                var ids = dp.IDENT();
                if (ids.Length < 2) break;
                return new DualPredicateOperand(
                    MakeRegister(st, ids[0].GetText(), null, false, SpanOf(ids[0].Symbol)),
                    MakeRegister(st, ids[1].GetText(), null, false, SpanOf(ids[1].Symbol))) { Span = span };
            }
            case P.NegatedOperandContext n:
                if (n.IDENT() is { } nid) return MakeRegister(st, nid.GetText(), null, true, span);
                break;
        }
        return new ExpressionOperand(ctx.GetText(), Array.Empty<RegisterOperand>()) { Span = span };
    }

    /// <summary>A linear term of an additive expression: sign and primary.</summary>
    private readonly record struct Term(int Sign, P.PrimaryContext? Primary, P.UnaryContext Unary);

    /// <summary>Flattens <c>a + b - 4</c> into signed terms; null when the expression has other operators.</summary>
    private static List<Term>? LinearTerms(P.ExpressionContext? e)
    {
        var add = e?.additive();
        if (add is null) return null;
        var mults = add.multiplicative();
        var terms = new List<Term>(mults.Length);
        int child = 0;
        int sign = 1;
        for (int i = 0; i < add.ChildCount; i++)
        {
            var c = add.GetChild(i);
            if (c is ITerminalNode tn)
            {
                if (tn.Symbol.Type == PtxLexer.PLUS) sign = 1;
                else if (tn.Symbol.Type == PtxLexer.MINUS) sign = -1;
                else return null;
                continue;
            }
            if (c is not P.MultiplicativeContext m) return null;
            child++;
            var unaries = m.unary();
            if (unaries.Length != 1) return null;
            var u = unaries[0];
            int s = sign;
            while (u.primary() is null && u.unary() is { } inner)
            {
                var op = ((ITerminalNode)u.GetChild(0)).Symbol.Type;
                if (op == PtxLexer.MINUS) s = -s;
                else if (op != PtxLexer.PLUS) return null;
                u = inner;
            }
            terms.Add(new Term(s, u.primary(), u));
            sign = 1;
        }
        _ = child;
        return terms;
    }

    private Operand BuildExpressionOperand(FunctionState st, P.ExpressionContext? e, SourceSpan span)
    {
        var terms = LinearTerms(e);
        if (terms is { Count: 1 } && terms[0].Primary is { } p)
        {
            int sign = terms[0].Sign;
            if (p.INT() is { } it && TryParseInt(it.GetText(), out var v))
                return new ImmediateOperand(sign * v, e!.GetText()) { Span = span };
            if (p.FLOAT_HEX() is { } fh)
                return new FloatImmediateOperand(sign * ParseFloatHex(fh.GetText()), e!.GetText()) { Span = span };
            if (p.FLOAT() is { } fl && double.TryParse(fl.GetText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var dv))
                return new FloatImmediateOperand(sign * dv, e!.GetText()) { Span = span };
            if (p.STRING() is { } str)
                return new StringOperand(str.GetText()) { Span = span };
            if (sign == 1 && p.IDENT() is { } id && p.LPAREN() is null)
                return NameOperand(st, id.Symbol, p.DOT_NAME()?.Symbol, span);
        }
        // sym + imm
        if (terms is { Count: 2 } && terms[0].Sign == 1 && terms[0].Primary?.IDENT() is { } sid && terms[0].Primary!.LPAREN() is null
            && terms[1].Primary?.INT() is { } off && TryParseInt(off.GetText(), out var offv) && !IsRegisterName(st, sid.GetText()))
            return new SymbolOperand(sid.GetText(), terms[1].Sign * offv) { Span = span };
        var regs = new List<RegisterOperand>();
        CollectRegisters(st, e, regs);
        return new ExpressionOperand(e?.GetText() ?? "", regs) { Span = span };
    }

    private void CollectRegisters(FunctionState st, IParseTree? t, List<RegisterOperand> regs)
    {
        if (t is null) return;
        if (t is P.PrimaryContext p && p.IDENT() is { } id && p.LPAREN() is null)
        {
            if (IsRegisterName(st, id.GetText()))
                regs.Add(MakeRegister(st, id.GetText(), p.DOT_NAME()?.GetText()[1..], false, SpanOf(p)));
            return;
        }
        for (int i = 0; i < t.ChildCount; i++) CollectRegisters(st, t.GetChild(i), regs);
    }

    private Operand BuildAddress(FunctionState st, P.AddressContext? a, SourceSpan span)
    {
        if (a is null) return new AddressOperand { Span = span };
        var extra = a.operand().Select(o => BuildOperand(st, o)).ToArray();
        var terms = LinearTerms(a.expression());
        RegisterOperand? baseReg = null;
        RegisterOperand? indexReg = null;
        string? baseSym = null;
        long offset = 0;
        bool ok = terms is not null;
        if (terms is not null)
        {
            foreach (var term in terms)
            {
                var p = term.Primary;
                if (p is null) { ok = false; break; }
                if (p.INT() is { } it && TryParseInt(it.GetText(), out var v)) { offset += term.Sign * v; continue; }
                if (p.IDENT() is { } id && p.LPAREN() is null && term.Sign == 1)
                {
                    var name = id.GetText();
                    if (IsRegisterName(st, name))
                    {
                        var r = MakeRegister(st, name, p.DOT_NAME()?.GetText()[1..], false, SpanOf(p));
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
            var regs = new List<RegisterOperand>();
            CollectRegisters(st, a.expression(), regs);
            var expr = new ExpressionOperand(a.expression()?.GetText() ?? "", regs);
            return new AddressOperand { BaseRegister = regs.FirstOrDefault(), Extra = extra.Prepend(expr).ToArray(), Span = span };
        }
        return new AddressOperand { BaseRegister = baseReg, IndexRegister = indexReg, BaseSymbol = baseSym, Offset = offset, Extra = extra, Span = span };
    }

    // ------------------------------------------------------------------ literals

    internal static bool TryParseInt(string text, out long value)
    {
        value = 0;
        var s = text.AsSpan();
        if (s.Length > 1 && s[^1] == 'U') s = s[..^1];
        if (s.Length == 0) return false;
        try
        {
            if (s.Length > 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
            {
                if (ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h)) { value = unchecked((long)h); return true; }
                return false;
            }
            if (s.Length > 2 && s[0] == '0' && (s[1] | 0x20) == 'b')
            {
                ulong b = 0;
                foreach (var c in s[2..]) b = checked(b * 2 + (ulong)(c - '0'));
                value = unchecked((long)b);
                return true;
            }
            if (s.Length > 1 && s[0] == '0')
            {
                ulong o = 0;
                foreach (var c in s[1..])
                {
                    if (c < '0' || c > '7') return false;
                    o = checked(o * 8 + (ulong)(c - '0'));
                }
                value = unchecked((long)o);
                return true;
            }
            if (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var d)) { value = unchecked((long)d); return true; }
        }
        catch (OverflowException)
        {
            return false;
        }
        return false;
    }

    /// <summary>The value of a <c>0fXXXXXXXX</c> (f32 bits) or <c>0dXXXXXXXXXXXXXXXX</c> (f64 bits) literal.</summary>
    internal static double ParseFloatHex(string text)
    {
        var hex = text.AsSpan(2);
        if (!ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits)) return double.NaN;
        return (text[1] | 0x20) == 'f' ? BitConverter.Int32BitsToSingle((int)(uint)bits) : BitConverter.Int64BitsToDouble((long)bits);
    }

    /// <summary>Evaluates a constant integer expression (+ - * / of integers); false when it is not one.</summary>
    internal static bool TryEvalInt(P.ExpressionContext e, out long value)
    {
        value = 0;
        try
        {
            return EvalAdditive(e.additive(), out value);
        }
        catch (Exception ex) when (ex is OverflowException or DivideByZeroException)
        {
            return false;
        }
    }

    private static bool EvalAdditive(P.AdditiveContext? a, out long value)
    {
        value = 0;
        if (a is null) return false;
        int op = PtxLexer.PLUS;
        for (int i = 0; i < a.ChildCount; i++)
        {
            var c = a.GetChild(i);
            if (c is ITerminalNode tn) { op = tn.Symbol.Type; continue; }
            if (!EvalMultiplicative((P.MultiplicativeContext)c, out var v)) return false;
            value = op switch
            {
                PtxLexer.PLUS => checked(value + v),
                PtxLexer.MINUS => checked(value - v),
                PtxLexer.AMP => value & v,
                PtxLexer.CARET => value ^ v,
                _ => value,
            };
        }
        return true;
    }

    private static bool EvalMultiplicative(P.MultiplicativeContext m, out long value)
    {
        value = 1;
        int op = PtxLexer.STAR;
        for (int i = 0; i < m.ChildCount; i++)
        {
            var c = m.GetChild(i);
            if (c is ITerminalNode tn) { op = tn.Symbol.Type; continue; }
            if (!EvalUnary((P.UnaryContext)c, out var v)) return false;
            value = op == PtxLexer.STAR ? checked(value * v) : checked(value / v);
        }
        return true;
    }

    private static bool EvalUnary(P.UnaryContext u, out long value)
    {
        value = 0;
        if (u.primary() is { } p)
        {
            if (p.INT() is { } it) return TryParseInt(it.GetText(), out value);
            if (p.expression() is { } inner && p.IDENT() is null) return TryEvalInt(inner, out value);
            return false;
        }
        if (u.unary() is { } next && EvalUnary(next, out var v))
        {
            var op = ((ITerminalNode)u.GetChild(0)).Symbol.Type;
            value = op switch { PtxLexer.MINUS => -v, PtxLexer.TILDE => ~v, _ => v };
            return true;
        }
        return false;
    }
}
