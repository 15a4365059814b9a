using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Semantics;
using PtxLint.Syntax;
using PtxLint.Tests.Analysis;
using Xunit;

namespace PtxLint.Tests.Parsing;

public class OperandListTests
{
    private static readonly RegisterOperand R1 = new("%r1"), R2 = new("%r2"), R3 = new("%r3");

    [Fact]
    public void A_run_of_a_shared_array_reads_only_its_own_operands()
    {
        var shared = new Operand[] { R3, R1, R2, R3 };
        var run = new OperandList(shared, 1, 2);
        Assert.Equal(2, run.Count);
        Assert.Same(R1, run[0]);
        Assert.Same(R2, run[1]);
        Assert.Throws<IndexOutOfRangeException>(() => run[2]);
        Assert.Throws<IndexOutOfRangeException>(() => run[-1]);
        Assert.Equal(new Operand[] { R1, R2 }, run.AsSpan().ToArray());
        var seen = new List<Operand>();
        foreach (var op in run) seen.Add(op);
        Assert.Equal(new Operand[] { R1, R2 }, seen);
        Assert.Equal(new Operand[] { R1, R2 }, ((IEnumerable<Operand>)run).ToList()); // the interface's enumerator
        Assert.Empty(default(OperandList));
        Assert.Equal(0, default(OperandList).AsSpan().Length);
    }

    [Fact]
    public void An_instruction_keeps_its_run_index_and_listing()
    {
        var m = new PtxModule("t.ptx", new SourceText(""));
        var fn = new PtxFunction(m, "k", isEntry: true);
        var form = new OpcodeForm("add", new[] { ".s32" }, InstructionTable.Lookup("add", new[] { ".s32" }));
        var shared = new Operand[3000];
        shared[10] = R1; shared[11] = R2; shared[12] = R3;
        shared[2500] = R3; shared[2501] = R1;
        // a run that starts within the first 2048 slots is kept as start and count
        var a = new Instruction(fn, 7, form, new OperandList(shared, 10, 3), listed: true);
        Assert.Equal(7, a.Index);
        Assert.True(a.Listed);
        Assert.Equal(new Operand[] { R1, R2, R3 }, a.Operands.AsSpan().ToArray());
        // one that starts later gets an array of its own, with the same operands
        var b = new Instruction(fn, 123_456, form, new OperandList(shared, 2500, 2), listed: false);
        Assert.Equal(123_456, b.Index);
        Assert.False(b.Listed);
        Assert.Equal(new Operand[] { R3, R1 }, b.Operands.AsSpan().ToArray());
        var c = new Instruction(fn, 0, "ret", Array.Empty<string>(), Array.Empty<Operand>());
        Assert.Empty(c.Operands);
        Assert.False(c.Listed);
    }

    [Fact]
    public void Parsed_instructions_share_operand_arrays_and_read_their_own_operands()
    {
        var insns = AnalysisTestUtil.Fn("""
            .visible .entry k(.param .u64 p)
            {
                .reg .b32 %r<8>;
                .reg .b64 %rd<4>;
                ld.param.u64 %rd1, [p];
                mov.u32 %r1, %tid.x;
                add.s32 %r2, %r1, 5;
                st.global.u32 [%rd1], %r2;
                ret;
            }
            """).Instructions;
        Assert.Equal(new[] { "%rd1", "[p]" }, insns[0].Operands.Select(o => o.ToString()));
        Assert.Equal(new[] { "%r2", "%r1", "5" }, insns[2].Operands.Select(o => o.ToString()));
        Assert.Equal(new[] { "[%rd1]", "%r2" }, insns[3].Operands.Select(o => o.ToString()));
        Assert.Empty(insns[4].Operands);
        Assert.True(insns.All(i => i.Listed));
    }

    [Fact]
    public void A_guard_is_kept_before_the_operands_and_is_not_one_of_them()
    {
        var insns = AnalysisTestUtil.Fn("""
            .visible .entry k()
            {
                .reg .pred %p<3>;
                .reg .b32 %r<8>;
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 32;
                @%p1 add.s32 %r2, %r1, 5;
                @!%p1 bra DONE;
                @%p1 ret;
            DONE:
                ret;
            }
            """).Instructions;
        Assert.Null(insns[0].Guard);
        Assert.Equal("%p1", insns[2].Guard!.ToString());
        Assert.Equal(new[] { "%r2", "%r1", "5" }, insns[2].Operands.Select(o => o.ToString()));
        Assert.Equal("!%p1", insns[3].Guard!.ToString());
        Assert.Equal(new[] { "DONE" }, insns[3].Operands.Select(o => o.ToString()));
        Assert.Equal("%p1", insns[4].Guard!.ToString());
        Assert.Empty(insns[4].Operands);
        Assert.Null(insns[5].Guard);
        Assert.Contains(insns[2].Guard!, insns[2].Uses);
    }

    [Fact]
    public void Uses_of_every_instruction_are_the_registers_it_reads_in_one_array_of_the_function()
    {
        var fn = AnalysisTestUtil.Fn("""
            .visible .entry k(.param .u64 k_param_0)
            {
                .reg .pred %p<3>;
                .reg .b32 %r<8>;
                .reg .b64 %rd<4>;
                ld.param.u64 %rd1, [k_param_0];
                mov.u32 %r1, %tid.x;
                setp.lt.u32 %p1, %r1, 32;
                @%p1 add.s32 %r2, %r1, %r1;
                mad.lo.s32 %r3, %r2, %r1, %r2;
                st.global.v2.u32 [%rd1+8], {%r3, %r2};
                @!%p1 bra DONE;
                ret;
            DONE:
                ret;
            }
            """);
        var insns = fn.Instructions;
        foreach (var insn in insns)
        {
            // the same registers, in the same order, as worked out for the instruction alone
            Assert.Equal(PtxLint.Semantics.OperandRoles.ComputeUses(insn), insn.Uses.AsSpan().ToArray());
            Assert.Equal(insn.Uses.Count, insn.Uses.Length);
            Assert.Equal(insn.Uses.AsSpan().ToArray(), insn.Uses.ToArray()); // the enumerator, through LINQ
        }
        Assert.Equal(new[] { "%tid.x" }, insns[1].Uses.Select(u => u.FullName));
        Assert.Equal(new[] { "%p1", "%r1", "%r1" }, insns[3].Uses.Select(u => u.FullName));
        Assert.Equal(new[] { "%r2", "%r1", "%r2" }, insns[4].Uses.Select(u => u.FullName));
        Assert.Equal(new[] { "%rd1", "%r3", "%r2" }, insns[5].Uses.Select(u => u.FullName));
        Assert.Empty(insns[7].Uses);
        Assert.Throws<IndexOutOfRangeException>(() => insns[1].Uses[1]);
        // an instruction that is not in its function's list has its uses worked out on their own
        var loose = new Instruction(fn, insns.Count + 5, "add", new[] { ".s32" }, new Operand[] { R1, R2, R3 });
        Assert.Equal(new[] { "%r2", "%r3" }, loose.Uses.Select(u => u.FullName));
        Assert.Equal(new[] { "%r1" }, loose.Defs.Select(d => d.FullName));
    }

    [Fact]
    public void A_guard_set_after_construction_moves_the_operands_to_an_own_array()
    {
        var m = new PtxModule("t.ptx", new SourceText(""));
        var fn = new PtxFunction(m, "k", isEntry: true);
        var p = new RegisterOperand("%p1", negated: true);
        var i = new Instruction(fn, 3, "add", new[] { ".s32" }, new Operand[] { R1, R2, R3 }) { Guard = p };
        Assert.Same(p, i.Guard);
        Assert.Equal(new Operand[] { R1, R2, R3 }, i.Operands.AsSpan().ToArray());
        Assert.Equal(3, i.Index);
        var j = new Instruction(fn, 4, "ret", Array.Empty<string>(), Array.Empty<Operand>()) { Guard = p };
        Assert.Same(p, j.Guard);
        Assert.Empty(j.Operands);
    }

    [Fact]
    public void Spans_that_do_not_pack_are_kept_exactly()
    {
        var pad = new string(' ', 5000);
        var m = PtxParserDriver.Parse("t.ptx", ".version 8.0\n.target sm_90\n.address_size 64\n" +
            ".visible .entry k()\n{\n.reg .b32 %r<4>;\n" +
            "mov.u32 %r1,\n 1;\n" +                 // two lines
            pad + "mov.u32 %r2, 2;\n" +              // past column 4095
            "mov.u32 %r3,\n" + string.Concat(Enumerable.Repeat("\n", 300)) + "3;\n" + // over 254 lines
            "ret;\n}\n");
        Assert.Empty(m.Errors);
        var insns = m.Functions.Single().Instructions;
        Assert.Equal(new SourceSpan(7, 1, 8, 4), insns[0].Span);
        Assert.Equal(new SourceSpan(9, 5001, 9, 5016), insns[1].Span);
        Assert.Equal(10, insns[2].Span.StartLine);
        Assert.Equal(311, insns[2].Span.EndLine);
        Assert.Equal(new SourceSpan(312, 1, 312, 5), insns[3].Span);
        Assert.Equal(default, new Instruction(new PtxFunction(m, "f", false), 0, "ret", Array.Empty<string>(), Array.Empty<Operand>()).Span);
    }
}
