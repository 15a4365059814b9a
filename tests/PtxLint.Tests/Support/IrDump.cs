using System.Text;
using PtxLint.Ir;

namespace PtxLint.Tests.Support;

/// <summary>A complete, deterministic text form of the IR, used to compare the fast parser with the ANTLR parser.</summary>
public static class IrDump
{
    public static string Dump(PtxModule m)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"version {m.PtxVersion} target {string.Join(",", m.Targets)} addr {m.AddressSize}");
        foreach (var kv in m.Files.OrderBy(k => k.Key)) sb.AppendLine($"file {kv.Key} {kv.Value}");
        foreach (var g in m.Globals.Values.OrderBy(g => g.Name, StringComparer.Ordinal)) sb.AppendLine("global " + Var(g));
        foreach (var e in m.Errors) sb.AppendLine($"error {e.Span} {e.Message}");
        foreach (var f in m.Functions)
        {
            sb.AppendLine($"{(f.IsEntry ? "entry" : "func")} {f.Name} body={f.HasBody} vis={f.IsVisible} ext={f.IsExtern} span={S(f.Span)} name={S(f.NameSpan)}");
            foreach (var p in f.ReturnParameters) sb.AppendLine("  ret " + Param(p));
            foreach (var p in f.Parameters) sb.AppendLine("  param " + Param(p));
            var perf = f.Performance;
            sb.AppendLine($"  perf maxntid={J(perf.MaxNtid)} reqntid={J(perf.ReqNtid)} maxnreg={perf.MaxNReg} minncta={perf.MinNCtaPerSm} noreturn={perf.NoReturn} pragmas={string.Join("|", perf.Pragmas)}");
            foreach (var r in f.RegisterDecls) sb.AppendLine($"  reg {r.Prefix} n={r.Count} {r.TypeName} bits={r.Bits} {S(r.Span)}");
            foreach (var v in f.LocalSymbols.Values.OrderBy(v => v.Name, StringComparer.Ordinal)) sb.AppendLine("  local " + Var(v));
            foreach (var l in f.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) sb.AppendLine($"  label {l.Key} -> {l.Value} {S(f.LabelSpans[l.Key])}");
            foreach (var b in f.BranchTargets.OrderBy(l => l.Key, StringComparer.Ordinal)) sb.AppendLine($"  branchtargets {b.Key}: {string.Join(",", b.Value)}");
            foreach (var i in f.Instructions)
            {
                sb.Append("  ").Append(i.Index).Append(' ').Append(S(i.Span)).Append(' ');
                if (i.Guard is not null) sb.Append('@').Append(Op(i.Guard)).Append(' ');
                sb.Append(i.Opcode).Append(string.Concat(i.Modifiers));
                foreach (var o in i.Operands) sb.Append(" | ").Append(Op(o));
                if (i.Loc is { } loc) sb.Append($" loc={loc.File}:{loc.Line}:{loc.Column}{(loc.InlinedAt is { } a ? $"@{a.File}:{a.Line}:{a.Column}" : "")}{(loc.FunctionName is null ? "" : "/" + loc.FunctionName)}");
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    private static string S(PtxLint.Diagnostics.SourceSpan s) => $"{s.StartLine}:{s.StartColumn}-{s.EndLine}:{s.EndColumn}";
    private static string J(int[]? a) => a is null ? "-" : string.Join(",", a);
    private static string Var(VariableSymbol v) =>
        $"{v.Name} {v.Space} {v.TypeName} es={v.ElementSize} vw={v.VectorWidth} n={v.ElementCount} align={v.Alignment} ext={v.IsExtern} vis={v.IsVisible} init={v.HasInitializer}{Init(v.Initializer)} {S(v.Span)}";

    // an initializer's top-level count, element count and a digest of every element (kind, value, text): a table of
    // 200,000 values is one short line, and any element that differs changes it
    private static string Init(Initializer? init)
    {
        if (init is null) return "";
        ulong h = 14695981039346656037UL;
        foreach (var e in init.Elements)
            foreach (char c in $"{(int)e.Kind}:{e.Value.Kind}:{e.Value.Bits}:{e.Text};")
                h = (h ^ c) * 1099511628211UL;
        return $"({init.TopLevelCount},{init.Elements.Count},{h:x16})";
    }
    private static string Param(Parameter p) =>
        $"{p.Index} {p.Name} {p.TypeName} es={p.ElementSize} n={p.ElementCount} align={p.Alignment} ptr={p.IsPointerAttr} pointee={p.PointeeSpace} space={p.Space} {S(p.Span)}";

    public static string Op(Operand o) => o switch
    {
        RegisterOperand r => $"reg({(r.Negated ? "!" : "")}{r.Name}{(r.Component is null ? "" : "." + r.Component)}{(r.IsSpecial ? ",sp" : "")})@{S(r.Span)}",
        ImmediateOperand i => $"imm({i.Value},{i.Text})@{S(i.Span)}",
        FloatImmediateOperand f => $"fimm({f.Value:R},{f.Text})@{S(f.Span)}",
        SymbolOperand s => $"sym({s.Name}+{s.Offset})@{S(s.Span)}",
        AddressOperand a => $"addr({(a.BaseRegister is null ? "" : Op(a.BaseRegister))};{a.BaseSymbol};{(a.IndexRegister is null ? "" : Op(a.IndexRegister))};{a.Offset};[{string.Join(",", a.Extra.Select(Op))}])@{S(a.Span)}",
        VectorOperand v => $"vec({string.Join(",", v.Elements.Select(Op))})@{S(v.Span)}",
        ParenListOperand p => $"paren({string.Join(",", p.Elements.Select(Op))})@{S(p.Span)}",
        SinkOperand s => $"sink@{S(s.Span)}",
        DualPredicateOperand d => $"dual({Op(d.First)},{Op(d.Second)})@{S(d.Span)}",
        StringOperand s => $"str({s.Text})@{S(s.Span)}",
        ExpressionOperand e => $"expr({e.Text};{string.Join(",", e.Regs.Select(Op))})@{S(e.Span)}",
        _ => o.ToString() ?? "",
    };
}
