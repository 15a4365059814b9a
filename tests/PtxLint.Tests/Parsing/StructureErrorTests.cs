using PtxLint.Tests.Support;

namespace PtxLint.Tests.Parsing;

/// <summary>Structural problems ptxas rejects at parse time: unclosed bodies, characters outside ASCII.</summary>
public class StructureErrorTests
{
    private const string H = ".version 8.0\n.target sm_90\n.address_size 64\n";

    private const string Unclosed =
        H + ".visible .entry k(.param .u64 p)\n{\n.reg .b32 %r<4>;\nmov.u32 %r1, %tid.x;\n{\nadd.s32 %r2, %r1, 1;\n}\nret;\n\n" +
        ".visible .entry k2()\n{\n.reg .b32 %r<4>;\nmov.u32 %r1, %tid.x;\nret;\n}\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_unclosed_body_is_one_error_at_its_brace_and_the_next_kernel_is_its_own(bool antlr)
    {
        var m = Corpus.Parse(Unclosed, antlr: antlr);
        var e = Assert.Single(m.Errors);
        Assert.Equal("`{` of `.entry k` (line 4) is never closed", e.Message);
        Assert.Equal((5, 1), (e.Span.StartLine, e.Span.StartColumn));
        Assert.Contains("`.visible .entry k2` at line 13", e.Notes[0]);
        Assert.NotNull(e.Help);
        Assert.Equal(new[] { "k", "k2" }, m.Functions.Select(f => f.Name));
        Assert.Equal(3, m.Functions[0].Instructions.Count);
        Assert.Equal(2, m.Functions[1].Instructions.Count);
        Assert.True(m.Functions[1].IsVisible);
    }

    [Fact]
    public void Both_parsers_build_the_same_ir_after_the_repair()
    {
        Assert.Equal(IrDump.Dump(Corpus.Parse(Unclosed, antlr: true)), IrDump.Dump(Corpus.Parse(Unclosed)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_body_left_open_at_the_end_of_the_file_is_named(bool antlr)
    {
        var m = Corpus.Parse(H + ".visible .entry k()\n{\n.reg .b32 %r<2>;\nmov.u32 %r1, 1;\n", antlr: antlr);
        var e = Assert.Single(m.Errors);
        Assert.Equal("`{` of `.entry k` (line 4) is never closed", e.Message);
        Assert.Contains("file ends", e.Notes[0]);
        Assert.Single(Assert.Single(m.Functions).Instructions);
    }

    [Fact]
    public void Other_syntax_errors_are_still_reported_with_a_repaired_body()
    {
        var m = Corpus.Parse(H + ".visible .entry k()\n{\nmov.u32 %r1 1;\n.visible .entry k2()\n{\nret;\n}\n");
        Assert.Equal(2, m.Errors.Count);
        Assert.Contains(m.Errors, e => e.Message.Contains("never closed"));
        Assert.Contains(m.Errors, e => e.Message.StartsWith("unexpected '1'", StringComparison.Ordinal));
        Assert.NotNull(m.FindFunction("k2"));
    }

    [Fact]
    public void Non_ascii_characters_are_located_and_counted_even_in_comments()
    {
        var m = Corpus.Parse(H + "// caf\u00e9\n.visible .entry k()\n{\n// \u00b5s \u2192 ns\nret;\n}\n");
        Assert.Empty(m.Errors);
        Assert.Equal((4, 7), (m.FirstNonAscii.StartLine, m.FirstNonAscii.StartColumn));
        Assert.Equal(2, m.NonAsciiLines);
        Assert.True(Corpus.Parse(H + ".visible .entry k()\n{\nret;\n}\n").FirstNonAscii.IsEmpty);
    }

    [Fact]
    public void Every_version_and_target_directive_is_recorded()
    {
        var m = Corpus.Parse(H + ".visible .entry k()\n{\nret;\n}\n" + H + ".visible .entry k()\n{\nret;\n}\n");
        Assert.Equal(2, m.VersionDirectives.Count);
        Assert.Equal(2, m.TargetDirectives.Count);
        Assert.Equal(1, m.VersionSpan.StartLine);
        Assert.Equal(2, m.Functions.Count(f => f.Name == "k"));
    }
}
