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
    extra: dict[str, np.ndarray] | None = None,
):
    """Chart polygons and their attributes from a truth field.

    Args:
      sic_pct: (H, W) concentration (%).
      myi: (H, W) multiyear share of the ice (0-1).
      land: (H, W) bool.
      grid: the grid of the fields.
      smooth_px, min_px: analyst smoothing (px) and smallest region kept (px).
      extra: optional {name: (H, W) field} whose polygon min/mean/max are returned as
        ``<name>_MIN``/``_AVG``/``_MAX`` (Baltic thickness).

    Returns:
      (list of shapely polygons in the grid CRS, dict of attribute arrays, (H, W) region labels).
    """
    sm = gaussian_filter(np.nan_to_num(np.where(land, 0.0, sic_pct)).astype(np.float64), smooth_px)
    code = bin_codes(sm)
    code[land] = LAND_CODE
    code = rasterio.features.sieve(code, size=min_px, connectivity=4)
    geoms, attrs, regions = (
        [],
        {k: [] for k in ("CT", "CA", "SA", "FA", "POLY_TYPE")},
        np.zeros(code.shape, np.int32),
    )
    stats = {k: [] for k in (extra or {})}
    shapes = rasterio.features.shapes(code, connectivity=4, transform=grid.transform)
    for i, (geom, val) in enumerate(shapes):
        poly = shapely.geometry.shape(geom).simplify(grid.res * 0.75, preserve_topology=True)
        if poly.is_empty:
            continue
        mask = rasterio.features.rasterize(
            [(geom, 1)], out_shape=code.shape, transform=grid.transform
        ).astype(bool)
        regions[mask] = len(geoms) + 1
        geoms.append(poly)
        val = int(val)
        if val == LAND_CODE:
            vals = ("-9", "-9", "-9", "-9", "L")
        elif CT_BINS[val][3] == 0:
            vals = ("01", "-9", "-9", "-9", "W")
        else:
            m_my = float(np.mean(myi[mask])) if mask.any() else 0.0
            stage = "97" if m_my > 0.5 else "93"
            form = "08" if CT_BINS[val][3] == 2 else "05"
            vals = (CT_BINS[val][2], CT_BINS[val][2], stage, form, "I")
        for k, v in zip(attrs, vals, strict=True):
            attrs[k].append(v)
        for k, f in (extra or {}).items():
            x = f[mask & ~land]
            stats[k].append(
                (float(x.min()), float(x.mean()), float(x.max()))
                if x.size and val != LAND_CODE
                else (np.nan,) * 3
            )
        del i
    out = {k: np.asarray(v, dtype=object) for k, v in attrs.items()}
    for k, v in stats.items():
        arr = np.asarray(v, float).reshape(-1, 3)
        for j, suf in enumerate(("MIN", "AVG", "MAX")):
            out[f"{k}_{suf}"] = arr[:, j]
    return geoms, out, regions


def label_polygons(labels: np.ndarray, grid: Grid, min_px: int):
    """Polygons of the sieved integer ``labels`` raster: list of (shapely polygon, (H, W) mask, label)."""
    lab = rasterio.features.sieve(labels.astype(np.int32), size=min_px, connectivity=4)
    out = []
    for geom, val in rasterio.features.shapes(lab, connectivity=4, transform=grid.transform):
        poly = shapely.geometry.shape(geom).simplify(grid.res * 0.75, preserve_topology=True)
        if poly.is_empty:
            continue
        mask = rasterio.features.rasterize(
            [(geom, 1)], out_shape=lab.shape, transform=grid.transform
        ).astype(bool)
        out.append((poly, mask, int(val)))
    return out


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
