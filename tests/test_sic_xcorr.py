"""HH-HV cross-correlation layer against a SciPy reference and closed-form cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import uniform_filter

from seaice_jax.sar.xcorr import cross_correlation, cross_correlation_numpy


def _pair(seed: int, shape=(64, 80)):
    rng = np.random.default_rng(seed)
    common = uniform_filter(rng.normal(size=shape), 5) * 10
    hh = -15 + common + rng.normal(scale=1.0, size=shape)
    hv = -25 + 0.7 * common + rng.normal(scale=1.0, size=shape)
    return hh.astype(np.float32), hv.astype(np.float32)


@pytest.mark.parametrize("window", [3, 7, 8])
def test_matches_scipy_reference(window):
    hh, hv = _pair(0)
    got = np.asarray(cross_correlation(hh, hv, window=window))
    ref = cross_correlation_numpy(hh, hv, window=window)
    np.testing.assert_allclose(got, ref, atol=2e-4)
    assert np.all(np.abs(got) <= 1.0)


def test_closed_form_cases():
    hh, _ = _pair(1)
    # Identical channels and affine copies (gain + offset, as a calibration change): NCC = 1.
    np.testing.assert_allclose(np.asarray(cross_correlation(hh, hh)), 1.0, atol=1e-4)
    np.testing.assert_allclose(np.asarray(cross_correlation(hh, 3 * hh - 7)), 1.0, atol=1e-4)
    np.testing.assert_allclose(np.asarray(cross_correlation(hh, -hh)), -1.0, atol=1e-4)
    # Independent noise: mean near 0.
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 128, 128)).astype(np.float32)
    assert abs(float(np.mean(cross_correlation(a, b, window=9)))) < 0.02
    # A flat channel carries no shared structure: 0, not NaN.
    assert np.all(np.asarray(cross_correlation(hh, np.full_like(hh, -20.0))) == 0.0)


def test_masked_pixels_and_batches():
    hh, hv = _pair(3)
    hv = hv.copy()
    hv[10:20, 10:20] = np.nan
    r = np.asarray(cross_correlation(hh, hv, window=5))
    assert np.all(np.isnan(r[10:20, 10:20]))
    assert np.all(np.isfinite(r[:10]))
    # Reference for the masked case: weighted box means with SciPy.
    ok = np.isfinite(hv)
    w = ok.astype(np.float64)
    a = np.where(ok, hh, 0.0).astype(np.float64)
    b = np.where(ok, hv, 0.0).astype(np.float64)

    def f(x):
        return uniform_filter(x, 5, mode="reflect")

    n = np.maximum(f(w), 1e-12)  # 0 inside the masked block; those pixels are not compared
    ma, mb = f(a) / n, f(b) / n
    cov = f(a * b) / n - ma * mb
    va, vb = f(a * a) / n - ma**2, f(b * b) / n - mb**2
    ref = cov / np.sqrt(np.maximum(va * vb, 1e-12))
    np.testing.assert_allclose(r[ok], ref[ok], atol=5e-4)
    # Leading batch axes are independent scenes.
    batch = np.asarray(cross_correlation(np.stack([hh, hh]), np.stack([hv, hh]), window=5))
    np.testing.assert_allclose(batch[0], r, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(batch[1], 1.0, atol=1e-4)
