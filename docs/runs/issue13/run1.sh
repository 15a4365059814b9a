#!/usr/bin/env bash
# GPU call 1 of issue 13: nvcc 13 output of the race samples, then confirm/determinism/parity with the self-contained ptxlint.
set -u
export PATH=/usr/local/cuda/bin:$PATH
J=$(pwd)/devjobs/issue13
W=/tmp/i13; rm -rf $W; mkdir -p $W/ptx $W/nolineinfo $W/logs
R=$W/logs
tar xJf $J/ptxlint.tar.xz -C $W && chmod +x $W/ptxlint/PtxLint.Cli
P=$W/ptxlint/PtxLint.Cli
T=20s
{
  echo "== device"; nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader
  nvcc --version | grep -i release; which compute-sanitizer; compute-sanitizer --version | head -2
  $P --version
  echo "== ls /usr/local/cuda*/"; ls -d /usr/local/cuda*/ ; ls /usr/local/cuda/ ; ls /usr/local/cuda/samples 2>&1 | head -3
  find / -xdev \( -name 'reduction*.cu' -o -name 'reduction_kernel*' \) 2>/dev/null | head -5
} > $R/env.log 2>&1
# 1. nvcc 13 (sm_90a, with -lineinfo like samples/cuda/build.sh, and without)
{
  cd $J/cuda
  for src in *.cu; do
    base=${src%.cu}
    echo "\$ nvcc -arch=sm_90a -ptx -lineinfo $src -o $W/ptx/$base.ptx"; nvcc -arch=sm_90a -ptx -lineinfo $src -o $W/ptx/$base.ptx; echo "rc=$?"
    echo "\$ ptxas -arch=sm_90a $base.ptx"; ptxas -arch=sm_90a $W/ptx/$base.ptx -o /dev/null; echo "rc=$?"
    echo "\$ nvcc -arch=sm_90a -ptx $src -o $W/nolineinfo/$base.ptx"; nvcc -arch=sm_90a -ptx $src -o $W/nolineinfo/$base.ptx; echo "rc=$?"
  done
  cd - > /dev/null
} > $R/nvcc.log 2>&1
cp $J/specs/PTX01[12]-*.launch.json $W/ptx/
for f in $J/specs/PTX01[12]-*.launch.json; do cp $f $W/nolineinfo/; done
# 2. analyze
{ $P analyze $W/ptx $W/nolineinfo --select PTX011,PTX012,PTX005,PTX006 --fail-level none; echo "rc=$?"; } > $R/analyze.log 2>&1
$P analyze $W/ptx $W/nolineinfo --select PTX011,PTX012 --format sarif --output $R/analyze.sarif --fail-level none > /dev/null 2>&1
# 3. raw racecheck output of one kernel (calibration of the report parser)
python3 - "$W" > $R/raw-request.log 2>&1 <<'PY'
import json, sys
W = sys.argv[1]
text = open(f"{W}/ptx/PTX011-shared-memory-race.bad.ptx").read()
spec = json.load(open(f"{W}/ptx/PTX011-shared-memory-race.bad.ptx.launch.json"))["kernels"][0]
json.dump({"modules": [text], "launches": [{"label": "raw", "module": 0, "spec": spec}], "lineInfo": True}, open(f"{W}/raw-request.json", "w"))
print("ok")
PY
( timeout 120 compute-sanitizer --tool racecheck $P confirm-worker < $W/raw-request.json > $R/raw-racecheck.log 2>&1; echo "rc=$?" >> $R/raw-racecheck.log )
( timeout 120 compute-sanitizer --tool racecheck --racecheck-report hazard $P confirm-worker < $W/raw-request.json 2>&1 | head -60 > $R/raw-racecheck-hazard.log )
# 4. confirm: buggy samples confirmed, fixed twins not-reproduced (with -lineinfo PTX; the bad one also without)
c() { local name=$1; shift; echo; echo "== confirm $name $*"; local s=$(date +%s); timeout 280 $P confirm "$@" --timeout $T; echo "exit=$? ($(( $(date +%s) - s )) s)"; }
{
  c bad $W/ptx/PTX011-shared-memory-race.bad.ptx
  c fixed $W/ptx/PTX011-shared-memory-race.fixed.ptx --rule PTX011
  c bad $W/ptx/PTX012-shared-indexed-by-block.bad.ptx
  c fixed $W/ptx/PTX012-shared-indexed-by-block.fixed.ptx --rule PTX012
} > $R/confirm-samples.log 2>&1
{ c bad-nolineinfo $W/nolineinfo/PTX011-shared-memory-race.bad.ptx --format sarif --output $R/confirm-ptx011-nolineinfo.sarif; } > $R/confirm-nolineinfo.log 2>&1
# 5. determinism: float-atomic reduction vs its two-pass twin; parity without names
{
  echo "== determinism PTX009 bad"; timeout 120 $P confirm $J/samples/PTX009-float-atomic-order.bad.ptx --determinism --runs 30 --timeout $T; echo "exit=$?"
  echo "== determinism PTX009 fixed"; timeout 120 $P confirm $J/samples/PTX009-float-atomic-order.fixed.ptx --determinism --runs 30 --timeout $T; echo "exit=$?"
  echo "== parity PTX001 bad (no names)"; timeout 60 $P parity $J/samples/PTX001-shared-address-64bit.bad.ptx; echo "exit=$?"
  echo "== parity PTX001 fixed (no names)"; timeout 60 $P parity $J/samples/PTX001-shared-address-64bit.fixed.ptx; echo "exit=$?"
  echo "== parity PTX009 fixed (no pairs)"; timeout 60 $P parity $J/samples/PTX009-float-atomic-order.fixed.ptx; echo "exit=$?"
} > $R/determinism-parity.log 2>&1
# 6. kernels we did not write: mumax3 reductions (public corpus, inferred launch), cuSOLVER kernels flagged on the device
#    corpus (extracted, retargeted sm_121 -> sm_90, hand-written launch), a Triton reduction compiled here
{
  for f in $J/thirdparty/cuda__reducesum_70.ptx $J/thirdparty/cuda__reducemaxabs_70.ptx; do c inferred $f --save-spec $R/$(basename $f).inferred.launch.json; done
  for f in $J/thirdparty/cusolver_*.ptx; do c hand-spec $f --spec $J/specs/$(basename $f).launch.json; done
} > $R/confirm-thirdparty.log 2>&1
timeout 200 python3 - "$W" > $R/triton.log 2>&1 <<'PY'
import sys, torch, triton, triton.language as tl
W = sys.argv[1]
@triton.jit
def row_sum(x, y, n, BLOCK: tl.constexpr):
    r = tl.program_id(0)
    offs = tl.arange(0, BLOCK)
    v = tl.load(x + r * n + offs, mask=offs < n, other=0.0)
    tl.store(y + r, tl.sum(v, axis=0))
x = torch.randn(64, 1024, device="cuda"); y = torch.empty(64, device="cuda")
k = row_sum[(64,)](x, y, 1024, BLOCK=1024)
open(f"{W}/ptx/triton_row_sum.ptx", "w").write(k.asm["ptx"])
print("triton", triton.__version__, "ok", float((y - x.sum(1)).abs().max()))
PY
{ $P analyze $W/ptx/triton_row_sum.ptx --select PTX011,PTX012 --fail-level none; c triton $W/ptx/triton_row_sum.ptx --rule PTX011; } >> $R/confirm-thirdparty.log 2>&1
cd $W && tar cJf $OUT/gpu1.tar.xz ptx nolineinfo logs
tail -c 6000 $R/confirm-samples.log
