#!/usr/bin/env bash
# Builds samples/ptx/*.ptx from samples/cuda/*.cu and the parser corpus
# tests/data/generated/*.ptx.gz (+ MANIFEST.tsv) with CUDA 13 nvcc/ptxas and Triton.
# Run from the repository root on a machine with the CUDA toolkit (and a GPU for
# the Triton part). Sources are copied to the fixed path /ptxlint so the `.file`
# paths in -lineinfo PTX do not depend on where the checkout lives.
# Results: $DEST/result.tar.gz (samples/ptx, tests/data/generated, logs), DEST=${OUT:-/tmp/ptxlint-out}.
set -u
REPO=$(pwd)
DEST=${OUT:-/tmp/ptxlint-out}
W=/ptxlint
export PATH=/usr/local/cuda/bin:$PATH
rm -rf "$W"; mkdir -p "$W/samples" "$W/tests/data/generated" "$W/logs" "$DEST"
cp -r "$REPO/samples/cuda" "$W/samples/cuda"
cp -r "$REPO/tests/data/generated/src" "$W/tests/data/generated/src"
mkdir -p "$W/samples/ptx"
cd "$W"
LOG=logs/build.log; SUM=logs/summary.tsv; PAT=logs/patterns.log
BUILDREC=samples/cuda/BUILD-LOG.tsv
: > "$LOG"; : > "$PAT"
printf 'file\tnvcc_rc\tptxas_rc\tnvcc_command\tptxas_command\n' > "$SUM"
{ nvcc --version; ptxas --version; } 2>&1 | tee -a "$LOG" | grep -i release
NVCCV=$(nvcc --version | grep -o 'release [0-9.]*' | head -1)

# run CMD...: log it with its output and exit status, return the status
run() { echo "\$ $*" >> "$LOG"; "$@" >> "$LOG" 2>&1; local rc=$?; echo "[rc=$rc]" >> "$LOG"; return $rc; }
patterns() {
  echo "=== $1" >> "$PAT"
  grep -oE '(\.version [0-9.]+|\.target [a-z0-9_]+|cvta(\.to)?\.shared\.u(32|64)|(ld|st|atom|red)\.shared[.a-z0-9:]*( *\[%r[d]?|)|%ctaid\.[xyz]|%nctaid\.[xyz]|bar(rier)?(\.cta)?\.sync( *[0-9]+)?|bar\.warp\.sync|red\.[a-z.]*f32|atom\.[a-z.]*f32|mul(\.rn)?\.f32|add(\.rn)?\.f32|fma\.rn\.f32|tcgen05\.[a-z0-9_:.]+|setp\.[a-z]+\.[us]64|ld\.global[.a-z0-9]*|s_amax(\+[0-9]+)?|inlined_at|\.callprototype|call(\.uni)?|wgmma\.[a-z_.]+|setmaxnreg[.a-z0-9]*|elect\.sync|mbarrier\.[a-z_.:]+|cp\.async[.a-z0-9_:]*|fence\.[a-z_.:]+)' "$1" \
    | sed 's/%r[d]\?[0-9]*$//' | sort | uniq -c >> "$PAT"
}
# sample SRC ARCH EXTRA...: nvcc -> samples/ptx/<base>.ptx, then ptxas
sample() {
  local src=$1 arch=$2; shift 2
  local base; base=$(basename "$src" .cu)
  local out=samples/ptx/$base.ptx
  local ncmd="nvcc -arch=$arch -ptx -lineinfo $* $src -o $out"
  local pcmd="ptxas -arch=$arch $out -o /dev/null"
  run $ncmd; local n=$?; local p=-1
  if [ $n -eq 0 ]; then run $pcmd; p=$?; patterns "$out"; fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$base.ptx" "$n" "$p" "$ncmd" "$pcmd" >> "$SUM"
  [ $n -eq 0 ] && [ $p -eq 0 ]
}

echo "## samples" | tee -a "$LOG"
for src in samples/cuda/PTX0*.cu; do
  base=$(basename "$src" .cu)
  case "$base" in PTX004*|PTX007*|PTX008*) arch=sm_100a;; *) arch=sm_90a;; esac
  case "$base" in
    PTX010*.bad)
      # pick the first build whose PTX keeps a plain (contractible) mul.f32
      ok=0
      for v in "-fmad=false" "" "-DPTX010_EXPLICIT_MUL"; do
        tag=${v:-default}; tag=${tag#-}
        run nvcc -arch=$arch -ptx -lineinfo $v "$src" -o "logs/$base.$tag.ptx"
        patterns "logs/$base.$tag.ptx"
        if grep -qE '^[[:space:]]*mul\.f32' "logs/$base.$tag.ptx"; then
          sample "$src" $arch $v && ok=1; break
        fi
      done
      [ $ok -eq 1 ] || echo "PTX010 bad: no variant kept a plain mul.f32" | tee -a "$LOG"
      ;;
    PTX007*.bad)
      sample "$src" $arch || { echo "PTX007 bad with the 96-column alloc failed; retrying without it" | tee -a "$LOG";
                               cp "samples/ptx/$base.ptx" "logs/$base.npot-attempt.ptx" 2>/dev/null;
                               sample "$src" $arch -DPTX007_NO_NPOT; }
      ;;
    *) sample "$src" $arch ;;
  esac
done
grep -P '\t' "$SUM" | awk -F'\t' 'NR>1{printf "%-55s nvcc=%s ptxas=%s\n",$1,$2,$3}'
cp "$SUM" "$BUILDREC"

echo "## corpus (nvcc)" | tee -a "$LOG"
G=tests/data/generated
printf 'file\tproducer\tcommand\ttarget\tptxas\n' > $G/MANIFEST.tsv
corpus() {  # corpus NAME SRC ARCH FLAGS...
  local name=$1 src=$2 arch=$3; shift 3
  local out=$G/$name.ptx
  local ncmd="nvcc -arch=$arch -ptx $* $src -o $out"
  run $ncmd; local n=$?
  if [ $n -ne 0 ]; then echo "FAIL nvcc $name" | tee -a "$LOG"; return; fi
  patterns "$out"
  local pres
  if ptxas -arch=$arch "$out" -o /dev/null > logs/ptxas.$name.log 2>&1; then
    pres="ok ($(grep -ci warning logs/ptxas.$name.log) warnings)"
  else
    pres="fail: $(grep -m1 -i error logs/ptxas.$name.log | tr '\t' ' ' | cut -c1-200)"
  fi
  cat logs/ptxas.$name.log >> "$LOG"
  gzip -9n "$out"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name.ptx.gz" "nvcc $NVCCV" "$ncmd" "$arch" "$pres" >> $G/MANIFEST.tsv
  echo "$name: $pres"
}
S=$G/src
corpus nvcc13-hopper_tma_wgmma-sm_90a          $S/hopper_tma_wgmma.cu sm_90a
corpus nvcc13-hopper_tma_wgmma-sm_90a-lineinfo $S/hopper_tma_wgmma.cu sm_90a -lineinfo
corpus nvcc13-common_kernels-sm_90a            $S/common_kernels.cu sm_90a
corpus nvcc13-common_kernels-sm_90a-lineinfo   $S/common_kernels.cu sm_90a -lineinfo
corpus nvcc13-common_kernels-sm_90a-G          $S/common_kernels.cu sm_90a -G
corpus nvcc13-common_kernels-sm_100a           $S/common_kernels.cu sm_100a
corpus nvcc13-common_kernels-sm_100a-lineinfo  $S/common_kernels.cu sm_100a -lineinfo
corpus nvcc13-blackwell_umma-sm_100a           $S/blackwell_umma.cu sm_100a -Isamples/cuda
corpus nvcc13-blackwell_umma-sm_100a-lineinfo  $S/blackwell_umma.cu sm_100a -lineinfo -Isamples/cuda

echo "## corpus (triton)" | tee -a "$LOG"
export PYTHONUNBUFFERED=1
timeout 300 python3 $S/triton_corpus.py logs/triton >> "$LOG" 2>&1; echo "triton rc=$?" | tee -a "$LOG"
TV=$(python3 -c 'import triton; print(triton.__version__)' 2>/dev/null)
for f in logs/triton/*.ptx; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .ptx)
  tgt=$(grep -m1 -oE '^\.target [a-z0-9_]+' "$f" | awk '{print $2}')
  patterns "$f"
  if ptxas -arch=$tgt "$f" -o /dev/null > logs/ptxas.$name.log 2>&1; then
    pres="ok ($(grep -ci warning logs/ptxas.$name.log) warnings)"
  else
    pres="fail: $(grep -m1 -i error logs/ptxas.$name.log | tr '\t' ' ' | cut -c1-200)"
  fi
  case $name in *aot*) how="triton.compile(ASTSource, target=GPUTarget('cuda',100,32))";;
                *) how="kernel[grid](...) run once on the H100, CompiledKernel.asm['ptx']";; esac
  cp "$f" $G/$name.ptx; gzip -9n $G/$name.ptx
  printf '%s\t%s\t%s\t%s\t%s\n' "$name.ptx.gz" "triton $TV" "$how (source: src/triton_corpus.py)" "$tgt" "$pres" >> $G/MANIFEST.tsv
  echo "$name: $tgt $pres"
done
du -sh $G
tar czf "$DEST/result.tar.gz" samples/ptx samples/cuda/BUILD-LOG.tsv $G/*.gz $G/MANIFEST.tsv logs
ls -la "$DEST"
