#!/bin/bash
# cuSPARSE dbsrxmv_small_core PTX011 (WAR, lanes of one warp): racecheck on the extracted kernels.
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
nvcc --version | tail -2
nvcc -O2 -o dbsrxmv dbsrxmv.cu -lcuda || exit 1
for K3 in _Z18dbsrxmv_small_coreIffLi3ELb1EEv21cusparseDbsrxmvParamsIT_T0_Ei _Z18dbsrxmv_small_coreIffLi4ELb1EEv21cusparseDbsrxmvParamsIT_T0_Ei; do
  P=$K3.sm_90.ptx
  ptxas -arch=sm_90 $P -o /dev/null && echo "ptxas ok: $P"
  B=$([[ $K3 == *Li3* ]] && echo 3 || echo 4)
  for blk in "4 4" "8 8"; do
    ./dbsrxmv $P $K3 $B $blk 64
    compute-sanitizer --tool racecheck --racecheck-report all ./dbsrxmv $P $K3 $B $blk 64 2>&1 | grep -E "hazard|Race|RACECHECK|ERROR|line|checksum|at 0x" | head -20
  done
done
echo "== PTX013 samples under ptxas 13"
for f in ../../samples/ptx/PTX013-invalid-ptx.bad.ptx ../../samples/ptx/PTX013-invalid-ptx.fixed.ptx; do
  arch=$(grep -m1 '^\s*\.target' $f | sed 's/.*\(sm_[0-9a-z]*\).*/\1/')
  echo "-- $f (.target $arch)"; ptxas -arch=$arch $f -o /dev/null 2>&1 | head -12; echo "rc=${PIPESTATUS[0]}"
done
