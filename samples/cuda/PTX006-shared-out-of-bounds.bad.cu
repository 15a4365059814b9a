// PTX006 shared-out-of-bounds -- BAD sample (two kernels).
//
// Bug: a block reduction keeps the 4 per-warp abs-max values "in s_amax", but
// s_amax is declared as ONE float. Thread 0 writes 4 floats to &s_amax and every
// thread reads them back, reaching 12 bytes past the symbol into whatever ptxas
// placed next (s_inv_rms, s_vals, ...):
//  rmsnorm_quant_amax:  one st.shared.v4.f32 [s_amax] (float4 store, 16 bytes into a 4-byte symbol)
//                       and one ld.shared.v4.f32 [s_amax].
//  absmax_rows_scalar:  four scalar stores at constant offsets s_amax+0/+4/+8/+12.
//
// Launch (both kernels, same parameters):
//   rmsnorm_quant_amax(float* out, float* scales, const float* in, const float* w, int n, float eps)
//   absmax_rows_scalar(float* out, float* scales, const float* in, const float* w, int n, float eps)
//     grid = (rows, 1, 1), block = (128, 1, 1) (exactly 4 warps), n a multiple of 128 and <= 1024,
//     in/out: rows*n floats, w: n floats, scales: rows floats; e.g. rows = 4, n = 512, eps = 1e-6.
// Correct result: inv = rsqrt(mean(in_row^2) + eps); out[r*n+i] = in[r*n+i] * inv * w[i];
//   scales[r] = max_i |in[r*n+i]| * inv / 127.
// Observed (this PTX on an H200): out and scales of both kernels are wrong (max abs error
// ~19): the neighbours are corrupted (compute-sanitizer memcheck was not run here).

#define NWARPS 4
#define MAXN 1024

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

extern "C" __global__ void rmsnorm_quant_amax(float* out, float* scales, const float* in,
                                              const float* w, int n, float eps) {
    __shared__ __align__(16) float s_amax;           // BUG: should be s_amax[NWARPS]
    __shared__ float s_inv_rms;
    __shared__ float s_vals[MAXN];
    __shared__ float s_wmax[NWARPS], s_wss[NWARPS];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const float* x = in + (size_t)blockIdx.x * n;

    float ss = 0.f, am = 0.f;
    for (int i = tid; i < n; i += blockDim.x) {
        const float v = x[i];
        s_vals[i] = v;
        ss += v * v;
        am = fmaxf(am, fabsf(v));
    }
    ss = warp_sum(ss);
    am = warp_max(am);
    if (lane == 0) { s_wss[warp] = ss; s_wmax[warp] = am; }
    __syncthreads();
    if (tid == 0) {
        s_inv_rms = rsqrtf((s_wss[0] + s_wss[1] + s_wss[2] + s_wss[3]) / n + eps);
        *reinterpret_cast<float4*>(&s_amax) =               // 16-byte store into a 4-byte symbol
            make_float4(s_wmax[0], s_wmax[1], s_wmax[2], s_wmax[3]);
    }
    __syncthreads();
    const float4 a4 = *reinterpret_cast<const float4*>(&s_amax);   // 16-byte load
    const float amax = fmaxf(fmaxf(a4.x, a4.y), fmaxf(a4.z, a4.w));
    const float inv = s_inv_rms;
    for (int i = tid; i < n; i += blockDim.x)
        out[(size_t)blockIdx.x * n + i] = s_vals[i] * inv * w[i];
    if (tid == 0) scales[blockIdx.x] = amax * inv / 127.f;
}

extern "C" __global__ void absmax_rows_scalar(float* out, float* scales, const float* in,
                                              const float* w, int n, float eps) {
    __shared__ float s_amax;                         // BUG: should be s_amax[NWARPS]
    __shared__ float s_inv_rms;
    __shared__ float s_vals[MAXN];
    __shared__ float s_wmax[NWARPS], s_wss[NWARPS];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const float* x = in + (size_t)blockIdx.x * n;

    float ss = 0.f, am = 0.f;
    for (int i = tid; i < n; i += blockDim.x) {
        const float v = x[i];
        s_vals[i] = v;
        ss += v * v;
        am = fmaxf(am, fabsf(v));
    }
    ss = warp_sum(ss);
    am = warp_max(am);
    if (lane == 0) { s_wss[warp] = ss; s_wmax[warp] = am; }
    __syncthreads();
    if (tid == 0) {
        s_inv_rms = rsqrtf((s_wss[0] + s_wss[1] + s_wss[2] + s_wss[3]) / n + eps);
        volatile float* a = &s_amax;                 // volatile: keep four scalar stores
        a[0] = s_wmax[0];
        a[1] = s_wmax[1];                            // s_amax+4: out of bounds
        a[2] = s_wmax[2];                            // s_amax+8
        a[3] = s_wmax[3];                            // s_amax+12
    }
    __syncthreads();
    volatile float* a = &s_amax;
    const float amax = fmaxf(fmaxf(a[0], a[1]), fmaxf(a[2], a[3]));
    const float inv = s_inv_rms;
    for (int i = tid; i < n; i += blockDim.x)
        out[(size_t)blockIdx.x * n + i] = s_vals[i] * inv * w[i];
    if (tid == 0) scales[blockIdx.x] = amax * inv / 127.f;
}
