#!/usr/bin/env python3
"""Runs on the GPU machine: builds each mutant from its base and labels it, and each base and probe, with ptxas.

Usage: device_run.py JOBDIR OUTDIR
JOBDIR holds bases.tsv, bases/, mutants.tsv (see mutate.py) and optionally probes/ (probes.py). Writes to
OUTDIR/labels.tsv: id, -arch, ptxas exit code, seconds, the first error line (file names replaced by FILE),
and OUTDIR/logs.tar.xz with every ptxas output. ptxas runs with -arch = the file's .target (sm_75 for older
targets), -o /dev/null, on all cores, 120 s per file at most.
"""
import concurrent.futures as cf, os, re, subprocess, sys, tarfile, time

job, out = sys.argv[1], sys.argv[2]
work = os.path.join("/tmp", "ptxas-diff-work")
os.makedirs(os.path.join(work, "files"), exist_ok=True)
os.makedirs(os.path.join(work, "logs"), exist_ok=True)

def unescape(s):
    """Reverses mutate.py's escaping of the new line: \\t is a tab, \\\\ a backslash."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            c = s[i + 1]
            out.append("\t" if c == "t" else "\r" if c == "r" else "\\" if c == "\\" else "\\" + c)
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


tasks = []  # (id, path, arch)
bases = {}
with open(os.path.join(job, "bases.tsv")) as f:
    for l in f:
        bid, src, sha, arch = l.rstrip("\n").split("\t")
        text = open(os.path.join(job, "bases", bid + ".ptx"), newline="").read()
        bases[bid] = text
        tasks.append((bid, os.path.join(job, "bases", bid + ".ptx"), arch))
if os.path.exists(os.path.join(job, "mutants.tsv")):
    with open(os.path.join(job, "mutants.tsv"), newline="") as f:
        for l in f:
            mid, bid, kind, line, new, arch = l.rstrip("\n").split("\t")
            lines = bases[bid].split("\n")
            i = int(line) - 1
            if new == "\\x00":
                del lines[i]
            else:
                lines[i] = unescape(new)
            p = os.path.join(work, "files", mid + ".ptx")
            with open(p, "w", newline="") as g:
                g.write("\n".join(lines))
            tasks.append((mid, p, arch))
for sub, tag in (("probes", "probe:"), ("boundary", "boundary:")):
    pdir = os.path.join(job, sub)
    if not os.path.isdir(pdir):
        continue
    with open(os.path.join(pdir, "list.tsv")) as f:
        for l in f:
            name, arch = l.rstrip("\n").split("\t")[:2]
            tasks.append((tag + name, os.path.join(pdir, name + ".ptx"), arch))


DEADLINE = time.time() + float(os.environ.get("PTXAS_DIFF_BUDGET_S", "360"))


def run(t):
    tid, path, arch = t
    t0 = time.time()
    if t0 > DEADLINE:
        return tid, arch, -1, 0.0, "not run: out of time"
    try:
        p = subprocess.run(["ptxas", "-arch=" + arch, "-o", "/dev/null", path], capture_output=True, text=True, timeout=120)
        rc, txt = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        rc, txt = 124, "timeout"
    dt = time.time() - t0
    with open(os.path.join(work, "logs", tid.replace(":", "_") + ".txt"), "w") as g:
        g.write(txt)
    first = ""
    for ln in txt.splitlines():
        if "error" in ln or "fatal" in ln:
            first = ln.replace(path, "FILE").strip()
            break
    return tid, arch, rc, dt, first


t0 = time.time()
with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 16) as ex:
    results = list(ex.map(run, tasks))
with open(os.path.join(out, "labels.tsv"), "w") as f:
    for tid, arch, rc, dt, first in results:
        f.write(f"{tid}\t{arch}\t{rc}\t{dt:.2f}\t{first}\n")
with tarfile.open(os.path.join(out, "logs.tar.xz"), "w:xz") as tar:
    tar.add(os.path.join(work, "logs"), arcname="logs")
print(f"{len(tasks)} files in {time.time() - t0:.1f} s", file=sys.stderr)
