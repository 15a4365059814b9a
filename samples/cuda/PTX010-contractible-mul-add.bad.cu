// PTX010 contractible-mul-add -- BAD sample.
//
// Bug: scale_residual computes out = a*b + c as a separate `mul.f32` (no
// rounding modifier) feeding `add.f32`. ptxas is free to contract the pair into
// one fma (a single rounding), so the result can differ in the last bit from a
// sequential reference (two roundings) and from the same source built elsewhere.
// `mul.rn.f32` (__fmul_rn) pins the two-rounding semantics.
//
// Build: the PTX in samples/ptx comes from ONE of these (samples/cuda/build.sh picks the
// first whose PTX has a plain `mul.f32` feeding an add; the command used is in BUILD-LOG.tsv
// -- with nvcc 13.0 the third; on an H200 15381 of 65536 outputs differed from the reference):
//   nvcc -arch=sm_90a -ptx -lineinfo -fmad=false                    (nvcc 13.0: mul.rn.f32)   
//   nvcc -arch=sm_90a -ptx -lineinfo                                (nvcc 13.0: fma.rn.f32)       
//   nvcc -arch=sm_90a -ptx -lineinfo -DPTX010_EXPLICIT_MUL          (mul.f32 written as inline PTX,
//                                                                   as hand-written/other producers emit it)
//
// Launch: scale_residual(float* out, const float* a, const float* b, const float* c, int n)
//   grid = ((n + 255) / 256, 1, 1), block = (256, 1, 1), a/b/c/out: n floats, n = 1 << 16,
//   random inputs with a fixed seed.
// Correct (reference) result: out[i] = __fadd_rn(__fmul_rn(a[i], b[i]), c[i]), bit for bit.

extern "C" __global__ void scale_residual(float* out, const float* a, const float* b,
                                          const float* c, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
#ifdef PTX010_EXPLICIT_MUL
        float p;
        asm("mul.f32 %0, %1, %2;" : "=f"(p) : "f"(a[i]), "f"(b[i]));
#else
        const float p = a[i] * b[i];
#endif
        out[i] = p + c[i];
    }
}
