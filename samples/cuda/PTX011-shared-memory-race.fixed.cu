// PTX011 shared-memory-race -- FIXED sample: the four kernels of the bad sample with their barriers,
// and five race-free idioms PTX011 must stay silent on.
//
//  warp_partials_no_sync, block_reduce_scalar_ptr (partials array of NWARPS floats), scan_neighbor_no_sync
//      (the neighbour's value is read, then a barrier, then written), broadcast_no_sync: each gets the
//      __syncthreads() it lacked.
//  double_buffer_stencil: double buffering with one barrier per step (read buffer cur, write buffer cur^1).
//  transpose_tile: a 32x33 tile written by rows and read by columns with a barrier between (block 32x8).
//  warp_exchange_syncwarp: lanes of one warp exchange values through shared memory, ordered by __syncwarp().
//  own_slot_update: s[tid] read and written by the same thread only.
//  tid0_then_barrier: thread 0 writes a value, a barrier, then every thread reads it.
//
// Launch: grid = (8, 1, 1), block = (256, 1, 1) for all but transpose_tile (block = (32, 8, 1));
//   the first four as in the bad sample; double_buffer_stencil(const float* x, float* out, int steps) with
//   steps = 8; transpose_tile(const float* in, float* out) in/out 8 tiles of 32x32; the rest (x, out) with
//   2048 floats each.
// compute-sanitizer --tool racecheck reports 0 hazards on every kernel (docs/runs/).

#define BLOCK 256
#define NWARPS (BLOCK / 32)
#define TILE 32

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

extern "C" __global__ void __launch_bounds__(BLOCK) warp_partials_no_sync(const float* x, float* out) {
    __shared__ float s_part[NWARPS];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    float v = warp_sum(x[blockIdx.x * BLOCK + tid]);
    if (lane == 0) s_part[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < NWARPS ? s_part[lane] : 0.f;
        v = warp_sum(v);
        if (lane == 0) out[blockIdx.x] = v;
    }
}

extern "C" __global__ void __launch_bounds__(BLOCK) block_reduce_scalar_ptr(const float* x, float* out) {
    __shared__ float s_total[NWARPS];
    float* partials = s_total;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    float v = warp_sum(x[blockIdx.x * BLOCK + tid]);
    if (lane == 0) partials[warp] = v;
    __syncthreads();
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
        float left = tid >= off ? s[tid - off] : 0.f;
        __syncthreads();
        s[tid] += left;
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
    __syncthreads();
    out[blockIdx.x * BLOCK + tid] = row[tid] * s_max;
}

extern "C" __global__ void __launch_bounds__(BLOCK) double_buffer_stencil(const float* x, float* out, int steps) {
    __shared__ float buf[2][BLOCK];
    const int tid = threadIdx.x;
    buf[0][tid] = x[blockIdx.x * BLOCK + tid];
    __syncthreads();
    int cur = 0;
    for (int s = 0; s < steps; s++) {
        const float l = buf[cur][(tid + BLOCK - 1) % BLOCK], c = buf[cur][tid], r = buf[cur][(tid + 1) % BLOCK];
        buf[cur ^ 1][tid] = 0.25f * l + 0.5f * c + 0.25f * r;
        __syncthreads();                             // one barrier per step
        cur ^= 1;
    }
    out[blockIdx.x * BLOCK + tid] = buf[cur][tid];
}

extern "C" __global__ void __launch_bounds__(256) transpose_tile(const float* in, float* out) {
    __shared__ float tile[TILE][TILE + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;    // block (32, 8)
    const float* src = in + blockIdx.x * TILE * TILE;
    float* dst = out + blockIdx.x * TILE * TILE;
    for (int j = ty; j < TILE; j += 8) tile[j][tx] = src[j * TILE + tx];
    __syncthreads();
    for (int j = ty; j < TILE; j += 8) dst[j * TILE + tx] = tile[tx][j];
}

extern "C" __global__ void __launch_bounds__(BLOCK) warp_exchange_syncwarp(const float* x, float* out) {
    __shared__ float s[BLOCK];
    const int tid = threadIdx.x, lane = tid & 31, base = tid & ~31;
    s[tid] = x[blockIdx.x * BLOCK + tid];
    __syncwarp();
    const float mirrored = s[base + (31 - lane)];    // a lane of the same warp wrote it
    __syncwarp();
    s[tid] = mirrored * 2.f;
    __syncwarp();
    out[blockIdx.x * BLOCK + tid] = s[base + ((lane + 1) & 31)];
}

extern "C" __global__ void __launch_bounds__(BLOCK) own_slot_update(const float* x, float* out) {
    __shared__ float s[BLOCK];
    const int tid = threadIdx.x;
    s[tid] = x[blockIdx.x * BLOCK + tid];
    for (int k = 0; k < 4; k++) s[tid] = s[tid] * 0.5f + 1.f;   // only this thread's slot
    out[blockIdx.x * BLOCK + tid] = s[tid];
}

extern "C" __global__ void __launch_bounds__(BLOCK) tid0_then_barrier(const float* x, float* out) {
    __shared__ float s_scale;
    const int tid = threadIdx.x;
    if (tid == 0) s_scale = 1.f / (1.f + fabsf(x[blockIdx.x * BLOCK]));
    __syncthreads();
    out[blockIdx.x * BLOCK + tid] = x[blockIdx.x * BLOCK + tid] * s_scale;
}
