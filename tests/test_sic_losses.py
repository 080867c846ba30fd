"""Weighted L1: NumPy reference, masks (double where), the reference-resolution switch."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.losses import logit_range_penalty, masked_mae, weighted_l1


def _batch(seed=0, shape=(2, 20, 24)):
    rng = np.random.default_rng(seed)
    pred = rng.uniform(size=shape).astype(np.float32)
    target = rng.uniform(size=shape).astype(np.float32)
    weight = rng.choice([0.5, 1.0, 2.0], size=shape).astype(np.float32)
    mask = rng.uniform(size=shape) > 0.3
    return pred, target, weight, mask


def test_matches_numpy():
    p, t, w, m = _batch()
    ref = np.sum(w * np.abs(p - t) * m) / np.sum(w * m)
    np.testing.assert_allclose(float(weighted_l1(p, t, w, m)), ref, rtol=1e-5)
    s, n = masked_mae(p, t, m)
    np.testing.assert_allclose(float(s) / float(n), np.abs(p - t)[m].mean(), rtol=1e-5)


def test_nan_in_masked_pixels_gives_finite_gradients():
    p, t, w, m = _batch(1)
    t = np.where(m, t, np.nan).astype(np.float32)
    w = np.where(m, w, np.nan).astype(np.float32)
    for f in (1, 4):
        loss, g = jax.value_and_grad(lambda q, f=f: weighted_l1(q, t, w, m, reduce_factor=f))(
            jnp.asarray(p)
        )
        assert np.isfinite(float(loss))
        g = np.asarray(g)
        assert np.all(np.isfinite(g))
        assert np.all(g[~m] == 0.0)
    # Nothing valid: zero loss, no NaN.
    assert float(weighted_l1(p, t, w, np.zeros_like(m))) == 0.0


def test_reference_resolution_block_means():
    p, t, w, m = _batch(2, shape=(1, 8, 12))
    w = np.ones_like(w)
    m = np.ones_like(m)
    # 4x4 blocks: compare block means (closed form with a reshape).
    pb = p.reshape(1, 2, 4, 3, 4).mean(axis=(2, 4))
    tb = t.reshape(1, 2, 4, 3, 4).mean(axis=(2, 4))
    ref = np.abs(pb - tb).mean()
    np.testing.assert_allclose(float(weighted_l1(p, t, w, m, reduce_factor=4)), ref, rtol=1e-5)
    # Sub-footprint structure is free at the reference resolution: a prediction that moves SIC
    # inside a block but keeps its mean has zero loss there, but not at full resolution.
    t = np.full((1, 8, 8), 0.5, np.float32)
    checker = (np.indices((8, 8)).sum(0) % 2).astype(np.float32)[None]
    ones = np.ones_like(t)
    assert float(weighted_l1(checker, t, ones, ones > 0, reduce_factor=4)) < 1e-6
    assert float(weighted_l1(checker, t, ones, ones > 0)) > 0.49


def test_logit_range_penalty_matches_numpy_and_revives_saturated_outputs():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=10.0, size=(2, 6, 7)).astype(np.float32)
    m = rng.uniform(size=z.shape) > 0.3
    ref = np.maximum(np.abs(z) - 6.0, 0.0)[m].mean()
    np.testing.assert_allclose(float(logit_range_penalty(z, m, 6.0)), ref, rtol=1e-5)
    assert float(logit_range_penalty(z, np.zeros_like(m))) == 0.0
    # Fully saturated outputs (logit 30, target 0): the L1 through the sigmoid has an exactly
    # zero gradient in float32, the penalty pulls every valid logit back.
    sat = jnp.full((1, 4, 4), 30.0)
    t, w, mk = jnp.zeros((1, 4, 4)), jnp.ones((1, 4, 4)), jnp.ones((1, 4, 4), bool)
    g_l1 = jax.grad(lambda q: weighted_l1(jax.nn.sigmoid(q), t, w, mk))(sat)
    assert float(jnp.abs(g_l1).max()) == 0.0
    g = jax.grad(lambda q: logit_range_penalty(q, mk, 6.0))(sat)
    np.testing.assert_allclose(np.asarray(g), 1.0 / 16)
