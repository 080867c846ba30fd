"""Area-average regridding (``seaice_jax.geo``): exact overlap weights against GDAL's warp.

Two cases, the same float32 0/100 noise on both sides, best of ``repeats``:

- ``rotated``: 1 km EASE2 (EPSG:6931, lon_0 0) -> 10 km polar stereographic (EPSG:3413,
  lon_0 -45), grids rotated 45 degrees against each other. ``area_build_s`` builds the sparse
  weights (once per grid pair, then cached), ``area_apply_s`` applies them, ``gdal_s`` is GDAL's
  ``average`` warp (the path before, not an area mean there: ``std_gdal`` against the exact
  ``std_area``). ``vs_gdal`` = GDAL time / (build + apply), ``vs_gdal_cached`` = GDAL time / apply.
- ``same_crs``: 200 m -> 3.125 km EPSG:3413 (non-integer ratio 15.625), where ``regrid`` keeps
  GDAL (exact there): the area weights' time beside it, and their largest difference.

    PYTHONPATH=. python benchmarks/regrid.py [--quick]
"""

from __future__ import annotations

import time
import timeit

import numpy as np
from pyproj import Transformer

from seaice_jax.geo.area import area_average, area_weights
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.geo.regrid import METHODS, _warp


def _best(fn, repeats: int) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeats))


def _covering(dst: Grid, crs: str, res: float) -> Grid:
    """A ``res`` grid in ``crs`` covering ``dst`` (its pixel edges on multiples of ``res``)."""
    b = Transformer.from_crs(dst.crs, crs, always_xy=True).transform_bounds(*dst.bounds)
    lo = np.floor(np.array(b[:2]) / res) * res
    hi = np.ceil(np.array(b[2:]) / res) * res
    return Grid.from_bounds(crs, (lo[0], lo[1], hi[0], hi[1]), res)


def _case(src: Grid, dst: Grid, repeats: int) -> dict:
    v = np.random.default_rng(0).integers(0, 2, src.shape).astype(np.float32) * 100
    area_weights.cache_clear()
    t0 = time.perf_counter()
    w = area_weights(src, dst)
    build = time.perf_counter() - t0
    apply = _best(lambda: area_average(v, src, dst), repeats)
    gdal = _best(lambda: _warp(v, src, dst, METHODS["average"]), repeats)
    a, g = area_average(v, src, dst), _warp(v, src, dst, METHODS["average"])
    area_weights.cache_clear()
    return {
        "src_pixels": src.width * src.height,
        "dst_pixels": dst.width * dst.height,
        "nnz_per_src_pixel": w.nnz / (src.width * src.height),
        "area_build_s": build,
        "area_apply_s": apply,
        "gdal_s": gdal,
        "vs_gdal": gdal / (build + apply),
        "vs_gdal_cached": gdal / apply,
        "std_area": float(np.nanstd(a)),
        "std_gdal": float(np.nanstd(g)),
        "max_abs_diff": float(np.nanmax(np.abs(a - g))),
    }


def run(quick: bool = False) -> dict:
    """Entry of ``seaice-jax bench``: ``{"regrid": {"rotated": {...}, "same_crs": {...}}}``."""
    n = 20 if quick else 100  # target cells per side
    dst = Grid("EPSG:3413", 0.0, -1_000_000.0, 10_000.0, n, n)
    side = int(np.ceil(n * 3125 / 200))  # the same extent at 200 m
    fine = named_grid("arctic3413_200m").subgrid(20_000, 15_000, side, side)
    coarse = named_grid("arctic3413_3125m").subgrid(1280, 960, n, n)
    repeats = 2 if quick else 3
    return {
        "regrid": {
            "rotated": _case(_covering(dst, "EPSG:6931", 1_000.0), dst, repeats),
            "same_crs": _case(fine, coarse, repeats),
        }
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
