// PTX001 shared-address-64bit -- BAD sample.
//
// Bug: rmsnorm_batched reaches its shared-memory reduction buffer through
// 64-bit addresses: the generic pointer &s_red[tid] is turned into a shared
// address with `cvta.to.shared.u64` and then used as `ld/st.shared.f32 [%rd]`.
// Shared addresses live in a 32-bit window; PTX truncates the 64-bit register.
// Its single-vector twin `rmsnorm` (same math, one row) uses plain C++ shared
// indexing, which nvcc lowers to 32-bit `mov.u32 %r, s_red` addresses.
// Correct on sm_89/sm_90 in practice: the hazard is portability, not this device.
//
// Launch:
//   rmsnorm_batched(float* out, const float* in, const float* weight, int n, float eps)
//     grid = (rows, 1, 1), block = (256, 1, 1) (blockDim.x must be a power of two <= 256),
//     in/out: rows*n floats, weight: n floats, e.g. rows = 4, n = 1024, eps = 1e-6.
//   rmsnorm(float* out, const float* in, const float* weight, int n, float eps)
//     grid = (1, 1, 1), block = (256, 1, 1), in/out/weight: n floats.
// Correct result: out[r*n + i] = in[r*n + i] * weight[i] * rsqrt(mean_i(in[r*n+i]^2) + eps);
// rmsnorm_batched with rows = 1 must equal rmsnorm bit for bit (parity).
#include <cstdint>

#define RMS_BLOCK 256

__device__ __forceinline__ void st_shared_f32_u64(float* generic_ptr, float v) {
    unsigned long long sa;
    asm volatile("cvta.to.shared.u64 %0, %1;" : "=l"(sa) : "l"(generic_ptr));
    asm volatile("st.shared.f32 [%0], %1;" :: "l"(sa), "f"(v) : "memory");
}

__device__ __forceinline__ float ld_shared_f32_u64(const float* generic_ptr) {
    unsigned long long sa;
    float v;
    asm volatile("cvta.to.shared.u64 %0, %1;" : "=l"(sa) : "l"(generic_ptr));
    asm volatile("ld.shared.f32 %0, [%1];" : "=f"(v) : "l"(sa) : "memory");
    return v;
}

extern "C" __global__ void rmsnorm_batched(float* out, const float* in, const float* weight,
                                           int n, float eps) {
    __shared__ float s_red[RMS_BLOCK];
    __shared__ float s_inv_rms;
    const int tid = threadIdx.x;
    const float* x = in + (size_t)blockIdx.x * n;
    float* y = out + (size_t)blockIdx.x * n;

    float ss = 0.f;
    for (int i = tid; i < n; i += blockDim.x) ss += x[i] * x[i];
    st_shared_f32_u64(&s_red[tid], ss);            // st.shared.f32 [%rd]
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) { // CTA-uniform trip count
        if (tid < s)
            st_shared_f32_u64(&s_red[tid],
                              ld_shared_f32_u64(&s_red[tid]) + ld_shared_f32_u64(&s_red[tid + s]));
        __syncthreads();
    }
    if (tid == 0) st_shared_f32_u64(&s_inv_rms, rsqrtf(ld_shared_f32_u64(&s_red[0]) / n + eps));
    __syncthreads();
    const float inv = ld_shared_f32_u64(&s_inv_rms);
    for (int i = tid; i < n; i += blockDim.x) y[i] = x[i] * inv * weight[i];
}

// Single-vector twin: 32-bit shared addresses (nvcc: mov.u32 %r, s_red; st.shared.f32 [%r]).
extern "C" __global__ void rmsnorm(float* out, const float* in, const float* weight,
                                   int n, float eps) {
    __shared__ float s_red[RMS_BLOCK];
    __shared__ float s_inv_rms;
    const int tid = threadIdx.x;

    float ss = 0.f;
    for (int i = tid; i < n; i += blockDim.x) ss += in[i] * in[i];
    s_red[tid] = ss;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) s_red[tid] = s_red[tid] + s_red[tid + s];
        __syncthreads();
    }
    if (tid == 0) s_inv_rms = rsqrtf(s_red[0] / n + eps);
    __syncthreads();
    const float inv = s_inv_rms;
    for (int i = tid; i < n; i += blockDim.x) out[i] = in[i] * inv * weight[i];
}
