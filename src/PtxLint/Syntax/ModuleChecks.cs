using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Semantics;
using T = PtxLint.Syntax.Generated.PtxLexer;

namespace PtxLint.Syntax;

/// <summary>
/// Structural checks that ptxas performs at parse time and the grammar cannot express: a module starts with
/// .version, labels are defined once and exist where branches go, registers are declared. They are reported
/// as syntax errors (PTX000) because ptxas rejects such a file before any analysis.
/// </summary>
internal static class ModuleChecks
{
    public static void Run(PtxModule module, RawToken first, int maxDegreeOfParallelism = 1)
    {
        if (first.Type == T.Eof)
        {
            module.Errors.Add(new SyntaxError(new SourceSpan(1, 1, 1, 2), "empty file: a PTX module starts with a .version directive"));
            return;
        }
        if (first.Type != T.VERSION)
        {
            module.Errors.Add(new SyntaxError(new SourceSpan(first.Line, first.Column + 1, first.Line, first.Column + 1 + first.Length),
                "missing .version directive at the start of the file"));
        }
        foreach (var fn in module.Functions)
        {
            if (fn.IsEntry && fn.Performance.NoReturn)
                module.Errors.Add(new SyntaxError(fn.NameSpan, $".noreturn is allowed on .func only, not on the kernel (.entry) {fn.Name}"));
        }
        // Label checks walk every instruction: functions in parallel when the module is large (the errors are sorted later).
        var fns = module.Functions;
        var found = new List<SyntaxError>?[fns.Count];
        if (maxDegreeOfParallelism != 1 && fns.Count > 1)
            Parallel.For(0, fns.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i => found[i] = CheckLabels(fns[i]));
        else
            for (int i = 0; i < fns.Count; i++) found[i] = CheckLabels(fns[i]);
        foreach (var list in found)
            if (list is not null) module.Errors.AddRange(list);
    }

    private static List<SyntaxError>? CheckLabels(PtxFunction fn)
    {
        if (!fn.HasBody) return null;
        List<SyntaxError>? errors = null;
        foreach (var insn in fn.InstructionSpan)
        {
            if (insn.Info.Flow != FlowKind.Branch) continue;
            var ops = insn.Operands;
            for (int k = 0; k < ops.Count; k++)
            {
                if (ops[k] is SymbolOperand s && !fn.Labels.ContainsKey(s.Name))
                    (errors ??= new()).Add(new SyntaxError(s.Span, $"branch to undefined label '{s.Name}' in {fn.Name}"));
            }
        }
        return errors;
    }
}
