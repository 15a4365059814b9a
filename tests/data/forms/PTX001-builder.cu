// PTX001: a hand-written PTX builder keeps the shared symbol's address in a 64-bit register in the batched
// kernel, while the single-vector twin (ordinary nvcc code) uses 32-bit shared addresses.
__shared__ float red[256];

extern "C" __global__ void rmsnorm(float* out, const float* x) {
    red[threadIdx.x] = x[threadIdx.x] * x[threadIdx.x];
    __syncthreads();
    out[threadIdx.x] = red[255 - threadIdx.x];
}
extern "C" __global__ void rmsnorm_batched(float* out, const float* x) {
    const float v = x[blockIdx.y * 256 + threadIdx.x];
    asm volatile("{ .reg .u64 a; .reg .u64 o; mov.u64 a, red; mul.wide.u32 o, %0, 4; add.u64 a, a, o; st.shared.f32 [a], %1; }"
                 :: "r"(threadIdx.x), "f"(v * v) : "memory");
    __syncthreads();
    out[blockIdx.y * 256 + threadIdx.x] = red[255 - threadIdx.x];
}
