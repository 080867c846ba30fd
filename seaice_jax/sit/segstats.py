"""Per-segment statistics in JAX: the segment features of the SIT regression.

The paper's features are medians within each ICM segment of sigma0, the texture features, HIGHTSI
SIT and ice-chart SIT (Karvonen et al., section 3). A median is exact here: pixels are sorted by
(segment, value) with one ``lexsort``; each segment's values are then a contiguous sorted run whose
start is the running count of the segments before it, and the median is the middle element (the
mean of the two middle ones for an even count), the same as ``numpy.median``.

The zero-crossing count (the paper's fifth SAR feature) is the number of 4-connected blocks of
pixels above their segment's mean, divided by the segment area.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from seaice_jax.segmentation.components import connected_components


@functools.partial(jax.jit, static_argnames=("n_segments",))
def segment_medians(values: jax.Array, segments: jax.Array, n_segments: int) -> jax.Array:
    """Median of ``values`` within each segment, NaNs ignored.

    Args:
      values: (H, W) or (H, W, F) float; NaN values do not count.
      segments: (H, W) int ids in 0..n_segments (0 = masked, ignored).
      n_segments: largest id N (static).

    Returns:
      (N + 1,) or (N + 1, F) float32 indexed by segment id; NaN for id 0 and for segments
      without finite values.
    """
    if values.ndim == 3:
        f = jax.vmap(lambda v: segment_medians(v, segments, n_segments), in_axes=2, out_axes=1)
        return f(values)
    v = values.ravel().astype(jnp.float32)
    s = segments.ravel().astype(jnp.int32)
    ok = jnp.isfinite(v) & (s > 0)
    # Masked/NaN pixels go to a sentinel segment after all real ones, so they sort to the end.
    key = jnp.where(ok, s, n_segments + 1)
    order = jnp.lexsort((jnp.where(ok, v, 0.0), key))
    sv = v[order]
    counts = jax.ops.segment_sum(ok.astype(jnp.int32), key, num_segments=n_segments + 2)
    start = jnp.cumsum(counts) - counts
    lo = start + jnp.maximum(counts - 1, 0) // 2
    hi = start + counts // 2
    last = sv.shape[0] - 1
    med = 0.5 * (sv[jnp.clip(lo, 0, last)] + sv[jnp.clip(hi, 0, last)])
    med = jnp.where(counts > 0, med, jnp.nan)[: n_segments + 1]
    return med.at[0].set(jnp.nan)


def paint(per_segment: jax.Array, segments: jax.Array) -> jax.Array:
    """Spread per-segment values back to pixels: (N + 1,) and (H, W) ids -> (H, W), NaN at id 0."""
    out = jnp.asarray(per_segment)[jnp.asarray(segments)]
    return jnp.where(jnp.asarray(segments) > 0, out, jnp.nan)


def zero_crossings(x: jax.Array, segments: jax.Array) -> jax.Array:
    """Per-segment count of connected above-mean blocks divided by the segment area.

    Args:
      x: (H, W) float (NaN pixels count in the area but not in the mean or the blocks).
      segments: (H, W) int segment ids 1..N, 0 masked (concrete: N sets the output length).

    Returns:
      (N + 1,) float32 indexed by segment id (index 0 is NaN); an all-NaN segment gives NaN.
    """
    n_seg = int(jnp.max(segments)) if segments.size else 0
    return _zero_crossings(jnp.asarray(x, jnp.float32), jnp.asarray(segments))[: n_seg + 1]


@jax.jit
def _zero_crossings(x: jax.Array, segments: jax.Array) -> jax.Array:
    n = segments.shape[0] * segments.shape[1]
    seg = segments.astype(jnp.int32)
    ok = jnp.isfinite(x) & (seg > 0)
    s = jax.ops.segment_sum(jnp.where(ok, x, 0.0).ravel(), seg.ravel(), num_segments=n + 1)
    c = jax.ops.segment_sum(ok.ravel().astype(jnp.float32), seg.ravel(), num_segments=n + 1)
    area = jax.ops.segment_sum((seg > 0).ravel().astype(jnp.float32), seg.ravel(), n + 1)
    mean = s / jnp.maximum(c, 1)
    above = ok & (x > mean[seg])
    blocks, _ = connected_components(jnp.where(above, seg, 0))
    roots = (blocks.ravel() > 0) & _first_pixel(blocks)
    nzc = jax.ops.segment_sum(roots.astype(jnp.float32), seg.ravel(), num_segments=n + 1)
    out = jnp.where(c > 0, nzc / jnp.maximum(area, 1), jnp.nan)
    return out.at[0].set(jnp.nan)


def _first_pixel(blocks: jax.Array) -> jax.Array:
    """(H*W,) True at exactly one pixel of each block (the first in raster order)."""
    flat = blocks.ravel()
    first = jnp.full(flat.shape[0] + 1, flat.shape[0], jnp.int32)
    first = first.at[flat].min(jnp.arange(flat.shape[0], dtype=jnp.int32))
    return first[flat] == jnp.arange(flat.shape[0])
