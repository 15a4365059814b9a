using PtxLint.Ir;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class SymbolTableTests
{
    /// <summary>Nested blocks that shadow a function-level single register and range, the way inline asm does.</summary>
    private const string Nested = """
        .visible .entry k(.param .u64 k_param_0)
        {
          .reg .pred p;
          .reg .b32 %r<8>;
          .reg .b32 t<2>;
          mov.u32 %r1, %tid.x;
          setp.ne.u32 p, %r1, 0;
          {
            .reg .pred p;
            .reg .b32 t<4>;
            setp.ne.u32 p, %r1, 1;
            mov.u32 t3, %r1;
            {
              .reg .b16 p;
              mov.u16 p, 7;
              mov.u32 t1, %r1;
            }
            @p mov.u32 %r2, t3;
          }
          @p mov.u32 %r3, t1;
          {
            .reg .b64 %r<2>;
            mov.u64 %r1, 5;
          }
          mov.u32 %r4, %r1;
          ret;
        }
        """;

    private static RegisterDecl? At(PtxFunction fn, string instruction, string register) =>
        fn.Analyses.Symbols.Register(register, I(fn, instruction).Index);

    [Fact]
    public void A_register_resolves_to_the_innermost_block_that_declares_it()
    {
        var fn = Fn(Nested);
        Assert.Equal(".pred", At(fn, "setp.ne.u32 p, %r1, 0", "p")!.TypeName);
        Assert.Null(At(fn, "setp.ne.u32 p, %r1, 0", "p")!.Scope);
        var inner = At(fn, "setp.ne.u32 p, %r1, 1", "p")!;
        Assert.Equal(".pred", inner.TypeName);
        Assert.NotNull(inner.Scope);
        Assert.Equal(".b16", At(fn, "mov.u16 p, 7", "p")!.TypeName);
        // back in the first block after the innermost one closes
        Assert.Same(inner, At(fn, "@p mov.u32 %r2", "p"));
        Assert.Null(At(fn, "@p mov.u32 %r3", "p")!.Scope);
        // ranges: t3 exists only in the block's t<4>; t1 in the block and at function level
        Assert.Equal(4, At(fn, "mov.u32 t3", "t3")!.Count);
        Assert.Equal(4, At(fn, "mov.u32 t1, %r1", "t1")!.Count);
        Assert.Equal(2, At(fn, "@p mov.u32 %r3", "t1")!.Count);
        Assert.Null(At(fn, "@p mov.u32 %r3", "t3"));
        // a block's range shadows the function's for the numbers it covers
        Assert.Equal(".b64", At(fn, "mov.u64 %r1, 5", "%r1")!.TypeName);
        Assert.Equal(".b32", At(fn, "mov.u64 %r1, 5", "%r5")!.TypeName);
        Assert.Equal(".b32", At(fn, "mov.u32 %r4", "%r1")!.TypeName);
        // the same questions asked again (the answers are cached) give the same answers
        Assert.Same(inner, At(fn, "setp.ne.u32 p, %r1, 1", "p"));
        Assert.Equal(".b16", At(fn, "mov.u16 p, 7", "p")!.TypeName);
    }

    [Fact]
    public void A_single_register_named_like_a_range_member_is_found_before_the_range()
    {
        // no block scopes: the flat lookup, which asks for a single register of a numbered name only when some
        // single register's name ends in a digit
        var fn = Fn("""
            .visible .entry k()
            {
              .reg .b32 %r<4>;
              .reg .b64 %r7;
              .reg .b64 %SP;
              mov.u32 %r1, %tid.x;
              mov.u64 %r7, 5;
              mov.u64 %SP, %r7;
              ret;
            }
            """);
        Assert.Equal(".b64", At(fn, "mov.u64 %r7, 5", "%r7")!.TypeName);
        Assert.Null(At(fn, "mov.u64 %r7, 5", "%r7")!.Count);
        Assert.Equal(4, At(fn, "mov.u32 %r1", "%r1")!.Count);
        Assert.Equal(".b64", At(fn, "mov.u64 %SP", "%SP")!.TypeName);
        Assert.Null(At(fn, "mov.u32 %r1", "%r5"));
        var plain = Fn("""
            .visible .entry k()
            {
              .reg .b32 %r<4>;
              .reg .b64 %SP;
              mov.u32 %r1, %tid.x;
              ret;
            }
            """);
        Assert.Equal(4, At(plain, "mov.u32 %r1", "%r1")!.Count);
        Assert.Equal(".b64", At(plain, "mov.u32 %r1", "%SP")!.TypeName);
        Assert.Null(At(plain, "mov.u32 %r1", "%r4"));
    }

    [Fact]
    public void Thousands_of_blocks_that_declare_the_same_register_each_see_their_own()
    {
        var body = new System.Text.StringBuilder();
        body.AppendLine(".visible .entry k()\n{\n  .reg .b32 %r<4>;\n  mov.u32 %r1, %tid.x;");
        const int blocks = 3000;
        for (int i = 0; i < blocks; i++)
            body.AppendLine($"  {{\n    .reg .pred p;\n    setp.ne.u32 p, %r1, {i};\n    @p add.u32 %r2, %r1, {i};\n  }}");
        body.AppendLine("  ret;\n}");
        var fn = Fn(body.ToString());
        var symbols = fn.Analyses.Symbols;
        var seen = new HashSet<RegisterDecl>();
        foreach (var insn in fn.Instructions)
        {
            if (insn.Opcode != "setp") continue;
            var d = symbols.Register("p", insn.Index)!;
            Assert.True(d.Scope!.Contains(insn.Index));
            Assert.True(seen.Add(d), "two blocks resolved to one declaration");
        }
        Assert.Equal(blocks, seen.Count);
    }
}
