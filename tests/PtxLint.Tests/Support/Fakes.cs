using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Tests.Support;

/// <summary>Hand-made rule descriptors and rules, until the real rules exist.</summary>
public static class Fakes
{
    public static RuleDescriptor Descriptor(string id, string name, Level level = Level.Warning, bool enabled = true,
        IReadOnlyList<RuleOption>? options = null) => new()
    {
        Options = options ?? Array.Empty<RuleOption>(),
        Id = id,
        Name = name,
        ShortDescription = $"Short description of {name}.",
        FullDescription = $"Full description of {name}: what it finds and why it matters.",
        DefaultLevel = level,
        EnabledByDefault = enabled,
        HelpText = $"How to fix {name}.",
        HelpMarkdown = $"# {id}: {name}\n\nHow to fix **{name}**.",
        Precision = "high",
        Tags = new[] { "correctness", "ptx" },
    };

    /// <summary>
    /// Test-only rule: reports each line of the source that contains <paramref name="needle"/> (real rules never
    /// scan text; this one stands in until they exist and the parser lands).
    /// </summary>
    public sealed class LineRule(RuleDescriptor descriptor, string needle) : IRule
    {
        public RuleDescriptor Descriptor { get; } = descriptor;

        public void Check(RuleContext context)
        {
            var src = context.Module.Source;
            for (int ln = 1; ln <= src.LineCount; ln++)
            {
                var line = src.GetLine(ln);
                int col = line.IndexOf(needle, StringComparison.Ordinal);
                if (col < 0) continue;
                context.Report(new SourceSpan(ln, col + 1, ln, col + 1 + needle.Length), $"found '{needle}'");
            }
        }
    }

    /// <summary>
    /// Test-only rule over the real IR: reports every instruction whose full opcode starts with <paramref name="opcodePrefix"/>
    /// (at the instruction, so the CUDA location from .loc is attached) with a code flow from the nearest conditional
    /// branch before it in the function, the way a divergent-barrier rule would.
    /// </summary>
    public sealed class InstructionRule(RuleDescriptor descriptor, string opcodePrefix) : IRule
    {
        public RuleDescriptor Descriptor { get; } = descriptor;

        public void Check(RuleContext context)
        {
            foreach (var fn in context.Module.Functions)
                foreach (var insn in fn.Instructions)
                {
                    if (!insn.FullOpcode.StartsWith(opcodePrefix, StringComparison.Ordinal)) continue;
                    var f = context.Report(insn, $"'{insn.FullOpcode}' here");
                    var branch = fn.Instructions.Take(insn.Index).LastOrDefault(i => i.Opcode == "bra" && i.Guard is not null);
                    if (branch is not null)
                        f.CodeFlows.Add(new CodeFlow("The branch and the instruction", new[]
                        {
                            new FlowStep(branch.Location, "a conditional branch"),
                            new FlowStep(insn.Location, "the instruction"),
                        }));
                }
        }
    }

    /// <summary>Test-only rule: one finding at each kernel's name (the <c>.entry</c> line), as PTX002 reports.</summary>
    public sealed class KernelRule(RuleDescriptor descriptor) : IRule
    {
        public RuleDescriptor Descriptor { get; } = descriptor;

        public void Check(RuleContext context)
        {
            foreach (var fn in context.Module.Kernels) context.Report(fn, fn.NameSpan, $"kernel `{fn.Name}` here");
        }
    }

    public sealed class ThrowingRule(RuleDescriptor descriptor) : IRule
    {
        public RuleDescriptor Descriptor { get; } = descriptor;
        public void Check(RuleContext context) => throw new InvalidOperationException("boom");
    }

    /// <summary>A parser stand-in for tests: a module with the text, and a syntax error on lines containing "SYNTAX".</summary>
    public static PtxModule Parse(string path, string text)
    {
        var m = new PtxModule(path, new SourceText(text));
        for (int ln = 1; ln <= m.Source.LineCount; ln++)
        {
            var line = m.Source.GetLine(ln);
            int col = line.IndexOf("SYNTAX", StringComparison.Ordinal);
            if (col >= 0) m.Errors.Add(new SyntaxError(new SourceSpan(ln, col + 1, ln, col + 7), "mismatched input 'SYNTAX' expecting ';'"));
        }
        return m;
    }

    public static readonly RuleDescriptor BadRule = Descriptor("PTX101", "bad-thing", Level.Warning);
    public static readonly RuleOption<System.Text.RegularExpressions.Regex> PatternOption = RuleOptions.Regex("pattern", "^x", "A test pattern.");
    public static readonly RuleOption<int> LimitOption = RuleOptions.Integer("limit", 1, 0, 10, "A test limit.");
    public static readonly RuleOption<bool> FlagOption = RuleOptions.Boolean("flag", false, "A test flag.");
    public static readonly RuleDescriptor NoteRule = Descriptor("PTX102", "noted-thing", Level.Note, options: new RuleOption[] { PatternOption, LimitOption, FlagOption });

    /// <summary>Rules: "BAD" -> PTX101 warning, "NOTE" -> PTX102 note.</summary>
    public static IReadOnlyList<IRule> Rules { get; } = new IRule[] { new LineRule(BadRule, "BAD"), new LineRule(NoteRule, "NOTE") };
}

/// <summary>A temp directory deleted at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ptxlint-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string relative, string text)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("PTXLINT_KEEP_TEMP") is not null) return;
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
