// PTX001 shared-address-64bit -- FIXED sample.
//
// Fix: rmsnorm_batched indexes its __shared__ arrays directly, so nvcc emits
// 32-bit shared addresses (`mov.u32 %r, s_red` + 32-bit arithmetic,
// `ld/st.shared.f32 [%r]`), exactly like its single-vector twin `rmsnorm`.
//
// Launch:
//   rmsnorm_batched(float* out, const float* in, const float* weight, int n, float eps)
//     grid = (rows, 1, 1), block = (256, 1, 1) (blockDim.x must be a power of two <= 256),
//     in/out: rows*n floats, weight: n floats, e.g. rows = 4, n = 1024, eps = 1e-6.
//   rmsnorm(float* out, const float* in, const float* weight, int n, float eps)
//     grid = (1, 1, 1), block = (256, 1, 1), in/out/weight: n floats.
// Correct result: out[r*n + i] = in[r*n + i] * weight[i] * rsqrt(mean_i(in[r*n+i]^2) + eps);
// rmsnorm_batched with rows = 1 must equal rmsnorm bit for bit (parity).
#define RMS_BLOCK 256

extern "C" __global__ void rmsnorm_batched(float* out, const float* in, const float* weight,
                                           int n, float eps) {
    __shared__ float s_red[RMS_BLOCK];
    __shared__ float s_inv_rms;
    const int tid = threadIdx.x;
    const float* x = in + (size_t)blockIdx.x * n;
    float* y = out + (size_t)blockIdx.x * n;

    float ss = 0.f;
    for (int i = tid; i < n; i += blockDim.x) ss += x[i] * x[i];
    s_red[tid] = ss;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) s_red[tid] = s_red[tid] + s_red[tid + s];
        __syncthreads();
    }
    if (tid == 0) s_inv_rms = rsqrtf(s_red[0] / n + eps);
    __syncthreads();
    const float inv = s_inv_rms;
    for (int i = tid; i < n; i += blockDim.x) y[i] = x[i] * inv * weight[i];
}

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
