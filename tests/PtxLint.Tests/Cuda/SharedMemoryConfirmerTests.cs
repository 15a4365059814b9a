using System.Text.Json.Nodes;
using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Worker;
using PtxLint.Diagnostics;
using PtxLint.Rules;
using PtxLint.Syntax;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Cuda;

/// <summary>The PTX011/PTX012 confirmers and the confirmer framework, without a GPU (rewrites, verdicts, typed data, fake worker).</summary>
public class SharedMemoryConfirmerTests
{
    private const string RaceKernel = """
        .version 8.0
        .target sm_90
        .address_size 64

        .visible .entry race(.param .u64 race_param_0)
        .maxntid 64, 1, 1
        {
            .reg .b32 %r<8>;
            .reg .f32 %f<4>;
            .reg .pred %p<3>;
            .reg .b64 %rd<4>;
            .shared .align 4 .f32 s_val;
            ld.param.u64 %rd1, [race_param_0];
            cvta.to.global.u64 %rd2, %rd1;
            mov.u32 %r1, %tid.x;
            setp.ne.s32 %p1, %r1, 0;
            @%p1 bra SKIP;
            mov.f32 %f1, 0f3F800000;
            st.shared.f32 [s_val], %f1;
        SKIP:
            ld.shared.f32 %f2, [s_val];
            mul.wide.u32 %rd3, %r1, 4;
            add.s64 %rd3, %rd2, %rd3;
            st.global.f32 [%rd3], %f2;
            ret;
        }
        """;

    [Fact]
    public void Line_information_rewrite_tags_every_instruction_with_its_own_ptx_line_and_still_parses()
    {
        var module = PtxParserDriver.Parse("race.ptx", RaceKernel);
        var text = SharedMemoryRewrites.WithPtxLineInfo(module);
        Assert.NotNull(text);
        Assert.Contains($".file 1 \"{SharedMemoryRewrites.LineFile}\"", text);
        int ldLine = TestPtx.LineOf(RaceKernel, "ld.shared.f32");
        Assert.Contains($".loc 1 {ldLine} 1", text);
        var again = PtxParserDriver.Parse("rewritten.ptx", text!);
        Assert.Empty(again.Errors);
        var ld = again.Functions[0].Instructions.First(i => i.Opcode == "ld" && i.Has(".shared"));
        Assert.Equal(ldLine, ld.Loc!.Line);
    }

    [Fact]
    public void Existing_line_information_is_replaced_not_duplicated()
    {
        var withLoc = RaceKernel.Replace(".address_size 64", ".address_size 64\n.file 1 \"k.cu\"").Replace("            ld.shared.f32 %f2", "            .loc 1 99 3\n            ld.shared.f32 %f2");
        var module = PtxParserDriver.Parse("race.ptx", withLoc);
        var text = SharedMemoryRewrites.WithPtxLineInfo(module)!;
        Assert.DoesNotContain("k.cu", text);
        Assert.DoesNotContain(".loc 1 99", text);
        Assert.Empty(PtxParserDriver.Parse("rewritten.ptx", text).Errors);
    }

    [Fact]
    public void Sentinel_fill_prefixes_the_kernel_and_still_parses()
    {
        var module = PtxParserDriver.Parse("race.ptx", RaceKernel);
        var fn = module.Functions[0];
        var text = SharedMemoryRewrites.FillShared(module, fn, fn.LocalSymbols.Values.ToList(), 0x7F, out var what);
        Assert.NotNull(text);
        Assert.Contains("s_val (4 bytes) filled with 0x7F", what);
        var again = PtxParserDriver.Parse("filled.ptx", text!);
        Assert.Empty(again.Errors);
        var insns = again.Functions[0].Instructions;
        Assert.Contains(insns, i => i.Opcode == "st" && i.Has(".u8") && i.Operands[1] is PtxLint.Ir.ImmediateOperand { Value: 0x7F });
        // the fill ends with a barrier before the kernel's own first instruction
        int bar = insns.FindIndex(i => i.Opcode == "bar");
        int firstOwn = insns.FindIndex(i => i.Opcode == "ld" && i.Has(".param"));
        Assert.True(bar >= 0 && bar < firstOwn);
        Assert.Null(SharedMemoryRewrites.FillShared(module, fn, Array.Empty<PtxLint.Ir.VariableSymbol>(), 1, out var why));
        Assert.Contains("no sized shared variable", why);
    }

    [Fact]
    public void Racecheck_races_are_parsed_with_their_lines()
    {
        var text = """
            ========= COMPUTE-SANITIZER
            ========= Error: Race reported between Write access at race+0x1a0 in ptxlint-ptx-lines.ptx:19
            =========     and Read access at race+0x1c0 in ptxlint-ptx-lines.ptx:21 [62 hazards]
            =========
            ========= RACECHECK SUMMARY: 1 hazard displayed (1 error, 0 warnings)
            """;
        var r = SanitizerReport.Parse(text);
        var race = Assert.Single(r.Races);
        Assert.Equal(("Write", 19, "Read", 21, 62), (race.FirstKind, race.FirstLine!.Value, race.SecondKind, race.SecondLine!.Value, race.Hazards!.Value));
        var data = new SharedRaceData { Kernel = "race", FirstLine = 19, SecondLine = 21, Kind = "RAW", FirstThread = "0", SecondThread = "1" };
        var v = PTX011Confirmer.Decide(r, null, data, true);
        Assert.Equal(Verdict.Confirmed, v.Verdict);
        Assert.Contains("racecheck reports 1 shared-memory hazard (1 error) between PTX lines 19 and 21, the finding's two accesses", v.Reason);
        var none = SanitizerReport.Parse("========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)");
        Assert.Equal(Verdict.NotReproduced, PTX011Confirmer.Decide(none, new DeterminismResult(10, [10], null, ""), data, true).Verdict);
        Assert.Equal(Verdict.Unsupported, PTX011Confirmer.Decide(null, new DeterminismResult(10, [10], null, ""), data, false).Verdict);
        Assert.Equal(Verdict.Confirmed, PTX011Confirmer.Decide(null, new DeterminismResult(10, [6, 4], "out[3]", ""), data, false).Verdict);
    }

    [Fact]
    public void Initcheck_and_sentinel_verdicts()
    {
        Assert.Equal(Verdict.Confirmed, PTX012Confirmer.Decide(null, "out[0] = 3.39E+38 with 0x7F, 0.99 with 0x3F", false).Verdict);
        var init = SanitizerReport.Parse("========= Uninitialized __shared__ memory read of size 4 bytes\n=========     at k+0x10\n========= ERROR SUMMARY: 1 error");
        Assert.Equal(1, init.Uninitialized("shared"));
        Assert.Equal(Verdict.Confirmed, PTX012Confirmer.Decide(init, null, true).Verdict);
        Assert.Equal(Verdict.NotReproduced, PTX012Confirmer.Decide(SanitizerReport.Parse("========= ERROR SUMMARY: 0 errors"), null, true).Verdict);
    }

    [Fact]
    public void Every_confirmable_rule_has_one_confirmer_and_typed_data_round_trips_through_sarif_properties()
    {
        Assert.Equal(Confirmers.All.Count, Confirmers.All.Select(c => c.RuleId).Distinct().Count());
        foreach (var id in new[] { "PTX001", "PTX002", "PTX003", "PTX004", "PTX005", "PTX006", "PTX007", "PTX008", "PTX009", "PTX010", "PTX011", "PTX012" })
            Assert.NotNull(Confirmers.For(id));
        FindingData[] samples =
        {
            new SharedAddress64BitData { AddressRegister = "%rd15", Space = ".shared", TwinKernel = "rmsnorm" },
            new BatchedKernelData { Stores = 3, RowsParameter = "rows" },
            new IndirectPositionData { Parameter = "k_param_1", ParameterIndex = 1, ParameterName = "position_buf", PositionParameter = "k_param_2", NullTestOverride = true },
            new DivergentBarrierData { BranchLine = 40, LoopExit = true },
            new SharedOutOfBoundsData { Symbol = "s_amax", SymbolBytes = 4, Offset = 12, Width = 4 },
            new FloatAtomicData { Type = ".f32", Space = "global" },
            new ContractibleMulData { MulLine = 35 },
            new SharedRaceData { Kernel = "k", FirstLine = 10, SecondLine = 20, Symbol = "s", Kind = "WAR", FirstThread = "(0,1,0)", SecondThread = "1", BlockX = 2, BlockY = 2, SameWarp = true },
            new SharedIndexedByBlockData { Symbol = "s_amax", AccessLine = 7, ReadLines = new[] { 9, 11 } },
        };
        string[] rules = { "PTX001", "PTX002", "PTX003", "PTX005", "PTX006", "PTX009", "PTX010", "PTX011", "PTX012" };
        for (int i = 0; i < samples.Length; i++)
        {
            // as the SARIF writer writes them, then read back as SarifFindings does
            var bag = new JsonObject();
            foreach (var (k, v) in samples[i].ToProperties())
                if (v is not null) bag[k] = PtxLint.Output.SarifWriter.ToNode(v);
            var finding = TestPtx.Finding(rules[i], "k");
            var back = Confirmers.ReadData(finding, PropertyReader.FromJson(bag));
            Assert.NotNull(back);
            Assert.Equal(samples[i].GetType(), back!.GetType());
            Assert.Equal(samples[i].ToProperties().Select(p => $"{p.Key}={p.Value}"), back.ToProperties().Select(p => $"{p.Key}={p.Value}"));
        }
    }

    [Fact]
    public void Requested_experiments_are_marked_by_typed_data_not_by_message_text()
    {
        var bag = new JsonObject { ["requestedExperiment"] = true };
        Assert.IsType<RequestedExperimentData>(Confirmers.ReadData(TestPtx.Finding("PTX010", "k"), PropertyReader.FromJson(bag)));
    }

    private static ConfirmationEngine FakeEngine(string response)
    {
        const string device = "{\"name\":\"Fake H100\",\"major\":9,\"minor\":0,\"driverVersion\":13000,\"deviceCount\":1}";
        var script = $$"""
            req=$(cat)
            case "$req" in *'"launches":[]'*) echo 'PTXLINT-RESULT: {"ok":true,"deviceInfo":{{device}},"launches":[]}' ; exit 0 ;; esac
            echo 'PTXLINT-RESULT: {{response}}'
            """;
        var client = new WorkerClient(new CommandWorkerLauncher("/bin/sh", "-c", script), sanitizerPath: null);
        return new ConfirmationEngine(new ConfirmOptions { Timeout = TimeSpan.FromSeconds(60), UseSanitizer = false, DriverCheck = () => null }, client);
    }

    private static string Runs(int n, params string[] hashes)
    {
        var runs = string.Join(",", Enumerable.Range(0, n).Select(i => $"{{\"milliseconds\":1,\"buffers\":[{{\"param\":0,\"name\":\"out\",\"bytes\":4,\"output\":true,\"sha256\":\"{hashes[i % hashes.Length]}\"}}]}}"));
        return $"{{\"ok\":true,\"deviceInfo\":{{\"name\":\"Fake H100\",\"major\":9,\"minor\":0,\"driverVersion\":13000,\"deviceCount\":1}},\"launches\":[{{\"label\":\"runs\",\"runs\":[{runs}]}}]}}";
    }

    [Fact]
    public async Task Without_compute_sanitizer_a_race_is_confirmed_only_by_differing_runs()
    {
        var module = PtxParserDriver.Parse("race.ptx", RaceKernel);
        var finding = RuleTest.Run(new PTX011SharedMemoryRace(), module).Single();
        Assert.IsType<SharedRaceData>(finding.Data);
        var same = await FakeEngine(Runs(PTX011Confirmer.DefaultRuns, "aa")).ConfirmAsync(module, [finding]);
        Assert.Equal(Verdict.Unsupported, same[0].Confirmation.Verdict);
        Assert.Contains("compute-sanitizer is not on PATH", same[0].Confirmation.Reason);
        Assert.Contains("10 runs gave bit-identical outputs", same[0].Confirmation.Reason);
        var differ = await FakeEngine(Runs(PTX011Confirmer.DefaultRuns, "aa", "bb")).ConfirmAsync(module, [finding]);
        Assert.Equal(Verdict.Confirmed, differ[0].Confirmation.Verdict);
        Assert.Contains("2 distinct outputs in 10 runs", differ[0].Confirmation.Reason);
        Assert.Contains("static finding: RAW between PTX line", differ[0].Confirmation.Evidence);
    }

    [Fact]
    public async Task Determinism_counts_distinct_outputs_per_kernel()
    {
        var module = PtxParserDriver.Parse("race.ptx", RaceKernel);
        var r = await FakeEngine(Runs(5, "aa", "bb", "aa")).DeterminismAsync(module, null, 5);
        var k = Assert.Single(r);
        Assert.Equal("race", k.Kernel);
        Assert.Equal(2, k.Result!.Distinct);
        Assert.Equal([3, 2], k.Result.DistinctCounts);
        Assert.Contains("5 runs of the same inputs: 2 distinct outputs", k.Reason);
        var one = await FakeEngine(Runs(5, "aa")).DeterminismAsync(module, null, 5);
        Assert.True(one[0].Result!.Deterministic);
    }
}

public class ParityDiscoveryTests
{
    [Fact]
    public void Parity_without_names_finds_every_twin_pair_by_the_naming_rule()
    {
        var module = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy);
        Assert.Equal(new[] { ("rmsnorm_batched", "rmsnorm") }, PtxLint.Cli.Commands.ParityCommand.DiscoverPairs(module));
        var none = PtxSignatureScanner.Scan("k.ptx", TestPtx.Saxpy.Replace("rmsnorm_batched", "rmsnorm_many"));
        Assert.Empty(PtxLint.Cli.Commands.ParityCommand.DiscoverPairs(none));
    }

    [Fact]
    public async Task Determinism_without_a_driver_runs_nothing_and_exits_2()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var ptx = Path.Combine(dir.FullName, "k.ptx");
            File.WriteAllText(ptx, TestPtx.Saxpy);
            var outText = Path.Combine(dir.FullName, "det.txt");
            var options = new ConfirmOptions { DriverCheck = () => "no CUDA driver (libcuda.so.1 not found)" };
            int rc = await PtxLint.Cli.Commands.ConfirmCommand.DeterminismAsync(new FileInfo(ptx), null, 5, new FileInfo(outText), options, null, default);
            Assert.Equal(2, rc);
            var text = File.ReadAllText(outText);
            Assert.Contains("saxpy: unsupported", text);
            Assert.Contains("no CUDA driver", text);
            Assert.Contains("kernels: 0 deterministic, 0 nondeterministic", text);
        }
        finally { dir.Delete(true); }
    }
}
