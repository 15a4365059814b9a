using PtxLint.Ir;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Parsing;

/// <summary>
/// Constant expressions as the PTX ISA defines them (section "Constant Expressions"): the operators, their
/// precedence, and the 64-bit signed/unsigned/f64 evaluation rules, in instruction operands, initializers, array
/// sizes and addresses. Both parsers must build the same IR.
/// </summary>
public class ConstantExpressionTests
{
    private const string H = ".version 8.0\n.target sm_90\n.address_size 64\n";

    private static PtxModule Parse(string text)
    {
        var m = Corpus.Parse(text);
        Assert.True(m.Errors.Count == 0, string.Join("; ", m.Errors.Select(e => $"{e.Span}: {e.Message}")));
        Assert.Equal(IrDump.Dump(Corpus.Parse(text, antlr: true)), IrDump.Dump(m));
        return m;
    }

    /// <summary>The last operand of <c>mov.b64 %rd1, EXPR;</c>.</summary>
    private static Operand Value(string expr)
    {
        var m = Parse(H + ".visible .entry k()\n{\n.reg .b64 %rd<4>;\nmov.b64 %rd1, " + expr + ";\nret;\n}\n");
        return m.Functions[0].Instructions[0].Operands[1];
    }

    private static ImmediateOperand Int(string expr)
    {
        var op = Value(expr);
        return Assert.IsType<ImmediateOperand>(op);
    }

    [Fact]
    public void The_issue_example_parses_and_folds()
    {
        var m = Parse(H + ".visible .entry k()\n{\n.reg .b64 %rd<6>;\nor.b64 %rd5, %rd5, ((256 >> 4) << 32);\nret;\n}\n");
        var imm = Assert.IsType<ImmediateOperand>(m.Functions[0].Instructions[0].Operands[2]);
        Assert.Equal(16L << 32, imm.Value);
        Assert.Equal("(256>>4)<<32", imm.Text);
    }

    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("1 << 2 + 1", 8)]             // + binds tighter than <<
    [InlineData("6 & 3 | 8 ^ 1", 11)]         // & before ^ before |
    [InlineData("1 | 2 == 2", 1)]             // == before |
    [InlineData("2 < 3 == 1", 1)]             // < before ==
    [InlineData("10 - 4 - 3", 3)]             // left-associative
    [InlineData("100 / 10 / 5", 2)]
    [InlineData("-(-42)", 42)]
    [InlineData("+7", 7)]
    [InlineData("!0", 1)]
    [InlineData("!5", 0)]
    [InlineData("7 % 3", 1)]
    [InlineData("-8 >> 1", -4)]               // signed: arithmetic shift
    [InlineData("-1 < 0", 1)]
    [InlineData("-1 < 0U", 0)]                // one unsigned operand: both compared unsigned
    [InlineData("3 && 0", 0)]
    [InlineData("0 || 7", 1)]
    [InlineData("5 != 5", 0)]
    [InlineData("2 <= 2", 1)]
    [InlineData("3 >= 4", 0)]
    [InlineData("4 > 3", 1)]
    [InlineData("1 ? 2 : 3", 2)]
    [InlineData("0 ? 2 : 1 ? 4 : 5", 4)]      // ?: is right-associative
    [InlineData("(.s64) 0xFFFFFFFFFFFFFFFF", -1)]
    [InlineData("0x10 + 010 + 0b10", 16 + 8 + 2)]
    [InlineData("-9 / 2", -4)]                // signed division truncates
    [InlineData("1 << 64", 0)]                // fully defined: shifting everything out gives 0
    [InlineData("-1 >> 70", -1)]
    public void Integer_expressions_follow_the_isa_precedence_and_rules(string expr, long expected)
    {
        var imm = Int(expr);
        Assert.Equal(expected, imm.Value);
        Assert.Equal(expr.Replace(" ", ""), imm.Text);
    }

    [Theory]
    [InlineData("42", false)]
    [InlineData("42U", true)]
    [InlineData("0xfabc123400000000", true)]  // does not fit in .s64: unsigned
    [InlineData("-1U", true)]                 // unary minus keeps the type
    [InlineData("~0", true)]                  // ~ gives an unsigned result
    [InlineData("1 + 2U", true)]              // the usual arithmetic conversions
    [InlineData("-7 % 3", true)]              // % works on unsigned values
    [InlineData("1U < 2", false)]             // comparisons give a signed 0 or 1
    [InlineData("!1U", false)]
    [InlineData("(.u64) -1", true)]
    [InlineData("1U << 3", true)]             // << keeps the first operand's type
    [InlineData("1 << 3U", false)]
    [InlineData("0 ? 1 : 2U", true)]
    public void Signedness_follows_the_isa_rules(string expr, bool unsigned)
    {
        Assert.Equal(unsigned, Int(expr).IsUnsigned);
    }

    [Fact]
    public void Remainder_and_right_shift_of_unsigned_values_differ_from_c()
    {
        // -7 % 3 is 0: % interprets -7 as the unsigned 2^64 - 7, which 3 divides
        Assert.Equal(0, Int("-7 % 3").Value);
        Assert.Equal(0x0FFFFFFFFFFFFFFFL, Int("0xFFFFFFFFFFFFFFF0 >> 4").Value); // unsigned: a logical shift
        Assert.Equal(unchecked((long)0xFFFFFFFFFFFFFFFFUL), Int("~0").Value);
    }

    [Theory]
    [InlineData("1.5 * 2.0", 3.0)]
    [InlineData("0f3F800000 + 0f3F800000", 2.0)]
    [InlineData("0d4000000000000000 / 4", 0.5)] // an integer operand is converted to f64
    [InlineData("-2.5", -2.5)]
    public void Floating_point_expressions_are_evaluated_in_f64(string expr, double expected)
    {
        var f = Assert.IsType<FloatImmediateOperand>(Value(expr));
        Assert.Equal(expected, f.Value);
    }

    [Fact]
    public void Comparisons_of_floats_give_integers()
    {
        Assert.Equal(1, Int("1.5 < 2.0").Value);
        Assert.Equal(0, Int("1.5 == 2.0").Value);
    }

    [Theory]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("1 % 0", "remainder by zero")]
    [InlineData("1.5 % 2", "integer operands")]
    [InlineData("~1.5", "integer operand")]
    [InlineData("(.u32) 1", "(.s64) or (.u64)")]
    [InlineData("1.0 ? 2 : 3", "condition")]
    [InlineData("1 ? 2 : 3.0", "both be integers or both floating-point")]
    [InlineData("99999999999999999999", "does not fit in 64 bits")]
    public void Invalid_constant_expressions_say_why(string expr, string problem)
    {
        var e = Assert.IsType<ExpressionOperand>(Value(expr));
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void Names_make_an_expression_not_constant_but_symbol_offsets_fold()
    {
        var m = Parse(H + ".global .align 8 .b8 buf[64];\n.visible .entry k()\n{\n.reg .b64 %rd<4>;\n" +
            "mov.u64 %rd1, buf + 4 * 8;\nmov.u64 %rd2, buf - (1 << 2);\nadd.s64 %rd3, %rd1, %rd2 + 1;\nret;\n}\n");
        var insns = m.Functions[0].Instructions;
        var s1 = Assert.IsType<SymbolOperand>(insns[0].Operands[1]);
        Assert.Equal(("buf", 32L), (s1.Name, s1.Offset));
        var s2 = Assert.IsType<SymbolOperand>(insns[1].Operands[1]);
        Assert.Equal(-4, s2.Offset);
        var e = Assert.IsType<ExpressionOperand>(insns[2].Operands[2]);
        Assert.Equal("%rd2+1", e.Text);
        Assert.Equal("%rd2", Assert.Single(e.Regs).Name);
        Assert.Null(e.Problem);
    }

    [Fact]
    public void Addresses_fold_constant_subexpressions_into_the_offset()
    {
        var m = Parse(H + ".visible .entry k()\n{\n.reg .b64 %rd<4>;\n.reg .b32 %r<4>;\n" +
            "ld.global.u32 %r1, [%rd1+(4*8)];\nld.global.u32 %r2, [%rd1-2*2];\nld.global.u32 %r3, [%rd1+-4];\nld.global.u32 %r3, [(1<<4)];\nret;\n}\n");
        var insns = m.Functions[0].Instructions;
        long Offset(int i) => Assert.IsType<AddressOperand>(insns[i].Operands[1]).Offset;
        Assert.Equal(32, Offset(0));
        Assert.Equal(-4, Offset(1));
        Assert.Equal(-4, Offset(2));
        Assert.Equal(16, Offset(3));
        Assert.Equal("%rd1", ((AddressOperand)insns[0].Operands[1]).BaseRegister!.Name);
        Assert.Null(((AddressOperand)insns[3].Operands[1]).BaseRegister);
    }

    [Fact]
    public void Array_sizes_are_constant_expressions()
    {
        var m = Parse(H + ".shared .align 4 .b8 smem[4 * 64];\n.global .u32 grid[2][1 + 1];\n.const .f32 c[(1 << 3) - 1];\n" +
            ".visible .entry k(.param .align 4 .b8 p[2 * 8])\n{\nret;\n}\n");
        Assert.Equal(256, m.Globals["smem"].ElementCount);
        Assert.Equal(4, m.Globals["grid"].ElementCount);
        Assert.Equal(7, m.Globals["c"].ElementCount);
        Assert.Equal(16, m.Functions[0].Parameters[0].ElementCount);
    }

    [Fact]
    public void Initializers_are_evaluated_and_kept_in_the_ir()
    {
        var m = Parse(H + ".global .u32 tbl[4] = {1 + 1, 2 * 3, (1 << 4), -1};\n.global .f32 half = 0f3F000000;\n" +
            ".global .u32 nested[2][2] = {{1, 2}, {3, 4 % 3}};\n.global .u32 open[] = {5, 6, 7};\n" +
            ".global .u64 ptrs[2] = {tbl, tbl + 8};\n.global .u64 gen = generic(tbl);\n" +
            ".visible .entry k()\n{\nret;\n}\n");
        var tbl = m.Globals["tbl"].Initializer!;
        Assert.Equal(new long[] { 2, 6, 16, -1 }, tbl.Elements.Select(e => e.Value.Int));
        Assert.All(tbl.Elements, e => Assert.Equal(InitializerKind.Constant, e.Kind));
        Assert.Equal(4, tbl.TopLevelCount);
        var half = m.Globals["half"].Initializer!;
        Assert.Equal(-1, half.TopLevelCount);
        Assert.Equal(0.5, Assert.Single(half.Elements).Value.Double);
        var nested = m.Globals["nested"].Initializer!;
        Assert.Equal(new long[] { 1, 2, 3, 1 }, nested.Elements.Select(e => e.Value.Int));
        Assert.Equal(2, nested.TopLevelCount);
        Assert.Equal(3, m.Globals["open"].ElementCount); // an open array takes its size from the initializer
        var ptrs = m.Globals["ptrs"].Initializer!;
        Assert.Equal(new[] { ("tbl", 0L), ("tbl", 8L) }, ptrs.Elements.Select(e => (e.Symbol!, e.Value.Int)));
        Assert.All(ptrs.Elements, e => Assert.Equal(InitializerKind.Address, e.Kind));
        var gen = Assert.Single(m.Globals["gen"].Initializer!.Elements);
        Assert.Equal((InitializerKind.GenericAddress, "tbl"), (gen.Kind, gen.Symbol));
    }

    [Fact]
    public void Literal_data_lists_read_as_the_expressions_they_are()
    {
        // the fast parser takes a lone integer literal without an expression node: the same elements as the grammar's
        // expressions, including literals an operator or '?:' continues and one too large for 64 bits
        var text = H + ".global .u64 data[9] = {1, 0xFFFFFFFFFFFFFFFF, 18446744073709551616, 1 + 2, 3 ? 4 : 5, 6 << 1, -7, 8U, {9}};\n" +
            ".global .u32 one = 42;\n" +
            ".visible .entry k()\n{\nret;\n}\n" +
            ".section .debug_info\n{\n.b32 12\n.b8 1, 2, 3 + 1\n.b8 0\n}\n";
        var fast = Parse(text);
        var antlr = Corpus.Parse(text, antlr: true);
        foreach (var name in new[] { "data", "one" })
            Assert.Equal(antlr.Globals[name].Initializer!.Elements, fast.Globals[name].Initializer!.Elements);
        var data = fast.Globals["data"].Initializer!.Elements;
        Assert.Equal((InitializerKind.Expression, "18446744073709551616"), (data[2].Kind, data[2].Text));
        Assert.Equal(new long[] { 1, -1 }, data.Take(2).Select(e => e.Value.Int));
        Assert.Equal(new long[] { 3, 4, 12, -7, 8, 9 }, data.Skip(3).Select(e => e.Value.Int));
        Assert.Equal(42, Assert.Single(fast.Globals["one"].Initializer!.Elements).Value.Int);
        // and the fast parser reads it all itself (a wrong shortcut would fail and hand the unit to ANTLR, hiding it)
        var tokens = PtxLint.Syntax.PtxScanner.Scan(text, out int count);
        var builder = new PtxLint.Syntax.IrBuilder(new PtxModule("d.ptx", new SourceText(text)), text, tokens, PtxLint.Syntax.StringPool.ForThread());
        new PtxLint.Syntax.FastParser(builder, tokens, 0, count).ParseModule();
    }

    [Fact]
    public void Data_tables_of_plain_literals_read_like_the_grammar_reads_them()
    {
        // the fast parser keeps a brace list of plain integer literals as one run of tokens; lists that stop being
        // one part-way (an operator, a sign, a symbol, a nested list, a literal too large for 64 bits) are read
        // element by element: the same elements as the grammar's in every case
        var big = string.Join(", ", Enumerable.Range(0, 5000).Select(i => (i * 7919L % 100003).ToString()));
        var text = H + $".global .u32 run[5000] = {{{big}}};\n" +
            ".global .u32 op[4] = {1, 2, 3 + 4, 5};\n.global .s32 neg[3] = {1, -2, 3};\n.global .u32 sym[3] = {1, 2, 0};\n" +
            ".global .u64 ptr[3] = {1, run, 2};\n.global .u32 nest[2][2] = {{1, 2}, {3, 4}};\n.global .u64 huge[3] = {1, 18446744073709551616, 2};\n" +
            ".global .u32 one[1] = {7};\n.global .u32 hex[3] = {0x10, 0X20, 8U};\n" +
            ".visible .entry k()\n{\nret;\n}\n";
        var fast = Parse(text);
        var antlr = Corpus.Parse(text, antlr: true);
        foreach (var name in new[] { "run", "op", "neg", "sym", "ptr", "nest", "huge", "one", "hex" })
        {
            var (f, a) = (fast.Globals[name].Initializer!, antlr.Globals[name].Initializer!);
            Assert.Equal(a.Elements, f.Elements);
            Assert.Equal(a.TopLevelCount, f.TopLevelCount);
        }
        Assert.Equal(5000, fast.Globals["run"].Initializer!.Elements.Count);
        Assert.Equal(5000, fast.Globals["run"].Initializer!.TopLevelCount);
        Assert.Equal(7919L * 4999 % 100003, fast.Globals["run"].Initializer!.Elements[4999].Value.Int);
        Assert.Equal(new long[] { 1, 2, 7, 5 }, fast.Globals["op"].Initializer!.Elements.Select(e => e.Value.Int));
        Assert.Equal(new long[] { 1, -2, 3 }, fast.Globals["neg"].Initializer!.Elements.Select(e => e.Value.Int));
        Assert.Equal(InitializerKind.Address, fast.Globals["ptr"].Initializer!.Elements[1].Kind);
        Assert.Equal((InitializerKind.Expression, "18446744073709551616"), (fast.Globals["huge"].Initializer!.Elements[1].Kind, fast.Globals["huge"].Initializer!.Elements[1].Text));
        Assert.True(fast.Globals["hex"].Initializer!.Elements[2].Value.IsUnsigned);
        Assert.Empty(fast.Errors);
        // the fast parser reads it all itself (a failure would hand the unit to ANTLR and hide a wrong shortcut)
        var tokens = PtxLint.Syntax.PtxScanner.Scan(text, out int count);
        var builder = new PtxLint.Syntax.IrBuilder(new PtxModule("d.ptx", new SourceText(text)), text, tokens, PtxLint.Syntax.StringPool.ForThread());
        new PtxLint.Syntax.FastParser(builder, tokens, 0, count).ParseModule();
    }

    [Fact]
    public void Operators_inside_registers_and_predicates_keep_their_old_meaning()
    {
        // %p|%q is a pair of destinations, !%p a negated predicate, %r<4> a register range: not expressions
        var m = Parse(H + ".visible .entry k()\n{\n.reg .pred %p<3>;\n.reg .b32 %r<4>;\n" +
            "setp.lt.s32 %p1|%p2, %r1, 3;\nselp.b32 %r2, 1, 0, !%p1;\nmov.b32 %r3, 7 % 4;\nret;\n}\n");
        var insns = m.Functions[0].Instructions;
        Assert.IsType<DualPredicateOperand>(insns[0].Operands[0]);
        var neg = Assert.IsType<RegisterOperand>(insns[1].Operands[3]);
        Assert.True(neg.Negated);
        Assert.Equal(3, Assert.IsType<ImmediateOperand>(insns[2].Operands[1]).Value);
    }
}
