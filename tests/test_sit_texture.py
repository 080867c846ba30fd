"""Texture features against SciPy / scikit-image / brute-force NumPy references."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import ndimage
from skimage.filters.rank import entropy as sk_entropy

from seaice_jax.sar.texture import (
    DIRECTIONS,
    autocorrelation,
    box_mean,
    coefficient_of_variation,
    entropy,
    quantise,
)
from seaice_jax.sit.segstats import zero_crossings


def sar_like(seed=0, h=29, w=33):
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.normal(size=(h, w)), 2) * 8 - 15
    return (base + rng.normal(0, 1.0, (h, w))).astype(np.float32)


@pytest.mark.parametrize("w", [3, 7])
def test_box_mean_matches_scipy_uniform_filter(w):
    x = sar_like()
    ref = ndimage.uniform_filter(x.astype(np.float64), w, mode="reflect")
    np.testing.assert_allclose(np.asarray(box_mean(jnp.asarray(x), w)), ref, atol=2e-4)


def test_entropy_matches_skimage_rank_entropy():
    x = sar_like(1)
    valid = np.ones(x.shape, bool)
    w, levels, lo, hi = 5, 16, -30.0, 0.0
    got = np.asarray(entropy(jnp.asarray(x), jnp.asarray(valid), w, levels, lo, hi))
    q = np.asarray(quantise(jnp.asarray(x), levels, lo, hi)).astype(np.uint8)
    ref = sk_entropy(q, np.ones((w, w), np.uint8))
    r = w // 2
    # skimage truncates the window at the image edge; we reflect: compare the interior.
    np.testing.assert_allclose(got[r:-r, r:-r], ref[r:-r, r:-r], atol=1e-4)
    # And everywhere against a brute-force histogram on the reflected image.
    qp = np.pad(q, r, mode="symmetric")
    i, j = 0, 3
    p = np.bincount(qp[i : i + w, j : j + w].ravel(), minlength=levels) / w**2
    p = p[p > 0]
    assert got[i, j] == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-4)


def test_autocorrelation_matches_brute_force_windows():
    x = sar_like(2, 15, 17).astype(np.float64)
    w = 5
    got = np.asarray(autocorrelation(jnp.asarray(x, jnp.float32), jnp.ones(x.shape, bool), w))
    r = w // 2
    xp = np.pad(x, r + 1, mode="symmetric")
    for i, j in [(0, 0), (7, 8), (14, 16), (3, 12)]:
        ci, cj = i + r + 1, j + r + 1
        win = xp[ci - r : ci + r + 1, cj - r : cj + r + 1]
        mu, var = win.mean(), win.var()
        vals = []
        for dy, dx in DIRECTIONS:
            sh = xp[ci - r + dy : ci + r + 1 + dy, cj - r + dx : cj + r + 1 + dx]
            vals.append(((win - mu) * (sh - mu)).mean() / var)
        assert got[i, j] == pytest.approx(np.mean(vals), abs=1e-3)
    smooth = ndimage.gaussian_filter(np.random.default_rng(0).normal(size=(20, 20)), 3)
    noise = np.random.default_rng(1).normal(size=(20, 20))
    a_s = np.nanmean(np.asarray(autocorrelation(jnp.asarray(smooth), jnp.ones((20, 20), bool), 7)))
    a_n = np.nanmean(np.asarray(autocorrelation(jnp.asarray(noise), jnp.ones((20, 20), bool), 7)))
    assert a_s > 0.7 and abs(a_n) < 0.2


def test_coefficient_of_variation_matches_scipy_generic_filter():
    x = sar_like(3)
    valid = np.ones(x.shape, bool)
    valid[10, :] = False  # a NaN stripe
    x[10, :] = np.nan
    got = np.asarray(coefficient_of_variation(jnp.asarray(x), jnp.asarray(valid), 5))
    lin = 10 ** (np.where(valid, x, np.nanmean(x)).astype(np.float64) / 10)
    ref = ndimage.generic_filter(lin, lambda v: v.std() / v.mean(), size=5, mode="reflect")
    assert np.isnan(got[10]).all()
    np.testing.assert_allclose(got[valid], ref[valid], rtol=1e-3)


def test_zero_crossings_match_scipy_label_per_segment():
    rng = np.random.default_rng(4)
    x = ndimage.gaussian_filter(rng.normal(size=(30, 30)), 1.5)
    seg = np.ones((30, 30), int)
    seg[:, 12:] = 2
    seg[20:, :] = 3
    seg[0:3, 0:3] = 0  # masked
    x[25, 25] = np.nan
    got = np.asarray(zero_crossings(jnp.asarray(x), jnp.asarray(seg)))
    assert got.shape == (4,) and np.isnan(got[0])
    for s in (1, 2, 3):
        m = seg == s
        ok = m & np.isfinite(x)
        mean = x[ok].mean()
        _, nblocks = ndimage.label(ok & (x > mean))
        assert got[s] == pytest.approx(nblocks / m.sum(), rel=1e-6)
