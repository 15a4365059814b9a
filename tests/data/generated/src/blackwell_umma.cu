// Parser-corpus kernel (sm_100a): bf16 GEMM tile on tensor memory. Operands come
// pre-tiled in the no-swizzle K-major core-matrix layout and are loaded with 1D
// bulk copies (cp.async.bulk + mbarrier complete_tx), one thread issues
// tcgen05.mma (kind::f16, M=128, N=128) per K step, tcgen05.commit arrives on an
// mbarrier, and the epilogue reads the accumulator with tcgen05.ld .32x32b.x16.
// Compile-only corpus input (needs a Blackwell GPU to run; numerics not validated).
// Build: nvcc -arch=sm_100a -ptx -I samples/cuda tests/data/generated/src/blackwell_umma.cu
// Launch: grid (M/128, N/128), block 128; A tiles: (M/128) x (K/16) x 128x16 bf16,
//   B tiles: (N/128) x (K/16) x 128x16 bf16, C: M x N floats.
#include <cstdint>   // bf16 operands are passed and staged as raw uint16_t bits
#include "tmem_helpers.cuh"

#define TM 128
#define TN 128
#define TK 16
#define TILE_BYTES (TM * TK * 2)

__device__ __forceinline__ bool elect_one() {
    uint32_t pred = 0, laneid = 0;
    asm volatile("{\n\t.reg .b32 %%rx;\n\t.reg .pred %%px;\n\t"
                 "elect.sync %%rx|%%px, %2;\n\t"
                 "@%%px mov.s32 %1, 1;\n\t"
                 "mov.s32 %0, %%rx;\n\t}"
                 : "+r"(laneid), "+r"(pred) : "r"(0xFFFFFFFFu));
    return pred != 0;
}
__device__ __forceinline__ void bulk_load(void* dst, const void* src, uint32_t bytes, uint32_t mbar) {
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
                 :: "r"(smem_u32(dst)), "l"(src), "r"(bytes), "r"(mbar) : "memory");
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t mbar, uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(mbar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void tmem_ld_x16(uint32_t taddr, uint32_t (&r)[16]) {
    asm volatile("tcgen05.ld.sync.aligned.32x32b.x16.b32 "
                 "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15}, [%16];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]), "=r"(r[4]), "=r"(r[5]),
                   "=r"(r[6]), "=r"(r[7]), "=r"(r[8]), "=r"(r[9]), "=r"(r[10]), "=r"(r[11]),
                   "=r"(r[12]), "=r"(r[13]), "=r"(r[14]), "=r"(r[15])
                 : "r"(taddr) : "memory");
}

extern "C" __global__ void __launch_bounds__(128, 1)
umma_gemm_bf16(const uint16_t* A_tiles, const uint16_t* B_tiles, float* C,
               int M, int N, int K) {
    __shared__ __align__(128) uint16_t sA[TM * TK];
    __shared__ __align__(128) uint16_t sB[TN * TK];
    __shared__ __align__(8) uint64_t s_load_bar, s_mma_bar;
    __shared__ uint32_t s_tmem_base;
    const int tid = threadIdx.x, warp = tid / 32;
    const int ktiles = K / TK;
    const uint16_t* a_src = A_tiles + (size_t)blockIdx.x * ktiles * TM * TK;
    const uint16_t* b_src = B_tiles + (size_t)blockIdx.y * ktiles * TN * TK;

    if (warp == 0) {
        tmem_alloc(smem_u32(&s_tmem_base), TN);
        tmem_relinquish();
    }
    if (tid == 0) {
        mbar_init(smem_u32(&s_load_bar), 1);
        mbar_init(smem_u32(&s_mma_bar), 1);
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    }
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    const uint32_t tmem_base = s_tmem_base;
    const uint32_t idesc = UMMA_IDESC_BF16_F32(TM, TN);

    for (int kt = 0; kt < ktiles; ++kt) {
        if (warp == 0 && elect_one()) {
            mbar_expect_tx(smem_u32(&s_load_bar), 2 * TILE_BYTES);
            bulk_load(sA, a_src + (size_t)kt * TM * TK, TILE_BYTES, smem_u32(&s_load_bar));
            bulk_load(sB, b_src + (size_t)kt * TN * TK, TILE_BYTES, smem_u32(&s_load_bar));
        }
        mbar_wait_parity(smem_u32(&s_load_bar), kt & 1);
        tc_fence_after();
        if (warp == 0 && elect_one()) {
            umma_f16_ss(tmem_base, smem_desc_noswizzle(smem_u32(sA), 128, 256),
                        smem_desc_noswizzle(smem_u32(sB), 128, 256), idesc, kt > 0 ? 1u : 0u);
            umma_commit(smem_u32(&s_mma_bar));
        }
        mbar_wait_parity(smem_u32(&s_mma_bar), kt & 1);   // smem tile free, D updated
        tc_fence_after();
    }

    const uint32_t lane_off = (uint32_t)(warp * 32) << 16;
    const int row = blockIdx.x * TM + tid;
#pragma unroll 1
    for (int n = 0; n < TN / 16; ++n) {
        uint32_t r[16];
        tmem_ld_x16(tmem_base + lane_off + n * 16, r);
        asm volatile("tcgen05.wait::ld.sync.aligned;" ::: "memory");
        if (row < M) {
#pragma unroll
            for (int j = 0; j < 16; ++j) {
                const int col = blockIdx.y * TN + n * 16 + j;
                if (col < N) C[(size_t)row * N + col] = __uint_as_float(r[j]);
            }
        }
    }
    tc_fence_before();
    __syncthreads();
    tc_fence_after();
    if (warp == 0) tmem_dealloc(tmem_base, TN);
}
