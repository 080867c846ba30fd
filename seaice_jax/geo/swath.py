"""Swath (scattered points) to grid resampling with a KD-tree in the grid's projection.

Each grid pixel centre takes the footprints within ``radius_m`` (distance measured in the map
plane of the target grid, where polar stereographic and equal-area grids distort distances by a
few per cent at most over a radiometer footprint): either the nearest one or a Gaussian-weighted
mean of up to ``k`` of them (the usual "drop-in-the-bucket with weights" of swath gridding, cf.
pyresample ``resample_gauss``). Pixels with no footprint within the radius are NaN.
"""

from __future__ import annotations

import numpy as np
from pyproj import Transformer
from scipy.spatial import cKDTree

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid


def swath_to_grid(
    lon: np.ndarray,
    lat: np.ndarray,
    values: np.ndarray,
    grid: Grid,
    radius_m: float,
    *,
    method: str = "gauss",
    sigma_m: float | None = None,
    k: int = 16,
) -> np.ndarray:
    """Resample swath values onto ``grid``.

    Args:
      lon, lat: footprint centres (deg), any shape ``S`` (e.g. ``(N,)`` or ``(scans, pixels)``).
      values: values at the footprints, shape ``S``; NaN (and non-finite lon/lat) are ignored.
      grid: target grid.
      radius_m: search radius (m) in the grid's map plane; beyond it the pixel is NaN.
      method: ``"gauss"`` (Gaussian weights ``exp(-d^2 / (2 sigma^2))``) or ``"nearest"``.
      sigma_m: Gaussian width (m); default ``radius_m / 2``.
      k: maximum number of neighbours for ``"gauss"``.

    Returns:
      ``(grid.height, grid.width)`` float32 array, NaN where no footprint is within ``radius_m``.

    Raises:
      SeaIceError: mismatched shapes, bad radius or method, no valid footprint.
    """
    lon, lat, values = (np.asarray(a, dtype=np.float64).ravel() for a in (lon, lat, values))
    if not (lon.size == lat.size == values.size):
        raise SeaIceError(
            f"swath_to_grid: lon, lat and values differ in size ({lon.size}, {lat.size}, {values.size})"
        )
    if not radius_m > 0:
        raise SeaIceError(f"swath_to_grid: radius_m must be positive, got {radius_m}")
    if method not in ("gauss", "nearest"):
        raise SeaIceError(f"swath_to_grid: method '{method}' unknown (gauss or nearest)")
    ok = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(values) & (np.abs(lat) <= 90)
    if not ok.any():
        raise SeaIceError("swath_to_grid: no valid footprint (all values or positions are NaN)")
    to_map = Transformer.from_crs("EPSG:4326", grid.pyproj_crs, always_xy=True)
    with np.errstate(all="ignore"):
        px, py = to_map.transform(lon[ok], lat[ok], errcheck=False)
    px, py, vals = np.asarray(px), np.asarray(py), values[ok]
    fin = np.isfinite(px) & np.isfinite(py)
    tree = cKDTree(np.column_stack([px[fin], py[fin]]))
    vals = vals[fin]
    gx, gy = np.meshgrid(grid.x, grid.y)
    query = np.column_stack([gx.ravel(), gy.ravel()])
    kk = 1 if method == "nearest" else min(k, len(vals))
    dist, idx = tree.query(query, k=kk, distance_upper_bound=radius_m)
    dist, idx = dist.reshape(len(query), kk), idx.reshape(len(query), kk)
    hit = np.isfinite(dist)  # missing neighbours come back as inf distance, index len(vals)
    vals_pad = np.append(vals, np.nan)
    v = vals_pad[idx]
    if method == "nearest":
        out = np.where(hit[:, 0], v[:, 0], np.nan)
    else:
        sigma = radius_m / 2.0 if sigma_m is None else float(sigma_m)
        w = np.where(hit, np.exp(-0.5 * (np.where(hit, dist, 0.0) / sigma) ** 2), 0.0)
        wsum = w.sum(axis=1)
        num = (w * np.where(hit, v, 0.0)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(wsum > 0, num / wsum, np.nan)
    return out.reshape(grid.shape).astype(np.float32)
