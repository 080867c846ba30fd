"""Compare a SIC map with a reference on the reference's grid (DESIGN section 4, ``evaluate``).

The prediction is area-averaged onto the reference grid (any CRS pair), pixels that are land or
missing in either are dropped, and the metrics are computed overall and per chart class. Chart
classes come from a chart raster (``chart_class``: 0 open water, 1 MIZ, 2 consolidated) when one
is given, else from the reference SIC itself (WMO edges 15 % and 80 %).

:func:`compare_files` also returns ``warnings``: one line each when the two files are valid on
different days (their ``time`` coordinate, else a ``time_coverage_start`` attribute), when less
than :data:`MIN_COVERAGE` of the prediction's valid area on the reference grid is compared, or
when fewer than :data:`MIN_PIXELS` pixels are; the command prints them, the metrics stand.
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.evaluate.metrics import classes_from_sic, metrics_by_class
from seaice_jax.geo import Grid, regrid
from seaice_jax.io.products import open_dataset, pick_var

#: Below this fraction of the prediction's valid pixels (on the reference grid) being compared,
#: the grids "barely overlap" and the metrics describe a corner of the map only.
MIN_COVERAGE = 0.5
#: Fewer compared pixels than this and the metrics are noted as unreliable.
MIN_PIXELS = 50


def sic_variable(ds: xr.Dataset, name: str | None, path) -> xr.DataArray:
    """``name`` if given, else ``sic``, else the variable with CF standard name sea_ice_area_fraction."""
    if name is None and "sic" not in ds:
        cands = [
            v for v in ds.data_vars if ds[v].attrs.get("standard_name") == "sea_ice_area_fraction"
        ]
        if cands:
            name = str(cands[0])
    return pick_var(ds, name, path)


def _land(ds: xr.Dataset) -> np.ndarray | None:
    if "land_mask" in ds:
        return np.asarray(ds["land_mask"].values).squeeze() > 0.5
    return None


def on_reference_grid(pred: xr.DataArray, ref: xr.DataArray) -> np.ndarray:
    """``pred`` area-averaged onto the grid of ``ref`` (float32 array of ``ref``'s shape)."""
    grid = Grid.from_dataset(ref)
    return np.asarray(regrid(pred, grid, "average").values, np.float32)


def compare(pred: xr.DataArray, ref: xr.DataArray, *, classes=None, land=None) -> dict:
    """Metrics of ``pred`` against ``ref`` after regridding ``pred`` onto ``ref``'s grid.

    Args:
      pred, ref: georeferenced ``(y, x)`` SIC % rasters (any CRS each).
      classes: optional chart classes on ``ref``'s grid (see module doc).
      land: optional bool land mask on ``ref``'s grid (True = land, excluded).

    Returns:
      :func:`~seaice_jax.evaluate.metrics.metrics_by_class` output.

    Raises:
      SeaIceError: the two grids do not overlap (no common valid pixel).
    """
    p = on_reference_grid(pred, ref)
    r = np.asarray(ref.values, np.float32)
    mask = np.isfinite(p) & np.isfinite(r) & (r >= 0) & (r <= 100)
    if land is not None:
        mask &= ~np.asarray(land, bool)
    if not mask.any():
        raise SeaIceError("prediction and reference have no valid pixel in common (no overlap?)")
    cls = classes_from_sic(r) if classes is None else np.asarray(classes)
    res = metrics_by_class(p, r, cls, mask)
    res["coverage"] = _coverage(pred, ref, int(mask.sum()))
    return res


def _coverage(pred: xr.DataArray, ref: xr.DataArray, n_common: int) -> float | None:
    """Fraction of the prediction's valid area that is compared (pixel areas from the grids'
    resolutions); None when a grid is geographic or not a plain north-up grid."""
    try:
        gp, gr = Grid.from_dataset(pred), Grid.from_dataset(ref)
    except SeaIceError:
        return None
    if gp.pyproj_crs.is_geographic or gr.pyproj_crs.is_geographic:
        return None
    n_pred = int(np.isfinite(np.asarray(pred.values)).sum())
    return min(1.0, n_common * gr.res**2 / max(1, n_pred) / gp.res**2)


def valid_days(ds: xr.Dataset) -> list[str]:
    """The days (``YYYY-MM-DD``) a product is valid for: its ``time`` coordinate, else its
    ``time_coverage_start`` attribute; empty when it carries neither."""
    if "time" in ds.variables and np.issubdtype(ds["time"].dtype, np.datetime64):
        days = np.atleast_1d(ds["time"].values).astype("datetime64[D]")
        return sorted({str(d) for d in days if not np.isnat(d)})
    start = ds.attrs.get("time_coverage_start")
    return [str(np.datetime64(str(start)[:10], "D"))] if start else []


def caveats(res: dict, pred_days: list[str], ref_days: list[str]) -> list[str]:
    """The warnings about a comparison (see the module doc)."""
    out = []
    if pred_days and ref_days and not set(pred_days) & set(ref_days):
        out.append(
            f"prediction ({', '.join(pred_days)}) and reference ({', '.join(ref_days)}) "
            "are valid on different days"
        )
    if res["coverage"] is not None and res["coverage"] < MIN_COVERAGE:
        out.append(
            f"only {100 * res['coverage']:.0f} % of the prediction's valid pixels overlap the "
            "reference: the grids barely overlap"
        )
    if res["n"] < MIN_PIXELS:
        out.append(f"only n = {res['n']} pixels compared: the metrics are not reliable")
    return out


def compare_files(
    pred_path: str | os.PathLike,
    ref_path: str | os.PathLike,
    pred_var: str | None = None,
    ref_var: str | None = None,
) -> dict:
    """:func:`compare` on two files; land masks of either file (``land_mask``) are honoured.

    The result also holds ``warnings`` (:func:`caveats`)."""
    pds, rds = open_dataset(pred_path), open_dataset(ref_path)
    pred, ref = sic_variable(pds, pred_var, pred_path), sic_variable(rds, ref_var, ref_path)
    if pred.rio.crs is None:
        raise file_error(pred_path, "has no coordinate reference system: cannot regrid")
    land = _land(rds)
    pland = _land(pds)
    if pland is not None:
        pred = pred.where(~pland)
    classes = np.asarray(rds["chart_class"].values) if "chart_class" in rds else None
    try:
        res = compare(pred, ref, classes=classes, land=land)
    except SeaIceError as e:
        raise file_error(pred_path, f"vs {ref_path}: {e}") from None
    res["warnings"] = caveats(res, valid_days(pds), valid_days(rds))
    return res
