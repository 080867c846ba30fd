"""Connected components in JAX (label propagation with pointer jumping) and segment helpers.

Pixels are 4-connected when they carry the same positive key (an ICM class, or a segment id for
the zero-crossing texture feature); key 0 is background. Each pixel starts with its own flat index,
repeatedly takes the minimum over its same-key neighbours and then jumps to the label of the pixel
its label points at (``ids = ids[ids]``, valid because a label is always the index of a pixel of
the same component). The loop is a ``lax.while_loop`` capped at ``H * W`` rounds; pointer jumping
makes the usual count logarithmic-ish in the component diameter instead of linear.

Small segments are merged into their most similar neighbour on the host (``merge_small``): it is
an irregular graph operation on a few thousand segments, not an array kernel.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

_BIG = jnp.iinfo(jnp.int32).max


def _shift(a: jax.Array, dy: int, dx: int, fill) -> jax.Array:
    """``a`` moved so that out[i, j] = a[i + dy, j + dx] (``fill`` outside)."""
    h, w = a.shape
    p = jnp.pad(a, ((1, 1), (1, 1)), constant_values=fill)
    return jax.lax.dynamic_slice(p, (1 + dy, 1 + dx), (h, w))


@functools.partial(jax.jit, static_argnames=("max_iter",))
def connected_components(
    key: jax.Array, max_iter: int | None = None
) -> tuple[jax.Array, jax.Array]:
    """Label 4-connected regions of equal positive key.

    Args:
      key: (H, W) integer array; 0 is background, equal positive values connect.
      max_iter: cap on propagation rounds (default ``H * W``, always enough).

    Returns:
      (labels, n): labels (H, W) int32 in 1..n (0 on background), numbered in raster order of each
      component's first pixel; n the number of components (int32 scalar).
    """
    h, w = key.shape
    key = key.astype(jnp.int32)
    fg = key > 0
    ids0 = jnp.where(fg, jnp.arange(h * w, dtype=jnp.int32).reshape(h, w), _BIG)
    cap = h * w if max_iter is None else max_iter

    def body(state):
        ids, _, it = state
        new = ids
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            nk = _shift(key, dy, dx, 0)
            nid = _shift(ids, dy, dx, _BIG)
            new = jnp.where(fg & (nk == key), jnp.minimum(new, nid), new)
        flat = new.ravel()
        jumped = jnp.where(fg.ravel(), flat[jnp.clip(flat, 0, h * w - 1)], _BIG).reshape(h, w)
        return jumped, jnp.any(jumped != ids), it + 1

    ids, _, _ = jax.lax.while_loop(
        lambda s: s[1] & (s[2] < cap), body, (ids0, jnp.array(True), jnp.array(0))
    )
    flat = ids.ravel()
    roots = fg.ravel() & (flat == jnp.arange(h * w))
    rank = jnp.cumsum(roots.astype(jnp.int32))
    labels = jnp.where(fg.ravel(), rank[jnp.clip(flat, 0, h * w - 1)], 0).reshape(h, w)
    return labels.astype(jnp.int32), rank[-1]


def _adjacency(seg: np.ndarray) -> set[tuple[int, int]]:
    pairs = set()
    for a, b in ((seg[:, :-1], seg[:, 1:]), (seg[:-1, :], seg[1:, :])):
        m = (a != b) & (a > 0) & (b > 0)
        for u, v in zip(a[m].tolist(), b[m].tolist(), strict=True):
            pairs.add((min(u, v), max(u, v)))
    return pairs


def merge_small(seg: np.ndarray, values: np.ndarray, min_size: int) -> np.ndarray:
    """Merge segments smaller than ``min_size`` pixels into their most similar neighbour.

    Similarity is the absolute difference of segment means of ``values`` (e.g. sigma0 in dB).
    Segments are visited smallest first; a merged segment's mean and size are updated, so a chain
    of small pieces ends up in one segment. Isolated small segments (no neighbour) stay.

    Args:
      seg: (H, W) int segment ids, 0 masked.
      values: (H, W) float, NaN ignored in the means.
      min_size: minimum segment area in pixels.

    Returns:
      (H, W) int32 segment ids renumbered 1..N (0 masked).
    """
    seg = np.asarray(seg)
    n = int(seg.max(initial=0))
    if n == 0 or min_size <= 1:
        return _renumber(seg)
    v = np.where(np.isfinite(values), values, 0.0)
    ok = np.isfinite(values) & (seg > 0)
    size = np.bincount(seg.ravel(), minlength=n + 1).astype(np.int64)
    vsum = np.bincount(seg[ok], weights=v[ok], minlength=n + 1)
    vcnt = np.bincount(seg[ok], minlength=n + 1)
    mean = np.divide(vsum, vcnt, out=np.zeros(n + 1), where=vcnt > 0)
    nbrs: dict[int, set[int]] = {i: set() for i in range(1, n + 1)}
    for u, v_ in _adjacency(seg):
        nbrs[u].add(v_)
        nbrs[v_].add(u)
    parent = np.arange(n + 1)
    for s in sorted(range(1, n + 1), key=lambda i: size[i]):
        if parent[s] != s or size[s] >= min_size or not nbrs[s] or size[s] == 0:
            continue
        t = min(nbrs[s], key=lambda j: (abs(mean[j] - mean[s]), -size[j]))
        parent[s] = t
        tot = size[s] + size[t]
        mean[t] = (mean[t] * size[t] + mean[s] * size[s]) / tot
        size[t], size[s] = tot, 0
        for j in nbrs.pop(s):
            nbrs[j].discard(s)
            if j != t:
                nbrs[j].add(t)
                nbrs[t].add(j)
        nbrs[s] = set()
    root = parent.copy()
    while True:  # path compression to the final owners
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return _renumber(root[seg] * (seg > 0))


def _renumber(seg: np.ndarray) -> np.ndarray:
    uniq, inv = np.unique(seg, return_inverse=True)
    out = inv.reshape(seg.shape).astype(np.int32)
    return out if uniq[0] == 0 else out + 1
