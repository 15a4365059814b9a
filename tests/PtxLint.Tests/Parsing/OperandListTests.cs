using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Semantics;
using PtxLint.Syntax;
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
        Assert.Equal(0, c.Operands.Count);
        Assert.False(c.Listed);
    }

    [Fact]
    public void Parsed_instructions_share_operand_arrays_and_read_their_own_operands()
    {
        var m = PtxParserDriver.Parse("t.ptx", """
            .version 8.0
            .target sm_90
            .address_size 64
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
            """);
        var insns = m.Functions.Single().Instructions;
        Assert.Equal(new[] { "%rd1", "[p]" }, insns[0].Operands.Select(o => o.ToString()));
        Assert.Equal(new[] { "%r2", "%r1", "5" }, insns[2].Operands.Select(o => o.ToString()));
        Assert.Equal(new[] { "[%rd1]", "%r2" }, insns[3].Operands.Select(o => o.ToString()));
        Assert.Empty(insns[4].Operands);
        Assert.True(insns.All(i => i.Listed));
    }
}
