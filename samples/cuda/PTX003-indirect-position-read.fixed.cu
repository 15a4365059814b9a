// PTX003 indirect-position-read -- FIXED sample.
//
// Fix: the scatter index comes from the by-value `pos` only. The
// `position_buf` parameter is kept (unused) so the signature and the launch
// spec are the same as the bad sample's.
//
// Launch: kv_scatter(float* cache, const float* src, int pos, const int* position_buf, int dim)
//   grid = ((dim + 255) / 256, 1, 1), block = (256, 1, 1),
//   cache: max_pos*dim floats (e.g. max_pos = 8, dim = 512), src: dim floats,
//   position_buf: 1 int (ignored); launch steps pos = 0, 1, 2, 3.
// Correct result: after the steps, cache[p*dim + i] = src_of_step_p[i] for p = 0..3.

extern "C" __global__ void kv_scatter(float* cache, const float* src, int pos,
                                      const int* position_buf, int dim) {
    (void)position_buf;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < dim) cache[(size_t)pos * dim + i] = src[i];
}
