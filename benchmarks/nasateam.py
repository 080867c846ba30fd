"""NASA Team throughput on full pan-Arctic grids: jitted JAX against plain NumPy, side by side.

``measure(grids, repeats)`` returns ``{grid: {"mpx_per_s_jax", "mpx_per_s_numpy", "vs_numpy",
"pixels", "max_abs_diff"}}``; ``run(quick)`` is the entry of ``seaice-jax bench`` and returns
``{"nasateam": ...}``. TBs are drawn over the AMSR2 tie-point triangle (no file I/O is timed).
"""

from __future__ import annotations

import time

import jax
import numpy as np

from seaice_jax.geo.grids import named_grid
from seaice_jax.pm.nasateam import _nt_kernel, nasa_team_numpy
from seaice_jax.pm.tiepoints import TIEPOINTS, nt_coefficients

GRIDS = ("nsidc3413_25km", "arctic3413_3125m")


def _scene(shape: tuple[int, int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    tp = TIEPOINTS["amsr2"]
    frac = rng.dirichlet([1.0, 1.0, 1.0], size=shape).astype(np.float32)
    return [
        frac @ np.array([tp[c][s] for s in ("ow", "fy", "my")], np.float32)
        for c in ("19v", "19h", "37v")
    ]


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(grids=GRIDS, repeats: int = 3, shape_override: tuple[int, int] | None = None) -> dict:
    """NT rate (megapixels/s) of the jitted kernel and of NumPy on each named grid's full shape."""
    coef = jax.numpy.asarray(nt_coefficients("amsr2"), jax.numpy.float32)
    out = {}
    for name in grids:
        shape = shape_override or named_grid(name).shape
        tbs = _scene(shape)
        dev = [jax.device_put(t) for t in tbs]
        jax.block_until_ready(_nt_kernel(*dev, coef))  # compile outside the timing
        t_jax = _best(lambda: jax.block_until_ready(_nt_kernel(*dev, coef)), repeats)  # noqa: B023
        t_np = _best(lambda: nasa_team_numpy(*tbs), repeats)  # noqa: B023
        diff = np.nanmax(np.abs(np.asarray(_nt_kernel(*dev, coef)[0]) - nasa_team_numpy(*tbs)))
        mpx = shape[0] * shape[1] / 1e6
        out[name] = {
            "pixels": shape[0] * shape[1],
            "mpx_per_s_jax": mpx / t_jax,
            "mpx_per_s_numpy": mpx / t_np,
            "vs_numpy": t_np / t_jax,
            "max_abs_diff": float(diff),
        }
    return out


def run(quick: bool = False) -> dict:
    """Entry of ``seaice-jax bench``: ``{"nasateam": {grid: {...}}}``.

    ``quick``: the 25 km grid in full and a 512 x 512 window of the 3.125 km grid (``pixels``
    says which), two repeats; otherwise both full grids, five repeats.
    """
    if not quick:
        return {"nasateam": measure(GRIDS, repeats=5)}
    out = measure(GRIDS[:1], repeats=2)
    out.update(measure(GRIDS[1:], repeats=2, shape_override=(512, 512)))
    return {"nasateam": out}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
