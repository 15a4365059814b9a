#!/usr/bin/env python3
"""Packs the ptxas labels of the differential test into tests/data/ptxas-diff (what CI re-checks without a GPU).

Usage: pack.py OUTDIR SET=JOBDIR:LABELDIR [SET=JOBDIR:LABELDIR ...]
  JOBDIR     a directory mutate.py (and probes.py / boundary.py) wrote: bases.tsv, bases/, mutants.tsv, probes/, boundary/
  LABELDIR   what device_run.py brought back for it: labels.tsv (id, -arch, ptxas exit code, seconds, first error line)
  SET        the name of its mutants in the output; a mutant id's prefix (m1-, m2-, ...) picks its set with
             SET=JOBDIR:LABELDIR:PREFIX, so one job can hold two sets

Writes:
  bases.tsv         base id, source (corpus/... under ../shared, repo/... in this repository), sha256 of the text, -arch
  labels.tsv.gz     id, set, base, kind, line, new line, -arch, ptxas exit code, ptxas's first error
                    (set: base, probe, boundary, or the mutant set's name; line 1-based; the new line escaped as
                    mutate.py does: \\t tab, \\r CR, \\\\ backslash, the whole field \\x00 = the line is deleted;
                    bases and probes have '-' for base/line/new)
  probes.tsv.gz     probe name, -arch, text (escaped the same way, and \\n for a newline)
Boundary probes (a base with its .version or .target line changed) are stored as that one line edit.
"""
import gzip, os, sys


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def read_labels(d):
    out = {}
    with open(os.path.join(d, "labels.tsv"), newline="") as f:
        for l in f:
            p = l.rstrip("\n").split("\t")
            out[p[0]] = (p[1], p[2], p[4] if len(p) > 4 else "")
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    rows, probes, bases_tsv = [], [], None
    done_bases = done_probes = done_boundary = False
    for arg in sys.argv[2:]:
        name, spec = arg.split("=", 1)
        parts = spec.split(":")
        job, labdir = parts[0], parts[1]
        prefix = parts[2] if len(parts) > 2 else None
        labels = read_labels(labdir)
        bt = open(os.path.join(job, "bases.tsv")).read()
        if bases_tsv is None:
            bases_tsv = bt
        elif bt != bases_tsv:
            sys.exit(f"{job}: other bases than the first job")
        base_text = {}
        for l in bt.splitlines():
            bid = l.split("\t")[0]
            base_text[bid] = open(os.path.join(job, "bases", bid + ".ptx"), newline="").read()
        if not done_bases:
            for bid in base_text:
                arch, rc, first = labels[bid]
                rows.append((bid, "base", "-", "-", "-", "-", arch, rc, first))
            done_bases = True
        with open(os.path.join(job, "mutants.tsv"), newline="") as f:
            for l in f:
                mid, bid, kind, line, new, arch = l.rstrip("\n").split("\t")
                if prefix and not mid.startswith(prefix):
                    continue
                if mid not in labels:
                    sys.exit(f"{mid}: no label")
                la, rc, first = labels[mid]
                rows.append((mid, name, bid, kind, line, new, la, rc, first))
        pdir = os.path.join(job, "probes")
        if not done_probes and os.path.isdir(pdir) and any(k.startswith("probe:") for k in labels):
            with open(os.path.join(pdir, "list.tsv")) as f:
                for l in f:
                    pn, arch = l.rstrip("\n").split("\t")[:2]
                    text = open(os.path.join(pdir, pn + ".ptx"), newline="").read()
                    la, rc, first = labels["probe:" + pn]
                    probes.append((pn, arch, esc(text)))
                    rows.append(("probe:" + pn, "probe", "-", "-", "-", "-", la, rc, first))
            done_probes = True
        bdir = os.path.join(job, "boundary")
        if not done_boundary and os.path.isdir(bdir) and any(k.startswith("boundary:") for k in labels):
            with open(os.path.join(bdir, "list.tsv")) as f:
                for l in f:
                    bn, arch, expect = l.rstrip("\n").split("\t")[:3]
                    bid = bn.split(".")[0]
                    old = base_text[bid].split("\n")
                    new = open(os.path.join(bdir, bn + ".ptx"), newline="").read().split("\n")
                    diff = [i for i in range(len(new)) if len(old) != len(new) or new[i] != old[i]]
                    if len(old) != len(new) or len(diff) != 1:
                        sys.exit(f"{bn}: not a one-line edit of {bid}")
                    i = diff[0]
                    enc = new[i].replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r")
                    la, rc, first = labels["boundary:" + bn]
                    rows.append(("boundary:" + bn, "boundary", bid, bn.split(".", 1)[1], str(i + 1), enc, la, rc, first))
            done_boundary = True
    with open(os.path.join(outdir, "bases.tsv"), "w") as f:
        f.write(bases_tsv)
    with gzip.open(os.path.join(outdir, "labels.tsv.gz"), "wt", newline="", compresslevel=9) as f:
        for r in rows:
            f.write("\t".join(x.replace("\t", " ") if j == 8 else x for j, x in enumerate(r)) + "\n")
    with gzip.open(os.path.join(outdir, "probes.tsv.gz"), "wt", newline="", compresslevel=9) as f:
        for r in probes:
            f.write("\t".join(r) + "\n")
    print(f"{len(rows)} labels ({len(probes)} probes) in {outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
