"""Model inputs, targets, loss weights and masks of the SIC models, from xarray scenes.

Inputs per model (channel names are what prepared scenes and predictors record):

- ``s1``, ``rcm``: ``hh``, ``hv`` (sigma0, dB) and ``xcorr``, the HH-HV cross-correlation layer
  (:mod:`seaice_jax.sar.xcorr`), at the SAR grid (200 m).
- ``amsr2``: ``tb_89_0h``, ``tb_89_0v`` (K) at 3.125 km; :func:`amsr2_89_inputs` also brings them
  to any other grid (e.g. the 200 m SAR grid) with bilinear interpolation.

Target: NASA Team SIC brought to the input grid (bilinear) and quantised to the 11 classes 0, 10,
..., 100 % (as a fraction 0-1). Loss weights: per ice-chart class (open water > consolidated >
MIZ; values in the config, see ``configs/sic_s1.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.geo import regrid
from seaice_jax.sar.xcorr import DEFAULT_WINDOW, cross_correlation

CHANNELS: dict[str, tuple[str, ...]] = {
    "s1": ("hh", "hv", "xcorr"),
    "rcm": ("hh", "hv", "xcorr"),
    "amsr2": ("tb_89_0h", "tb_89_0v"),
}

#: Names of the same channels in the AI4Arctic statistics file (``global_meanstd.npy``).
AI4ARCTIC_NAMES = {
    "hh": "nersc_sar_primary",
    "hv": "nersc_sar_secondary",
    "tb_89_0h": "btemp_89_0h",
    "tb_89_0v": "btemp_89_0v",
}


def model_channels(model: str) -> tuple[str, ...]:
    """Input channel names of a model kind (``s1``, ``rcm`` or ``amsr2``)."""
    if model not in CHANNELS:
        raise SeaIceError(f"model '{model}' unknown; choose one of {sorted(CHANNELS)}")
    return CHANNELS[model]


def _band(ds: xr.Dataset, var: str, name: str) -> np.ndarray:
    if var not in ds:
        raise SeaIceError(f"{name}: scene has no '{var}' band (needed by the SIC model)")
    a = np.asarray(ds[var].values, np.float32)
    if a.ndim != 2:
        raise SeaIceError(f"{name}: band '{var}' is not a 2-D (y, x) raster")
    if not np.isfinite(a).any():
        raise SeaIceError(f"{name}: band '{var}' holds no finite value (NaN-only band)")
    return a


def input_stack(
    ds: xr.Dataset, model: str, *, name: str, window: int = DEFAULT_WINDOW
) -> np.ndarray:
    """Raw (un-normalised) model inputs of one scene.

    Args:
      ds: the scene (standard variable names, dims ``(y, x)``).
      model: ``s1``, ``rcm`` or ``amsr2``.
      name: scene name used in error messages.
      window: cross-correlation window (SAR models).

    Returns:
      ``(H, W, C)`` float32, NaN where a channel is missing.

    Raises:
      SeaIceError: a needed band is missing or NaN-only (message names the scene).
    """
    chans = model_channels(model)
    if model == "amsr2":
        return np.stack([_band(ds, v, name) for v in chans], axis=-1)
    hh, hv = _band(ds, "hh", name), _band(ds, "hv", name)
    xc = np.asarray(cross_correlation(hh, hv, window=window))
    return np.stack([hh, hv, xc], axis=-1)


def quantise_sic(sic_pct: np.ndarray) -> np.ndarray:
    """SIC in % -> the nearest of the 11 classes 0, 10, ..., 100 %, as a fraction; NaN kept.

    Args:
      sic_pct: any shape, %, values outside 0-100 are clipped first.

    Returns:
      float32 fractions in {0, 0.1, ..., 1} (NaN where the input is NaN).
    """
    s = np.clip(np.asarray(sic_pct, np.float32), 0.0, 100.0)
    return (np.round(s / 10.0) / 10.0).astype(np.float32)


def chart_weights(
    chart_class: np.ndarray | None, weights: Mapping[str, float], shape
) -> np.ndarray:
    """Per-pixel loss weights from chart classes (0 open water, 1 MIZ, 2 consolidated).

    Args:
      chart_class: ``(H, W)`` classes, NaN outside the chart; None: no chart for this scene.
      weights: ``open_water``, ``miz``, ``consolidated`` and ``no_chart`` (pixels the chart
        does not cover).
      shape: ``(H, W)`` used when ``chart_class`` is None.

    Returns:
      ``(H, W)`` float32 weights.
    """
    if chart_class is None:
        return np.full(shape, weights["no_chart"], np.float32)
    c = np.asarray(chart_class, np.float32)
    table = np.array([weights["open_water"], weights["miz"], weights["consolidated"]], np.float32)
    idx = np.where(np.isfinite(c), np.clip(np.nan_to_num(c), 0, 2), 0).astype(np.int64)
    return np.where(np.isfinite(c), table[idx], np.float32(weights["no_chart"])).astype(np.float32)


def normalise(x: np.ndarray, channels, stats: Mapping[str, Mapping[str, float]]) -> np.ndarray:
    """``(x - mean) / std`` per channel; NaN (missing) -> 0, the mean of the training data.

    Args:
      x: ``(..., C)`` raw inputs.
      channels: the C channel names.
      stats: ``{channel: {"mean", "std"}}``.

    Returns:
      float32 array of the same shape, finite.
    """
    mean = np.array([stats[c]["mean"] for c in channels], np.float32)
    std = np.array([stats[c]["std"] for c in channels], np.float32)
    z = (np.asarray(x, np.float32) - mean) / np.where(std > 0, std, 1.0)
    return np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


def ai4arctic_stats(path) -> dict[str, dict[str, float]]:
    """Per-channel mean/std from the AI4Arctic ``global_meanstd.npy`` (a trusted pickled dict).

    Returns:
      ``{channel: {"mean", "std"}}`` under our channel names (``hh``, ``hv``, ``tb_89_0h``, ...).
    """
    try:
        d = np.load(path, allow_pickle=True).item()  # trusted file shipped by AI4Arctic
    except (OSError, ValueError, AttributeError) as e:
        raise SeaIceError(f"{path}: not an AI4Arctic statistics file ({e})") from None
    return {
        ours: {"mean": float(d[theirs]["mean"]), "std": float(d[theirs]["std"])}
        for ours, theirs in AI4ARCTIC_NAMES.items()
        if theirs in d
    }


def amsr2_89_inputs(
    ds: xr.Dataset, stats: Mapping[str, Mapping[str, float]], grid=None
) -> xr.Dataset:
    """The AMSR2 89 GHz model inputs, normalised, on the scene's grid or on ``grid``.

    Args:
      ds: AMSR2 scene with ``tb_89_0h``, ``tb_89_0v`` (K), georeferenced (e.g. 3.125 km).
      stats: per-channel mean/std (:func:`ai4arctic_stats` or a prepared ``stats.json``).
      grid: optional :class:`~seaice_jax.geo.grids.Grid` (e.g. the 200 m SAR grid): the TBs are
        regridded bilinearly to it before normalising.

    Returns:
      Dataset with ``tb_89_0h``, ``tb_89_0v`` normalised (dimensionless), dims ``(y, x)``.
    """
    chans = CHANNELS["amsr2"]
    for v in chans:
        _band(ds, v, "AMSR2 scene")
    sub = ds[list(chans)]
    if grid is not None:
        sub = regrid(sub, grid, method="bilinear")
    out = sub.copy()
    for v in chans:
        a = np.asarray(sub[v].values, np.float32)
        out[v] = sub[v].copy(data=(a - stats[v]["mean"]) / stats[v]["std"])
        out[v].attrs = {"units": "1", "long_name": f"normalised {v}"}
    return out
