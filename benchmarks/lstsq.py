"""Least-squares rates (DESIGN section 6): jitted ``jnp.linalg.lstsq`` against NumPy's LAPACK.

Two design matrices the SIT chain fits (both float32, the same arrays on both sides, best of
``repeats``):

- ``sit_regression``: the thickness regression of ``seaice_jax.sit.regression`` (intercept, five
  SAR features, ice-chart and HIGHTSI SIT, five HIGHTSI x feature terms: 13 columns) fitted
  pixel-wise over a 1024 x 1024 scene (1 Mrows);
- ``incidence_slope_pan_arctic``: the incidence-angle slope (sigma0 = a + b theta, 2 columns) over
  every pixel of the full pan-Arctic 3.125 km grid ``arctic3413_3125m`` (8.7 Mrows).

Fusion on the same grid is ``benchmarks/fusion.py``. Rates are in Mrows/s; ``vs_numpy`` is
(ours) / (NumPy's); ``max_rel_diff`` the largest relative coefficient difference between both.

    PYTHONPATH=. python benchmarks/lstsq.py [--quick]
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.geo.grids import named_grid


def design(rows: int, cols: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A well-posed float32 design (first column ones) and a noisy linear response."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x[:, 0] = 1.0
    coef = rng.uniform(-1.0, 1.0, cols).astype(np.float32)
    y = (x @ coef + 0.05 * rng.standard_normal(rows)).astype(np.float32)
    return x, y


#: Relative singular-value cutoff. Not the default: JAX's ``rcond=None`` is float32 eps x
#: max(rows, cols), which reaches 1 at 8.4 Mrows, so on the full 3.125 km grid every singular
#: value is cut and the solution is silently all zeros (NumPy computes in float64 inside and is
#: unaffected). Callers fitting millions of rows must pass ``rcond``.
RCOND = 1e-6


@jax.jit
def _solve(x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.linalg.lstsq(x, y, rcond=RCOND)[0]


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(rows: int, cols: int, repeats: int) -> dict:
    """Mrows/s of jitted ``jnp.linalg.lstsq`` and ``np.linalg.lstsq`` on one design."""
    x, y = design(rows, cols)
    xd, yd = jax.device_put(x), jax.device_put(y)
    c_jax = np.asarray(_solve(xd, yd).block_until_ready())  # compile outside the timing
    c_np = np.linalg.lstsq(x, y, rcond=None)[0]
    t_jax = _best(lambda: _solve(xd, yd).block_until_ready(), repeats)
    t_np = _best(lambda: np.linalg.lstsq(x, y, rcond=None), repeats)
    return {
        "rows": rows,
        "cols": cols,
        "mrows_per_s_jax": rows / t_jax / 1e6,
        "mrows_per_s_numpy": rows / t_np / 1e6,
        "vs_numpy": t_np / t_jax,
        "max_rel_diff": float(np.max(np.abs(c_jax - c_np)) / np.max(np.abs(c_np))),
    }


def run(quick: bool = False) -> dict:
    """Entry of ``seaice-jax bench``: ``{"lstsq": {case: {...}}}`` (quick: 64 k rows)."""
    h, w = named_grid("arctic3413_3125m").shape
    if quick:
        return {
            "lstsq": {
                "sit_regression": measure(1 << 16, 13, 2),
                "incidence_slope_pan_arctic": measure(1 << 16, 2, 2),
            }
        }
    return {
        "lstsq": {
            "sit_regression": measure(1 << 20, 13, 5),
            "incidence_slope_pan_arctic": measure(h * w, 2, 3),
        }
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
