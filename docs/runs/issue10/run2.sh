#!/bin/bash
# Issue 10 device job 2: nvcc 13 PTX of the forms (with the error seeds); racecheck on the seeds and twins;
# curand MTGP32 in every ordering with counts that are not multiples of 256, under racecheck, and repeated runs.
set -u
J=devjobs/issue10; W=/tmp/w10; mkdir -p $W/ptx; cd "$(dirname "$0")/../.."
exec > >(tee $OUT/log2.txt) 2>&1
CS=/usr/local/cuda/bin/compute-sanitizer
for f in tests/data/forms/*.cu; do b=$(basename $f .cu)
  nvcc -arch=sm_90a -ptx -O3 $f -o $W/ptx/$b.nvcc13.sm_90a.ptx && echo "nvcc ok $b"
  nvcc -arch=sm_90a -ptx -O3 -lineinfo $f -o $W/ptx/$b.nvcc13.sm_90a.lineinfo.ptx
  nvcc -arch=sm_90a -ptx -G $f -o $W/ptx/$b.nvcc13.sm_90a.G.ptx
  ptxas -arch=sm_90a $W/ptx/$b.nvcc13.sm_90a.ptx -o /dev/null && echo "ptxas ok $b"
done
nvcc -O2 -o $W/launch $J/launch.cu -lcuda || echo "launch build failed"
nvcc -O2 -o $W/mtgp $J/mtgp.cu -lcurand || echo "mtgp build failed"
F=$W/ptx/PTX005-forms.nvcc13.sm_90a.ptx
run() { echo "== $*"; timeout 90 "$@" 2>&1 | grep -v "^========= *$" | grep -v "^=========     " | tail -14; }
for k in strided_loop_reads_tile_bad strided_loop_reads_tile_fixed warp0_total_bad warp0_total_fixed; do
  run $CS --tool racecheck $W/launch $F $k 1 1 256 1 1000
  for r in 1 2 3 4 5; do $W/launch $F $k 1 1 256 1 1000; done
done
for order in 101 102 103 104; do for kind in 0 1 2 3 4 5; do
  run $CS --tool racecheck --racecheck-report hazard $W/mtgp 1000 $kind $order 4
done; done
for order in 103 104; do run $CS --tool racecheck $W/mtgp 12345 2 $order 5000; run $CS --tool racecheck $W/mtgp 1001 0 $order; done
for order in 101 103 104; do for r in 1 2 3; do $W/mtgp 1000 2 $order 4; $W/mtgp 1000 1 $order; done; done
cd $W && tar cJf $OUT/ptx2.tar.xz ptx && echo "ptx files: $(ls ptx | wc -l)"
