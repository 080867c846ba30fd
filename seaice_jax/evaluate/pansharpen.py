"""The classical baseline: NASA Team SIC pan-sharpened with a SAR SIC estimate.

The CIMR Level-2 SIC ATBD (Lavergne et al., ESA CIMR SeaIceConcentration_ATBD_v2, "pan-sharpening")
adds the fine-scale detail of a high-resolution but less accurate field to an accurate coarse field:

    sharpened = coarse_remapped + (fine - G_L * fine),

where ``G_L *`` is a Gaussian blur to the coarse footprint ``L`` (FWHM = L). Here the coarse field
is NT SIC (bilinearly remapped to the SAR grid) and the fine field a per-pixel SAR SIC: a linear
model ``a0 + a1 HH + a2 HV`` (dB) fitted by least squares to the ice-chart SIC of the same scene
(the chart is the only SIC the SAR sees at its own scale; it is coarse in its polygons, but the
linear fit over many pixels recovers the mean backscatter-to-SIC relation: open water is dark in
HV, ice bright). Blurring is NaN-aware (normalised convolution), so swath edges and land do not
pull the local mean.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np


def fit_sar_sic(hh: jax.Array, hv: jax.Array, ref_sic: jax.Array) -> jax.Array:
    """Least-squares coefficients ``(a0, a1, a2)`` of ``ref_sic ~ a0 + a1 hh + a2 hv``.

    Args:
      hh, hv: (H, W) sigma0 in dB; ref_sic: (H, W) reference SIC % (e.g. a rasterised chart).
        Pixels with a NaN in any of the three are ignored.

    Returns:
      (3,) float32 coefficients.
    """
    hh, hv, ref = (jnp.ravel(jnp.asarray(a, jnp.float32)) for a in (hh, hv, ref_sic))
    ok = jnp.isfinite(hh) & jnp.isfinite(hv) & jnp.isfinite(ref)
    # Rows of masked pixels become all-zero equations: they do not change the solution.
    a = jnp.stack([jnp.ones_like(hh), hh, hv], axis=1)
    a = jnp.where(ok[:, None], a, 0.0)
    b = jnp.where(ok, ref, 0.0)
    coef, *_ = jnp.linalg.lstsq(a, b)
    return coef


@jax.jit
def sar_sic(hh: jax.Array, hv: jax.Array, coef: jax.Array) -> jax.Array:
    """Per-pixel SAR SIC % from the linear model, clipped to [0, 100]; NaN stays NaN."""
    return jnp.clip(coef[0] + coef[1] * hh + coef[2] * hv, 0.0, 100.0)


def gaussian_kernel(sigma_px: float, truncate: float = 4.0) -> np.ndarray:
    """Normalised 1-D Gaussian, radius ``int(truncate * sigma + 0.5)`` (as scipy.ndimage)."""
    r = int(truncate * sigma_px + 0.5)
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma_px) ** 2)
    return (k / k.sum()).astype(np.float32)


def footprint_sigma_px(footprint_m: float, res_m: float) -> float:
    """Gaussian sigma (pixels) whose FWHM is the footprint: FWHM = 2 sqrt(2 ln 2) sigma."""
    return footprint_m / (2.0 * math.sqrt(2.0 * math.log(2.0))) / res_m


def _conv_axis(x: jax.Array, k: jax.Array, axis: int) -> jax.Array:
    lhs = x[None, None] if axis == 1 else x.T[None, None]
    r = (k.shape[0] - 1) // 2
    out = jax.lax.conv_general_dilated(
        lhs, k[None, None, None, :], (1, 1), [(0, 0), (r, r)], precision=jax.lax.Precision.HIGHEST
    )[0, 0]
    return out if axis == 1 else out.T


@functools.partial(jax.jit, static_argnames=("sigma_px",))
def blur(x: jax.Array, sigma_px: float) -> jax.Array:
    """NaN-aware separable Gaussian blur of an (H, W) field (zero outside, renormalised).

    Returns:
      (H, W); NaN where the kernel sees no valid pixel.
    """
    k = jnp.asarray(gaussian_kernel(sigma_px))
    m = jnp.isfinite(x).astype(jnp.float32)
    v = jnp.where(m > 0, x, 0.0)
    num = _conv_axis(_conv_axis(v, k, 1), k, 0)
    den = _conv_axis(_conv_axis(m, k, 1), k, 0)
    return jnp.where(den > 1e-6, num / jnp.where(den > 1e-6, den, 1.0), jnp.nan)


@functools.partial(jax.jit, static_argnames=("sigma_px",))
def pansharpen(coarse: jax.Array, fine: jax.Array, sigma_px: float) -> jax.Array:
    """``clip(coarse + fine - blur(fine), 0, 100)`` on the fine grid.

    Args:
      coarse: (H, W) coarse SIC % already remapped to the fine grid.
      fine: (H, W) fine SIC % (NaN outside the SAR swath: there the coarse field is kept).
      sigma_px: Gaussian sigma (fine pixels) of the coarse footprint, see
        :func:`footprint_sigma_px`.

    Returns:
      (H, W) sharpened SIC %, NaN where ``coarse`` is NaN.
    """
    detail = fine - blur(fine, sigma_px)
    detail = jnp.where(jnp.isfinite(detail), detail, 0.0)
    return jnp.clip(coarse + detail, 0.0, 100.0)
