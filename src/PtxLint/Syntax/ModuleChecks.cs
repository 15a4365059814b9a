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
    public static void Run(PtxModule module, RawToken first)
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
            if (!fn.HasBody) continue;
            CheckLabels(module, fn);
        }
    }

    private static void CheckLabels(PtxModule module, PtxFunction fn)
    {
        foreach (var insn in fn.Instructions)
        {
            if (insn.Info.Flow != FlowKind.Branch) continue;
            foreach (var op in insn.Operands)
            {
                if (op is SymbolOperand s && !fn.Labels.ContainsKey(s.Name))
                    module.Errors.Add(new SyntaxError(op.Span, $"branch to undefined label '{s.Name}' in {fn.Name}"));
            }
        }
    }
}
