using PtxLint.Ir;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Parsing;

/// <summary>Every construct issue 2 lists, on hand-written PTX, asserting IR facts; both parsers must agree.</summary>
public class ParserTests
{
    private const string H = ".version 9.0\n.target sm_100a\n.address_size 64\n";

    private static PtxModule Parse(string text)
    {
        var m = Corpus.Parse(text);
        Assert.True(m.Errors.Count == 0, string.Join("; ", m.Errors.Select(e => $"{e.Span}: {e.Message}")));
        Assert.Equal(IrDump.Dump(Corpus.Parse(text, antlr: true)), IrDump.Dump(m));
        return m;
    }

    private static PtxFunction Kernel(string body, string header = "") =>
        Parse(H + header + ".visible .entry k(.param .u64 k_param_0)\n{\n" + body + "\n}\n").Functions.Single(f => f.Name == "k");

    [Fact]
    public void Module_directives_and_globals()
    {
        var m = Parse("\uFEFF" + H.Replace("\n", "\r\n") +
            ".file 1 \"/src/k.cu\", 1700000000, 1234\n" +
            ".global .align 4 .b8 tbl[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};\n" +
            ".const .align 8 .v4 .f32 cvec[2];\n" +
            ".extern .shared .align 16 .b8 smem[];\n" +
            ".visible .shared .align 4 .f32 s_amax;\n" +
            ".global .texref tex0;\n" +
            ".global .samplerref samp = { addr_mode_0 = clamp_to_border, filter_mode = nearest };\n" +
            ".global .u64 ptrs[2] = {generic(tbl), generic(tbl)+4};\n" +
            ".weak .global .u32 wk;\n.common .global .u32 cm;\n" +
            ".global .attribute(.managed) .align 4 .u32 managed_x;\n");
        Assert.Equal(new Version(9, 0), m.PtxVersion);
        Assert.Equal("sm_100a", m.SmTarget);
        Assert.Equal(64, m.AddressSize);
        Assert.Equal("/src/k.cu", m.Files[1]);
        Assert.Equal(16, m.Globals["tbl"].ByteSize);
        Assert.Equal(StateSpace.Global, m.Globals["tbl"].Space);
        Assert.Equal(32, m.Globals["cvec"].ByteSize);
        Assert.Null(m.Globals["smem"].ByteSize);
        Assert.True(m.Globals["smem"].IsExtern);
        Assert.Equal(16, m.Globals["smem"].Alignment);
        Assert.Equal(4, m.Globals["s_amax"].ByteSize);
        Assert.Equal(StateSpace.Shared, m.Globals["s_amax"].Space);
        Assert.Equal(2, m.Globals["ptrs"].ElementCount);
        Assert.Contains("managed_x", m.Globals.Keys);
    }

    [Fact]
    public void Function_headers_parameters_and_performance_directives()
    {
        var m = Parse(H +
            ".visible .entry k(\n\t.param .u64 .ptr .global .align 16 k_param_0,\n\t.param .align 8 .b8 k_param_1[16],\n\t.param .u32 k_param_2\n)\n" +
            ".maxntid 256, 1, 1\n.minnctapersm 2\n.reqnctapercluster 2, 1, 1\n.explicitcluster\n.maxnreg 128\n{\n\tret;\n}\n" +
            ".func (.param .b32 func_retval0) f(.param .b32 f_param_0) .noreturn;\n" +
            ".extern .func (.param .b32 r) vprintf(.param .b64 a, .param .b64 b);\n" +
            ".visible .func () g (.param .u32 p1, .param .u32 p2)\n");
        var k = m.FindFunction("k")!;
        Assert.True(k.IsEntry && k.IsVisible && k.HasBody);
        Assert.Equal(3, k.Parameters.Count);
        Assert.True(k.Parameters[0].IsPointerAttr);
        Assert.Equal(StateSpace.Global, k.Parameters[0].PointeeSpace);
        Assert.Equal(16, k.Parameters[0].Alignment);
        Assert.Equal(16, k.Parameters[1].ByteSize);
        Assert.Equal(new[] { 256, 1, 1 }, k.Performance.MaxNtid);
        Assert.Equal(2, k.Performance.MinNCtaPerSm);
        Assert.Equal(128, k.Performance.MaxNReg);
        Assert.True(k.Performance.ExplicitCluster);
        var f = m.FindFunction("f")!;
        Assert.False(f.HasBody);
        Assert.True(f.Performance.NoReturn);
        Assert.Single(f.ReturnParameters);
        Assert.True(m.FindFunction("vprintf")!.IsExtern);
        Assert.Equal(2, m.FindFunction("g")!.Parameters.Count);
    }

    [Fact]
    public void Registers_special_registers_and_operand_forms()
    {
        var k = Kernel(
            ".reg .pred %p<3>;\n.reg .b32 %r<20>;\n.reg .b64 %rd<10>;\n.reg .f32 %f<10>;\n.reg .b32 rui<4>;\n" +
            "mov.u32 %r1, %tid.x;\nmov.u32 %r2, %ctaid.y;\nmov.u32 %r3, %envreg3;\nmov.u64 %rd1, %clock64;\n" +
            "mov.u32 rui1, %laneid;\n" +
            "mov.f32 %f1, 0f3F800000;\nmov.f64 %fd1, 0d3FF0000000000000;\nmov.u32 %r4, 0x1FU;\nmov.u32 %r5, 017;\nmov.u32 %r6, 0b101;\nmov.f32 %f2, 1.5;\nmov.s32 %r7, -4;\n" +
            "setp.lt.s32 %p1|%p2, %r1, 32;\n@!%p1 bra $L__BB0_2;\n" +
            "ld.global.v4.f32 {%f1, %f2, %f3, %f4}, [%rd1+16];\nld.param.u64 %rd2, [k_param_0];\nld.global.u32 %r8, [%rd2+-4];\nld.const.u32 %r9, [64];\n" +
            "tex.2d.v4.f32.f32 {%f1, %f2, %f3, %f4}, [tex0, {%f5, %f6}];\n" +
            "st.global.v2.f32 [%rd1], {%f1, _};\n" +
            "$L__BB0_2:\nret;");
        var i = k.Instructions;
        var tid = (RegisterOperand)i[0].Operands[1];
        Assert.True(tid.IsSpecial);
        Assert.Equal("%tid", tid.Name);
        Assert.Equal("x", tid.Component);
        Assert.True(((RegisterOperand)i[2].Operands[1]).IsSpecial);
        Assert.IsType<RegisterOperand>(i[4].Operands[0]); // TornadoVM-style register without %
        Assert.Equal(1.0, ((FloatImmediateOperand)i[5].Operands[1]).Value);
        Assert.Equal(1.0, ((FloatImmediateOperand)i[6].Operands[1]).Value);
        Assert.Equal(31, ((ImmediateOperand)i[7].Operands[1]).Value);
        Assert.Equal(15, ((ImmediateOperand)i[8].Operands[1]).Value);
        Assert.Equal(5, ((ImmediateOperand)i[9].Operands[1]).Value);
        Assert.Equal(-4, ((ImmediateOperand)i[11].Operands[1]).Value);
        Assert.IsType<DualPredicateOperand>(i[12].Operands[0]);
        Assert.Equal(2, i[12].Defs.Length);
        Assert.True(i[13].Guard!.Negated);
        Assert.IsType<SymbolOperand>(i[13].Operands[0]);
        var ld = i[14];
        Assert.Equal(4, ((VectorOperand)ld.Operands[0]).Elements.Count);
        Assert.Equal(4, ld.VectorWidth);
        Assert.Equal(16, ((AddressOperand)ld.Operands[1]).Offset);
        Assert.Equal(StateSpace.Global, ld.MemoryAccesses[0].Space);
        Assert.Equal(16, ld.MemoryAccesses[0].Bytes);
        Assert.Equal("k_param_0", ((AddressOperand)i[15].Operands[1]).BaseSymbol);
        Assert.Equal(-4, ((AddressOperand)i[16].Operands[1]).Offset);
        Assert.Equal(64, ((AddressOperand)i[17].Operands[1]).Offset);
        Assert.Equal(2, ((AddressOperand)i[18].Operands[1]).Extra.Count > 0 ? ((VectorOperand)((AddressOperand)i[18].Operands[1]).Extra[0]).Elements.Count : 0);
        Assert.IsType<SinkOperand>(((VectorOperand)i[19].Operands[1]).Elements[1]);
        Assert.Equal(20, k.Labels["$L__BB0_2"]);
    }

    [Fact]
    public void Modern_instructions_with_sub_qualifiers_and_long_vectors()
    {
        var regs = string.Join(", ", Enumerable.Range(0, 64).Select(n => $"%r{n}"));
        var k = Kernel(".reg .b32 %r<100>;\n.reg .b64 %rd<4>;\n.reg .pred %p<2>;\n.shared .align 8 .b64 mbar;\n.shared .align 4 .b32 slot;\n" +
            "tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [slot], 128;\n" +
            $"tcgen05.ld.sync.aligned.32x32b.x64.b32 {{{regs}}}, [%r70];\n" +
            "tcgen05.wait::ld.sync.aligned;\n" +
            "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%r71], [%rd1], 16, [mbar];\n" +
            "mbarrier.try_wait.parity.shared::cta.b64 %p1, [mbar], %r72;\n" +
            "elect.sync %r73|%p1, -1;\n" +
            "barrier.cta.sync.aligned 0;\nbar.warp.sync -1;\n" +
            "fence.proxy.async.shared::cta;\n" +
            "call.uni (retval0), vprintf, (param0, param1);\n" +
            "ret;",
            header: ".extern .func (.param .b32 r) vprintf(.param .b64 a, .param .b64 b);\n");
        var i = k.Instructions;
        Assert.Equal("tcgen05.alloc", i[0].Mnemonic);
        Assert.Contains(".shared::cta", i[0].Modifiers);
        Assert.Equal(StateSpace.Shared, i[0].MemoryAccesses[0].Space);
        Assert.Equal(64, ((VectorOperand)i[1].Operands[0]).Elements.Count);
        Assert.Equal(64, i[1].Defs.Length);
        Assert.Equal(StateSpace.TensorMemory, i[1].MemoryAccesses[0].Space);
        Assert.Equal(".32x32b", i[1].Modifiers[3]);
        Assert.Equal("cp.async.bulk", i[3].Mnemonic);
        Assert.Equal(new[] { StateSpace.SharedCluster, StateSpace.Global, StateSpace.Shared }, i[3].MemoryAccesses.Select(a => a.Space));
        Assert.Equal(".mbarrier::complete_tx::bytes", i[3].Modifiers[4]);
        Assert.Single(i[4].Defs);
        Assert.Equal(2, i[5].Defs.Length);
        Assert.Equal(PtxLint.Semantics.SyncKind.CtaBarrier, i[6].Info.Sync);
        Assert.Equal(PtxLint.Semantics.SyncKind.WarpSync, i[7].Info.Sync);
        Assert.IsType<ParenListOperand>(i[9].Operands[0]);
        Assert.Equal(PtxLint.Semantics.FlowKind.Call, i[9].Info.Flow);
    }

    [Fact]
    public void Nested_scopes_loc_pragma_branchtargets_and_callprototype()
    {
        var k = Kernel(".reg .b32 %r<4>;\n.reg .b64 %rd<4>;\n" +
            ".loc 1 10 3\nmov.u32 %r1, 1;\n" +
            ".loc 2 13 25, function_name $L__info_string0, inlined_at 1 28 5\nadd.s32 %r1, %r1, 1;\n" +
            "{\n.reg .b32 %tmp;\n.param .b64 param0;\nmov.u32 %tmp, 2;\n}\n" +
            ".pragma \"nounroll\";\n" +
            "ts: .branchtargets L1, L2;\nbrx.idx %r1, ts;\nL1:\nret;\nL2:\n" +
            "prototype_0 : .callprototype (.param .b32 _) _ (.param .b32 _);\n" +
            "call (%r2), %rd1, (%r3), prototype_0;\nret;",
            header: ".file 1 \"a.cu\"\n.file 2 \"b.cuh\"\n");
        var i = k.Instructions;
        Assert.Equal(new DebugLoc(1, 10, 3), i[0].Loc);
        Assert.Equal(2, i[1].Loc!.File);
        Assert.Equal(new DebugLoc(1, 28, 5), i[1].Loc!.InlinedAt);
        Assert.Equal("$L__info_string0", i[1].Loc!.FunctionName);
        Assert.Contains(k.RegisterDecls, r => r.Prefix == "%tmp");
        Assert.Contains("param0", k.LocalSymbols.Keys);
        Assert.Contains("nounroll", k.Performance.Pragmas);
        Assert.Equal(new[] { "L1", "L2" }, k.BranchTargets["ts"]);
        var cfg = k.Analyses.Cfg;
        var brx = i.First(x => x.Opcode == "brx");
        Assert.Equal(2, cfg.BlockOf(brx).Successors.Count);
    }

    [Fact]
    public void Dwarf_sections_and_comments_parse()
    {
        var m = Parse(H + "/* block\ncomment */ // line\n.visible .entry k()\n{\n$L__func_begin0:\nret;\n$L__func_end0:\n}\n" +
            ".section .debug_abbrev\n{\n.b8 1\n.b8 17\n.b8 0\n}\n" +
            ".section .debug_info\n{\n.b32 123\n.b8 2\n.b32 .debug_abbrev\n.b64 $L__func_begin0\n.b64 $L__func_end0\n.b8 95,90,0\n.b32 $L__func_end0-$L__func_begin0\n}\n" +
            ".section .debug_str\n{\n$L__info_string0:\n.b8 107,0\n}\n.section .debug_macinfo { }\n");
        Assert.Single(m.Functions);
    }

    [Fact]
    public void Syntax_errors_report_position_and_expected_tokens_and_parsing_resumes()
    {
        var text = H + ".visible .entry k()\n{\n.reg .b32 %r<4>;\nmov.u32 %r1 1;\nadd.s32 %r2, %r1, 2;\nst.global.u32 [%r2] %r1;\nret;\n}\n" +
                   ".visible .entry k2()\n{\nret;\n}\n";
        var m = Corpus.Parse(text);
        Assert.Equal(2, m.Errors.Count);
        Assert.Equal(7, m.Errors[0].Span.StartLine);
        Assert.Equal(13, m.Errors[0].Span.StartColumn);
        Assert.Contains("unexpected '1'", m.Errors[0].Message);
        Assert.Contains("expected", m.Errors[0].Message);
        Assert.Equal(9, m.Errors[1].Span.StartLine);
        // the rest of the file is still analyzed
        Assert.NotNull(m.FindFunction("k2"));
        Assert.Contains(m.FindFunction("k")!.Instructions, x => x.Opcode == "add");
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData(".target sm_90\n.entry k() { ret; }\n", "missing .version")]
    [InlineData(".version 8.0\n.target sm_90\n.entry k() { bra L9; }\n", "undefined label 'L9'")]
    [InlineData(".version 6.5\n.target sm_30\n.visible .func f(.param .b32 .v2 x) { ret; }\n", "vector specifier")]
    [InlineData(".version 6.4\n.target sm_70\n.visible .entry k() .noreturn { trap; }\n", ".noreturn is allowed on .func only")]
    [InlineData(".version 8.0\n.target sm_90\n.entry k() { mov.u32 %r1, 1 /* unterminated\n", "unexpected")]
    public void Invalid_ptx_is_reported(string text, string expected)
    {
        var m = Corpus.Parse(text);
        Assert.Contains(m.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
        Assert.All(m.Errors, e => Assert.True(e.Span.StartLine >= 1 && e.Span.StartColumn >= 1));
    }

    [Fact]
    public void Crlf_line_ends_keep_positions()
    {
        var m = Corpus.Parse(H.Replace("\n", "\r\n") + ".entry k()\r\n{\r\n  mov.u32 %r1 1;\r\n}\r\n");
        Assert.Equal(6, m.Errors[0].Span.StartLine);
        Assert.Equal(15, m.Errors[0].Span.StartColumn);
    }

    [Fact]
    public void Registers_of_declared_ranges_are_shared_by_name_and_exact_about_numbers()
    {
        var text = H + ".visible .entry k()\n{\n.reg .b32 %r<200000>;\n.reg .b32 %r01;\n" +
            "mov.b32 %r150000, 1;\nadd.s32 %r150000, %r150000, %r7;\nmov.b32 %r01, %r1;\nmov.b32 %r200001, %r0;\nret;\n}\n" +
            ".visible .entry k2()\n{\n.reg .b32 %r<8>;\nmov.b32 %r7, 2;\nret;\n}\n";
        foreach (var antlr in new[] { false, true })
        {
            var m = PtxLint.Syntax.PtxParserDriver.Parse("r.ptx", text, new PtxLint.Syntax.ParseOptions(ForceAntlr: antlr));
            Assert.Empty(m.Errors);
            var k = m.Functions[0].Instructions;
            var def = (RegisterOperand)k[0].Operands[0];
            Assert.Equal("%r150000", def.Name);
            Assert.Same(def, k[1].Operands[0]);
            Assert.Same(def, k[1].Operands[1]);
            Assert.Equal("%r7", ((RegisterOperand)k[1].Operands[2]).Name);
            // a leading zero makes another register; a number past the range is still a register, by name
            Assert.Equal("%r01", ((RegisterOperand)k[2].Operands[0]).Name);
            Assert.Equal("%r1", ((RegisterOperand)k[2].Operands[1]).Name);
            Assert.Equal("%r200001", ((RegisterOperand)k[3].Operands[0]).Name);
            Assert.Equal(new[] { "%r150000" }, k[0].Defs.Select(r => r.Name));
            // the same name in another function means the same (immutable) thing
            Assert.Equal("%r7", ((RegisterOperand)m.Functions[1].Instructions[0].Operands[0]).Name);
        }
    }

    [Fact]
    public void Large_files_are_split_and_parsed_in_parallel_with_the_same_result()
    {
        var fn = string.Concat(Enumerable.Range(0, 400).Select(n =>
            $".visible .entry k{n}(.param .u64 p)\n{{\n.reg .b32 %r<4>;\n.reg .b64 %rd<4>;\nld.param.u64 %rd1, [p];\n" +
            string.Concat(Enumerable.Repeat("add.s32 %r1, %r1, 1;\nst.global.u32 [%rd1+4], %r1;\n", 150)) + "ret;\n}\n"));
        var text = H + fn;
        var parallel = PtxLint.Syntax.PtxParserDriver.Parse("big.ptx", text, new PtxLint.Syntax.ParseOptions(Parallel: true));
        var serial = PtxLint.Syntax.PtxParserDriver.Parse("big.ptx", text, new PtxLint.Syntax.ParseOptions(Parallel: false));
        Assert.Empty(parallel.Errors);
        Assert.Equal(400, parallel.Functions.Count);
        Assert.Equal(IrDump.Dump(serial), IrDump.Dump(parallel));
    }
}

public class InstructionTableTests
{
    [Theory]
    [InlineData("tcgen05", new[] { ".wait::ld", ".sync", ".aligned" }, "tcgen05.wait")]
    [InlineData("tcgen05", new[] { ".fence::before_thread_sync" }, "tcgen05.fence")]
    [InlineData("cp", new[] { ".async", ".bulk", ".tensor", ".2d" }, "cp.async.bulk.tensor")]
    [InlineData("cp", new[] { ".async", ".ca", ".shared", ".global" }, "cp.async")]
    [InlineData("mbarrier", new[] { ".arrive", ".expect_tx", ".shared::cta", ".b64" }, "mbarrier.arrive")]
    [InlineData("bar", new[] { ".warp", ".sync" }, "bar.warp.sync")]
    [InlineData("add", new[] { ".s32" }, "add")]
    public void Compound_opcodes_resolve_to_their_family(string opcode, string[] mods, string key)
    {
        var info = PtxLint.Semantics.InstructionTable.Lookup(opcode, mods);
        Assert.True(info.Known);
        Assert.Equal(key, info.Key);
    }

    [Fact]
    public void Unknown_opcodes_are_conservative()
    {
        var info = PtxLint.Semantics.InstructionTable.Lookup("frobnicate", new[] { ".b32" });
        Assert.False(info.Known);
        Assert.True(info.VaryingResult);
    }
}

public class NestingLimitTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Nesting_just_under_the_limit_parses_on_a_thread_pool_thread_on_both_paths(bool withError)
    {
        int n = PtxLint.Syntax.PtxParserDriver.MaxNesting - 1;
        var text = ".version 8.0\n.target sm_90\n.address_size 64\n.entry k()\n" + new string('{', n) + (withError ? " mov ,, ;" : " ret;") + new string('}', n) + "\n";
        // Run where rules and the engine run: a thread-pool thread with the default (smaller) stack.
        var m = await Task.Run(() => PtxLint.Syntax.PtxParserDriver.Parse("deep.ptx", text));
        if (withError) Assert.Contains(m.Errors, e => e.Message.StartsWith("unexpected", StringComparison.Ordinal));
        else Assert.Empty(m.Errors);
    }

    [Fact]
    public async Task Nesting_over_the_limit_is_an_error_not_a_crash()
    {
        var text = ".version 8.0\n.target sm_90\n.address_size 64\n.entry k()\n" + new string('{', 30_000) + new string('}', 30_000) + "\n.entry k2() { ret; }\n";
        var m = await Task.Run(() => PtxLint.Syntax.PtxParserDriver.Parse("deep.ptx", text));
        var e = Assert.Single(m.Errors);
        Assert.Contains("nested deeper than", e.Message);
        Assert.Equal(5, e.Span.StartLine);
        Assert.NotNull(m.FindFunction("k2"));
    }
}

public class ScopedLabelTests
{
    [Fact]
    public void Labels_in_nested_blocks_are_block_scoped_like_inline_asm_expansions()
    {
        const string wait = "{\n.reg .pred complete;\nwaitLoop:\nmbarrier.try_wait.parity.shared.b64 complete, [%r1], %r2;\n@!complete bra.uni waitLoop;\n}\n";
        var text = ".version 8.0\n.target sm_90a\n.address_size 64\n.entry k()\n{\n.reg .b32 %r<4>;\n" + wait + "add.s32 %r1, %r1, 1;\n" + wait +
                   "{\nbra done;\nmov.u32 %r3, 1;\ndone:\n}\nret;\n}\n";
        var m = Corpus.Parse(text);
        Assert.Empty(m.Errors);
        Assert.Equal(IrDump.Dump(Corpus.Parse(text, antlr: true)), IrDump.Dump(m));
        var fn = m.Functions[0];
        var bras = fn.Instructions.Where(i => i.Opcode == "bra").ToList();
        var targets = bras.Select(b => ((PtxLint.Ir.SymbolOperand)b.Operands[0]).Name).ToList();
        Assert.Equal(3, targets.Distinct().Count());
        // each loop branches back to its own label
        Assert.Equal(bras[0].Index - 1, fn.Labels[targets[0]]);
        Assert.Equal(bras[1].Index - 1, fn.Labels[targets[1]]);
        var cfg = fn.Analyses.Cfg;
        Assert.Contains(cfg.BlockOf(bras[1]), cfg.BlockOf(bras[1]).Successors);
    }

    [Fact]
    public void Many_blocks_with_the_same_label_each_branch_to_their_own()
    {
        var text = ".version 8.0\n.target sm_90a\n.address_size 64\n.entry k()\n{\n" + string.Concat(Enumerable.Repeat("{ L: bra L; }\n", 2000)) + "ret;\n}\n";
        foreach (var antlr in new[] { false, true })
        {
            var m = PtxLint.Syntax.PtxParserDriver.Parse("l.ptx", text, new PtxLint.Syntax.ParseOptions(ForceAntlr: antlr));
            Assert.Empty(m.Errors);
            var fn = m.Functions[0];
            Assert.Equal(2000, fn.Labels.Count);
            for (int i = 0; i < 2000; i++)
            {
                var target = ((SymbolOperand)fn.Instructions[i].Operands[0]).Name;
                Assert.Equal(i, fn.Labels[target]);
            }
        }
    }

    [Fact]
    public void A_duplicate_label_in_the_same_scope_is_an_error()
    {
        var m = Corpus.Parse(".version 8.0\n.target sm_90\n.entry k()\n{\nL1:\nret;\n{\nL2:\nL2:\nret;\n}\n}\n");
        var e = Assert.Single(m.Errors);
        Assert.Contains("duplicate label 'L2'", e.Message);
        Assert.Equal(9, e.Span.StartLine);
    }
}
