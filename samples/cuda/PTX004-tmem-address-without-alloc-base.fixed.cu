// PTX004 tmem-address-without-alloc-base -- FIXED sample (sm_100a, tensor memory).
//
// Fix: every tcgen05.st / tcgen05.ld address is `tmem_base + lane_off + n * 8`,
// where tmem_base is the value tcgen05.alloc wrote to s_tmem_base.
//
// Launch: tmem_roundtrip(const float* in, float* out)
//   grid = (1, 1, 1), block = (128, 1, 1), in/out: 128 x 32 floats row-major, in = iota.
//   Needs a Blackwell GPU (sm_100a).
// Correct result: out == in.

#include "tmem_helpers.cuh"

#define TMEM_COLS 128u
#define NCOL 32
#define NCHUNK (NCOL / 8)

extern "C" __global__ void __launch_bounds__(128) tmem_roundtrip(const float* in, float* out) {
    __shared__ uint32_t s_tmem_base;
    const int warp = threadIdx.x / 32;
    const int row = threadIdx.x;

    if (warp == 0) {
        tmem_alloc(smem_u32(&s_tmem_base), TMEM_COLS);
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
    if (warp == 0) tmem_dealloc(tmem_base, TMEM_COLS);
}
