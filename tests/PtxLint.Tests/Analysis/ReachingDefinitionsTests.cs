using System.Text;
using PtxLint.Tests.Support;
using PtxLint.Analysis;
using PtxLint.Ir;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class ReachingDefinitionsTests
{
    [Fact]
    public void Diamond_merge_reaches_both_arm_definitions_and_not_the_killed_one()
    {
        var fn = Fn(ControlFlowAnalysesTests.Diamond);
        var defs = fn.Analyses.Defs;
        var add = I(fn, "add.s32 %r5");
        var d0 = I(fn, "mov.u32 %r4, 0");
        var d1 = I(fn, "mov.u32 %r4, 1");
        var d2 = I(fn, "mov.u32 %r4, 2");
        Assert.Equal(new[] { d1, d2 }, defs.Reaching(add, "%r4"));
        Assert.False(defs.MayBeUndefined(add, "%r4"));
        Assert.Empty(defs.UsesOf(d0, "%r4"));
        Assert.Equal(new[] { add }, defs.UsesOf(d1, "%r4"));
        Assert.Equal(new[] { add }, defs.UsesOf(d2, "%r4"));
        var st = I(fn, "st.global.u32");
        Assert.Equal(new[] { add }, defs.Reaching(st, "%r5"));
        Assert.Equal(new[] { I(fn, "ld.param.u64 %rd1") }, defs.Reaching(st, "%rd1"));
        // A point that does not use the register: resolved by scanning the block.
        Assert.Equal(new[] { d0 }, defs.Reaching(I(fn, "@%p1 bra"), "%r4"));
        Assert.Equal(new[] { d1, d2 }, defs.Reaching(st, "%r4"));
    }

    [Fact]
    public void Guarded_definitions_do_not_kill_and_loop_carried_values_reach_around()
    {
        var fn = Fn("""
            .visible .entry g(.param .u32 g_param_0)
            {
              .reg .pred %p<4>;
              .reg .b32 %r<10>;
              mov.u32 %r1, %tid.x;
              setp.lt.u32 %p1, %r1, 16;
              mov.u32 %r2, 0;
              @%p1 mov.u32 %r2, 5;
              add.s32 %r3, %r2, 1;
              mov.u32 %r2, 9;
              add.s32 %r4, %r2, %r6;
            $L_loop:
              add.s32 %r7, %r7, 1;
              setp.lt.u32 %p2, %r7, 10;
              @%p2 bra $L_loop;
              ret;
            }
            """);
        var defs = fn.Analyses.Defs;
        Assert.Equal(new[] { I(fn, "mov.u32 %r2, 0"), I(fn, "@%p1 mov.u32 %r2, 5") }, defs.Reaching(I(fn, "add.s32 %r3"), "%r2"));
        Assert.Equal(new[] { I(fn, "mov.u32 %r2, 9") }, defs.Reaching(I(fn, "add.s32 %r4"), "%r2"));
        // %r6 is never defined: empty reaching set, may be undefined.
        Assert.Empty(defs.Reaching(I(fn, "add.s32 %r4"), "%r6"));
        Assert.True(defs.MayBeUndefined(I(fn, "add.s32 %r4"), "%r6"));
        // %r7: undefined on entry to the loop, then its own increment.
        var inc = I(fn, "add.s32 %r7");
        Assert.Equal(new[] { inc }, defs.Reaching(inc, "%r7"));
        Assert.True(defs.MayBeUndefined(inc, "%r7"));
        Assert.Contains(inc, defs.UsesOf(inc, "%r7"));
        Assert.Contains(I(fn, "setp.lt.u32 %p2"), defs.UsesOf(inc, "%r7"));
        Assert.Equal(new[] { I(fn, "setp.lt.u32 %p2") }, defs.Reaching(I(fn, "@%p2 bra"), "%p2"));
    }

    /// <summary>Generates a large function (blocks, branches, back edges, guarded defs) over many registers.</summary>
    internal static string BigFunction(int blocks, int perBlock, int regs, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder();
        sb.Append(".visible .entry big(.param .u32 big_param_0)\n{\n  .reg .pred %p<8>;\n  .reg .b32 %r<").Append(regs).Append(">;\n");
        sb.Append("  ld.param.u32 %r0, [big_param_0];\n  mov.u32 %r1, %tid.x;\n  setp.lt.u32 %p1, %r1, 64;\n  setp.eq.u32 %p2, %r0, 3;\n");
        for (int b = 0; b < blocks; b++)
        {
            sb.Append("$L_").Append(b).Append(":\n");
            for (int k = 0; k < perBlock; k++)
            {
                // Registers from a window that slides with the block (short live ranges, as in compiler output),
                // plus an occasional far register (long live ranges, loop-carried values).
                int w = (b * 7) % (regs - 64);
                int d = 2 + w + rnd.Next(60), a = rnd.Next(20) == 0 ? rnd.Next(regs) : w + rnd.Next(64), c = w + rnd.Next(64);
                if (rnd.Next(10) == 0) sb.Append("  @%p1 ");
                else sb.Append("  ");
                sb.Append("add.s32 %r").Append(d).Append(", %r").Append(a).Append(", %r").Append(c).Append(";\n");
            }
            int kind = rnd.Next(6);
            if (kind == 0 && b > 0) sb.Append("  @%p1 bra $L_").Append(rnd.Next(Math.Max(0, b - 5), b)).Append(";\n"); // back edge
            else if (kind == 1 && b + 2 < blocks) sb.Append("  @%p2 bra $L_").Append(b + 2).Append(";\n");
            else if (kind == 2 && b + 3 < blocks) sb.Append("  bra.uni $L_").Append(b + rnd.Next(1, 4)).Append(";\n");
        }
        sb.Append("  ret;\n}\n");
        return sb.ToString();
    }

    /// <summary>Reference: walk backwards from the use over the CFG.</summary>
    private static SortedSet<int> Naive(PtxFunction fn, Instruction at, string reg)
    {
        var cfg = fn.Analyses.Cfg;
        var result = new SortedSet<int>();
        var visited = new HashSet<BasicBlock>();
        var work = new Stack<(BasicBlock, int)>(); // block, scan from this index downwards (exclusive end)
        work.Push((cfg.BlockOf(at), at.Index));
        bool first = true;
        while (work.Count > 0)
        {
            var (b, end) = work.Pop();
            if (!first && !visited.Add(b)) continue;
            first = false;
            bool killed = false;
            for (int i = end - 1; i >= b.Start; i--)
            {
                var insn = fn.Instructions[i];
                if (!insn.Defs.Any(d => d.Name == reg)) continue;
                result.Add(i);
                if (insn.Guard is null) { killed = true; break; }
            }
            if (killed) continue;
            if (b == cfg.Entry) result.Add(ReachingDefinitions.EntryDef);
            foreach (var p in b.Predecessors) work.Push((p, p.End));
        }
        return result;
    }

    [Fact]
    public void Big_generated_function_matches_a_naive_reference()
    {
        var fn = Fn(BigFunction(blocks: 2500, perBlock: 22, regs: 3000, seed: 7));
        Assert.True(fn.Instructions.Count > 55_000);
        var defs = fn.Analyses.Defs;
        var rnd = new Random(1);
        for (int q = 0; q < 300; q++)
        {
            var at = fn.Instructions[rnd.Next(fn.Instructions.Count)];
            foreach (var u in at.Uses)
            {
                if (u.IsSpecial) continue;
                var expected = Naive(fn, at, u.Name);
                Assert.Equal(expected, new SortedSet<int>(defs.ReachingIndices(at, u.Name)));
                foreach (var d in defs.Reaching(at, u.Name))
                    Assert.Contains(at, defs.UsesOf(d, u.Name));
            }
        }
        // The downstream analyses finish on it too.
        var uni = fn.Analyses.Uniformity;
        Assert.Equal(Uniformity.Uniform, uni.OfDef(I(fn, "setp.eq.u32 %p2")));
        Assert.Equal(Uniformity.WarpUniform, uni.OfDef(I(fn, "setp.lt.u32 %p1"))); // %tid.x < 64 selects whole warps
        var last = fn.Instructions[^2];
        foreach (var u in last.Uses) _ = fn.Analyses.Provenance.SourcesOf(last, u);
    }
}

/// <summary>
/// The SSA fast path (registers with one unguarded definition that dominates every use skip the dense dataflow) gives
/// the same answers as the dataflow for every register: at each use, at each block entry of the registers live
/// there, at points that do not use the register, and in the def-use chains.
/// </summary>
public class ReachingDefinitionsSsaPathTests
{
    private static int Compare(PtxModule module, string name)
    {
        int checkedFunctions = 0;
        foreach (var fn in module.Functions)
        {
            if (!fn.HasBody || fn.Instructions.Count == 0) continue;
            var cfg = fn.Analyses.Cfg;
            var fast = new ReachingDefinitions(cfg, fn.Analyses.Dominators);
            var dense = new ReachingDefinitions(cfg, null);
            var insns = fn.Instructions;
            for (int i = 0; i < insns.Count; i++)
            {
                var insn = insns[i];
                foreach (var u in insn.Uses)
                {
                    if (u.IsSpecial) continue;
                    Assert.True(fast.ReachingIndices(insn, u.Name).SequenceEqual(dense.ReachingIndices(insn, u.Name)), $"{name} {fn.Name}: use of {u.Name} at '{insn}'");
                    // the point before the previous instruction, which (usually) does not use the register
                    if (i > 0)
                        Assert.True(fast.ReachingIndices(insns[i - 1], u.Name).SequenceEqual(dense.ReachingIndices(insns[i - 1], u.Name)), $"{name} {fn.Name}: {u.Name} before '{insns[i - 1]}'");
                }
                foreach (var d in insn.Defs)
                    Assert.True(fast.UsesOf(insn, d.Name).SequenceEqual(dense.UsesOf(insn, d.Name)), $"{name} {fn.Name}: uses of {d.Name} defined at '{insn}'");
            }
            foreach (var b in cfg.Blocks)
            {
                var live = dense.LiveIn(b).ToList();
                Assert.Equal(live, fast.LiveIn(b).ToList());
                foreach (var r in live)
                    Assert.True(fast.ReachingAtEnd(b, r).SequenceEqual(dense.ReachingAtEnd(b, r)), $"{name} {fn.Name}: {r} at the end of block {b.Id}");
            }
            checkedFunctions++;
        }
        return checkedFunctions;
    }

    [Fact]
    public void Same_answers_as_the_dataflow_on_the_projects_own_ptx()
    {
        int n = 0;
        foreach (var f in Corpus.Own()) n += Compare(Corpus.Parse(f.Text, f.Name), f.Name);
        Assert.True(n > 20, $"only {n} functions compared");
    }

    [SharedCorpusFact]
    public void Same_answers_as_the_dataflow_on_the_shared_corpus_files_under_400_KB()
    {
        int n = 0;
        foreach (var f in Corpus.Shared().Where(f => f.Text.Length < 400_000)) n += Compare(Corpus.Parse(f.Text, f.Name), f.Name);
        Assert.True(n > 1000, $"only {n} functions compared");
    }
}
