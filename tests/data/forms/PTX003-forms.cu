// PTX003: the graph-mode position buffer, and look-alikes that must stay silent.

// Bad: a position scalar read through a pointer at a fixed address indexes the scatter store; the module also has the
// by-value twin (kv_append), which is what graph capture should use.
extern "C" __global__ void kv_append_graph(float* cache, const float* src, const int* pos_buf, int dim) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const int p = *pos_buf;                                  // stale under graph replay
    if (i < dim) cache[(size_t)p * dim + i] = src[i];
}
extern "C" __global__ void kv_append(float* cache, const float* src, int pos, int dim) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < dim) cache[(size_t)pos * dim + i] = src[i];
}
// Silent: the slot is looked up per token (indexed by %ctaid.y), as vLLM's slot_mapping.
extern "C" __global__ void kv_scatter_slots(float* cache, const float* src, const long* slot_mapping, int dim) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const long slot = slot_mapping[blockIdx.y];
    if (i < dim) cache[slot * dim + i] = src[(size_t)blockIdx.y * dim + i];
}
// Silent: ragged offsets produced by an earlier kernel, indexed by the batch index.
extern "C" __global__ void varlen_copy(float* out, const float* in, const int* cu_seqlens, int dim) {
    const int b = blockIdx.y;
    const int start = cu_seqlens[b], end = cu_seqlens[b + 1];
    for (int t = start + blockIdx.x; t < end; t += gridDim.x)
        for (int i = threadIdx.x; i < dim; i += blockDim.x) out[(size_t)t * dim + i] = in[(size_t)t * dim + i];
}
// Silent: a row swap by a pivot an earlier kernel computed (reads and writes the same places).
extern "C" __global__ void swap_rows(float* a, const long* piv, int lda, int n) {
    const int j = threadIdx.x;
    const long r = *piv;
    if (j < n) { float t = a[r * lda + j]; a[r * lda + j] = a[j]; a[j] = t; }
}
