# A Triton 3 row reduction (tl.sum over a 1024-wide block: shared memory and barriers chosen by the compiler), dumped as PTX.
import sys, torch, triton, triton.language as tl

@triton.jit
def row_sum(x, y, n, BLOCK: tl.constexpr):
    r = tl.program_id(0)
    offs = tl.arange(0, BLOCK)
    v = tl.load(x + r * n + offs, mask=offs < n, other=0.0)
    tl.store(y + r, tl.sum(v, axis=0))

x = torch.randn(64, 1024, device="cuda")
y = torch.empty(64, device="cuda")
k = row_sum[(64,)](x, y, 1024, BLOCK=1024)
open(sys.argv[1], "w").write(k.asm["ptx"])
print("triton", triton.__version__, "max error", float((y - x.sum(1)).abs().max()))
