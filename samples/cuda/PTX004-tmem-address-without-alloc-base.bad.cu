// PTX004 tmem-address-without-alloc-base -- BAD sample (sm_100a, tensor memory).
//
// Bug: warp 0 allocates 128 TMEM columns; tcgen05.alloc writes the base address
// to the shared slot s_tmem_base, and every thread reads it back (ld.shared.u32).
// But the tcgen05.st / tcgen05.ld addresses are computed as `lane_off + n * 8`
// without adding that base (the `sg_off + n * 8` instead of `tb + sg_off + n * 8`
// bug): they touch columns the CTA may not own. Only the dealloc uses the base.
//
// Launch: tmem_roundtrip(const float* in, float* out)
//   grid = (1, 1, 1), block = (128, 1, 1) (4 warps = the 4 TMEM lane quadrants),
//   in/out: 128 x 32 floats row-major (thread t owns row t), in = iota.
//   Needs a Blackwell GPU (sm_100a): on Hopper the PTX does not load.
// Correct result: out == in (each thread stores its row to TMEM and reads it back).

#include "tmem_helpers.cuh"

#define TMEM_COLS 128u
#define NCOL 32          // columns used per row
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
    const uint32_t tmem_base = s_tmem_base;                 // ld.shared.u32 of the slot
    const uint32_t lane_off = (uint32_t)(warp * 32) << 16;  // TMEM lane quadrant of this warp

#pragma unroll
    for (int n = 0; n < NCHUNK; ++n) {
        float v[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) v[j] = in[row * NCOL + n * 8 + j];
        tmem_st_x8(lane_off + n * 8, v);                    // BUG: tmem_base not added
    }
    tmem_wait_st();
#pragma unroll
    for (int n = 0; n < NCHUNK; ++n) {
        uint32_t r[8];
        tmem_ld_x8(lane_off + n * 8, r);                    // BUG: tmem_base not added
        tmem_wait_ld(r);
#pragma unroll
        for (int j = 0; j < 8; ++j) out[row * NCOL + n * 8 + j] = __uint_as_float(r[j]);
    }

    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    if (warp == 0) tmem_dealloc(tmem_base, TMEM_COLS);
}
