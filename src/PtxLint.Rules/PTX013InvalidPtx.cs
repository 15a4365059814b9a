using System.Globalization;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Rules;

/// <summary>
/// PTX013: what ptxas's front end rejects although the file parses: unknown opcodes and modifiers, wrong operand
/// counts, kinds and register types, vector sizes, state spaces, undeclared registers and symbols, instructions or
/// modifiers the <c>.target</c> or <c>.version</c> does not support, duplicate directives and symbols, calls without a
/// prototype, characters outside ASCII. The instruction facts come from the ISA table (<see cref="IsaTable"/>,
/// <see cref="IsaValidator"/>); names are resolved by <c>fn.Analyses.Symbols</c>.
/// </summary>
public sealed class PTX013InvalidPtx : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX013",
        Name = "invalid-ptx",
        ShortDescription = "PTX that ptxas and the driver JIT reject",
        FullDescription = "The file parses, but ptxas's front end rejects it: an unknown instruction or modifier, operands of the wrong " +
                          "number, kind or type, an undeclared register or symbol, a state space or vector size the instruction does not " +
                          "take, an instruction the .target or .version does not support, a duplicate .version, .target or symbol, an " +
                          "indirect call without a prototype, or a character outside ASCII. The CUDA driver refuses such a module with " +
                          "CUDA_ERROR_INVALID_PTX.",
        DefaultLevel = Level.Error,
        Analyses = new[] { "symbols" },
        HelpText = "Fix the instruction or declaration the finding names (its help line says how), or the generator that produced it.",
        HelpMarkdown = RuleDocs.Load("PTX013"),
        Precision = "high",
        Tags = new[] { "correctness", "validity" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        var m = ctx.Module;
        CheckDirectives(ctx, m);
        CheckModuleDeclarations(ctx, m);
        var isa = IsaContext.Of(m);
        var syntaxLines = m.Errors.Select(e => e.Span.StartLine).ToHashSet();
        ctx.ForEachFunction(m.Functions, (ctx, fn) => CheckFunction(ctx, fn, isa, syntaxLines));
    }

    private static void CheckFunction(RuleContext ctx, PtxFunction fn, IsaContext isa, HashSet<int> syntaxLines)
    {
        CheckFunctionDeclarations(ctx, fn);
        if (!fn.HasBody) return;
        var symbols = fn.Analyses.Symbols;
        var reportedUndeclared = new Dictionary<string, (Finding Finding, int More)>(StringComparer.Ordinal);
        var shapes = new IsaShapeCache();
        foreach (var insn in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fn.Instructions))
        {
            // a line with a syntax error (PTX000) is what error recovery made of it: nothing more to say about it
            if (syntaxLines.Count > 0 && syntaxLines.Contains(insn.Span.StartLine)) continue;
            var p = IsaValidator.Validate(insn, isa, symbols, shapes);
            if (p is null) continue;
            if (p.Kind == IsaProblemKind.Undeclared && UndeclaredName(p) is { } name)
            {
                // one finding per undeclared register and function, with the number of further uses
                if (reportedUndeclared.TryGetValue(name, out var seen))
                {
                    reportedUndeclared[name] = (seen.Finding, seen.More + 1);
                    continue;
                }
                reportedUndeclared[name] = (Report(ctx, insn, p), 0);
                continue;
            }
            Report(ctx, insn, p);
        }
        foreach (var (finding, more) in reportedUndeclared.Values)
            if (more > 0) finding.Notes.Add($"{more} more instruction{(more == 1 ? "" : "s")} of {fn.Name} use it (reported once).");
    }

    private static string? UndeclaredName(IsaProblem p)
    {
        const string prefix = "register ";
        if (!p.Message.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int end = p.Message.IndexOf(' ', prefix.Length);
        return end < 0 ? null : p.Message[prefix.Length..end];
    }

    private static Finding Report(RuleContext ctx, Instruction insn, IsaProblem p)
    {
        var f = ctx.Report(insn, p.Message);
        if (p.Ptxas is { } said) f.Notes.Add($"ptxas 13 reports: \"{said}\"; the driver JIT rejects the module (CUDA_ERROR_INVALID_PTX).");
        f.Notes.AddRange(p.Notes);
        f.Help = p.Help;
        f.Properties["problem"] = p.Kind.ToString();
        return f;
    }

    private static Finding ReportAt(RuleContext ctx, SourceSpan span, string message, string? ptxas, string? help, PtxFunction? fn = null)
    {
        var f = fn is null ? ctx.Report(span, message) : ctx.Report(fn, span, message);
        if (ptxas is not null) f.Notes.Add($"ptxas 13 reports: \"{ptxas}\"; the driver JIT rejects the module (CUDA_ERROR_INVALID_PTX).");
        f.Help = help;
        return f;
    }

    // ------------------------------------------------------------------ .version, .target, characters

    private static void CheckDirectives(RuleContext ctx, PtxModule m)
    {
        for (int i = 1; i < m.VersionDirectives.Count; i++)
            ReportAt(ctx, m.VersionDirectives[i], $"second `.version` directive (the first is at line {m.VersionDirectives[0].StartLine})",
                "Parsing error near '.version': syntax error",
                "a module has one .version, at its start; if two files were concatenated, compile them as separate modules or link them");
        for (int i = 1; i < m.TargetDirectives.Count; i++)
            ReportAt(ctx, m.TargetDirectives[i], $"second `.target` directive (the first is at line {m.TargetDirectives[0].StartLine})",
                "Parsing error near '.target': syntax error", "a module has one .target, right after .version");
        if (m.PtxVersion is { } v && v <= IsaTable.NewestVersion && !IsaTable.KnownVersions.Contains(v))
        {
            var known = IsaTable.KnownVersions.Where(k => k.Major == v.Major).Select(k => k.ToString()).ToList();
            ReportAt(ctx, m.VersionSpan, $"`.version {v}` is not a PTX ISA version",
                $"Unsupported .version {v}; current version is '{IsaTable.NewestVersion}'",
                known.Count > 0 ? $"PTX ISA {v.Major}.x versions are {string.Join(", ", known)}" : "see the PTX ISA release history for the versions");
        }
        if (m.VersionDirectives.Count > 0 && m.TargetDirectives.Count == 0)
            ReportAt(ctx, m.VersionDirectives[0], "the module has no `.target` directive",
                "Missing .target directive at start of file", "add `.target sm_XX` right after `.version` (the GPU architecture the PTX is for)");
        if (!m.TargetSpan.IsEmpty)
        {
            // map_f64_to_f32 is for targets without double precision (sm_10 to sm_12); ptxas 13 rejects it with any other
            // target the directive names (measured: mutants m1-01400, m2-01147, m3-00615 of tests/data/ptxas-diff)
            if (m.Targets.Contains("map_f64_to_f32")
                && m.Targets.FirstOrDefault(t => IsaTable.SmNumber(IsaTable.Canonical(t)) >= 13) is { } newer)
                ReportAt(ctx, m.TargetSpan, $"`map_f64_to_f32` is for sm_10 to sm_12; the module is `.target {newer}`",
                    "Directive map_f64_to_f32 is not supported with SM 1.3 or higher",
                    "remove `map_f64_to_f32` from `.target` (every target from sm_13 has double precision)");
            foreach (var t in m.Targets)
            {
                if (IsaTable.TargetOptions.Contains(t)) continue;
                var canon = IsaTable.Canonical(t);
                int sm = IsaTable.SmNumber(canon);
                if (sm < 0 || !IsaTable.TargetVersions.TryGetValue(canon, out var needs))
                {
                    // a newer target than this table knows is left alone when the .version is newer too
                    if (m.PtxVersion is { } pv && pv > IsaTable.NewestVersion) continue;
                    if (sm > 121) continue;
                    var s = IsaValidator.Suggest(canon, IsaTable.TargetVersions.Keys);
                    ReportAt(ctx, m.TargetSpan, $"`.target {t}` is not a PTX target", $"Unsupported .target '{t}'",
                        s is not null ? $"did you mean `{s}`?" : "see the PTX ISA's .target directive for the targets");
                    continue;
                }
                // ptxas 13 checks the target against .version in a module with more than its header (one with nothing after
                // .address_size passes), and for PTX ISA 1.x only sm_20 (measured: .version 1.4 fails with sm_20, passes with sm_30)
                if (m.PtxVersion is { } have && have < needs && (have >= new Version(2, 0) || sm == 20)
                    && (m.Functions.Count > 0 || m.Globals.Count > 0 || m.Files.Count > 0))
                    ReportAt(ctx, m.TargetSpan, $"`.target {t}` needs PTX ISA {needs}; the module is `.version {have}`",
                        $"PTX .version {have} does not support .target {t}", $"raise `.version` to {needs} or later, or compile for an older target");
            }
        }
        if (m.HasAddressSizeDirective && m.PtxVersion is { } av && av < new Version(2, 3))
            ReportAt(ctx, m.AddressSizeSpan, $"`.address_size` needs PTX ISA 2.3; the module is `.version {av}`",
                "Feature '.address_size directive' requires PTX ISA .version 2.3 or later", "raise `.version` to 2.3 or later, or remove `.address_size` (older PTX is 32-bit)");
        if (!m.FileTimestampSpan.IsEmpty && m.PtxVersion is { } fv && fv < new Version(3, 2))
            ReportAt(ctx, m.FileTimestampSpan, $"a `.file` directive with a timestamp and size needs PTX ISA 3.2; the module is `.version {fv}`",
                "Feature 'timestamp and filesize in .file directive' requires PTX ISA .version 3.2 or later",
                "raise `.version` to 3.2 or later, or drop the timestamp and size (`.file 1 \"a.cu\"`)");
        if (!m.FirstNonAscii.IsEmpty)
        {
            var f = ReportAt(ctx, m.FirstNonAscii, "a character outside ASCII; ptxas rejects the file even when it is in a comment",
                $"Unexpected non-ASCII character encountered on line {m.FirstNonAscii.StartLine}",
                "replace it with ASCII (or remove the comment); PTX files are ASCII");
            if (m.NonAsciiLines > 1) f.Notes.Add($"{m.NonAsciiLines} lines have such characters; this is the first.");
        }
    }

    // ------------------------------------------------------------------ declarations

    private static void CheckModuleDeclarations(RuleContext ctx, PtxModule m)
    {
        var seen = new Dictionary<string, VariableSymbol>(StringComparer.Ordinal);
        foreach (var g in m.GlobalDeclarations)
        {
            if (!g.IsExtern && seen.TryGetValue(g.Name, out var first) && !first.IsExtern)
                ReportAt(ctx, g.Span, $"`{g.Name}` is declared twice (first at line {first.Span.StartLine})",
                    $"Duplicate definition of variable '{g.Name}'", "rename one of them or delete the repeated declaration");
            // an .extern declaration must be resolved by a .visible definition, not a module-private one
            if (!g.IsExtern && !g.IsVisible && seen.TryGetValue(g.Name, out var ext) && ext.IsExtern)
                ReportAt(ctx, g.Span, $"`{g.Name}` is declared .extern (line {ext.Span.StartLine}) but defined without .visible",
                    $"'.extern' variable '{g.Name}' cannot be resolved by a '.static'", $"define it `.visible` or drop the .extern declaration");
            if (!seen.ContainsKey(g.Name) || !g.IsExtern) seen[g.Name] = g;
            CheckVariable(ctx, g, null);
            // the .tex state space is PTX ISA 1.0 to 1.4; later modules declare textures as .global .texref (mutant m3-01892)
            if (g.Space == StateSpace.Tex && m.PtxVersion is { } tv && tv >= new Version(1, 5))
                ReportAt(ctx, g.Span, $"`{g.Name}` is in the .tex state space, which PTX ISA 1.5 removed; the module is `.version {tv}`",
                    "Deprecated feature: '.tex' not supported as of PTX version 1.5", $"declare it `.global .texref {g.Name};`");
            // module-scope .reg and .local are pre-ABI PTX: ptxas takes .reg for sm_1x and .local also before PTX ISA 3.0
            if (g.Space is StateSpace.Reg or StateSpace.Local && IsaTable.SmNumber(IsaContext.Of(m).Target ?? "sm_20") >= 20
                && (g.Space == StateSpace.Reg || m.PtxVersion is null || m.PtxVersion >= new Version(3, 0)))
                ReportAt(ctx, g.Span, $"module-scope `{g.Name}` is in the {(g.Space == StateSpace.Reg ? ".reg" : ".local")} state space, which only functions have",
                    $"Module-scoped variables in {(g.Space == StateSpace.Reg ? ".reg" : ".local")} state space are not allowed with ABI",
                    "declare it inside the function that uses it, or use .global");
        }
        var bodies = new Dictionary<string, PtxFunction>(StringComparer.Ordinal);
        foreach (var fn in m.Functions)
        {
            if (!fn.HasBody) continue;
            if (bodies.TryGetValue(fn.Name, out var first))
                ReportAt(ctx, fn.NameSpan, $"{(fn.IsEntry ? ".entry" : ".func")} `{fn.Name}` is defined twice (first at line {first.NameSpan.StartLine})",
                    $"Duplicate definition of function '{fn.Name}'", "rename one of them or delete the repeated definition", fn);
            else bodies[fn.Name] = fn;
        }
    }

    private static void CheckVariable(RuleContext ctx, VariableSymbol v, PtxFunction? fn)
    {
        if (v.ElementCount is null && !v.IsExtern && !v.HasInitializer && v.Space is not (StateSpace.Param or StateSpace.Reg))
            ReportAt(ctx, v.Span, $"`{v.Name}[]` has no size, no initializer and is not .extern",
                $"Non-external variable '{v.Name}' has incomplete type", $"give it a size (`{v.Name}[N]`) or declare it `.extern`", fn);
        if (v.SizeIsExpression)
            ReportAt(ctx, v.SizeSpan, $"the array size of `{v.Name}` is an expression; ptxas 13 takes only an integer literal there",
                "Parsing error near '*': syntax error", $"write the value: `{v.Name}[{v.ElementCount?.ToString(CultureInfo.InvariantCulture) ?? "N"}]`", fn);
        if (v.VectorWidth is not (1 or 2 or 4))
            ReportAt(ctx, v.Span, $"`{v.Name}` is declared with .v{v.VectorWidth}; variables take .v2 or .v4 only",
                $"Parsing error near '.v{v.VectorWidth}': syntax error", "declare an array instead (`.f32 name[N]`)", fn);
        if (v.Alignment is { } a && (a <= 0 || (a & (a - 1)) != 0))
            ReportAt(ctx, v.Span, $"`.align {a}` of `{v.Name}` is not a power of two", "Alignment must be a power of two",
                "use .align 1, 2, 4, 8, 16 ...", fn);
    }

    private static void CheckFunctionDeclarations(RuleContext ctx, PtxFunction fn)
    {
        if (fn.IsEntry)
            foreach (var p in fn.Parameters)
                if (p.IsIncompleteArray)
                    ReportAt(ctx, p.Span, $"kernel parameter `{p.Name}[]` has no size", "Parameter to entry function cannot be an incomplete array.",
                        $"give it a size (`{p.Name}[N]`), or pass a pointer (`.param .u64 {p.Name}`)", fn);
        // registers: the same name twice in one scope (parameters count as names of the function scope)
        var names = new Dictionary<(string, BlockScope?), SourceSpan>(fn.Parameters.Count + fn.ReturnParameters.Count + fn.RegisterDecls.Count + fn.LocalDeclarations.Count);
        foreach (var p in fn.Parameters.Concat(fn.ReturnParameters))
            names.TryAdd((p.Name, null), p.Span);
        foreach (var d in fn.RegisterDecls)
        {
            var key = (d.Count is null ? d.Prefix : d.Prefix + "<", d.Scope);
            if (names.TryGetValue(key, out var first) && first != d.Span)
            {
                var shown = d.Count is null ? d.Prefix : $"{d.Prefix}<{d.Count}>";
                ReportAt(ctx, d.Span, $"register `{shown}` is declared twice in {fn.Name} (first at line {first.StartLine})",
                    $"Duplicate definition of variable '{key.Item1}'", "delete the repeated declaration or rename the registers", fn);
            }
            else names.TryAdd(key, d.Span);
        }
        foreach (var v in fn.LocalDeclarations)
        {
            var key = (v.Name, v.Scope);
            if (names.TryGetValue(key, out var first) && first != v.Span)
                ReportAt(ctx, v.Span, $"`{v.Name}` is declared twice in {fn.Name} (first at line {first.StartLine})",
                    $"Duplicate definition of variable '{v.Name}'", "delete the repeated declaration or rename it", fn);
            else names.TryAdd(key, v.Span);
            CheckVariable(ctx, v, fn);
        }
    }
}
