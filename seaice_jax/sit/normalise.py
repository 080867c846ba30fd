"""Post-processing of the regression SIT onto the ice chart's thickness range.

Karvonen et al. (section 3): the regression alone gave too thick ice at places, so within each ice
chart segment the estimates are mapped linearly so that the lowest estimate becomes the chart's
minimum SIT and the highest its maximum SIT. A chart segment is a connected region of one chart
polygon, recognised here as a 4-connected region of equal (SIT_MIN, SIT_AVG, SIT_MAX).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.segmentation.components import connected_components


def chart_segments(sit_min: np.ndarray, sit_avg: np.ndarray, sit_max: np.ndarray) -> np.ndarray:
    """(H, W) int32 chart segment ids (0 where the chart gives no thickness)."""
    trip = np.stack([sit_min, sit_avg, sit_max], -1).reshape(-1, 3)
    ok = np.isfinite(trip).all(1)
    key = np.zeros(len(trip), np.int32)
    if ok.any():
        _, inv = np.unique(trip[ok], axis=0, return_inverse=True)
        key[ok] = inv.ravel() + 1
    seg, _ = connected_components(jnp.asarray(key.reshape(sit_min.shape)))
    return np.asarray(seg)


@jax.jit
def _normalise(est, seg, lo_chart, hi_chart, avg_chart):
    n = est.size + 1
    s = seg.ravel()
    e = est.ravel()
    ok = jnp.isfinite(e) & (s > 0)
    big = jnp.float32(3.0e38)
    emin = jax.ops.segment_min(jnp.where(ok, e, big), s, num_segments=n)
    emax = jax.ops.segment_max(jnp.where(ok, e, -big), s, num_segments=n)
    lo, hi = emin[s], emax[s]
    span = hi - lo
    frac = jnp.where(span > 0, (e - lo) / jnp.where(span > 0, span, 1.0), 0.5)
    cmin, cmax = lo_chart.ravel(), hi_chart.ravel()
    out = cmin + frac * (cmax - cmin)
    # One estimate in the chart segment: no range to map, use the chart average.
    out = jnp.where(span > 0, out, avg_chart.ravel())
    good = ok & jnp.isfinite(cmin) & jnp.isfinite(cmax)
    return jnp.where(good, out, jnp.nan).reshape(est.shape)


def normalise_to_chart(
    estimate: np.ndarray, sit_min: np.ndarray, sit_avg: np.ndarray, sit_max: np.ndarray
) -> np.ndarray:
    """Map estimates linearly onto [SIT_MIN, SIT_MAX] within each chart segment.

    Args:
      estimate: (H, W) regression SIT (m), NaN where none.
      sit_min, sit_avg, sit_max: (H, W) rasterised chart thickness attributes (m), NaN outside.

    Returns:
      (H, W) float32 SIT (m); NaN where there is no estimate or no chart thickness.
    """
    seg = chart_segments(sit_min, sit_avg, sit_max)
    f = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    return np.asarray(_normalise(f(estimate), jnp.asarray(seg), f(sit_min), f(sit_max), f(sit_avg)))
