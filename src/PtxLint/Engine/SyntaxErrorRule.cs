using PtxLint.Diagnostics;

namespace PtxLint.Engine;

/// <summary>PTX000: syntax errors from the parser (<c>module.Errors</c>), reported by the engine itself.</summary>
public static class SyntaxErrorRule
{
    public const string Id = "PTX000";

    public static RuleDescriptor Descriptor { get; } = new()
    {
        Id = Id,
        Name = "syntax-error",
        ShortDescription = "The PTX file has a syntax error.",
        FullDescription = "A statement of the PTX file does not follow the PTX grammar. ptxas and the CUDA driver reject the whole module; " +
            "PtxLint reports the position and what it expected, then resumes at the next statement.",
        DefaultLevel = Level.Error,
        HelpText = "Fix the statement at the reported line and column (or the generator that produced it). " +
            "ptxas and the driver JIT reject a module with any syntax error (CUDA_ERROR_INVALID_PTX).",
        HelpMarkdown = EngineDocs.Load(Id),
        Precision = "very-high",
        Tags = new[] { "correctness", "syntax" },
    };

    /// <summary>A PTX000 finding for a parser error: its message is the headline (what was found, what was expected).</summary>
    public static Finding Finding(Level level, string message, Location at, int errorsInFile)
    {
        var f = new Finding(Descriptor, level, message, at)
        {
            Help = "Fix this statement (or the generator that wrote it): ptxas and the CUDA driver reject a module with any " +
                   "syntax error (CUDA_ERROR_INVALID_PTX).",
        };
        if (errorsInFile > 1) f.Notes.Add("PtxLint resumes at the next statement; an error right after this one may follow from it.");
        return f;
    }

    /// <summary>A PTX000 finding for the first byte of the file that is not UTF-8.</summary>
    public static Finding EncodingFinding(Level level, string message, Location at)
    {
        var f = new Finding(Descriptor, level, message, at)
        {
            Help = "Save the file as UTF-8 (PTX is ASCII text), or fix the tool that wrote it.",
        };
        f.Notes.Add("The file was read with invalid bytes replaced by U+FFFD: statements around them may not parse.");
        return f;
    }
}

/// <summary>PTX900: a suppression comment that suppresses nothing (like ruff's RUF100).</summary>
public static class UnusedSuppressionRule
{
    public const string Id = "PTX900";

    public static RuleDescriptor Descriptor { get; } = new()
    {
        Id = Id,
        Name = "unused-suppression",
        ShortDescription = "A ptxlint-disable comment suppresses nothing.",
        FullDescription = "A ptxlint-disable-next-line, ptxlint-disable or ptxlint-disable-file comment names a rule that reports nothing " +
            "in the lines it covers, or names an unknown rule id. Stale suppressions would silence future findings unreviewed.",
        DefaultLevel = Level.Warning,
        HelpText = "Delete the suppression comment or correct the rule id it names (ptxlint rules lists them).",
        HelpMarkdown = EngineDocs.Load(Id),
        Precision = "very-high",
        Tags = new[] { "maintainability", "suppression" },
    };
}

/// <summary>The rules the engine itself reports (not in the rule registry).</summary>
public static class EngineRules
{
    public static IReadOnlyList<RuleDescriptor> All { get; } = new[] { SyntaxErrorRule.Descriptor, UnusedSuppressionRule.Descriptor };
}

internal static class EngineDocs
{
    /// <summary>docs/rules/{id}.md, embedded in this assembly.</summary>
    public static string Load(string id)
    {
        using var s = typeof(EngineDocs).Assembly.GetManifestResourceStream($"PtxLint.Docs.{id}.md");
        if (s is null) return $"# {id}\n\nSee docs/rules/{id}.md.";
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
