"""Simulator kernels against independent references (NumPy/SciPy, closed forms)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy import ndimage, special, stats

from seaice_jax.geo.grids import Grid
from seaice_jax.sim import calibration, fields, sar


def test_area_weights_match_block_mean_and_conserve_area():
    rng = np.random.default_rng(0)
    img = rng.normal(size=(60, 90)).astype(np.float32)
    src = Grid("EPSG:3413", 1000.0, 5000.0, 200.0, 90, 60)
    dst = src.coarsen(3)
    wy, wx, cov = fields.area_weights(src, dst)
    ref = img.reshape(20, 3, 30, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(
        np.asarray(fields.area_average(jnp.asarray(img), wy, wx)), ref, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(fields.block_mean(jnp.asarray(img), 3)), ref, rtol=1e-5, atol=1e-5
    )
    assert np.allclose(np.asarray(cov), 1.0)
    # non-integer ratio (3125 m / 200 m): a constant stays constant, the total area is conserved
    dst2 = Grid("EPSG:3413", 1000.0, 5000.0, 3125.0 / 4, 24, 16)  # covers all of src
    wy2, wx2, cov2 = fields.area_weights(src, dst2)
    out = np.asarray(fields.area_average(jnp.ones((60, 90)), wy2, wx2))
    assert np.allclose(out[np.asarray(cov2) > 0], 1.0)
    assert (
        abs(float(np.asarray(cov2).sum()) * dst2.res**2 - 60 * 90 * 200.0**2)
        < 1e-3 * 60 * 90 * 200.0**2
    )


def test_gaussian_blur_matches_scipy():
    rng = np.random.default_rng(1)
    img = rng.normal(size=(64, 80)).astype(np.float32)
    ours = np.asarray(fields.gaussian_blur(jnp.asarray(img), 2.0, 3.0))
    ref = ndimage.gaussian_filter(img, (2.0, 3.0), mode="nearest", truncate=6.0)
    np.testing.assert_allclose(ours[10:-10, 10:-10], ref[10:-10, 10:-10], atol=2e-3)


def test_smooth_noise_is_unit_and_correlated():
    n = np.asarray(fields.smooth_noise(jax.random.key(0), (128, 128), 4.0))
    assert abs(n.mean()) < 1e-4 and abs(n.std() - 1) < 1e-3
    lag = np.corrcoef(n[:, :-4].ravel(), n[:, 4:].ravel())[0, 1]
    # a Gaussian filter of sigma s gives correlation exp(-d^2 / (4 s^2)) at lag d
    assert abs(lag - np.exp(-16 / 64)) < 0.08


def test_gamma_speckle_moments_and_db_spread():
    for enl in (6.0, 30.0):
        g = np.asarray(sar.gamma_speckle(jax.random.key(2), enl, (400_000,)))
        assert abs(g.mean() - 1) < 0.005
        assert abs(g.var() - 1 / enl) / (1 / enl) < 0.05
        # dB spread of Gamma(L, 1/L): (10 / ln 10)^2 psi'(L)
        ref = (10 / np.log(10)) * np.sqrt(special.polygamma(1, enl))
        assert abs(np.std(10 * np.log10(np.maximum(g, 1e-12))) - ref) / ref < 0.05
        assert (
            stats.ks_2samp(
                g[:5000], stats.gamma(enl, scale=1 / enl).rvs(5000, random_state=0)
            ).pvalue
            > 1e-3
        )


def test_effective_looks_recovers_enl():
    rng = np.random.default_rng(3)
    img = 10 * np.log10(rng.gamma(12.0, 1 / 12.0, size=(200, 200)))
    est = calibration.effective_looks(img, np.ones(img.shape, bool))
    assert abs(est - 12.0) / 12.0 < 0.1


def test_class_stats_closed_form():
    inc = np.tile(np.linspace(20, 45, 50), (40, 1))
    hh = -15.0 - 0.3 * (inc - 35)
    hv = -25.0 + 0.0 * inc
    s = calibration.class_stats(hh, hv, inc, np.ones(inc.shape, bool))
    assert (
        abs(s["hh_slope"] + 0.3) < 1e-6 and abs(s["hh_mean"] - (-15.0 - 0.3 * (32.5 - 35))) < 1e-6
    )
    assert abs(s["hv_std"]) < 1e-6
