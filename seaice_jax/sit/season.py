"""A Baltic season folder -> scene products and matched measurements.

Layout (the simulator's, HELPERS/DESIGN): ``sar.nc`` (hh dB, incidence_angle, land_mask on
EPSG:3395 500 m), ``hightsi.nc`` (sit, m, same grid), ``chart.shp`` with numeric ``SIT_MIN``,
``SIT_AVG``, ``SIT_MAX`` (m) (or ``chart.nc`` with ``sit_min``/``sit_avg``/``sit_max`` rasters on
the same grid), ``measurements.csv`` (lon, lat, time, thickness in m).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.geo.grids import Grid
from seaice_jax.io.charts import rasterize_chart, read_chart
from seaice_jax.io.products import open_dataset
from seaice_jax.sit import evaluation
from seaice_jax.sit.pipeline import SceneProducts, point_features, process_scene

CHART_ATTRS = ("SIT_MIN", "SIT_AVG", "SIT_MAX")


def open_raster(path: Path) -> xr.Dataset:
    """Open a gridded product with the project's readers (plain CF-netCDF as a fallback)."""
    try:
        return open_dataset(path)
    except SeaIceError:
        if path.suffix != ".nc" or not path.is_file():
            raise
    try:
        with xr.open_dataset(path, decode_coords="all") as ds:
            ds = ds.load()
    except (OSError, ValueError) as e:
        raise file_error(path, f"cannot read netCDF ({e})") from None
    for v in ("spatial_ref", "crs"):
        if ds.rio.crs is None and v in ds.variables and "crs_wkt" in ds[v].attrs:
            ds = ds.rio.write_crs(ds[v].attrs["crs_wkt"])
    return ds


def read_chart_sit(path: Path, grid: Grid) -> dict[str, np.ndarray]:
    """Chart thickness rasters {"sit_min", "sit_avg", "sit_max"} (m) on ``grid``.

    Raises:
      SeaIceError: the chart has no SIT_MIN/SIT_AVG/SIT_MAX (e.g. a SIGRID-3 chart of CT codes).
    """
    if path.suffix.lower() == ".shp":
        chart = read_chart(path)
        out = {}
        for a in CHART_ATTRS:
            try:
                out[a.lower()] = rasterize_chart(chart, grid, what=a)
            except (SeaIceError, KeyError, ValueError):
                raise file_error(
                    path, f"chart has no thickness attribute {a} (needs {', '.join(CHART_ATTRS)})"
                ) from None
        try:  # optional degree of deformation 1-5 (FMI charts): deformed ~ level x degree
            out["deform"] = rasterize_chart(chart, grid, what="DEFORM")
        except (SeaIceError, KeyError, ValueError):
            pass
        return out
    ds = open_raster(path)
    missing = [a for a in CHART_ATTRS if a.lower() not in ds]
    if missing:
        raise file_error(
            path, f"chart has no thickness variable(s) {', '.join(m.lower() for m in missing)}"
        )
    return {
        a.lower(): np.asarray(ds[a.lower()].values, np.float32)
        for a in (*CHART_ATTRS, "DEFORM")
        if a.lower() in ds
    }


def read_points(path: Path) -> dict[str, np.ndarray]:
    """Point measurements {"lon", "lat", "time", "thickness"} from a CSV or any point reader."""
    if path.suffix.lower() == ".csv":
        try:
            df = pd.read_csv(path)
        except (OSError, ValueError) as e:
            raise file_error(path, f"cannot read measurements ({e})") from None
        df.columns = [c.strip().lower() for c in df.columns]
        need = {"lon", "lat", "thickness"} - set(df.columns)
        if need:
            raise file_error(path, f"measurements lack column(s) {', '.join(sorted(need))}")
        t = (
            pd.to_datetime(df["time"]).to_numpy()
            if "time" in df
            else np.full(len(df), np.datetime64("NaT"))
        )
        return {
            "lon": df["lon"].to_numpy(float),
            "lat": df["lat"].to_numpy(float),
            "time": t,
            "thickness": df["thickness"].to_numpy(float),
        }
    ds = open_raster(path)
    return {k: np.asarray(ds[k].values) for k in ("lon", "lat", "time", "thickness")}


@dataclasses.dataclass
class Season:
    """One season's processed scene and its measurements matched to it."""

    name: str
    grid: Grid
    products: SceneProducts
    points: dict[str, np.ndarray]
    rows: np.ndarray
    cols: np.ndarray
    inside: np.ndarray
    feats: dict[str, np.ndarray]  # per point, segment medians of the segment under it
    period: list[str]
    notes: list[str]


def load_season(folder: str | os.PathLike, cfg) -> Season:
    """Process a season folder (SAR chain + matching of its measurements)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise file_error(folder, "season folder not found")
    sar = open_raster(folder / "sar.nc")
    grid = Grid.from_dataset(sar)
    hightsi = np.asarray(open_raster(folder / "hightsi.nc")["sit"].values, np.float32)
    chart_path = next(
        (folder / n for n in ("chart.shp", "chart.nc") if (folder / n).exists()), None
    )
    if chart_path is None:
        raise file_error(folder, "no chart.shp or chart.nc")
    chart = read_chart_sit(chart_path, grid)
    products = process_scene(sar, hightsi, chart, cfg)
    mfile = folder / "measurements.csv"
    if mfile.exists():
        pts = read_points(mfile)
    else:  # predicting a scene needs no measurements
        e = np.zeros(0)
        pts = {"lon": e, "lat": e, "time": e.astype("datetime64[s]"), "thickness": e}
    rows, cols, inside = evaluation.points_to_pixels(pts["lon"], pts["lat"], grid)
    feats = point_features(products, rows, cols, inside)
    notes = list(products.info.get("notes", []))
    if (~inside).any():
        notes.append(f"{int((~inside).sum())} of {inside.size} measurements lie outside the image")
    t = (
        pts["time"][~np.isnat(pts["time"])]
        if np.issubdtype(pts["time"].dtype, np.datetime64)
        else []
    )
    period = [str(np.min(t))[:10], str(np.max(t))[:10]] if len(t) else [folder.name, folder.name]
    return Season(folder.name, grid, products, pts, rows, cols, inside, feats, period, notes)


def baselines_at_points(s: Season) -> dict[str, np.ndarray]:
    """Ice chart (average) SIT and HIGHTSI SIT at the measurement pixels."""
    return {
        "ice_chart": evaluation.sample(s.products.chart["sit_avg"], s.rows, s.cols, s.inside),
        "hightsi": evaluation.sample(s.products.hightsi, s.rows, s.cols, s.inside),
    }
