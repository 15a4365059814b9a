using System.Globalization;
using System.Text;
using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// A deterministic, readable dump of a module and the shared analyses of its functions, for <c>ptxlint ir FILE [--function NAME]</c>.
/// </summary>
public static class IrPrinter
{
    public static string Print(PtxModule module, string? functionName = null)
    {
        var sb = new StringBuilder();
        sb.Append("module ").Append(module.FilePath).Append('\n');
        sb.Append("  .version ").Append(module.PtxVersion?.ToString() ?? "?")
          .Append("  .target ").Append(module.Targets.Count == 0 ? "?" : string.Join(",", module.Targets))
          .Append("  .address_size ").Append(module.AddressSize.ToString(CultureInfo.InvariantCulture))
          .Append(module.HasAddressSizeDirective ? "" : " (default)").Append('\n');
        foreach (var kv in module.Files.OrderBy(k => k.Key))
            sb.Append("  .file ").Append(kv.Key).Append(' ').Append(kv.Value).Append('\n');
        foreach (var g in module.Globals.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
            sb.Append("  global ").Append(Variable(g)).Append('\n');
        if (module.Errors.Count > 0) sb.Append("  errors: ").Append(module.Errors.Count).Append('\n');

        bool any = false;
        foreach (var fn in module.Functions)
        {
            if (functionName is not null && fn.Name != functionName) continue;
            any = true;
            sb.Append('\n');
            PrintFunction(sb, fn);
        }
        if (functionName is not null && !any) sb.Append("\nno function named ").Append(functionName).Append('\n');
        return sb.ToString();
    }

    private static string Variable(VariableSymbol v)
    {
        var s = new StringBuilder();
        s.Append('.').Append(v.Space.ToString().ToLowerInvariant()).Append(' ');
        if (v.Alignment is int a) s.Append(".align ").Append(a).Append(' ');
        if (v.VectorWidth > 1) s.Append(".v").Append(v.VectorWidth).Append(' ');
        s.Append(v.TypeName ?? "?").Append(' ').Append(v.Name);
        if (v.ElementCount is null) s.Append("[]");
        else if (v.ElementCount != 1) s.Append('[').Append(v.ElementCount).Append(']');
        s.Append(v.ByteSize is long b ? $" ({b} bytes)" : " (size unknown)");
        if (v.IsExtern) s.Append(" extern");
        if (v.HasInitializer) s.Append(" initialized");
        return s.ToString();
    }

    private static string B(BasicBlock? b) => b is null ? "-" : b.ToString();

    private static string Blocks(IEnumerable<BasicBlock> bs)
    {
        var l = bs.OrderBy(b => b.Id).Select(B).ToList();
        return l.Count == 0 ? "-" : string.Join(", ", l);
    }

    private static string U(Uniformity u) => u switch
    {
        Uniformity.Uniform => "uniform",
        Uniformity.WarpUniform => "warp-uniform",
        _ => "varying",
    };

    private static void PrintFunction(StringBuilder sb, PtxFunction fn)
    {
        sb.Append(fn.IsEntry ? ".entry " : ".func ").Append(fn.Name);
        if (!fn.HasBody) { sb.Append(" (declaration)\n"); return; }
        sb.Append('\n');
        foreach (var p in fn.ReturnParameters)
            sb.Append("  return ").Append(p.TypeName).Append(' ').Append(p.Name).Append('\n');
        foreach (var p in fn.Parameters)
        {
            sb.Append("  param ").Append(p.Index).Append(' ').Append(p.TypeName).Append(' ').Append(p.Name);
            if (p.ElementCount != 1) sb.Append('[').Append(p.ElementCount).Append(']');
            sb.Append(" (").Append(p.ByteSize).Append(" bytes)");
            if (p.IsPointerAttr) sb.Append(" .ptr ").Append(p.PointeeSpace.ToString().ToLowerInvariant());
            sb.Append('\n');
        }
        var perf = fn.Performance;
        if (perf.MaxNtid is not null) sb.Append("  .maxntid ").Append(string.Join(",", perf.MaxNtid)).Append('\n');
        if (perf.ReqNtid is not null) sb.Append("  .reqntid ").Append(string.Join(",", perf.ReqNtid)).Append('\n');
        foreach (var v in fn.LocalSymbols.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
            sb.Append("  local ").Append(Variable(v)).Append('\n');

        var fa = fn.Analyses;
        var cfg = fa.Cfg;
        var dom = fa.Dominators;
        var pdom = fa.PostDominators;
        var loops = fa.Loops;
        var cd = fa.ControlDependence;
        var uni = fa.Uniformity;
        var insns = fn.Instructions;

        foreach (var b in cfg.Blocks)
        {
            sb.Append("  ").Append(B(b));
            if (!b.IsExit) sb.Append(" [").Append(b.Start).Append("..").Append(b.End).Append(')');
            if (b.Labels.Count > 1) sb.Append(" labels ").Append(string.Join(", ", b.Labels));
            sb.Append('\n');
            sb.Append("    preds: ").Append(Blocks(b.Predecessors)).Append("  succs: ").Append(Blocks(b.Successors)).Append('\n');
            sb.Append("    idom: ").Append(B(dom.ImmediateDominator(b))).Append("  ipdom: ").Append(B(pdom.ImmediateDominator(b)));
            var loop = loops.LoopOf(b);
            sb.Append("  loop: ").Append(loop is null ? "-" : $"{B(loop.Header)} (depth {loop.Depth})");
            if (!dom.IsReachable(b) && b != dom.Root) sb.Append("  unreachable");
            sb.Append('\n');
            var ctl = cd.BranchesControlling(b);
            if (ctl.Count > 0)
                sb.Append("    control dependent on: ")
                  .Append(string.Join(", ", ctl.Select(br => $"#{br.Index}" + (uni.IsDivergentBranch(br) ? " (divergent)" : ""))))
                  .Append('\n');
            for (int i = b.Start; i < b.End; i++)
            {
                var insn = insns[i];
                sb.Append("    #").Append(i).Append("  ").Append(insn);
                if (insn.Defs.Length > 0)
                    sb.Append("   defs ").Append(string.Join(" ", insn.Defs.Select(d => d.FullName))).Append(" : ").Append(U(uni.OfDef(insn)));
                if (insn.Uses.Length > 0)
                    sb.Append("   uses ").Append(string.Join(" ", insn.Uses.Select(r => r.FullName + "=" + U(uni.OfUse(insn, r)))));
                if (uni.IsDivergentBranch(insn)) sb.Append("   DIVERGENT ").Append(U(uni.OfBranch(insn)));
                sb.Append('\n');
            }
        }

        if (loops.Loops.Count > 0)
        {
            sb.Append("  loops:\n");
            foreach (var l in loops.Loops)
            {
                sb.Append("    header ").Append(B(l.Header)).Append(" depth ").Append(l.Depth)
                  .Append(" parent ").Append(l.Parent is null ? "-" : B(l.Parent.Header)).Append('\n');
                sb.Append("      blocks: ").Append(Blocks(l.Blocks)).Append("  latches: ").Append(Blocks(l.Latches)).Append('\n');
                foreach (var e in l.ExitBranches)
                    sb.Append("      exit #").Append(e.Index).Append(' ').Append(e).Append(uni.IsDivergentBranch(e) ? "  (divergent)" : "").Append('\n');
            }
        }
        var divergent = insns.Where(uni.IsDivergentBranch).ToList();
        if (divergent.Count > 0)
        {
            sb.Append("  divergent branches:\n");
            foreach (var br in divergent)
            {
                sb.Append("    #").Append(br.Index).Append(' ').Append(br).Append(" : ").Append(U(uni.OfBranch(br)));
                var cond = br.Guard ?? br.Uses.FirstOrDefault();
                if (cond is not null)
                {
                    var chain = uni.Explain(br, cond);
                    if (chain.Count > 0) sb.Append("  because ").Append(string.Join(" -> ", chain.Select(c => "#" + c.Index)));
                }
                sb.Append('\n');
            }
        }
    }
}
