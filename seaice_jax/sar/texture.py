"""SAR texture features for sea-ice thickness (Karvonen et al., X-band SIT paper, section 3).

Sliding-window features on a square window of odd side ``w`` (edges: symmetric reflection, the
``mode="reflect"`` of ``scipy.ndimage``):

- entropy: Shannon entropy (bits) of grey tones quantised to ``levels`` equal bins over
  ``[lo, hi]`` (Shannon 1948), ``-sum_k p_k log2 p_k`` with ``p_k`` the share of tone k in the
  window (the same quantity as ``skimage.filters.rank.entropy``);
- autocorrelation: the lag-d sample autocorrelation normalised by the window variance
  (Box & Jenkins 1976), ``mean_W[(I(q) - mu)(I(q + d) - mu)] / sigma^2`` over anchors q in the
  window, averaged over d in (0, 1), (1, 0), (1, 1), (1, -1) for directional independence;
- coefficient of variation sigma / mu in the window, on *linear* sigma0 (the dB image is
  negative, so its ratio would have no meaning; on intensity it is the classic speckle/roughness
  measure).

The per-segment zero-crossing count, the fifth SAR feature of the SIT regression, needs the ICM
segments and so lives with the other segment statistics (:mod:`seaice_jax.sit.segstats`).

Masked pixels are filled with the mean of the valid ones before filtering and get NaN out.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp

DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))


def box_mean(a: jax.Array, w: int) -> jax.Array:
    """Mean over a w x w window centred on each pixel, symmetric-reflect edges.

    Args:
      a: (H, W) or (H, W, L) float (a trailing channel axis is filtered independently).
      w: odd window side.

    Returns:
      Same shape as ``a``.
    """
    r = w // 2
    pad = ((r, r), (r, r)) + ((0, 0),) * (a.ndim - 2)
    return _box_valid(jnp.pad(a, pad, mode="symmetric"), w)


def _box_valid(p: jax.Array, w: int) -> jax.Array:
    """Window means of every full w x w window of ``p`` (shape shrinks by w - 1 per axis)."""
    # Separable running sums by cumulative sums: O(H W) whatever the window.
    c = jnp.cumsum(p, axis=0)
    c = jnp.concatenate([jnp.zeros_like(c[:1]), c], axis=0)
    rows = c[w:] - c[:-w]
    c = jnp.cumsum(rows, axis=1)
    c = jnp.concatenate([jnp.zeros_like(c[:, :1]), c], axis=1)
    return (c[:, w:] - c[:, :-w]) / (w * w)


def _box_sum_int(p: jax.Array, w: int) -> jax.Array:
    """Integer sums over every full w x w window of ``p`` (H + w - 1, W + w - 1, ...)."""
    c = jnp.cumsum(p, axis=0)
    c = jnp.concatenate([jnp.zeros_like(c[:1]), c], axis=0)
    c = c[w:] - c[:-w]
    c = jnp.cumsum(c, axis=1)
    c = jnp.concatenate([jnp.zeros_like(c[:, :1]), c], axis=1)
    return c[:, w:] - c[:, :-w]


def _fill(x, valid):
    m = jnp.sum(jnp.where(valid, x, 0.0)) / jnp.maximum(valid.sum(), 1)
    return jnp.where(valid, x, m)


def quantise(x: jax.Array, levels: int, lo: float, hi: float) -> jax.Array:
    """Grey tones 0..levels-1 from equal bins over [lo, hi] (values outside are clipped)."""
    q = jnp.floor((x - lo) / (hi - lo) * levels)
    return jnp.clip(q, 0, levels - 1).astype(jnp.int32)


@functools.partial(jax.jit, static_argnames=("w", "levels"))
def entropy(x: jax.Array, valid: jax.Array, w: int, levels: int, lo: float, hi: float) -> jax.Array:
    """Windowed Shannon entropy (bits) of quantised grey tones.

    Args:
      x: (H, W) sigma0 (dB); valid: (H, W) bool; w: odd window; levels: grey tones; lo, hi: range.

    Returns:
      (H, W) float32, NaN where not valid.
    """
    q = quantise(_fill(x, valid), levels, lo, hi)
    r = w // 2
    qp = jnp.pad(q, r, mode="symmetric")
    # Integer tone counts per window (exact), then H = log2 N - sum_k c_k log2 c_k / N with a
    # lookup table of c log2 c for c = 0..N: no logarithm per pixel and tone.
    counts = _box_sum_int(jax.nn.one_hot(qp, levels, dtype=jnp.int32), w)
    n = w * w
    table = jnp.asarray([0.0] + [c * math.log2(c) for c in range(1, n + 1)], jnp.float32)
    h = math.log2(n) - table[counts].sum(-1) / n
    return jnp.where(valid, h, jnp.nan)


@functools.partial(jax.jit, static_argnames=("w",))
def autocorrelation(x: jax.Array, valid: jax.Array, w: int) -> jax.Array:
    """Windowed lag-1 autocorrelation averaged over the four directions.

    Args:
      x: (H, W) sigma0 (dB); valid: (H, W) bool; w: odd window side.

    Returns:
      (H, W) float32 in about [-1, 1]; NaN where not valid or the window is constant.
    """
    h, wd = x.shape
    r = w // 2
    # One reflected image with a margin of r + 1 holds every window and its lag-1 partners.
    # Centred first: E[x^2] - mu^2 in float32 on raw dB (~ -15) would lose small variances.
    xf = _fill(x, valid).astype(jnp.float32)
    xf = xf - jnp.mean(xf)
    xp = jnp.pad(xf, r + 1, mode="symmetric")
    a = xp[1:-1, 1:-1]
    mu = _box_valid(a, w)
    var = _box_valid(a * a, w) - mu * mu
    acc = jnp.zeros((h, wd), jnp.float32)
    for dy, dx in DIRECTIONS:
        s = xp[1 + dy : 1 + dy + h + 2 * r, 1 + dx : 1 + dx + wd + 2 * r]
        # mean[(a - mu)(b - mu)] = mean(ab) - mu mean(b), since mean(a) = mu.
        acc = acc + (_box_valid(a * s, w) - mu * _box_valid(s, w)) / var
    ok = valid & (var > 1e-6 * jnp.var(xf) + 1e-12)
    return jnp.where(ok, acc / len(DIRECTIONS), jnp.nan)


@functools.partial(jax.jit, static_argnames=("w",))
def coefficient_of_variation(x_db: jax.Array, valid: jax.Array, w: int) -> jax.Array:
    """Windowed sigma / mu of linear sigma0.

    Args:
      x_db: (H, W) sigma0 in dB; valid: (H, W) bool; w: odd window side.

    Returns:
      (H, W) float32, NaN where not valid.
    """
    lin = 10.0 ** (_fill(x_db, valid).astype(jnp.float32) / 10.0)
    mu = box_mean(lin, w)
    sd = jnp.sqrt(jnp.maximum(box_mean(lin * lin, w) - mu * mu, 0.0))
    return jnp.where(valid, sd / mu, jnp.nan)
