// PTX001: the fixed builder keeps the shared address 32-bit, like its single-vector twin.
__shared__ float red[256];

extern "C" __global__ void rmsnorm(float* out, const float* x) {
    red[threadIdx.x] = x[threadIdx.x] * x[threadIdx.x];
    __syncthreads();
    out[threadIdx.x] = red[255 - threadIdx.x];
}
extern "C" __global__ void rmsnorm_batched(float* out, const float* x) {
    const float v = x[blockIdx.y * 256 + threadIdx.x];
    asm volatile("{ .reg .u32 a; .reg .u32 o; mov.u32 a, red; mul.lo.u32 o, %0, 4; add.u32 a, a, o; st.shared.f32 [a], %1; }"
                 :: "r"(threadIdx.x), "f"(v * v) : "memory");
    __syncthreads();
    out[blockIdx.y * 256 + threadIdx.x] = red[255 - threadIdx.x];
}
