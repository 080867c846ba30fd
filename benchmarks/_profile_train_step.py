"""Profile of the train step of the ``cpu`` variant: forward, gradient, and each block alone.

Prints median times and GFLOP/s (XLA cost analysis) per part; the numbers are in docs/bench.md.
Private to the benchmarks (leading underscore: ``seaice-jax bench`` skips it).

    JAX_PLATFORMS=cpu PYTHONPATH=. python benchmarks/_profile_train_step.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import jax
import jax.numpy as jnp
import train_step as T
from flax import nnx

from seaice_jax.losses import weighted_l1
from seaice_jax.models import create_model
from seaice_jax.train.step import flatten_params, nest_params

b = T.make_batch(8, 128)
model = create_model("cpu", 3, rngs=nnx.Rngs(0))
g, p = flatten_params(model)
x = jnp.asarray(b["x"])


def fwd(p, x):
    return nnx.merge(g, nest_params(p))(x)


def loss(p, x):
    return weighted_l1(fwd(p, x), b["target"], b["weight"], b["mask"])


def t(f, *a, n=5):
    f = jax.jit(f)
    c = f.lower(*a).compile()
    jax.block_until_ready(c(*a))
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        jax.block_until_ready(c(*a))
        ts.append(time.perf_counter() - t0)
    ca = c.cost_analysis()
    ca = ca[0] if isinstance(ca, (list, tuple)) else ca
    return statistics.median(ts), ca.get("flops", 0)


for name, f in [("fwd", fwd), ("grad", jax.grad(loss))]:
    s, fl = t(f, p, x)
    print(name, f"{s * 1e3:.0f} ms  {fl / 1e9:.2f} GFLOP  {fl / s / 1e9:.1f} GFLOP/s", flush=True)
# parts of the forward at their input shapes
m = model
parts = {
    "stem(128,3->16)": (lambda mm, y: mm.stem(y), (8, 128, 128, 3)),
    "refine0(128,32->16)": (lambda mm, y: mm.refine[0](y), (8, 128, 128, 32)),
    "refine1(128,16)": (lambda mm, y: mm.refine[1](y), (8, 128, 128, 16)),
    "enc0(64,24)": (lambda mm, y: mm.encs[0][0](y), (8, 64, 64, 24)),
    "enc1(32,48)": (lambda mm, y: mm.encs[1][0](y), (8, 32, 32, 48)),
    "enc2(16,96)": (lambda mm, y: mm.encs[2][0](y), (8, 16, 16, 96)),
}
gs, st = nnx.split(m)
for name, (fn, shp) in parts.items():
    y = jnp.ones(shp)

    def f(st, y, fn=fn):
        return fn(nnx.merge(gs, st), y)

    def fg(st, y, f=f):
        return jax.grad(lambda st_, y_: f(st_, y_).sum(), argnums=(0, 1))(st, y)

    s, fl = t(f, st, y)
    s2, fl2 = t(fg, st, y)
    print(
        f"{name}: fwd {s * 1e3:.0f} ms {fl / s / 1e9:.1f} GF/s | grad {s2 * 1e3:.0f} ms {fl2 / s2 / 1e9:.1f} GF/s",
        flush=True,
    )
