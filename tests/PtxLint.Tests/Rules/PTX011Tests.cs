using PtxLint.Diagnostics;
using PtxLint.Rules;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

/// <summary>PTX011 shared-memory-race on hand-written PTX (the race shapes of issue 13 and the race-free idioms) and on the samples.</summary>
public sealed class PTX011Tests
{
    private static readonly PTX011SharedMemoryRace Rule = new();

    private static string Kernel(string body, string decls = ".shared .align 4 .b8 s[1024];", string bounds = ".maxntid 256, 1, 1") => $$"""
        .visible .entry k(.param .u64 k_p0)
        {{bounds}}
        {
            .reg .b32 %r<40>;
            .reg .b64 %rd<20>;
            .reg .f32 %f<20>;
            .reg .pred %p<10>;
            {{decls}}
            ld.param.u64 %rd1, [k_p0];
            cvta.to.global.u64 %rd2, %rd1;
            mov.u32 %r1, %tid.x;
            and.b32 %r2, %r1, 31;
            shr.u32 %r3, %r1, 5;
            mov.u32 %r4, s;
        {{body}}
            ret;
        }
        """;

    /// <summary>warp partials: lane 0 of each warp writes s[warp], warp 0 reads s[lane], with or without a barrier between.</summary>
    private static string WarpPartials(string between) => Kernel($$"""
            setp.ne.s32 %p1, %r2, 0;
            @%p1 bra W1;
            shl.b32 %r5, %r3, 2;
            add.s32 %r6, %r4, %r5;
            st.shared.f32 [%r6], %f1;
        W1:
            {{between}}
            setp.ne.s32 %p2, %r3, 0;
            @%p2 bra W2;
            setp.gt.u32 %p3, %r2, 7;
            @%p3 bra W2;
            shl.b32 %r7, %r2, 2;
            add.s32 %r8, %r4, %r7;
            [|ld.shared.f32 %f2, [%r8];|]
        W2:
        """);

    [Fact]
    public void Warp_partials_merged_without_a_barrier()
    {
        var f = Assert.Single(RuleTest.Verify(Rule, WarpPartials("")));
        Assert.Equal(Level.Error, f.Level);
        Assert.True(f.Message.Length <= 120, f.Message);
        Assert.Contains("in thread 1 reads s+4 while thread 32 writes it at line", f.Message);
        Assert.Contains(f.Notes, n => n.Contains("different warps"));
        Assert.Contains(f.Notes, n => n.Contains("a block of at least 33 threads"));
        Assert.Contains("bar.sync 0", f.Help);
        Assert.Single(f.Related);
        Assert.Single(f.CodeFlows);
        var data = Assert.IsType<SharedRaceData>(f.Data);
        Assert.Equal(("RAW", "32", "1", 33), (data.Kind, data.FirstThread, data.SecondThread, data.BlockX));
    }

    [Fact]
    public void Warp_partials_with_a_barrier_are_clean() =>
        RuleTest.VerifyClean(Rule, RuleTest.StripMarkup(WarpPartials("bar.sync 0;")).Text);

    [Fact]
    public void A_value_thread_0_stores_read_by_every_thread_without_a_barrier()
    {
        var body = """
                setp.ne.s32 %p1, %r1, 0;
                @%p1 bra B1;
                st.shared.f32 [s], %f1;
            B1:
                [|ld.shared.f32 %f2, [s];|]
            """;
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel(body)));
        Assert.Contains("while thread 0 writes it", f.Message);
        RuleTest.VerifyClean(Rule, Kernel(body.Replace("[|", "").Replace("|]", "").Replace("B1:", "B1:\n    bar.sync 0;")));
    }

    [Fact]
    public void A_neighbour_slot_read_in_the_interval_the_neighbour_writes_it()
    {
        // s[tid] += s[tid - 1] for tid >= 1: thread 32 reads s[31] while thread 31 writes it (the witness prefers two warps).
        var body = """
                setp.lt.u32 %p1, %r1, 1;
                @%p1 bra N1;
                shl.b32 %r5, %r1, 2;
                add.s32 %r6, %r4, %r5;
                ld.shared.f32 %f2, [%r6+-4];
                ld.shared.f32 %f3, [%r6];
                add.f32 %f3, %f3, %f2;
                [|st.shared.f32 [%r6], %f3;|]
            N1:
            """;
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel(body)));
        Assert.Contains("thread 31 overwrites s+124 while thread 32 may still read it", f.Message);
        // read, barrier, write: the scan done right
        RuleTest.VerifyClean(Rule, Kernel(body.Replace("[|", "").Replace("|]", "").Replace("add.f32 %f3, %f3, %f2;", "bar.sync 0;\n    add.f32 %f3, %f3, %f2;")
                                               .Replace("@%p1 bra N1;", "").Replace("setp.lt.u32 %p1, %r1, 1;", "")));
    }

    [Fact]
    public void Own_slot_read_and_written_by_the_same_thread_is_clean() => RuleTest.VerifyClean(Rule, Kernel("""
            shl.b32 %r5, %r1, 2;
            add.s32 %r6, %r4, %r5;
            st.shared.f32 [%r6], %f1;
            ld.shared.f32 %f2, [%r6];
            add.f32 %f2, %f2, %f2;
            st.shared.f32 [%r6], %f2;
        """));

    [Fact]
    public void Lanes_exchanging_through_their_warps_slots_need_syncwarp()
    {
        // s[tid] written, then s[(tid & ~31) + (31 - lane)] read: a lane of the same warp wrote it.
        string Body(string sync) => $$"""
                shl.b32 %r5, %r1, 2;
                add.s32 %r6, %r4, %r5;
                st.shared.f32 [%r6], %f1;
                {{sync}}
                and.b32 %r7, %r1, -32;
                sub.s32 %r8, 31, %r2;
                add.s32 %r9, %r7, %r8;
                shl.b32 %r10, %r9, 2;
                add.s32 %r11, %r4, %r10;
                [|ld.shared.f32 %f2, [%r11];|]
            """;
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel(Body(""))));
        Assert.Contains(f.Notes, n => n.Contains("lanes of one warp"));
        Assert.Contains("__syncwarp()", f.Help);
        RuleTest.VerifyClean(Rule, RuleTest.StripMarkup(Kernel(Body("bar.warp.sync -1;"))).Text);
    }

    [Fact]
    public void Double_buffering_with_one_barrier_per_step_is_clean() => RuleTest.VerifyClean(Rule, Kernel("""
            shl.b32 %r5, %r1, 2;
            mov.u32 %r20, 0;
            mov.u32 %r21, 0;
        LOOP:
            mul.lo.s32 %r22, %r20, 1024;
            add.s32 %r23, %r4, %r22;
            add.s32 %r24, %r23, %r5;
            ld.shared.f32 %f2, [%r24+4];
            xor.b32 %r25, %r20, 1;
            mul.lo.s32 %r26, %r25, 1024;
            add.s32 %r27, %r4, %r26;
            add.s32 %r28, %r27, %r5;
            st.shared.f32 [%r28], %f2;
            bar.sync 0;
            mov.u32 %r20, %r25;
            add.s32 %r21, %r21, 1;
            setp.lt.s32 %p1, %r21, 8;
            @%p1 bra LOOP;
        """, decls: ".shared .align 4 .b8 s[2048];", bounds: ".maxntid 255, 1, 1"));

    [Fact]
    public void A_data_dependent_address_gives_no_finding() => RuleTest.VerifyClean(Rule, Kernel("""
            mul.wide.u32 %rd3, %r1, 4;
            add.s64 %rd4, %rd2, %rd3;
            ld.global.u32 %r5, [%rd4];
            shl.b32 %r6, %r5, 2;
            add.s32 %r7, %r4, %r6;
            st.shared.f32 [%r7], %f1;
            ld.shared.f32 %f2, [%r7+4];
        """));

    [Fact]
    public void Atomics_to_one_counter_and_stores_of_one_uniform_value_are_not_races() => RuleTest.VerifyClean(Rule, Kernel("""
            atom.shared.add.u32 %r5, [s], 1;
            red.shared.add.u32 [s+4], 1;
            st.shared.u32 [s+8], 0;
        """));

    [Fact]
    public void A_transposed_tile_with_a_barrier_is_clean_and_without_one_races()
    {
        string Body(string sync) => $$"""
                mov.u32 %r30, %tid.y;
                mad.lo.s32 %r31, %r30, 33, %r1;
                shl.b32 %r32, %r31, 2;
                add.s32 %r33, %r4, %r32;
                st.shared.f32 [%r33], %f1;
                {{sync}}
                mad.lo.s32 %r34, %r1, 33, %r30;
                shl.b32 %r35, %r34, 2;
                add.s32 %r36, %r4, %r35;
                [|ld.shared.f32 %f2, [%r36];|]
            """;
        var f = Assert.Single(RuleTest.Verify(Rule, Kernel(Body(""), decls: ".shared .align 4 .b8 s[4224];", bounds: ".reqntid 32, 8, 1")));
        Assert.Contains("(0,1,0)", f.Message + string.Join(" ", f.Notes));
        RuleTest.VerifyClean(Rule, RuleTest.StripMarkup(Kernel(Body("bar.sync 0;"), decls: ".shared .align 4 .b8 s[4224];", bounds: ".reqntid 32, 8, 1")).Text);
    }

    [Fact]
    public void A_witness_that_needs_an_assumed_bound_is_a_warning()
    {
        // if (tid < n) s[tid] = x; then s[tid + 1] read: n is a parameter, assumed >= 2
        var text = RuleTest.Header + """
            .visible .entry k(.param .u64 k_p0, .param .u32 k_n)
            {
                .reg .b32 %r<20>;
                .reg .f32 %f<4>;
                .reg .pred %p<3>;
                .shared .align 4 .b8 s[1024];
                ld.param.u32 %r9, [k_n];
                mov.u32 %r1, %tid.x;
                mov.u32 %r4, s;
                shl.b32 %r5, %r1, 2;
                add.s32 %r6, %r4, %r5;
                setp.ge.u32 %p1, %r1, %r9;
                @%p1 bra A1;
                st.shared.f32 [%r6], %f1;
            A1:
                ld.shared.f32 %f2, [%r6+4];
                ret;
            }
            """;
        var f = Assert.Single(RuleTest.Run(Rule, text));
        Assert.Equal(Level.Warning, f.Level);
        Assert.Contains(f.Notes, n => n.Contains("holds for the witness threads"));
    }

    [Fact]
    public void Code_that_never_reads_its_thread_index_is_not_analyzed() => RuleTest.VerifyClean(Rule, """
        .visible .entry single(.param .u64 p)
        {
            .reg .b64 %rd<4>;
            .shared .align 8 .b8 s[8];
            ld.param.u64 %rd1, [p];
            st.shared.u64 [s], %rd1;
            ld.shared.u64 %rd2, [s];
            ret;
        }
        """);

    [Fact]
    public void Races_on_one_variable_share_a_cause_and_are_merged_into_one_finding()
    {
        // six unrolled neighbour reads/writes of one array without barriers
        var body = string.Concat(Enumerable.Range(0, 6).Select(k => $"""
                shl.b32 %r5, %r1, 2;
                add.s32 %r6, %r4, %r5;
                ld.shared.f32 %f2, [%r6+{4 * (k + 1)}];
                st.shared.f32 [%r6], %f2;

            """));
        var text = RuleTest.Header + Kernel(body);
        var findings = RuleTest.Run(Rule, text);
        Assert.True(findings.Count > 1);
        Assert.Single(findings.Select(f => f.Cause!.Key).Distinct());
        // the engine merges them: one finding, the others its occurrences
        var merged = new PtxLint.Engine.AnalysisEngine(new[] { (PtxLint.Engine.IRule)Rule }).AnalyzeText("k.ptx", text).Findings;
        var one = Assert.Single(merged);
        Assert.Contains("more racing accesses of s", one.Message);
        Assert.True(one.Occurrences > 1);
    }

    [Fact]
    public void Every_sample_other_than_the_races_is_clean()
    {
        foreach (var path in Directory.EnumerateFiles(Repo.Samples, "*.ptx"))
        {
            if (Path.GetFileName(path).StartsWith("PTX011", StringComparison.Ordinal)) continue;
            var findings = RuleTest.Run(Rule, File.ReadAllText(path));
            Assert.True(findings.Count == 0, $"{Path.GetFileName(path)}:\n" + string.Join("\n", findings));
        }
    }
}

/// <summary>PTX011/PTX012 on nvcc 13 output (sm_90a, with and without -lineinfo) of samples/cuda/PTX011-*.cu and PTX012-*.cu.</summary>
public sealed class SharedMemorySampleTests
{
    private static string Races(string name) => Path.Combine(Repo.Root, "tests", "data", "races", name);

    public static TheoryData<string> BadFiles => new()
    {
        Path.Combine("samples", "ptx", "PTX011-shared-memory-race.bad.ptx"),
        Path.Combine("tests", "data", "races", "PTX011-shared-memory-race.bad.nolineinfo.ptx"),
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Ptx011_fires_on_each_race_shape_of_the_bad_sample(string rel)
    {
        var findings = RuleTest.Run(new PTX011SharedMemoryRace(), File.ReadAllText(Path.Combine(Repo.Root, rel)));
        var kernels = findings.Select(f => f.FunctionName).Distinct().Order().ToList();
        Assert.Equal(new[] { "block_reduce_scalar_ptr", "broadcast_no_sync", "scan_neighbor_no_sync", "warp_partials_no_sync" }, kernels);
        Assert.All(findings, f => Assert.Equal(Diagnostics.Level.Error, f.Level));
        // the read of the partials by warp 0 is the second access; warp 1's lane 0 the first
        var wp = findings.Single(f => f.FunctionName == "warp_partials_no_sync");
        Assert.Contains("thread 1 reads s_part+4 while thread 32 writes it", wp.Message);
        var bc = findings.Single(f => f.FunctionName == "broadcast_no_sync");
        Assert.Contains("thread 32 reads s_max+0 while thread 0 writes it", bc.Message);
        Assert.Contains(bc.Notes, n => n.Contains("part at the divergent branch"));
    }

    [Theory]
    [InlineData("samples/ptx/PTX011-shared-memory-race.fixed.ptx")]
    [InlineData("tests/data/races/PTX011-shared-memory-race.fixed.nolineinfo.ptx")]
    [InlineData("samples/ptx/PTX012-shared-indexed-by-block.bad.ptx")]
    [InlineData("samples/ptx/PTX012-shared-indexed-by-block.fixed.ptx")]
    public void Ptx011_is_silent_on_the_fixed_twins_and_the_race_free_idioms(string rel)
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, rel));
        var findings = RuleTest.Run(new PTX011SharedMemoryRace(), text);
        Assert.True(findings.Count == 0, string.Join("\n", findings));
        if (rel.Contains("PTX011"))
        {
            // the fixed file holds the four fixed kernels and the five idioms of the issue
            var module = Syntax.PtxParserDriver.Parse(rel, text);
            Assert.Equal(new[] { "block_reduce_scalar_ptr", "broadcast_no_sync", "double_buffer_stencil", "own_slot_update", "scan_neighbor_no_sync",
                                 "tid0_then_barrier", "transpose_tile", "warp_exchange_syncwarp", "warp_partials_no_sync" },
                         module.Kernels.Select(k => k.Name).Order());
        }
    }

    [Theory]
    [InlineData("samples/ptx/PTX012-shared-indexed-by-block.bad.ptx", 1)]
    [InlineData("tests/data/races/PTX012-shared-indexed-by-block.bad.nolineinfo.ptx", 1)]
    [InlineData("samples/ptx/PTX012-shared-indexed-by-block.fixed.ptx", 0)]
    [InlineData("tests/data/races/PTX012-shared-indexed-by-block.fixed.nolineinfo.ptx", 0)]
    public void Ptx012_fires_on_the_block_indexed_amax_and_not_on_the_global_partials(string rel, int expected)
    {
        var findings = RuleTest.Run(new PTX012SharedIndexedByBlock(), File.ReadAllText(Path.Combine(Repo.Root, rel)));
        Assert.Equal(expected, findings.Count);
        if (expected > 0)
        {
            Assert.Equal("global_amax_shared", findings[0].FunctionName);
            Assert.Contains("s_amax picked by %ctaid.x", findings[0].Message);
        }
    }

    [Fact]
    public void The_sample_launch_specs_name_every_kernel()
    {
        foreach (var v in new[] { "PTX011-shared-memory-race.bad", "PTX011-shared-memory-race.fixed", "PTX012-shared-indexed-by-block.bad", "PTX012-shared-indexed-by-block.fixed" })
        {
            var ptx = Path.Combine(Repo.Samples, v + ".ptx");
            var specs = PtxLint.Cuda.LaunchSpecFile.Load(ptx + ".launch.json");
            var module = Syntax.PtxParserDriver.Parse(ptx, File.ReadAllText(ptx));
            foreach (var k in module.Kernels) Assert.NotNull(specs.Find(k.Name));
        }
    }
}
