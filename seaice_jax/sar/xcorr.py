"""The HH-HV cross-correlation layer: local normalised cross-correlation of the two channels.

For every pixel, over a ``window x window`` box centred on it,

    ncc = cov(HH, HV) / sqrt(var(HH) * var(HV))        in [-1, 1],

with the local means, variances and covariance taken over the valid pixels of the box only.
Structure present in both channels (ice edges, ridges, leads, floe boundaries) correlates
positively; channel-specific noise (HV thermal-noise scalloping and banding, HH wind roughening of
open water where HV sees only the noise floor) decorrelates, so the layer keeps the shared
structure and suppresses the channel-specific noise. This is the third SAR input channel of the
SIC models (the fusion paper's "cross-correlation layer").

Why dB, not linear power: speckle is multiplicative, so in dB it becomes additive and close to
Gaussian with a variance independent of the mean backscatter; the covariance then measures joint
structure rather than the brightest pixels of the window (in linear units a single bright target
dominates the sums). NCC is invariant to a gain and offset per channel, so the absolute
calibration of either channel does not change the layer. The inputs are the standard ``hh``/``hv``
variables, already in dB.

Box sums use ``lax.reduce_window`` (separable: rows, then columns), which sums the window's
elements directly and so keeps float32 accuracy on large scenes where cumulative sums would lose
it. Borders are mirrored like ``scipy.ndimage.uniform_filter(mode="reflect")``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from scipy.ndimage import uniform_filter

#: Default window (pixels). 7 px at 200 m is 1.4 km: large enough for a stable correlation
#: estimate (49 samples), small enough not to smear 1-2 px leads into their surroundings.
DEFAULT_WINDOW = 7


def _box_sum(x: jax.Array, window: int) -> jax.Array:
    """Sum over a ``window x window`` box on the last two axes, mirrored borders."""
    r0 = window // 2
    r1 = window - 1 - r0
    pad = [(0, 0)] * (x.ndim - 2) + [(r0, r1), (r0, r1)]
    xp = jnp.pad(x, pad, mode="symmetric")
    lead = (1,) * (x.ndim - 2)
    s = lax.reduce_window(xp, 0.0, lax.add, lead + (window, 1), lead + (1, 1), "VALID")
    return lax.reduce_window(s, 0.0, lax.add, lead + (1, window), lead + (1, 1), "VALID")


@functools.partial(jax.jit, static_argnames=("window", "eps"))
def cross_correlation(
    hh: jax.Array,
    hv: jax.Array,
    valid: jax.Array | None = None,
    *,
    window: int = DEFAULT_WINDOW,
    eps: float = 1e-6,
) -> jax.Array:
    """Local normalised cross-correlation of HH and HV (both in dB).

    Args:
      hh, hv: sigma0 in dB, shape ``(..., H, W)``; NaN marks missing pixels.
      valid: optional bool mask ``(..., H, W)`` (True = use the pixel); combined with finiteness.
      window: box side in pixels (static).
      eps: variance floor (dB^2); a box flatter than this in either channel gives 0 (no
        evidence of shared structure) rather than a division by ~0.

    Returns:
      float32 array ``(..., H, W)`` in [-1, 1]; NaN where the pixel itself is invalid or its box
      holds fewer than 2 valid pixels.
    """
    hh = jnp.asarray(hh, jnp.float32)
    hv = jnp.asarray(hv, jnp.float32)
    ok = jnp.isfinite(hh) & jnp.isfinite(hv)
    if valid is not None:
        ok = ok & jnp.asarray(valid, bool)
    w = ok.astype(jnp.float32)
    # Centre by the scene mean first so the second moments are small numbers (float32 accuracy).
    n_all = jnp.maximum(w.sum(axis=(-2, -1), keepdims=True), 1.0)
    a = jnp.where(ok, hh, 0.0)
    b = jnp.where(ok, hv, 0.0)
    a = jnp.where(ok, a - a.sum(axis=(-2, -1), keepdims=True) / n_all, 0.0)
    b = jnp.where(ok, b - b.sum(axis=(-2, -1), keepdims=True) / n_all, 0.0)
    n = _box_sum(w, window)
    safe_n = jnp.maximum(n, 1.0)
    ma = _box_sum(a, window) / safe_n
    mb = _box_sum(b, window) / safe_n
    cov = _box_sum(a * b, window) / safe_n - ma * mb
    va = jnp.maximum(_box_sum(a * a, window) / safe_n - ma * ma, 0.0)
    vb = jnp.maximum(_box_sum(b * b, window) / safe_n - mb * mb, 0.0)
    flat = (va < eps) | (vb < eps)
    denom = jnp.sqrt(jnp.where(flat, 1.0, va * vb))
    r = jnp.where(flat, 0.0, cov / denom)
    r = jnp.clip(r, -1.0, 1.0)
    return jnp.where(ok & (n >= 2.0), r, jnp.nan)


def cross_correlation_numpy(
    hh: np.ndarray, hv: np.ndarray, *, window: int = DEFAULT_WINDOW, eps: float = 1e-6
) -> np.ndarray:
    """Independent float64 reference with ``scipy.ndimage.uniform_filter`` (all pixels valid).

    Args:
      hh, hv: ``(H, W)`` arrays in dB, finite everywhere.
      window, eps: as :func:`cross_correlation`.

    Returns:
      ``(H, W)`` float64 NCC.
    """
    a = np.asarray(hh, np.float64)
    b = np.asarray(hv, np.float64)

    def f(x):
        return uniform_filter(x, size=window, mode="reflect")

    ma, mb = f(a), f(b)
    cov = f(a * b) - ma * mb
    va = np.maximum(f(a * a) - ma * ma, 0.0)
    vb = np.maximum(f(b * b) - mb * mb, 0.0)
    flat = (va < eps) | (vb < eps)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(flat, 0.0, cov / np.sqrt(np.where(flat, 1.0, va * vb)))
    return np.clip(r, -1.0, 1.0)
