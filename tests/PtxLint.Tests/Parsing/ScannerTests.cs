using Antlr4.Runtime;
using PtxLint.Syntax;
using PtxLint.Syntax.Generated;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Parsing;

/// <summary>The hand-written scanner must produce exactly the tokens of grammar/PtxLexer.g4.</summary>
public class ScannerTests
{
    internal static List<(int Type, int Start, int Stop, int Line, int Col)> AntlrTokens(string text)
    {
        var lexer = new PtxLexer(new AntlrInputStream(text));
        lexer.RemoveErrorListeners();
        var list = new List<(int, int, int, int, int)>();
        for (var t = lexer.NextToken(); ; t = lexer.NextToken())
        {
            if (t.Channel == 0) list.Add((t.Type, t.StartIndex, t.Type == TokenConstants.EOF ? -1 : t.StopIndex, t.Line, t.Column));
            if (t.Type == TokenConstants.EOF) break;
        }
        return list;
    }

    internal static List<(int Type, int Start, int Stop, int Line, int Col)> ScannerTokens(string text)
    {
        var raw = PtxScanner.Scan(text, out int n);
        return raw.Take(n).Select(t => (t.Type, t.Start, t.Type == TokenConstants.EOF ? -1 : t.Stop, t.Line, t.Column)).ToList();
    }

    private static void AssertSame(string text, string name)
    {
        var a = AntlrTokens(text);
        var s = ScannerTokens(text);
        for (int i = 0; i < Math.Min(a.Count, s.Count); i++)
            if (a[i] != s[i])
                Assert.Fail($"{name}: token {i} differs: antlr {a[i]} ('{Slice(text, a[i])}'), scanner {s[i]} ('{Slice(text, s[i])}')");
        Assert.Equal(a.Count, s.Count);
    }

    private static string Slice(string text, (int Type, int Start, int Stop, int Line, int Col) t) =>
        t.Stop < t.Start ? "<EOF>" : text.Substring(t.Start, Math.Min(t.Stop - t.Start + 1, 40));

    [Theory]
    [InlineData("mov.u32 %r1, %tid.x;")]
    [InlineData("\uFEFF.version 9.0\r\n.target sm_90a\r\n")]
    [InlineData("ld.global.v4.f32 {%f1,%f2,%f3,%f4}, [%rd1+-16]; // c\n/* block\ncomment */ ret;")]
    [InlineData("mov.f32 %f1, 0f3F800000; mov.f64 %fd1, 0d3FF0000000000000; add.s32 %r1, 0x1FU, 017; and.b32 %r2, 0b101, 1.5e3;")]
    [InlineData("tcgen05.ld.sync.aligned.32x32b.x8.b32 {%r1}, [%r2]; tex.3d.v4.s32.f32 {a}, [t, {b}];")]
    [InlineData("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%r1], [%rd1], 16, [%r2];")]
    [InlineData("@!%p1 bra $L__BB0_1; setp.lt.s32 %p1|%p2, %r1, 2; \"str\\\"ing\" /* unterminated")]
    [InlineData("0f3F80 0x 0b 1e 1.x %  . .5 :: : # \u00e9 \"unterminated\n")]
    public void Scanner_matches_antlr_lexer_on_snippets(string text) => AssertSame(text, "snippet");

    [Fact]
    public void Scanner_matches_antlr_lexer_on_own_ptx() 
    {
        foreach (var f in Corpus.Own()) AssertSame(f.Text, f.Name);
    }

    [SharedCorpusFact]
    public void Scanner_matches_antlr_lexer_on_the_shared_corpus()
    {
        foreach (var f in Corpus.Shared().Where(f => f.Text.Length <= 3_000_000)) AssertSame(f.Text, f.Name);
    }
}
