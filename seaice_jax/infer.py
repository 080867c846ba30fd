"""Full-scene sliding-window inference with seam-free blending and a per-pixel uncertainty.

A scene of any size is cut into ``tile x tile`` windows (the predictor's ``tile_size``) at a stride
of ``tile * (1 - overlap)``; every window is predicted (optionally also left-right / up-down
flipped: test-time augmentation), and the predictions are blended with a separable ``sin^2``
(Hann) weight that falls towards each window's edge, normalised by the sum of weights. Because the
weights are normalised, a constant predictor gives exactly a constant map, and because each pixel's
value is dominated by windows in which it lies near the centre, window-edge artefacts of the model
(zero padding, missing context) do not leave seams.

Memory does not grow with the scene: one row of windows is read (lazily, through ``normalise`` on
a row slice of the dataset), predicted in batches, and accumulated into a strip buffer of
``tile`` rows; the rows no later window touches are final and are written to the output netCDF.

Uncertainty (1 sigma, %): ``sqrt(spread^2 + floor_c^2)``. ``spread`` is the weighted standard
deviation of all predictions of a pixel (overlapping windows x flips) — the model's disagreement
with itself under shifts of context and mirror images; ``floor_c`` is an error floor per predicted
class ``c`` (open water < 15 %, MIZ 15-80 %, consolidated >= 80 %: the WMO chart classes), fitted
on simulated truth by :func:`fit_uncertainty_floors` so that 68 % of the errors fall within 1 sigma,
and stored beside the checkpoint as ``uncertainty.json``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from tqdm import tqdm

from seaice_jax.atomic import write_text
from seaice_jax.data.products import scene_inputs
from seaice_jax.errors import SeaIceError
from seaice_jax.geo import Grid
from seaice_jax.io.blockwise import streaming_netcdf
from seaice_jax.io.cfmeta import product_time
from seaice_jax.io.products import limit_read_cache, open_dataset
from seaice_jax.io.registry import detect
from seaice_jax.io.writers import write_cog
from seaice_jax.predictor import Predictor, load_predictor

#: Class edges (%) of the uncertainty floors: WMO open water < 15 %, consolidated >= 80 %.
CLASS_EDGES = (15.0, 80.0)
#: Floors used when a checkpoint has no ``uncertainty.json`` (%, a prior, see docs/products.md).
DEFAULT_FLOORS = (3.0, 15.0, 8.0)
UNCERTAINTY_FILE = "uncertainty.json"


@dataclasses.dataclass(frozen=True)
class InferenceConfig:
    """Sliding-window settings.

    Attributes:
      overlap: fraction of a window shared with its neighbour (0 <= overlap < 1).
      batch_size: windows per ``predict`` call (times ``flips``).
      flips: test-time augmentation: 1 (none), 2 (+ left-right), 4 (+ up-down, both).
      floors: uncertainty floors (%) for open water, MIZ, consolidated ice.
    """

    overlap: float = 0.5
    batch_size: int = 8
    flips: int = 2
    floors: tuple[float, float, float] = DEFAULT_FLOORS

    def __post_init__(self):
        if not 0.0 <= self.overlap < 1.0:
            raise SeaIceError(f"overlap: must be in [0, 1), got {self.overlap}")
        if self.flips not in (1, 2, 4):
            raise SeaIceError(f"flips: must be 1, 2 or 4, got {self.flips}")
        if self.batch_size < 1:
            raise SeaIceError(f"batch_size: must be >= 1, got {self.batch_size}")


def window_weights(tile: int) -> np.ndarray:
    """Separable ``sin^2`` blending window, ``(tile, tile)`` float32, strictly positive.

    ``sin^2(pi (i + 0.5) / tile)`` is the Hann window sampled at pixel centres: largest in the
    middle, near zero at the edges but never zero, so a pixel covered by one window only (scene
    borders) still gets that window's value after normalisation.
    """
    w = np.sin(np.pi * (np.arange(tile) + 0.5) / tile) ** 2
    w = np.maximum(w, 1e-3)
    return np.outer(w, w).astype(np.float32)


def tile_starts(length: int, tile: int, overlap: float) -> np.ndarray:
    """Window start offsets along one axis: every pixel covered, last window flush with the end."""
    if length <= tile:
        return np.zeros(1, np.int64)
    stride = max(1, int(round(tile * (1.0 - overlap))))
    starts = np.arange(0, length - tile + 1, stride)
    if starts[-1] != length - tile:
        starts = np.append(starts, length - tile)
    return starts.astype(np.int64)


@functools.partial(jax.jit, donate_argnums=(0,))
def _accumulate(acc: jax.Array, preds: jax.Array, cols: jax.Array, weight: jax.Array) -> jax.Array:
    """Add weighted predictions into the strip accumulator.

    Args:
      acc: (3, T, Wp) running sums of w, w p, w p^2.
      preds: (B, F, T, T) predictions (NaN = no prediction), F flips each.
      cols: (B,) column offsets; a negative offset marks a padding slot (ignored).
      weight: (T, T) blending window.
    """

    def body(i, acc):
        p = preds[i]
        ok = jnp.isfinite(p) & (cols[i] >= 0)
        w = jnp.where(ok, weight[None], 0.0)
        p = jnp.where(ok, p, 0.0)
        upd = jnp.stack([w.sum(0), (w * p).sum(0), (w * p * p).sum(0)])
        col = jnp.maximum(cols[i], 0)
        cur = jax.lax.dynamic_slice(acc, (0, 0, col), upd.shape)
        return jax.lax.dynamic_update_slice(acc, cur + upd, (0, 0, col))

    return jax.lax.fori_loop(0, preds.shape[0], body, acc)


def _flip_variants(x: np.ndarray, flips: int) -> np.ndarray:
    """(B, T, T, C) -> (B * flips, T, T, C): identity, then W-flip, H-flip, both."""
    v = [x, x[:, :, ::-1], x[:, ::-1], x[:, ::-1, ::-1]][:flips]
    return np.concatenate(v, axis=0)


def _unflip(p: np.ndarray, b: int, flips: int) -> np.ndarray:
    """(B * flips, T, T) predictions -> (B, flips, T, T) in the original orientation."""
    out = p.reshape(flips, b, *p.shape[1:])
    fixes = [lambda a: a, lambda a: a[:, :, ::-1], lambda a: a[:, ::-1], lambda a: a[:, ::-1, ::-1]]
    return np.stack([fixes[f](out[f]) for f in range(flips)], axis=1)


def _strip_tiles(strip: np.ndarray, cols: np.ndarray, tile: int) -> np.ndarray:
    return np.stack([strip[:, c : c + tile] for c in cols])


def _predict_row(
    predictor: Predictor,
    strip: np.ndarray,
    cols: np.ndarray,
    cfg: InferenceConfig,
    acc: jax.Array,
    weight: jax.Array,
) -> jax.Array:
    """Predict every window of one window row and add it into ``acc``."""
    tile, bs = predictor.tile_size, cfg.batch_size
    for b0 in range(0, len(cols), bs):
        c = cols[b0 : b0 + bs]
        x = _strip_tiles(strip, c, tile)
        pad = bs - len(c)
        if pad:  # fixed batch shape: one compilation of the predictor and the accumulator
            x = np.concatenate([x, np.zeros((pad, *x.shape[1:]), x.dtype)])
            c = np.concatenate([c, -np.ones(pad, c.dtype)])
        p = np.asarray(predictor.predict(_flip_variants(x, cfg.flips)), np.float32)
        acc = _accumulate(acc, jnp.asarray(_unflip(p, bs, cfg.flips)), jnp.asarray(c), weight)
    return acc


def _normalised(predictor: Predictor, ds: xr.Dataset) -> np.ndarray:
    try:
        return np.asarray(predictor.normalise(ds), np.float32)
    except KeyError as e:
        src = ds.attrs.get("source_path", "input")
        raise SeaIceError(
            f"{src}: lacks model input {e} (needs {predictor.inputs}, has {list(ds.data_vars)})"
        ) from None


def _read_strip(predictor: Predictor, ds: xr.Dataset, r0: int, tile: int, width: int):
    """Normalised rows ``[r0, r0 + tile)`` padded to ``(tile, max(W, tile), C)``, + valid mask."""
    sub = ds.isel(y=slice(r0, r0 + tile))
    x = _normalised(predictor, sub)
    valid = np.all(np.isfinite(x), axis=-1)
    for name, bad in (("valid", 0), ("land_mask", 1)):
        if name in sub:
            valid &= np.asarray(sub[name].values) != bad
    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    ph, pw = tile - x.shape[0], max(width, tile) - x.shape[1]
    if ph or pw:
        x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode="edge")
    return x, valid


def _finish(acc: np.ndarray, valid: np.ndarray, floors) -> tuple[np.ndarray, np.ndarray]:
    """Sums (3, h, w) -> blended SIC and its 1-sigma uncertainty, NaN where invalid."""
    den = np.maximum(acc[0], 1e-12)
    mean = acc[1] / den
    spread = np.sqrt(np.maximum(acc[2] / den - mean**2, 0.0))
    sic = np.clip(mean, 0.0, 100.0)
    unc = np.sqrt(spread**2 + class_floor(sic, floors) ** 2)
    bad = ~valid | (acc[0] <= 0)
    return np.where(bad, np.nan, sic).astype(np.float32), np.where(bad, np.nan, unc).astype(
        np.float32
    )


def class_floor(sic: np.ndarray, floors) -> np.ndarray:
    """Per-pixel uncertainty floor (%) from the predicted class (edges :data:`CLASS_EDGES`)."""
    cls = np.digitize(sic, CLASS_EDGES)
    return np.asarray(floors, np.float32)[cls]


def iter_scene(predictor: Predictor, ds: xr.Dataset, cfg: InferenceConfig, progress: bool = False):
    """Yield ``(row0, sic, uncertainty)`` row blocks covering the scene top to bottom.

    Args:
      predictor: a trained model (:func:`seaice_jax.predictor.load_predictor`), or any object
        with its ``inputs``, ``tile_size``, ``predict`` and ``normalise``.
      ds: the scene (dims ``(y, x)``), read lazily one window row at a time.
      cfg: sliding-window settings.
      progress: show a progress bar.

    Yields:
      ``row0`` and two float32 ``(h, W)`` blocks (SIC %, 1-sigma %), NaN where invalid or land.
    """
    tile = int(predictor.tile_size)
    height, width = ds.sizes["y"], ds.sizes["x"]
    rows, cols = tile_starts(height, tile, cfg.overlap), tile_starts(width, tile, cfg.overlap)
    weight = jnp.asarray(window_weights(tile))
    acc = jnp.zeros((3, tile, max(width, tile)), jnp.float32)
    valid_buf = np.zeros((tile, width), bool)
    for k, r0 in enumerate(tqdm(rows, desc="inference", unit="row", disable=not progress)):
        strip, valid = _read_strip(predictor, ds, int(r0), tile, width)
        valid_buf[: valid.shape[0]] = valid
        acc = _predict_row(predictor, strip, cols, cfg, acc, weight)
        end = int(rows[k + 1] - r0) if k + 1 < len(rows) else min(tile, height - int(r0))
        done = np.asarray(acc[:, :end, :width])
        sic, unc = _finish(done, valid_buf[:end], cfg.floors)
        yield int(r0), sic, unc
        # Shift the strip up by the rows just written; the freed rows start from zero.
        acc = jnp.concatenate([acc[:, end:], jnp.zeros((3, end, acc.shape[2]), jnp.float32)], 1)
        valid_buf = np.concatenate([valid_buf[end:], np.zeros((end, width), bool)])


def predict_array(predictor: Predictor, ds: xr.Dataset, cfg: InferenceConfig | None = None):
    """Whole-scene inference in memory (small scenes, tests).

    Returns:
      (sic, uncertainty), each float32 ``(H, W)``.
    """
    cfg = cfg or InferenceConfig()
    blocks = list(iter_scene(predictor, ds, cfg))
    return (np.concatenate([b[1] for b in blocks]), np.concatenate([b[2] for b in blocks]))


def predict_scene(
    predictor: Predictor,
    ds: xr.Dataset,
    out: str | os.PathLike,
    cfg: InferenceConfig | None = None,
    *,
    progress: bool = False,
) -> Path:
    """Stream inference of scene ``ds`` into the CF-netCDF ``out`` (``sic``, ``sic_uncertainty``).

    The output has the input's grid and CRS (pixel indices when the input has no CRS); it appears
    at ``out`` only when complete.
    """
    cfg = cfg or InferenceConfig()
    # Model inputs may be derived (the HH-HV cross-correlation layer): try the first rows once
    # so that a scene without the needed variables fails before any output is opened.
    _normalised(predictor, ds.isel(y=slice(0, 2)))
    georef = ds.rio.crs is not None
    grid = (
        Grid.from_dataset(ds)
        if georef
        else Grid("EPSG:4326", 0.0, 0.0, 1.0, ds.sizes["x"], ds.sizes["y"])
    )
    attrs = {
        "title": "sea ice concentration (sliding-window inference)",
        "uncertainty_method": "sqrt(window/flip spread^2 + class floor^2)",
        "floors_percent": json.dumps(list(cfg.floors)),
        "source": str(ds.attrs.get("source_path", "model input scene")),
    }
    time_range = product_time(ds)
    if time_range is not None:  # the product is valid when its input was observed
        attrs["time_coverage_start"], attrs["time_coverage_end"] = map(str, time_range)
    with streaming_netcdf(out, grid, ["sic", "sic_uncertainty"], attrs=attrs, georef=georef) as nc:
        for r0, sic, unc in iter_scene(predictor, ds, cfg, progress):
            nc.write("sic", r0, 0, sic)
            nc.write("sic_uncertainty", r0, 0, unc)
    return Path(out)


def load_floors(workdir: str | os.PathLike) -> tuple[float, float, float]:
    """Uncertainty floors stored beside a checkpoint, else :data:`DEFAULT_FLOORS`."""
    f = Path(workdir) / UNCERTAINTY_FILE
    if not f.is_file():
        return DEFAULT_FLOORS
    try:
        vals = json.loads(f.read_text())["floors"]
        return tuple(float(v) for v in vals)  # type: ignore[return-value]
    except (ValueError, KeyError, TypeError):
        raise SeaIceError(
            f"{f}: not an uncertainty file (needs {{'floors': [ow, miz, ice]}})"
        ) from None


def save_floors(workdir: str | os.PathLike, floors, *, fitted_on: str = "") -> Path:
    """Write ``WORKDIR/uncertainty.json`` (atomically) for :func:`load_floors` and ``predict``.

    Args:
      workdir: the model's training folder.
      floors: (open water, MIZ, consolidated) floors in % (:func:`fit_uncertainty_floors`).
      fitted_on: what they were fitted on (recorded for provenance).

    Returns:
      The file's path.
    """
    vals = [float(v) for v in floors]
    if len(vals) != 3 or not all(np.isfinite(vals)) or min(vals) < 0:
        raise SeaIceError(f"uncertainty floors must be three finite values >= 0, got {vals}")
    f = Path(workdir) / UNCERTAINTY_FILE
    write_text(f, json.dumps({"floors": vals, "fitted_on": fitted_on}, indent=1) + "\n")
    return f


def fit_uncertainty_floors(
    sic: np.ndarray, spread: np.ndarray, truth: np.ndarray, target: float = 0.6827
) -> tuple[float, float, float]:
    """Per-class floors so that ``|sic - truth| <= sqrt(spread^2 + floor^2)`` for ``target`` of pixels.

    Args:
      sic, spread, truth: arrays of one shape (%); NaNs are ignored.
      target: wanted coverage of 1 sigma (0.6827 for a Gaussian).

    Returns:
      (open water, MIZ, consolidated) floors in %; 0 where the spread alone covers enough, the
      mean of the others where a class has fewer than 20 pixels.
    """
    ok = np.isfinite(sic) & np.isfinite(spread) & np.isfinite(truth)
    err, spread, cls = np.abs(sic - truth)[ok], spread[ok], np.digitize(sic[ok], CLASS_EDGES)
    floors = []
    for c in range(3):
        e, s = err[cls == c], spread[cls == c]
        if e.size < 20:
            floors.append(np.nan)
            continue
        lo, hi = 0.0, 100.0
        for _ in range(50):  # bisection: coverage grows monotonically with the floor
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if np.mean(e <= np.sqrt(s**2 + mid**2)) < target else (lo, mid)
        floors.append(hi if np.mean(e <= s) < target else 0.0)
    fill = float(np.nanmean(floors)) if np.isfinite(floors).any() else DEFAULT_FLOORS[1]
    return tuple(float(f) if np.isfinite(f) else fill for f in floors)  # type: ignore[return-value]


#: Reader formats that are products as delivered, in sensor geometry: ``predict`` projects them
#: onto EPSG:3413 first (:func:`predict_product`).
PRODUCT_FORMATS = ("sentinel1_safe", "rcm", "amsr2_l1_hdf5", "ai4arctic")


def _write_tif(nc: Path, tif: str | os.PathLike) -> None:
    with xr.open_dataset(nc, decode_coords="all") as done:
        write_cog(done.load(), tif, ["sic", "sic_uncertainty"])


def predict_product(
    predictor: Predictor,
    path: str | os.PathLike,
    out: str | os.PathLike,
    cfg: InferenceConfig | None = None,
    *,
    grid: Grid | None = None,
    tif: str | os.PathLike | None = None,
    progress: bool = False,
) -> Path:
    """SIC with uncertainty from a product as delivered, on EPSG:3413.

    The product (a Sentinel-1 ``.SAFE`` folder or zip, an RCM folder, an AMSR2 L1R swath, an
    AI4Arctic scene) is calibrated, noise-corrected and projected onto its window of the
    pan-Arctic lattice (200 m SAR, 3.125 km AMSR2) or onto ``grid``
    (:func:`seaice_jax.data.products.scene_inputs`), then predicted (:func:`predict_scene`).

    Args:
      predictor: a trained model (``model_kind`` picks the inputs).
      path: the product.
      out: output CF-netCDF (``sic``, ``sic_uncertainty``), written atomically.
      cfg: sliding-window settings.
      grid: the output grid (e.g. a day's mosaic window); default the product's own.
      tif: also write this Cloud-Optimised GeoTIFF.
      progress: progress bar.

    Returns:
      ``out``.
    """
    ds = scene_inputs(path, predictor.model_kind, grid=grid, window=predictor.window)
    res = predict_scene(predictor, ds, out, cfg, progress=progress)
    if tif:
        _write_tif(res, tif)
    return res


def predict_file(
    workdir: str | os.PathLike,
    path: str | os.PathLike,
    out: str | os.PathLike,
    cfg: InferenceConfig,
    *,
    tif: str | os.PathLike | None = None,
    progress: bool = False,
) -> Path:
    """``seaice-jax predict``: the model of ``workdir`` on the scene or product ``path``.

    Args:
      workdir: a training folder; its ``uncertainty.json`` floors replace ``cfg.floors``.
      path: a product as delivered (``.SAFE`` folder or zip, RCM folder, AMSR2 L1R, AI4Arctic
        scene: projected onto EPSG:3413 first), or any gridded scene the readers open.
      out: output CF-netCDF (``sic``, ``sic_uncertainty``): on EPSG:3413 for a product, else
        on the input's grid.
      cfg: sliding-window settings.
      tif: also write this Cloud-Optimised GeoTIFF.
      progress: progress bar.

    Returns:
      ``out``.
    """
    limit_read_cache()
    fmt = detect(path).name
    ds = None if fmt in PRODUCT_FORMATS else open_dataset(path)
    predictor = load_predictor(workdir)
    cfg = dataclasses.replace(cfg, floors=load_floors(workdir))
    if ds is None:
        return predict_product(predictor, path, out, cfg, tif=tif, progress=progress)
    res = predict_scene(predictor, ds, out, cfg, progress=progress)
    if tif:
        _write_tif(res, tif)
    return res
