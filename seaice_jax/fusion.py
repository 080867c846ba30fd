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

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from seaice_jax.blocks import pick_var, regrid
from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.geo import Grid

#: The four products of the paper, in index order of ``dominant``.
PRODUCTS = ("s1", "rcm", "amsr2_89", "nt")


@dataclasses.dataclass(frozen=True)
class FusionParams:
    """Static fusion parameters (``configs/fusion.py``).

    Attributes:
      footprints_m: footprint (m) of each product, in the order of the product axis.
      is_pm: which products are passive microwave (weather mask applies).
      target_res_m: pixel size of the common grid (m).
      kappa: representativeness error per doubling of footprint over pixel (%).
      beta: fraction of ``kappa`` kept in pure ice or water (0-1).
      min_sigma: lower bound of any product's sigma (%), so that no product gets infinite weight.
    """

    footprints_m: tuple[float, ...] = (200.0, 200.0, 4_000.0, 25_000.0)
    is_pm: tuple[bool, ...] = (False, False, True, True)
    target_res_m: float = 200.0
    kappa: float = 4.0
    beta: float = 0.25
    min_sigma: float = 0.5


def representativeness(sic: jax.Array, footprint_m: jax.Array, params: FusionParams) -> jax.Array:
    """sigma_rep (%) for products ``(P, H, W)`` with footprints ``(P,)`` on the target grid."""
    octaves = jnp.log2(jnp.maximum(footprint_m / params.target_res_m, 1.0))[:, None, None]
    f = jnp.clip(sic / 100.0, 0.0, 1.0)
    mix = params.beta + (1.0 - params.beta) * 4.0 * f * (1.0 - f)
    return params.kappa * octaves * mix


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
    s = jnp.maximum(jnp.where(valid, sigma, 1.0), params.min_sigma)
    var = s**2 + representativeness(c, jnp.asarray(params.footprints_m), params) ** 2
    w = jnp.where(valid, 1.0 / var, 0.0)
    wsum = w.sum(0)
    anyv = wsum > 0
    safe = jnp.where(anyv, wsum, 1.0)
    fused = jnp.where(anyv, jnp.clip((w * c).sum(0) / safe, 0.0, 100.0), jnp.nan)
    unc = jnp.where(anyv, 1.0 / jnp.sqrt(safe), jnp.nan)
    dominant = jnp.where(anyv, jnp.argmax(w, axis=0), -1).astype(jnp.int32)
    return fused, unc, dominant


def fuse_numpy(sic: np.ndarray, sigma: np.ndarray, weather: np.ndarray, params: FusionParams):
    """A plain NumPy loop over products: the independent reference of :func:`fuse` (tests)."""
    num = np.zeros(sic.shape[1:])
    den = np.zeros(sic.shape[1:])
    best = np.full(sic.shape[1:], -1)
    best_w = np.zeros(sic.shape[1:])
    for p in range(sic.shape[0]):
        ok = np.isfinite(sic[p]) & np.isfinite(sigma[p])
        c = np.where(ok, sic[p], 0.0)
        if params.is_pm[p]:
            c = np.where(weather, 0.0, c)
        f = np.clip(c / 100.0, 0, 1)
        oct_ = np.log2(max(params.footprints_m[p] / params.target_res_m, 1.0))
        rep = params.kappa * oct_ * (params.beta + (1 - params.beta) * 4 * f * (1 - f))
        s = np.maximum(np.where(ok, sigma[p], 1.0), params.min_sigma)
        w = np.where(ok, 1.0 / (s**2 + rep**2), 0.0)
        num += w * c
        den += w
        better = w > best_w
        best = np.where(better, p, best)
        best_w = np.where(better, w, best_w)
    with np.errstate(invalid="ignore", divide="ignore"):
        fused = np.where(den > 0, np.clip(num / den, 0, 100), np.nan)
        unc = np.where(den > 0, 1.0 / np.sqrt(den), np.nan)
    return fused, unc, best


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
    from seaice_jax.pm import weather_mask_89

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
    scale = float(cfg.get("sigma_scale", 1.0))
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
