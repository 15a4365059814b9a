// PTX002 batched-kernel-ignores-ctaid-y -- BAD sample.
//
// Bug: add_bias_batched is launched with one grid row per matrix row
// (gridDim.y = rows) but never reads blockIdx.y (%ctaid.y): every row of
// blocks computes and stores row 0, rows 1..rows-1 are never written.
//
// Launch: add_bias_batched(float* out, const float* in, const float* bias, int cols)
//   grid = ((cols + 255) / 256, rows, 1), block = (256, 1, 1),
//   in/out: rows*cols floats (row-major), bias: cols floats; e.g. rows = 8, cols = 1000,
//   out filled with a sentinel before the launch.
// Correct result: out[r*cols + c] = in[r*cols + c] + bias[c] for every r < rows, c < cols.
// Observed (this PTX on an H200 via CuPy): only row 0 is written; rows 1..7 keep the sentinel.

extern "C" __global__ void add_bias_batched(float* out, const float* in, const float* bias,
                                            int cols) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c < cols) out[c] = in[c] + bias[c];   // row selection (blockIdx.y * cols) missing
}
