"""SAR radiometric calibration, incidence-angle correction and georectification for SIT.

Steps of the FMI X-band SIT chain (Karvonen et al., section 3): calibrate to sigma0 in dB,
correct linearly to a reference incidence angle (35 deg, slope -0.25 dB/deg, fitted by FMI on 47
COSMO-SkyMed ScanSAR images over Baltic ice), georectify to Mercator (EPSG:3395, 500 m) and mask
land with GSHHG coastlines.

Calibration formulas:
- Sentinel-1 / RCM style (ESA "Radiometric Calibration of S-1 Level-1 Products", Miranda & Meadows
  2015): ``sigma0 = (|DN|^2 - noise) / A^2`` with ``A`` the sigmaNought LUT and ``noise`` the
  thermal-noise LUT (0 if none).
- TerraSAR-X / PAZ style (Airbus "Radiometric Calibration of TerraSAR-X Data", TSXX-ITD-TN-0049):
  ``sigma0 = (ks |DN|^2 - NEBN) sin(theta)`` with the calibration constant ``ks``.

Published C-band HH incidence slopes to compare a fitted slope with (dB/deg):
- Makynen & Karvonen 2017 (IEEE TGRS 55(11), Sentinel-1 EW, Kara Sea, winter): level FYI -0.25,
  deformed FYI -0.24.
- Mahmud et al. 2018 (IEEE TGRS 56(11), RADARSAT-2, Canadian Arctic): FYI -0.22, MYI -0.16.
- Howell et al. 2023 (IEEE TGRS 61, RCM, winter): FYI -0.235, SYI -0.208, MYI -0.167.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.landmask import land_mask
from seaice_jax.geo.regrid import regrid
from seaice_jax.geo.swath import swath_to_grid
from seaice_jax.io.charts import rasterize_chart

#: Published C-band HH slopes (dB/deg), see the module docstring.
PUBLISHED_C_BAND_HH_SLOPES = {
    "makynen_karvonen_2017_level_fyi": -0.25,
    "makynen_karvonen_2017_deformed_fyi": -0.24,
    "mahmud_2018_fyi": -0.22,
    "mahmud_2018_myi": -0.16,
    "howell_2023_fyi": -0.235,
    "howell_2023_syi": -0.208,
    "howell_2023_myi": -0.167,
}

_FLOOR = 1e-10  # linear sigma0 floor (-100 dB) so noise subtraction never gives log of <= 0


def to_db(linear: jax.Array) -> jax.Array:
    """10 log10 of linear sigma0, floored at -100 dB."""
    return 10.0 * jnp.log10(jnp.maximum(linear, _FLOOR))


def sigma0_from_dn(dn: jax.Array, a_lut: jax.Array, noise: jax.Array | float = 0.0) -> jax.Array:
    """Sentinel-1/RCM calibration of digital numbers to sigma0 in dB.

    Args:
      dn: (H, W) digital numbers (amplitude, GRD) or complex (SLC).
      a_lut: sigmaNought calibration values interpolated to the pixels, (H, W) or scalar.
      noise: thermal-noise power in DN^2 units, (H, W) or scalar.

    Returns:
      (H, W) sigma0 in dB.
    """
    power = jnp.abs(dn).astype(jnp.float32) ** 2
    return to_db((power - noise) / jnp.asarray(a_lut, jnp.float32) ** 2)


def sigma0_from_dn_tsx(
    dn: jax.Array, ks: float, incidence_deg: jax.Array, nebn: jax.Array | float = 0.0
) -> jax.Array:
    """TerraSAR-X/PAZ calibration: beta0 = ks |DN|^2, sigma0 = (beta0 - NEBN) sin(theta), in dB."""
    beta0 = ks * jnp.abs(dn).astype(jnp.float32) ** 2
    return to_db((beta0 - nebn) * jnp.sin(jnp.deg2rad(incidence_deg)))


def ensure_db(sigma0: jax.Array, units: str | None) -> jax.Array:
    """Pass-through for products already in dB; linear sigma0 is converted.

    Args:
      sigma0: (H, W) array; units: the variable's ``units`` attribute ("dB", "1", "linear", None).
    """
    u = (units or "dB").strip().lower()
    if u in ("db", "decibel"):
        return jnp.asarray(sigma0, jnp.float32)
    if u in ("1", "linear", "m2/m2", "m^2/m^2", ""):
        return to_db(jnp.asarray(sigma0, jnp.float32))
    raise SeaIceError(f"sigma0 units '{units}' not understood (expected dB or linear)")


@jax.jit
def incidence_correct(
    sigma0_db: jax.Array, incidence_deg: jax.Array, slope: float = -0.25, ref_deg: float = 35.0
) -> jax.Array:
    """Linear correction of sigma0 (dB) to the reference incidence angle.

    sigma0(theta) = sigma0(ref) + slope (theta - ref), so sigma0(ref) = sigma0 - slope (theta - ref).

    Args:
      sigma0_db: (H, W); incidence_deg: (H, W) or scalar; slope: dB/deg; ref_deg: deg.

    Returns:
      (H, W) sigma0 in dB at ``ref_deg``.
    """
    return sigma0_db - slope * (incidence_deg - ref_deg)


def fit_incidence_slope(
    sigma0_db: jax.Array, incidence_deg: jax.Array, mask: jax.Array
) -> dict[str, float]:
    """Least-squares line sigma0 = a + b theta over the masked pixels (e.g. ice from chart SIC).

    Args:
      sigma0_db, incidence_deg: (H, W); mask: (H, W) bool (NaNs are dropped too).

    Returns:
      {"slope" (dB/deg), "intercept" (dB at 0 deg), "n", "r", "theta_range": [min, max]};
      slope NaN if fewer than 10 pixels or the angles span under 1 deg.
    """
    s = np.asarray(sigma0_db, np.float64).ravel()
    t = np.asarray(incidence_deg, np.float64).ravel()
    m = np.asarray(mask, bool).ravel() & np.isfinite(s) & np.isfinite(t)
    s, t = s[m], t[m]
    if s.size < 10 or np.ptp(t) < 1.0:
        return {
            "slope": float("nan"),
            "intercept": float("nan"),
            "n": int(s.size),
            "r": float("nan"),
            "theta_range": [
                float(t.min()) if t.size else float("nan"),
                float(t.max()) if t.size else float("nan"),
            ],
        }
    # Centred angle keeps the normal equations well conditioned in float32.
    t0 = t.mean()
    a = jnp.stack([jnp.ones(s.size), jnp.asarray(t - t0)], axis=1).astype(jnp.float32)
    coef = np.asarray(jnp.linalg.lstsq(a, jnp.asarray(s, jnp.float32))[0], np.float64)
    return {
        "slope": float(coef[1]),
        "intercept": float(coef[0] - coef[1] * t0),
        "n": int(s.size),
        "r": float(np.corrcoef(s, t)[0, 1]),
        "theta_range": [float(t.min()), float(t.max())],
    }


def fit_slopes_by_class(
    sigma0_db: jax.Array, incidence_deg: jax.Array, labels: np.ndarray, valid: np.ndarray
) -> dict[int, dict[str, float]]:
    """:func:`fit_incidence_slope` per class of a label map (class 0 = invalid is skipped)."""
    labels = np.asarray(labels)
    out = {}
    for c in np.unique(labels[np.asarray(valid, bool)]):
        if c == 0:
            continue
        out[int(c)] = fit_incidence_slope(sigma0_db, incidence_deg, (labels == c) & valid)
    return out


def georectify(
    ds: xr.Dataset,
    grid,
    *,
    lon=None,
    lat=None,
    radius_m: float | None = None,
    method: str = "bilinear",
) -> xr.Dataset:
    """Put a SAR scene on a map grid (e.g. ``named_grid('baltic3395_500m')`` or a window of it).

    Args:
      ds: the scene; georeferenced (``ds.rio.crs``) or not, then ``lon``/``lat`` (H, W) are needed.
      grid: target :class:`~seaice_jax.geo.Grid`.
      lon, lat: per-pixel geolocation of an unprojected scene.
      radius_m: search radius for swath resampling (default 1.5 grid pixels).
      method: regrid method for georeferenced inputs.

    Returns:
      Dataset on ``grid`` with the same variables and ``land_mask`` from GSHHG (1 = land).
    """
    if ds.rio.crs is not None:
        out = regrid(ds, grid, method=method)
    elif lon is not None and lat is not None:
        out = grid.template()
        r = radius_m or 1.5 * grid.res
        for v in ds.data_vars:
            if ds[v].dims == ("y", "x"):
                vals = np.asarray(ds[v].values, np.float32)
                out[v] = (("y", "x"), np.asarray(swath_to_grid(lon, lat, vals, grid, r)))
                out[v].attrs.update(ds[v].attrs)
    else:
        raise SeaIceError("georectify: the scene has no CRS and no lon/lat were given")
    out["land_mask"] = (("y", "x"), np.asarray(land_mask(grid), np.uint8))
    return out


def fit_slope_over_chart_ice(
    sigma0_db: np.ndarray, incidence_deg: np.ndarray, chart, grid, min_sic: float = 90.0
) -> dict[str, float]:
    """The paper's slope fit: least squares over the pixels the day's ice chart calls ice.

    Open water is left out because its incidence dependence follows the instantaneous wave
    spectrum (Karvonen et al., section 3).

    Args:
      sigma0_db, incidence_deg: (H, W) on ``grid``; chart: a chart path or
        :class:`~seaice_jax.io.charts.Chart`; grid: the scene's grid; min_sic: chart SIC (%) at or
        above which a pixel counts as ice.

    Returns:
      As :func:`fit_incidence_slope`.
    """
    sic = rasterize_chart(chart, grid, what="sic")
    return fit_incidence_slope(sigma0_db, incidence_deg, np.nan_to_num(sic, nan=-1.0) >= min_sic)
