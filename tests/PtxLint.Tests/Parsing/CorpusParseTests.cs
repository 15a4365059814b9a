using PtxLint.Syntax;
using PtxLint.Tests.Support;
using Xunit.Abstractions;

namespace PtxLint.Tests.Parsing;

/// <summary>The parser on real PTX nobody on the team wrote (../shared/corpus) and on the project's own PTX.</summary>
public class CorpusParseTests
{
    private readonly ITestOutputHelper _out;
    public CorpusParseTests(ITestOutputHelper output) { _out = output; }

    /// <summary>
    /// Files ptxas rejected for a semantic error on an earlier line, whose later lines are ZLUDA's internal
    /// pseudo-PTX (<c>.reg.v2.b32 %5 = ld.b64 %4;</c>, <c>zluda.repack_vector...</c>): not PTX syntax, so PtxLint
    /// reports a syntax error even though the manifest's first ptxas error is not a parsing error.
    /// </summary>
    private static readonly HashSet<string> InvalidBeyondManifest = new()
    {
        "public/vosen__ZLUDA/ptx__src__pass__test__expand_operands__vector_extract.ptx.gz",
        "public/vosen__ZLUDA/ptx__src__pass__test__insert_implicit_conversions__default_relaxed.ptx.gz",
    };

    [SharedCorpusFact]
    public void Shared_corpus_parses_without_syntax_errors_except_the_files_marked_invalid()
    {
        var files = Corpus.Shared();
        Assert.True(files.Count >= 700, $"expected the whole corpus, found {files.Count} files");
        var unexpected = new List<string>();
        var missed = new List<string>();
        int invalid = 0;
        foreach (var f in files)
        {
            var m = Corpus.Parse(f.Text, f.Name);
            bool expectInvalid = Corpus.IsMarkedInvalid(f) || InvalidBeyondManifest.Contains(f.Name);
            if (expectInvalid)
            {
                invalid++;
                if (m.Errors.Count == 0) missed.Add($"{f.Name}: ptxas says '{f.PtxasVerdict}' but PtxLint reported no syntax error");
            }
            else if (m.Errors.Count > 0)
            {
                unexpected.Add($"{f.Name}:{m.Errors[0].Span}: {m.Errors[0].Message}");
            }
            else
            {
                Assert.True(m.Functions.Count > 0 || m.Globals.Count > 0 || (!f.Text.Contains(".entry") && !f.Text.Contains(".func")), $"{f.Name}: parsed to an empty module");
            }
        }
        _out.WriteLine($"{files.Count} files, {invalid} marked invalid");
        Assert.True(unexpected.Count == 0, "syntax errors in valid PTX:\n" + string.Join("\n", unexpected));
        Assert.True(missed.Count == 0, "invalid PTX accepted:\n" + string.Join("\n", missed));
    }

    [Fact]
    public void Own_generated_and_sample_ptx_parse_without_errors()
    {
        var files = Corpus.Own();
        Assert.True(files.Count >= 30, $"expected tests/data/generated and samples/ptx, found {files.Count}");
        foreach (var f in files)
        {
            var m = Corpus.Parse(f.Text, f.Name);
            Assert.True(m.Errors.Count == 0, $"{f.Name}:{(m.Errors.Count > 0 ? m.Errors[0].Span + ": " + m.Errors[0].Message : "")}");
            Assert.NotEmpty(m.Functions);
        }
    }

    [SharedCorpusFact]
    public void Fast_parser_builds_the_same_ir_as_the_antlr_parser_on_the_corpus()
    {
        // The grammar is the specification; the fast recursive-descent path must agree with it.
        var files = Corpus.Shared().Concat(Corpus.Own()).Where(f => f.Text.Length <= 1_500_000).ToList();
        Assert.True(files.Count > 600);
        var diffs = new List<string>();
        foreach (var f in files)
        {
            var fast = IrDump.Dump(Corpus.Parse(f.Text, f.Name));
            var antlr = IrDump.Dump(Corpus.Parse(f.Text, f.Name, antlr: true));
            if (fast != antlr) diffs.Add($"{f.Name}: {FirstDifference(fast, antlr)}");
        }
        Assert.True(diffs.Count == 0, $"{diffs.Count} files differ:\n" + string.Join("\n", diffs.Take(20)));
    }

    [Fact]
    public void Fast_parser_and_antlr_parser_agree_on_samples()
    {
        foreach (var f in Corpus.Own())
            Assert.Equal(IrDump.Dump(Corpus.Parse(f.Text, f.Name, antlr: true)), IrDump.Dump(Corpus.Parse(f.Text, f.Name)));
    }

    internal static string FirstDifference(string a, string b)
    {
        var la = a.Split('\n');
        var lb = b.Split('\n');
        for (int i = 0; i < Math.Min(la.Length, lb.Length); i++)
            if (la[i] != lb[i]) return $"line {i}:\n  fast:  {la[i]}\n  antlr: {lb[i]}";
        return $"lengths {la.Length} vs {lb.Length}";
    }
}
