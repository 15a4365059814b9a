// PTX010 contractible-mul-add -- FIXED sample.
//
// Fix: __fmul_rn / __fadd_rn emit `mul.rn.f32` and `add.rn.f32`, which ptxas
// must not contract into an fma: the result equals the sequential reference bit
// for bit on every build.
//
// Build: nvcc -arch=sm_90a -ptx -lineinfo (default flags).
// Launch: scale_residual(float* out, const float* a, const float* b, const float* c, int n)
//   grid = ((n + 255) / 256, 1, 1), block = (256, 1, 1), a/b/c/out: n floats, n = 1 << 16.
// Correct result: out[i] = __fadd_rn(__fmul_rn(a[i], b[i]), c[i]), bit for bit.

extern "C" __global__ void scale_residual(float* out, const float* a, const float* b,
                                          const float* c, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __fadd_rn(__fmul_rn(a[i], b[i]), c[i]);
}
