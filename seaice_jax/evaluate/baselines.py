"""Baselines every evaluation shows beside the deep products: NT bilinear and NT pan-sharpened.

* ``nt_bilinear``: the 25 km NASA Team SIC bilinearly interpolated to the target grid — what a
  user gets without any SAR.
* ``pansharpen_baseline``: the CIMR SIC ATBD pan-sharpening (:mod:`seaice_jax.evaluate.pansharpen`) of NT
  with a per-pixel linear SAR SIC, ``a0 + a1 HH + a2 HV``, fitted by least squares to a reference
  SIC on the scene (the ice chart's CT where a chart is given, else NT bilinear itself).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from seaice_jax.evaluate import pansharpen as ps
from seaice_jax.geo import Grid, regrid
from seaice_jax.io.products import pick_var


def nt_bilinear(nt: xr.Dataset, grid: Grid, path="nt") -> np.ndarray:
    """NT ``sic`` bilinearly interpolated onto ``grid``: float32 ``(H, W)`` %."""
    return np.asarray(regrid(pick_var(nt, "sic", path), grid, "bilinear").values, np.float32)


def sar_on_grid(sar: xr.Dataset, grid: Grid, path="sar") -> tuple[np.ndarray, np.ndarray]:
    """HH and HV (dB) of a SAR scene on ``grid`` (NaN outside the swath / where ``valid`` is 0)."""
    out = []
    for v in ("hh", "hv"):
        da = pick_var(sar, v, path)
        if "valid" in sar:
            da = da.where(np.asarray(sar["valid"].values) > 0)
        out.append(np.asarray(regrid(da, grid, "average").values, np.float32))
    return out[0], out[1]


def pansharpen_baseline(
    nt: xr.Dataset,
    sar: xr.Dataset,
    grid: Grid,
    ref_sic: np.ndarray | None = None,
    footprint_m: float = 25_000.0,
) -> tuple[np.ndarray, np.ndarray]:
    """NT pan-sharpened with the SAR SIC on ``grid``.

    Args:
      nt: NASA Team product (``sic``).
      sar: SAR scene (``hh``, ``hv`` in dB [, ``valid``]).
      grid: target (SAR-resolution) grid.
      ref_sic: (H, W) SIC % on ``grid`` to fit the SAR model to (e.g. a rasterised chart); NT
        bilinear when None.
      footprint_m: the coarse product's footprint (FWHM of the blur).

    Returns:
      (sharpened SIC %, fitted coefficients (3,)).
    """
    coarse = nt_bilinear(nt, grid)
    hh, hv = sar_on_grid(sar, grid)
    ref = coarse if ref_sic is None else np.asarray(ref_sic, np.float32)
    coef = ps.fit_sar_sic(hh, hv, ref)
    fine = ps.sar_sic(hh, hv, coef)
    sharp = ps.pansharpen(coarse, fine, ps.footprint_sigma_px(footprint_m, grid.res))
    return np.asarray(sharp, np.float32), np.asarray(coef)
