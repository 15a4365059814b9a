// PTX008 tmem-lifecycle -- BAD sample (sm_100a, tensor memory).
//
// Bugs in tmem_lifecycle_bad:
//  1. no tcgen05.relinquish_alloc_permit after the alloc (other CTAs on the SM
//     that want TMEM can stall until this CTA exits);
//  2. `if (skip) return;` after the alloc: a path to exit without tcgen05.dealloc
//     (the columns leak; exiting with TMEM still allocated is an error);
//  3. the registers written by tcgen05.ld are stored to global memory BEFORE
//     tcgen05.wait::ld: their contents are undefined until the wait completes.
//
// Launch: tmem_lifecycle_bad(const float* in, float* out, int skip)
//   grid = (1, 1, 1), block = (128, 1, 1), in/out: 128 x 32 floats row-major, in = iota,
//   skip = 0 (skip = 1 exercises the leaking early return). Needs a Blackwell GPU (sm_100a).
// Correct result: out == in when skip == 0; out untouched when skip != 0; TMEM freed on every path.

#include "tmem_helpers.cuh"

#define TMEM_COLS 128u
#define NCOL 32
#define NCHUNK (NCOL / 8)

extern "C" __global__ void __launch_bounds__(128) tmem_lifecycle_bad(const float* in, float* out,
                                                                     int skip) {
    __shared__ uint32_t s_tmem_base;
    const int warp = threadIdx.x / 32;
    const int row = threadIdx.x;

    if (warp == 0) tmem_alloc(smem_u32(&s_tmem_base), TMEM_COLS);   // BUG 1: no relinquish
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    if (skip) return;                                                // BUG 2: leaks the columns
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
#pragma unroll
        for (int j = 0; j < 8; ++j) out[row * NCOL + n * 8 + j] = __uint_as_float(r[j]);  // BUG 3
        tmem_wait_ld_plain();
    }

    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    if (warp == 0) tmem_dealloc(tmem_base, TMEM_COLS);
}
