// PTX012 shared-indexed-by-block -- BAD sample.
//
// Bug: a "cross-CTA" absmax. Each CTA reduces its rows to one value and stores it in
// s_amax[blockIdx.x]; CTA 0 then takes the max over s_amax[0 .. gridDim.x-1]. Shared memory is
// per CTA: in CTA 0 only s_amax[0] was ever written, s_amax[1..] hold whatever was there.
//
// Launch: global_amax_shared(const float* x, float* amax, int n)
//   grid = (4, 1, 1), block = (256, 1, 1), x: 4*256 floats, amax: 1 float, n = 1024.
// Correct result: amax[0] = max |x|. compute-sanitizer --tool initcheck reports uninitialized
//   __shared__ reads in CTA 0 (docs/runs/).

#define BLOCK 256
#define MAX_CTAS 64

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

extern "C" __global__ void __launch_bounds__(BLOCK) global_amax_shared(const float* x, float* amax, int n) {
    __shared__ float s_warp[BLOCK / 32];
    __shared__ float s_amax[MAX_CTAS];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int i = blockIdx.x * BLOCK + tid;
    float v = warp_max(i < n ? fabsf(x[i]) : 0.f);
    if (lane == 0) s_warp[warp] = v;
    __syncthreads();
    if (tid == 0) {
        float m = 0.f;
        for (int w = 0; w < BLOCK / 32; w++) m = fmaxf(m, s_warp[w]);
        s_amax[blockIdx.x] = m;                     // BUG: a slot no other CTA can see
    }
    __syncthreads();
    if (blockIdx.x == 0 && tid == 0) {
        float m = 0.f;
        for (int b = 0; b < gridDim.x; b++) m = fmaxf(m, s_amax[b]);   // reads slots CTA 0 never wrote
        amax[0] = m;
    }
}
