#!/usr/bin/env bash
# Runs ptxlint confirm/parity on the samples on the GPU machine. Output goes to $OUT/confirm.log.
set -u
export PATH=/usr/local/cuda/bin:$PATH
P=.device/ptxlint/PtxLint.Cli
chmod +x $P
S=samples/ptx
log=$OUT/confirm.log
{
  echo "== device"; nvidia-smi -L; nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader
  which compute-sanitizer || echo "compute-sanitizer not on PATH"
  $P --version
  for r in PTX002-batched-kernel-ignores-ctaid-y PTX003-indirect-position-read PTX005-barrier-in-divergent-control PTX006-shared-out-of-bounds PTX009-float-atomic-order PTX010-contractible-mul-add PTX001-shared-address-64bit PTX004-tmem-address-without-alloc-base PTX007-tmem-alloc-columns PTX008-tmem-lifecycle; do
    id=${r%%-*}
    echo; echo "== confirm $S/$r.bad.ptx"; start=$(date +%s)
    timeout 170 $P confirm $S/$r.bad.ptx --timeout 15s $( [ $id = PTX010 ] && echo --rule PTX010 ); echo "exit=$? ($(( $(date +%s) - start )) s)"
    case $id in PTX004|PTX007|PTX008) continue;; esac
    echo; echo "== confirm $S/$r.fixed.ptx --rule $id"; start=$(date +%s)
    timeout 170 $P confirm $S/$r.fixed.ptx --rule $id --timeout 15s; echo "exit=$? ($(( $(date +%s) - start )) s)"
  done
  echo; echo "== parity bad"; timeout 60 $P parity $S/PTX001-shared-address-64bit.bad.ptx --batched rmsnorm_batched --single rmsnorm; echo "exit=$?"
  echo; echo "== parity fixed"; timeout 60 $P parity $S/PTX001-shared-address-64bit.fixed.ptx --batched rmsnorm_batched --single rmsnorm; echo "exit=$?"
  echo; echo "== sarif"; timeout 120 $P confirm $S/PTX002-batched-kernel-ignores-ctaid-y.bad.ptx --format sarif --output $OUT/ptx002-confirm.sarif; echo "exit=$?"
  echo "== done"
} > $log 2>&1
tail -c 11000 $log
