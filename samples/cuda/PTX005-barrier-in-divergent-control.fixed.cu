// PTX005 barrier-in-divergent-control -- FIXED sample (same four kernels).
//
// Fixes: every barrier is reached by all threads of the CTA (or all 32 lanes
// for __syncwarp):
//  1. block_sum_strided: CTA-uniform trip count
//     `for (base = 0; base < n; base += blockDim.x) { i = base + tid; if (i < n) ...; __syncthreads(); }`.
//  2. warp0_barrier_sum: the barrier moved out of `if (threadIdx.x < 32)`.
//  3. broadcast_sum_spin: no spin flag; two uniform barriers publish the total.
//  4. warp_pair_sum_half: __syncwarp() outside `if (lane < 16)`.
//
// Launches: identical to the bad sample's.
//  block_sum_strided(x, out, n):   grid 1, block 256, n = 1000; out[0] = sum(x[0..n)).
//  warp0_barrier_sum(x, out, n):   grid 1, block 256, n = 256;  out[0] = sum(x[0..256)).
//  broadcast_sum_spin(x, out, n):  grid 1, block 256, n = 256;  out[i] = x[i] / sum(x).
//  warp_pair_sum_half(x, out):     grid 1, block 32;  out[l] = x[l] + x[l^8] (l < 16), x[l] otherwise.

#define BLOCK 256

extern "C" __global__ void block_sum_strided(const float* x, float* out, int n) {
    __shared__ float s_tile[BLOCK];
    const int tid = threadIdx.x;
    float acc = 0.f;
    for (int base = 0; base < n; base += blockDim.x) {   // same trip count for every thread
        const int i = base + tid;
        s_tile[tid] = i < n ? x[i] : 0.f;
        __syncthreads();
        if (tid == 0) {
            const int cnt = min((int)blockDim.x, n - base);
            for (int j = 0; j < cnt; ++j) acc += s_tile[j];
        }
        __syncthreads();
    }
    if (tid == 0) out[blockIdx.x] = acc;
}

extern "C" __global__ void warp0_barrier_sum(const float* x, float* out, int n) {
    __shared__ float s_vals[BLOCK];
    __shared__ float s_part[32];
    const int tid = threadIdx.x;
    s_vals[tid] = tid < n ? x[tid] : 0.f;
    __syncthreads();
    if (tid < 32) {
        float v = 0.f;
        for (int j = tid; j < blockDim.x; j += 32) v += s_vals[j];
        s_part[tid] = v;
    }
    __syncthreads();                                 // every thread arrives
    if (tid == 0) {
        float t = 0.f;
        for (int j = 0; j < 32; ++j) t += s_part[j];
        out[blockIdx.x] = t;
    }
}

extern "C" __global__ void broadcast_sum_spin(const float* x, float* out, int n) {
    __shared__ float s_part[32];
    __shared__ float s_total;
    const int tid = threadIdx.x;
    if (tid < 32) {
        float v = 0.f;
        for (int j = tid; j < n; j += 32) v += x[j];
        s_part[tid] = v;
    }
    __syncthreads();
    if (tid == 0) {
        float t = 0.f;
        for (int j = 0; j < 32; ++j) t += s_part[j];
        s_total = t;
    }
    __syncthreads();
    if (tid < n) out[tid] = x[tid] / s_total;
}

// One warp per block (s_w is indexed by the lane): declared, so no launch and no analysis assumes more warps.
extern "C" __global__ void __launch_bounds__(32) warp_pair_sum_half(const float* x, float* out) {
    __shared__ float s_w[32];
    const int lane = threadIdx.x & 31;
    float v = x[threadIdx.x];
    if (lane < 16) s_w[lane] = v;
    __syncwarp();                                    // all 32 lanes arrive
    if (lane < 16) v += s_w[lane ^ 8];
    out[threadIdx.x] = v;
}
