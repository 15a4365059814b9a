// curand MTGP32 through the host API with a count that is not a multiple of the block size (256), in each ordering:
// the gen_mtgp kernels loop `for (i = blockIdx.x*256 + threadIdx.x; i < n; i += step) { ...; __syncthreads(); }` and
// the threads that leave write the generator position back to shared memory.
#include <curand.h>
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <vector>
#define CK(x) do { auto r = (x); if ((int)r != 0) { printf("ERR %s = %d\n", #x, (int)r); return 2; } } while (0)
int main(int argc, char** argv) {
  size_t n = argc > 1 ? atol(argv[1]) : 1000;
  int kind = argc > 2 ? atoi(argv[2]) : 0;
  int order = argc > 3 ? atoi(argv[3]) : 101;
  double lambda = argc > 4 ? atof(argv[4]) : 4.0;
  curandGenerator_t g; CK(curandCreateGenerator(&g, CURAND_RNG_PSEUDO_MTGP32));
  CK(curandSetPseudoRandomGeneratorSeed(g, 1234ULL));
  int ro = curandSetGeneratorOrdering(g, (curandOrdering_t)order);
  if (ro != 0) { printf("ordering %d not accepted: %d\n", order, ro); return 3; }
  unsigned* du; float* df; double* dd; CK(cudaMalloc(&du, (n + 64) * 4)); CK(cudaMalloc(&df, (n + 64) * 4)); CK(cudaMalloc(&dd, (n + 64) * 8));
  double s = 0; std::vector<unsigned> hu(n); std::vector<float> hf(n); std::vector<double> hd(n);
  size_t m = n & ~(size_t)1;
  for (int rep = 0; rep < 3; rep++) {
    switch (kind) {
      case 0: CK(curandGenerate(g, du, n)); CK(cudaMemcpy(hu.data(), du, n * 4, cudaMemcpyDeviceToHost)); for (size_t i = 0; i < n; i++) s += hu[i] % 1000003; break;
      case 1: CK(curandGenerateNormal(g, df, m, 0.f, 1.f)); CK(cudaMemcpy(hf.data(), df, m * 4, cudaMemcpyDeviceToHost)); for (size_t i = 0; i < m; i++) s += hf[i]; break;
      case 2: CK(curandGeneratePoisson(g, du, n, lambda)); CK(cudaMemcpy(hu.data(), du, n * 4, cudaMemcpyDeviceToHost)); for (size_t i = 0; i < n; i++) s += hu[i]; break;
      case 3: CK(curandGenerateLogNormal(g, df, m, 0.f, 1.f)); CK(cudaMemcpy(hf.data(), df, m * 4, cudaMemcpyDeviceToHost)); for (size_t i = 0; i < m; i++) s += hf[i]; break;
      case 4: CK(curandGenerateNormalDouble(g, dd, m, 0.0, 1.0)); CK(cudaMemcpy(hd.data(), dd, m * 8, cudaMemcpyDeviceToHost)); for (size_t i = 0; i < m; i++) s += hd[i]; break;
      case 5: CK(curandGenerateUniform(g, df, n)); CK(cudaMemcpy(hf.data(), df, n * 4, cudaMemcpyDeviceToHost)); for (size_t i = 0; i < n; i++) s += hf[i]; break;
    }
  }
  CK(cudaDeviceSynchronize());
  printf("mtgp n=%zu kind=%d order=%d lambda=%g checksum %.6f\n", n, kind, order, lambda, s);
  return 0;
}
