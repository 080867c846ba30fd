"""Pan-sharpening baseline: blur vs SciPy, lstsq vs NumPy, the formula's known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from seaice_jax.evaluate import pansharpen as ps


def test_blur_matches_scipy_normalised_convolution():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 70)).astype(np.float32)
    x[rng.uniform(size=x.shape) < 0.1] = np.nan
    m = np.isfinite(x).astype(np.float64)
    v = np.where(m > 0, x, 0.0)
    ref = ndimage.gaussian_filter(v, 3.0, mode="constant", truncate=4.0) / ndimage.gaussian_filter(
        m, 3.0, mode="constant", truncate=4.0
    )
    np.testing.assert_allclose(np.asarray(ps.blur(x, 3.0)), ref, atol=2e-5)


def test_fit_sar_sic_matches_numpy_lstsq():
    rng = np.random.default_rng(1)
    hh, hv = rng.normal(-15, 3, (2, 40, 40)).astype(np.float32)
    ref = (120 + 2 * hh + 5 * hv + rng.normal(0, 3, hh.shape)).astype(np.float32)
    ref[:5] = np.nan
    ok = np.isfinite(ref)
    a = np.stack([np.ones(ok.sum()), hh[ok], hv[ok]], 1)
    expect = np.linalg.lstsq(a, ref[ok], rcond=None)[0]
    np.testing.assert_allclose(np.asarray(ps.fit_sar_sic(hh, hv, ref)), expect, rtol=1e-3)


def test_pansharpen_known_answers():
    # A constant fine field adds no detail: the coarse field comes back unchanged.
    coarse = np.full((50, 50), 37.0, np.float32)
    np.testing.assert_allclose(
        np.asarray(ps.pansharpen(coarse, coarse * 0 + 80, 4.0)), 37.0, atol=1e-4
    )
    # A fine step edge around a uniform coarse field: sharpened = coarse + (fine - blur(fine)).
    fine = np.zeros((50, 50), np.float32)
    fine[:, 25:] = 100.0
    out = np.asarray(ps.pansharpen(np.full_like(fine, 50.0), fine, 4.0))
    bl = ndimage.gaussian_filter(fine, 4.0, mode="constant") / ndimage.gaussian_filter(
        np.ones_like(fine), 4.0, mode="constant"
    )
    np.testing.assert_allclose(out, np.clip(50 + fine - bl, 0, 100), atol=1e-3)
    assert (
        out[:, :10].mean() == pytest.approx(50.0, abs=0.1) and (out[:, 24] < out[:, 25] - 60).all()
    )


def test_footprint_sigma():
    assert ps.footprint_sigma_px(25_000, 200) == pytest.approx(125 / 2.3548, rel=1e-4)
