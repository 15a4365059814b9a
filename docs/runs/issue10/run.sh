#!/bin/bash
# Issue 10 device job: nvcc 13 PTX of tests/data/forms/*.cu; compute-sanitizer synccheck/racecheck on PTX005 shapes;
# curand MTGP32 with counts that are not multiples of 256 under synccheck/racecheck.
set -u
J=devjobs/issue10; W=/tmp/w10; mkdir -p $W/ptx; cd "$(dirname "$0")/../.."
exec > >(tee $OUT/log.txt) 2>&1
nvcc --version | tail -2; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
for f in tests/data/forms/*.cu; do b=$(basename $f .cu)
  nvcc -arch=sm_90a -ptx -O3 $f -o $W/ptx/$b.nvcc13.sm_90a.ptx && echo "nvcc ok $b"
  nvcc -arch=sm_90a -ptx -O3 -lineinfo $f -o $W/ptx/$b.nvcc13.sm_90a.lineinfo.ptx
  ptxas -arch=sm_90a $W/ptx/$b.nvcc13.sm_90a.ptx -o /dev/null && echo "ptxas ok $b"
  nvcc -arch=sm_90a -ptx -G $f -o $W/ptx/$b.nvcc13.sm_90a.G.ptx
done
nvcc -O2 -o $W/launch $J/launch.cu -lcuda || echo "launch build failed"
nvcc -O2 -o $W/mtgp $J/mtgp.cu -lcurand || echo "mtgp build failed"
S=samples/ptx/PTX005-barrier-in-divergent-control.bad.ptx
FX=samples/ptx/PTX005-barrier-in-divergent-control.fixed.ptx
F=$W/ptx/PTX005-forms.nvcc13.sm_90a.ptx
run() { echo "== $*"; timeout 60 "$@" 2>&1 | grep -v "^========= *$" | tail -25; }
for tool in synccheck racecheck; do
  run $CS --tool $tool $W/launch $S block_sum_strided 1 1 256 1 1000 3
  run $CS --tool $tool $W/launch $FX block_sum_strided 1 1 256 1 1000 3
  run $CS --tool $tool $W/launch $S warp0_barrier_sum 1 1 256 1 256 3
  run $CS --tool $tool $W/launch $S warp_pair_sum_half 1 1 32 1 32 4
  run $CS --tool $tool $W/launch $F strided_loop_bad 1 1 256 1 1000
  run $CS --tool $tool $W/launch $F strided_loop_fixed 1 1 256 1 1000
  run $CS --tool $tool $W/launch $F subset_exits_bad 1 1 256 1 0 2
  run $CS --tool $tool $W/launch $F producer_exits_bad 1 1 256 1 0 2
  run $CS --tool $tool $W/launch $F row_loop_exits_bad 1 1 32 8 13 1
  for kind in 0 1 2; do run $CS --tool $tool $W/mtgp 1000 $kind; done
  run $CS --tool $tool $W/mtgp 1024 2
done
for rep in 1 2 3; do $W/mtgp 1000 2; $W/mtgp 1000 0; done
cd $W && tar cJf $OUT/ptx.tar.xz ptx && echo "ptx files: $(ls ptx | wc -l)"
