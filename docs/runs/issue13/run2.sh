#!/usr/bin/env bash
# GPU call 2 of issue 13 (final build): samples regenerated as samples/cuda/build.sh does (from /ptxlint), then the logs
# for docs/runs: confirm (explicit and inferred launches), determinism, parity without names, kernels we did not write.
set -u
export PATH=/usr/local/cuda/bin:$PATH
J=$(pwd)/devjobs/issue13
W=/tmp/i13b; rm -rf $W /ptxlint; mkdir -p $W/logs /ptxlint/samples/ptx /ptxlint/tests/data/races
R=$W/logs
tar xJf $J/ptxlint.tar.xz -C $W && chmod +x $W/ptxlint/PtxLint.Cli
P=$W/ptxlint/PtxLint.Cli
T=20s
cp -r $J/cuda /ptxlint/samples/cuda
{
  nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader; nvcc --version | grep -i release; compute-sanitizer --version | head -2; $P --version
  cd /ptxlint
  for b in PTX011-shared-memory-race PTX012-shared-indexed-by-block PTX005-barrier-in-divergent-control; do for v in bad fixed; do
    echo "\$ nvcc -arch=sm_90a -ptx -lineinfo  samples/cuda/$b.$v.cu -o samples/ptx/$b.$v.ptx"; nvcc -arch=sm_90a -ptx -lineinfo  samples/cuda/$b.$v.cu -o samples/ptx/$b.$v.ptx; echo "rc=$?"
    echo "\$ ptxas -arch=sm_90a samples/ptx/$b.$v.ptx -o /dev/null"; ptxas -arch=sm_90a samples/ptx/$b.$v.ptx -o /dev/null; echo "rc=$?"
    case $b in PTX005*) ;; *) echo "\$ nvcc -arch=sm_90a -ptx samples/cuda/$b.$v.cu -o tests/data/races/$b.$v.nolineinfo.ptx"; nvcc -arch=sm_90a -ptx samples/cuda/$b.$v.cu -o tests/data/races/$b.$v.nolineinfo.ptx; echo "rc=$?";; esac
    if cmp -s samples/ptx/$b.$v.ptx $J/samples2/$b.$v.ptx; then echo "identical to the repository's samples/ptx/$b.$v.ptx"; else echo "DIFFERS from the repository's samples/ptx/$b.$v.ptx"; diff samples/ptx/$b.$v.ptx $J/samples2/$b.$v.ptx | head -5; fi
  done; done
  cd - > /dev/null
} > $R/build.log 2>&1
S=$J/samples2
c() { local name=$1; shift; echo; echo "== ptxlint confirm $* --timeout $T   ($name)"; local s=$(date +%s); timeout 280 $P confirm "$@" --timeout $T; echo "exit=$? ($(( $(date +%s) - s )) s)"; }
{
  echo "== ptxlint analyze (PTX011, PTX012) over the samples"; $P analyze $S --select PTX011,PTX012 --fail-level none; echo "exit=$?"
  c "buggy races, launch spec beside the PTX" $S/PTX011-shared-memory-race.bad.ptx
  c "fixed twins and race-free idioms" $S/PTX011-shared-memory-race.fixed.ptx --rule PTX011
  c "block-indexed amax" $S/PTX012-shared-indexed-by-block.bad.ptx
  c "global partials" $S/PTX012-shared-indexed-by-block.fixed.ptx --rule PTX012
} > $R/confirm-samples.log 2>&1
# inferred launches: the same kernels without their specs
mkdir -p $W/inferred; for f in PTX011-shared-memory-race.bad PTX012-shared-indexed-by-block.bad; do cp $S/$f.ptx $W/inferred/; done
{ for f in $W/inferred/*.ptx; do c "inferred launch" $f --save-spec $R/$(basename $f).inferred.launch.json; done; } > $R/confirm-inferred.log 2>&1
{
  echo "== ptxlint confirm $S/PTX009-float-atomic-order.bad.ptx --determinism --runs 30"; timeout 120 $P confirm $S/PTX009-float-atomic-order.bad.ptx --determinism --runs 30 --timeout $T; echo "exit=$?"
  echo; echo "== ptxlint confirm $S/PTX009-float-atomic-order.fixed.ptx --determinism --runs 30"; timeout 120 $P confirm $S/PTX009-float-atomic-order.fixed.ptx --determinism --runs 30 --timeout $T; echo "exit=$?"
  echo; echo "== ptxlint confirm $S/PTX011-shared-memory-race.bad.ptx --determinism --runs 30"; timeout 120 $P confirm $S/PTX011-shared-memory-race.bad.ptx --determinism --runs 30 --timeout $T; echo "exit=$?"
  for f in $S/*.ptx; do echo; echo "== ptxlint parity $(basename $f)"; timeout 60 $P parity $f; echo "exit=$?"; done
} > $R/determinism-parity.log 2>&1
{
  for f in $J/thirdparty/cuda__*.ptx $J/thirdparty/tests__ptx__sdk2.2__dxtc.ptx; do c "inferred launch, kernel we did not write" $f --save-spec $R/$(basename $f).inferred.launch.json; done
  c "shipped cuSOLVER kernel, extracted and retargeted sm_121 -> sm_90, hand-written launch" $J/thirdparty/cusolver_getrf_square_cta_f32.sm_90.ptx --spec $J/specs/cusolver_getrf_square_cta_f32.sm_90.ptx.launch.json
} > $R/confirm-thirdparty.log 2>&1
{ timeout 200 python3 $J/triton_row_sum.py $W/triton_row_sum.ptx; $P analyze $W/triton_row_sum.ptx --select PTX011,PTX012 --fail-level none; c "Triton 3 row reduction" $W/triton_row_sum.ptx --rule PTX011; cp $W/triton_row_sum.ptx $R/ 2>/dev/null; } > $R/triton.log 2>&1
cd /ptxlint && tar cJf $OUT/samples.tar.xz samples/ptx tests/data/races
cd $W && tar cJf $OUT/logs.tar.xz logs
grep -E "^== |: (confirmed|not-reproduced|unsupported|error)$|exit=|DIFFERS|identical" $R/*.log | cut -c1-220 | tail -80
