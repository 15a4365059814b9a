// PTX012 shared-indexed-by-block -- FIXED sample.
//
// Fix: each CTA writes its partial absmax to a global partials buffer (partials[blockIdx.x]); a
// second kernel (one block) reduces the partials.
//
// Launch:
//   global_amax_shared(const float* x, float* partials, int n): grid = (4, 1, 1), block = (256, 1, 1),
//     x: 1024 floats, partials: 4 floats, n = 1024.
//   amax_final(const float* partials, float* amax, int num_partials): grid = (1, 1, 1),
//     block = (256, 1, 1), num_partials = 4, amax: 1 float.
// Correct result: amax[0] = max |x|; initcheck reports no uninitialized shared reads.

#define BLOCK 256

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ float block_max(float v) {
    __shared__ float s_warp[BLOCK / 32];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    v = warp_max(v);
    if (lane == 0) s_warp[warp] = v;
    __syncthreads();
    v = tid < BLOCK / 32 ? s_warp[tid] : 0.f;
    if (warp == 0) v = warp_max(v);
    return v;
}

extern "C" __global__ void __launch_bounds__(BLOCK) global_amax_shared(const float* x, float* partials, int n) {
    const int i = blockIdx.x * BLOCK + threadIdx.x;
    const float m = block_max(i < n ? fabsf(x[i]) : 0.f);
    if (threadIdx.x == 0) partials[blockIdx.x] = m;    // global memory: visible to the next kernel
}

extern "C" __global__ void __launch_bounds__(BLOCK) amax_final(const float* partials, float* amax, int num_partials) {
    float v = 0.f;
    for (int i = threadIdx.x; i < num_partials; i += BLOCK) v = fmaxf(v, fabsf(partials[i]));
    const float m = block_max(v);
    if (threadIdx.x == 0) amax[0] = m;
}
