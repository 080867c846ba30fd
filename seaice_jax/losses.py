"""Losses of the SIC models: the geographically weighted L1 with masks.

Wang, Li et al. (the 200 m SIC fusion paper) train on NASA Team SIC with an L1 loss whose
per-pixel weights come from ice-chart classes (open water highest, consolidated ice medium,
marginal ice zone lowest): L1 rather than L2 because the NT reference carries outliers (weather
contamination, land spill-over, the MIZ where 25 km NT cannot resolve the edge), and the weights
trust NT most where it is most reliable.

Masking uses the double-where pattern (as in graphcast's ``losses.py``): masked pixels are
replaced by finite values *before* the arithmetic and zeroed again after, so a NaN in a masked
target or weight (land, outside the swath) gives a finite loss and finite, zero gradients there.
A single ``where`` on the result is not enough: the NaN would still flow into the backward pass.

``reduce_factor`` switches where the comparison happens. 1: at the tile resolution (200 m for
SAR). f > 1: the prediction, target and weights are first area-averaged over f x f blocks (the
NT footprint, e.g. 125 px = 25 km at 200 m, or 8 px at 3.125 km), over valid pixels only; a model
trained so is free to place sub-footprint structure anywhere as long as the footprint mean
matches NT, which is what NT can actually vouch for.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp


def _block_sum(x: jax.Array, f: int) -> jax.Array:
    """Sum over non-overlapping f x f blocks of ``(B, H, W)``; zero-padded to whole blocks."""
    b, h, w = x.shape
    ph, pw = (-h) % f, (-w) % f
    x = jnp.pad(x, ((0, 0), (0, ph), (0, pw)))
    # A reshape and a sum, not lax.reduce_window: on CPU the windowed reduction (and its
    # gradient) costs O(f^2) per output and tripled the :cpu train step at f = 125.
    return x.reshape(b, (h + ph) // f, f, (w + pw) // f, f).sum(axis=(2, 4))


def _masked_inputs(pred, target, weight, mask):
    mask = jnp.asarray(mask, bool) & jnp.isfinite(target) & jnp.isfinite(weight)
    # Double where: finite stand-ins before any arithmetic, so d(loss)/d(masked) is exactly 0.
    target = jnp.where(mask, target, 0.0)
    weight = jnp.where(mask, weight, 0.0)
    pred = jnp.where(mask, pred, 0.0)
    return pred, target, weight, mask


def weighted_l1_sums(pred, target, weight, mask, *, reduce_factor: int = 1):
    """``(sum w |p - t|, sum w)`` of :func:`weighted_l1`, so that callers can accumulate the
    exact mean over many batches (validation). Same arguments."""
    pred, target, weight, mask = _masked_inputs(
        jnp.asarray(pred, jnp.float32),
        jnp.asarray(target, jnp.float32),
        jnp.asarray(weight, jnp.float32),
        mask,
    )
    if reduce_factor > 1:
        m = mask.astype(jnp.float32)
        n = _block_sum(m, reduce_factor)
        ok = n > 0
        safe_n = jnp.where(ok, n, 1.0)
        pred = _block_sum(pred, reduce_factor) / safe_n
        target = _block_sum(target, reduce_factor) / safe_n
        # A block's weight is its mean pixel weight times its valid area, so partly masked
        # blocks count for what they hold.
        weight = jnp.where(ok, _block_sum(weight, reduce_factor), 0.0)
        mask = ok
    err = jnp.where(mask, jnp.abs(pred - target), 0.0)
    return jnp.sum(weight * err), jnp.sum(weight)


@functools.partial(jax.jit, static_argnames=("reduce_factor",))
def weighted_l1(
    pred: jax.Array,
    target: jax.Array,
    weight: jax.Array,
    mask: jax.Array,
    *,
    reduce_factor: int = 1,
) -> jax.Array:
    """Geographically weighted, masked L1: ``sum(w |p - t|) / sum(w)`` over valid pixels.

    Args:
      pred: ``(B, H, W)`` predicted SIC as a fraction (0-1).
      target: ``(B, H, W)`` reference SIC fraction (quantised NT); NaN allowed where masked.
      weight: ``(B, H, W)`` per-pixel loss weight (>= 0); NaN allowed where masked.
      mask: ``(B, H, W)`` bool, True where the pixel counts.
      reduce_factor: 1 compares per pixel; f > 1 compares f x f block means (static).

    Returns:
      Scalar float32 loss; 0 when nothing is valid.
    """
    num, total_w = weighted_l1_sums(pred, target, weight, mask, reduce_factor=reduce_factor)
    return num / jnp.where(total_w > 0, total_w, 1.0)


@jax.jit
def logit_range_penalty(logits: jax.Array, mask: jax.Array, bound: float = 6.0) -> jax.Array:
    """Mean over valid pixels of ``max(|logit| - bound, 0)``: keeps the sigmoid out of saturation.

    With a sigmoid output the L1 gradient with respect to a logit is ``w s (1 - s)``: it vanishes
    as the output approaches 0 or 1, while Adam's per-parameter scaling keeps pushing saturated
    pixels further at the full learning rate. Once every pixel of a batch is saturated the
    gradient is exactly zero in float32 and training stops for good (seen on the ``:cpu`` runs
    at learning rate 2e-3: gradient norm 0 from step 30 on). This penalty is zero inside
    ``[-bound, bound]`` (sigmoid 0.25 %-99.75 %, finer than the 10 % target classes) and has a
    constant pull back outside it, so the outputs stay where the L1 gradient is alive.

    Args:
      logits: ``(B, H, W)`` pre-sigmoid outputs.
      mask: ``(B, H, W)`` bool, pixels that count.
      bound: logit magnitude allowed without penalty.

    Returns:
      Scalar float32; 0 when nothing is valid.
    """
    m = jnp.asarray(mask, bool)
    excess = jnp.where(m, jnp.maximum(jnp.abs(logits) - bound, 0.0), 0.0)
    n = jnp.sum(m.astype(jnp.float32))
    return jnp.sum(excess) / jnp.where(n > 0, n, 1.0)


@jax.jit
def masked_mae(pred: jax.Array, target: jax.Array, mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Unweighted masked mean absolute error and the number of valid pixels.

    Args:
      pred, target: ``(B, H, W)`` SIC fractions; target may be NaN where masked.
      mask: ``(B, H, W)`` bool.

    Returns:
      (sum of |pred - target| over valid pixels, count of valid pixels), both scalars, so callers
      can accumulate exact means over many batches.
    """
    ones = jnp.ones_like(jnp.asarray(target, jnp.float32))
    pred, target, _, mask = _masked_inputs(pred, target, ones, mask)
    err = jnp.where(mask, jnp.abs(pred - target), 0.0)
    return jnp.sum(err), jnp.sum(mask.astype(jnp.float32))
