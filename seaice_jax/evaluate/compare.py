"""Compare a SIC map with a reference on the reference's grid (DESIGN section 4, ``evaluate``).

The prediction is area-averaged onto the reference grid (any CRS pair), pixels that are land or
missing in either are dropped, and the metrics are computed overall and per chart class. Chart
classes come from a chart raster (``chart_class``: 0 open water, 1 MIZ, 2 consolidated) when one
is given, else from the reference SIC itself (WMO edges 15 % and 80 %).
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.evaluate.metrics import classes_from_sic, metrics_by_class
from seaice_jax.geo import Grid, regrid
from seaice_jax.io.products import open_dataset, pick_var


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
    return metrics_by_class(p, r, cls, mask)


def compare_files(
    pred_path: str | os.PathLike,
    ref_path: str | os.PathLike,
    pred_var: str | None = None,
    ref_var: str | None = None,
) -> dict:
    """:func:`compare` on two files; land masks of either file (``land_mask``) are honoured."""
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
        return compare(pred, ref, classes=classes, land=land)
    except SeaIceError as e:
        raise file_error(pred_path, f"vs {ref_path}: {e}") from None
