// PTX003 indirect-position-read -- BAD sample.
//
// Bug: kv_scatter takes the decode position by value (`pos`) but prefers the
// device buffer `position_buf` whenever the pointer is non-null
// (setp.ne.u64 on the pointer, then ld.global of *position_buf at a CTA-uniform
// address). Under CUDA-graph replay that buffer holds whatever was captured
// (a stale 0), so every decode step scatters its K/V row into slot 0.
//
// Launch: kv_scatter(float* cache, const float* src, int pos, const int* position_buf, int dim)
//   grid = ((dim + 255) / 256, 1, 1), block = (256, 1, 1),
//   cache: max_pos*dim floats (e.g. max_pos = 8, dim = 512), src: dim floats,
//   position_buf: 1 int holding a stale 0; launch steps pos = 0, 1, 2, 3 with a
//   different src each step.
// Correct result: after the steps, cache[p*dim + i] = src_of_step_p[i] for p = 0..3.
// Observed (this PTX on an H200): every step writes slot 0, which ends up holding step 3's data.

extern "C" __global__ void kv_scatter(float* cache, const float* src, int pos,
                                      const int* position_buf, int dim) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const int p = position_buf ? *position_buf : pos;   // indirect read wins when non-null
    if (i < dim) cache[(size_t)p * dim + i] = src[i];
}
