// PTX011 shared-memory-race -- BAD sample (four kernels, one per race shape of issue 13).
//
//  warp_partials_no_sync: each warp writes its partial sum to s_part[warp], and warp 0 merges the
//      partials with no __syncthreads() between: warp 0 reads s_part[1..7] while warps 1..7 write them.
//  block_reduce_scalar_ptr: the same reduction, but the partials go through a pointer to ONE float
//      (s_total) -- PTX006's overrun -- and warp 0 reads them back without a barrier.
//  scan_neighbor_no_sync: a Hillis-Steele inclusive scan whose step reads the neighbour's slot
//      s[tid - off] in the same barrier interval in which the neighbour thread writes it.
//  broadcast_no_sync: thread 0 stores a value to shared memory and every thread reads it with no
//      barrier between.
//
// Launch (all kernels): grid = (8, 1, 1), block = (256, 1, 1);
//   warp_partials_no_sync(const float* x, float* out)      x: 2048 floats, out: 8 floats
//   block_reduce_scalar_ptr(const float* x, float* out)    x: 2048 floats, out: 8 floats
//   scan_neighbor_no_sync(const float* x, float* out)      x, out: 2048 floats
//   broadcast_no_sync(const float* x, float* out)          x, out: 2048 floats
// Correct result: out[b] = sum of x[256*b .. 256*b+255] (the two reductions), the inclusive prefix sum
//   of each block's 256 values (scan), out[i] = x[i] * max(x of the block) (broadcast).
// compute-sanitizer --tool racecheck reports hazards on every kernel (docs/runs/).

#define BLOCK 256
#define NWARPS (BLOCK / 32)

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

extern "C" __global__ void __launch_bounds__(BLOCK) warp_partials_no_sync(const float* x, float* out) {
    __shared__ float s_part[NWARPS];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    float v = warp_sum(x[blockIdx.x * BLOCK + tid]);
    if (lane == 0) s_part[warp] = v;
    // BUG: missing __syncthreads()
    if (warp == 0) {
        v = lane < NWARPS ? s_part[lane] : 0.f;
        v = warp_sum(v);
        if (lane == 0) out[blockIdx.x] = v;
    }
}

extern "C" __global__ void __launch_bounds__(BLOCK) block_reduce_scalar_ptr(const float* x, float* out) {
    __shared__ float s_total;                       // BUG 1: one float, NWARPS are written (PTX006)
    float* partials = &s_total;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    float v = warp_sum(x[blockIdx.x * BLOCK + tid]);
    if (lane == 0) partials[warp] = v;
    // BUG 2: missing __syncthreads()
    if (warp == 0) {
        v = lane < NWARPS ? partials[lane] : 0.f;
        v = warp_sum(v);
        if (lane == 0) out[blockIdx.x] = v;
    }
}

extern "C" __global__ void __launch_bounds__(BLOCK) scan_neighbor_no_sync(const float* x, float* out) {
    __shared__ float s[BLOCK];
    const int tid = threadIdx.x;
    s[tid] = x[blockIdx.x * BLOCK + tid];
    __syncthreads();
    for (int off = 1; off < BLOCK; off *= 2) {
        if (tid >= off) s[tid] += s[tid - off];     // BUG: reads s[tid - off] while thread tid - off writes it
        __syncthreads();
    }
    out[blockIdx.x * BLOCK + tid] = s[tid];
}

extern "C" __global__ void __launch_bounds__(BLOCK) broadcast_no_sync(const float* x, float* out) {
    __shared__ float s_max;
    const int tid = threadIdx.x;
    const float* row = x + blockIdx.x * BLOCK;
    if (tid == 0) {
        float m = row[0];
        for (int i = 1; i < BLOCK; i++) m = fmaxf(m, row[i]);
        s_max = m;
    }
    // BUG: missing __syncthreads()
    out[blockIdx.x * BLOCK + tid] = row[tid] * s_max;
}
