// PTX002 batched-kernel-ignores-ctaid-y -- FIXED sample.
//
// Fix: the row comes from blockIdx.y (%ctaid.y) and offsets both the input and
// the output, so each row of blocks writes its own row.
//
// Launch: add_bias_batched(float* out, const float* in, const float* bias, int cols)
//   grid = ((cols + 255) / 256, rows, 1), block = (256, 1, 1),
//   in/out: rows*cols floats (row-major), bias: cols floats; e.g. rows = 8, cols = 1000.
// Correct result: out[r*cols + c] = in[r*cols + c] + bias[c] for every r < rows, c < cols.

extern "C" __global__ void add_bias_batched(float* out, const float* in, const float* bias,
                                            int cols) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    const size_t row = blockIdx.y;
    if (c < cols) out[row * cols + c] = in[row * cols + c] + bias[c];
}
