using System.Globalization;
using PtxLint.Ir;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

internal enum ExprKind : byte { Literal, Name, Call, Unary, Cast, Binary, Conditional, Paren }

/// <summary>
/// An expression as the parsers recognize it (grammar rule <c>expression</c>), by token index into the unit's
/// token array: both parsers build these and <see cref="IrBuilder"/> alone decides what they mean.
/// </summary>
internal sealed class ExprNode
{
    public ExprKind Kind;
    /// <summary>Literal: the literal; Name and Call: the identifier; Unary and Binary: the operator; Cast: the type.</summary>
    public int Tok;
    /// <summary>Name: the component (<c>.x</c> of <c>%tid.x</c>) or -1.</summary>
    public int Comp = -1;
    public ExprNode? A, B, C;
    /// <summary>First and last token (inclusive).</summary>
    public int First, Last;

    public static ExprNode Literal(int tok) => new() { Kind = ExprKind.Literal, Tok = tok, First = tok, Last = tok };
    public static ExprNode Name(int tok, int comp) => new() { Kind = ExprKind.Name, Tok = tok, Comp = comp, First = tok, Last = comp >= 0 ? comp : tok };
    public static ExprNode Call(int tok, ExprNode arg, int rparen) => new() { Kind = ExprKind.Call, Tok = tok, A = arg, First = tok, Last = rparen };
    public static ExprNode Unary(int op, ExprNode x) => new() { Kind = ExprKind.Unary, Tok = op, A = x, First = op, Last = x.Last };
    public static ExprNode Cast(int lparen, int type, ExprNode x) => new() { Kind = ExprKind.Cast, Tok = type, A = x, First = lparen, Last = x.Last };
    public static ExprNode Binary(int op, ExprNode l, ExprNode r) => new() { Kind = ExprKind.Binary, Tok = op, A = l, B = r, First = l.First, Last = r.Last };
    public static ExprNode Conditional(ExprNode c, ExprNode t, ExprNode f) => new() { Kind = ExprKind.Conditional, A = c, B = t, C = f, First = c.First, Last = f.Last };
    public static ExprNode Paren(int lparen, ExprNode x, int rparen) => new() { Kind = ExprKind.Paren, Tok = lparen, A = x, First = lparen, Last = rparen };

    /// <summary>Binary operator tokens by precedence level, lowest first (?: is below all of them).</summary>
    internal static int Precedence(int type) => type switch
    {
        T.OROR => 1,
        T.ANDAND => 2,
        T.PIPE => 3,
        T.CARET => 4,
        T.AMP => 5,
        T.EQEQ or T.NEQ => 6,
        T.LT or T.GT or T.LE or T.GE => 7,
        T.SHL or T.SHR => 8,
        T.PLUS or T.MINUS => 9,
        T.STAR or T.SLASH or T.PERCENT => 10,
        _ => 0,
    };

    public const int MaxPrecedence = 10;
}

/// <summary>
/// Evaluates constant expressions by the rules of the PTX ISA (section "Constant Expressions"): integers are 64-bit,
/// signed unless a literal has the <c>U</c> suffix or does not fit in .s64; + - * / &amp; | ^ and the ordered comparisons
/// convert both operands to unsigned when either is; % works on unsigned values; &lt;&lt; and &gt;&gt; keep the type of the
/// first operand (&gt;&gt; of a signed value is arithmetic); ~ gives an unsigned result; ! &amp;&amp; || == != and the comparisons
/// give a signed 0 or 1; (.s64) and (.u64) cast; floating-point operands make + - * / and the comparisons work in f64.
/// Everything is defined: shifts by 64 or more give 0 (or the sign for &gt;&gt; of a negative value); only a division or
/// remainder by zero, an integer operator on a floating-point value and a cast to another type are errors.
/// </summary>
internal static class ConstantExpressions
{
    /// <summary>
    /// The value of <paramref name="e"/> when it is a constant expression. False when it names a register or symbol
    /// (not a constant, no <paramref name="problem"/>), or when it is invalid (<paramref name="problem"/> says why).
    /// </summary>
    public static bool TryEvaluate(ExprNode e, string text, RawToken[] tokens, out ConstantValue value, out string? problem)
    {
        problem = null;
        return Eval(e, text, tokens, out value, ref problem);
    }

    /// <summary><see cref="TryEvaluate"/> of an expression that is the one literal token <paramref name="tok"/>.</summary>
    public static bool TryEvaluateLiteral(int tok, string text, RawToken[] tokens, out ConstantValue value)
    {
        string? problem = null;
        return Literal(text, tokens, tok, out value, ref problem);
    }

    private static string TokText(string text, RawToken[] t, int i) => text.Substring(t[i].Start, t[i].Length);

    private static ReadOnlySpan<char> TokSpan(string text, RawToken[] t, int i) => text.AsSpan(t[i].Start, t[i].Length);

    private static bool Eval(ExprNode e, string text, RawToken[] t, out ConstantValue v, ref string? problem)
    {
        v = default;
        switch (e.Kind)
        {
            case ExprKind.Literal:
                return Literal(text, t, e.Tok, out v, ref problem);
            case ExprKind.Paren:
                return Eval(e.A!, text, t, out v, ref problem);
            case ExprKind.Name:
            case ExprKind.Call:
                return false;
            case ExprKind.Cast:
            {
                if (!Eval(e.A!, text, t, out var x, ref problem)) return false;
                var type = TokSpan(text, t, e.Tok);
                if (type.SequenceEqual(".s64")) { v = ConstantValue.Signed(x.Int); return true; }
                if (type.SequenceEqual(".u64")) { v = ConstantValue.Unsigned(x.UInt); return true; }
                problem ??= $"a constant expression can only be cast to (.s64) or (.u64), not ({type})";
                return false;
            }
            case ExprKind.Unary:
            {
                if (!Eval(e.A!, text, t, out var x, ref problem)) return false;
                switch (t[e.Tok].Type)
                {
                    case T.PLUS: v = x; return true;
                    case T.MINUS:
                        v = x.Kind == ConstantKind.Float ? ConstantValue.Float(-x.Double) : new ConstantValue(x.Kind, unchecked(-x.Bits));
                        return true;
                    case T.BANG: v = ConstantValue.Signed(x.IsTrue ? 0 : 1); return true;
                    case T.TILDE:
                        if (!x.IsInteger) { problem ??= "'~' needs an integer operand"; return false; }
                        v = ConstantValue.Unsigned(~x.UInt);
                        return true;
                }
                return false;
            }
            case ExprKind.Conditional:
            {
                if (!Eval(e.A!, text, t, out var c, ref problem)) return false;
                if (!c.IsInteger) { problem ??= "the condition of '?:' must be an integer"; return false; }
                bool okB = Eval(e.B!, text, t, out var b, ref problem);
                bool okC = Eval(e.C!, text, t, out var f, ref problem);
                if (!okB || !okC) return false;
                if (b.IsInteger != f.IsInteger) { problem ??= "the two results of '?:' must both be integers or both floating-point"; return false; }
                var chosen = c.IsTrue ? b : f;
                if (!b.IsInteger) v = ConstantValue.Float(chosen.Double);
                else v = b.IsUnsigned || f.IsUnsigned ? ConstantValue.Unsigned(chosen.UInt) : ConstantValue.Signed(chosen.Int);
                return true;
            }
            case ExprKind.Binary:
            {
                bool okA = Eval(e.A!, text, t, out var a, ref problem);
                bool okB = Eval(e.B!, text, t, out var b, ref problem);
                if (!okA || !okB) return false;
                return Binary(t[e.Tok].Type, TokText(text, t, e.Tok), a, b, out v, ref problem);
            }
        }
        return false;
    }

    private static bool Literal(string text, RawToken[] t, int tok, out ConstantValue v, ref string? problem)
    {
        v = default;
        var s = TokSpan(text, t, tok);
        switch (t[tok].Type)
        {
            case T.INT:
                if (!IntLiteral(s, out var bits, out bool unsigned)) { problem ??= $"the integer literal {s} does not fit in 64 bits"; return false; }
                v = unsigned ? ConstantValue.Unsigned(bits) : ConstantValue.Signed(unchecked((long)bits));
                return true;
            case T.FLOAT_HEX:
                v = ConstantValue.Float(ParseFloatHex(s));
                return true;
            case T.FLOAT:
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) { v = ConstantValue.Float(d); return true; }
                return false;
        }
        return false; // strings and directive names are not constants
    }

    private static bool Binary(int op, string opText, ConstantValue a, ConstantValue b, out ConstantValue v, ref string? problem)
    {
        v = default;
        bool isFloat = !a.IsInteger || !b.IsInteger;
        bool unsigned = a.IsUnsigned || b.IsUnsigned;
        switch (op)
        {
            case T.PLUS or T.MINUS or T.STAR or T.SLASH:
                if (isFloat)
                {
                    double x = a.Double, y = b.Double;
                    v = ConstantValue.Float(op switch { T.PLUS => x + y, T.MINUS => x - y, T.STAR => x * y, _ => x / y });
                    return true;
                }
                if (op == T.SLASH)
                {
                    if (b.Bits == 0) { problem ??= "division by zero in a constant expression"; return false; }
                    if (unsigned) { v = ConstantValue.Unsigned(a.UInt / b.UInt); return true; }
                    v = ConstantValue.Signed(b.Bits == -1 ? unchecked(-a.Bits) : a.Bits / b.Bits);
                    return true;
                }
                long r = op switch { T.PLUS => unchecked(a.Bits + b.Bits), T.MINUS => unchecked(a.Bits - b.Bits), _ => unchecked(a.Bits * b.Bits) };
                v = new ConstantValue(unsigned ? ConstantKind.Unsigned : ConstantKind.Signed, r);
                return true;
            case T.PERCENT:
                if (isFloat) break;
                if (b.Bits == 0) { problem ??= "remainder by zero in a constant expression"; return false; }
                v = ConstantValue.Unsigned(a.UInt % b.UInt);
                return true;
            case T.SHL or T.SHR:
            {
                if (isFloat) break;
                ulong n = b.UInt;
                if (op == T.SHL) v = new ConstantValue(a.Kind, n >= 64 ? 0 : a.Bits << (int)n);
                else if (a.IsUnsigned) v = ConstantValue.Unsigned(n >= 64 ? 0 : a.UInt >> (int)n);
                else v = ConstantValue.Signed(n >= 64 ? (a.Bits < 0 ? -1 : 0) : a.Bits >> (int)n);
                return true;
            }
            case T.AMP or T.PIPE or T.CARET:
                if (isFloat) break;
                v = new ConstantValue(unsigned ? ConstantKind.Unsigned : ConstantKind.Signed,
                    op switch { T.AMP => a.Bits & b.Bits, T.PIPE => a.Bits | b.Bits, _ => a.Bits ^ b.Bits });
                return true;
            case T.ANDAND:
                v = ConstantValue.Signed(a.IsTrue && b.IsTrue ? 1 : 0);
                return true;
            case T.OROR:
                v = ConstantValue.Signed(a.IsTrue || b.IsTrue ? 1 : 0);
                return true;
            case T.EQEQ or T.NEQ or T.LT or T.GT or T.LE or T.GE:
            {
                bool res;
                if (isFloat)
                {
                    double x = a.Double, y = b.Double;
                    res = op switch { T.EQEQ => x == y, T.NEQ => x != y, T.LT => x < y, T.GT => x > y, T.LE => x <= y, _ => x >= y };
                }
                else
                {
                    int cmp = unsigned ? a.UInt.CompareTo(b.UInt) : a.Bits.CompareTo(b.Bits);
                    res = op switch { T.EQEQ => cmp == 0, T.NEQ => cmp != 0, T.LT => cmp < 0, T.GT => cmp > 0, T.LE => cmp <= 0, _ => cmp >= 0 };
                }
                v = ConstantValue.Signed(res ? 1 : 0);
                return true;
            }
            default:
                return false;
        }
        problem ??= $"'{opText}' needs integer operands, not floating-point ones";
        return false;
    }

    /// <summary>
    /// An integer literal: decimal, hexadecimal (<c>0x</c>), octal (a leading 0) or binary (<c>0b</c>), with an optional
    /// <c>U</c> suffix. Unsigned when it has the suffix or does not fit in .s64. False when it does not fit in 64 bits.
    /// </summary>
    internal static bool IntLiteral(ReadOnlySpan<char> s, out ulong value, out bool unsigned)
    {
        value = 0;
        unsigned = false;
        if (s.Length > 1 && s[^1] == 'U') { s = s[..^1]; unsigned = true; }
        if (s.Length == 0) return false;
        ulong v = 0;
        try
        {
            if (s.Length > 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
            {
                if (!ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v)) return false;
            }
            else if (s.Length > 2 && s[0] == '0' && (s[1] | 0x20) == 'b')
            {
                foreach (var c in s[2..])
                {
                    if (c != '0' && c != '1') return false;
                    v = checked(v * 2 + (ulong)(c - '0'));
                }
            }
            else if (s.Length > 1 && s[0] == '0')
            {
                foreach (var c in s[1..])
                {
                    if (c < '0' || c > '7') return false;
                    v = checked(v * 8 + (ulong)(c - '0'));
                }
            }
            else if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v)) return false;
        }
        catch (OverflowException)
        {
            return false;
        }
        value = v;
        if (v > long.MaxValue) unsigned = true;
        return true;
    }

    /// <summary>An integer literal's 64 bits (see <see cref="IntLiteral"/>); false when it is not one.</summary>
    internal static bool TryParseInt(string text, out long value)
    {
        bool ok = IntLiteral(text, out var v, out _);
        value = unchecked((long)v);
        return ok;
    }

    /// <summary>The value of a <c>0fXXXXXXXX</c> (f32 bits) or <c>0dXXXXXXXXXXXXXXXX</c> (f64 bits) literal.</summary>
    internal static double ParseFloatHex(ReadOnlySpan<char> text)
    {
        var hex = text[2..];
        if (!ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits)) return double.NaN;
        return (text[1] | 0x20) == 'f' ? BitConverter.Int32BitsToSingle((int)(uint)bits) : BitConverter.Int64BitsToDouble((long)bits);
    }
}
