#!/usr/bin/env python3
"""Where each core's time goes over one ptxlint run, in time slices (what `--stats` sums over threads cannot show).

    perf record -F 2999 -g -o run.data ptxlint analyze --format json -o out.json FILE   # a native build: symbols
    perf script -i run.data -F tid,time,ip,sym > run.txt
    python3 tools/perf/timeline.py run.txt [SLICE_MS]

Each line is one slice (25 ms by default): the samples in it (at 2999 Hz a busy core gives 75 per 25 ms, so on two
cores 150 is both busy) and the phases they fall in, by the frames on their stack: the collector (GC), reading the
file, the parse, PTX013, the per-function rules, writing the report, or the innermost frame otherwise.
"""
import collections
import re
import sys

PHASES = [  # first match wins, searched in the whole stack
    ("GC", ("SVR::", "WKS::", "gc_heap")),
    ("read", ("InputReader", "ReadAllBytes")),
    ("parse", ("ParseUnit", "SplitUnits", "ModuleChecks", "PtxParserDriver")),
    ("PTX013", ("PTX013",)),
    ("function rules", ("RunPerFunction",)),
    ("write", ("Writer", "Json", "Sarif")),
]


HEADER = re.compile(r"\s*(\d+)\s+([\d.]+):\s*$")


def samples(path):
    cur = None
    for line in open(path, errors="replace"):
        if not line.strip():
            if cur:
                yield cur
            cur = None
        elif HEADER.match(line):
            # a sample's header: "TID TIME:" (perf pads a short thread id with spaces, so not told by the first column)
            cur = (float(HEADER.match(line).group(2)), [])
        elif cur is not None:
            parts = line.split(None, 1)
            cur[1].append(parts[1].strip() if len(parts) > 1 else "?")
    if cur:
        yield cur


def phase(stack):
    joined = " ".join(stack)
    for name, marks in PHASES:
        if any(m in joined for m in marks):
            return name
    return "other: " + (stack[0][:40] if stack else "?")


def main():
    path = sys.argv[1]
    width = float(sys.argv[2]) if len(sys.argv) > 2 else 25.0
    all_samples = list(samples(path))
    if not all_samples:
        sys.exit(f"{path}: no samples (was it written by `perf script -F tid,time,ip,sym`?)")
    t0 = min(t for t, _ in all_samples)
    slices = collections.defaultdict(collections.Counter)
    for t, stack in all_samples:
        slices[int((t - t0) * 1000 / width)][phase(stack)] += 1
    for k in sorted(slices):
        c = slices[k]
        print(f"{k * width:7.0f} ms  {sum(c.values()):4d}  " + "  ".join(f"{n} {v}" for n, v in c.most_common(4)))


if __name__ == "__main__":
    main()
