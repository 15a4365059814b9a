// PTX005 barrier-in-divergent-control: facts that make library code uniform (must stay silent), shapes that only
// work because skipping threads exit (warnings), and the seed shapes (errors). Each _bad kernel has a fixed twin.
#define FULL 0xffffffffu
#ifdef __clang__
#define FMAXF __builtin_fmaxf   // cuda2ptx links no libdevice: keep max.f32 inline
#else
#define FMAXF fmaxf
#endif

// Silent: the result of __syncthreads_or is the same in every thread of the CTA.
extern "C" __global__ void barrier_or_uniform(float* out, const float* x, int n) {
    __shared__ float s[256];
    const int t = threadIdx.x;
    s[t] = t < n ? x[t] : 0.f;
    if (__syncthreads_or(s[t] > 0.f)) {
        __syncthreads();
        out[t] = s[255 - t];
    }
}

// Silent: a warp index from the linear thread id (any block shape) selects whole warps for __syncwarp().
extern "C" __global__ void warp_index_linear(float* out, const float* x) {
    __shared__ float s[1024];
    const int lin = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    const int warp = lin >> 5;
    s[lin] = x[lin];
    if (warp == 1) {
        __syncwarp();
        out[lin] = s[lin ^ 1];
    }
}

// Silent: a value broadcast from lane 0 and a butterfly max (fmaxf through mov.b32 casts) are the same in every lane.
extern "C" __global__ void warp_broadcast_and_butterfly(float* out, const float* x) {
    float v = x[threadIdx.x];
    int flag = __shfl_sync(FULL, (int)(v > 1.f), 0);
    if (flag) __syncwarp();
    float m = v;
    for (int k = 16; k > 0; k >>= 1) m = FMAXF(m, __shfl_xor_sync(FULL, m, k));
    if (m > 2.f) __syncwarp();
    int im = (int)v;
    for (int k = 16; k > 0; k >>= 1) { int o = __shfl_xor_sync(FULL, im, k); im = im > o ? im : o; }
    if (im > 3) __syncwarp();
    out[threadIdx.x] = m + flag + im;
}

// Warning: a fixed subset of warps passes the barrier; the others return at once (works because they exit).
extern "C" __global__ void subset_exits_bad(float* out, const float* x) {
    __shared__ float s[64];
    const int t = threadIdx.x;
    if (t >= 64) return;
    s[t] = x[t];
    __syncthreads();
    out[t] = s[63 - t];
}
extern "C" __global__ void subset_exits_fixed(float* out, const float* x) {
    __shared__ float s[64];
    const int t = threadIdx.x;
    if (t < 64) s[t] = x[t];
    __syncthreads();
    if (t < 64) out[t] = s[63 - t];
}

// Warning: a row loop whose leaving threads (whole rows of the block) only store a result and return.
extern "C" __global__ void row_loop_exits_bad(float* out, const float* x, int rows, int cols) {
    __shared__ float tile[8][32];
    float acc = 0.f;
    for (int r = threadIdx.y; r < rows; r += blockDim.y) {
        tile[threadIdx.y][threadIdx.x] = x[r * cols + threadIdx.x];
        __syncthreads();
        acc += tile[threadIdx.y][31 - threadIdx.x];
        __syncthreads();
    }
    out[threadIdx.y * 32 + threadIdx.x] = acc;
}
extern "C" __global__ void row_loop_exits_fixed(float* out, const float* x, int rows, int cols) {
    __shared__ float tile[8][32];
    float acc = 0.f;
    for (int base = 0; base < rows; base += blockDim.y) {
        const int r = base + threadIdx.y;
        tile[threadIdx.y][threadIdx.x] = r < rows ? x[r * cols + threadIdx.x] : 0.f;
        __syncthreads();
        if (r < rows) acc += tile[threadIdx.y][31 - threadIdx.x];
        __syncthreads();
    }
    out[threadIdx.y * 32 + threadIdx.x] = acc;
}

// Silent: i <= lo is true on the first trip only, in every thread (lo = rows * threadIdx.y).
extern "C" __global__ void first_trip_compare(float* out, const float* x, int rows, int n) {
    __shared__ float tile[256];
    const int lo = rows * threadIdx.y;
    for (int i = lo; i < lo + n; ++i) {
        if (i > lo) __syncthreads();
        tile[threadIdx.y * 32 + threadIdx.x] = x[i];
        __syncthreads();
        out[i] = tile[(threadIdx.y * 32 + threadIdx.x) ^ 1];
    }
}

// Error (seed): for (i = tid; i < n; i += blockDim.x) around barriers, then reads of the tile.
extern "C" __global__ void strided_loop_bad(float* out, const float* x, int n) {
    __shared__ float tile[256];
    float acc = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        tile[threadIdx.x] = x[i];
        __syncthreads();
        if (threadIdx.x == 0) for (int j = 0; j < min((int)blockDim.x, n - i + (int)threadIdx.x); ++j) acc += tile[j];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = acc;
}
extern "C" __global__ void strided_loop_fixed(float* out, const float* x, int n) {
    __shared__ float tile[256];
    float acc = 0.f;
    for (int base = 0; base < n; base += blockDim.x) {
        const int i = base + threadIdx.x;
        tile[threadIdx.x] = i < n ? x[i] : 0.f;
        __syncthreads();
        if (threadIdx.x == 0) for (int j = 0; j < blockDim.x; ++j) acc += tile[j];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = acc;
}

// Error (seed): warp 0 waits at a barrier under if (tid < 32) while the other warps spin on a flag it sets later.
extern "C" __global__ void warp0_spin_bad(float* out, const float* x, int n) {
    __shared__ float part[32];
    __shared__ float total;
    __shared__ volatile int ready;
    const int t = threadIdx.x;
    if (t == 0) ready = 0;
    __syncthreads();
    if (t < 32) {
        float v = 0.f;
        for (int j = t; j < n; j += 32) v += x[j];
        part[t] = v;
        __syncthreads();
        if (t == 0) { float s = 0.f; for (int j = 0; j < 32; ++j) s += part[j]; total = s; __threadfence_block(); ready = 1; }
    }
    while (ready == 0) { }
    if (t < n) out[t] = x[t] / total;
}
extern "C" __global__ void warp0_spin_fixed(float* out, const float* x, int n) {
    __shared__ float part[32];
    __shared__ float total;
    const int t = threadIdx.x;
    if (t < 32) {
        float v = 0.f;
        for (int j = t; j < n; j += 32) v += x[j];
        part[t] = v;
    }
    __syncthreads();
    if (t == 0) { float s = 0.f; for (int j = 0; j < 32; ++j) s += part[j]; total = s; }
    __syncthreads();
    if (t < n) out[t] = x[t] / total;
}

// Warning: warp-specialised dispatch where the producer warp exits; the others meet at a CTA barrier.
extern "C" __global__ void producer_exits_bad(float* out, const float* x) {
    __shared__ float s[256];
    const int warp = threadIdx.x >> 5;
    if (warp == 0) { out[threadIdx.x] = x[threadIdx.x]; return; }
    s[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    out[threadIdx.x] = s[threadIdx.x ^ 32];
}
extern "C" __global__ void producer_exits_fixed(float* out, const float* x) {
    __shared__ float s[256];
    const int warp = threadIdx.x >> 5;
    if (warp == 0) out[threadIdx.x] = x[threadIdx.x];
    else s[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    if (warp != 0) out[threadIdx.x] = s[threadIdx.x ^ 32];
}

// Silent: a by-value struct spilled to .local and read back (dynamic index forces the copy).
struct Params { int n; int flag; int idx[6]; };
extern "C" __global__ void local_spill_param(float* out, const float* x, Params p, int k) {
    __shared__ float s[256];
    s[threadIdx.x] = x[threadIdx.x + p.idx[k & 3]];
    if (p.flag > 0) {
        __syncthreads();
        out[threadIdx.x] = s[threadIdx.x ^ 1];
    }
}

// Error (seed): for (i = tid; i < n; i += blockDim.x) around barriers, followed by reads of the tile: a thread that
// leaves the loop early reads the running total that thread 0, still in the loop, rewrites (a race).
extern "C" __global__ void strided_loop_reads_tile_bad(float* out, const float* x, int n) {
    __shared__ float tile[257];
    if (threadIdx.x == 0) tile[256] = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        tile[threadIdx.x] = x[i];
        __syncthreads();
        if (threadIdx.x == 0) { float s = tile[256]; for (int j = 0; j < min((int)blockDim.x, n - i); ++j) s += tile[j]; tile[256] = s; }
        __syncthreads();
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = tile[256];
}
extern "C" __global__ void strided_loop_reads_tile_fixed(float* out, const float* x, int n) {
    __shared__ float tile[257];
    if (threadIdx.x == 0) tile[256] = 0.f;
    for (int base = 0; base < n; base += blockDim.x) {
        const int i = base + threadIdx.x;
        tile[threadIdx.x] = i < n ? x[i] : 0.f;
        __syncthreads();
        if (threadIdx.x == 0) { float s = tile[256]; for (int j = 0; j < blockDim.x; ++j) s += tile[j]; tile[256] = s; }
        __syncthreads();
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = tile[256];
}

// Error (seed): a barrier inside if (tid < 32), followed by reads of a value warp 0 stored: warps 1.. skip the barrier
// and read `total` while thread 0 writes it.
extern "C" __global__ void warp0_total_bad(float* out, const float* x, int n) {
    __shared__ float part[32];
    __shared__ float total;
    const int t = threadIdx.x;
    if (t < 32) {
        float v = 0.f;
        for (int j = t; j < n; j += 32) v += x[j];
        part[t] = v;
        __syncthreads();
        if (t == 0) { float s = 0.f; for (int j = 0; j < 32; ++j) s += part[j]; total = s; }
    }
    out[t] = total;
}
extern "C" __global__ void warp0_total_fixed(float* out, const float* x, int n) {
    __shared__ float part[32];
    __shared__ float total;
    const int t = threadIdx.x;
    if (t < 32) {
        float v = 0.f;
        for (int j = t; j < n; j += 32) v += x[j];
        part[t] = v;
    }
    __syncthreads();
    if (t == 0) { float s = 0.f; for (int j = 0; j < 32; ++j) s += part[j]; total = s; }
    __syncthreads();
    out[t] = total;
}
