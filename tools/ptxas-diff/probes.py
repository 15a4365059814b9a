#!/usr/bin/env python3
"""Small PTX files that each ask ptxas one question (is this accepted? what does it say?), for PTX013's wording
and its type rules. Usage: probes.py OUTDIR  (writes OUTDIR/<name>.ptx and OUTDIR/list.tsv: name, -arch)."""
import os, sys

H = ".version {v}\n.target {t}\n.address_size 64\n"


def k(body, regs=".reg .b32 %r<8>;\n.reg .b64 %rd<8>;\n.reg .f32 %f<8>;\n.reg .f64 %fd<8>;\n.reg .pred %p<4>;\n.reg .b16 %rs<8>;\n",
      v="8.0", t="sm_90", head="", params=".param .u64 k_p"):
    return H.format(v=v, t=t) + head + f".visible .entry k({params})\n{{\n{regs}{body}\nret;\n}}\n"


P = {}
# ---- names
P["undeclared-reg"] = k("mov.u32 %r9, 1;\nmov.u32 %q1, 1;")
P["reg-beyond-range"] = k("add.s32 %r1, %r8, 1;")
P["undeclared-var"] = k("ld.global.u32 %r1, [nosuch];")
P["undeclared-func"] = k("call.uni nosuch, ();")
P["undeclared-label"] = k("bra.uni NOPE;")
P["scoped-reg-out-of-scope"] = k("{\n.reg .b32 %t;\nmov.u32 %t, 1;\n}\nmov.u32 %t, 2;")
P["dup-reg-range"] = k(".reg .b32 %r<8>;\nmov.u32 %r1, 1;")
P["dup-reg-single"] = k(".reg .b32 %x;\n.reg .b32 %x;\nmov.u32 %x, 1;")
P["dup-shared"] = k("", head=".shared .b32 s;\n.shared .b32 s;\n")
P["dup-entry"] = k("") + ".visible .entry k(.param .u64 k_p)\n{\nret;\n}\n"
P["dup-version"] = k("") + ".version 8.0\n"
P["dup-target"] = H.format(v="8.0", t="sm_90") + ".target sm_90\n.visible .entry k()\n{\nret;\n}\n"
P["missing-target"] = ".version 8.0\n.address_size 64\n.visible .entry k()\n{\nret;\n}\n"
P["dup-label"] = k("L1:\nL1:\nbra.uni L1;")
P["dup-local-var"] = k(".local .b32 v;\n.local .b32 v;")
P["param-shadow-reg"] = k(".reg .b64 k_p;")
# ---- opcodes and modifiers
P["unknown-opcode"] = k("shlx.b32 %r1, %r2, 1;")
P["bad-modifier-bar"] = k("bar.snyc 0;")
P["bad-modifier-add"] = k("add.s32.foo %r1, %r2, 1;")
P["ld-order-v4-global"] = k("ld.v4.global.f32 {%f1,%f2,%f3,%f4}, [%rd1];")
P["ld-order-type-first"] = k("ld.f32.global %f1, [%rd1];")
P["ld-order-nc-before-global"] = k("ld.nc.global.f32 %f1, [%rd1];")
P["add-order-sat"] = k("add.s32.sat %r1, %r2, %r3;")
P["two-types"] = k("add.s32.u32 %r1, %r2, %r3;")
P["missing-type"] = k("add %r1, %r2, %r3;")
P["cvt-missing-rounding"] = k("cvt.f32.f64 %f1, %fd1;")
P["cvt-rounding-ok"] = k("cvt.rn.f32.f64 %f1, %fd1;")
P["cvt-int-to-float-no-rnd"] = k("cvt.f32.s32 %f1, %r1;")
P["cvt-float-to-int-no-rnd"] = k("cvt.s32.f32 %r1, %f1;")
P["cvt-rnd-on-widening"] = k("cvt.rn.f64.f32 %fd1, %f1;")
P["mul-no-mode"] = k("mul.s32 %r1, %r2, %r3;")
P["mul-wide-s64"] = k("mul.wide.s64 %rd1, %rd2, %rd3;")
P["mul-wide-ok"] = k("mul.wide.s32 %rd1, %r2, %r3;")
P["mad-no-mode"] = k("mad.s32 %r1, %r2, %r3, %r4;")
P["div-f32-no-rnd"] = k("div.f32 %f1, %f2, %f3;")
P["sqrt-f32-no-rnd"] = k("sqrt.f32 %f1, %f2;")
P["rcp-f32-no-rnd"] = k("rcp.f32 %f1, %f2;")
P["ex2-no-approx"] = k("ex2.f32 %f1, %f2;")
P["shfl-no-sync-sm70"] = k("shfl.down.b32 %r1, %r2, 1, 31;", v="6.4", t="sm_70")
P["vote-no-sync-sm70"] = k("vote.any.pred %p1, %p2;", v="6.4", t="sm_70")
P["vote-no-sync-ptx63"] = k("vote.any.pred %p1, %p2;", v="6.3", t="sm_70")
P["bar-no-sync"] = k("bar 0;")
P["membar-bad-level"] = k("membar.cluster;")
# ---- operand counts and kinds
P["too-few-operands"] = k("add.s32 %r1, %r2;")
P["too-many-operands"] = k("add.s32 %r1, %r2, %r3, %r4;")
P["dst-immediate"] = k("add.s32 1, %r2, %r3;")
P["src-address"] = k("add.s32 %r1, [%rd1], %r3;")
P["ld-dst-address"] = k("ld.global.u32 [%rd1], %r1;")
P["st-src-address"] = k("st.global.u32 %r1, [%rd1];")
P["setp-dst-not-pred"] = k("setp.eq.s32 %r1, %r2, %r3;")
P["selp-c-not-pred"] = k("selp.b32 %r1, %r2, %r3, %r4;")
P["selp-negated-pred"] = k("selp.b32 %r1, %r2, %r3, !%p1;")
P["bra-register"] = k("bra.uni %r1;")
P["mov-special-no-comp"] = k("mov.u32 %r1, %tid;")
P["mov-special-64"] = k("mov.u64 %rd1, %tid.x;")
P["mov-special-16"] = k("mov.u16 %rs1, %tid.x;")
P["mov-clock64-32"] = k("mov.u32 %r1, %clock64;")
# ---- types of registers
P["f32-op-b32-reg"] = k("add.f32 %f1, %r1, %f2;")
P["f32-op-u32-reg"] = k("add.f32 %f1, %u1, %f2;", regs=".reg .f32 %f<4>;\n.reg .u32 %u<4>;\n")
P["s32-op-f32-reg"] = k("add.s32 %r1, %f1, %r2;")
P["s32-op-u32-reg"] = k("add.s32 %u1, %u2, %u3;", regs=".reg .u32 %u<4>;\n")
P["u32-op-s32-reg"] = k("add.u32 %s1, %s2, %s3;", regs=".reg .s32 %s<4>;\n")
P["b32-op-f32-reg"] = k("and.b32 %r1, %f1, %r2;")
P["u32-op-b64-reg"] = k("add.u32 %r1, %rd1, %r2;")
P["u64-op-b32-reg"] = k("add.u64 %rd1, %r1, %rd2;")
P["f64-op-b64-reg"] = k("add.f64 %fd1, %rd1, %fd2;")
P["f16-op-b16-reg"] = k("add.f16 %rs1, %rs2, %rs3;")
P["f16-op-f32-reg"] = k("add.f16 %f1, %f2, %f3;")
P["pred-op-b32"] = k("and.pred %p1, %r1, %p2;")
P["mov-b32-f32"] = k("mov.b32 %r1, %f1;")
P["mov-f32-b32"] = k("mov.f32 %f1, %r1;")
P["mov-u32-s32reg"] = k("mov.u32 %s1, %s2;", regs=".reg .s32 %s<4>;\n")
P["mov-u32-f32reg"] = k("mov.u32 %r1, %f1;")
P["mov-b64-pair"] = k("mov.b64 %rd1, {%r1, %r2};")
P["mov-b64-pair-wrong"] = k("mov.b64 %rd1, {%r1, %r2, %r3};")
# ---- ld/st/cvt relaxed rules
P["ld-u8-into-b32"] = k("ld.global.u8 %r1, [%rd1];")
P["ld-u8-into-b16"] = k("ld.global.u8 %rs1, [%rd1];")
P["ld-u32-into-b64"] = k("ld.global.u32 %rd1, [%rd2];")
P["ld-u64-into-b32"] = k("ld.global.u64 %r1, [%rd1];")
P["ld-f32-into-b64"] = k("ld.global.f32 %rd1, [%rd2];")
P["ld-f32-into-f64"] = k("ld.global.f32 %fd1, [%rd2];")
P["ld-b32-into-f32"] = k("ld.global.b32 %f1, [%rd2];")
P["ld-s32-into-f32"] = k("ld.global.s32 %f1, [%rd2];")
P["st-u8-from-b32"] = k("st.global.u8 [%rd1], %r1;")
P["st-u32-from-b64"] = k("st.global.u32 [%rd1], %rd2;")
P["st-u64-from-b32"] = k("st.global.u64 [%rd1], %r1;")
P["st-f32-from-f64"] = k("st.global.f32 [%rd1], %fd1;")
P["cvt-u32-u8-from-b16"] = k("cvt.u32.u8 %r1, %rs1;")
P["cvt-u32-u8-from-b32"] = k("cvt.u32.u8 %r1, %r2;")
P["cvt-u16-u32-into-b32"] = k("cvt.u16.u32 %r1, %r2;")
P["cvt-u32-u64-into-b16"] = k("cvt.u32.u64 %rs1, %rd1;")
P["cvt-f32-s32-from-b64"] = k("cvt.rn.f32.s32 %f1, %rd1;")
P["ld-addr-32bit-reg"] = k("ld.global.u32 %r1, [%r2];")
P["ld-shared-addr-64"] = k("ld.shared.u32 %r1, [%rd2];")
# ---- immediates
P["imm-int-for-f32"] = k("add.f32 %f1, %f2, 1;")
P["imm-float-for-s32"] = k("add.s32 %r1, %r2, 1.0;")
P["imm-hexfloat-for-s32"] = k("add.s32 %r1, %r2, 0f3F800000;")
P["imm-f64-hex-for-f32"] = k("add.f32 %f1, %f2, 0d3FF0000000000000;")
P["imm-f32-hex-for-f64"] = k("add.f64 %fd1, %fd2, 0f3F800000;")
P["imm-too-big-u16"] = k("add.u16 %rs1, %rs2, 70000;")
P["imm-too-big-s32"] = k("add.s32 %r1, %r2, 0x100000000;")
P["imm-negative-u32"] = k("add.u32 %r1, %r2, -1;")
P["mov-imm-f32-int"] = k("mov.f32 %f1, 1;")
P["mov-imm-pred"] = k("mov.pred %p1, 1;")
P["setp-imm-first"] = k("setp.lt.s32 %p1, 1, %r1;")
P["st-imm-value"] = k("st.global.u32 [%rd1], 1;")
P["ld-imm-address"] = k("ld.global.u32 %r1, [16];")
P["shl-imm-shift-b64"] = k("shl.b64 %rd1, %rd2, 3;")
P["shl-reg-shift-64"] = k("shl.b64 %rd1, %rd2, %rd3;")
# ---- vectors
P["ld-v4-2regs"] = k("ld.global.v4.f32 {%f1, %f2}, [%rd1];")
P["ld-v2-no-braces"] = k("ld.global.v2.f32 %f1, [%rd1];")
P["ld-scalar-braces"] = k("ld.global.f32 {%f1, %f2}, [%rd1];")
P["st-v2-4regs"] = k("st.global.v2.f32 [%rd1], {%f1, %f2, %f3, %f4};")
P["ld-v8-f32"] = k("ld.global.v8.f32 {%f1,%f2,%f3,%f4,%f5,%f6,%f7,%f0}, [%rd1];", v="8.8", t="sm_100")
P["ld-v8-u16"] = k("ld.global.v8.u16 {%rs1,%rs2,%rs3,%rs4,%rs5,%rs6,%rs7,%rs0}, [%rd1];")
P["ld-v4-f64"] = k("ld.global.v4.f64 {%fd1,%fd2,%fd3,%fd4}, [%rd1];")
P["ld-v3"] = k("ld.global.v3.f32 {%f1,%f2,%f3}, [%rd1];")
P["ld-v4-b64"] = k("ld.global.v4.b64 {%rd1,%rd2,%rd3,%rd4}, [%rd1];")
P["ld-sink-in-vector"] = k("ld.global.v4.f32 {%f1,_,%f3,_}, [%rd1];")
# ---- state spaces
P["st-const"] = k("st.const.u32 [%rd1], %r1;")
P["st-param-entry"] = k("st.param.u64 [k_p], %rd1;")
P["ld-param-entry-ok"] = k("ld.param.u64 %rd1, [k_p];")
P["ld-sreg"] = k("ld.sreg.u32 %r1, [%rd1];")
P["ld-reg-space"] = k("ld.reg.u32 %r1, [%rd1];")
P["atom-local"] = k("atom.local.add.u32 %r1, [%rd1], 1;")
P["atom-const"] = k("atom.const.add.u32 %r1, [%rd1], 1;")
P["cvta-param"] = k("cvta.param.u64 %rd1, %rd2;")
P["cvta-to-const"] = k("cvta.to.const.u64 %rd1, %rd2;")
P["ld-global-of-shared-var"] = k("ld.global.u32 %r1, [s];", head=".shared .b32 s;\n")
P["ld-shared-of-global-var"] = k("ld.shared.u32 %r1, [g];", head=".global .b32 g;\n")
P["ld-generic-of-shared-var"] = k("ld.u32 %r1, [s];", head=".shared .b32 s;\n")
P["mov-addr-of-shared"] = k("mov.u64 %rd1, s;", head=".shared .b32 s;\n")
P["st-shared-cluster-old"] = k("st.shared::cluster.u32 [%r1], %r2;", v="7.8", t="sm_80")
# ---- targets and versions
P["version-7.9"] = k("", v="7.9")
P["version-9.5"] = k("", v="9.5")
P["version-6.4-sm90"] = k("", v="6.4", t="sm_90")
P["version-7.8-sm90"] = k("", v="7.8", t="sm_90")
P["target-sm_91"] = k("", t="sm_91")
P["target-compute_90"] = k("", t="compute_90")
P["cp-async-ptx65"] = k("cp.async.ca.shared.global [%r1], [%rd1], 4;", v="6.5", t="sm_80")
P["cp-async-sm75"] = k("cp.async.ca.shared.global [%r1], [%rd1], 4;", v="7.0", t="sm_75")
P["wgmma-sm90"] = k("wgmma.fence.sync.aligned;", t="sm_90")
P["wgmma-sm90a"] = k("wgmma.fence.sync.aligned;", t="sm_90a")
P["tcgen05-sm90a"] = k("tcgen05.fence::before_thread_sync;", v="8.6", t="sm_90a")
P["tcgen05-sm100a"] = k("tcgen05.fence::before_thread_sync;", v="8.6", t="sm_100a")
P["tcgen05-sm100"] = k("tcgen05.fence::before_thread_sync;", v="8.6", t="sm_100")
P["tcgen05-ptx85"] = k("tcgen05.fence::before_thread_sync;", v="8.5", t="sm_100a")
P["redux-sm75"] = k("redux.sync.add.u32 %r1, %r2, 0xffffffff;", v="7.0", t="sm_75")
P["redux-sm80"] = k("redux.sync.add.u32 %r1, %r2, 0xffffffff;", v="7.0", t="sm_80")
P["bf16-add-sm80"] = k("add.bf16 %rs1, %rs2, %rs3;", v="7.8", t="sm_80")
P["bf16-add-sm90"] = k("add.bf16 %rs1, %rs2, %rs3;", v="7.8", t="sm_90")
P["fma-bf16-sm80"] = k("fma.rn.bf16 %rs1, %rs2, %rs3, %rs4;", v="7.0", t="sm_80")
P["match-sm60"] = k("match.any.sync.b32 %r1, %r2, 0xffffffff;", v="6.0", t="sm_60")
P["shfl-sync-ptx59"] = k("shfl.sync.down.b32 %r1, %r2, 1, 31, 0xffffffff;", v="5.0", t="sm_30")
P["ld-L2-256B-sm75"] = k("ld.global.L2::256B.u32 %r1, [%rd1];", v="7.4", t="sm_75")
P["ld-L2-256B-ptx73"] = k("ld.global.L2::256B.u32 %r1, [%rd1];", v="7.3", t="sm_80")
P["ld-relaxed-ptx59"] = k("ld.relaxed.gpu.global.u32 %r1, [%rd1];", v="5.0", t="sm_70")
P["ld-relaxed-sm60"] = k("ld.relaxed.gpu.global.u32 %r1, [%rd1];", v="6.0", t="sm_60")
P["atom-f64-sm50"] = k("atom.global.add.f64 %fd1, [%rd1], %fd2;", v="6.0", t="sm_50")
P["address-size-32-sm90"] = ".version 8.0\n.target sm_90\n.address_size 32\n.visible .entry k()\n{\nret;\n}\n"
P["no-address-size-ptx80"] = ".version 8.0\n.target sm_90\n.visible .entry k()\n{\nret;\n}\n"
# ---- calls and prototypes
P["indirect-call-no-proto"] = k("call (), %rd1, ();")
P["indirect-call-proto"] = k("proto: .callprototype ()_ ();\ncall (), %rd1, (), proto;")
P["call-arg-count"] = k("call.uni f, (1);", head=".func f()\n{\nret;\n}\n")
P["call-ret-missing"] = k("call.uni f, ();", head=".func (.param .b32 r) f()\n{\nret;\n}\n")
# ---- characters and declarations
P["non-ascii-comment"] = k("// caf\u00e9")
P["incomplete-global"] = k("", head=".global .u32 g[];\n")
P["incomplete-extern-ok"] = k("", head=".extern .global .u32 g[];\n")
P["entry-param-incomplete"] = H.format(v="8.0", t="sm_90") + ".visible .entry k(.param .u32 p[])\n{\nret;\n}\n"
P["module-reg"] = H.format(v="8.0", t="sm_90") + ".reg .b32 r;\n.visible .entry k()\n{\nret;\n}\n"
P["align-not-pow2"] = k("", head=".global .align 3 .b8 g[4];\n")
P["v8-global-decl"] = k("", head=".global .v8 .f32 g;\n")
P["v3-global-decl"] = k("", head=".global .v3 .f32 g;\n")
P["const-expr-or"] = k("or.b64 %rd1, %rd1, ((256 >> 4) << 32);")
P["const-expr-mod"] = k("mov.u32 %r1, 7 % 3;")
P["const-expr-cast"] = k("mov.u64 %rd1, (.u64) -1;")
P["const-expr-cond"] = k("mov.u32 %r1, 1 ? 2 : 3;")
P["const-expr-div0"] = k("mov.u32 %r1, 1 / 0;")
P["const-expr-float"] = k("mov.f32 %f1, 1.5 * 2.0;")
P["const-expr-init"] = k("", head=".global .u32 t[3] = {1+1, 2*3, 1<<4};\n")
P["const-expr-dim"] = k("", head=".global .u32 t[4*2];\n")

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "list.tsv"), "w") as f:
    for name, text in P.items():
        with open(os.path.join(out, name + ".ptx"), "w", encoding="utf-8") as g:
            g.write(text)
        import re
        t = re.search(r"\.target\s+(\w+)", text)
        tg = t.group(1) if t else "sm_90"
        m = re.match(r"sm_(\d+)", tg)
        arch = tg if (m and int(m.group(1)) >= 75 and tg in ("sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_100a", "sm_120")) else "sm_75"
        if tg.startswith("compute_"):
            arch = "sm_90"
        if tg == "sm_91":
            arch = "sm_90"
        f.write(f"{name}\t{arch}\n")
print(len(P), "probes", file=sys.stderr)
