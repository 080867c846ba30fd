"""``prepare``: scenes -> memory-mappable per-scene arrays for the grain tile source.

A prepared folder holds one sub-folder per scene with ``inputs.npy`` ``(H, W, C)`` float32 (raw,
un-normalised), ``target.npy`` ``(H, W)`` (quantised NT SIC fraction, NaN where missing),
``weight.npy`` ``(H, W)``, ``mask.npy`` ``(H, W)`` uint8 (1 = pixel counts in the loss) and
``meta.json`` (name, date, model, channels, shape, per-channel sums for statistics); and at the
top ``index.json`` (scenes, dates, channels, normalisation statistics). Scenes are written one at
a time, so an archive never has to fit in memory, and each array atomically.

Scene builders for a simulated case (the simulator's ``DIR/sic/<date>/`` layout) and AI4Arctic
challenge scenes (their NT is computed here from their own AMSR2 channels); products as delivered
go through :mod:`seaice_jax.data.products`, and :mod:`seaice_jax.data.dataset` runs a whole
``prepare`` over any mix of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.ndimage import map_coordinates

from seaice_jax.atomic import atomic_path, write_text
from seaice_jax.data.inputs import (
    chart_weights,
    input_stack,
    model_channels,
    quantise_sic,
)
from seaice_jax.errors import SeaIceError
from seaice_jax.geo import regrid
from seaice_jax.geo.grids import Grid
from seaice_jax.io.charts import rasterize_chart
from seaice_jax.io.products import open_dataset
from seaice_jax.pm.nasateam import nasa_team
from seaice_jax.pm.weather import nt_weather_filter


def build_scene(
    inputs: np.ndarray,
    nt_pct: np.ndarray,
    *,
    chart_class: np.ndarray | None,
    weights: Mapping[str, float],
    valid: np.ndarray | None = None,
    land: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Target, weights and mask of one scene whose fields are all on the input grid.

    Args:
      inputs: ``(H, W, C)`` raw inputs (NaN = missing).
      nt_pct: ``(H, W)`` NT SIC in % on the input grid (NaN = none).
      chart_class: ``(H, W)`` chart classes or None.
      weights: class weights (see :func:`~seaice_jax.data.inputs.chart_weights`).
      valid: ``(H, W)`` 1 inside the swath / valid data.
      land: ``(H, W)`` 1 on land.

    Returns:
      ``{"inputs", "target", "weight", "mask"}`` arrays.
    """
    h, w, _ = inputs.shape
    target = quantise_sic(nt_pct)
    mask = np.all(np.isfinite(inputs), axis=-1) & np.isfinite(target)
    if valid is not None:
        mask &= np.asarray(valid) > 0
    if land is not None:
        mask &= ~(np.nan_to_num(np.asarray(land, np.float32)) > 0)
    weight = chart_weights(chart_class, weights, (h, w))
    return {
        "inputs": inputs.astype(np.float32),
        "target": np.where(mask, target, np.nan).astype(np.float32),
        "weight": np.where(mask, weight, 0.0).astype(np.float32),
        "mask": mask.astype(np.uint8),
    }


def write_scene(
    out_dir: Path, name: str, date: str, model: str, arrays: Mapping[str, np.ndarray]
) -> dict:
    """Write one prepared scene (atomic per file); returns its metadata."""
    sdir = Path(out_dir) / name.replace("/", "__")
    sdir.mkdir(parents=True, exist_ok=True)
    for key, arr in arrays.items():
        with atomic_path(sdir / f"{key}.npy") as tmp:
            with open(tmp, "wb") as f:
                np.save(f, arr)
    x = arrays["inputs"]
    m = arrays["mask"].astype(bool)
    sel = x[m] if m.any() else x.reshape(-1, x.shape[-1])[:0]
    meta = {
        "name": name,
        "dir": sdir.name,
        "date": date,
        "model": model,
        "channels": list(model_channels(model)),
        "shape": list(m.shape),
        "valid_pixels": int(m.sum()),
        "sum": np.nansum(sel, axis=0).astype(float).tolist(),
        "sumsq": np.nansum(sel.astype(np.float64) ** 2, axis=0).tolist(),
        "count": np.isfinite(sel).sum(axis=0).astype(int).tolist(),
    }
    write_text(sdir / "meta.json", json.dumps(meta, indent=1))
    return meta


def scene_stats(metas: Iterable[dict]) -> dict[str, dict[str, float]]:
    """Per-channel mean/std over the valid pixels of the given scenes (training scenes)."""
    metas = list(metas)
    if not metas:
        raise SeaIceError("no scenes to compute normalisation statistics from")
    chans = metas[0]["channels"]
    s = np.sum([m["sum"] for m in metas], axis=0)
    q = np.sum([m["sumsq"] for m in metas], axis=0)
    n = np.maximum(np.sum([m["count"] for m in metas], axis=0), 1)
    mean = s / n
    std = np.sqrt(np.maximum(q / n - mean**2, 1e-12))
    return {c: {"mean": float(mean[i]), "std": float(std[i])} for i, c in enumerate(chans)}


def write_index(out_dir: Path, metas: list[dict], stats: Mapping, model: str) -> Path:
    """Write ``index.json`` (scenes, channels, statistics) and return its path."""
    index = {
        "model": model,
        "channels": list(model_channels(model)),
        "stats": stats,
        "scenes": metas,
    }
    path = Path(out_dir) / "index.json"
    write_text(path, json.dumps(index, indent=1))
    return path


def read_index(prep_dir: str | os.PathLike) -> dict:
    """Read a prepared folder's ``index.json``."""
    path = Path(prep_dir) / "index.json"
    if not path.is_file():
        raise SeaIceError(f"{prep_dir}: not a prepared data folder (no index.json); run prepare")
    return json.loads(path.read_text())


def _nt_on_grid(nt: xr.DataArray, grid) -> np.ndarray:
    return np.asarray(regrid(nt, grid, method="bilinear").values, np.float32)


def _chart_class(chart_path: Path, grid) -> np.ndarray | None:
    if not chart_path.exists():
        return None

    return np.asarray(rasterize_chart(chart_path, grid, what="class"), np.float32)


def prepare_sim_date(
    date_dir: Path, model: str, *, weights: Mapping[str, float], window: int, name: str
) -> dict[str, np.ndarray]:
    """Assemble one simulated date (``DIR/sic/<date>``) for ``model`` on its input grid."""
    fname = {"s1": "s1_200m.nc", "rcm": "rcm_200m.nc", "amsr2": "amsr2_3125m.nc"}[model]
    path = date_dir / fname
    if not path.exists():
        raise SeaIceError(f"{path}: missing (not a simulated case for model '{model}')")
    ds = open_dataset(path)
    grid = Grid.from_dataset(ds)
    inputs = input_stack(ds, model, name=name, window=window)
    nt = open_dataset(date_dir / "nt_25km.nc")["sic"]
    land = None
    # The land mask is static geography, not SIC truth: the 200 m one comes with the truth file.
    truth = date_dir / "truth_200m.nc"
    if model != "amsr2" and truth.exists():
        land = open_dataset(truth)["land_mask"].values
    elif "land_mask" in ds:
        land = ds["land_mask"].values
    valid = ds["valid"].values if "valid" in ds else None
    return build_scene(
        inputs,
        _nt_on_grid(nt, grid),
        chart_class=_chart_class(date_dir / "chart.shp", grid),
        weights=weights,
        valid=valid,
        land=land,
    )


def block_mean(a: np.ndarray, f: int) -> np.ndarray:
    """NaN-aware mean over f x f blocks (edges cropped to whole blocks)."""
    if f == 1:
        return a.astype(np.float32)
    h, w = (a.shape[0] // f) * f, (a.shape[1] // f) * f
    b = a[:h, :w].astype(np.float64).reshape(h // f, f, w // f, f)
    ok = np.isfinite(b)
    n = ok.sum(axis=(1, 3))
    s = np.where(ok, b, 0.0).sum(axis=(1, 3))
    return np.where(n > 0, s / np.maximum(n, 1), np.nan).astype(np.float32)


def _to_shape(a: np.ndarray, shape) -> np.ndarray:
    """Bilinear resampling of a co-registered coarser raster onto ``shape`` (pixel centres)."""
    rows = (np.arange(shape[0]) + 0.5) * a.shape[0] / shape[0] - 0.5
    cols = (np.arange(shape[1]) + 0.5) * a.shape[1] / shape[1] - 0.5
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    return map_coordinates(a.astype(np.float64), [rr, cc], order=1, mode="nearest", cval=np.nan)


def prepare_ai4arctic(
    ds: xr.Dataset, *, name: str, weights: Mapping[str, float], window: int, downsample: int
) -> dict[str, np.ndarray]:
    """One AI4Arctic challenge scene -> S1 model arrays, NT from its own AMSR2 channels.

    AI4Arctic scenes hold Sentinel-1 (``nersc_sar_primary``/``_secondary``, dB, 80 m), AMSR2
    TBs (``btemp_*``) on a coarser grid co-registered with the SAR scene, and the chart
    concentration ``SIC`` in tenths (255 = masked). NT comes from ``btemp_18_7v/h`` and
    ``btemp_36_5v`` with the standard weather filter (``btemp_23_8v``), bilinearly brought to the
    SAR pixels; the chart gives the classes (0 tenths open water, >= 9 consolidated, else MIZ).

    Args:
      ds: the opened scene.
      name: scene name (for messages).
      weights: chart-class loss weights.
      window: cross-correlation window.
      downsample: SAR block-averaging factor (3: 80 m -> 240 m, close to the 200 m models).

    Returns:
      The arrays of :func:`build_scene`.
    """
    for v in (
        "nersc_sar_primary",
        "nersc_sar_secondary",
        "btemp_18_7v",
        "btemp_18_7h",
        "btemp_23_8v",
        "btemp_36_5v",
    ):
        if v not in ds:
            raise SeaIceError(f"{name}: AI4Arctic scene has no '{v}'")
    hh = block_mean(np.asarray(ds["nersc_sar_primary"].values, np.float32), downsample)
    hv = block_mean(np.asarray(ds["nersc_sar_secondary"].values, np.float32), downsample)
    sar = xr.Dataset({"hh": (("y", "x"), hh), "hv": (("y", "x"), hv)})
    inputs = input_stack(sar, "s1", name=name, window=window)
    tb = {
        k: np.asarray(ds[f"btemp_{k}"].values, np.float32)
        for k in ("18_7v", "18_7h", "23_8v", "36_5v")
    }
    sic = np.asarray(nasa_team(tb["18_7v"], tb["18_7h"], tb["36_5v"]))
    weather = np.asarray(nt_weather_filter(tb["18_7v"], tb["23_8v"], tb["36_5v"]))
    sic = np.where(weather & np.isfinite(sic), 0.0, sic)
    nt = _to_shape(sic, hh.shape)
    chart = None
    if "SIC" in ds:
        c = np.asarray(ds["SIC"].values, np.float32)
        c = block_mean(np.where(c > 10, np.nan, c), downsample)
        chart = np.where(np.isnan(c), np.nan, np.where(c < 0.5, 0.0, np.where(c >= 8.5, 2.0, 1.0)))
    return build_scene(inputs, nt, chart_class=chart, weights=weights)


def is_sim_case(path: Path) -> bool:
    return (path / "case.json").is_file() and (path / "sic").is_dir()


def split_dates(dates: Iterable[str], val_dates: int | Iterable[str]) -> set[str]:
    """The validation dates: an explicit list, or the last ``val_dates`` distinct dates."""
    uniq = sorted(set(dates))
    if isinstance(val_dates, int):
        if val_dates >= len(uniq) and len(uniq) > 1:
            raise SeaIceError(f"val_dates={val_dates} leaves no training date among {uniq}")
        return set(uniq[len(uniq) - val_dates :]) if val_dates > 0 else set()
    return set(val_dates)
