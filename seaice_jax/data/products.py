"""Products as delivered -> the model's inputs on EPSG:3413, and prepared scenes from collocations.

:func:`scene_inputs` is the one path from a product file to a model's inputs, used by ``prepare``,
``predict`` and ``daily``:

- ``s1`` / ``rcm``: a Sentinel-1 GRD ``.SAFE`` (folder or zip), an RCM product folder or an
  AI4Arctic scene, calibrated and noise-removed by the readers, projected from its tie points onto
  its 200 m window of the pan-Arctic EPSG:3413 lattice (:mod:`seaice_jax.sar.project`), with the
  HH-HV cross-correlation layer and the GSHHG land mask;
- ``amsr2``: the 89 GHz channels of an AMSR2 L1R swath, or of an AI4Arctic scene (its AMSR2 grid
  is co-registered with the SAR image, so its cells are located through the SAR tie points),
  gridded at 3.125 km on the same lattice (:func:`seaice_jax.pm.swath.grid_amsr2_89`).

:func:`prepare_collocation` adds what training needs on the same grid: the NASA Team target (the
daily NT grid of the scene's date, bilinearly; without one, NT from the collocated AMSR2 swaths)
and the chart's loss weights (SIGRID-3 classes), then :func:`seaice_jax.data.prepare.build_scene`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from pyproj import Transformer

from seaice_jax.data.prepare import block_mean, build_scene
from seaice_jax.errors import SeaIceError
from seaice_jax.geo import land_mask, regrid, swath_to_grid
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.geo.tiepoints import TiePoints
from seaice_jax.io.charts import rasterize_chart
from seaice_jax.io.products import open_dataset
from seaice_jax.pm.nasateam import nasa_team
from seaice_jax.pm.swath import grid_amsr2_89, nasa_team_swath
from seaice_jax.pm.weather import nt_weather_filter
from seaice_jax.sar.project import lattice_grid, project_scene, scene_grid
from seaice_jax.sar.xcorr import DEFAULT_WINDOW, cross_correlation

#: Reader formats each model takes.
FORMATS = {
    "s1": ("sentinel1_safe", "ai4arctic"),
    "rcm": ("rcm",),
    "amsr2": ("amsr2_l1_hdf5", "ai4arctic"),
}
AMSR2_GRID = named_grid("arctic3413_3125m")


def sar_tie_points(ds: xr.Dataset) -> TiePoints:
    """The geolocation of an opened SAR scene (S1, RCM, AI4Arctic).

    AI4Arctic scenes name their tie points differently: raw scenes give ``gcp_line`` and
    ``gcp_sample``; ready-to-train scenes only a ``(gcp_row, gcp_col)`` lattice of latitudes and
    longitudes, taken here as spanning the image from its first to its last line and sample.
    """
    if ds.attrs.get("source_format") != "ai4arctic":
        return TiePoints.from_dataset(ds)
    shape = (ds.sizes["y"], ds.sizes["x"])
    lat, lon = ds["gcp_latitude"].values, ds["gcp_longitude"].values
    if lat.ndim == 2:
        line = np.linspace(0.0, shape[0] - 1.0, lat.shape[0])
        pixel = np.linspace(0.0, shape[1] - 1.0, lat.shape[1])
        return TiePoints(line, pixel, lat.astype(float), lon.astype(float), None, shape)
    if "gcp_line" not in ds.coords or "gcp_sample" not in ds.coords:
        raise SeaIceError(f"{ds.attrs.get('source_path', 'scene')}: no tie-point lines/samples")
    inc = ds["gcp_incidence_angle"].values if "gcp_incidence_angle" in ds.coords else None
    return TiePoints.from_points(ds["gcp_line"].values, ds["gcp_sample"].values, lat, lon, inc,
                                 shape=shape)  # fmt: skip


def _sar_inputs(ds: xr.Dataset, grid: Grid | None, window: int, method: str) -> xr.Dataset:
    tp = sar_tie_points(ds)
    grid = grid or scene_grid(tp, 200.0)
    out = project_scene(ds, tp, grid, method=method)
    for pol in ("hh", "hv"):
        if pol not in out:
            raise SeaIceError(f"{ds.attrs.get('source_path', 'scene')}: no {pol.upper()} band")
    xc = cross_correlation(out.hh.values, out.hv.values, out.valid.values > 0, window=window)
    out["xcorr"] = (("y", "x"), np.asarray(xc, np.float32), {"units": "1",
                    "long_name": f"HH-HV local cross-correlation ({window} x {window} px)"})  # fmt: skip
    out["land_mask"] = (("y", "x"), land_mask(grid).astype(np.uint8), {"units": "1"})
    return out


def swath_grid(lon: np.ndarray, lat: np.ndarray, res: float = 3125.0) -> Grid:
    """The lattice grid around a swath's northern footprints, within ``arctic3413_3125m``."""
    north = np.isfinite(lon) & np.isfinite(lat) & (lat > 0)
    t = Transformer.from_crs("EPSG:4326", AMSR2_GRID.crs, always_xy=True)
    x, y = t.transform(lon[north], lat[north])
    left, bottom, right, top = AMSR2_GRID.bounds
    x, y = np.clip(x, left, right), np.clip(y, bottom, top)
    if x.size == 0:
        raise SeaIceError("swath has no footprint in the northern hemisphere")
    return lattice_grid((x.min(), y.min(), x.max(), y.max()), res)


def _ai4arctic_cells(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of the centre of every AMSR2 cell of an AI4Arctic scene: the AMSR2
    grid is co-registered with the SAR image, so a cell's centre is a SAR image position."""
    tp = sar_tie_points(ds)
    h, w = ds.sizes["y_amsr2"], ds.sizes["x_amsr2"]
    fy, fx = ds.sizes["y"] / h, ds.sizes["x"] / w
    rr, cc = np.meshgrid((np.arange(h) + 0.5) * fy - 0.5, (np.arange(w) + 0.5) * fx - 0.5,
                         indexing="ij")  # fmt: skip
    x, y = tp.map_xy(rr, cc)
    lon, lat = Transformer.from_crs(AMSR2_GRID.crs, "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def _ai4arctic_amsr2(ds: xr.Dataset, grid: Grid | None) -> xr.Dataset:
    """The 89 GHz channels of an AI4Arctic scene, gridded like an L1R swath."""
    need = ("tb_89_0h", "tb_89_0v")
    if any(v not in ds for v in need):
        raise SeaIceError(f"{ds.attrs.get('source_path', 'scene')}: no AMSR2 89 GHz channels")
    lon, lat = _ai4arctic_cells(ds)
    sw = xr.Dataset({v: (("scan", "pixel"), ds[v].values) for v in need})
    sw["lon"], sw["lat"] = (("scan", "pixel"), lon), (("scan", "pixel"), lat)
    sw.attrs["source_path"] = ds.attrs.get("source_path", "scene")
    return grid_amsr2_89(sw, grid or swath_grid(lon, lat))


def prepare_ai4arctic_amsr2(
    path: str | os.PathLike, *, weights: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """An AI4Arctic scene for the AMSR2-89 model, on its 3.125 km EPSG:3413 grid.

    Inputs: its 89 GHz channels (:func:`scene_inputs`). Target: NASA Team from its own 18.7/36.5
    GHz channels with the standard weather filter (23.8 GHz), per AMSR2 cell, gridded like the
    inputs. Weights: the chart's ``SIC`` (tenths) averaged over each cell's SAR pixels, as classes
    (0 tenths open water, >= 9 consolidated, else MIZ), nearest cell.
    """
    ds = open_dataset(path)
    inp = scene_inputs(path, "amsr2")
    grid = Grid.from_dataset(inp)
    lon, lat = _ai4arctic_cells(ds)
    radius = float(inp.attrs["radius_m"])
    for v in ("tb_18_7v", "tb_18_7h", "tb_23_8v", "tb_36_5v"):
        if v not in ds:
            raise SeaIceError(f"{path}: AI4Arctic scene has no '{v}' (needed for the NT target)")
    tb = {k: np.asarray(ds[k].values, np.float32) for k in ("tb_18_7v", "tb_18_7h", "tb_23_8v", "tb_36_5v")}  # fmt: skip
    sic = np.asarray(nasa_team(tb["tb_18_7v"], tb["tb_18_7h"], tb["tb_36_5v"]))
    weather = np.asarray(nt_weather_filter(tb["tb_18_7v"], tb["tb_23_8v"], tb["tb_36_5v"]))
    sic = np.where(weather & np.isfinite(sic), 0.0, sic)
    nt = swath_to_grid(lon, lat, sic, grid, radius)
    chart = None
    if "sic" in ds:
        f = max(1, round(ds.sizes["y"] / ds.sizes["y_amsr2"]))
        tenths = block_mean(np.asarray(ds["sic"].values, np.float32) / 10.0, f)
        tenths = _fit(tenths, lon.shape)
        cls = np.where(tenths < 0.5, 0.0, np.where(tenths >= 8.5, 2.0, 1.0))
        cls = np.where(np.isfinite(tenths), cls, np.nan)
        chart = swath_to_grid(lon, lat, cls, grid, radius, method="nearest")
    inputs = np.stack([inp["tb_89_0h"].values, inp["tb_89_0v"].values], axis=-1)
    return build_scene(inputs, nt, chart_class=chart, weights=weights,
                       valid=inp["valid"].values, land=inp["land_mask"].values)  # fmt: skip


def _fit(a: np.ndarray, shape) -> np.ndarray:
    """Crop or NaN-pad ``a`` to ``shape`` (block means of a SAR grid not a whole multiple)."""
    out = np.full(shape, np.nan, np.float32)
    h, w = min(a.shape[0], shape[0]), min(a.shape[1], shape[1])
    out[:h, :w] = a[:h, :w]
    return out


def scene_inputs(
    path: str | os.PathLike,
    model: str,
    *,
    grid: Grid | None = None,
    window: int = DEFAULT_WINDOW,
    method: str = "average",
) -> xr.Dataset:
    """A product as delivered -> the model's inputs on EPSG:3413.

    Args:
      path: a Sentinel-1 ``.SAFE`` folder or ``.SAFE.zip``, an RCM product folder, an AMSR2 L1R
        file or an AI4Arctic scene ``.nc``.
      model: ``s1``, ``rcm`` or ``amsr2``.
      grid: the target grid; default the product's own window of the pan-Arctic lattice
        (200 m for SAR, 3.125 km for AMSR2).
      window: the cross-correlation window (SAR, px).
      method: SAR projection, ``average`` or ``nearest``.

    Returns:
      Dataset on the grid (CRS EPSG:3413): ``hh``, ``hv`` (dB), ``xcorr``, ``incidence_angle``,
      ``valid``, ``land_mask`` (SAR) or ``tb_89_0h``, ``tb_89_0v`` (K), ``valid``,
      ``land_mask`` (AMSR2); attributes name the source product.

    Raises:
      SeaIceError: not a product of this model, unreadable, or no overlap with ``grid``.
    """
    if model not in FORMATS:
        raise SeaIceError(f"model '{model}' unknown; choose one of {sorted(FORMATS)}")
    ds = open_dataset(path)
    fmt = ds.attrs.get("source_format", "")
    if fmt not in FORMATS[model]:
        raise SeaIceError(f"{path}: a {fmt or 'unknown'} product is not an input of the "
                          f"'{model}' model (takes {', '.join(FORMATS[model])})")  # fmt: skip
    if model != "amsr2":
        return _sar_inputs(ds, grid, window, method)
    if fmt == "ai4arctic":
        out = _ai4arctic_amsr2(ds, grid)
    else:
        hires = "lat_89" in ds and "tb_89_0h_hires" in ds
        lat, lon = (ds[f"{v}_89" if hires else v].values for v in ("lat", "lon"))
        tb = (ds["tb_89_0h_hires"] if hires else ds["tb_89_0h"]).values
        ok = np.isfinite(tb)  # a swath cut to a region: the grid covers the samples with data
        out = grid_amsr2_89(ds, grid or swath_grid(lon[ok], lat[ok]))
    g = Grid.from_dataset(out)
    out["land_mask"] = (("y", "x"), land_mask(g).astype(np.uint8), {"units": "1"})
    out.attrs.update(source_path=os.fspath(path), source_format=fmt)
    return out


def nt_on_grid(nt_path: str | None, swaths: list[str], grid: Grid) -> np.ndarray:
    """NT SIC (%) on ``grid``: the daily grid bilinearly, else NT of the AMSR2 swaths (25 km).

    Raises:
      SeaIceError: neither given, or no NT value on the grid.
    """
    if nt_path:
        nt = open_dataset(nt_path)["sic"]
        vals = np.asarray(regrid(nt, grid, method="bilinear").values, np.float32)
        where = nt_path
    elif swaths:
        vals = np.full(grid.shape, np.nan, np.float32)
        for p in swaths:  # later swaths fill what earlier ones left
            sw = open_dataset(p)
            tbs = {k: sw[k].values for k in sw.data_vars if k.startswith("tb_") and sw[k].dims == ("scan", "pixel")}  # fmt: skip
            g25 = nasa_team_swath(sw["lon"].values, sw["lat"].values, tbs, "nsidc3413_25km")
            got = np.asarray(regrid(g25["sic"], grid, "bilinear").values)
            vals = np.where(np.isfinite(vals), vals, got).astype(np.float32)
        where = f"NT of {len(swaths)} AMSR2 swath(s)"
    else:
        raise SeaIceError("no NT grid and no AMSR2 swath to compute NT from")
    if not np.isfinite(vals).any():
        raise SeaIceError(f"{where}: no NT value over the scene")
    return vals


def prepare_collocation(
    coll,
    model: str,
    *,
    weights: Mapping[str, float],
    window: int = DEFAULT_WINDOW,
) -> dict[str, np.ndarray]:
    """One collocated scene -> the prepared arrays (:func:`~seaice_jax.data.prepare.build_scene`).

    Args:
      coll: a :class:`seaice_jax.collocate.match.Collocation` (the scene, its NT grid or AMSR2
        swaths, its chart; not imported here, which keeps the import chain short).
      model: ``s1``, ``rcm`` or ``amsr2``.
      weights: chart-class loss weights (``data.weights`` of the config).
      window: cross-correlation window (SAR).

    Returns:
      ``{"inputs", "target", "weight", "mask"}`` on the scene's EPSG:3413 grid.
    """
    ds = scene_inputs(coll.target.path, model, window=window)
    grid = Grid.from_dataset(ds)
    chans = ("tb_89_0h", "tb_89_0v") if model == "amsr2" else ("hh", "hv", "xcorr")
    inputs = np.stack([np.asarray(ds[c].values, np.float32) for c in chans], axis=-1)
    swaths = [a.path for a in coll.amsr2] if model != "amsr2" else [coll.target.path]
    nt = nt_on_grid(coll.nt.path if coll.nt else None, swaths, grid)
    chart = None
    if coll.chart is not None:
        chart = np.asarray(rasterize_chart(coll.chart.path, grid, what="class"), np.float32)
    return build_scene(inputs, nt, chart_class=chart, weights=weights,
                       valid=ds["valid"].values, land=ds["land_mask"].values)  # fmt: skip


def product_name(path: str | os.PathLike) -> str:
    """A scene's name for its prepared folder: the product name without ``.SAFE``/``.zip``."""
    name = Path(path).name
    for ext in (".zip", ".SAFE", ".h5", ".nc"):
        name = name.removesuffix(ext)
    return name
