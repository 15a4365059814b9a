using System.Text.RegularExpressions;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Tests.Analysis;

/// <summary>
/// A stop-gap line parser for the small PTX subset the analysis tests use, only while the real parser
/// (PtxLint.Syntax.PtxParserDriver) is not on this branch; <see cref="AnalysisTestUtil.Parse"/> prefers the real one.
/// </summary>
internal static class MiniPtx
{
    public static PtxModule Parse(string path, string text)
    {
        var m = new PtxModule(path, new SourceText(text));
        PtxFunction? fn = null;
        int line = 0;
        foreach (var raw in text.Split('\n'))
        {
            line++;
            var l = raw;
            int c = l.IndexOf("//", StringComparison.Ordinal);
            if (c >= 0) l = l[..c];
            l = l.Trim();
            if (l.Length == 0) continue;
            if (fn is null)
            {
                if (l.StartsWith(".version")) m.PtxVersion = Version.Parse(l.Split(' ')[1]);
                else if (l.StartsWith(".target")) m.Targets.Add(l.Split(' ')[1]);
                else if (l.Contains(".entry") || l.Contains(".func"))
                {
                    bool entry = l.Contains(".entry");
                    var head = l;
                    string? retList = null;
                    if (!entry && head.IndexOf(".func", StringComparison.Ordinal) is var fi && head[(fi + 5)..].TrimStart().StartsWith("("))
                    {
                        int o = head.IndexOf('(', fi), e = head.IndexOf(')', o);
                        retList = head[(o + 1)..e];
                        head = head[(e + 1)..];
                    }
                    var mm = Regex.Match(head, @"(?:\.entry|\.func)?\s*([\w$]+)\s*\((.*)\)");
                    if (!mm.Success) mm = Regex.Match(head, @"([\w$]+)\s*(?:\((.*)\))?");
                    fn = new PtxFunction(m, mm.Groups[1].Value, entry) { HasBody = true };
                    int idx = 0;
                    foreach (Match p in Regex.Matches(mm.Groups[2].Value, @"\.param\s+(\.\w+)\s+([\w$]+)"))
                        fn.Parameters.Add(new Parameter { Name = p.Groups[2].Value, Index = idx++, TypeName = p.Groups[1].Value, ElementSize = Types.ByteSize(p.Groups[1].Value) });
                    if (retList is not null)
                        foreach (Match p in Regex.Matches(retList, @"\.param\s+(\.\w+)\s+([\w$]+)"))
                            fn.ReturnParameters.Add(new Parameter { Name = p.Groups[2].Value, Index = 0, TypeName = p.Groups[1].Value, ElementSize = Types.ByteSize(p.Groups[1].Value) });
                    m.Functions.Add(fn);
                }
                continue;
            }
            if (l == "{") continue;
            if (l == "}") { fn = null; continue; }
            if (l.EndsWith(':')) { fn.Labels[l[..^1]] = fn.Instructions.Count; continue; }
            l = l.TrimEnd(';').Trim();
            if (l.StartsWith(".reg"))
            {
                var r = Regex.Match(l, @"\.reg\s+(\.\w+)\s+(%\w+?)<(\d+)>");
                fn.RegisterDecls.Add(new RegisterDecl { Prefix = r.Groups[2].Value, Count = int.Parse(r.Groups[3].Value), TypeName = r.Groups[1].Value, Bits = Types.BitWidth(r.Groups[1].Value) });
                continue;
            }
            if (l.StartsWith(".shared") || l.StartsWith(".local"))
            {
                var parts = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var name = parts[^1];
                var type = parts.Last(p => Types.IsType(p));
                fn.LocalSymbols[name] = new VariableSymbol { Name = name, Space = StateSpaces.Parse(parts[0]), TypeName = type, ElementSize = Types.ByteSize(type), ElementCount = 1, Owner = fn };
                continue;
            }
            RegisterOperand? guard = null;
            if (l.StartsWith('@'))
            {
                int sp = l.IndexOf(' ');
                var g = l[1..sp];
                guard = g.StartsWith('!') ? new RegisterOperand(g[1..], true) : new RegisterOperand(g);
                l = l[(sp + 1)..].Trim();
            }
            int s2 = l.IndexOf(' ');
            var op = s2 < 0 ? l : l[..s2];
            var rest = s2 < 0 ? "" : l[(s2 + 1)..];
            var dot = op.Split('.');
            var mods = dot.Skip(1).Select(x => "." + x).ToArray();
            var operands = SplitTop(rest).Select(x => Operand(fn, x.Trim())).ToList();
            fn.Instructions.Add(new Instruction(fn, fn.Instructions.Count, dot[0], mods, operands)
            { Guard = guard, Span = new Diagnostics.SourceSpan(line, 1, line, raw.Length + 1) });
        }
        return m;
    }

    private static IEnumerable<string> SplitTop(string s)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is '[' or '{' or '(') depth++;
            else if (s[i] is ']' or '}' or ')') depth--;
            else if (s[i] == ',' && depth == 0) { yield return s[start..i]; start = i + 1; }
        }
        if (s.Trim().Length > 0) yield return s[start..];
    }

    private static Operand Operand(PtxFunction fn, string t)
    {
        if (t.StartsWith('['))
        {
            var inner = t[1..^1];
            long off = 0;
            int plus = inner.IndexOf('+');
            if (plus >= 0) { off = long.Parse(inner[(plus + 1)..]); inner = inner[..plus]; }
            if (inner.StartsWith('%')) return new AddressOperand { BaseRegister = (RegisterOperand)Operand(fn, inner), Offset = off };
            if (long.TryParse(inner, out var abs)) return new AddressOperand { Offset = abs };
            return new AddressOperand { BaseSymbol = inner, Offset = off };
        }
        if (t.StartsWith('{')) return new VectorOperand(SplitTop(t[1..^1]).Select(x => Operand(fn, x.Trim())).ToList());
        if (t.StartsWith('%'))
        {
            int d = t.IndexOf('.');
            if (d > 0 && SpecialRegisters.IsSpecial(t[..d])) return new RegisterOperand(t[..d]) { IsSpecial = true, Component = t[(d + 1)..] };
            if (SpecialRegisters.IsSpecial(t)) return new RegisterOperand(t) { IsSpecial = true };
            return new RegisterOperand(t);
        }
        if (long.TryParse(t, out var v)) return new ImmediateOperand(v, t);
        return new SymbolOperand(t);
    }
}
