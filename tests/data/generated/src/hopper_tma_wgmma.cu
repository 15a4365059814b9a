// Parser-corpus kernel (sm_90a): warp-specialized bf16 GEMM tile with TMA loads,
// mbarrier full/empty pipelines (try_wait loops), setmaxnreg, elect.sync,
// fence.proxy.async, cluster launch (__cluster_dims__ + barrier.cluster) and wgmma.
// Compile-only corpus input: the tensor maps must be built on the host
// (cuTensorMapEncodeTiled, 128B swizzle, box {64, 64} for A and {64, 16} for B);
// the numerics were not validated.
// Launch: grid (M/64, N/16) in clusters of 2 along x, block 256 (warpgroup 0 = producer,
// warpgroup 1 = consumer), C: M x N floats.
#include <cstdint>
#include <cstdint>   // bf16 operands are passed and staged as raw uint16_t bits
#include <cooperative_groups.h>
namespace cg = cooperative_groups;

struct alignas(64) TmaDescriptor { uint64_t opaque[16]; };

#define BM 64
#define BN 16
#define BK 64
#define STAGES 3

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void mbar_init(uint64_t* bar, uint32_t count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(smem_u32(bar)), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_arrive_expect_tx(uint64_t* bar, uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;"
                 :: "r"(smem_u32(bar)), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint64_t* bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" :: "r"(smem_u32(bar)) : "memory");
}
__device__ __forceinline__ void mbar_wait(uint64_t* bar, uint32_t parity) {
    uint32_t done;
    do {
        asm volatile("{\n\t.reg .pred p;\n\t"
                     "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2, %3;\n\t"
                     "selp.b32 %0, 1, 0, p;\n\t}"
                     : "=r"(done) : "r"(smem_u32(bar)), "r"(parity), "r"(0x989680) : "memory");
    } while (!done);
}
__device__ __forceinline__ void tma_load_2d(void* dst, const TmaDescriptor* map, uint64_t* bar,
                                            int c0, int c1) {
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
                 " [%0], [%1, {%3, %4}], [%2];"
                 :: "r"(smem_u32(dst)), "l"(reinterpret_cast<uint64_t>(map)), "r"(smem_u32(bar)),
                    "r"(c0), "r"(c1) : "memory");
}
__device__ __forceinline__ void tma_prefetch_desc(const TmaDescriptor* map) {
    asm volatile("prefetch.tensormap [%0];" :: "l"(reinterpret_cast<uint64_t>(map)) : "memory");
}
__device__ __forceinline__ bool elect_one() {
    uint32_t pred = 0, laneid = 0;
    asm volatile("{\n\t.reg .b32 %%rx;\n\t.reg .pred %%px;\n\t"
                 "elect.sync %%rx|%%px, %2;\n\t"
                 "@%%px mov.s32 %1, 1;\n\t"
                 "mov.s32 %0, %%rx;\n\t}"
                 : "+r"(laneid), "+r"(pred) : "r"(0xFFFFFFFFu));
    return pred != 0;
}
template <int N> __device__ __forceinline__ void setmaxnreg_inc() {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" :: "n"(N));
}
template <int N> __device__ __forceinline__ void setmaxnreg_dec() {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" :: "n"(N));
}
// K-major, 128B-swizzled smem operand: SBO = 1024 bytes (8 rows x 128 B), layout type 1 in bits 62-63.
__device__ __forceinline__ uint64_t wgmma_desc(const void* p) {
    const uint32_t a = smem_u32(p);
    uint64_t d = (uint64_t)((a & 0x3FFFF) >> 4);
    d |= (uint64_t)1 << 16;
    d |= (uint64_t)(1024 >> 4) << 32;
    d |= (uint64_t)1 << 62;
    return d;
}
__device__ __forceinline__ void wgmma_m64n16k16(float (&d)[8], uint64_t da, uint64_t db, int scale_d) {
    asm volatile("{\n\t.reg .pred p;\n\t"
                 "setp.ne.b32 p, %10, 0;\n\t"
                 "wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 "
                 "{%0, %1, %2, %3, %4, %5, %6, %7}, %8, %9, p, 1, 1, 0, 0;\n\t}"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]),
                   "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7])
                 : "l"(da), "l"(db), "r"(scale_d));
}

extern "C" __global__ void __cluster_dims__(2, 1, 1) __launch_bounds__(256, 1)
gemm_bf16_tma_wgmma_ws(const __grid_constant__ TmaDescriptor tmA,
                       const __grid_constant__ TmaDescriptor tmB, float* C, int M, int N, int K) {
    __shared__ __align__(1024) uint16_t sA[STAGES][BM * BK];
    __shared__ __align__(1024) uint16_t sB[STAGES][BN * BK];
    __shared__ __align__(8) uint64_t full_bar[STAGES], empty_bar[STAGES];

    cg::cluster_group cluster = cg::this_cluster();
    const int wg = threadIdx.x / 128;
    const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
    const int ktiles = K / BK;

    if (threadIdx.x == 0) {
        tma_prefetch_desc(&tmA);
        tma_prefetch_desc(&tmB);
        for (int s = 0; s < STAGES; ++s) { mbar_init(&full_bar[s], 1); mbar_init(&empty_bar[s], 128); }
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
    }
    cluster.sync();

    if (wg == 0) {                                    // producer warpgroup
        setmaxnreg_dec<40>();
        if (threadIdx.x / 32 == 0 && elect_one()) {
            for (int kt = 0; kt < ktiles; ++kt) {
                const int s = kt % STAGES;
                if (kt >= STAGES) mbar_wait(&empty_bar[s], ((kt / STAGES) - 1) & 1);
                mbar_arrive_expect_tx(&full_bar[s], (BM + BN) * BK * sizeof(uint16_t));
                tma_load_2d(sA[s], &tmA, &full_bar[s], kt * BK, m0);
                tma_load_2d(sB[s], &tmB, &full_bar[s], kt * BK, n0);
            }
        }
    } else {                                          // consumer warpgroup
        setmaxnreg_inc<232>();
        float acc[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[i] = 0.f;
        for (int kt = 0; kt < ktiles; ++kt) {
            const int s = kt % STAGES;
            mbar_wait(&full_bar[s], (kt / STAGES) & 1);
            asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
#pragma unroll
            for (int kk = 0; kk < BK / 16; ++kk)
                wgmma_m64n16k16(acc, wgmma_desc(&sA[s][kk * 16]), wgmma_desc(&sB[s][kk * 16]),
                                (kt > 0 || kk > 0) ? 1 : 0);
            asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
            asm volatile("wgmma.wait_group.sync.aligned %0;" :: "n"(0) : "memory");
            mbar_arrive(&empty_bar[s]);
        }
        const int t = threadIdx.x - 128, w = t / 32, l = t % 32;
        const int r0 = m0 + w * 16 + l / 4;
#pragma unroll
        for (int j = 0; j < BN / 8; ++j) {
            const int c = n0 + j * 8 + (l % 4) * 2;
            if (r0 < M && c + 1 < N) {
                C[(size_t)r0 * N + c] = acc[4 * j];
                C[(size_t)r0 * N + c + 1] = acc[4 * j + 1];
            }
            if (r0 + 8 < M && c + 1 < N) {
                C[(size_t)(r0 + 8) * N + c] = acc[4 * j + 2];
                C[(size_t)(r0 + 8) * N + c + 1] = acc[4 * j + 3];
            }
        }
    }
    cluster.sync();
}
