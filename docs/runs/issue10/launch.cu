// launch PTX KERNEL gx gy bx by n [rows cols]: loads PTX with the driver API, launches KERNEL(out, x, n[, ...]) with
// x = iota floats; prints a checksum of out. Used under compute-sanitizer (synccheck, racecheck) for PTX005 shapes.
#include <cuda.h>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <string>
#define CK(x) do { CUresult r = (x); if (r != CUDA_SUCCESS) { const char* s; cuGetErrorString(r, &s); printf("ERR %s: %s\n", #x, s); return 2; } } while (0)
int main(int argc, char** argv) {
  if (argc < 8) { printf("usage\n"); return 2; }
  FILE* f = fopen(argv[1], "rb"); if (!f) return 2;
  std::string ptx; char buf[65536]; size_t k; while ((k = fread(buf, 1, sizeof buf, f)) > 0) ptx.append(buf, k); fclose(f);
  int gx = atoi(argv[3]), gy = atoi(argv[4]), bx = atoi(argv[5]), by = atoi(argv[6]), n = atoi(argv[7]);
  int mode = argc > 8 ? atoi(argv[8]) : 0; // 0: (out, x, n)  1: (out, x, rows=n, cols=32)  2: (out, x)  3: (x, out, n)  4: (x, out)
  CK(cuInit(0)); CUdevice d; CK(cuDeviceGet(&d, 0)); CUcontext c; CK(cuCtxCreate(&c, nullptr, 0, d));
  CUmodule m; CK(cuModuleLoadData(&m, ptx.c_str())); CUfunction fn; CK(cuModuleGetFunction(&fn, m, argv[2]));
  size_t N = 1 << 16; std::vector<float> h(N); for (size_t i = 0; i < N; i++) h[i] = (float)(i % 97) * 0.25f;
  CUdeviceptr x, out; CK(cuMemAlloc(&x, N * 4)); CK(cuMemAlloc(&out, N * 4)); CK(cuMemcpyHtoD(x, h.data(), N * 4)); CK(cuMemsetD32(out, 0, N));
  int cols = 32; void* a0[] = { &out, &x, &n }; void* a1[] = { &out, &x, &n, &cols }; void* a2[] = { &out, &x }; void* a3[] = { &x, &out, &n }; void* a4[] = { &x, &out };
  void** args = mode == 0 ? a0 : mode == 1 ? a1 : mode == 2 ? a2 : mode == 3 ? a3 : a4;
  CK(cuLaunchKernel(fn, gx, gy, 1, bx, by, 1, 0, nullptr, args, nullptr));
  CK(cuCtxSynchronize());
  std::vector<float> o(N); CK(cuMemcpyDtoH(o.data(), out, N * 4));
  double s = 0; for (size_t i = 0; i < 4096; i++) s += o[i] * (double)(i % 13 + 1);
  printf("%s checksum %.6f out0 %.6f\n", argv[2], s, o[0]);
  return 0;
}
