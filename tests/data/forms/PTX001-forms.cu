// PTX001 shared-address-64bit: the incident's forms, each as a buggy kernel and its fixed twin.
// Compiled with nvcc 13 (-arch=sm_90a -ptx, with and without -lineinfo) on the GPU machine and with
// clang-19 (../shared/tools/cuda2ptx); the PTX is kept beside this file and checked by PTX001FormsTests.

__shared__ float red[256];   // namespace scope: the PTX symbol is `red`

// 1. A 32-bit shared address widened to 64 bits for an inline-asm "l" operand.
extern "C" __global__ void widened_bad(float* out, const float* x) {
    unsigned a = (unsigned)__cvta_generic_to_shared(&red[threadIdx.x]);
    asm volatile("st.shared.f32 [%0], %1;" :: "l"((unsigned long long)a), "f"(x[threadIdx.x]) : "memory");
    __syncthreads();
    out[threadIdx.x] = red[255 - threadIdx.x];
}
extern "C" __global__ void widened_fixed(float* out, const float* x) {
    unsigned a = (unsigned)__cvta_generic_to_shared(&red[threadIdx.x]);
    asm volatile("st.shared.f32 [%0], %1;" :: "r"(a), "f"(x[threadIdx.x]) : "memory");
    __syncthreads();
    out[threadIdx.x] = red[255 - threadIdx.x];
}

// 2. A generic address used in the shared state space (works where the generic shared window starts at 0).
extern "C" __global__ void generic_bad(float* out, const float* x) {
    red[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    float v;
    asm volatile("ld.shared.f32 %0, [%1];" : "=f"(v) : "l"(&red[255 - threadIdx.x]));
    out[threadIdx.x] = v;
}
extern "C" __global__ void generic_fixed(float* out, const float* x) {
    red[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    float v;
    asm volatile("ld.shared.f32 %0, [%1];" : "=f"(v) : "r"((unsigned)__cvta_generic_to_shared(&red[255 - threadIdx.x])));
    out[threadIdx.x] = v;
}

// 3. cvta.to.shared.u64 kept 64-bit.
extern "C" __global__ void cvta64_bad(float* out, const float* x) {
    red[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    float v;
    asm volatile("ld.shared.f32 %0, [%1];" : "=f"(v) : "l"(__cvta_generic_to_shared(&red[255 - threadIdx.x])));
    out[threadIdx.x] = v;
}
extern "C" __global__ void cvta64_fixed(float* out, const float* x) {
    red[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    float v;
    asm volatile("ld.shared.f32 %0, [%1];" : "=f"(v) : "r"((unsigned)__cvta_generic_to_shared(&red[255 - threadIdx.x])));
    out[threadIdx.x] = v;
}
