"""Skill metrics of a SIC map against a reference, overall and per chart class.

All in % SIC: ``bias = mean(pred - ref)``, ``mae``, ``rmse``, ``corr`` (Pearson), and ``r2`` as the
coefficient of determination of the prediction *as a predictor of the reference*,
``1 - sum((pred - ref)^2) / sum((ref - mean(ref))^2)`` (sklearn's ``r2_score(ref, pred)``; it is
not ``corr^2`` and goes negative for a map worse than the reference mean). The paper's R² = 0.82
against OSI SAF is this score.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

METRICS = ("r2", "rmse", "mae", "bias", "corr", "n")
#: Chart classes (SIGRID-3 / WMO): open water < 15 %, MIZ 15-80 %, consolidated >= 80 %.
CLASS_NAMES = ("open_water", "miz", "ice")
CLASS_EDGES = (15.0, 80.0)


@jax.jit
def _moments(pred: jax.Array, ref: jax.Array, mask: jax.Array) -> jax.Array:
    """Two-pass (centred) sums, so float32 keeps precision on millions of pixels."""
    m = mask & jnp.isfinite(pred) & jnp.isfinite(ref)
    n = m.sum()
    nn = jnp.maximum(n, 1)
    p = jnp.where(m, pred, 0.0)
    r = jnp.where(m, ref, 0.0)
    mp, mr = p.sum() / nn, r.sum() / nn
    d = jnp.where(m, p - r, 0.0)
    dp, dr = jnp.where(m, p - mp, 0.0), jnp.where(m, r - mr, 0.0)
    return jnp.stack(
        [
            n.astype(jnp.float32),
            d.sum(),
            jnp.abs(d).sum(),
            (d * d).sum(),
            (dr * dr).sum(),
            (dp * dp).sum(),
            (dp * dr).sum(),
        ]
    )


def metrics(pred, ref, mask=None) -> dict:
    """Metrics of ``pred`` against ``ref`` over finite pixels (and ``mask`` if given).

    Args:
      pred, ref: arrays of one shape, SIC %.
      mask: optional bool array, True = use.

    Returns:
      ``{"r2", "rmse", "mae", "bias", "corr", "n"}`` (floats; NaN where undefined, e.g. n = 0 or a
      constant reference for r2/corr).
    """
    pred = jnp.asarray(pred, jnp.float32)
    ref = jnp.asarray(ref, jnp.float32)
    mask = jnp.ones(pred.shape, bool) if mask is None else jnp.asarray(mask, bool)
    n, s, sa, ss, sr, sp, spr = (float(v) for v in np.asarray(_moments(pred, ref, mask)))
    if n == 0:
        return {
            "r2": float("nan"),
            "rmse": float("nan"),
            "mae": float("nan"),
            "bias": float("nan"),
            "corr": float("nan"),
            "n": 0,
        }
    r2 = 1.0 - ss / sr if sr > 0 else float("nan")
    corr = spr / np.sqrt(sr * sp) if sr > 0 and sp > 0 else float("nan")
    return {
        "r2": r2,
        "rmse": float(np.sqrt(ss / n)),
        "mae": sa / n,
        "bias": s / n,
        "corr": float(corr),
        "n": int(n),
    }


def classes_from_sic(sic) -> np.ndarray:
    """Chart class (0 open water, 1 MIZ, 2 ice; NaN where ``sic`` is NaN) from a reference SIC."""
    sic = np.asarray(sic, np.float32)
    cls = np.digitize(sic, CLASS_EDGES).astype(np.float32)
    return np.where(np.isfinite(sic), cls, np.nan)


def metrics_by_class(pred, ref, classes, mask=None) -> dict:
    """:func:`metrics` overall and for each chart class.

    Args:
      pred, ref: SIC % arrays of one shape.
      classes: same shape, 0 open water, 1 MIZ, 2 consolidated (NaN/other = no class).
      mask: optional extra bool mask.

    Returns:
      ``{**overall, "per_class": {"open_water": {...}, "miz": {...}, "ice": {...}}}``.
    """
    classes = np.asarray(classes)
    base = np.ones(np.shape(pred), bool) if mask is None else np.asarray(mask, bool)
    out = metrics(pred, ref, base)
    out["per_class"] = {
        name: metrics(pred, ref, base & (classes == k)) for k, name in enumerate(CLASS_NAMES)
    }
    return out
