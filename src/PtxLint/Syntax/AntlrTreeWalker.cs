using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using P = PtxLint.Syntax.Generated.PtxParser;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>
/// Walks the ANTLR parse tree of one work unit and hands what it finds to <see cref="IrBuilder"/>, the same builder
/// the fast parser calls: this class gives no meaning to anything, it only maps grammar rules to builder calls.
/// Tokens are passed by index (the ANTLR token stream is the unit's scanned token array). A statement or item that
/// holds a syntax error (already reported) is skipped; the rest of the unit is still built.
/// </summary>
internal sealed class AntlrTreeWalker
{
    private readonly IrBuilder _b;

    public AntlrTreeWalker(IrBuilder builder) { _b = builder; }

    // ------------------------------------------------------------------ helpers

    private static bool HasErrorNode(IParseTree t)
    {
        if (t is IErrorNode) return true;
        if (t is ITerminalNode tn) return tn.Symbol.TokenIndex < 0;
        if (t is ParserRuleContext { exception: not null }) return true;
        for (int i = 0; i < t.ChildCount; i++)
            if (HasErrorNode(t.GetChild(i))) return true;
        return false;
    }

    /// <summary>True when the subtree parsed without a syntax error (no recovery, no conjured or deleted tokens).</summary>
    private static bool Ok(IParseTree? t) => t is not null && !HasErrorNode(t);

    private static int Tok(ITerminalNode n) => n.Symbol.TokenIndex;
    private static int Tok(IToken t) => t.TokenIndex;

    /// <summary>The index of a rule's last token (its first when it ended at the end of the unit).</summary>
    private static int Last(ParserRuleContext c) =>
        c.Stop is { } s && s.Type != TokenConstants.EOF && s.TokenIndex >= c.Start.TokenIndex ? s.TokenIndex : c.Start.TokenIndex;

    // ------------------------------------------------------------------ module

    public void Module(P.ModuleContext tree)
    {
        foreach (var item in tree.moduleItem())
        {
            try
            {
                ModuleItem(item);
            }
            catch (Exception e) when (e is NullReferenceException or ArgumentOutOfRangeException or InvalidCastException && HasErrorNode(item))
            {
                // a malformed item: already reported as a syntax error
            }
        }
    }

    private void ModuleItem(P.ModuleItemContext item)
    {
        switch (item)
        {
            case P.VersionDirectiveContext v when Ok(v):
                _b.Version(Tok(v.VERSION()), v.versionNumber().Start.TokenIndex);
                break;
            case P.TargetDirectiveContext t when Ok(t):
                _b.Target(Tok(t.TARGET()), t.IDENT().Select(Tok).ToList());
                break;
            case P.AddressSizeDirectiveContext a when Ok(a):
                _b.AddressSize(Tok(a.INT()));
                break;
            case P.ModuleFileContext f when Ok(f):
                File(f.fileDirective());
                break;
            case P.ModuleLocContext l when Ok(l):
                _b.Loc(null, l.Start.TokenIndex, Last(l));
                break;
            case P.FunctionItemContext fi:
                Function(fi.functionDecl(), fi.linkage());
                break;
            case P.VariableItemContext vi when Ok(vi):
                _b.ModuleVariables(Decl(vi.variableDecl()), vi.linkage().Select(l => l.Start.TokenIndex).ToList());
                break;
        }
    }

    private void File(P.FileDirectiveContext f) => _b.File(Tok(f.INT(0)), Tok(f.STRING()), Last(f));

    // ------------------------------------------------------------------ functions

    private void Function(P.FunctionDeclContext? decl, P.LinkageContext[] linkage)
    {
        if (decl?.name is null || decl.kind is null || decl.name.TokenIndex < 0 || !linkage.All(Ok)) return;
        int kind = Tok(decl.kind);
        var st = _b.BeginFunction(kind, Tok(decl.name), linkage.Select(l => l.Start.TokenIndex).ToList());
        if (decl.returnParams() is { } rp)
            foreach (var p in rp.paramDecl())
                if (Ok(p)) _b.Parameter(st, isReturn: true, Decl(p));
        if (decl.paramList() is { } pl)
            foreach (var p in pl.paramDecl())
                if (Ok(p)) _b.Parameter(st, isReturn: false, Decl(p));
        foreach (var pd in decl.performanceDirective())
        {
            if (!Ok(pd)) continue;
            if (pd.pragma() is { } pr) _b.Pragma(st, pr.STRING().Select(Tok).ToList());
            else if (pd.perfKeyword() is { } kw) _b.Perf(st, kw.Start.TokenIndex, pd.perfArg().Select(a => a.Start.TokenIndex).ToList());
        }
        if (decl.functionBody() is { } body && body.LBRACE() is { } lb && Tok(lb) >= 0)
        {
            _b.BeginBody(st, Tok(lb));
            foreach (var s in body.statement())
                Statement(st, s);
        }
        _b.EndFunction(st, kind, Last(decl));
    }

    // ------------------------------------------------------------------ statements

    private void Statement(FunctionState st, P.StatementContext s)
    {
        if (s is P.BlockStatementContext b)
        {
            if (b.LBRACE() is not { } lb || Tok(lb) < 0) return;
            int first = _b.EnterBlock(st, Tok(lb));
            foreach (var inner in b.statement()) Statement(st, inner);
            _b.ExitBlock(st, first);
            return;
        }
        if (!Ok(s))
        {
            IrBuilder.EndStatement(st);
            return;
        }
        switch (s)
        {
            case P.InstructionStatementContext i:
                Instruction(st, i.instruction());
                break;
            case P.LabelStatementContext l:
                _b.Label(st, Tok(l.label().IDENT()), Tok(l.label().COLON()));
                break;
            case P.LocStatementContext loc:
                _b.Loc(st, loc.Start.TokenIndex, Last(loc));
                break;
            case P.DeclarationStatementContext d:
                _b.Declaration(st, Decl(d.variableDecl()), d.linkage().Select(l => l.Start.TokenIndex).ToList());
                break;
            case P.BranchTargetsStatementContext bt:
                _b.BranchTargets(st, bt.IDENT().Select(Tok).ToList());
                break;
            case P.CallTargetsStatementContext ct:
                _b.CallTargets(st, ct.IDENT().Select(Tok).ToList());
                break;
            case P.CallPrototypeStatementContext cp:
                _b.CallPrototype(st, cp.Start.TokenIndex, Last(cp));
                break;
            case P.PragmaStatementContext p:
                _b.Pragma(st, p.pragma().STRING().Select(Tok).ToList());
                break;
            case P.PerfStatementContext ps:
                _b.Perf(st, ps.perfKeyword().Start.TokenIndex, ps.perfArg().Select(a => a.Start.TokenIndex).ToList());
                break;
            case P.FileStatementContext f:
                File(f.fileDirective());
                break;
            default:
                IrBuilder.EndStatement(st);
                break;
        }
    }

    private void Instruction(FunctionState st, P.InstructionContext ctx)
    {
        int guard = -1;
        bool negated = false;
        if (ctx.guard() is { } g)
        {
            guard = Tok(g.IDENT());
            negated = g.BANG() is not null;
        }
        int op = Tok(ctx.opcode);
        var mods = ctx.dotName();
        int modStart = op + 1;
        var operands = ctx.operand();
        var ops = new Ir.Operand[operands.Length];
        for (int i = 0; i < ops.Length; i++) ops[i] = Operand(st, operands[i]);
        _b.Instruction(st, ctx.Start.TokenIndex, guard, negated, op, modStart, modStart + mods.Length, new Ir.OperandList(ops), Tok(ctx.SEMI()));
    }

    private Ir.Operand Operand(FunctionState st, P.OperandContext ctx)
    {
        switch (ctx)
        {
            case P.AddressOperandContext a:
            {
                var addr = a.address();
                var extra = addr.operand().Select(o => Operand(st, o)).ToArray();
                return _b.Address(st, Expr(addr.expression()), extra, Tok(a.LBRACK()), Tok(a.RBRACK()));
            }
            case P.VectorOperandContext v:
                return _b.Vector(v.operand().Select(o => Operand(st, o)).ToArray(), Tok(v.LBRACE()), Tok(v.RBRACE()));
            case P.ParenListOperandContext pl:
                return _b.ParenList(pl.operand().Select(o => Operand(st, o)).ToArray(), Tok(pl.LPAREN()), Tok(pl.RPAREN()));
            case P.DualPredicateOperandContext dp:
                return _b.DualPredicate(st, Tok(dp.IDENT(0)), Tok(dp.IDENT(1)));
            case P.NegatedOperandContext n:
                return _b.Negated(st, Tok(n.IDENT()));
            default:
                return _b.Expression(st, Expr(((P.ExpressionOperandContext)ctx).expression()));
        }
    }

    // ------------------------------------------------------------------ declarations

    private DeclSyntax Decl(ParserRuleContext ctx)
    {
        var d = new DeclSyntax { First = ctx.Start.TokenIndex, Last = Last(ctx) };
        P.DeclSpecContext[] specs;
        P.DeclaratorContext[] declarators;
        if (ctx is P.ParamDeclContext p) { specs = p.declSpec(); declarators = new[] { p.declarator() }; }
        else { var v = (P.VariableDeclContext)ctx; specs = v.declSpec(); declarators = v.declarator(); }
        foreach (var sp in specs)
            d.Specs.Add((Tok(sp.DOT_NAME()), sp.INT() is { } n ? Tok(n) : -1));
        foreach (var dd in declarators)
        {
            var x = new DeclaratorSyntax { Name = Tok(dd.IDENT()), First = dd.Start.TokenIndex, Last = Last(dd) };
            if (dd.INT() is { } count) x.Count = Tok(count);
            foreach (var a in dd.arraySpec())
                (x.Dims ??= new()).Add(a.expression() is { } e ? Expr(e) : null);
            if (dd.initializer() is { } init) x.Init = Init(init);
            d.Declarators.Add(x);
        }
        return d;
    }

    private InitSyntax Init(P.InitializerContext i)
    {
        if (i.LBRACE() is not null) return new InitSyntax { List = i.initializer().Select(Init).ToList() };
        if (i.expression() is { } e) return new InitSyntax { Expr = Expr(e) };
        return new InitSyntax { Field = Tok(i.IDENT(0)), FieldValue = Tok(i.IDENT(1)) };
    }

    // ------------------------------------------------------------------ expressions

    private static ExprNode Expr(P.ExpressionContext e) => Convert(e);

    private static ExprNode Convert(IParseTree t)
    {
        switch (t)
        {
            case P.ExpressionContext e:
                return Convert(e.conditionalExpr());
            case P.ConditionalExprContext c:
            {
                var cond = Convert(c.logicalOrExpr());
                return c.QUESTION() is null ? cond : ExprNode.Conditional(cond, Convert(c.expression()), Convert(c.conditionalExpr()));
            }
            case P.UnaryContext u:
            {
                if (u.primary() is { } p) return Convert(p);
                if (u.LPAREN() is { } lp) return ExprNode.Cast(Tok(lp), Tok(u.DOT_NAME()), Convert(u.unary()));
                return ExprNode.Unary(Tok((ITerminalNode)u.GetChild(0)), Convert(u.unary()));
            }
            case P.PrimaryContext p:
            {
                if (p.IDENT() is { } id)
                {
                    if (p.LPAREN() is not null) return ExprNode.Call(Tok(id), Convert(p.expression()), Tok(p.RPAREN()));
                    return ExprNode.Name(Tok(id), p.DOT_NAME() is { } comp ? Tok(comp) : -1);
                }
                if (p.LPAREN() is { } lparen) return ExprNode.Paren(Tok(lparen), Convert(p.expression()), Tok(p.RPAREN()));
                return ExprNode.Literal(Tok((ITerminalNode)p.GetChild(0)));
            }
            case ParserRuleContext level:
            {
                // one of the binary levels (logicalOrExpr ... multiplicative): operand (operator operand)*, left-associative
                var left = Convert(level.GetChild(0));
                for (int i = 1; i + 1 < level.ChildCount; i += 2)
                    left = ExprNode.Binary(Tok((ITerminalNode)level.GetChild(i)), left, Convert(level.GetChild(i + 1)));
                return left;
            }
        }
        throw new InvalidOperationException("unexpected expression node " + t.GetType().Name);
    }
}
