// PTX009 float-atomic-order -- FIXED sample.
//
// Fix: a deterministic two-pass reduction. sum_partials writes one partial per
// block (a fixed-shape tree inside the block), sum_final adds the partials in a
// fixed order with a single block. No float atomics: the same input gives the
// same bits on every run (for a fixed grid size).
//
// Launch:
//   sum_partials(const float* x, float* partials, int n)
//     grid = (132, 1, 1), block = (256, 1, 1), x: n floats (n = 1 << 20), partials: 132 floats.
//   sum_final(const float* partials, float* out, int num_partials)
//     grid = (1, 1, 1), block = (256, 1, 1), num_partials = 132, out: 1 float.
// Correct result: out[0] = sum(x), bit-identical across runs.

#define BLOCK 256

__device__ __forceinline__ float block_sum(float v, float* s_red) {
    const int tid = threadIdx.x;
    s_red[tid] = v;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {       // fixed tree shape
        if (tid < s) s_red[tid] += s_red[tid + s];
        __syncthreads();
    }
    return s_red[0];
}

extern "C" __global__ void sum_partials(const float* x, float* partials, int n) {
    __shared__ float s_red[BLOCK];
    float v = 0.f;
    for (int i = blockIdx.x * BLOCK + threadIdx.x; i < n; i += gridDim.x * BLOCK)
        v += x[i];
    const float total = block_sum(v, s_red);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

extern "C" __global__ void sum_final(const float* partials, float* out, int num_partials) {
    __shared__ float s_red[BLOCK];
    float v = 0.f;
    for (int i = threadIdx.x; i < num_partials; i += BLOCK) v += partials[i];
    const float total = block_sum(v, s_red);
    if (threadIdx.x == 0) out[0] = total;
}
