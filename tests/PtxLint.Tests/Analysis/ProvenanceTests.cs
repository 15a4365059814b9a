using PtxLint.Analysis;
using PtxLint.Ir;
using static PtxLint.Tests.Analysis.AnalysisTestUtil;

namespace PtxLint.Tests.Analysis;

public class ProvenanceTests
{
    private const string Addressing = """
        .visible .entry addr(.param .u64 addr_param_0, .param .u32 addr_param_1)
        {
          .reg .pred %p<2>;
          .reg .b32 %r<10>;
          .reg .b64 %rd<10>;
          ld.param.u64 %rd1, [addr_param_0];
          cvta.to.global.u64 %rd2, %rd1;
          mov.u32 %r1, %ctaid.y;
          mul.wide.u32 %rd3, %r1, 4;
          add.s64 %rd4, %rd2, %rd3;
          ld.global.u32 %r2, [%rd4];
          ld.param.u32 %r3, [addr_param_1];
          add.s32 %r4, %r2, %r3;
          st.global.u32 [%rd4+4], %r4;
          mov.u32 %r5, 0;
        $L_loop:
          add.s32 %r5, %r5, %r3;
          setp.lt.u32 %p1, %r5, 100;
          @%p1 bra $L_loop;
          st.global.u32 [%rd4+8], %r5;
          st.global.u32 [%rd4+12], %r9;
          ret;
        }
        """;

    [Fact]
    public void Address_comes_from_parameter_ctaid_and_constant_with_paths()
    {
        var fn = Fn(Addressing);
        var prov = fn.Analyses.Provenance;
        var ld = I(fn, "ld.global.u32 %r2");
        var src = prov.SourcesOf(ld, Use(ld, "%rd4"));
        var param = Assert.Single(src, s => s.Kind == ValueSourceKind.Parameter);
        Assert.Equal("addr_param_0", param.Name);
        Assert.Equal(0, param.Parameter!.Index);
        Assert.Equal(new[] { I(fn, "ld.param.u64 %rd1"), I(fn, "cvta.to.global"), I(fn, "add.s64 %rd4"), ld }, param.Path);
        var ctaid = Assert.Single(src, s => s.Kind == ValueSourceKind.SpecialRegister);
        Assert.Equal("%ctaid.y", ctaid.Name);
        Assert.Equal(new[] { I(fn, "mov.u32 %r1, %ctaid.y"), I(fn, "mul.wide.u32"), I(fn, "add.s64 %rd4"), ld }, ctaid.Path);
        var four = Assert.Single(src, s => s.Kind == ValueSourceKind.Constant);
        Assert.Equal(4, four.Value);
        Assert.Equal(3, src.Count);
        Assert.True(prov.DependsOn(ld, Use(ld, "%rd4"), s => s.Name == "%ctaid.y"));
        Assert.False(prov.DependsOn(ld, Use(ld, "%rd4"), s => s.Name.StartsWith("%tid")));
    }

    [Fact]
    public void Loaded_value_exposes_load_and_its_address_provenance()
    {
        var fn = Fn(Addressing);
        var prov = fn.Analyses.Provenance;
        var st = I(fn, "st.global.u32 [%rd4+4]");
        var src = prov.SourcesOf(st, Use(st, "%r4"));
        var load = Assert.Single(src, s => s.Kind == ValueSourceKind.Load);
        Assert.Equal(I(fn, "ld.global.u32 %r2"), load.LoadInstruction);
        Assert.Equal(StateSpace.Global, load.Space);
        Assert.Contains(load.AddressSources, a => a.Kind == ValueSourceKind.Parameter && a.Name == "addr_param_0");
        Assert.Contains(src, s => s.Kind == ValueSourceKind.Parameter && s.Name == "addr_param_1");
        Assert.Equal(st, load.Path[^1]);
    }

    [Fact]
    public void Loop_carried_value_terminates_and_undefined_is_reported()
    {
        var fn = Fn(Addressing);
        var prov = fn.Analyses.Provenance;
        var st = I(fn, "st.global.u32 [%rd4+8]");
        var src = prov.SourcesOf(st, Use(st, "%r5"));
        Assert.Contains(src, s => s.Kind == ValueSourceKind.Constant && s.Value == 0);
        Assert.Contains(src, s => s.Kind == ValueSourceKind.Parameter && s.Name == "addr_param_1");
        Assert.Equal(2, src.Count);
        var inc = I(fn, "add.s32 %r5");
        Assert.Equal(2, prov.SourcesOf(inc, Use(inc, "%r5")).Count);

        var st2 = I(fn, "st.global.u32 [%rd4+12]");
        var u = Assert.Single(prov.SourcesOf(st2, Use(st2, "%r9")));
        Assert.Equal(ValueSourceKind.Undefined, u.Kind);
        Assert.Equal("%r9", u.Name);
    }

    [Fact]
    public void Tmem_address_loaded_from_the_slot_tcgen05_alloc_wrote()
    {
        var fn = Fn("""
            .visible .entry tm()
            {
              .reg .b32 %r<10>;
              .shared .align 4 .b32 tmem_slot;
              mov.u32 %r1, tmem_slot;
              tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%r1], 32;
              bar.sync 0;
              ld.shared.b32 %r2, [tmem_slot];
              add.s32 %r3, %r2, 16;
              tcgen05.dealloc.cta_group::1.sync.aligned.b32 %r3, 32;
              ret;
            }
            """);
        var prov = fn.Analyses.Provenance;
        var dealloc = I(fn, "tcgen05.dealloc");
        var src = prov.SourcesOf(dealloc, Use(dealloc, "%r3"));
        var load = Assert.Single(src, s => s.Kind == ValueSourceKind.Load);
        Assert.Equal(StateSpace.Shared, load.Space);
        var slot = Assert.Single(load.AddressSources);
        Assert.Equal(ValueSourceKind.Symbol, slot.Kind);
        Assert.Equal("tmem_slot", slot.Name);
        Assert.NotNull(slot.Variable);
        Assert.Equal(new[] { I(fn, "tcgen05.alloc") }, prov.WritersOf(load));
        Assert.Equal(new[] { I(fn, "ld.shared.b32"), I(fn, "add.s32 %r3"), dealloc }, load.Path);
        // The alloc's own address: the symbol through the mov.
        var alloc = I(fn, "tcgen05.alloc");
        var a = Assert.Single(prov.SourcesOf(alloc, Use(alloc, "%r1")));
        Assert.Equal(ValueSourceKind.Symbol, a.Kind);
        Assert.Equal("tmem_slot", a.Name);
    }
}
