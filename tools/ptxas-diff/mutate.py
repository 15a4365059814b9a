#!/usr/bin/env python3
"""Mutants of real PTX that ptxas accepts, for the differential test of PTX013 (invalid-ptx) against ptxas.

Usage: mutate.py --seed N --count K --out DIR [--exclude MUTANTS.tsv]

Reads the base files (../shared/corpus public files ptxas 13 accepts, the smaller device files of ISA <= 9.0,
tests/data/generated and samples/ptx), makes K mutants with one edit each, and writes into DIR:
  bases.tsv     base id, source (corpus path or repo path), sha256 of the text, ptxas -arch for it
  bases/        the base texts (for the GPU run only; the repository keeps the edits, not the texts)
  mutants.tsv   id, base id, kind, line (1-based), the new line ('\\x00' = line deleted), the ptxas -arch
Each mutant is the base with line `line` replaced by the new text. The edits are what a hand-written PTX
builder gets wrong: operand swaps, type changes, a wrong .target or .version, removed or repeated
declarations, typos in opcodes, modifiers and registers, a dropped or extra operand, another state space,
another vector width, a dropped modifier, an immediate where a register was.
"""
import argparse, gzip, hashlib, os, random, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("PTXLINT_SHARED") or os.path.join(ROOT, "..", "shared")

# targets ptxas 13.0 compiles for (-arch), and older ones it still accepts in .target (compiled for sm_75)
ARCHS = ["sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_100a", "sm_100f",
         "sm_103", "sm_103a", "sm_110", "sm_110a", "sm_120", "sm_120a", "sm_121"]
OLD_TARGETS = ["sm_20", "sm_30", "sm_35", "sm_50", "sm_52", "sm_60", "sm_61", "sm_70", "sm_72"]
VERSIONS = ["1.4", "2.0", "2.3", "3.0", "3.2", "4.0", "4.3", "5.0", "6.0", "6.3", "6.4", "6.5", "7.0", "7.3",
            "7.5", "7.8", "8.0", "8.3", "8.5", "8.6", "8.7", "8.8", "9.0"]
TYPES = [".b8", ".b16", ".b32", ".b64", ".u8", ".u16", ".u32", ".u64", ".s8", ".s16", ".s32", ".s64",
         ".f16", ".f32", ".f64", ".bf16", ".f16x2", ".pred", ".b128"]
SPACES = [".global", ".shared", ".local", ".const", ".param", ".shared::cta", ".shared::cluster"]

INSN = re.compile(r'^(\s*)(@!?%?[\w$]+\s+)?([a-z][a-z0-9_]*)((?:\.[\w:]+)*)(\s+)(.*?)\s*;\s*(//.*)?$')
INSN0 = re.compile(r'^(\s*)(@!?%?[\w$]+\s+)?([a-z][a-z0-9_]*)((?:\.[\w:]+)*)\s*;\s*(//.*)?$')
DECL = re.compile(r'^\s*(\.reg|\.shared|\.local|\.global|\.const|\.param)\b')


def arch_for(target):
    t = target.split(",")[0].strip()
    if t in ARCHS:
        return t
    m = re.match(r"sm_(\d+)", t)
    if m and int(m.group(1)) < 75:
        return "sm_75"
    return None


def header(text):
    v = re.search(r"^\s*\.version\s+(\S+)", text, re.M)
    t = re.search(r"^\s*\.target\s+([^\n/]+)", text, re.M)
    return (v.group(1) if v else None), (t.group(1).strip() if t else None)


def load_bases():
    bases = []
    man = os.path.join(SHARED, "corpus", "public", "MANIFEST.tsv")
    with open(man) as f:
        rows = [l.rstrip("\n").split("\t") for l in f][1:]
    for r in rows:
        if len(r) < 10 or r[9] != "ok":
            continue
        bases.append(("corpus/public/" + r[0] + ".gz", os.path.join(SHARED, "corpus", "public", r[0] + ".gz")))
    dman = os.path.join(SHARED, "corpus", "device", "MANIFEST.tsv")
    with open(dman) as f:
        rows = [l.rstrip("\n").split("\t") for l in f][1:]
    for r in rows:
        if int(r[2]) < 150000 and r[3] in ("8.7", "9.0"):
            name = r[0] if r[0].endswith(".gz") else r[0] + ".gz"
            bases.append(("corpus/device/" + name, os.path.join(SHARED, "corpus", "device", name)))
    gen = os.path.join(ROOT, "tests", "data", "generated")
    for n in sorted(os.listdir(gen)):
        if n.endswith(".ptx.gz"):
            bases.append(("repo/tests/data/generated/" + n, os.path.join(gen, n)))
    smp = os.path.join(ROOT, "samples", "ptx")
    for n in sorted(os.listdir(smp)):
        if n.endswith(".ptx"):
            bases.append(("repo/samples/ptx/" + n, os.path.join(smp, n)))
    out = []
    for src, path in bases:
        raw = gzip.open(path, "rb").read() if path.endswith(".gz") else open(path, "rb").read()
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            continue
        if len(text) > 150000:
            continue
        ver, tgt = header(text)
        if not ver or not tgt:
            continue
        arch = arch_for(tgt)
        if not arch:
            continue
        out.append((src, text, arch))
    return out


def split_operands(s):
    ops, depth, cur = [], 0, ""
    for ch in s:
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        if ch == "," and depth == 0:
            ops.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        ops.append(cur.strip())
    return ops


def typo(word, rng):
    letters = "abcdefghijklmnopqrstuvwxyz"
    if len(word) < 2:
        return word + rng.choice(letters)
    i = rng.randrange(len(word))
    k = rng.randrange(4)
    if k == 0:
        return word[:i] + rng.choice(letters) + word[i:]
    if k == 1 and len(word) > 2:
        return word[:i] + word[i + 1:]
    if k == 2:
        return word[:i] + rng.choice(letters) + word[i + 1:]
    if i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word + rng.choice(letters)


def in_body_lines(lines):
    """Indices of instruction lines (inside function bodies, not in sections) and declaration lines."""
    insns, decls = [], []
    depth = 0
    section = False
    for i, l in enumerate(lines):
        s = l.strip()
        if s.startswith(".section"):
            section = True
        if depth > 0 and not section and not s.startswith("//"):
            if INSN.match(l) or INSN0.match(l):
                insns.append(i)
            elif DECL.match(l) and s.endswith(";"):
                decls.append(i)
        elif depth == 0 and DECL.match(l) and s.endswith(";") and not section:
            decls.append(i)
        code = l.split("//")[0]
        depth += code.count("{") - code.count("}")
        if depth <= 0:
            depth = 0
            section = False
    return insns, decls


def rebuild(m, opcode, mods, operands):
    indent, guard = m.group(1), m.group(2) or ""
    return f"{indent}{guard}{opcode}{mods} {', '.join(operands)};" if operands else f"{indent}{guard}{opcode}{mods};"


def mutate(text, arch, rng):
    lines = text.split("\n")
    insns, decls = in_body_lines(lines)
    kinds = ["swap"] * 12 + ["type"] * 14 + ["target"] * 8 + ["version"] * 8 + ["remove-decl"] * 10 + \
            ["typo-opcode"] * 6 + ["typo-modifier"] * 6 + ["typo-register"] * 6 + ["drop-operand"] * 6 + \
            ["extra-operand"] * 4 + ["space"] * 8 + ["vector"] * 5 + ["dup-decl"] * 4 + ["drop-modifier"] * 7 + \
            ["immediate"] * 6
    for _ in range(50):
        kind = rng.choice(kinds)
        new_arch = arch
        if kind in ("target", "version"):
            pat = r"^\s*\.target\s" if kind == "target" else r"^\s*\.version\s"
            idx = [i for i, l in enumerate(lines) if re.match(pat, l)]
            if not idx:
                continue
            i = idx[0]
            if kind == "target":
                t = rng.choice(ARCHS + OLD_TARGETS)
                old = re.match(r"^(\s*\.target\s+)([\w]+)(.*)$", lines[i])
                if not old or old.group(2) == t:
                    continue
                new = old.group(1) + t + old.group(3)
                new_arch = arch_for(t)
            else:
                v = rng.choice(VERSIONS)
                old = re.match(r"^(\s*\.version\s+)(\S+)(.*)$", lines[i])
                if not old or old.group(2) == v:
                    continue
                new = old.group(1) + v + old.group(3)
            return kind, i, new, new_arch
        if kind in ("remove-decl", "dup-decl"):
            if not decls:
                continue
            i = rng.choice(decls)
            if kind == "remove-decl":
                return kind, i, None, arch
            return kind, i, lines[i] + " " + lines[i].strip(), arch
        if not insns:
            continue
        i = rng.choice(insns)
        line = lines[i]
        m = INSN.match(line)
        m0 = INSN0.match(line) if not m else None
        mm = m or m0
        opcode, mods = mm.group(3), mm.group(4)
        operands = split_operands(m.group(6)) if m else []
        modlist = re.findall(r"\.[\w:]+", mods)
        if kind == "swap":
            if len(operands) < 2:
                continue
            a, b = rng.sample(range(len(operands)), 2)
            if operands[a] == operands[b]:
                continue
            ops = list(operands)
            ops[a], ops[b] = ops[b], ops[a]
            return kind, i, rebuild(mm, opcode, mods, ops), arch
        if kind == "type":
            tpos = [k for k, x in enumerate(modlist) if x in TYPES]
            if not tpos:
                continue
            k = rng.choice(tpos)
            nt = rng.choice([t for t in TYPES if t != modlist[k]])
            ml = list(modlist)
            ml[k] = nt
            return kind, i, rebuild(mm, opcode, "".join(ml), operands), arch
        if kind == "typo-opcode":
            return kind, i, rebuild(mm, typo(opcode, rng), mods, operands), arch
        if kind == "typo-modifier":
            if not modlist:
                continue
            k = rng.randrange(len(modlist))
            ml = list(modlist)
            ml[k] = "." + typo(ml[k][1:], rng)
            return kind, i, rebuild(mm, opcode, "".join(ml), operands), arch
        if kind == "typo-register":
            regs = [(k, r) for k, o in enumerate(operands) for r in re.findall(r"%[a-z_]+\d+", o)]
            if not regs:
                continue
            k, r = rng.choice(regs)
            mr = re.match(r"(%[a-z_]+)(\d+)", r)
            choice = rng.randrange(3)
            if choice == 0:
                nr = mr.group(1) + str(int(mr.group(2)) + rng.choice([1000, 5000, 90000]))
            elif choice == 1:
                nr = "%" + typo(mr.group(1)[1:], rng) + mr.group(2)
            else:
                nr = mr.group(1) + mr.group(2) + rng.choice(["x", "_", "0"])
            ops = list(operands)
            ops[k] = re.sub(re.escape(r) + r"(?!\d)", nr, ops[k], count=1)
            return kind, i, rebuild(mm, opcode, mods, ops), arch
        if kind == "drop-operand":
            if not operands:
                continue
            ops = list(operands)
            del ops[rng.randrange(len(ops))]
            return kind, i, rebuild(mm, opcode, mods, ops), arch
        if kind == "extra-operand":
            if not operands:
                continue
            ops = list(operands)
            ops.insert(rng.randrange(len(ops) + 1), rng.choice(operands))
            return kind, i, rebuild(mm, opcode, mods, ops), arch
        if kind == "space":
            spos = [k for k, x in enumerate(modlist) if x in SPACES]
            ml = list(modlist)
            if spos:
                k = rng.choice(spos)
                ml[k] = rng.choice([s for s in SPACES if s != ml[k]])
            elif opcode in ("ld", "st", "atom", "red", "cvta", "prefetch", "isspacep"):
                ml.insert(0, rng.choice(SPACES))
            else:
                continue
            return kind, i, rebuild(mm, opcode, "".join(ml), operands), arch
        if kind == "vector":
            vpos = [k for k, x in enumerate(modlist) if re.fullmatch(r"\.v\d+", x)]
            ml = list(modlist)
            if vpos:
                k = rng.choice(vpos)
                choice = rng.choice([".v2", ".v4", ".v8", None])
                if choice == ml[k]:
                    continue
                if choice is None:
                    del ml[k]
                else:
                    ml[k] = choice
            elif opcode in ("ld", "st", "mov", "ldu"):
                tpos = [k for k, x in enumerate(ml) if x in TYPES]
                if not tpos:
                    continue
                ml.insert(tpos[-1], rng.choice([".v2", ".v4"]))
            else:
                continue
            return kind, i, rebuild(mm, opcode, "".join(ml), operands), arch
        if kind == "drop-modifier":
            if not modlist:
                continue
            ml = list(modlist)
            del ml[rng.randrange(len(ml))]
            return kind, i, rebuild(mm, opcode, "".join(ml), operands), arch
        if kind == "immediate":
            regs = [k for k, o in enumerate(operands) if re.fullmatch(r"%[\w]+", o) and k > 0]
            if not regs:
                continue
            k = rng.choice(regs)
            ops = list(operands)
            ops[k] = rng.choice(["1", "0", "-1", "0x10", "1.0", "0f3F800000", "0d3FF0000000000000", "65536"])
            return kind, i, rebuild(mm, opcode, mods, ops), arch
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--exclude", help="an earlier mutants.tsv whose edits are not repeated")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    bases = load_bases()
    os.makedirs(os.path.join(a.out, "bases"), exist_ok=True)
    ids = {}
    with open(os.path.join(a.out, "bases.tsv"), "w") as f:
        for n, (src, text, arch) in enumerate(bases):
            bid = f"b{n:04d}"
            ids[src] = bid
            f.write(f"{bid}\t{src}\t{hashlib.sha256(text.encode()).hexdigest()}\t{arch}\n")
            with open(os.path.join(a.out, "bases", bid + ".ptx"), "w", newline="") as g:
                g.write(text)
    seen = set()
    if a.exclude:
        with open(a.exclude, newline="") as f:
            for l in f:
                p = l.rstrip("\n").split("\t")
                seen.add((p[1], p[3], p[4]))
    by_src = {src: (text, arch) for src, text, arch in bases}
    out = []
    tries = 0
    while len(out) < a.count and tries < a.count * 20:
        tries += 1
        src = rng.choice(bases)[0]
        text, arch = by_src[src]
        r = mutate(text, arch, rng)
        if r is None:
            continue
        kind, line, new, new_arch = r
        if new_arch is None:
            continue
        old = text.split("\n")[line]
        if new is not None and new.strip() == old.strip():
            continue
        key = (ids[src], str(line + 1), "\\x00" if new is None else new)
        if key in seen:
            continue
        seen.add(key)
        out.append((kind, ids[src], line + 1, new, new_arch))
    with open(os.path.join(a.out, "mutants.tsv"), "w", newline="") as f:
        for n, (kind, bid, line, new, arch) in enumerate(out):
            enc = "\\x00" if new is None else new.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r")
            f.write(f"m{a.seed}-{n:05d}\t{bid}\t{kind}\t{line}\t{enc}\t{arch}\n")
    print(f"{len(bases)} bases, {len(out)} mutants", file=sys.stderr)


if __name__ == "__main__":
    main()
