"""Swath -> grid: the project's KD-tree in the map plane (``seaice_jax.geo.swath_to_grid``) against
pyresample (great-circle neighbours, the field's library), side by side on a real swath.

The real SSMIS swath geometry of the data catalogue (``pyresample_ssmis``, 300 240 footprints)
carries a known field: the NSIDC-0051 F17 NASA Team SIC of 2017-10-02 (``nsidc0051_nasateam``)
sampled at each footprint. Both resamplers put it back onto the 25 km NSIDC grid with the same
settings (radius 25 km, Gaussian sigma 12.5 km, 16 neighbours; and nearest), and are scored by
their RMSE against the known field where it is smooth (the 3x3 range under 10 %), by their
agreement with each other and by time (best of ``repeats``; KD-tree building included).

``run(quick)`` returns ``{"swath_resample": {...}}``; without pyresample (a ``bench`` extra) the
pyresample half is null.
"""

from __future__ import annotations

import importlib.util
import time
import warnings

import numpy as np
from pyproj import Transformer
from rasterio.transform import rowcol
from scipy.ndimage import maximum_filter, minimum_filter

from seaice_jax.geo.grids import named_grid
from seaice_jax.geo.swath import swath_to_grid
from seaice_jax.io import catalog

RADIUS, SIGMA, K = 25_000.0, 12_500.0, 16
HAS_PYRESAMPLE = importlib.util.find_spec("pyresample") is not None


def _case(n_max: int | None):
    (npz,) = [p for p in catalog.fetch("pyresample_ssmis") if p.suffix == ".npz"]
    nt_bin = [p for p in catalog.fetch("nsidc0051_nasateam") if p.name.startswith("nt_2017")][0]
    raw = np.fromfile(nt_bin, np.uint8)[300:].reshape(448, 304).astype(np.float64)
    sic = np.where(raw <= 250, raw / 2.5, np.nan)
    lon, lat, _ = np.load(npz)["data"].T.astype(np.float64)
    keep = (lat > 35) & (lat <= 90)
    lon, lat = lon[keep][:n_max], lat[keep][:n_max]
    grid = named_grid("nsidc3411_25km")
    xy = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(lon, lat)
    rc = np.asarray(rowcol(grid.transform, *xy))  # the known field's cell of each footprint
    inside = np.all((rc >= 0) & (rc < np.array(grid.shape)[:, None]), axis=0)
    values = np.where(inside, sic[tuple(np.where(inside, rc, 0))], np.nan)
    smooth = np.isfinite(sic) & (maximum_filter(sic, 3) - minimum_filter(sic, 3) < 10)
    return grid, lon, lat, values, sic, smooth


def _pyresample(grid, lon, lat, values, method: str) -> np.ndarray:
    from pyresample import geometry, kd_tree

    ok = np.isfinite(values)
    swath = geometry.SwathDefinition(lons=lon[ok], lats=lat[ok])
    area = geometry.AreaDefinition(
        "grid", "grid", "grid", grid.crs, grid.width, grid.height, grid.bounds
    )
    with warnings.catch_warnings():  # "more than 16 neighbours within 25 km": by design, as ours
        warnings.filterwarnings("ignore", "Possible more than", UserWarning)
        if method == "gauss":
            out = kd_tree.resample_gauss(
                swath, values[ok], area, RADIUS, sigmas=SIGMA, neighbours=K, fill_value=None
            )
        else:
            out = kd_tree.resample_nearest(swath, values[ok], area, RADIUS, fill_value=None)
    return np.ma.filled(np.ma.masked_invalid(out).astype(np.float64), np.nan)


def _timed(fn, repeats: int):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def measure(n_max: int | None = None, repeats: int = 3) -> dict:
    grid, lon, lat, values, truth, smooth = _case(n_max)
    res = {"footprints": int(np.isfinite(values).sum()), "grid": "nsidc3411_25km"}
    for method in ("gauss", "nearest"):
        kw = {"sigma_m": SIGMA, "k": K} if method == "gauss" else {}
        t_own, own = _timed(
            lambda m=method, kw=kw: swath_to_grid(lon, lat, values, grid, RADIUS, method=m, **kw),
            repeats,
        )
        row = {"seaice_jax_s": t_own, "seaice_jax_rmse": _rmse(own, truth, smooth)}
        if HAS_PYRESAMPLE:
            t_pr, pr = _timed(lambda m=method: _pyresample(grid, lon, lat, values, m), repeats)
            both = np.isfinite(own) & np.isfinite(pr)
            row |= {
                "pyresample_s": t_pr,
                "pyresample_rmse": _rmse(pr, truth, smooth),
                "max_abs_diff": float(np.abs(own - pr)[both].max()),
                "mean_abs_diff": float(np.abs(own - pr)[both].mean()),
                "pixels_only_one": int((np.isfinite(own) ^ np.isfinite(pr)).sum()),
            }
        res[method] = row
    return res


def _rmse(field, truth, smooth) -> float:
    ok = smooth & np.isfinite(field)
    return float(np.sqrt(np.mean((field[ok] - truth[ok]) ** 2)))


def run(quick: bool = False) -> dict:
    return {"swath_resample": measure(60_000 if quick else None, 1 if quick else 3)}
