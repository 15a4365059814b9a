// dbsrxmv PTX KERNEL bdim bx by nblocks: launches cuSPARSE's dbsrxmv_small_core<float,float,BDIM,true> (extracted from
// libcusparse, retargeted to sm_90) through the driver API with its by-value cusparseDbsrxmvParams (80 bytes; layout
// read off the kernel's ld.param offsets: alpha +0, beta +4, A +8, block index array +16, alpha/beta pointers +24/+32,
// x +40, y +48, pointer-mode flag +56, block count +60, block dim +72, index base +76) and the u32 second parameter
// (nonzero: block b is row b, no index array). Prints a checksum of y; run under compute-sanitizer racecheck.
#include <cuda.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <string>
#define CK(x) do { CUresult r = (x); if (r != CUDA_SUCCESS) { const char* s; cuGetErrorString(r, &s); printf("ERR %s: %s\n", #x, s); return 2; } } while (0)
int main(int argc, char** argv) {
  if (argc < 7) { printf("usage: dbsrxmv PTX KERNEL bdim bx by nblocks\n"); return 2; }
  FILE* f = fopen(argv[1], "rb"); if (!f) return 2;
  std::string ptx; char buf[65536]; size_t k; while ((k = fread(buf, 1, sizeof buf, f)) > 0) ptx.append(buf, k); fclose(f);
  int bdim = atoi(argv[3]), bx = atoi(argv[4]), by = atoi(argv[5]), nb = atoi(argv[6]);
  CK(cuInit(0)); CUdevice d; CK(cuDeviceGet(&d, 0)); CUcontext c; CK(cuCtxCreate(&c, nullptr, 0, d));
  CUmodule m; CK(cuModuleLoadData(&m, ptx.c_str())); CUfunction fn; CK(cuModuleGetFunction(&fn, m, argv[2]));
  size_t na = (size_t)nb * bdim * bdim, nx = (size_t)nb * bdim;
  std::vector<float> ha(na), hx(nx);
  for (size_t i = 0; i < na; i++) ha[i] = 1.0f + (float)(i % 7);
  for (size_t i = 0; i < nx; i++) hx[i] = 1.0f + (float)(i % 5);
  CUdeviceptr A, X, Y; CK(cuMemAlloc(&A, na * 4)); CK(cuMemAlloc(&X, nx * 4)); CK(cuMemAlloc(&Y, nx * 4));
  CK(cuMemcpyHtoD(A, ha.data(), na * 4)); CK(cuMemcpyHtoD(X, hx.data(), nx * 4)); CK(cuMemsetD32(Y, 0, nx));
  alignas(8) unsigned char p[80]; memset(p, 0, sizeof p);
  float alpha = 1.0f, beta = 0.0f; memcpy(p + 0, &alpha, 4); memcpy(p + 4, &beta, 4);
  memcpy(p + 8, &A, 8); memcpy(p + 40, &X, 8); memcpy(p + 48, &Y, 8);
  int count = nb, base = 0; memcpy(p + 60, &count, 4); memcpy(p + 72, &bdim, 4); memcpy(p + 76, &base, 4);
  unsigned direct = 1;
  void* args[] = { p, &direct };
  CK(cuLaunchKernel(fn, nb, 1, 1, bx, by, 1, 0, nullptr, args, nullptr));
  CK(cuCtxSynchronize());
  std::vector<float> hy(nx); CK(cuMemcpyDtoH(hy.data(), Y, nx * 4));
  double s = 0; for (size_t i = 0; i < nx; i++) s += hy[i] * (double)(i % 13 + 1);
  printf("%s bdim %d block %dx%d blocks %d: checksum %.3f y0..2 %.1f %.1f %.1f\n", argv[2], bdim, bx, by, nb, s, hy[0], hy[1], nx > 2 ? hy[2] : 0.f);
  return 0;
}
