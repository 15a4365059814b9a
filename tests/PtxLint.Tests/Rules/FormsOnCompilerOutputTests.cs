using PtxLint.Diagnostics;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

/// <summary>
/// The incident forms of issue 10 as CUDA (tests/data/forms/*.cu), compiled by nvcc 13 on the GPU machine
/// (-arch=sm_90a -O3, with and without -lineinfo; docs/runs/issue10/run2.sh) and by clang-19 (../shared/tools/cuda2ptx):
/// every buggy kernel is reported at its level by its rule, every fixed twin and every look-alike is silent. The -G
/// (debug) builds are checked for no error-level finding on correct kernels only: there the compiler spills through
/// .local and calls __syncthreads_or as a function, which the analyses do not follow.
/// </summary>
public class FormsOnCompilerOutputTests
{
    private static readonly string Dir = Path.Combine(Repo.Root, "tests", "data", "forms");

    /// <summary>file stem -> kernel -> (rule, level) expected; kernels not listed must be silent.</summary>
    private static readonly Dictionary<string, Dictionary<string, (string Rule, Level Level)>> Expected = new()
    {
        ["PTX001-forms"] = new()
        {
            ["widened_bad"] = ("PTX001", Level.Warning),
            ["generic_bad"] = ("PTX001", Level.Error),
            ["cvta64_bad"] = ("PTX001", Level.Warning),
        },
        ["PTX001-builder"] = new() { ["rmsnorm_batched"] = ("PTX001", Level.Warning) },
        ["PTX001-builder.fixed"] = new(),
        ["PTX002-forms"] = new() { ["scale_batched_bad"] = ("PTX002", Level.Warning) },
        ["PTX003-forms"] = new() { ["kv_append_graph"] = ("PTX003", Level.Warning) },
        ["PTX005-forms"] = new()
        {
            ["subset_exits_bad"] = ("PTX005", Level.Warning),
            ["row_loop_exits_bad"] = ("PTX005", Level.Warning),
            ["strided_loop_bad"] = ("PTX005", Level.Warning),
            ["strided_loop_reads_tile_bad"] = ("PTX005", Level.Warning),
            ["producer_exits_bad"] = ("PTX005", Level.Warning),
            ["warp0_spin_bad"] = ("PTX005", Level.Error),
            ["warp0_total_bad"] = ("PTX005", Level.Error),
        },
    };

    public static IEnumerable<object[]> Files()
    {
        foreach (var stem in Expected.Keys)
            foreach (var variant in new[] { "nvcc13/{0}.nvcc13.sm_90a.ptx", "nvcc13/{0}.nvcc13.sm_90a.lineinfo.ptx", "clang19/{0}.clang19.sm_90a.ptx" })
                yield return new object[] { stem, string.Format(variant, stem) };
    }

    private static List<Finding> Analyze(string rel)
    {
        var rules = PtxLint.Rules.RuleRegistry.All.Where(r => r.Descriptor.Id is "PTX001" or "PTX002" or "PTX003" or "PTX005").ToList();
        var engine = new PtxLint.Engine.AnalysisEngine(new PtxLint.Engine.AnalysisOptions { Rules = rules });
        var path = Path.Combine(Dir, rel);
        return engine.AnalyzeText(path, File.ReadAllText(path)).Findings.Where(f => f.Rule.Id.StartsWith("PTX00", StringComparison.Ordinal) && f.Rule.Id != "PTX000").ToList();
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Buggy_kernels_fire_at_their_level_and_fixed_twins_are_silent(string stem, string rel)
    {
        var findings = Analyze(rel);
        var expected = Expected[stem];
        foreach (var (kernel, (rule, level)) in expected)
        {
            var f = findings.Where(x => x.FunctionName == kernel).ToList();
            Assert.True(f.Count == 1, $"{rel}: {kernel} should have one {rule} finding, got:\n" + string.Join("\n", f));
            Assert.Equal(rule, f[0].Rule.Id);
            Assert.Equal(level, f[0].Level);
        }
        var extra = findings.Where(x => !expected.ContainsKey(x.FunctionName ?? "")).ToList();
        Assert.True(extra.Count == 0, $"{rel}: findings in fixed or correct kernels:\n" + string.Join("\n", extra));
    }

    [Theory]
    [InlineData("PTX001-forms"), InlineData("PTX002-forms"), InlineData("PTX003-forms"), InlineData("PTX005-forms"), InlineData("PTX001-builder.fixed")]
    public void Debug_builds_give_no_error_on_correct_kernels(string stem)
    {
        var findings = Analyze($"nvcc13/{stem}.nvcc13.sm_90a.G.ptx");
        var wrong = findings.Where(f => f.Level == Level.Error && !Expected[stem].ContainsKey(f.FunctionName ?? "")).ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        foreach (var (kernel, (rule, level)) in Expected[stem].Where(e => e.Value.Level == Level.Error))
            Assert.Contains(findings, f => f.FunctionName == kernel && f.Rule.Id == rule && f.Level == level);
    }

    [Fact]
    public void The_position_buffer_finding_names_the_by_value_twin()
    {
        var f = Assert.Single(Analyze("nvcc13/PTX003-forms.nvcc13.sm_90a.ptx"));
        Assert.Equal("kv_append", f.Properties["byValueTwin"]);
        Assert.Contains(f.Notes, n => n.Contains("`kv_append`"));
    }

    [Fact]
    public void Strided_loop_with_tile_reads_names_the_argument_it_depends_on()
    {
        var f = Analyze("nvcc13/PTX005-forms.nvcc13.sm_90a.ptx").Single(x => x.FunctionName == "strided_loop_reads_tile_bad");
        Assert.Equal(true, f.Properties["dependsOnArgument"]);
        Assert.Contains(f.Notes, n => n.Contains("kernel argument"));
    }
}
