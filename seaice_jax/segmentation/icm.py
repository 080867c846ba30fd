"""Iterated conditional modes (Besag 1986) segmentation of SAR images, in ``lax``.

Model: K classes with Gaussian likelihoods (diagonal over channels) and a Potts prior of weight
``beta`` on 4-neighbour pairs. The energy of a label map ``l`` is

    E(l) = sum_i 0.5 * sum_c [(x_ic - mu_lc)^2 / var_lc + log(2 pi var_lc)]
           + beta * #{valid 4-neighbour pairs (i, j) with l_i != l_j}.

ICM replaces each label by the one minimising its local energy given its neighbours. Doing all
pixels at once is *not* ICM (two neighbours can both flip and raise the energy), so the sweep is
checkerboard: first all pixels with (row + col) even, then all odd ones. Pixels of one colour share
no 4-neighbour, so updating them together is exactly a set of independent coordinate-descent
steps and the energy never increases. A label changes only if that strictly lowers its local
energy, so the loop ends. FMI uses ICM operationally for its SAR sea-ice products (Karvonen et al.,
X-band SIT paper, section 3).

Initialisation is k-means in JAX (classes sorted by their first-channel mean, so class 0 is the
darkest). Optional re-estimation of the class means/variances between sweeps is the M-step for the
current labels and also cannot raise the energy.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp

_LOG2PI = float(jnp.log(2.0 * jnp.pi))


class ICMResult(NamedTuple):
    """labels (H, W) int32 in 0..K-1 (-1 masked); means/vars (K, C); iterations; energy."""

    labels: jax.Array
    means: jax.Array
    variances: jax.Array
    iterations: jax.Array
    energy: jax.Array


def _as_hwc(x: jax.Array) -> jax.Array:
    return x[..., None] if x.ndim == 2 else x


@functools.partial(jax.jit, static_argnames=("k", "iters"))
def kmeans(x: jax.Array, valid: jax.Array, k: int, iters: int = 30) -> tuple[jax.Array, jax.Array]:
    """Lloyd's k-means on the valid pixels, deterministic evenly spaced initialisation.

    Args:
      x: (H, W) or (H, W, C) float features.
      valid: (H, W) bool.
      k: number of classes.
      iters: Lloyd iterations (fixed count, ``lax.fori_loop``).

    Returns:
      (means (K, C), variances (K, C)), classes ordered by the first channel's mean. Empty classes
      keep their previous centre; variances are floored at 1e-6 times the total variance.
    """
    x = _as_hwc(x).astype(jnp.float32)
    c = x.shape[-1]
    xs = x.reshape(-1, c)
    v = valid.reshape(-1)
    n = jnp.maximum(v.sum(), 1)
    # Evenly spaced initial centres between the 1st and 99th percentiles of each channel: unlike
    # quantile centres they do not crowd into the largest class (ice scenes are very unbalanced).
    lo = _valid_quantile(xs, v, n, 0.01)
    hi = _valid_quantile(xs, v, n, 0.99)
    centres = lo + (jnp.arange(k)[:, None] + 0.5) / k * (hi - lo)

    def assign(cen):
        d = ((xs[:, None, :] - cen[None]) ** 2).sum(-1)
        return jnp.argmin(d, axis=1)

    def step(_, cen):
        oh = jax.nn.one_hot(assign(cen), k) * v[:, None]
        cnt = oh.sum(0)
        s = oh.T @ xs
        return jnp.where(cnt[:, None] > 0, s / jnp.maximum(cnt, 1)[:, None], cen)

    centres = jax.lax.fori_loop(0, iters, step, centres)
    centres = centres[jnp.argsort(centres[:, 0])]
    oh = jax.nn.one_hot(assign(centres), k) * v[:, None]
    return centres, _variances(xs, oh, centres, v)


def _valid_quantile(xs, v, n, q):
    """(C,) the q-quantile of each channel over valid rows (invalid sorted to the end)."""
    srt = jnp.sort(jnp.where(v[:, None], xs, jnp.inf), axis=0)
    return srt[jnp.clip((q * (n - 1)).astype(jnp.int32), 0, xs.shape[0] - 1)]


def _variances(xs, oh, means, v):
    cnt = jnp.maximum(oh.sum(0), 1)[:, None]
    var = (oh.T @ (xs**2)) / cnt - means**2
    total = jnp.var(jnp.where(v[:, None], xs, 0.0), axis=0) * xs.shape[0] / jnp.maximum(v.sum(), 1)
    floor = 1e-6 * jnp.maximum(total, 1e-12) + 1e-12
    return jnp.maximum(var, floor[None])


def data_cost(x: jax.Array, means: jax.Array, variances: jax.Array) -> jax.Array:
    """Negative Gaussian log-likelihood of each pixel under each class.

    Args:
      x: (H, W, C); means, variances: (K, C).

    Returns:
      (H, W, K) float32.
    """
    d = (x[..., None, :] - means) ** 2 / variances + jnp.log(variances) + _LOG2PI
    return 0.5 * d.sum(-1)


def half_sweep(labels, valid, cost, beta, colour, row0, top, bottom):
    """Update the pixels of one checkerboard colour to their local energy minimum.

    Only the pixels of that colour are evaluated ("red-black" layout): even rows hold them at
    columns ``colour::2``, odd rows at ``1 - colour::2``, so the work is half a full-image update.
    The global colour is (row0 + row + col) % 2; ``row0`` must be even (tiles of even height).

    Args:
      labels: (H, W) int32; valid: (H, W) bool; cost: (H, W, K) data cost; beta: Potts weight;
      colour: 0 or 1 (static); row0: global row of this tile's first row (even);
      top, bottom: (labels (1, W), valid (1, W)) halo rows just outside the tile.

    Returns:
      (new labels, number of pixels changed).
    """
    h, w = labels.shape
    if h % 2 or w % 2:  # pad to even sizes with invalid pixels (static shapes), crop back
        ph, pw = h % 2, w % 2
        top = (jnp.pad(top[0], ((0, 0), (0, pw))), jnp.pad(top[1], ((0, 0), (0, pw))))
        bottom = (jnp.pad(bottom[0], ((0, 0), (0, pw))), jnp.pad(bottom[1], ((0, 0), (0, pw))))
        if ph:  # the padded row sits between the tile and its bottom halo: hide the halo
            bottom = (bottom[0], jnp.zeros_like(bottom[1]))
        lab, n = half_sweep(
            jnp.pad(labels, ((0, ph), (0, pw))),
            jnp.pad(valid, ((0, ph), (0, pw))),
            jnp.pad(cost, ((0, ph), (0, pw), (0, 0))),
            beta,
            colour,
            row0,
            top,
            bottom,
        )
        return lab[:h, :w], n
    k = cost.shape[-1]
    # Extended map: halo rows above/below, invalid columns left/right; -1 marks "no neighbour".
    lab = jnp.concatenate([top[0], labels, bottom[0]], axis=0)
    val = jnp.concatenate([top[1], valid, bottom[1]], axis=0)
    ext = jnp.pad(jnp.where(val, lab, -1), ((0, 0), (1, 1)), constant_values=-1)
    out, changed = labels, 0
    for r0, c0 in ((0, colour % 2), (1, 1 - colour % 2)):
        rs, cs = slice(r0, h, 2), slice(c0, w, 2)
        nbs = (
            ext[r0 : r0 + h : 2, 1 + c0 : 1 + c0 + w : 2],  # up
            ext[r0 + 2 : r0 + 2 + h : 2, 1 + c0 : 1 + c0 + w : 2],  # down
            ext[r0 + 1 : r0 + 1 + h : 2, c0 : c0 + w : 2],  # left
            ext[r0 + 1 : r0 + 1 + h : 2, 2 + c0 : 2 + c0 + w : 2],  # right
        )
        same = sum(jax.nn.one_hot(nb, k, dtype=cost.dtype) for nb in nbs)  # -1 -> all zeros
        nvalid = sum((nb >= 0).astype(cost.dtype) for nb in nbs)
        local = cost[rs, cs] + beta * (nvalid[..., None] - same)
        cur_lab = labels[rs, cs]
        best = jnp.argmin(local, axis=-1).astype(jnp.int32)
        cur = jnp.take_along_axis(local, jnp.clip(cur_lab, 0, k - 1)[..., None], axis=-1)[..., 0]
        # strict: ties keep the label, so the loop terminates
        upd = valid[rs, cs] & (jnp.min(local, axis=-1) < cur)
        out = out.at[rs, cs].set(jnp.where(upd, best, cur_lab))
        changed = changed + upd.sum()
    del row0  # even by contract: the colour pattern of the tile equals the global one
    return out, changed


def energy(x, labels, valid, means, variances, beta) -> jax.Array:
    """Total ICM energy E(l) of a label map (module docstring); masked pixels do not count."""
    x = _as_hwc(x).astype(jnp.float32)
    k = means.shape[0]
    cost = data_cost(x, means, variances)
    lab = jnp.clip(labels, 0, k - 1)
    d = jnp.where(valid, jnp.take_along_axis(cost, lab[..., None], axis=-1)[..., 0], 0.0).sum()
    h_pairs = valid[:, 1:] & valid[:, :-1] & (lab[:, 1:] != lab[:, :-1])
    v_pairs = valid[1:] & valid[:-1] & (lab[1:] != lab[:-1])
    return d + beta * (h_pairs.sum() + v_pairs.sum())


def reestimate(x, labels, valid, means, variances, axis_name=None):
    """Class means/variances from the current labels (M-step); empty classes keep theirs."""
    k, c = means.shape
    xs = x.reshape(-1, c)
    oh = jax.nn.one_hot(labels.reshape(-1), k) * valid.reshape(-1, 1)
    stats = (oh.sum(0), oh.T @ xs, oh.T @ xs**2)
    if axis_name is not None:
        stats = jax.lax.psum(stats, axis_name)
    cnt, s1, s2 = stats
    safe = jnp.maximum(cnt, 1)[:, None]
    mu = jnp.where(cnt[:, None] > 0, s1 / safe, means)
    var = jnp.where(cnt[:, None] > 0, s2 / safe - mu**2, variances)
    return mu, jnp.maximum(var, 1e-6 * jnp.min(variances, axis=0, keepdims=True) + 1e-12)


def icm_loop(x, valid, means, variances, beta, max_iter, reestimate_params, halo=None):
    """The ``lax.while_loop`` of checkerboard sweeps (shared by the single-device and tiled runs).

    ``halo(labels, valid) -> (top, bottom)`` supplies neighbour rows from other tiles (and the
    tile's global first row) in the sharded run; None means the image edge.
    """
    h, w, _ = x.shape
    none = (jnp.zeros((1, w), jnp.int32), jnp.zeros((1, w), bool))
    axis = None if halo is None else "tiles"

    def edges(lab):
        return (none, none, 0) if halo is None else halo(lab, valid)

    labels0 = jnp.where(valid, jnp.argmin(data_cost(x, means, variances), -1), 0).astype(jnp.int32)

    def body(s):
        lab, mu, var, it, _ = s
        cost = data_cost(x, mu, var)
        changed = 0
        for colour in (0, 1):
            top, bottom, row0 = edges(lab)
            lab, n = half_sweep(lab, valid, cost, beta, colour, row0, top, bottom)
            changed = changed + n
        if axis is not None:
            changed = jax.lax.psum(changed, axis)
        if reestimate_params:
            # Only after a sweep that moved labels: the returned parameters are then those under
            # which the returned labels are an ICM fixed point.
            mu2, var2 = reestimate(x, lab, valid, mu, var, axis)
            mu, var = jnp.where(changed > 0, mu2, mu), jnp.where(changed > 0, var2, var)
        return lab, mu, var, it + 1, changed

    init = (labels0, means, variances, jnp.array(0), jnp.array(1))
    lab, mu, var, it, _ = jax.lax.while_loop(lambda s: (s[4] > 0) & (s[3] < max_iter), body, init)
    return lab, mu, var, it


@functools.partial(jax.jit, static_argnames=("k", "max_iter", "reestimate_params", "kmeans_iters"))
def icm(
    x: jax.Array,
    valid: jax.Array,
    k: int = 4,
    beta: float = 1.0,
    max_iter: int = 50,
    reestimate_params: bool = False,
    kmeans_iters: int = 30,
) -> ICMResult:
    """Segment an image by checkerboard ICM with a Potts prior.

    Args:
      x: (H, W) or (H, W, C) float features (e.g. sigma0 in dB); NaN where ``valid`` is False.
      valid: (H, W) bool, pixels to segment.
      k: number of classes (static).
      beta: Potts weight (in units of the data cost, i.e. nats).
      max_iter: cap on full sweeps.
      reestimate_params: re-estimate class means/variances after each sweep.
      kmeans_iters: Lloyd iterations of the initialisation.

    Returns:
      ICMResult with labels (H, W) in 0..K-1 and -1 where not valid.
    """
    x = _as_hwc(x).astype(jnp.float32)
    x = jnp.where(valid[..., None], x, 0.0)
    means, variances = kmeans(x, valid, k, kmeans_iters)
    lab, mu, var, it = icm_loop(x, valid, means, variances, beta, max_iter, reestimate_params)
    e = energy(x, lab, valid, mu, var, beta)
    return ICMResult(jnp.where(valid, lab, -1), mu, var, it, e)


@functools.partial(jax.jit, static_argnames=("sweeps",))
def icm_fixed_sweeps(
    x: jax.Array, valid: jax.Array, means: jax.Array, variances: jax.Array, beta: float, sweeps: int
) -> jax.Array:
    """Exactly ``sweeps`` checkerboard sweeps from the maximum-likelihood labels (no early stop,
    fixed parameters): the unit of work of the benchmarks, comparable with other ICM codes.

    Args:
      x: (H, W, C); valid: (H, W) bool; means, variances: (K, C); beta: Potts weight.

    Returns:
      (H, W) int32 labels.
    """
    w = x.shape[1]
    none = (jnp.zeros((1, w), jnp.int32), jnp.zeros((1, w), bool))
    cost = data_cost(x, means, variances)
    lab0 = jnp.argmin(cost, -1).astype(jnp.int32)

    def body(_, lab):
        for colour in (0, 1):
            lab, _ = half_sweep(lab, valid, cost, beta, colour, 0, none, none)
        return lab

    return jax.lax.fori_loop(0, sweeps, body, lab0)
