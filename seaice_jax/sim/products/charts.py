"""Write the sim's ice chart of a date as a Canadian Ice Service SIGRID-3 regional chart.

Name and fields as the CIS weekly regional charts (``cis_SGRDR<RR>_<YYYYMMDD>T1800Z_pl_a.shp``;
the CIS sample in ``SEAICE_JAX_DATA/cis_sigrid3_shp``): ``AREA``, ``PERIMETER`` (m^2, m), the egg
code ``CT CA SA FA CB SB FB CC SC FC CN CD CF`` and ``POLY_TYPE``, in the CIS Lambert conformal
conic projection of that sample. Polygons are densified (2 km) before reprojection from the
sim's EPSG:3413 so that their edges keep their shape; a region that the conic projection cannot
hold (near its cut at 80 E) is written in EPSG:3413 instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from seaice_jax.io import naming
from seaice_jax.io.charts import Chart, project_geometries, write_chart

CIS_LCC = CRS.from_proj4(
    "+proj=lcc +lat_0=40 +lon_0=-100 +lat_1=49 +lat_2=77 +x_0=0 +y_0=0 +datum=WGS84 +units=m"
)
CODE_FIELDS = ("CT", "CA", "SA", "FA", "CB", "SB", "FB", "CC", "SC", "FC", "CN", "CD", "CF")


def _cis_attrs(attrs: dict, geoms: np.ndarray) -> dict:
    n = len(geoms)
    out = {"AREA": shapely.area(geoms), "PERIMETER": shapely.length(geoms)}
    for f in CODE_FIELDS:
        out[f] = np.asarray(attrs[f], dtype=object) if f in attrs else np.full(n, "-9", object)
    out["POLY_TYPE"] = np.asarray(attrs["POLY_TYPE"], dtype=object)
    return out


def write_sigrid3(out_dir: Path, date: dt.date, geoms, attrs: dict, crs: str) -> tuple[Path, str]:
    """Write the chart of ``date``; returns its path and the CRS written (WKT)."""
    chart = Chart(np.asarray(geoms, dtype=object), {k: np.asarray(v) for k, v in attrs.items()},
                  CRS.from_user_input(crs))  # fmt: skip
    out = project_geometries(chart, CIS_LCC, max_segment=2000.0)
    bounds = shapely.bounds(out)
    areas = shapely.area(out) / np.maximum(shapely.area(chart.geometry), 1e-9)
    ok = (
        np.isfinite(bounds).all()
        and shapely.is_valid(out).all()
        and np.all(np.abs(areas - 1) < 0.5)
    )
    target = CIS_LCC if ok else chart.crs
    geo = out if ok else chart.geometry
    path = Path(out_dir) / naming.cis_chart_name(date)
    write_chart(path, geo, _cis_attrs(attrs, geo), target)
    return path, target.to_wkt()
