// PTX002: a one-CTA-per-row batched kernel launched with gridDim.y = rows that never reads any %ctaid; its stores
// sit in a column loop `for (i = threadIdx.x; i < n; i += blockDim.x)`, which walks columns, not rows.
extern "C" __global__ void scale_batched_bad(float* out, const float* in, float s, int n) {
    for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = in[i] * s;   // BUG: no row = blockIdx.y
}
extern "C" __global__ void scale_batched_fixed(float* out, const float* in, float s, int n) {
    const size_t row = blockIdx.y;
    out += row * n;
    in += row * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = in[i] * s;
}
// Not batched by rows: a grid-stride loop over a flat batch (must stay silent).
extern "C" __global__ void make_batch_pointers(float** ptrs, float* base, long batch, long stride) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < batch; i += (long)blockDim.x * gridDim.x)
        ptrs[i] = base + i * stride;
}
