using PtxLint.Ir;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>
/// A function body whose '{' is never closed swallows the rest of the file: every following kernel becomes a string
/// of syntax errors inside it, and findings land in the wrong function. When a unit does not parse, this looks for
/// that shape on the tokens: a directive that only starts a module item (<c>.entry</c>, <c>.func</c>, <c>.version</c>,
/// <c>.target</c>, <c>.address_size</c>, with their linkage) inside a function body, or the end of the file inside one.
/// It then closes the open braces just before that point (zero-width '}' tokens) and reports one error at the
/// body's '{', so both parsers see the rest of the file as it was meant.
/// </summary>
internal static class BraceRepair
{
    /// <summary>
    /// Repairs <paramref name="tokens"/>[0..<paramref name="end"/>) in place of a copy; false when there is nothing to repair.
    /// </summary>
    public static bool TryRepair(string text, ref RawToken[] tokens, ref int end, List<SyntaxError> errors)
    {
        var t = tokens;
        List<(int At, int Count)>? inserts = null;
        int depth = 0;
        int bodyBrace = -1, fnKind = -1, fnName = -1;
        int headerKind = -1; // a .entry/.func seen at depth 0 since the last item ended
        for (int i = 0; i < end; i++)
        {
            int type = t[i].Type;
            if (depth == 0)
            {
                switch (type)
                {
                    case T.ENTRY or T.FUNC:
                        headerKind = i;
                        break;
                    case T.SEMI:
                        headerKind = -1;
                        break;
                    case T.LBRACE:
                        if (headerKind >= 0)
                        {
                            bodyBrace = i;
                            fnKind = headerKind;
                            fnName = FunctionName(t, headerKind, i);
                        }
                        headerKind = -1;
                        depth = 1;
                        break;
                }
                continue;
            }
            if (type == T.LBRACE) { depth++; continue; }
            if (type == T.RBRACE)
            {
                if (--depth == 0) bodyBrace = -1;
                continue;
            }
            bool moduleStart = type is T.VERSION or T.TARGET or T.ADDRESS_SIZE or T.ENTRY or T.FUNC || type == T.Eof;
            if (!moduleStart || bodyBrace < 0) continue;
            // close before the linkage directives of the item (`.visible .entry k2`)
            int at = i;
            while (at > 0 && t[at - 1].Type is T.VISIBLE or T.EXTERN or T.WEAK && at - 1 > bodyBrace) at--;
            (inserts ??= new()).Add((at, depth));
            errors.Add(Unclosed(text, t, bodyBrace, fnKind, fnName, at, i, end));
            depth = 0;
            bodyBrace = -1;
            headerKind = type is T.ENTRY or T.FUNC ? i : -1;
            if (type == T.Eof) break;
        }
        if (inserts is null) return false;
        int added = inserts.Sum(x => x.Count);
        var copy = new RawToken[end + added + 1];
        int src = 0, dst = 0;
        foreach (var (at, count) in inserts)
        {
            while (src < at) copy[dst++] = t[src++];
            var next = t[at];
            for (int k = 0; k < count; k++)
                copy[dst++] = new RawToken { Type = T.RBRACE, Start = next.Start, Stop = next.Start - 1, Line = next.Line, Column = next.Column };
        }
        while (src < end) copy[dst++] = t[src++];
        if (end < t.Length) copy[dst] = t[end]; // the token after the unit (the next unit's first, or EOF), as the scanner left it
        tokens = copy;
        end += added;
        return true;
    }

    private static int FunctionName(RawToken[] t, int kind, int brace)
    {
        // .entry NAME ( ... or .func (ret) NAME ( ...: the first identifier at parenthesis depth 0
        int paren = 0;
        for (int i = kind + 1; i < brace; i++)
        {
            if (t[i].Type == T.LPAREN) paren++;
            else if (t[i].Type == T.RPAREN) paren--;
            else if (t[i].Type == T.IDENT && paren == 0) return i;
        }
        return -1;
    }

    private static SyntaxError Unclosed(string text, RawToken[] t, int brace, int kind, int name, int itemStart, int item, int end)
    {
        string Text(int i) => text.Substring(t[i].Start, t[i].Length);
        var fn = $"`{Text(kind)} {(name >= 0 ? Text(name) : "?")}`";
        var b = t[brace];
        var span = new Diagnostics.SourceSpan(b.Line, b.Column + 1, b.Line, b.Column + 2);
        string what;
        if (t[item].Type == T.Eof) what = "the file ends inside it";
        else
        {
            // the next item as written: `.visible .entry k2`, `.version 8.0`
            int last = t[item].Type is T.ENTRY or T.FUNC ? FunctionName(t, item, Math.Min(end, item + 64)) : item + 1;
            if (last < 0 || last >= end || t[last].Type == T.Eof) last = item;
            var words = Enumerable.Range(itemStart, last - itemStart + 1).Where(k => t[k].Type != T.LPAREN && t[k].Type != T.RPAREN).Select(Text);
            what = $"`{string.Join(" ", words)}` at line {t[item].Line} starts a new module item inside it";
        }
        return new SyntaxError(span, $"`{{` of {fn} (line {t[kind].Line}) is never closed")
        {
            Notes = new[]
            {
                t[item].Type == T.Eof
                    ? "The file ends inside this body; ptxas reports a parsing error at the end of the file."
                    : $"{char.ToUpperInvariant(what[0])}{what[1..]}; ptxas would read the rest of the file as part of this body and report a parsing error there.",
                t[item].Type == T.Eof ? "PtxLint closed the body at the end of the file." : "PtxLint closed the body there and analyzed what follows as separate items.",
            },
            Help = $"add the missing `}}` at the end of {fn}'s body (or of an inner `{{ }}` block left open)",
        };
    }
}
