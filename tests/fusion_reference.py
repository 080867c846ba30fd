"""An independent NumPy reference of the fusion rule (``seaice_jax.fusion.fuse``).

A plain loop over products with the formula written out again, on purpose: the tests
(``test_products_fusion.py``, ``test_products_case.py``) and ``benchmarks/fusion.py`` compare the
jitted kernel against it. It is not part of the package: the package has one fusion rule.
"""

from __future__ import annotations

import numpy as np


def fuse_numpy(sic: np.ndarray, sigma: np.ndarray, weather: np.ndarray, params):
    """Fused SIC, its 1-sigma and the dominant product, as :func:`seaice_jax.fusion.fuse`.

    Args:
      sic, sigma: (P, H, W) SIC % and product 1-sigma %, NaN = no coverage.
      weather: (H, W) bool, weather over open water (PM products set to 0 % there).
      params: a :class:`seaice_jax.fusion.FusionParams`.

    Returns:
      (fused (H, W) %, uncertainty (H, W) %, dominant (H, W) index; NaN / NaN / -1 where none).
    """
    num = np.zeros(sic.shape[1:])
    den = np.zeros(sic.shape[1:])
    best = np.full(sic.shape[1:], -1)
    best_w = np.zeros(sic.shape[1:])
    for p in range(sic.shape[0]):
        ok = np.isfinite(sic[p]) & np.isfinite(sigma[p])
        c = np.where(ok, sic[p], 0.0)
        if params.is_pm[p]:
            c = np.where(weather, 0.0, c)
        f = np.clip(c / 100.0, 0, 1)
        oct_ = np.log2(max(params.footprints_m[p] / params.target_res_m, 1.0))
        rep = params.kappa * oct_ * (params.beta + (1 - params.beta) * 4 * f * (1 - f))
        s = np.maximum(np.where(ok, sigma[p], 1.0), params.min_sigma)
        w = np.where(ok, 1.0 / (s**2 + rep**2), 0.0)
        num += w * c
        den += w
        better = w > best_w
        best = np.where(better, p, best)
        best_w = np.where(better, w, best_w)
    with np.errstate(invalid="ignore", divide="ignore"):
        fused = np.where(den > 0, np.clip(num / den, 0, 100), np.nan)
        unc = np.where(den > 0, 1.0 / np.sqrt(den), np.nan)
    return fused, unc, best
