"""Evaluation of SIT against point measurements (Karvonen et al., section 4).

Each measurement is matched to the pixel under it (hence to the segment of that pixel, since the
estimate is segment-wise); measurements outside the image or on masked pixels are left out and
counted. Statistics: L1 difference (mean absolute difference), bias (mean signed difference,
positive = overestimation), RMS difference and Pearson correlation R.
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer

from seaice_jax.geo.grids import Grid


def points_to_pixels(
    lon: np.ndarray, lat: np.ndarray, grid: Grid
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row/column of each point on ``grid`` and whether it falls inside.

    Returns:
      (rows, cols, inside), each (N,); rows/cols are 0 where ``inside`` is False.
    """
    t = Transformer.from_crs(CRS.from_epsg(4326), grid.pyproj_crs, always_xy=True)
    x, y = t.transform(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    col = np.floor((np.asarray(x) - grid.x0) / grid.res)
    row = np.floor((grid.y0 - np.asarray(y)) / grid.res)
    inside = np.isfinite(col) & np.isfinite(row)
    inside &= (col >= 0) & (col < grid.width) & (row >= 0) & (row < grid.height)
    return np.where(inside, row, 0).astype(int), np.where(inside, col, 0).astype(int), inside


def sample(field: np.ndarray, rows: np.ndarray, cols: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Values of a (H, W) field at the matched points, NaN outside."""
    v = np.asarray(field, np.float64)[rows, cols]
    return np.where(inside, v, np.nan)


def metrics(est: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    """{"l1d", "bias", "rmsd", "r", "n"} over finite pairs (SIT in m); NaN stats when n < 2."""
    est, ref = np.asarray(est, np.float64), np.asarray(ref, np.float64)
    ok = np.isfinite(est) & np.isfinite(ref)
    n = int(ok.sum())
    if n < 2:
        return {
            "l1d": float("nan"),
            "bias": float("nan"),
            "rmsd": float("nan"),
            "r": float("nan"),
            "n": n,
        }
    d = est[ok] - ref[ok]
    r = np.corrcoef(est[ok], ref[ok])[0, 1] if est[ok].std() > 0 and ref[ok].std() > 0 else np.nan
    return {
        "l1d": float(np.abs(d).mean()),
        "bias": float(d.mean()),
        "rmsd": float(np.sqrt((d**2).mean())),
        "r": float(r),
        "n": n,
    }


def table1_markdown(table: dict[str, dict[str, float]]) -> str:
    """The paper's Table 1 layout: one row per estimate, L1D / bias / RMSD in cm, R."""
    lines = ["| SIT | L1D (cm) | bias (cm) | RMSD (cm) | R | N |", "|---|---|---|---|---|---|"]
    for name, m in table.items():
        lines.append(
            f"| {name} | {100 * m['l1d']:.1f} | {100 * m['bias']:+.1f} | {100 * m['rmsd']:.1f} "
            f"| {m['r']:.2f} | {m['n']} |"
        )
    return "\n".join(lines) + "\n"


def point_area_representativeness(
    lon: np.ndarray,
    lat: np.ndarray,
    thickness: np.ndarray,
    res_m: float = 500.0,
    crs: str = "EPSG:3413",
) -> dict:
    """How well an area value (a grid cell) represents a point measurement.

    The points are matched to cells of a ``res_m`` grid in ``crs`` with :func:`points_to_pixels`
    (the same code that matches icebreaker points to the SIT map), and each point is compared with
    the leave-one-out mean of the other points in its cell: the disagreement any segment-wise
    estimate must show against single points (the paper's discussion of its RMSD).

    Returns:
      {"cells", "points_in_shared_cells", **metrics(loo cell mean, point)}.
    """
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    x0 = np.floor(np.nanmin(x) / res_m) * res_m - res_m
    y0 = np.ceil(np.nanmax(y) / res_m) * res_m + res_m
    w = int(np.ceil((np.nanmax(x) - x0) / res_m)) + 2
    h = int(np.ceil((y0 - np.nanmin(y)) / res_m)) + 2
    grid = Grid(crs, float(x0), float(y0), res_m, w, h, "points")
    rows, cols, inside = points_to_pixels(lon, lat, grid)
    cell = np.where(inside, rows * w + cols, -1)
    t = np.asarray(thickness, np.float64)
    ok = inside & np.isfinite(t)
    s = np.bincount(cell[ok], weights=t[ok], minlength=h * w)
    n = np.bincount(cell[ok], minlength=h * w)
    loo = np.full(t.shape, np.nan)
    shared = ok & (n[np.maximum(cell, 0)] > 1)
    loo[shared] = (s[cell[shared]] - t[shared]) / (n[cell[shared]] - 1)
    out = metrics(loo, t)
    out.update(cells=int((n > 0).sum()), points_in_shared_cells=int(shared.sum()))
    return out
