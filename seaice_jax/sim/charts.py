"""Ice charts from the smoothed truth: SIGRID-3 polygons, written as ESRI shapefiles.

An analyst draws regions of similar concentration on a smoothed view of the ice: the truth is
smoothed (Gaussian, ``smooth_px``), binned into the WMO concentration ranges an analyst would
use (open water < 1/10, 1-3/10, 4-6/10, 7-8/10, 9/10, 9+/10), small regions are merged into
their neighbours (sieve) and the outlines are simplified. Attributes follow SIGRID-3 (JCOMM
2014, WMO/TD-No. 1214): CT (total concentration code), CA/SA/FA (partial concentration, stage of
development, form of the thickest ice), POLY_TYPE (I ice, W water, L land).
Chart classes used by the loss weights: 0 open water (W), 1 MIZ (CT up to 8/10), 2 consolidated.
"""

from __future__ import annotations

import os

import numpy as np
import rasterio.features
import shapely
from scipy.ndimage import gaussian_filter

from seaice_jax.geo.grids import Grid
from seaice_jax.io.charts import write_chart

# (lower %, upper %, CT code, chart class)
CT_BINS = (
    (0, 10, "01", 0),
    (10, 35, "13", 1),
    (35, 65, "46", 1),
    (65, 85, "78", 1),
    (85, 95, "90", 2),
    (95, 101, "91", 2),
)
LAND_CODE = 255


def bin_codes(sic_pct: np.ndarray) -> np.ndarray:
    """Index into :data:`CT_BINS` of each concentration (%)."""
    edges = np.array([b[1] for b in CT_BINS[:-1]], float)
    return np.digitize(np.nan_to_num(sic_pct), edges).astype(np.uint8)


def chart_polygons(
    sic_pct: np.ndarray,
    myi: np.ndarray,
    land: np.ndarray,
    grid: Grid,
    smooth_px: float = 3.0,
    min_px: int = 30,
):
    """Chart polygons and their SIGRID-3 attributes from a truth field.

    Args:
      sic_pct: (H, W) concentration (%).
      myi: (H, W) multiyear share of the ice (0-1).
      land: (H, W) bool.
      grid: the grid of the fields.
      smooth_px, min_px: analyst smoothing (px) and smallest region kept (px).

    Returns:
      (list of shapely polygons in the grid CRS, dict of attribute arrays).
    """
    sm = gaussian_filter(np.nan_to_num(np.where(land, 0.0, sic_pct)).astype(np.float64), smooth_px)
    code = bin_codes(sm).astype(np.int32)
    code[land] = LAND_CODE
    geoms, regions, vals = label_polygons(code, grid, min_px)
    n = len(geoms)
    idx = regions.ravel()
    cnt = np.maximum(np.bincount(idx, minlength=n + 1), 1)
    m_my = np.bincount(idx, weights=myi.ravel().astype(np.float64), minlength=n + 1) / cnt
    attrs = {k: [] for k in ("CT", "CA", "SA", "FA", "POLY_TYPE")}
    for i, val in enumerate(vals):
        if val == LAND_CODE:
            row = ("-9", "-9", "-9", "-9", "L")
        elif CT_BINS[val][3] == 0:
            row = ("01", "-9", "-9", "-9", "W")
        else:
            stage = "97" if m_my[i + 1] > 0.5 else "93"
            form = "08" if CT_BINS[val][3] == 2 else "05"
            row = (CT_BINS[val][2], CT_BINS[val][2], stage, form, "I")
        for k, v in zip(attrs, row, strict=True):
            attrs[k].append(v)
    return geoms, {k: np.asarray(v, dtype=object) for k, v in attrs.items()}


def label_polygons(labels: np.ndarray, grid: Grid, min_px: int):
    """Polygons of the sieved integer ``labels`` raster.

    Returns:
      (list of n simplified shapely polygons, (H, W) int32 polygon index 1..n (0 nowhere),
      list of the n labels).
    """
    lab = rasterio.features.sieve(labels.astype(np.int32), size=min_px, connectivity=4)
    geoms, raw, vals = [], [], []
    for geom, val in rasterio.features.shapes(lab, connectivity=4, transform=grid.transform):
        poly = shapely.geometry.shape(geom).simplify(grid.res * 0.75, preserve_topology=True)
        if poly.is_empty:
            continue
        geoms.append(poly)
        raw.append((geom, len(geoms)))
        vals.append(int(val))
    regions = rasterio.features.rasterize(
        raw, out_shape=lab.shape, transform=grid.transform, fill=0, dtype="int32"
    )
    return geoms, regions, vals


def chart_class_values(attrs: dict) -> np.ndarray:
    """Chart class per polygon (0 open water, 1 MIZ, 2 consolidated, -1 land)."""
    cls = {b[2]: b[3] for b in CT_BINS}
    return np.array(
        [
            -1 if p == "L" else (0 if p == "W" else cls.get(ct, 2))
            for ct, p in zip(attrs["CT"], attrs["POLY_TYPE"], strict=True)
        ]
    )


def rasterize_values(geoms, values, grid: Grid, fill: float = np.nan) -> np.ndarray:
    """Burn one value per polygon onto ``grid``: (H, W) float32."""
    shapes = [(g, float(v)) for g, v in zip(geoms, values, strict=True)]
    return rasterio.features.rasterize(
        shapes, out_shape=grid.shape, transform=grid.transform, fill=fill, dtype="float32"
    )


def write_shapefile(path: str | os.PathLike, geoms, attrs: dict, crs: str) -> None:
    """Write polygons with attributes as an ESRI shapefile, atomically (``io.charts.write_chart``)."""
    write_chart(path, geoms, attrs, crs)
