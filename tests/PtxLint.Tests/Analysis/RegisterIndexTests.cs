using PtxLint.Analysis;
using PtxLint.Ir;
using PtxLint.Semantics;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class RegisterIndexTests
{
    private const string Scatter = """
        .visible .entry k(.param .u64 k_param_0, .param .u64 k_param_1)
        {
          .reg .pred %p<3>;
          .reg .b32 %r<12>;
          .reg .b64 %rd<12>;
          ld.param.u64 %rd1, [k_param_0];
          ld.param.u64 %rd2, [k_param_1];
          cvta.to.global.u64 %rd3, %rd1;
          cvta.to.global.u64 %rd4, %rd2;
          mov.u32 %r1, %tid.x;
          ld.global.u32 %r2, [%rd3];
          mov.u32 %r5, 0;
        $L_loop:
          add.s32 %r6, %r5, %r2;
          add.s32 %r5, %r6, 1;
          setp.lt.u32 %p1, %r5, 8;
          @%p1 bra $L_loop;
          mul.wide.u32 %rd5, %r1, 4;
          add.s64 %rd6, %rd4, %rd5;
          st.global.u32 [%rd6], %r5;
          ret;
        }
        """;

    [Fact]
    public void Registers_are_numbered_in_order_of_first_mention_with_distinct_uses_and_defs()
    {
        var fn = Fn(Scatter);
        var regs = fn.Analyses.Registers;
        // ld.param.u64 %rd1 names %rd1 first; special registers are not numbered
        Assert.Equal(0, regs.Id("%rd1"));
        Assert.Equal("%rd1", regs.Name(0));
        Assert.Equal(-1, regs.Id("%tid.x"));
        Assert.Equal(-1, regs.Id("%r11"));
        var add = I(fn, "add.s32 %r6");
        Assert.Equal(new[] { regs.Id("%r5"), regs.Id("%r2") }, regs.UsesAt(add.Index).ToArray());
        Assert.Equal(new[] { regs.Id("%r6") }, regs.DefsAt(add.Index).ToArray());
        // the guard is a use of the branch
        Assert.Equal(new[] { regs.Id("%p1") }, regs.UsesAt(I(fn, "@%p1 bra").Index).ToArray());
        // the reaching definitions are built over the same numbering
        Assert.Equal(regs.Count, fn.Analyses.Defs.RegisterCount);
        Assert.Equal(regs.Id("%r5"), fn.Analyses.Defs.RegisterId("%r5"));
    }

    [Fact]
    public void Ranges_declared_larger_than_used_or_with_a_digit_in_the_prefix_number_their_names_alike()
    {
        // %r<100000> is declared far past what the function uses (its slots are made at the declared size, within a
        // bound of the function's size; names past the bound are numbered too); %q1<4> declares %q10 to %q13, which
        // split as %q and 10 to 13: no slots are made for a prefix %q1
        var fn = Fn("""
            .visible .entry k()
            {
              .reg .b32 %r<100000>;
              .reg .b32 %q1<4>;
              mov.u32 %r1, %tid.x;
              mov.u32 %q12, %r1;
              add.s32 %r99999, %q12, %r1;
              add.s32 %q10, %r99999, %q12;
              ret;
            }
            """);
        var regs = fn.Analyses.Registers;
        Assert.Equal(new[] { "%r1", "%q12", "%r99999", "%q10" }, Enumerable.Range(0, regs.Count).Select(regs.Name));
        Assert.Equal(2, regs.Id("%r99999"));
        Assert.Equal(3, regs.Id("%q10"));
        Assert.Equal(-1, regs.Id("%q11"));
        Assert.Equal(-1, regs.Id("%r2"));
        var add = I(fn, "add.s32 %q10");
        Assert.Equal(new[] { regs.Id("%r99999"), regs.Id("%q12") }, regs.UsesAt(add.Index).ToArray());
    }

    [Fact]
    public void The_forward_closure_follows_every_path_and_loop_and_stops_where_told()
    {
        var fn = Fn(Scatter);
        var regs = fn.Analyses.Registers;
        static bool GlobalLoad(Instruction i) => i.Opcode == "ld" && i.Space == StateSpace.Global;
        static bool NotALoad(Instruction i) => i.Info.Mem != MemKind.Load;
        var fromLoad = regs.ForwardClosure(GlobalLoad, NotALoad);
        // %r2 is loaded; %r6 and %r5 take it around the loop (the first %r5 = 0 does not matter: flow-insensitive)
        foreach (var r in new[] { "%r2", "%r6", "%r5", "%p1" }) Assert.True(regs.Contains(fromLoad, r), r);
        // the store's address comes from a parameter and %tid.x only
        foreach (var r in new[] { "%rd1", "%rd3", "%rd4", "%rd5", "%rd6", "%r1" }) Assert.False(regs.Contains(fromLoad, r), r);
        Assert.False(regs.Contains(fromLoad, "%nope"));

        // from the parameter loads, through everything but loads: the loaded %r2 is not reached through its address
        var fromParams = regs.ForwardClosure(i => i.Opcode == "ld" && i.Space == StateSpace.Param, NotALoad);
        Assert.True(regs.Contains(fromParams, "%rd6"));
        Assert.False(regs.Contains(fromParams, "%r2"));
        // and when loads propagate too, it is
        var throughLoads = regs.ForwardClosure(i => i.Opcode == "ld" && i.Space == StateSpace.Param, _ => true);
        Assert.True(regs.Contains(throughLoads, "%r2"));
        Assert.True(regs.Contains(throughLoads, "%r5"));
    }

    [Fact]
    public void No_source_gives_the_empty_set()
    {
        var fn = Fn(Scatter);
        var regs = fn.Analyses.Registers;
        var none = regs.ForwardClosure(_ => false, _ => true);
        Assert.Equal(regs.Count, none.Length);
        Assert.DoesNotContain(true, none);
    }

    [Theory]
    [InlineData("%rd12", 3, 12)]
    [InlineData("%r0", 2, 0)]
    [InlineData("%r01", 2, -1)]
    [InlineData("%r", -1, -1)]
    [InlineData("123", -1, -1)]
    [InlineData("%r12345678901", 2, int.MaxValue)]
    public void A_register_name_splits_into_a_prefix_and_a_number_without_a_leading_zero(string name, int prefix, int number)
    {
        Assert.Equal(prefix, RegisterNames.NumberStart(name));
        Assert.Equal(number >= 0, RegisterNames.TrySplit(name, out int p, out int n));
        if (number >= 0) Assert.Equal((prefix, number), (p, n));
    }

    [Fact]
    public void The_parser_the_symbol_table_and_the_register_index_agree_on_what_a_range_covers()
    {
        var fn = Fn("""
            .visible .entry k()
            {
              .reg .b32 %r<8>;
              .reg .b32 %r01;
              mov.b32 %r01, 1;
              mov.b32 %r1, %r01;
              mov.b32 %r7, %r1;
              mov.b32 %r1234567, %r7;
              ret;
            }
            """);
        var symbols = fn.Analyses.Symbols;
        Assert.Null(symbols.Register("%r8", 0));
        Assert.Equal(8, symbols.Register("%r7", 0)?.Count);
        Assert.Equal(8, symbols.Register("%r1", 0)?.Count);
        Assert.Null(symbols.Register("%r01", 0)?.Count);
        Assert.NotNull(symbols.Register("%r01", 0));
        Assert.Null(symbols.Register("%r1234567", 0));
        var regs = fn.Analyses.Registers;
        var ids = new[] { "%r01", "%r1", "%r7", "%r1234567" }.Select(regs.Id).ToArray();
        Assert.Equal(new[] { 0, 1, 2, 3 }, ids);
        Assert.Equal(-1, regs.Id("%r001"));
        Assert.Equal(-1, regs.Id("%r8"));
    }
}
