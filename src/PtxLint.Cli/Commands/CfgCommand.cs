using System.CommandLine;
using System.Text;
using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Cli.Commands;

/// <summary>
/// <c>ptxlint cfg FILE --kernel NAME [--format dot|text]</c>: the control-flow graph of one kernel (or function) with
/// its findings, as Graphviz dot (<c>| dot -Tsvg &gt; cfg.svg</c>) or text. Blocks and instructions with findings are
/// red with the rule id; the blocks and edges of a finding's code flow (the divergent branch and the barrier it
/// guards ...) and its related locations are highlighted too.
/// </summary>
public static class CfgCommand
{
    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("file") { Description = "A PTX file." };
        var kernel = new Option<string?>("--kernel", "--function", "-k")
        {
            Description = "The kernel or function to draw [default: the only one with a body].",
            HelpName = "NAME",
        };
        var format = new Option<string>("--format", "-f") { Description = "dot (Graphviz) or text.", DefaultValueFactory = _ => "dot" };
        format.AcceptOnlyFromAmong("dot", "text");
        var config = new Option<string?>("--config") { Description = "Use this ptxlint.json (no search upwards).", HelpName = "PATH" };
        var cmd = new Command("cfg", "Draw a kernel's control-flow graph with its findings highlighted (Graphviz dot or text).")
        {
            file, kernel, format, config,
        };
        cmd.SetAction(parse => Run(ctx, parse.GetValue(file)!, parse.GetValue(kernel), parse.GetValue(format) ?? "dot", parse.GetValue(config)));
        return cmd;
    }

    public static int Run(CliContext ctx, string path, string? kernelName, string format, string? configPath)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory"
                : e is UnauthorizedAccessException ? "Permission denied" : e.Message;
            ctx.Error.WriteLine($"ptxlint: error: cannot read '{path}': {reason}");
            return ExitCodes.Usage;
        }
        var full = Path.GetFullPath(path);
        var parser = ctx.Parser ?? Syntax.PtxParserDriver.Parse;
        var module = parser(full, text);

        var withBody = module.Functions.Where(f => f.HasBody).ToList();
        PtxFunction? fn;
        if (kernelName is null)
        {
            if (withBody.Count != 1)
            {
                ctx.Error.WriteLine(withBody.Count == 0
                    ? $"ptxlint: error: no kernel or function with a body in '{path}'"
                    : $"ptxlint: error: '{path}' has {withBody.Count} functions; choose one with --kernel NAME ({string.Join(", ", withBody.Select(f => f.Name))})");
                return ExitCodes.Usage;
            }
            fn = withBody[0];
        }
        else
        {
            fn = module.FindFunction(kernelName);
            if (fn is null || !fn.HasBody)
            {
                ctx.Error.WriteLine($"ptxlint: error: no kernel or function '{kernelName}' with a body in '{path}'" +
                    (withBody.Count > 0 ? $" (functions: {string.Join(", ", withBody.Select(f => f.Name))})" : ""));
                return ExitCodes.Usage;
            }
        }

        List<Finding> findings;
        try
        {
            var probe = new AnalysisEngine(new AnalysisOptions { Rules = ctx.Rules });
            var resolver = new ConfigResolver(probe.AllRules, configPath);
            var engine = new AnalysisEngine(new AnalysisOptions { Rules = ctx.Rules, Parser = parser, Config = resolver });
            findings = engine.AnalyzeText(full, text, resolver.For(full)).Findings
                .Where(f => f.Suppression is null && f.Location.FilePath == full).ToList();
        }
        catch (ConfigException e)
        {
            ctx.Error.WriteLine($"ptxlint: error: {e.Message}");
            return ExitCodes.Usage;
        }

        var graph = CfgGraph.Build(fn, findings);
        ctx.Out.Write(format == "text" ? graph.ToText(module.Source) : graph.ToDot(module.Source, Path.GetFileName(full)));
        return ExitCodes.Ok;
    }
}

/// <summary>A function's CFG with the findings mapped onto its instructions, blocks and edges.</summary>
public sealed class CfgGraph
{
    private CfgGraph(PtxFunction fn) { Function = fn; Cfg = fn.Analyses.Cfg; }

    public PtxFunction Function { get; }
    public ControlFlowGraph Cfg { get; }
    /// <summary>Findings by instruction index.</summary>
    public Dictionary<int, List<Finding>> FindingsAt { get; } = new();
    /// <summary>Instruction indexes on a finding's code flow or related locations (not the finding itself).</summary>
    public HashSet<int> FlowInstructions { get; } = new();
    public HashSet<BasicBlock> FlowBlocks { get; } = new();
    public HashSet<(int From, int To)> FlowEdges { get; } = new();
    /// <summary>Findings of the function that are not at an instruction (e.g. at its name).</summary>
    public List<Finding> Other { get; } = new();

    public static string NodeId(BasicBlock b) => b.IsExit ? "B_exit" : $"B{b.Id}";

    public static CfgGraph Build(PtxFunction fn, IReadOnlyList<Finding> findings)
    {
        var g = new CfgGraph(fn);
        var byLine = new Dictionary<int, Instruction>();
        foreach (var insn in fn.Instructions)
            byLine.TryAdd(insn.Span.StartLine, insn);
        int firstLine = fn.Instructions.Count > 0 ? fn.Instructions[0].Span.StartLine : int.MaxValue;
        int lastLine = fn.Instructions.Count > 0 ? fn.Instructions[^1].Span.StartLine : int.MinValue;
        Instruction? At(Location l) => byLine.TryGetValue(l.Span.StartLine, out var i) ? i : null;

        foreach (var f in findings)
        {
            bool mine = f.FunctionName == fn.Name || (f.FunctionName is null && f.Location.Span.StartLine >= firstLine && f.Location.Span.StartLine <= lastLine);
            if (!mine) continue;
            if (At(f.Location) is { } insn)
            {
                if (!g.FindingsAt.TryGetValue(insn.Index, out var list)) g.FindingsAt[insn.Index] = list = new();
                list.Add(f);
            }
            else
            {
                g.Other.Add(f);
            }
            foreach (var r in f.Related)
                if (At(r.Location) is { } ri) { g.FlowInstructions.Add(ri.Index); g.FlowBlocks.Add(g.Cfg.BlockOf(ri)); }
            foreach (var flow in f.CodeFlows)
            {
                BasicBlock? prev = null;
                var steps = flow.Steps.Select(s => At(s.Location)).Where(i => i is not null).Select(i => i!).ToList();
                if (At(f.Location) is { } end && (steps.Count == 0 || steps[^1] != end)) steps.Add(end);
                foreach (var si in steps)
                {
                    g.FlowInstructions.Add(si.Index);
                    var b = g.Cfg.BlockOf(si);
                    g.FlowBlocks.Add(b);
                    if (prev is not null && prev != b)
                    {
                        var path = ShortestPath(prev, b);
                        for (int k = 0; k + 1 < path.Count; k++) { g.FlowEdges.Add((path[k].Id, path[k + 1].Id)); g.FlowBlocks.Add(path[k + 1]); }
                    }
                    prev = b;
                }
            }
        }
        return g;
    }

    /// <summary>The shortest path of blocks from <paramref name="from"/> to <paramref name="to"/> (just the two when there is none).</summary>
    private static List<BasicBlock> ShortestPath(BasicBlock from, BasicBlock to)
    {
        var parent = new Dictionary<BasicBlock, BasicBlock?> { [from] = null };
        var queue = new Queue<BasicBlock>();
        queue.Enqueue(from);
        while (queue.Count > 0)
        {
            var b = queue.Dequeue();
            if (b == to) break;
            foreach (var s in b.Successors)
                if (parent.TryAdd(s, b)) queue.Enqueue(s);
        }
        if (!parent.ContainsKey(to)) return new List<BasicBlock>();
        var path = new List<BasicBlock>();
        for (BasicBlock? b = to; b is not null; b = parent[b]) path.Add(b);
        path.Reverse();
        return path;
    }

    /// <summary>Edge label: the branch condition for a conditional branch's edges, null otherwise.</summary>
    public string? EdgeLabel(BasicBlock from, BasicBlock to)
    {
        var t = Cfg.Terminator(from);
        if (t is null || t.Info.Flow != FlowKind.Branch || t.Guard is not { } guard) return null;
        var target = t.Operands.OfType<SymbolOperand>().FirstOrDefault()?.Name;
        bool taken = target is not null && to.Labels.Contains(target);
        var cond = (guard.Negated ? "!" : "") + guard.Name;
        return taken ? "@" + cond : "@" + (guard.Negated ? guard.Name : "!" + guard.Name);
    }

    private static string InsnText(SourceText src, Instruction i) =>
        i.Span.IsEmpty ? i.FullOpcode : src.GetLine(i.Span.StartLine).Trim();

    public string ToText(SourceText src)
    {
        var sb = new StringBuilder();
        sb.Append("function ").Append(Function.Name).Append(": ").Append(Cfg.Blocks.Count).Append(" blocks (with the exit block)\n");
        foreach (var b in Cfg.Blocks)
        {
            sb.Append(NodeId(b));
            if (b == Cfg.Entry) sb.Append(" [entry]");
            if (b.Labels.Count > 0) sb.Append(' ').Append(string.Join(", ", b.Labels)).Append(':');
            if (FlowBlocks.Contains(b)) sb.Append(" [on a finding's path]");
            sb.Append(" -> ").Append(b.Successors.Count == 0 ? "(none)" : string.Join(", ", b.Successors.Select(s => NodeId(s) + (EdgeLabel(b, s) is { } l ? $" {l}" : ""))));
            sb.Append('\n');
            for (int i = b.Start; i < b.End; i++)
            {
                var insn = Function.Instructions[i];
                sb.Append("  ").Append(insn.Span.StartLine.ToString().PadLeft(5)).Append(": ").Append(InsnText(src, insn));
                if (FindingsAt.TryGetValue(i, out var fs))
                    foreach (var f in fs) sb.Append("   <-- ").Append(f.Level.ToSarif()).Append(' ').Append(f.Rule.Id).Append(": ").Append(f.Message);
                else if (FlowInstructions.Contains(i)) sb.Append("   <-- (on the path)");
                sb.Append('\n');
            }
        }
        foreach (var f in Other)
            sb.Append(f.Location.Span.StartLine).Append(": ").Append(f.Level.ToSarif()).Append(' ').Append(f.Rule.Id).Append(": ").Append(f.Message).Append('\n');
        return sb.ToString();
    }

    public string ToDot(SourceText src, string fileName)
    {
        var sb = new StringBuilder();
        sb.Append("digraph ").Append(Quote("cfg " + Function.Name)).Append(" {\n");
        sb.Append("  graph [fontname=\"monospace\", labelloc=t, label=").Append(Quote($"{Function.Name} ({fileName})" +
            (Other.Count > 0 ? "\n" + string.Join("\n", Other.Select(f => $"{f.Rule.Id}: {f.Message}")) : ""))).Append("];\n");
        sb.Append("  node [shape=plaintext, fontname=\"monospace\", fontsize=10];\n");
        sb.Append("  edge [fontname=\"monospace\", fontsize=9];\n");
        foreach (var b in Cfg.Blocks)
        {
            bool hasFinding = Enumerable.Range(b.Start, b.Count).Any(FindingsAt.ContainsKey);
            var border = hasFinding ? "red" : FlowBlocks.Contains(b) ? "orange" : "black";
            var width = hasFinding || FlowBlocks.Contains(b) ? 3 : 1;
            sb.Append("  ").Append(NodeId(b)).Append(" [color=").Append(border).Append(", label=<");
            sb.Append("<table border=\"").Append(width).Append("\" cellborder=\"0\" cellspacing=\"0\" cellpadding=\"2\" color=\"").Append(border).Append("\">");
            var head = b.IsExit ? "exit" : NodeId(b) + (b == Cfg.Entry ? " (entry)" : "") + (b.Labels.Count > 0 ? "  " + string.Join(", ", b.Labels) + ":" : "");
            sb.Append("<tr><td align=\"left\" bgcolor=\"#e8e8e8\"><b>").Append(Html(head)).Append("</b></td></tr>");
            for (int i = b.Start; i < b.End; i++)
            {
                var insn = Function.Instructions[i];
                var line = $"{insn.Span.StartLine,5}: {InsnText(src, insn)}";
                if (FindingsAt.TryGetValue(i, out var fs))
                {
                    sb.Append("<tr><td align=\"left\" bgcolor=\"#ffd8d8\"><font color=\"red\">").Append(Html(line)).Append("</font></td></tr>");
                    foreach (var f in fs)
                        sb.Append("<tr><td align=\"left\" bgcolor=\"#ffd8d8\"><font color=\"red\"><b>       ")
                          .Append(Html($"{f.Level.ToSarif()} {f.Rule.Id}: {Shorten(f.Message)}")).Append("</b></font></td></tr>");
                }
                else if (FlowInstructions.Contains(i))
                    sb.Append("<tr><td align=\"left\" bgcolor=\"#ffe8c0\">").Append(Html(line)).Append("</td></tr>");
                else
                    sb.Append("<tr><td align=\"left\">").Append(Html(line)).Append("</td></tr>");
            }
            sb.Append("</table>>];\n");
        }
        foreach (var b in Cfg.Blocks)
            foreach (var s in b.Successors)
            {
                sb.Append("  ").Append(NodeId(b)).Append(" -> ").Append(NodeId(s));
                var attrs = new List<string>();
                if (EdgeLabel(b, s) is { } l) attrs.Add("label=" + Quote(l));
                if (FlowEdges.Contains((b.Id, s.Id))) attrs.Add("color=red, penwidth=3");
                if (attrs.Count > 0) sb.Append(" [").Append(string.Join(", ", attrs)).Append(']');
                sb.Append(";\n");
            }
        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Shorten(string s) => s.Length <= 100 ? s : s[..97] + "...";

    /// <summary>A dot double-quoted string (backslashes and quotes escaped; newlines as centered line breaks).</summary>
    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";

    /// <summary>Text inside an HTML-like label.</summary>
    public static string Html(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("\t", " ");
}
