using PtxLint.Semantics;

namespace PtxLint.Tests.Semantics;

/// <summary>
/// The ISA half of the instruction table (Semantics/InstructionTable.Isa.txt): it loads, every instruction of the
/// PTX ISA 9.0 document is in it (a missing one is a table gap, never a silent pass), and its data is consistent.
/// </summary>
public sealed class IsaTableTests
{
    /// <summary>The instructions of PTX ISA 9.0, chapter 9.7 (its headings), by the name ptxas uses.</summary>
    public static readonly string[] IsaInstructions =
    {
        "abs", "activemask", "add", "add.cc", "addc", "alloca", "and", "applypriority", "atom", "bar", "bar.warp.sync", "barrier",
        "barrier.cluster", "bfe", "bfi", "bfind", "bmsk", "bra", "brev", "brkpt", "brx.idx", "call", "clusterlaunchcontrol.query_cancel",
        "clusterlaunchcontrol.try_cancel", "clz", "cnot", "copysign", "cos", "cp.async", "cp.async.bulk", "cp.async.bulk.commit_group",
        "cp.async.bulk.prefetch", "cp.async.bulk.prefetch.tensor", "cp.async.bulk.tensor", "cp.async.bulk.wait_group",
        "cp.async.commit_group", "cp.async.mbarrier.arrive", "cp.async.wait_all", "cp.async.wait_group", "cp.reduce.async.bulk",
        "cp.reduce.async.bulk.tensor", "createpolicy", "cvt", "cvt.pack", "cvta", "discard", "div", "dp2a", "dp4a", "elect.sync", "ex2",
        "exit", "fence", "fma", "fns", "getctarank", "griddepcontrol", "isspacep", "istypep", "ld", "ld.global.nc", "ldmatrix", "ldu",
        "lg2", "lop3", "mad", "mad.cc", "mad24", "madc", "mapa", "match.sync", "max", "mbarrier.arrive", "mbarrier.arrive_drop",
        "mbarrier.complete_tx", "mbarrier.expect_tx", "mbarrier.init", "mbarrier.inval", "mbarrier.pending_count", "mbarrier.test_wait",
        "mbarrier.try_wait", "membar", "min", "mma", "mma.sp", "mov", "movmatrix", "mul", "mul24", "multimem.ld_reduce", "multimem.red",
        "multimem.st", "nanosleep", "neg", "not", "or", "pmevent", "popc", "prefetch", "prefetchu", "prmt", "rcp", "rcp.approx.ftz.f64",
        "red", "red.async", "redux.sync", "rem", "ret", "rsqrt", "rsqrt.approx.ftz.f64", "sad", "selp", "set", "setmaxnreg", "setp", "shf",
        "shfl", "shfl.sync", "shl", "shr", "sin", "slct", "sqrt", "st", "st.async", "st.bulk", "stackrestore", "stacksave", "stmatrix",
        "sub", "sub.cc", "subc", "suld", "suq", "sured", "sust", "szext", "tanh", "tcgen05.alloc", "tcgen05.commit", "tcgen05.cp",
        "tcgen05.dealloc", "tcgen05.fence", "tcgen05.ld", "tcgen05.mma", "tcgen05.mma.sp", "tcgen05.mma.ws", "tcgen05.mma.ws.sp",
        "tcgen05.relinquish_alloc_permit", "tcgen05.shift", "tcgen05.st", "tcgen05.wait", "tensormap.cp_fenceproxy", "tensormap.replace",
        "testp", "tex", "tld4", "trap", "txq", "vabsdiff", "vabsdiff2", "vabsdiff4", "vadd", "vadd2", "vadd4", "vavrg2", "vavrg4", "vmad",
        "vmax", "vmax2", "vmax4", "vmin", "vmin2", "vmin4", "vote", "vote.sync", "vset", "vset2", "vset4", "vshl", "vshr", "vsub",
        "vsub2", "vsub4", "wgmma.commit_group", "wgmma.fence", "wgmma.mma_async", "wgmma.mma_async.sp", "wgmma.wait_group",
        "wmma.load", "wmma.mma", "wmma.store", "xor",
    };

    /// <summary>True when some form of the instruction takes the instruction's words (compound name or modifiers).</summary>
    private static bool Covers(string instruction)
    {
        var words = instruction.Split('.');
        var rest = words.Skip(1).Select(w => "." + w).ToList();
        return IsaTable.FormsOf(words[0]).Any(f =>
        {
            var mods = f.Compound.Concat(f.Slots.SelectMany(s => s.Values.Keys.Concat(s.MultiWord.SelectMany(m => m)))).Select(Base).ToHashSet();
            return rest.All(mods.Contains);
        });
    }

    private static string Base(string m) => m.Contains("::") ? m[..m.IndexOf("::", StringComparison.Ordinal)] : m;

    [Fact]
    public void Every_instruction_of_the_isa_has_forms_in_the_table()
    {
        var gaps = IsaInstructions.Where(i => !Covers(i)).ToList();
        Assert.True(gaps.Count == 0, "table gaps (instructions of the ISA without a form): " + string.Join(", ", gaps));
        Assert.True(IsaTable.Opcodes.Count >= 120, $"{IsaTable.Opcodes.Count} opcodes");
    }

    [Fact]
    public void Every_opcode_the_analyses_know_is_an_isa_instruction()
    {
        // the analysis half of the table (InstructionTable.cs) and the ISA half name the same instructions
        foreach (var key in new[] { "ld", "st", "bar", "barrier", "cp", "mbarrier", "tcgen05", "wgmma", "atom", "red", "shfl", "vote", "mma", "wmma", "tex" })
            Assert.NotEmpty(IsaTable.FormsOf(key));
        foreach (var op in IsaTable.Opcodes)
            Assert.Matches("^[a-z][a-z0-9_]*$", op);
    }

    [Fact]
    public void Type_groups_are_types_and_every_form_has_a_syntax_line()
    {
        foreach (var op in IsaTable.Opcodes)
            foreach (var f in IsaTable.FormsOf(op))
            {
                Assert.EndsWith(";", f.Syntax);
                foreach (var s in f.Slots)
                    if (s.Name is ".type" or ".dtype" or ".atype" or ".btype" or ".ctype" or ".stype")
                        Assert.True(s.IsType, $"{f.Syntax}: the group {s.Name} has a value that is not a type: {string.Join(" ", s.Values.Keys)}");
                foreach (var o in f.Operands)
                    Assert.False(string.IsNullOrEmpty(o.Type), $"{f.Syntax}: operand {o.Name} has no type");
            }
    }

    [Theory]
    [InlineData("cp.async", "ptx 7.0 sm 80")]
    [InlineData("wgmma.fence", "ptx 8.0 sm 90a")]
    [InlineData("tcgen05.ld", "ptx 8.6 sm 100a|101a|103a|110a|100f|101f|103f|110f")]
    [InlineData("redux.sync", "ptx 7.0 sm 80")]
    [InlineData("barrier.cluster", "ptx 7.8 sm 90")]
    public void Minimum_versions_and_targets_are_in_the_table(string instruction, string requirement)
    {
        var words = instruction.Split('.');
        var want = IsaTable.FormsOf(words[0]).First(f => f.Name == instruction || f.Syntax.StartsWith(instruction + ".", StringComparison.Ordinal)).Requirement;
        var parsed = IsaRequirement.Parse(requirement);
        Assert.Equal(parsed.Ptx, want.Ptx);
        Assert.Equal(parsed.MinSm, want.MinSm);
        Assert.Equal(parsed.Targets, want.Targets);
    }

    [Fact]
    public void An_opcode_asked_for_alone_gets_the_forms_and_modifiers_of_the_whole_table()
    {
        // FormsOf builds only the blocks an opcode is in; the whole-table load (Opcodes, IsKnownModifier) checks the
        // block index against every form it builds and throws on a form the index misses
        var all = IsaTable.Opcodes.ToList();
        Assert.True(all.Count >= 120, $"{all.Count} opcodes");
        foreach (var op in all)
        {
            var forms = IsaTable.FormsOf(op);
            Assert.NotEmpty(forms);
            Assert.All(forms, f => Assert.Equal(op, f.Opcode));
            foreach (var m in IsaTable.ModifiersOf(op))
            {
                Assert.True(IsaTable.IsKnownModifier(m), $"{op} {m}");
                Assert.True(IsaTable.IsKnownModifier(op, m), $"{op} {m}");
            }
        }
        Assert.Empty(IsaTable.FormsOf("notanopcode"));
        Assert.False(IsaTable.IsKnownModifier("add", ".snyc"));
        Assert.True(IsaTable.IsKnownModifier("add", ".global"), "a modifier of another instruction is known (the message differs)");
    }

    [Fact]
    public void Modifier_vocabulary_holds_what_real_ptx_uses_and_nothing_made_up()
    {
        foreach (var m in new[] { ".global", ".shared::cta", ".shared::cluster", ".L2::cache_hint", ".L1::evict_last", ".mbarrier::complete_tx::bytes", ".cta_group::1", ".sync", ".aligned", ".v8", ".b128" })
            Assert.True(IsaTable.IsKnownModifier(m), m);
        foreach (var m in new[] { ".snyc", ".glbal", ".v3", ".sreg" })
            Assert.False(IsaTable.IsKnownModifier(m), m);
    }

    [Fact]
    public void Targets_and_versions()
    {
        Assert.Equal(new Version(9, 0), IsaTable.NewestVersion);
        Assert.DoesNotContain(new Version(7, 9), IsaTable.KnownVersions);
        Assert.Equal(new Version(7, 8), IsaTable.TargetVersions["sm_90"]);
        Assert.Equal(new Version(8, 6), IsaTable.TargetVersions["sm_100a"]);
        Assert.Equal(90, IsaTable.SmNumber("sm_90a"));
        Assert.Equal(90, IsaTable.SmNumber("compute_90"));
        Assert.True(IsaTable.TargetMeets(new IsaRequirement(null, 80, null), "sm_90a"));
        Assert.False(IsaTable.TargetMeets(new IsaRequirement(null, 0, new[] { "90a" }), "sm_90"));
    }
}
