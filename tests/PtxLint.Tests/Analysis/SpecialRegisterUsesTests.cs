using PtxLint.Analysis;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class SpecialRegisterUsesTests
{
    private const string TwoD = """
        .visible .entry k(.param .u64 k_param_0)
        {
          .reg .pred %p<3>;
          .reg .b32 %r<12>;
          .reg .b64 %rd<4>;
          ld.param.u64 %rd1, [k_param_0];
          mov.u32 %r1, %tid.x;
          mov.u32 %r2, %tid.y;
          mov.u32 %r3, %tid.x;
          mov.u32 %r4, %ctaid.y;
          setp.eq.u32 %p1, %r1, 0;
          @%p1 add.u32 %r5, %r2, %nctaid.x;
          mov.u32 %r6, %laneid;
          ret;
        }
        """;

    [Fact]
    public void Each_special_register_read_is_listed_once_by_name_and_component()
    {
        var specials = Fn(TwoD).Analyses.SpecialRegisters;
        Assert.Equal(new[] { "%tid.x", "%tid.y", "%ctaid.y", "%nctaid.x", "%laneid" }, specials.Registers.Select(r => r.FullName));
        Assert.True(specials.Reads("%tid", "y"));
        Assert.False(specials.Reads("%tid", "z"));
        Assert.True(specials.Reads("%ctaid"));
        Assert.False(specials.Reads("%ntid"));
        Assert.True(specials.ReadsFullName("%ctaid.y"));
        Assert.False(specials.ReadsFullName("%ctaid.z"));
        Assert.True(specials.ReadsFullName("%laneid"));
        Assert.True(specials.Reads("%laneid"));
    }

    [Fact]
    public void A_function_without_special_registers_lists_none()
    {
        var fn = Fn("""
            .visible .func f(.param .u32 a)
            {
              .reg .b32 %r<3>;
              ld.param.u32 %r1, [a];
              add.u32 %r2, %r1, 1;
              ret;
            }
            """);
        Assert.Empty(fn.Analyses.SpecialRegisters.Registers);
        Assert.False(fn.Analyses.SpecialRegisters.Reads("%tid"));
    }

    [Fact]
    public void The_races_and_uniformity_read_the_block_shape_from_it()
    {
        // %tid.y read: not a 1-D block, so the analysis without launch assumptions does not take warps for rows
        var fa = Fn(TwoD).Analyses;
        Assert.False(fa.UniformityWithoutLaunchAssumptions.AssumesWarpRows);
        var oneD = Fn(TwoD.Replace("%tid.y", "%tid.x")).Analyses;
        Assert.True(oneD.UniformityWithoutLaunchAssumptions.AssumesWarpRows);
    }
}
