// PTX009 float-atomic-order -- BAD sample.
//
// Bug: sum_atomic reduces each warp with shuffles, then every warp adds its
// partial into *out with atomicAdd(float*) (red.global.add.f32). The order in
// which ~thousands of warps from many blocks land varies run to run, and float
// addition is not associative: the sum is not bit-reproducible.
//
// Launch: sum_atomic(const float* x, float* out, int n)
//   grid = (132, 1, 1), block = (256, 1, 1), x: n floats with n = 1 << 20
//   (random values with a fixed seed), out: 1 float zeroed before every launch.
// Correct result: out[0] = sum(x); a reproducible implementation gives the same
//   bits on every run. Observed (this PTX on an H200): 13 distinct sums in 30 runs.

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

extern "C" __global__ void sum_atomic(const float* x, float* out, int n) {
    float v = 0.f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        v += x[i];
    v = warp_sum(v);
    if ((threadIdx.x & 31) == 0) atomicAdd(out, v);   // order-dependent float sum
}
