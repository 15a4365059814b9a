using PtxLint.Diagnostics;
using PtxLint.Rules;
using PtxLint.Semantics;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Rules;

/// <summary>
/// PTX013 invalid-ptx on hand-written PTX: each check with bad and good code. The verdicts were measured with
/// ptxas 13.0 (tools/ptxas-diff probes and mutants, docs/runs/ptxas-diff.md); the ones marked "regression" were
/// disagreements with ptxas that are fixed.
/// </summary>
public sealed class PTX013Tests
{
    private static readonly PTX013InvalidPtx Rule = new();

    private static string H(string version = "8.0", string target = "sm_90") => $".version {version}\n.target {target}\n.address_size 64\n\n";

    private static string Kernel(string body, string head = "", string version = "8.0", string target = "sm_90") => H(version, target) + head + $$"""
        .visible .entry k(.param .u64 k_p)
        {
            .reg .b32 %r<8>;
            .reg .b64 %rd<8>;
            .reg .f32 %f<8>;
            .reg .f64 %fd<8>;
            .reg .pred %p<4>;
            .reg .b16 %rs<8>;
        {{body}}
            ret;
        }

        """;

    private static List<Finding> Bad(string body, string head = "", string version = "8.0", string target = "sm_90") =>
        RuleTest.Verify(Rule, Kernel(body, head, version, target), addHeader: false);

    private static void Good(string body, string head = "", string version = "8.0", string target = "sm_90") =>
        RuleTest.VerifyClean(Rule, Kernel(body, head, version, target), addHeader: false);

    // ------------------------------------------------------------------ the examples

    [Fact]
    public void Typos_in_opcodes_and_modifiers_are_errors_with_a_suggestion()
    {
        var f = Bad("""
                [|bar.snyc 0;|]
                [|shlx.b32 %r1, %r2, 1;|]
                [|ld.glbal.f32 %f1, [%rd1];|]
            """);
        Assert.Equal("`bar.snyc`: .snyc is not a PTX modifier", f[0].Message);
        Assert.Equal("did you mean `.sync`?", f[0].Help);
        Assert.Contains("Unknown modifier '.snyc'", f[0].Notes[0]);
        Assert.Equal("`shlx` is not a PTX instruction", f[1].Message);
        Assert.Equal("did you mean `shl`?", f[1].Help);
        Assert.Equal("did you mean `.global`?", f[2].Help);
        Assert.All(f, x => Assert.Equal(Level.Error, x.Level));
    }

    [Fact]
    public void An_instruction_is_checked_even_after_a_valid_one_of_almost_the_same_shape()
    {
        // The validator skips an instruction of a shape the function already had valid (IsaShapeCache): each bad line
        // differs from the valid line before it only in what the check reads (a register's declaration, the class of
        // a constant, a special register's name, an address register's width).
        var f = Bad("""
                add.s32 %r1, %r2, %r3;
                [|add.s32 %r4, %r5, %f1;|]
                [|add.s32 %r4, %r5, %r8;|]
                mov.b32 %r1, 0f3F800000;
                [|mov.b32 %r2, 1.5;|]
                [|mov.b32 %r3, 0d3FF0000000000000;|]
                mov.u32 %r1, %laneid;
                [|mov.u32 %r1, %tid;|]
                mov.u32 %r1, %tid.x;
                [|mov.u32 %r1, %tid;|]
                mov.u16 %rs1, %tid.x;
                [|mov.u16 %rs1, %clock64;|]
                ld.global.u32 %r1, [%rd1];
                [|ld.global.u32 %r1, [%r2];|]
            """);
        Assert.Equal(IsaProblemKind.OperandType.ToString(), f[0].Properties["problem"]);
        Assert.Equal(IsaProblemKind.Undeclared.ToString(), f[1].Properties["problem"]);
        Assert.All(f, x => Assert.Equal(Level.Error, x.Level));
    }

    [Fact]
    public void An_undeclared_register_is_reported_once_per_function_with_the_range_it_misses()
    {
        var f = Bad("""
                [|mov.u32 %r9, 1;|]
                add.s32 %r9, %r9, 1;
                mov.u32 %r1, %r2;
            """);
        var x = Assert.Single(f);
        Assert.Equal("register %r9 is not declared in k", x.Message);
        Assert.Contains(x.Notes, n => n.Contains("`.reg .b32 %r<8>` declares %r0 to %r7"));
        Assert.Contains(x.Notes, n => n.Contains("1 more instruction"));
    }

    [Fact]
    public void Registers_of_a_closed_block_and_registers_declared_later_are_not_declared()
    {
        Bad("""
                {
                .reg .pred %q;
                setp.eq.s32 %q, %r1, 0;
                }
                [|@%q bra $L1;|]
            $L1:
                [|mov.u32 %t, 1;|]
                .reg .b32 %t;
            """);
        Good("""
                {
                .reg .pred %q;
                setp.eq.s32 %q, %r1, 0;
                @%q bra $L1;
                }
            $L1:
            """);
    }

    [Fact]
    public void Two_concatenated_modules_repeat_version_target_and_the_kernel()
    {
        var text = Kernel("") + Kernel("");
        var f = RuleTest.Run(Rule, text);
        Assert.Contains(f, x => x.Message.StartsWith("second `.version` directive", StringComparison.Ordinal));
        Assert.Contains(f, x => x.Message.StartsWith("second `.target` directive", StringComparison.Ordinal));
        Assert.Contains(f, x => x.Message == ".entry `k` is defined twice (first at line 5)");
    }

    [Fact]
    public void Non_ascii_characters_are_errors_even_in_comments()
    {
        var f = RuleTest.Run(Rule, Kernel("// \u00b5s\n// caf\u00e9"));
        var x = Assert.Single(f);
        Assert.Contains("outside ASCII", x.Message);
        Assert.Contains(x.Notes, n => n.Contains("2 lines"));
    }

    // ------------------------------------------------------------------ types of operands

    [Fact]
    public void Register_types_follow_the_isa_type_checking_rules()
    {
        var f = Bad("""
                [|add.s32 %r1, %f1, %r2;|]
                [|add.f16 %f1, %f2, %f3;|]
                [|add.u32 %r1, %rd1, %r2;|]
                [|and.pred %p1, %r1, %p2;|]
                [|mov.u32 %r1, %f1;|]
            """);
        Assert.Equal("`add.s32` operand 2: %f1 is a .f32 register, not .s32", f[0].Message);
        Good("""
                add.f32 %f1, %r1, %f2;
                and.b32 %r1, %f1, %r2;
                add.f64 %fd1, %rd1, %fd2;
                add.f16 %rs1, %rs2, %rs3;
                mov.b32 %r1, %f1;
                mov.f32 %f1, %r1;
            """);
    }

    [Fact]
    public void Ld_st_and_cvt_take_wider_data_registers()
    {
        Good("""
                ld.global.u8 %r1, [%rd1];
                ld.global.u32 %rd1, [%rd2];
                ld.global.f32 %rd1, [%rd2];
                st.global.u8 [%rd1], %r1;
                st.global.u32 [%rd1], %rd2;
                cvt.u32.u8 %r1, %r2;
                cvt.u16.u32 %r1, %r2;
            """);
        Bad("""
                [|ld.global.u64 %r1, [%rd1];|]
                [|ld.global.f32 %fd1, [%rd2];|]
                [|st.global.f32 [%rd1], %fd1;|]
                [|cvt.u32.u64 %rs1, %rd1;|]
            """);
    }

    [Fact]
    public void Constants_must_fit_the_operand_kind()
    {
        Bad("""
                [|add.f32 %f1, %f2, 1;|]
                [|add.s32 %r1, %r2, 1.0;|]
                [|add.s32 %r1, %r2, 0f3F800000;|]
                [|mov.f32 %f1, 1;|]
                [|add.f16 %rs1, %rs2, 0f3F800000;|]
                [|mov.b32 %r1, 1.0;|]
                [|and.pred %p1, %p2, 0d3FF0000000000000;|]
            """);
        Good("""
                add.f32 %f1, %f2, 0d3FF0000000000000;
                add.f64 %fd1, %fd2, 0f3F800000;
                add.u16 %rs1, %rs2, 70000;
                add.u32 %r1, %r2, -1;
                mov.pred %p1, 1;
                mov.b32 %r1, 0f3F800000;
                st.global.u32 [%rd1], 1;
            """);
    }

    [Fact]
    public void Special_registers_are_read_only_vectors_of_fixed_width()
    {
        Bad("""
                [|mov.u32 %tid.x, %r1;|]
                [|mov.u32 %r1, %tid;|]
                [|mov.u64 %rd1, %tid.x;|]
                [|mov.f32 %f1, %ntid.y;|]
                [|mov.u32 %r1, %clock64;|]
            """);
        Good("""
                mov.u32 %r1, %tid.x;
                mov.u16 %rs1, %tid.x;
                mov.u64 %rd1, %clock64;
            """);
    }

    // ------------------------------------------------------------------ modifiers, counts, vectors

    [Fact]
    public void Types_counts_and_required_modifiers()
    {
        var f = Bad("""
                [|add.s32.u32 %r1, %r2, %r3;|]
                [|mul.s32 %r1, %r2, %r3;|]
                [|mul.wide.s64 %rd1, %rd2, %rd3;|]
                [|add.s32 %r1, %r2;|]
                [|add.s32 1, %r2, %r3;|]
                [|div.f32 %f1, %f2, %f3;|]
                [|ex2.f32 %f1, %f2;|]
                [|bar 0;|]
                [|setp.eq.s32 %r1, %r2, %r3;|]
                [|bra.uni %r1;|]
            """);
        Assert.Contains("Unexpected instruction types specified for 'mul.wide'", f[2].Notes[0]);
        Assert.Contains("Result register required", f[4].Notes[0]);
        Good("""
                mul.wide.s32 %rd1, %r2, %r3;
                mul.lo.s32 %r1, %r2, %r3;
                div.rn.f32 %f1, %f2, %f3;
                ex2.approx.f32 %f1, %f2;
                bar.sync 0;
                setp.eq.s32 %p1, %r2, %r3;
                selp.b32 %r1, %r2, %r3, !%p1;
                ld.v4.global.f32 {%f1, %f2, %f3, %f4}, [%rd1];
                ld.nc.global.f32 %f1, [%rd1];
                add.s32.sat %r1, %r2, %r3;
            """);
    }

    [Fact]
    public void Cvt_rounding_follows_the_kind_of_conversion()
    {
        Bad("""
                [|cvt.f32.f64 %f1, %fd1;|]
                [|cvt.f32.s32 %f1, %r1;|]
                [|cvt.s32.f32 %r1, %f1;|]
                [|cvt.rn.f64.f32 %fd1, %f1;|]
            """);
        Good("""
                cvt.rn.f32.f64 %f1, %fd1;
                cvt.rn.f32.s32 %f1, %r1;
                cvt.rzi.s32.f32 %r1, %f1;
                cvt.f64.f32 %fd1, %f1;
                cvt.u64.u32 %rd1, %r1;
                cvt.rmi.f32.f32 %f1, %f2;
            """);
    }

    [Fact]
    public void Vector_sizes_and_vector_registers()
    {
        Bad("""
                [|ld.global.v4.f32 {%f1, %f2}, [%rd1];|]
                [|ld.global.v2.f32 %f1, [%rd1];|]
                [|ld.global.f32 {%f1, %f2}, [%rd1];|]
                [|ld.global.v4.f64 {%fd1, %fd2, %fd3, %fd4}, [%rd1];|]
                [|mov.b64 %rd1, {%r1, %r2, %r3};|]
            """);
        Good("""
                ld.global.b32 { %r1 }, [%rd1];
                ld.global.v4.f32 {%f1, _, %f3, _}, [%rd1];
                mov.b64 %rd1, {%r1, %r2};
                mov.b64 {%r1, %r2}, %rd1;
            """);
        // a 256-bit access is fine on sm_100 from PTX ISA 8.8
        RuleTest.VerifyClean(Rule, Kernel("ld.global.v8.f32 {%f0, %f1, %f2, %f3, %f4, %f5, %f6, %f7}, [%rd1];", version: "8.8", target: "sm_100"), addHeader: false);
        RuleTest.VerifyClean(Rule, Kernel(".reg .v4 .u16 %v;\nmov.v4.u16 %v, {%rs1, %rs2, %rs3, %rs4};"), addHeader: false);
    }

    // ------------------------------------------------------------------ state spaces and symbols

    [Fact]
    public void State_spaces_of_instructions_and_addresses()
    {
        Bad("""
                [|st.const.u32 [%rd1], %r1;|]
                [|atom.local.add.u32 %r1, [%rd1], 1;|]
                [|ld.global.u32 %r1, [s];|]
                [|ld.u64 %rd1, [k_p];|]
                [|ld.u32 %r1, [c];|]
                [|st.param.u64 [k_p], %rd1;|]
                [|ld.global.u32 %r1, [nosuch];|]
                [|ld.global.u32 %r1, [16];|]
            """, head: ".shared .b32 s;\n.const .b32 c;\n");
        Good("""
                ld.u32 %r1, [s];
                ld.shared.u32 %r1, [s];
                ld.param.u64 %rd1, [k_p];
                ld.local.u32 %r1, [16];
                cvta.shared.u64 %rd1, s;
                mov.u64 %rd1, s;
            """, head: ".shared .b32 s;\n");
    }

    [Fact]
    public void Calls_need_a_declared_callee_the_right_arguments_and_a_prototype_when_indirect()
    {
        var head = ".func (.param .b32 r) f(.param .b32 a)\n{\nret;\n}\n";
        Bad("""
                [|call.uni nosuch, ();|]
                [|call.uni (r0), f, ();|]
                [|call (r0), %rd1, (a0);|]
            """, head: head + "\n");
        Good("""
                {
                .param .b32 a0;
                .param .b32 r0;
                st.param.b32 [a0], 1;
                call.uni (r0), f, (a0);
                }
                {
                .param .b32 a0;
                .param .b32 r0;
                st.param.b32 [a0], 2;
            proto: .callprototype (.param .b32 _) _ (.param .b32 _);
                call (r0), %rd1, (a0), proto;
                }
            """, head: head + "\n");
    }

    [Fact]
    public void A_call_before_the_callee_is_declared_is_an_error()
    {
        // regression: ptxas reads the module once ("Call to 'f' requires call prototype")
        var text = H() + ".visible .entry k()\n{\n[|call.uni f, ();|]\nret;\n}\n.func f()\n{\nret;\n}\n";
        RuleTest.Verify(Rule, text, addHeader: false);
    }

    // ------------------------------------------------------------------ .version and .target

    [Fact]
    public void Instructions_need_their_version_and_target()
    {
        // ptxas reports both: the instruction and the target need PTX ISA 7.0
        var f = RuleTest.Run(Rule, Kernel("cp.async.ca.shared.global [%r1], [%rd1], 4;", version: "6.5", target: "sm_80"));
        Assert.Equal(2, f.Count);
        Assert.Equal("`.target sm_80` needs PTX ISA 7.0; the module is `.version 6.5`", f[0].Message);
        Assert.Equal("`cp.async.ca.shared.global` needs PTX ISA 7.0; the module is `.version 6.5`", f[1].Message);
        Assert.Contains("Feature 'cp.async' requires PTX ISA .version 7.0 or later", f[1].Notes[0]);
        RuleTest.Verify(Rule, Kernel("[|cp.async.ca.shared.global [%r1], [%rd1], 4;|]", version: "7.0", target: "sm_75"), addHeader: false);
        RuleTest.Verify(Rule, Kernel("[|redux.sync.add.u32 %r1, %r2, 0xffffffff;|]", version: "7.0", target: "sm_75"), addHeader: false);
        RuleTest.Verify(Rule, Kernel("[|wgmma.fence.sync.aligned;|]", target: "sm_90"), addHeader: false);
        RuleTest.Verify(Rule, Kernel("[|tcgen05.fence::before_thread_sync;|]", version: "8.6", target: "sm_90a"), addHeader: false);
        RuleTest.Verify(Rule, Kernel("[|ld.global.L2::256B.u32 %r1, [%rd1];|]", version: "7.4", target: "sm_75"), addHeader: false);
        RuleTest.Verify(Rule, Kernel("[|st.shared::cluster.u32 [%r1], %r2;|]", version: "7.8", target: "sm_80"), addHeader: false);
        RuleTest.VerifyClean(Rule, Kernel("wgmma.fence.sync.aligned;", target: "sm_90a"), addHeader: false);
        RuleTest.VerifyClean(Rule, Kernel("tcgen05.fence::before_thread_sync;", version: "8.6", target: "sm_100a"), addHeader: false);
        RuleTest.VerifyClean(Rule, Kernel("redux.sync.add.u32 %r1, %r2, 0xffffffff;", version: "7.0", target: "sm_80"), addHeader: false);
    }

    [Fact]
    public void Vote_and_shfl_without_sync_are_gone_on_sm70_from_ptx64()
    {
        var f = RuleTest.Verify(Rule, Kernel("[|vote.any.pred %p1, %p2;|]", version: "6.4", target: "sm_70"), addHeader: false);
        Assert.Contains("Instruction 'vote' without '.sync' is not supported on .target sm_70 and higher from PTX ISA version 6.4", f[0].Notes[0]);
        RuleTest.Verify(Rule, Kernel("[|shfl.down.b32 %r1, %r2, 1, 31;|]", version: "6.4", target: "sm_70"), addHeader: false);
        RuleTest.VerifyClean(Rule, Kernel("vote.any.pred %p1, %p2;", version: "6.3", target: "sm_70"), addHeader: false);
        RuleTest.VerifyClean(Rule, Kernel("vote.sync.any.pred %p1, %p2, 0xffffffff;", version: "6.4", target: "sm_70"), addHeader: false);
    }

    [Fact]
    public void Version_and_target_directives()
    {
        Assert.Contains(RuleTest.Run(Rule, Kernel("", version: "7.9")), x => x.Message == "`.version 7.9` is not a PTX ISA version");
        Assert.Contains(RuleTest.Run(Rule, Kernel("", version: "6.4", target: "sm_90")), x => x.Message == "`.target sm_90` needs PTX ISA 7.8; the module is `.version 6.4`");
        Assert.Contains(RuleTest.Run(Rule, Kernel("", target: "sm_91")), x => x.Message == "`.target sm_91` is not a PTX target");
        Assert.Contains(RuleTest.Run(Rule, ".version 8.0\n.visible .entry k()\n{\nret;\n}\n"), x => x.Message == "the module has no `.target` directive");
        // newer than PTX ISA 9.0 (ptxas 13.0) is valid for newer toolchains: not reported
        Assert.Empty(RuleTest.Run(Rule, Kernel("", version: "9.2", target: "sm_100a")));
        Assert.Empty(RuleTest.Run(Rule, Kernel("", target: "compute_90")));
        Assert.Empty(RuleTest.Run(Rule, H("7.8", "sm_90")));
    }

    // ------------------------------------------------------------------ declarations

    [Fact]
    public void Declarations_ptxas_rejects()
    {
        var f = RuleTest.Run(Rule, Kernel(".reg .b32 %r<8>;\n.local .b32 v;\n.local .b32 v;",
            head: ".global .u32 g[];\n.global .align 3 .b8 a[4];\n.shared .b32 s;\n.shared .b32 s;\n.global .u32 t[4 * 2];\n"));
        Assert.Contains(f, x => x.Message == "`g[]` has no size, no initializer and is not .extern");
        Assert.Contains(f, x => x.Message == "`.align 3` of `a` is not a power of two");
        Assert.Contains(f, x => x.Message.StartsWith("`s` is declared twice", StringComparison.Ordinal));
        Assert.Contains(f, x => x.Message.StartsWith("register `%r<8>` is declared twice in k", StringComparison.Ordinal));
        Assert.Contains(f, x => x.Message.StartsWith("`v` is declared twice in k", StringComparison.Ordinal));
        Assert.Contains(f, x => x.Message.StartsWith("the array size of `t` is an expression", StringComparison.Ordinal));
        Assert.Empty(RuleTest.Run(Rule, Kernel("{\n.param .b32 p0;\n}\n{\n.param .b32 p0;\n}", head: ".extern .shared .align 16 .b8 dyn[];\n")));
    }

    [Fact]
    public void An_unclosed_body_brace_is_one_syntax_error_and_the_next_kernel_is_still_checked()
    {
        var text = H() + ".visible .entry k()\n{\n.reg .b32 %r<2>;\nmov.u32 %r1, 1;\n" + ".visible .entry k2()\n{\nmov.u32 %r9, 1;\nret;\n}\n";
        var module = PtxLint.Syntax.PtxParserDriver.Parse("t.ptx", text);
        Assert.Single(module.Errors);
        var f = RuleTest.Run(Rule, module);
        Assert.Equal("register %r9 is not declared in k2", Assert.Single(f).Message);
    }

    // ------------------------------------------------------------------ regressions from the ptxas comparison

    [Fact]
    public void Regressions_found_by_the_differential_test()
    {
        // operand of a 32-bit and a .pred pair: shfl.sync d|p (the second is a predicate)
        Good("shfl.sync.bfly.b32 %r1|%p1, %r2, 16, 31, -1;");
        // the cache-policy operand needs .L2::cache_hint; createpolicy writes a cache policy
        Bad("[|ld.global.b32 %r1, [%rd1], %rd2;|]");
        Good("ld.global.L2::cache_hint.b32 %r1, [%rd1], %rd2;\ncreatepolicy.fractional.L2::evict_last.b64 %rd1, 1.0;", version: "7.4", target: "sm_80");
        // ordered comparisons of bit types
        Bad("[|setp.ge.b32 %p1, %r1, %r2;|]");
        Good("setp.ne.b32 %p1, %r1, %r2;");
        // multi-word values of a group: fence.proxy.async.shared::cta
        Good("fence.proxy.async.shared::cta;");
        // cvt of .e4m3x2 needs sm_90 with ptxas 13 (the ISA says sm_89)
        RuleTest.Verify(Rule, Kernel("[|cvt.rn.f16x2.e4m3x2 %r1, %rs1;|]", version: "7.8", target: "sm_89"), addHeader: false);
        RuleTest.VerifyClean(Rule, Kernel("cvt.rn.f16x2.e4m3x2 %r1, %rs1;", version: "7.8", target: "sm_90"), addHeader: false);
        // cvt.f32.bf16 on sm_89 is fine with ptxas 13
        RuleTest.VerifyClean(Rule, Kernel("cvt.f32.bf16 %f1, %rs1;", version: "7.8", target: "sm_89"), addHeader: false);
        // wgmma.wait_group without .aligned is accepted
        RuleTest.VerifyClean(Rule, Kernel("wgmma.wait_group.sync 0;", target: "sm_90a"), addHeader: false);
        // an .extern declaration resolved by a module-private definition
        Assert.Contains(RuleTest.Run(Rule, Kernel("", head: ".extern .global .b32 g;\n.global .b32 g;\n")), x => x.Message.Contains("defined without .visible"));
        // WARP_SZ is the ISA's predefined constant
        Good("mov.u32 %r1, WARP_SZ;");
        // a vector register's components
        Bad(".reg .v2 .u16 %v;\n[|cvt.u32.u64 %r1, %v.y;|]");
        // a module-scope .local is fine before the ABI (PTX ISA 2.x), an error from 3.0
        Assert.Empty(RuleTest.Run(Rule, ".version 2.1\n.target sm_20\n.local .u32 %L1;\n.entry e()\n{\nret;\n}\n"));
        Assert.NotEmpty(RuleTest.Run(Rule, ".version 3.2\n.target sm_20\n.local .u32 %L1;\n.entry e()\n{\nret;\n}\n"));
        // a module with nothing after its header passes ptxas's target check; one with code does not
        Assert.Empty(RuleTest.Run(Rule, H("6.1", "sm_90")));
    }

    [Fact]
    public void Regressions_from_the_held_out_set_C()
    {
        // map_f64_to_f32 is for sm_10..sm_12 (m3-00615: ".target sm_110a, map_f64_to_f32")
        var f = RuleTest.Run(Rule, ".version 1.4\n.target sm_13, map_f64_to_f32\n.entry e()\n{\nret;\n}\n");
        Assert.Contains(f, x => x.Message == "`map_f64_to_f32` is for sm_10 to sm_12; the module is `.target sm_13`");
        Assert.Empty(RuleTest.Run(Rule, ".version 1.4\n.target sm_10, map_f64_to_f32\n.entry e()\n{\nret;\n}\n"));
        // the .tex state space ends with PTX ISA 1.4 (m3-01892)
        Assert.Contains(RuleTest.Run(Rule, ".version 2.3\n.target sm_20\n.tex .u64 tex;\n.entry e()\n{\nret;\n}\n"),
            x => x.Message == "`tex` is in the .tex state space, which PTX ISA 1.5 removed; the module is `.version 2.3`");
        Assert.Empty(RuleTest.Run(Rule, ".version 1.4\n.target sm_10\n.tex .u64 tex;\n.entry e()\n{\nret;\n}\n"));
        // ld.volatile does not take .const (m3-02162)
        var vol = Assert.Single(Bad("[|ld.volatile.const.f32 %f1, [%rd1];|]"));
        Assert.Equal("`ld.volatile.const.f32`: .volatile cannot be used with the .const state space", vol.Message);
        Assert.Contains("Modifier '.volatile' cannot be applied to '.const' space", vol.Notes[0]);
        Good("ld.volatile.global.f32 %f1, [%rd1];\nld.volatile.shared.f32 %f2, [%rd1];\nld.const.f32 %f3, [%rd1];");
        // one component of a vector register is a scalar, not the vector (m3-02137)
        Bad(".reg .v2 .b16 %v;\n[|st.global.v2.b16 [%rd1], %v.y;|]");
        Good(".reg .v2 .b16 %v;\nst.global.v2.b16 [%rd1], %v;\nst.global.b16 [%rd1], %v.y;");
        // wmma: the number of operands is checked (m3-00062: a fourth operand)
        Bad("[|wmma.load.b.sync.aligned.col.m16n16k16.shared.f16 {%r0, %r1, %r2, %r3, %r4, %r5, %r6, %r7}, [%r1], %r2, {%r0, %r1};|]", target: "sm_90");
        Good("wmma.load.b.sync.aligned.col.m16n16k16.shared.f16 {%r0, %r1, %r2, %r3, %r4, %r5, %r6, %r7}, [%r1], %r2;");
        Good("wmma.load.b.sync.aligned.col.m16n16k16.shared.f16 {%r0, %r1, %r2, %r3, %r4, %r5, %r6, %r7}, [%r1];");
    }
}
