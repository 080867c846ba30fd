"""Fusion rate on the full pan-Arctic 3.125 km grid (DESIGN section 6), JAX against NumPy.

Four products (S1, RCM, AMSR2-89, NT) with random SIC, uncertainties and coverage gaps on
``arctic3413_3125m`` (3584 x 2432 = 8.7 Mpx); ``seaice_jax.fusion.fuse`` (jitted) against its
NumPy reference ``fuse_numpy`` (``tests/fusion_reference.py``) on the same arrays, best of 3 each,
with the parameters of ``configs/fusion.py`` on the 3.125 km grid.

    PYTHONPATH=. python benchmarks/fusion.py [--quick]
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
import time
from pathlib import Path

import jax
import numpy as np

from seaice_jax import fusion
from seaice_jax.config import get as get_config
from seaice_jax.geo import named_grid


def _reference():
    """``fuse_numpy``: the test suite's NumPy reference (not part of the package)."""
    path = Path(__file__).resolve().parents[1] / "tests" / "fusion_reference.py"
    spec = importlib.util.spec_from_file_location("fusion_reference", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.fuse_numpy


def _inputs(shape, seed=0):
    rng = np.random.default_rng(seed)
    sic = rng.uniform(0, 100, (4, *shape)).astype(np.float32)
    sigma = rng.uniform(2, 15, (4, *shape)).astype(np.float32)
    sic[:2, :, : shape[1] // 2] = np.nan  # SAR covers half
    return sic, sigma, rng.uniform(size=shape) < 0.1


def _best(f, n=3):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(quick: bool = False) -> dict:
    shape = (512, 512) if quick else named_grid("arctic3413_3125m").shape
    sic, sigma, weather = _inputs(shape)
    params = dataclasses.replace(
        fusion.params_from_config(get_config("configs/fusion.py")), target_res_m=3_125.0
    )
    fuse_numpy = _reference()
    js, ju, jw = (jax.device_put(a) for a in (sic, sigma, weather))
    jax.block_until_ready(fusion.fuse(js, ju, jw, params))
    t_jax = _best(lambda: jax.block_until_ready(fusion.fuse(js, ju, jw, params)))
    t_np = _best(lambda: fuse_numpy(sic, sigma, weather, params), 1 if not quick else 3)
    mpx = shape[0] * shape[1] / 1e6
    return {
        "fusion": {
            "grid": f"{shape[0]}x{shape[1]}",
            "mpx_per_s": round(mpx / t_jax, 2),
            "vs_numpy": round(t_np / t_jax, 2),
        }
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
