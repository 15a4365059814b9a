// Parser-corpus kernels (sm_90a and sm_100a): cooperative groups reductions,
// warp intrinsics (shfl/ballot/match/redux), a cp.async double-buffered
// pipeline, inlined device functions (-lineinfo gives `.loc ... inlined_at`),
// non-inlined device functions called directly (.func + call.uni with .param)
// and through a function-pointer table (.callprototype + indirect call), and a
// printf (vprintf call with a local .param buffer).
// Launches:
//   softmax_rows_cg(in, out, cols, debug):       grid rows, block 256, cols <= 4096.
//   bias_act_indirect(out, in, bias, n, cols, act): grid ceil(n/256), block 256, act in 0..2.
//   row_sum_cp_async(in, out, vec_per_row):     grid rows, block 128, in: rows*vec_per_row float4.
//   warp_argmax(logits, idx, vocab):            grid rows, block 32.
#include <cstdio>
#include <cstdint>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cuda_pipeline.h>
namespace cg = cooperative_groups;

__device__ __forceinline__ float gelu_tanh(float x) {
    const float k0 = 0.7978845608f, k1 = 0.044715f;
    return 0.5f * x * (1.f + tanhf(k0 * (x + k1 * x * x * x)));
}
__device__ __forceinline__ float silu(float x) { return x / (1.f + __expf(-x)); }

__device__ __noinline__ float act_relu(float x) { return fmaxf(x, 0.f); }
__device__ __noinline__ float act_gelu(float x) { return gelu_tanh(x); }
__device__ __noinline__ float act_silu(float x) { return silu(x); }

typedef float (*act_fn)(float);
__device__ act_fn g_acts[3] = {act_relu, act_gelu, act_silu};

__device__ __forceinline__ float block_reduce_max(cg::thread_block block, float v, float* s_warp) {
    cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
    v = cg::reduce(tile, v, cg::greater<float>());
    if (tile.thread_rank() == 0) s_warp[tile.meta_group_rank()] = v;
    block.sync();
    float r = -INFINITY;
    for (int i = 0; i < (int)tile.meta_group_size(); ++i) r = fmaxf(r, s_warp[i]);
    block.sync();
    return r;
}
__device__ __forceinline__ float block_reduce_sum(cg::thread_block block, float v, float* s_warp) {
    cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
    v = cg::reduce(tile, v, cg::plus<float>());
    if (tile.thread_rank() == 0) s_warp[tile.meta_group_rank()] = v;
    block.sync();
    float r = 0.f;
    for (int i = 0; i < (int)tile.meta_group_size(); ++i) r += s_warp[i];
    block.sync();
    return r;
}

extern "C" __global__ void __launch_bounds__(256) softmax_rows_cg(const float* in, float* out,
                                                                  int cols, int debug) {
    __shared__ float s_warp[32];
    cg::thread_block block = cg::this_thread_block();
    const float* x = in + (size_t)blockIdx.x * cols;
    float* y = out + (size_t)blockIdx.x * cols;
    float mx = -INFINITY;
    for (int i = block.thread_rank(); i < cols; i += block.size()) mx = fmaxf(mx, x[i]);
    mx = block_reduce_max(block, mx, s_warp);
    float sum = 0.f;
    for (int i = block.thread_rank(); i < cols; i += block.size()) sum += __expf(x[i] - mx);
    sum = block_reduce_sum(block, sum, s_warp);
    if (debug && block.thread_rank() == 0 && !(sum > 0.f && sum < INFINITY))
        printf("softmax_rows_cg: row %d has sum %f (max %f, cols %d)\n", (int)blockIdx.x,
               (double)sum, (double)mx, cols);
    const float inv = 1.f / sum;
    for (int i = block.thread_rank(); i < cols; i += block.size()) y[i] = __expf(x[i] - mx) * inv;
}

extern "C" __global__ void bias_act_indirect(float* out, const float* in, const float* bias,
                                             int n, int cols, int act) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const float v = in[i] + bias[i % cols];
    const act_fn f = g_acts[act];                     // indirect call: .callprototype
    out[i] = (act == 0) ? act_relu(v) : f(v);         // direct call to a .func as well
}

#define CP_STAGE 128
extern "C" __global__ void __launch_bounds__(128) row_sum_cp_async(const float4* in, float* out,
                                                                   int vec_per_row) {
    __shared__ float4 s_buf[2][CP_STAGE];
    __shared__ float s_warp[4];
    const float4* row = in + (size_t)blockIdx.x * vec_per_row;
    const int tid = threadIdx.x;
    const int ntiles = (vec_per_row + CP_STAGE - 1) / CP_STAGE;
    float acc = 0.f;
    if (tid < vec_per_row) __pipeline_memcpy_async(&s_buf[0][tid], &row[tid], sizeof(float4));
    __pipeline_commit();
    for (int t = 0; t < ntiles; ++t) {
        const int nxt = (t + 1) * CP_STAGE + tid;
        if (t + 1 < ntiles && nxt < vec_per_row)
            __pipeline_memcpy_async(&s_buf[(t + 1) & 1][tid], &row[nxt], sizeof(float4));
        __pipeline_commit();
        __pipeline_wait_prior(1);
        __syncthreads();
        if (t * CP_STAGE + tid < vec_per_row) {
            const float4 v = s_buf[t & 1][tid];
            acc += (v.x + v.y) + (v.z + v.w);
        }
        __syncthreads();
    }
    for (int o = 16; o > 0; o >>= 1) acc += __shfl_down_sync(0xffffffffu, acc, o);
    if ((tid & 31) == 0) s_warp[tid >> 5] = acc;
    __syncthreads();
    if (tid == 0) out[blockIdx.x] = (s_warp[0] + s_warp[1]) + (s_warp[2] + s_warp[3]);
}

extern "C" __global__ void warp_argmax(const float* logits, int* idx, int vocab) {
    const float* x = logits + (size_t)blockIdx.x * vocab;
    const unsigned lane = threadIdx.x & 31;
    float best = -INFINITY;
    int best_i = 0x7fffffff;
    for (int i = lane; i < vocab; i += 32) {
        const float v = x[i];
        if (v > best) { best = v; best_i = i; }
    }
    for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, best, o);
        const int oi = __shfl_xor_sync(0xffffffffu, best_i, o);
        if (ov > best || (ov == best && oi < best_i)) { best = ov; best_i = oi; }
    }
    const unsigned ties = __ballot_sync(0xffffffffu, x[lane % vocab] == best);
    const unsigned same = __match_any_sync(__activemask(), best_i);
    const unsigned mn = __reduce_min_sync(0xffffffffu, (unsigned)best_i);
    if (lane == 0) idx[blockIdx.x] = (__popc(ties) > 0 && __popc(same) == 32) ? best_i : (int)mn;
}
