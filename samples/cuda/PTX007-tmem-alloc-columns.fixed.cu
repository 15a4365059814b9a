// PTX007 tmem-alloc-columns -- FIXED sample (sm_100a, tensor memory; same three kernels).
//
// Fixes: every alloc/dealloc uses a power of two in [32, 512] that covers the
// columns touched: tmem_alloc_npot allocates 128, tmem_ld_past_alloc allocates
// 256 (columns 0..199 used), umma_n256_alloc128 allocates 256 for its 128x256
// f32 accumulator (same idesc 0x08400490: M = 128, N = 256).
//
// Launches (all need a Blackwell GPU, sm_100a):
//  tmem_alloc_npot(const float* in, float* out)      grid 1, block 128, in/out: 128 x 32 floats. out == in.
//  tmem_ld_past_alloc(const float* in, float* out)   grid 1, block 128, in/out: 128 x 32 floats. out == in.
//  umma_n256_alloc128(const uint16_t* A, const uint16_t* B, float* D)
//      grid 1, block 128; A: 128 x 16 bf16, B: 256 x 16 bf16 (N x K), D: 128 x 256 floats. D = A * B^T.

#include <cstdint>   // bf16 operands are passed and staged as raw uint16_t bits
#include "tmem_helpers.cuh"

#define NCOL 32
#define NCHUNK (NCOL / 8)

#define NPOT_COLS 128u
extern "C" __global__ void __launch_bounds__(128) tmem_alloc_npot(const float* in, float* out) {
    __shared__ uint32_t s_tmem_base;
    const int warp = threadIdx.x / 32;
    const int row = threadIdx.x;
    if (warp == 0) {
        tmem_alloc(smem_u32(&s_tmem_base), NPOT_COLS);
        tmem_relinquish();
    }
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    const uint32_t tmem_base = s_tmem_base;
    const uint32_t lane_off = (uint32_t)(warp * 32) << 16;
#pragma unroll
    for (int n = 0; n < NCHUNK; ++n) {
        float v[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) v[j] = in[row * NCOL + n * 8 + j];
        tmem_st_x8(tmem_base + lane_off + n * 8, v);
    }
    tmem_wait_st();
#pragma unroll
    for (int n = 0; n < NCHUNK; ++n) {
        uint32_t r[8];
        tmem_ld_x8(tmem_base + lane_off + n * 8, r);
        tmem_wait_ld(r);
#pragma unroll
        for (int j = 0; j < 8; ++j) out[row * NCOL + n * 8 + j] = __uint_as_float(r[j]);
    }
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    if (warp == 0) tmem_dealloc(tmem_base, NPOT_COLS);
}

#define WIDE_COLS 256u
extern "C" __global__ void __launch_bounds__(128) tmem_ld_past_alloc(const float* in, float* out) {
    __shared__ uint32_t s_tmem_base;
    const int warp = threadIdx.x / 32;
    const int row = threadIdx.x;
    if (warp == 0) {
        tmem_alloc(smem_u32(&s_tmem_base), WIDE_COLS);
        tmem_relinquish();
    }
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    const uint32_t tmem_base = s_tmem_base;
    const uint32_t lane_off = (uint32_t)(warp * 32) << 16;
#pragma unroll
    for (int n = 0; n < NCHUNK; ++n) {
        float v[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) v[j] = in[row * NCOL + n * 8 + j];
        tmem_st_x8(tmem_base + lane_off + n * 64, v);
    }
    tmem_wait_st();
#pragma unroll
    for (int n = 0; n < NCHUNK; ++n) {
        uint32_t r[8];
        tmem_ld_x8(tmem_base + lane_off + n * 64, r);
        tmem_wait_ld(r);
#pragma unroll
        for (int j = 0; j < 8; ++j) out[row * NCOL + n * 8 + j] = __uint_as_float(r[j]);
    }
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    if (warp == 0) tmem_dealloc(tmem_base, WIDE_COLS);
}

#define MMA_M 128
#define MMA_N 256
#define MMA_K 16
#define TMEM_COLS 256u
extern "C" __global__ void __launch_bounds__(128) umma_n256_alloc128(const uint16_t* A,
                                                                     const uint16_t* B,
                                                                     float* D) {
    __shared__ __align__(128) uint16_t sA[MMA_M * MMA_K];
    __shared__ __align__(128) uint16_t sB[MMA_N * MMA_K];
    __shared__ __align__(8) uint64_t s_mma_done;
    __shared__ uint32_t s_tmem_base;
    const int tid = threadIdx.x, warp = tid / 32;

    for (int i = tid; i < MMA_M * MMA_K; i += blockDim.x) {
        const int r = i / MMA_K, k = i % MMA_K;
        sA[((r / 8) * 2 + k / 8) * 64 + (r % 8) * 8 + k % 8] = A[i];
    }
    for (int i = tid; i < MMA_N * MMA_K; i += blockDim.x) {
        const int r = i / MMA_K, k = i % MMA_K;
        sB[((r / 8) * 2 + k / 8) * 64 + (r % 8) * 8 + k % 8] = B[i];
    }
    if (warp == 0) {
        tmem_alloc(smem_u32(&s_tmem_base), TMEM_COLS);
        tmem_relinquish();
    }
    if (tid == 0) mbar_init(smem_u32(&s_mma_done), 1);
    asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    const uint32_t tmem_base = s_tmem_base;

    if (tid == 0) {
        const uint64_t adesc = smem_desc_noswizzle(smem_u32(sA), 128, 256);
        const uint64_t bdesc = smem_desc_noswizzle(smem_u32(sB), 128, 256);
        const uint32_t idesc = UMMA_IDESC_BF16_F32(MMA_M, MMA_N);
        umma_f16_ss(tmem_base, adesc, bdesc, idesc, 0);
        umma_commit(smem_u32(&s_mma_done));
    }
    mbar_wait_parity(smem_u32(&s_mma_done), 0);
    tc_fence_after();

    const uint32_t lane_off = (uint32_t)(warp * 32) << 16;
    const int row = tid;
#pragma unroll 1
    for (int n = 0; n < MMA_N / 8; ++n) {
        uint32_t r[8];
        tmem_ld_x8(tmem_base + lane_off + n * 8, r);
        tmem_wait_ld(r);
#pragma unroll
        for (int j = 0; j < 8; ++j) D[row * MMA_N + n * 8 + j] = __uint_as_float(r[j]);
    }
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    if (warp == 0) tmem_dealloc(tmem_base, TMEM_COLS);
}
