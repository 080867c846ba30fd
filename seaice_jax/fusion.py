"""Fusion of SIC products of different resolution and uncertainty on one grid.

The paper (Heffring & Xu, section 1, third contribution) merges the S1 200 m, RCM 200 m,
AMSR2-89 (3 x 5 km, gridded at 3.125 km) and NASA Team 25 km maps "considering their uncertainty
and spatial resolution" after an 18.7/89 GHz weather mask; it does not give the weights. We use
inverse-variance weighting, the minimum-variance unbiased combination of independent estimates:

    c_fused = sum_p w_p c_p / sum_p w_p,      w_p = valid_p / var_p,
    sigma_fused = 1 / sqrt(sum_p w_p),
    var_p = sigma_p^2 + sigma_rep,p^2,
    sigma_rep,p = kappa * log2(max(L_p / dx, 1)) * (beta + (1 - beta) * 4 f_p (1 - f_p)),

with sigma_p the product's own uncertainty (%), L_p its footprint (m), dx the target pixel (m),
f_p = c_p / 100. The representativeness term is the error of using a footprint average as the
value of a much smaller pixel: zero when the footprint is the pixel, growing by ``kappa`` % per
doubling of footprint over pixel size, and largest where the footprint is a mix of ice and water
(f near 0.5, the MIZ and the ice edge) — inside the pack or open ocean a coarse product is as good
a pixel value as a fine one (floor ``beta``). Before weighting, passive-microwave products are set
to 0 % where ``seaice_jax.pm.weather_mask_89`` flags weather over open water. ``dominant`` is the
index of the product with the largest weight (-1 where no product is valid).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import xarray as xr

from seaice_jax.atomic import write_text
from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.geo import Grid, named_grid, regrid
from seaice_jax.io.cfmeta import product_time
from seaice_jax.io.products import open_dataset, pick_var
from seaice_jax.io.writers import write_cog, write_netcdf
from seaice_jax.pm.weather import weather_mask_89

#: The four products of the paper, in index order of ``dominant``.
PRODUCTS = ("s1", "rcm", "amsr2_89", "nt")


@dataclasses.dataclass(frozen=True)
class FusionParams:
    """Static fusion parameters; build them from ``configs/fusion.py`` with
    :func:`params_from_config` (the config is the one place their values live).

    Attributes:
      footprints_m: footprint (m) of each product, in the order of the product axis.
      is_pm: which products are passive microwave (weather mask applies).
      target_res_m: pixel size of the common grid (m).
      kappa: representativeness error per doubling of footprint over pixel (%).
      beta: fraction of ``kappa`` kept in pure ice or water (0-1).
      min_sigma: lower bound of any product's sigma (%), so that no product gets infinite weight.
    """

    footprints_m: tuple[float, ...]
    is_pm: tuple[bool, ...]
    target_res_m: float
    kappa: float
    beta: float
    min_sigma: float


def representativeness(sic: jax.Array, footprint_m: jax.Array, params: FusionParams) -> jax.Array:
    """sigma_rep (%) of SIC ``sic`` (%) from products of footprint ``footprint_m`` (m).

    Args:
      sic: SIC % of any shape, e.g. ``(P, H, W)``.
      footprint_m: footprints broadcastable against ``sic`` (``(P, 1, 1)`` for a product axis,
        a scalar for one product).
      params: ``kappa``, ``beta`` and the target pixel ``target_res_m``.

    Returns:
      sigma_rep (%), the shape of ``sic``.
    """
    octaves = jnp.log2(jnp.maximum(footprint_m / params.target_res_m, 1.0))
    f = jnp.clip(sic / 100.0, 0.0, 1.0)
    mix = params.beta + (1.0 - params.beta) * 4.0 * f * (1.0 - f)
    return params.kappa * octaves * mix


@functools.partial(jax.jit, static_argnames=("params",))
def weights(
    sic: jax.Array, sigma: jax.Array, valid: jax.Array, footprint_m: jax.Array, params: FusionParams
) -> jax.Array:
    """The fusion weight ``valid / (max(sigma, min_sigma)^2 + sigma_rep^2)``.

    Args:
      sic: SIC % (masked values already replaced: they only enter sigma_rep).
      sigma: the product's own 1-sigma (%), the shape of ``sic``.
      valid: bool, the shape of ``sic``; invalid pixels get weight 0.
      footprint_m: footprints broadcastable against ``sic`` (see :func:`representativeness`).
      params: static parameters.

    Returns:
      The weights, the shape of ``sic``.
    """
    s = jnp.maximum(jnp.where(valid, sigma, 1.0), params.min_sigma)
    var = s**2 + representativeness(sic, footprint_m, params) ** 2
    return jnp.where(valid, 1.0 / var, 0.0)


@functools.partial(jax.jit, static_argnames=("params",))
def fuse(
    sic: jax.Array, sigma: jax.Array, weather: jax.Array, params: FusionParams
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Fuse ``P`` products on a common grid.

    Args:
      sic: (P, H, W) SIC %, NaN where a product has no coverage.
      sigma: (P, H, W) product uncertainty (1 sigma, %), NaN = no coverage.
      weather: (H, W) bool, True where the 18.7/89 GHz mask flags weather over open water.
      params: static parameters; ``len(params.footprints_m) == P``.

    Returns:
      fused SIC (H, W) %, its uncertainty (H, W) %, dominant product index (H, W) int32
      (NaN / NaN / -1 where no product is valid).
    """
    is_pm = jnp.asarray(params.is_pm)[:, None, None]
    valid = jnp.isfinite(sic) & jnp.isfinite(sigma)
    # Double where: masked NaNs never reach the arithmetic (and no NaN gradients through it).
    c = jnp.where(valid, sic, 0.0)
    c = jnp.where(is_pm & weather[None], 0.0, c)
    w = weights(c, sigma, valid, jnp.asarray(params.footprints_m)[:, None, None], params)
    wsum = w.sum(0)
    anyv = wsum > 0
    safe = jnp.where(anyv, wsum, 1.0)
    fused = jnp.where(anyv, jnp.clip((w * c).sum(0) / safe, 0.0, 100.0), jnp.nan)
    unc = jnp.where(anyv, 1.0 / jnp.sqrt(safe), jnp.nan)
    dominant = jnp.where(anyv, jnp.argmax(w, axis=0), -1).astype(jnp.int32)
    return fused, unc, dominant


def params_from_config(cfg) -> FusionParams:
    """:class:`FusionParams` from a ``configs/fusion.py`` ConfigDict."""
    return FusionParams(
        footprints_m=tuple(float(cfg.footprints_m[p]) for p in PRODUCTS),
        is_pm=tuple(p in ("amsr2_89", "nt") for p in PRODUCTS),
        target_res_m=float(cfg.target_res_m),
        kappa=float(cfg.kappa),
        beta=float(cfg.beta),
        min_sigma=float(cfg.min_sigma),
    )


def weather_from_tb(tb: xr.Dataset, path: str = "tb") -> xr.DataArray:
    """The 18.7/89 GHz weather mask of ``tb`` (``tb_18_7h/v``, ``tb_89_0h/v``) on its own grid.

    Returns:
      float32 DataArray (1 = weather over open water, 0 = not), georeferenced like ``tb``.
    """
    need = ("tb_18_7h", "tb_18_7v", "tb_89_0h", "tb_89_0v")
    missing = [v for v in need if v not in tb]
    if missing:
        raise file_error(path, f"lacks {missing} for the weather mask")
    m = np.asarray(weather_mask_89(*(jnp.asarray(tb[v].values, jnp.float32) for v in need)))
    return tb[need[0]].copy(data=m.astype(np.float32)).rename("weather_mask_89")


def _apply_weather(sic: xr.DataArray, weather: xr.DataArray) -> xr.DataArray:
    """PM ``sic`` set to 0 where most of its pixel is flagged, on the product's own grid.

    Masking before interpolation keeps the mask's footprint: a 25 km flagged cell zeroed on the
    200 m grid after bilinear interpolation would cut a square hole into the ice edge.
    """
    g = Grid.from_dataset(sic)
    coarser = Grid.from_dataset(weather).res < g.res * 0.99
    frac = np.asarray(regrid(weather, g, "average" if coarser else "nearest").values)
    return sic.where(~(np.nan_to_num(frac) > 0.5), 0.0)


def fuse_datasets(
    products: dict[str, xr.Dataset],
    grid: Grid,
    cfg,
    weather: xr.DataArray | np.ndarray | None = None,
    *,
    warn=print,
) -> xr.Dataset:
    """Fuse product datasets (``sic`` [+ ``sic_uncertainty``]) on ``grid``.

    Args:
      products: name (one of :data:`PRODUCTS`) -> georeferenced dataset; missing names are absent.
      grid: output grid (each product is averaged onto it when finer, bilinear when coarser).
      cfg: ``configs/fusion.py`` config.
      weather: optional weather mask (True/1 = weather over open water): a georeferenced
        DataArray on its own grid (applied to each PM product on the product's grid, before
        regridding) or an (H, W) bool array on ``grid`` (applied in :func:`fuse`).
      warn: called with a one-line message for each product that is skipped.

    Returns:
      Dataset on ``grid`` with ``sic``, ``sic_uncertainty`` and ``dominant`` (index into
      :data:`PRODUCTS`, -1 = none).

    Raises:
      SeaIceError: unknown product name, or no product covers the grid.
    """
    sics, sigmas = [], []
    native_mask = weather if isinstance(weather, xr.DataArray) and cfg.weather_mask else None
    for name in PRODUCTS:
        mask = native_mask if name in ("amsr2_89", "nt") else None
        s, u = _on_grid(products.get(name), name, grid, cfg, warn, mask)
        sics.append(s)
        sigmas.append(u)
    unknown = sorted(set(products) - set(PRODUCTS))
    if unknown:
        raise SeaIceError(f"unknown products {unknown} (known: {', '.join(PRODUCTS)})")
    if all(np.isnan(s).all() for s in sics):
        raise SeaIceError(f"no product has valid SIC on the output grid {grid.name or grid.crs}")
    params = dataclasses.replace(params_from_config(cfg), target_res_m=float(grid.res))
    on_grid = isinstance(weather, np.ndarray) and cfg.weather_mask
    w = np.asarray(weather, bool) if on_grid else np.zeros(grid.shape, bool)
    f, u, d = fuse(
        jnp.asarray(np.stack(sics)), jnp.asarray(np.stack(sigmas)), jnp.asarray(w), params
    )
    out = grid.template()
    out["sic"] = (("y", "x"), np.asarray(f, np.float32))
    scale = float(cfg.sigma_scale)
    out["sic_uncertainty"] = (("y", "x"), np.asarray(u, np.float32) * np.float32(scale))
    out["dominant"] = (("y", "x"), np.asarray(d, np.int16))
    out["dominant"].attrs.update(
        long_name="index of the product with the largest fusion weight",
        flag_values=list(range(-1, len(PRODUCTS))),
        flag_meanings="none " + " ".join(PRODUCTS),
    )
    return out


def _on_grid(ds, name: str, grid: Grid, cfg, warn, weather=None) -> tuple[np.ndarray, np.ndarray]:
    empty = np.full(grid.shape, np.nan, np.float32)
    if ds is None:
        return empty, empty
    src = ds.attrs.get("source_path", name)
    sic = pick_var(ds, "sic", src)
    method = "bilinear" if Grid.from_dataset(sic).res > grid.res * 1.01 else "average"
    if weather is not None:
        sic = _apply_weather(sic, weather)
    try:
        s = np.asarray(regrid(sic, grid, method).values, np.float32)
    except SeaIceError as e:  # grids that do not overlap: skip this product, fuse the rest
        warn(f"{src}: {name} skipped ({e})")
        return empty, empty
    if "sic_uncertainty" in ds:
        u = np.asarray(
            regrid(pick_var(ds, "sic_uncertainty", src), grid, method).values, np.float32
        )
    else:
        u = np.full(grid.shape, float(cfg.default_sigma[name]), np.float32)
    if np.isnan(s).all():
        warn(f"{src}: {name} has no valid SIC on the output grid (no overlap or all NaN); skipped")
        return empty, empty
    return s, u


#: Name of the fusion calibration file (:func:`save_calibration`) in a calibration folder.
CALIBRATION_FILE = "fusion_calibration.json"


def save_calibration(
    path: str | os.PathLike, kappa: float, beta: float, sigma_scale: float, *, fitted_on: str = ""
) -> os.PathLike:
    """Write the fitted fusion parameters (``kappa``, ``beta``, ``sigma_scale``) as JSON, atomically.

    They are what ``seaice_jax.experiments.case.calibrate`` fits on a day with known truth;
    :func:`apply_calibration` sets them on a fusion config (scene fusion, the daily mosaic).
    """
    doc = {
        "kappa": float(kappa),
        "beta": float(beta),
        "sigma_scale": float(sigma_scale),
        "fitted_on": fitted_on,
    }
    write_text(path, json.dumps(doc, indent=1) + "\n")
    return path


def load_calibration(path: str | os.PathLike) -> dict[str, float]:
    """``{"kappa", "beta", "sigma_scale"}`` from a file written by :func:`save_calibration`."""
    try:
        doc = json.loads(Path(path).read_text())
        return {k: float(doc[k]) for k in ("kappa", "beta", "sigma_scale")}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise file_error(path, f"not a fusion calibration file ({type(e).__name__}: {e})") from None


def apply_calibration(
    cfg: ml_collections.ConfigDict, cal: Mapping[str, float]
) -> ml_collections.ConfigDict:
    """A copy of fusion config ``cfg`` with the calibrated ``kappa``, ``beta``, ``sigma_scale``."""
    out = cfg.copy_and_resolve_references()
    out.kappa, out.beta, out.sigma_scale = cal["kappa"], cal["beta"], cal["sigma_scale"]
    return out


def _output_grid(products: dict[str, xr.Dataset], grid_name: str | None, like) -> Grid:
    """A named grid, the grid of the file ``like``, or else the finest product's grid."""
    if grid_name:
        return named_grid(grid_name)
    if like:
        return Grid.from_dataset(open_dataset(like))
    return min((Grid.from_dataset(d) for d in products.values()), key=lambda g: g.res)


def fuse_files(
    paths: Mapping[str, str | os.PathLike],
    out: str | os.PathLike,
    cfg: ml_collections.ConfigDict,
    *,
    grid_name: str | None = None,
    like: str | os.PathLike | None = None,
    tb: str | os.PathLike | None = None,
    tif: str | os.PathLike | None = None,
    calibration: str | os.PathLike | None = None,
) -> list[str]:
    """Fuse product files onto one grid and write CF-netCDF (+ COG): ``seaice-jax fuse``.

    Args:
      paths: product name (:data:`PRODUCTS`) -> product file (``sic`` [, ``sic_uncertainty``]).
      out: output CF-netCDF (``sic``, ``sic_uncertainty``, ``dominant``).
      cfg: ``configs/fusion.py`` config.
      grid_name, like: the output grid (a named grid, or the grid of a file); default the
        finest product's grid.
      tb: AMSR2 TBs for the weather mask (else the NT file's ``weather_mask_89``, if any).
      tif: also write this Cloud-Optimised GeoTIFF.
      calibration: a fusion calibration file (:func:`save_calibration`) to apply to ``cfg``.

    Returns:
      One line per product that was skipped (the fusion went on without it).

    Raises:
      SeaIceError: no product given, none usable, or a bad file (one line, with the skips).
    """
    if not paths:
        raise SeaIceError("fuse: give at least one of --s1, --rcm, --amsr2-89, --nt")
    if calibration:
        cfg = apply_calibration(cfg, load_calibration(calibration))
    products = {k: open_dataset(v) for k, v in paths.items()}
    grid = _output_grid(products, grid_name, like)
    weather = None
    if tb and cfg.weather_mask:
        weather = weather_from_tb(open_dataset(tb), tb)
    elif "nt" in products and "weather_mask_89" in products["nt"] and cfg.weather_mask:
        weather = pick_var(products["nt"], "weather_mask_89", paths["nt"])
    notes: list[str] = []  # skipped products: returned on success, part of the one-line error else
    try:
        fused = fuse_datasets(products, grid, cfg, weather, warn=notes.append)
    except SeaIceError as e:
        raise SeaIceError("; ".join([str(e), *notes])) from None
    times = [t for ds in products.values() if (r := product_time(ds)) for t in r]
    if times:  # valid over the span of its inputs
        fused.attrs["time_coverage_start"], fused.attrs["time_coverage_end"] = (
            str(min(times)),
            str(max(times)),
        )
    fused.attrs.update(
        title="fused sea ice concentration",
        source="; ".join(f"{k}: {os.fspath(v)}" for k, v in paths.items()),
    )
    write_netcdf(fused, out)
    if tif:
        write_cog(fused, tif, ["sic", "sic_uncertainty", "dominant"])
    return notes
