using PtxLint.Analysis;
using PtxLint.Ir;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

/// <summary>
/// The one constant folder (<see cref="ConstantValues"/>) that PTX006 and the tcgen05 rules share: its semantics for
/// types, <c>.sat</c>, <c>.cc</c>, widths, symbols, paths and loops.
/// </summary>
public class ConstantValuesTests
{
    private static PtxFunction Kernel(string body) => Fn(
        ".shared .align 4 .b8 smem[64];\n.global .align 4 .b8 gmem[64];\n" +
        ".visible .entry k(.param .u64 p, .param .u32 n)\n{\n  .reg .pred %p<4>;\n  .reg .b32 %r<32>;\n  .reg .b64 %rd<16>;\n  .reg .f32 %f<4>;\n" +
        body + "\n  ret;\n}\n");

    /// <summary>The constant the last operand of the instruction starting with <paramref name="at"/> has there.</summary>
    private static long? ConstantAt(PtxFunction fn, string at)
    {
        var insn = I(fn, at);
        return fn.Analyses.Constants.Constant(insn, insn.Operands[^1]);
    }

    /// <summary>The constant register <paramref name="reg"/> has at the instruction starting with <paramref name="at"/>.</summary>
    private static long? RegisterAt(PtxFunction fn, string at, string reg) =>
        fn.Analyses.Constants.Constant(I(fn, at), new RegisterOperand(reg));

    [Fact]
    public void Integer_arithmetic_folds_through_registers()
    {
        var fn = Kernel("""
              mov.u32 %r1, 6;
              add.s32 %r2, %r1, 10;
              sub.s32 %r3, %r2, 1;
              mul.lo.s32 %r4, %r3, 4;
              shl.b32 %r5, %r4, 2;
              shr.u32 %r6, %r5, 3;
              and.b32 %r7, %r6, 0xFF;
              or.b32 %r8, %r7, 0x100;
              xor.b32 %r9, %r8, 1;
              st.global.u32 [gmem], %r9;
            """);
        Assert.Equal(15, RegisterAt(fn, "st.global.u32", "%r3"));
        Assert.Equal(15 * 4, RegisterAt(fn, "st.global.u32", "%r4"));
        Assert.Equal(((15 * 4 << 2) >> 3 & 0xFF | 0x100) ^ 1, ConstantAt(fn, "st.global.u32"));
    }

    [Fact]
    public void Plain_constants_wrap_to_the_width_of_the_operation()
    {
        var fn = Kernel("""
              mov.u32 %r1, 0;
              sub.u32 %r2, %r1, 4;
              sub.s32 %r3, %r1, 4;
              cvt.u16.u32 %r20, %r2;
              st.global.u16 [gmem+24], %r20;
              shl.b32 %r4, 1, 31;
              shr.s32 %r5, %r4, 4;
              mul.wide.u32 %rd1, %r2, 2;
              st.global.u32 [gmem], %r2;
              st.global.u32 [gmem+4], %r3;
              st.global.u32 [gmem+8], %r5;
              st.global.u64 [gmem+16], %rd1;
            """);
        Assert.Equal(0xFFFF_FFFCL, ConstantAt(fn, "st.global.u32 [gmem],"));
        Assert.Equal(-4, ConstantAt(fn, "st.global.u32 [gmem+4]"));
        // shl.b32 1, 31 is 0x80000000 as bits; shr.s32 shifts in its sign
        Assert.Equal(unchecked((int)0xF8000000), ConstantAt(fn, "st.global.u32 [gmem+8]"));
        Assert.Equal(0xFFFF_FFFCL * 2, ConstantAt(fn, "st.global.u64"));
        Assert.Equal(0xFFFC, ConstantAt(fn, "st.global.u16")); // cvt narrows to its destination type
    }

    [Fact]
    public void Saturating_carry_and_floating_point_operations_are_not_folded()
    {
        var fn = Kernel("""
              mov.u32 %r1, 7;
              add.sat.s32 %r2, %r1, 1;
              add.cc.u32 %r3, %r1, 1;
              mul.hi.u32 %r4, %r1, 3;
              cvt.sat.u32.s32 %r5, %r1;
              cvt.rn.f32.u32 %f1, %r1;
              mov.b32 %r6, %f1;
              st.global.u32 [gmem], %r2;
              st.global.u32 [gmem+4], %r3;
              st.global.u32 [gmem+8], %r4;
              st.global.u32 [gmem+12], %r5;
              st.global.u32 [gmem+16], %r6;
            """);
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem],"));
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem+4]"));
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem+8]"));
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem+12]"));
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem+16]"));
    }

    [Fact]
    public void A_symbol_plus_constants_survives_cvta_cvt_and_adds()
    {
        var fn = Kernel("""
              mov.u32 %r1, smem;
              add.s32 %r2, %r1, 8;
              cvt.u64.u32 %rd1, %r2;
              cvta.shared.u64 %rd2, %rd1;
              add.s64 %rd3, %rd2, 4;
              st.u32 [%rd3+2], %r1;
              ld.shared.u32 %r3, [%r2];
              st.global.u32 [gmem], %r3;
            """);
        var st = I(fn, "st.u32");
        var c = fn.Analyses.Constants;
        Assert.Equal(new SymbolOffset("smem", 14), Assert.Single(c.AddressValues(st, (AddressOperand)st.Operands[0])!));
        Assert.Equal(new SymbolOffset("smem", 12), c.SymbolPlusConstant(st, (RegisterOperand)((AddressOperand)st.Operands[0]).BaseRegister!));
        // a symbol is not a plain constant, and a loaded value is unknown
        Assert.Null(c.Constant(st, ((AddressOperand)st.Operands[0]).BaseRegister!));
        Assert.Null(ConstantAt(fn, "st.global.u32"));
        // two symbols do not add; a symbol cannot be subtracted or shifted
        var fn2 = Kernel("""
              mov.u32 %r1, smem;
              add.s32 %r2, %r1, %r1;
              sub.s32 %r3, 64, %r1;
              shl.b32 %r4, %r1, 1;
              st.global.u32 [gmem], %r2;
              st.global.u32 [gmem+4], %r3;
              st.global.u32 [gmem+8], %r4;
            """);
        foreach (var at in new[] { "st.global.u32 [gmem],", "st.global.u32 [gmem+4]", "st.global.u32 [gmem+8]" })
            Assert.Null(fn2.Analyses.Constants.Values(I(fn2, at), I(fn2, at).Operands[^1]));
    }

    [Fact]
    public void Paths_give_a_set_of_values_and_a_loop_carried_value_is_unknown()
    {
        var fn = Kernel("""
              mov.u32 %r9, %tid.x;
              setp.eq.u32 %p1, %r9, 0;
              mov.u32 %r1, 4;
              @%p1 mov.u32 %r1, 12;
              add.s32 %r2, %r1, 1;
              st.global.u32 [gmem], %r2;
              mov.u32 %r3, 0;
            LOOP:
              add.s32 %r3, %r3, 1;
              setp.lt.u32 %p2, %r3, 10;
              @%p2 bra LOOP;
              st.global.u32 [gmem+4], %r3;
            """);
        var st = I(fn, "st.global.u32 [gmem],");
        var values = fn.Analyses.Constants.Values(st, st.Operands[^1]);
        Assert.NotNull(values);
        Assert.Equal(new long[] { 5, 13 }, values!.Select(v => v.Offset).Order().ToArray());
        Assert.Null(fn.Analyses.Constants.Constant(st, st.Operands[^1])); // two values: not one constant
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem+4]"));
    }

    [Fact]
    public void Live_in_registers_parameters_and_special_registers_are_unknown()
    {
        var fn = Kernel("""
              ld.param.u32 %r1, [n];
              add.s32 %r2, %r1, 1;
              mov.u32 %r3, %tid.x;
              add.s32 %r4, %r30, 1;
              st.global.u32 [gmem], %r2;
              st.global.u32 [gmem+4], %r3;
              st.global.u32 [gmem+8], %r4;
            """);
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem],"));
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem+4]"));
        Assert.Null(ConstantAt(fn, "st.global.u32 [gmem+8]"));
    }

    [Fact]
    public void A_long_chain_of_definitions_folds_without_exhausting_the_stack()
    {
        // deeper than the folder's recursion limit: the value is unknown there, not a crash, and asking again from a
        // nearer point (memoized partial results) still gives the right constant
        var body = new System.Text.StringBuilder("  mov.u32 %r1, 0;\n");
        for (int i = 0; i < 3000; i++) body.Append("  add.s32 %r1, %r1, 1;\n");
        body.Append("  st.global.u32 [gmem], %r1;\n");
        var fn = Kernel(body.ToString());
        var st = I(fn, "st.global.u32");
        var c = fn.Analyses.Constants;
        var far = c.Constant(st, st.Operands[^1]);
        Assert.True(far is null or 3000, $"got {far}");
        // walking up from the first definitions, every value is found
        long? last = null;
        foreach (var insn in fn.Instructions.Where(i => i.Opcode == "add"))
            last = c.Constant(insn, insn.Operands[1]);
        Assert.Equal(2999, last);
        Assert.Equal(3000, c.Constant(st, st.Operands[^1]));
    }
}
