"""Parser-corpus generator: compiles a few Triton kernels and saves their PTX.

Usage (on a machine with a CUDA GPU, PyTorch and Triton):
    python3 tests/data/generated/src/triton_corpus.py OUTDIR
Writes OUTDIR/triton-<name>-sm<cc>.ptx for the local GPU (kernels are run once on
small inputs and checked against PyTorch), and tries an ahead-of-time compile
for sm_100 (Blackwell) with triton.compile; each outcome goes to OUTDIR/triton.log.
"""
import inspect
import os
import sys
import traceback

import torch
import triton
import triton.language as tl


@triton.jit
def vector_add(x_ptr, y_ptr, out_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask)
    y = tl.load(y_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, x + y, mask=mask)


@triton.jit
def softmax_rows(in_ptr, out_ptr, stride, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols
    x = tl.load(in_ptr + row * stride + cols, mask=mask, other=-float("inf"))
    x = x - tl.max(x, axis=0)
    num = tl.exp(x)
    tl.store(out_ptr + row * stride + cols, num / tl.sum(num, axis=0), mask=mask)


@triton.jit
def matmul_fp16(a_ptr, b_ptr, c_ptr, M, N, K, sam, sak, sbk, sbn, scm, scn,
                BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    rm = pid_m * BM + tl.arange(0, BM)
    rn = pid_n * BN + tl.arange(0, BN)
    rk = tl.arange(0, BK)
    a_ptrs = a_ptr + rm[:, None] * sam + rk[None, :] * sak
    b_ptrs = b_ptr + rk[:, None] * sbk + rn[None, :] * sbn
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for k in range(0, K, BK):
        a = tl.load(a_ptrs, mask=(rm[:, None] < M) & (rk[None, :] + k < K), other=0.0)
        b = tl.load(b_ptrs, mask=(rk[:, None] + k < K) & (rn[None, :] < N), other=0.0)
        acc = tl.dot(a, b, acc)
        a_ptrs += BK * sak
        b_ptrs += BK * sbk
    c_ptrs = c_ptr + rm[:, None] * scm + rn[None, :] * scn
    tl.store(c_ptrs, acc.to(tl.float16), mask=(rm[:, None] < M) & (rn[None, :] < N))


@triton.jit
def row_sum_atomic(x_ptr, out_ptr, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    acc = tl.zeros((BLOCK,), dtype=tl.float32)
    for start in range(0, n_cols, BLOCK):
        cols = start + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + row * n_cols + cols, mask=cols < n_cols, other=0.0)
    tl.atomic_add(out_ptr, tl.sum(acc, axis=0))


def log(f, msg):
    print(msg)
    f.write(msg + "\n")
    f.flush()


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    lf = open(os.path.join(outdir, "triton.log"), "w")
    log(lf, f"triton {triton.__version__} torch {torch.__version__}")
    dev = torch.device("cuda")
    cc = torch.cuda.get_device_capability()
    sm = f"{cc[0]}{cc[1]}"
    torch.manual_seed(0)

    def save(name, k, ok):
        path = os.path.join(outdir, f"triton-{name}-sm{sm}.ptx")
        with open(path, "w") as fh:
            fh.write(k.asm["ptx"])
        log(lf, f"OK {name}: {path} result_ok={ok}")

    jobs = []

    def j_add():
        n = 98432
        x, y = torch.rand(n, device=dev), torch.rand(n, device=dev)
        out = torch.empty_like(x)
        k = vector_add[(triton.cdiv(n, 1024),)](x, y, out, n, BLOCK=1024)
        save("vector_add", k, bool(torch.allclose(out, x + y)))

    def j_softmax():
        x = torch.randn(64, 781, device=dev)
        out = torch.empty_like(x)
        k = softmax_rows[(64,)](x, out, x.stride(0), 781, BLOCK=1024, num_warps=4)
        save("softmax_rows", k, bool(torch.allclose(out, torch.softmax(x, 1), atol=1e-5)))

    def j_matmul():
        M = N = K = 512
        a = torch.randn(M, K, device=dev, dtype=torch.float16)
        b = torch.randn(K, N, device=dev, dtype=torch.float16)
        c = torch.empty(M, N, device=dev, dtype=torch.float16)
        k = matmul_fp16[(M // 128, N // 128)](a, b, c, M, N, K, a.stride(0), a.stride(1),
                                              b.stride(0), b.stride(1), c.stride(0), c.stride(1),
                                              BM=128, BN=128, BK=64, num_warps=8, num_stages=3)
        save("matmul_fp16", k, bool(torch.allclose(c.float(), (a.float() @ b.float()), atol=0.5, rtol=1e-2)))

    def j_rowsum():
        x = torch.rand(32, 3000, device=dev)
        out = torch.zeros(1, device=dev)
        k = row_sum_atomic[(32,)](x, out, 3000, BLOCK=512)
        save("row_sum_atomic", k, bool(torch.allclose(out, x.sum().reshape(1), rtol=1e-4)))

    for j in (j_add, j_softmax, j_matmul, j_rowsum):
        try:
            j()
        except Exception:
            log(lf, f"FAIL {j.__name__}:\n{traceback.format_exc()}")

    # Ahead-of-time compile for Blackwell (no sm_100 GPU here).
    try:
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource
        log(lf, "ASTSource" + str(inspect.signature(ASTSource.__init__)))
        target = GPUTarget("cuda", 100, 32)
        specs = {
            "matmul_fp16": (matmul_fp16,
                            {"a_ptr": "*fp16", "b_ptr": "*fp16", "c_ptr": "*fp16", "M": "i32", "N": "i32",
                             "K": "i32", "sam": "i32", "sak": "i32", "sbk": "i32", "sbn": "i32",
                             "scm": "i32", "scn": "i32", "BM": "constexpr", "BN": "constexpr",
                             "BK": "constexpr"},
                            {"BM": 128, "BN": 128, "BK": 64}, {"num_warps": 4, "num_stages": 3}),
            "softmax_rows": (softmax_rows,
                             {"in_ptr": "*fp32", "out_ptr": "*fp32", "stride": "i32", "n_cols": "i32",
                              "BLOCK": "constexpr"},
                             {"BLOCK": 1024}, {"num_warps": 4}),
        }
        for name, (fn, sig, consts, opts) in specs.items():
            names = list(sig.keys())
            done = False
            for style in ("index", "name"):
                if style == "index":
                    cx = {(names.index(k),): v for k, v in consts.items()}
                else:
                    cx = dict(consts)
                try:
                    src = ASTSource(fn=fn, signature=sig, constexprs=cx)
                    k = triton.compile(src, target=target, options=opts)
                    path = os.path.join(outdir, f"triton-{name}-sm100-aot.ptx")
                    with open(path, "w") as fh:
                        fh.write(k.asm["ptx"])
                    log(lf, f"OK aot {name} sm_100 ({style} constexpr keys): {path}")
                    done = True
                    break
                except Exception:
                    log(lf, f"try aot {name} sm_100 ({style}) failed:\n{traceback.format_exc(limit=3)}")
            if not done:
                log(lf, f"FAIL aot {name} sm_100")
    except Exception:
        log(lf, f"FAIL aot setup:\n{traceback.format_exc()}")
    lf.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "triton_out")
