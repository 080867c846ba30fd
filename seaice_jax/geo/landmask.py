"""Land mask on any grid from the GSHHG coastlines (Wessel and Smith 1996) via roaring-landmask.

roaring-landmask holds the GSHHG full-resolution shoreline (level 1, with the OpenStreetMap-based
refinement of its provider) as a rasterised bitmap plus exact polygon tests near coasts, and answers
"is this lon/lat on land?" for millions of points per second. The mask here tests pixel centres;
``land_fraction`` supersamples each pixel for coarse grids where a centre test is too crude.
"""

from __future__ import annotations

import functools

import numpy as np
from roaring_landmask import RoaringLandmask
from tqdm.auto import tqdm

from seaice_jax.geo.grids import Grid


@functools.lru_cache(maxsize=1)
def _landmask():
    """The roaring-landmask object (loading it takes seconds, so once per process)."""
    return RoaringLandmask.new()


def is_land(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where ``(lon, lat)`` (deg, any matching shapes) lies on GSHHG land."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    shape = np.broadcast(lon, lat).shape
    lon, lat = (np.broadcast_to(a, shape).ravel() for a in (lon, lat))
    lon = (lon + 180.0) % 360.0 - 180.0
    out = np.zeros(lon.shape, dtype=bool)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90)
    if ok.any():
        out[ok] = np.asarray(_landmask().contains_many(lon[ok].copy(), lat[ok].copy()), dtype=bool)
    return out.reshape(shape)


def land_mask(grid: Grid, *, block_rows: int = 512) -> np.ndarray:
    """Land mask of ``grid``: True where the pixel centre is on land.

    Args:
      grid: any grid (its pixel centres are transformed to lon/lat), processed in row blocks so
        that large grids need only the output in memory (a progress bar shows on big ones).
      block_rows: rows per block.

    Returns:
      ``(grid.height, grid.width)`` bool array.
    """
    out = np.empty(grid.shape, dtype=bool)
    starts = range(0, grid.height, block_rows)
    big = grid.height * grid.width > 16_000_000
    for r in tqdm(starts, desc="land mask", unit="block", disable=not big):
        n = min(block_rows, grid.height - r)
        lon, lat = grid.subgrid(r, 0, n, grid.width).lonlat()
        out[r : r + n] = is_land(lon, lat)
    return out


def land_fraction(grid: Grid, n: int = 4) -> np.ndarray:
    """Fraction of each pixel on land, from ``n x n`` sub-pixel centres.

    Args:
      grid: any grid.
      n: sub-samples per side.

    Returns:
      ``(grid.height, grid.width)`` float32 in [0, 1].
    """
    fine = Grid(grid.crs, grid.x0, grid.y0, grid.res / n, grid.width * n, grid.height * n)
    m = land_mask(fine).reshape(grid.height, n, grid.width, n)
    return m.mean(axis=(1, 3)).astype(np.float32)
