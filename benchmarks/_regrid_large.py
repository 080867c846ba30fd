"""Time and memory of a large cross-CRS area average (not part of ``seaice-jax bench``: ~1 min).

An ``n x n`` window of the 200 m EPSG:3413 grid onto the 25 km EASE2 cells that cover it, with
the exact overlap weights of ``seaice_jax.geo.area`` (docs/geo.md):

    PYTHONPATH=. python benchmarks/_regrid_large.py 5000
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
from pyproj import Transformer

from seaice_jax.geo import Grid, named_grid
from seaice_jax.geo.area import area_average, area_weights


def main(n: int) -> str:
    src = named_grid("arctic3413_200m").subgrid(20_000, 15_000, n, n)
    b = Transformer.from_crs("EPSG:3413", "EPSG:6931", always_xy=True).transform_bounds(*src.bounds)
    lo, hi = np.floor(np.array(b[:2]) / 25e3) * 25e3, np.ceil(np.array(b[2:]) / 25e3) * 25e3
    dst = Grid.from_bounds("EPSG:6931", (*lo, *hi), 25_000.0)
    t0 = time.perf_counter()
    w = area_weights(src, dst)
    t1 = time.perf_counter()
    v = np.random.default_rng(0).random(src.shape, np.float32)
    area_average(v, src, dst)
    t2 = time.perf_counter()
    mib = (w.data.nbytes + w.indices.nbytes + w.indptr.nbytes) / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    return (
        f"{n} x {n} 200 m EPSG:3413 -> 25 km EASE2 {dst.shape}: build {t1 - t0:.1f} s, "
        f"apply {t2 - t1:.2f} s, {w.nnz / n / n:.3f} weights per pixel, {mib:.0f} MiB, "
        f"peak RSS {rss:.0f} MiB"
    )


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
