"""ICM segmentation and connected components against sequential NumPy / SciPy references."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import ndimage

from seaice_jax.segmentation.components import connected_components, merge_small
from seaice_jax.segmentation.icm import data_cost, energy, half_sweep, icm, kmeans

ROOT = Path(__file__).resolve().parents[1]


def numpy_icm(x, valid, means, variances, beta, order="checkerboard", max_iter=100, init=None):
    """Straightforward sequential ICM: one pixel at a time, in raster or checkerboard order."""
    h, w = x.shape
    cost = 0.5 * ((x[..., None] - means) ** 2 / variances + np.log(variances) + np.log(2 * np.pi))
    lab = np.where(valid, cost.argmin(-1), 0) if init is None else init.copy()
    if order == "raster":
        sweep = [(i, j) for i in range(h) for j in range(w)]
    else:
        sweep = [(i, j) for c in (0, 1) for i in range(h) for j in range(w) if (i + j) % 2 == c]
    for it in range(max_iter):
        changed = 0
        for i, j in sweep:
            if not valid[i, j]:
                continue
            local = cost[i, j].copy()
            for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                a, b = i + di, j + dj
                if 0 <= a < h and 0 <= b < w and valid[a, b]:
                    local += beta * (np.arange(len(means)) != lab[a, b])
            if local.min() < local[lab[i, j]]:
                lab[i, j] = local.argmin()
                changed += 1
        if not changed:
            return lab, it + 1
    return lab, max_iter


def numpy_energy(x, lab, valid, means, variances, beta):
    cost = 0.5 * (
        (x - means[lab]) ** 2 / variances[lab] + np.log(variances[lab]) + np.log(2 * np.pi)
    )
    e = cost[valid].sum()
    e += beta * (valid[:, 1:] & valid[:, :-1] & (lab[:, 1:] != lab[:, :-1])).sum()
    e += beta * (valid[1:] & valid[:-1] & (lab[1:] != lab[:-1])).sum()
    return e


def blocks_image(seed=0, h=32, w=40, noise=1.5):
    rng = np.random.default_rng(seed)
    truth = np.zeros((h, w), int)
    truth[: h // 2, w // 3 :] = 1
    truth[h // 2 :, : w // 2] = 2
    truth[h // 4 : h // 2 + 4, w // 4 : w // 2] = 3
    x = np.array([-22.0, -17.0, -12.0, -8.0])[truth] + rng.normal(0, noise, (h, w))
    return x.astype(np.float32), truth


def test_checkerboard_matches_sequential_numpy_in_same_order():
    x, _ = blocks_image()
    valid = np.ones(x.shape, bool)
    valid[5:8, 3:20] = False  # a masked stripe
    means, var = (np.asarray(a)[:, 0].astype(np.float64) for a in kmeans(jnp.asarray(x), valid, 4))
    ref, _ = numpy_icm(x.astype(np.float64), valid, means, var, beta=1.2)
    res = icm(jnp.asarray(x), jnp.asarray(valid), k=4, beta=1.2)
    got = np.asarray(res.labels)
    # Pixels of one colour are independent given the other, so parallel == sequential exactly.
    agree = (got == ref)[valid].mean()
    assert agree > 0.999
    e_ref = numpy_energy(x.astype(np.float64), ref, valid, means, var, 1.2)
    assert float(res.energy) == pytest.approx(e_ref, rel=1e-4)


def test_energy_never_increases_and_raster_order_reaches_similar_minimum():
    x, truth = blocks_image(seed=1, noise=3.0)
    valid = np.ones(x.shape, bool)
    xj = jnp.asarray(x)[..., None]
    means, var = kmeans(xj, jnp.asarray(valid), 4)
    cost = data_cost(xj, means, var)
    lab = jnp.argmin(cost, -1).astype(jnp.int32)
    none = (jnp.zeros((1, x.shape[1]), jnp.int32), jnp.zeros((1, x.shape[1]), bool))
    energies = [float(energy(xj, lab, valid, means, var, 2.0))]
    for _ in range(15):
        for colour in (0, 1):
            lab, _ = half_sweep(lab, jnp.asarray(valid), cost, 2.0, colour, 0, none, none)
            energies.append(float(energy(xj, lab, valid, means, var, 2.0)))
    assert all(b <= a + 1e-3 for a, b in zip(energies, energies[1:], strict=False))
    assert energies[-1] < energies[0] - 50  # it really moved
    m, v = np.asarray(means)[:, 0].astype(float), np.asarray(var)[:, 0].astype(float)
    ref, _ = numpy_icm(x.astype(float), valid, m, v, 2.0, order="raster")
    e_raster = numpy_energy(x.astype(float), ref, valid, m, v, 2.0)
    # Different visiting orders end in different local minima; both must be close in energy.
    assert energies[-1] == pytest.approx(e_raster, rel=0.02)
    # With noise close to the class spacing it still recovers the blocks far above chance (1/4).
    assert (np.asarray(lab) == truth).mean() > 0.6


def test_icm_reestimation_and_fixed_point():
    x, truth = blocks_image(seed=2, noise=2.0)
    valid = np.ones(x.shape, bool)
    res = icm(jnp.asarray(x), jnp.asarray(valid), k=4, beta=1.5, reestimate_params=True)
    lab = np.asarray(res.labels)
    assert int(res.iterations) < 50
    assert (lab == truth).mean() > 0.95
    # At convergence no single-pixel change lowers the energy (an ICM fixed point).
    m, v = np.asarray(res.means)[:, 0].astype(float), np.asarray(res.variances)[:, 0].astype(float)
    after, _ = numpy_icm(x.astype(float), valid, m, v, 1.5, max_iter=1, init=lab)
    assert np.array_equal(after, lab)


def test_icm_degenerate_inputs_do_not_crash():
    const = jnp.full((16, 16), -15.0)
    res = icm(const, jnp.ones((16, 16), bool), k=3, beta=1.0)
    assert np.isfinite(float(res.energy))
    assert len(np.unique(np.asarray(res.labels))) == 1
    none = icm(jnp.full((8, 8), jnp.nan), jnp.zeros((8, 8), bool), k=3)
    assert (np.asarray(none.labels) == -1).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_connected_components_match_scipy(seed):
    rng = np.random.default_rng(seed)
    key = rng.integers(0, 4, (23, 31))
    key = ndimage.median_filter(key, 3)
    got, n = connected_components(jnp.asarray(key))
    got = np.asarray(got)
    total = 0
    for k in range(1, key.max() + 1):
        ref, nk = ndimage.label(key == k)
        total += nk
        for r in range(1, nk + 1):
            ids = np.unique(got[ref == r])
            assert len(ids) == 1 and ids[0] > 0
    assert int(n) == total == len(np.unique(got[got > 0]))
    assert (got[key == 0] == 0).all()


def test_merge_small_folds_specks_into_most_similar_neighbour():
    seg = np.ones((10, 10), int)
    seg[:, 5:] = 2
    seg[4, 4] = 3  # one-pixel speck on the border of 1 and 2
    vals = np.where(seg == 1, -20.0, -10.0)
    vals[4, 4] = -11.0  # closer to segment 2
    out = merge_small(seg, vals, min_size=4)
    assert out[4, 4] == out[0, 9] != out[0, 0]
    assert out.max() == 2


def test_icm_tiled_shard_map_equals_single_device():
    code = textwrap.dedent(
        """
        import jax
        jax.config.update("jax_num_cpu_devices", 4)
        import numpy as np, jax.numpy as jnp
        from seaice_jax.segmentation.icm import icm
        from seaice_jax.segmentation.tiled import icm_tiled
        rng = np.random.default_rng(0)
        t = (np.add.outer(np.arange(48) // 12, np.arange(40) // 10) % 3).astype(float)
        x = (t * 4 - 20 + rng.normal(0, 2.5, t.shape)).astype(np.float32)
        valid = np.ones(x.shape, bool); valid[20:23, 5:30] = False
        for re in (False, True):
            a = icm(jnp.asarray(x), jnp.asarray(valid), k=3, beta=1.5, reestimate_params=re)
            b = icm_tiled(x, valid, k=3, beta=1.5, reestimate_params=re)
            assert len(jax.devices()) == 4
            assert np.array_equal(np.asarray(a.labels), np.asarray(b.labels)), re
            assert abs(float(a.energy) - float(b.energy)) < 1e-3 * abs(float(a.energy))
        # The SIT chain's tiled path pads odd heights to even tiles and crops back.
        import ml_collections
        from seaice_jax.sit.pipeline import segment
        cfg = ml_collections.ConfigDict(dict(k=3, beta=1.5, max_iter=30, reestimate=False,
                                             min_segment_px=1, tiled=True))
        lab_t, seg_t, _ = segment(x[:45], valid[:45], cfg)
        cfg.tiled = False
        lab_s, seg_s, _ = segment(x[:45], valid[:45], cfg)
        assert lab_t.shape == (45, 40) and np.array_equal(lab_t, lab_s)
        print("OK")
        """
    )
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "OK" in out.stdout


def test_icm_does_not_recompile_for_new_data_or_beta():
    x, _ = blocks_image(seed=3, h=16, w=18)
    v = jnp.ones(x.shape, bool)
    icm(jnp.asarray(x), v, k=3, beta=1.0)
    n = icm._cache_size()
    icm(jnp.asarray(x + 1.0), v, k=3, beta=2.5)  # beta is traced, not static
    assert icm._cache_size() == n
