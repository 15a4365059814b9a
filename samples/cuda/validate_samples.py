"""Launches the sm_90a sample pairs in samples/ptx/ on a Hopper GPU through CuPy
(the driver JITs the PTX) and prints what each bad and fixed kernel does.

Usage: python3 samples/cuda/validate_samples.py [samples/ptx]
The PTX005 spin-wait kernel is launched in a child process that is killed after
a timeout (it deadlocks by design). tcgen05 samples (PTX004/7/8) need sm_100a
and are not launched here.
"""
import multiprocessing as mp
import os
import sys

import cupy as cp
import numpy as np

D = sys.argv[1] if len(sys.argv) > 1 else "samples/ptx"
i32, f32 = np.int32, np.float32


def mod(rule, kind):
    name = [f for f in os.listdir(D) if f.startswith(rule) and f.endswith(f".{kind}.ptx")][0]
    return cp.RawModule(path=os.path.join(D, name))


def report(rule, kind, ok, msg):
    print(f"{rule} {kind:5s} {'CORRECT' if ok else 'WRONG  '} {msg}", flush=True)


def ptx001(kind):
    m = mod("PTX001", kind)
    rows, n, eps = 4, 1024, f32(1e-6)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((rows, n), dtype=np.float32)
    w = rng.standard_normal(n, dtype=np.float32)
    dx, dw, out = cp.asarray(x), cp.asarray(w), cp.zeros((rows, n), cp.float32)
    m.get_function("rmsnorm_batched")((rows,), (256,), (out, dx, dw, i32(n), eps))
    ref = x * w / np.sqrt((x.astype(np.float64) ** 2).mean(1, keepdims=True) + 1e-6)
    err = float(np.abs(out.get() - ref).max())
    one = cp.zeros(n, cp.float32)
    m.get_function("rmsnorm")((1,), (256,), (one, dx[0], dw, i32(n), eps))
    parity = bool((one.view(cp.uint32) == out[0].view(cp.uint32)).all())
    report("PTX001", kind, err < 1e-4 and parity, f"max err {err:.2e}, batched row 0 == rmsnorm bitwise: {parity}")


def ptx002(kind):
    m = mod("PTX002", kind)
    rows, cols = 8, 1000
    x = np.arange(rows * cols, dtype=np.float32).reshape(rows, cols)
    b = np.full(cols, 0.5, np.float32)
    out = cp.full((rows, cols), -777.0, cp.float32)
    m.get_function("add_bias_batched")(((cols + 255) // 256, rows), (256,), (out, cp.asarray(x), cp.asarray(b), i32(cols)))
    o = out.get()
    sentinel_rows = [r for r in range(rows) if (o[r] == -777.0).all()]
    ok = np.array_equal(o, x + b)
    report("PTX002", kind, ok, f"rows left at the sentinel: {sentinel_rows}")


def ptx003(kind):
    m = mod("PTX003", kind)
    dim, maxpos = 512, 8
    cache = cp.full((maxpos, dim), -1.0, cp.float32)
    pbuf = cp.zeros(1, cp.int32)                   # stale captured position 0
    f = m.get_function("kv_scatter")
    for step in range(4):
        src = cp.full(dim, float(step + 10), cp.float32)
        f(((dim + 255) // 256,), (256,), (cache, src, i32(step), pbuf, i32(dim)))
    c = cache.get()
    slots = {p: float(c[p, 0]) for p in range(4)}
    ok = all(slots[p] == p + 10 for p in range(4))
    report("PTX003", kind, ok, f"slot[0..3][0] after steps pos=0..3 (want 10,11,12,13): {slots}")


def ptx005(kind):
    m = mod("PTX005", kind)
    n = 1000
    x = cp.arange(n, dtype=cp.float32)
    out = cp.zeros(1, cp.float32)
    m.get_function("block_sum_strided")((1,), (256,), (x, out, i32(n)))
    s1 = float(out.get()[0]); want1 = float(np.arange(n, dtype=np.float64).sum())
    x2 = cp.arange(256, dtype=cp.float32)
    out2 = cp.zeros(1, cp.float32)
    m.get_function("warp0_barrier_sum")((1,), (256,), (x2, out2, i32(256)))
    s2 = float(out2.get()[0]); want2 = float(np.arange(256).sum())
    x3 = cp.arange(32, dtype=cp.float32) + 1
    out3 = cp.zeros(32, cp.float32)
    m.get_function("warp_pair_sum_half")((1,), (32,), (x3, out3))
    h = x3.get(); want3 = np.where(np.arange(32) < 16, h + h[np.arange(32) ^ 8], h)
    ok3 = np.array_equal(out3.get(), want3)
    cp.cuda.Device().synchronize()
    report("PTX005", kind, s1 == want1 and s2 == want2 and ok3,
           f"block_sum_strided {s1} (want {want1}); warp0_barrier_sum {s2} (want {want2}); warp_pair_sum_half ok={ok3}")


def _spin_child(kind, q):
    m = mod("PTX005", kind)
    x = cp.ones(256, cp.float32)
    out = cp.zeros(256, cp.float32)
    m.get_function("broadcast_sum_spin")((1,), (256,), (x, out, i32(256)))
    cp.cuda.Device().synchronize()
    q.put(float(out.get()[0]))


def ptx005_spin(kind, timeout=15):
    q = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=_spin_child, args=(kind, q))
    p.start(); p.join(timeout)
    if p.is_alive():
        p.kill(); p.join()
        report("PTX005", kind, False, f"broadcast_sum_spin: HUNG (killed after {timeout} s)")
    else:
        v = q.get() if not q.empty() else None
        report("PTX005", kind, v == 1.0 / 256, f"broadcast_sum_spin out[0] = {v} (want {1/256})")


def ptx006(kind):
    m = mod("PTX006", kind)
    rows, n = 4, 512
    rng = np.random.default_rng(2)
    x = rng.standard_normal((rows, n), dtype=np.float32)
    w = rng.standard_normal(n, dtype=np.float32)
    inv = 1 / np.sqrt((x.astype(np.float64) ** 2).mean(1) + 1e-6)
    want_out = x * w * inv[:, None]
    want_sc = np.abs(x).max(1) * inv / 127
    msgs, ok = [], True
    for k in ("rmsnorm_quant_amax", "absmax_rows_scalar"):
        out = cp.zeros((rows, n), cp.float32); sc = cp.zeros(rows, cp.float32)
        m.get_function(k)((rows,), (128,), (out, sc, cp.asarray(x), cp.asarray(w), i32(n), f32(1e-6)))
        e1 = float(np.abs(out.get() - want_out).max()); e2 = float(np.abs(sc.get() - want_sc).max())
        ok &= e1 < 1e-4 and e2 < 1e-5
        msgs.append(f"{k}: out err {e1:.1e}, scale err {e2:.1e}")
    report("PTX006", kind, ok, "; ".join(msgs) + " (the overflow is only visible to compute-sanitizer memcheck or as corrupted neighbours)")


def ptx009(kind, runs=30):
    m = mod("PTX009", kind)
    n = 1 << 20
    x = cp.asarray(np.random.default_rng(3).standard_normal(n, dtype=np.float32))
    sums = set()
    for _ in range(runs):
        out = cp.zeros(1, cp.float32)
        if kind == "bad":
            m.get_function("sum_atomic")((132,), (256,), (x, out, i32(n)))
        else:
            part = cp.zeros(132, cp.float32)
            m.get_function("sum_partials")((132,), (256,), (x, part, i32(n)))
            m.get_function("sum_final")((1,), (256,), (part, out, i32(132)))
        sums.add(int(out.view(cp.uint32).get()[0]))
    report("PTX009", kind, len(sums) == 1, f"{len(sums)} distinct sums (bit patterns) in {runs} runs")


def ptx010(kind):
    m = mod("PTX010", kind)
    n = 1 << 16
    rng = np.random.default_rng(4)
    a, b, c = (rng.standard_normal(n, dtype=np.float32) for _ in range(3))
    out = cp.zeros(n, cp.float32)
    m.get_function("scale_residual")(((n + 255) // 256,), (256,), (out, cp.asarray(a), cp.asarray(b), cp.asarray(c), i32(n)))
    ref = (a * b) + c                                  # float32: two roundings
    diff = int((out.get().view(np.uint32) != ref.view(np.uint32)).sum())
    report("PTX010", kind, diff == 0, f"{diff} of {n} outputs differ bitwise from the two-rounding reference")


if __name__ == "__main__":
    print("device:", cp.cuda.runtime.getDeviceProperties(0)["name"].decode(), flush=True)
    for fn in (ptx001, ptx002, ptx003, ptx005, ptx006, ptx009, ptx010):
        for kind in ("bad", "fixed"):
            try:
                fn(kind)
            except Exception as e:
                print(f"{fn.__name__} {kind} ERROR {type(e).__name__}: {e}", flush=True)
    for kind in ("fixed", "bad"):
        ptx005_spin(kind)
