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
        AssertNoDifferenceOnCorpus(f =>
        {
            var fast = IrDump.Dump(Corpus.Parse(f.Text, f.Name));
            var antlr = IrDump.Dump(Corpus.Parse(f.Text, f.Name, antlr: true));
            return fast != antlr ? FirstDifference(fast, antlr) : null;
        });
    }

    /// <summary>
    /// Runs <paramref name="difference"/> on every shared and own corpus file up to 1.5 MB (more than 600) and fails
    /// with the first 20 differences it names (null: none).
    /// </summary>
    private static void AssertNoDifferenceOnCorpus(Func<CorpusFile, string?> difference)
    {
        var files = Corpus.Shared().Concat(Corpus.Own()).Where(f => f.Text.Length <= 1_500_000).ToList();
        Assert.True(files.Count > 600);
        var diffs = new List<string>();
        foreach (var f in files)
            if (difference(f) is { } d) diffs.Add($"{f.Name}: {d}");
        Assert.True(diffs.Count == 0, $"{diffs.Count} files differ:\n" + string.Join("\n", diffs.Take(20)));
    }

    [SharedCorpusFact]
    public void Splitting_at_every_item_gives_the_same_ir_and_errors_as_one_unit()
    {
        // The splitter finds item boundaries without tokenizing; a boundary in the wrong place (inside a string,
        // a comment or an initializer) would change the IR or the errors.
        AssertNoDifferenceOnCorpus(f =>
        {
            var whole = PtxParserDriver.Parse(f.Name, f.Text, new ParseOptions(Parallel: false) { UnitChars = int.MaxValue });
            var items = PtxParserDriver.Parse(f.Name, f.Text, new ParseOptions(Parallel: true) { UnitChars = 1 });
            if (whole.Errors.Count > 0 || items.Errors.Count > 0)
            {
                // invalid files: error recovery may build different partial IR, but the first error is the same
                return whole.Errors.Count == 0 || items.Errors.Count == 0 || whole.Errors[0].Span != items.Errors[0].Span
                    ? $"first error {whole.Errors.FirstOrDefault()?.Span} as one unit, {items.Errors.FirstOrDefault()?.Span} split"
                    : null;
            }
            string a = IrDump.Dump(whole), b = IrDump.Dump(items);
            return a != b ? FirstDifference(a, b) : null;
        });
    }

    [SharedCorpusFact]
    public void A_token_window_of_sixteen_gives_the_same_ir_and_errors_as_the_units_tokens_at_once()
    {
        // The fast parser scans into a window, drops consumed tokens at statement boundaries and grows the window for
        // a longer statement. A tiny window does all three all the time: any token index kept across a statement, or
        // a lookahead past the window, would change the IR or the errors.
        AssertNoDifferenceOnCorpus(f =>
        {
            var whole = PtxParserDriver.Parse(f.Name, f.Text, new ParseOptions(Parallel: false) { TokenWindow = 0 });
            var window = PtxParserDriver.Parse(f.Name, f.Text, new ParseOptions(Parallel: false) { TokenWindow = 16 });
            var errorsA = string.Join("\n", whole.Errors.Select(e => $"{e.Span} {e.Message}"));
            var errorsB = string.Join("\n", window.Errors.Select(e => $"{e.Span} {e.Message}"));
            if (errorsA != errorsB) return "errors differ";
            string a = IrDump.Dump(whole), b = IrDump.Dump(window);
            return a != b ? FirstDifference(a, b) : null;
        });
    }

    [Fact]
    public void A_statement_longer_than_the_token_window_and_an_unclosed_body_parse_as_with_all_tokens()
    {
        // an initializer of 300 values is one statement of 600 tokens: the 16-token window grows for it; a body
        // without its '}' makes the fast parser give up mid-unit, and the fallback reads the unit again from its start
        var values = string.Join(", ", Enumerable.Range(0, 300));
        var text = ".version 8.0\n.target sm_90\n.address_size 64\n" +
                   $".global .align 4 .u32 table[300] = {{{values}}};\n" +
                   ".visible .entry k(.param .u64 p)\n{\n.reg .b32 %r<4>;\n.reg .b64 %rd<4>;\n" +
                   "ld.param.u64 %rd1, [p];\nld.global.u32 %r1, [table+8];\nst.global.u32 [%rd1], %r1;\nret;\n}\n" +
                   ".visible .entry broken()\n{\n.reg .b32 %r<2>;\nmov.u32 %r1, 1;\n";
        var whole = PtxParserDriver.Parse("w.ptx", text, new ParseOptions(Parallel: false) { TokenWindow = 0 });
        var window = PtxParserDriver.Parse("w.ptx", text, new ParseOptions(Parallel: false) { TokenWindow = 16 });
        Assert.Equal(IrDump.Dump(whole), IrDump.Dump(window));
        Assert.Equal(whole.Errors.Select(e => (e.Span, e.Message)), window.Errors.Select(e => (e.Span, e.Message)));
        Assert.NotEmpty(window.Errors); // the unclosed body
        var table = window.Globals["table"];
        Assert.Equal(300, table.ElementCount);
        Assert.Equal(300, table.Initializer!.TopLevelCount);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), table.Initializer.Elements.Select(e => e.Value.Int));
        Assert.Contains(window.Functions, f => f.Name == "k" && f.Instructions.Count == 4);
    }

    [Fact]
    public void A_long_table_decoded_as_the_window_fills_keeps_every_element_and_falls_back_after_it()
    {
        // runs longer than the 16-token window are decoded as they are read and their tokens dropped; the tables then
        // end as a run, turn into an element-by-element list (an expression, a negative value), hold a value too
        // large for 64 bits, or nest
        var run = string.Join(", ", Enumerable.Range(0, 200));
        var text = ".version 8.0\n.target sm_90\n.address_size 64\n" +
                   $".global .align 4 .u32 plain[200] = {{{run}}};\n" +
                   $".global .align 4 .u32 mixed[203] = {{{run}, 5+1, -7, 0x10}};\n" +
                   $".global .align 8 .u64 big[201] = {{{run}, 0xFFFFFFFFFFFFFFFFFF}};\n" +
                   $".global .align 4 .u32 nested[2][200] = {{{{{run}}}, {{{run}}}}};\n" +
                   ".visible .entry k()\n{\nret;\n}\n";
        var whole = PtxParserDriver.Parse("t.ptx", text, new ParseOptions(Parallel: false) { TokenWindow = 0 });
        var window = PtxParserDriver.Parse("t.ptx", text, new ParseOptions(Parallel: false) { TokenWindow = 16 });
        Assert.Empty(whole.Errors);
        Assert.Empty(window.Errors);
        Assert.Equal(IrDump.Dump(whole), IrDump.Dump(window));
        var mixed = window.Globals["mixed"].Initializer!;
        Assert.Equal(203, mixed.TopLevelCount);
        Assert.Equal(new long[] { 199, 6, -7, 16 }, mixed.Elements.Skip(199).Select(e => e.Value.Int));
        var big = window.Globals["big"].Initializer!;
        Assert.Equal(201, big.TopLevelCount);
        Assert.Equal(whole.Globals["big"].Initializer!.Elements[200], big.Elements[200]);
        var nested = window.Globals["nested"].Initializer!;
        Assert.Equal(2, nested.TopLevelCount);
        Assert.Equal(400, nested.Elements.Count);
        Assert.Equal(199, nested.Elements[399].Value.Int);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Strings_and_comments_with_braces_and_semicolons_do_not_split_items(string nl)
    {
        var text = string.Join(nl,
            ".version 8.0", ".target sm_90", ".address_size 64",
            "// a comment with } and ; and {",
            "/* a block comment ; } { \" */",
            ".file 1 \"dir/{odd};name.cu\"",
            ".global .align 4 .b32 tbl[2] = {1, 2};",
            ".visible .entry k(.param .u64 p)", "{",
            "  .reg .b32 %r<3>; // } ;",
            "  /* } */ mov.u32 %r1, 1; /* ; { */",
            "  { .reg .b32 %t; mov.u32 %t, %r1; }",
            "  ret;", "}",
            ".visible .entry k2()", "{", "  mov.u32 %r1 %r2;", "  ret;", "}", "");
        foreach (var unit in new[] { 1, int.MaxValue })
        {
            var m = PtxParserDriver.Parse("x.ptx", text, new ParseOptions(Parallel: false) { UnitChars = unit });
            Assert.Equal(2, m.Functions.Count);
            Assert.Equal("dir/{odd};name.cu", m.Files[1]);
            Assert.Equal(3, m.Functions[0].Instructions.Count);
            var e = Assert.Single(m.Errors);
            Assert.Equal(17, e.Span.StartLine);
        }
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
