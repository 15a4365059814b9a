#!/usr/bin/env python3
"""Probes that check the ISA table's minimum .version and .target against ptxas, on real files.

Usage: boundary.py REQUIREMENTS.tsv BASEDIR OUTDIR
REQUIREMENTS.tsv is the output of `PtxLint.Benchmarks requirements BASEDIR/*.ptx` (per file: the highest PTX ISA
version and the highest target its instructions need by the table, and arch-specific targets). For each file this
writes copies with .version just below and exactly at that version, and .target just below and exactly at that
target (the 'a' variant replaced by the plain target for arch-specific instructions), into OUTDIR/<base>.<kind>.ptx
and OUTDIR/list.tsv (name, -arch, what the table expects: reject/accept). A 'below' copy ptxas accepts, or an 'at'
copy it rejects, is a table error (or an instruction whose requirement the table misses).
"""
import os, re, sys

VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "2.0", "2.1", "2.2", "2.3", "3.0", "3.1", "3.2", "4.0", "4.1", "4.2",
            "4.3", "5.0", "6.0", "6.1", "6.2", "6.3", "6.4", "6.5", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7",
            "7.8", "8.0", "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "8.8", "9.0"]
SMS = [20, 30, 32, 35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90, 100, 103, 110, 120, 121]
# the PTX ISA version that introduced each target (the table's TargetVersions)
TARGET_PTX = {20: "2.0", 30: "3.0", 32: "4.0", 35: "3.1", 37: "4.1", 50: "4.0", 52: "4.1", 53: "4.2", 60: "5.0", 61: "5.0",
              62: "5.0", 70: "6.0", 72: "6.1", 75: "6.3", 80: "7.0", 86: "7.1", 87: "7.4", 89: "7.8", 90: "7.8", 100: "8.6",
              103: "8.8", 110: "9.0", 120: "8.7", 121: "8.8"}
ARCHS = {"sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_100a", "sm_100f", "sm_103", "sm_103a",
         "sm_110", "sm_110a", "sm_120", "sm_120a", "sm_121"}


def v(s):
    return tuple(int(x) for x in s.split("."))


def arch_for(t):
    if t in ARCHS:
        return t
    m = re.match(r"sm_(\d+)", t)
    return "sm_75" if m and int(m.group(1)) < 75 else None


def main():
    req, base, out = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    rows = []
    for line in open(req):
        path, ptx, ptx_by, sm, sm_by, targets, targets_by = line.rstrip("\n").split("\t")
        name = os.path.basename(path)[:-4]
        text = open(os.path.join(base, name + ".ptx"), newline="").read()
        mv = re.search(r"^(\s*\.version\s+)(\S+)", text, re.M)
        mt = re.search(r"^(\s*\.target\s+)(\w+)", text, re.M)
        if not mv or not mt:
            continue
        cur_v, cur_t = mv.group(2), mt.group(2)
        m = re.match(r"sm_(\d+)", cur_t)
        if not m:
            continue
        cur_sm = int(m.group(1))

        def emit(kind, new_v=None, new_t=None, expect="reject"):
            t2 = text
            if new_v:
                t2 = t2[:mv.start(2)] + new_v + t2[mv.end(2):]
            if new_t:
                mt2 = re.search(r"^(\s*\.target\s+)(\w+)", t2, re.M)
                t2 = t2[:mt2.start(2)] + new_t + t2[mt2.end(2):]
            tgt = new_t or cur_t
            arch = arch_for(tgt)
            if arch is None:
                return
            n = f"{name}.{kind}"
            with open(os.path.join(out, n + ".ptx"), "w", newline="") as f:
                f.write(t2)
            rows.append((n, arch, expect))

        if ptx != "-" and v(ptx) > (2, 0):
            i = VERSIONS.index(ptx)
            below = VERSIONS[i - 1]
            # only where the target itself is legal in the lowered version, so the instruction decides
            if v(TARGET_PTX.get(cur_sm, "1.0")) <= v(below):
                emit("ptx-below", new_v=below)
            if v(cur_v) > v(ptx) and v(TARGET_PTX.get(cur_sm, "1.0")) <= v(ptx):
                emit("ptx-at", new_v=ptx, expect="accept")
        if int(sm) >= 30 and targets == "-":
            lower = [s for s in SMS if s < int(sm)]
            if lower:
                emit("sm-below", new_t=f"sm_{lower[-1]}")
            if cur_sm > int(sm) and int(sm) in TARGET_PTX and v(TARGET_PTX[int(sm)]) <= v(cur_v):
                emit("sm-at", new_t=f"sm_{sm}", expect="accept")
        if targets != "-" and cur_t.endswith(("a", "f")):
            emit("arch-generic", new_t=re.sub(r"[af]$", "", cur_t))
    with open(os.path.join(out, "list.tsv"), "w") as f:
        for n, arch, expect in rows:
            f.write(f"{n}\t{arch}\t{expect}\n")
    print(f"{len(rows)} boundary probes", file=sys.stderr)


if __name__ == "__main__":
    main()
