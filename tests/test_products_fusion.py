"""Fusion: jitted kernel vs a NumPy reference and known answers; the fuse command end to end."""

from __future__ import annotations

import dataclasses

import chex
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr
from fusion_reference import fuse_numpy

from seaice_jax import config, fusion
from seaice_jax.geo import Grid

# Test parameters (not the config's): kappa 4 %, beta 0.25 make every term of the rule matter.
P = fusion.FusionParams(
    footprints_m=(200.0, 200.0, 4_000.0, 25_000.0),
    is_pm=(False, False, True, True),
    target_res_m=200.0,
    kappa=4.0,
    beta=0.25,
    min_sigma=0.5,
)


def _run(sic, sigma, weather, params=P):
    f, u, d = fusion.fuse(
        jnp.asarray(sic, jnp.float32), jnp.asarray(sigma, jnp.float32), jnp.asarray(weather), params
    )
    return np.asarray(f), np.asarray(u), np.asarray(d)


def test_matches_numpy_reference_on_random_products():
    rng = np.random.default_rng(0)
    sic = rng.uniform(0, 100, (4, 30, 40)).astype(np.float32)
    sigma = rng.uniform(1, 20, (4, 30, 40)).astype(np.float32)
    sic[rng.uniform(size=sic.shape) < 0.2] = np.nan
    sigma[rng.uniform(size=sic.shape) < 0.05] = np.nan
    weather = rng.uniform(size=(30, 40)) < 0.3
    got = _run(sic, sigma, weather)
    ref = fuse_numpy(sic, sigma, weather, P)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got[2], ref[2])


def test_known_answers():
    shape = (4, 1, 5)
    sic = np.full(shape, np.nan, np.float32)
    sigma = np.full(shape, 5.0, np.float32)
    sic[3, 0, 0] = 70.0  # pixel 0: NT only -> NT, sigma = sqrt(5^2 + rep^2)
    sic[:2, 0, 1] = 30.0  # pixel 1: S1 and RCM equal -> 30, sigma 5 / sqrt(2)
    sic[0, 0, 2], sic[2, 0, 2] = 90.0, 40.0  # pixel 2: S1 + AMSR2; NaN elsewhere
    sic[2:, 0, 3] = 60.0  # pixel 3: weather-masked PM -> 0 %
    weather = np.zeros((1, 5), bool)
    weather[0, 3] = True
    f, u, d = _run(sic, sigma, weather)
    rep = 4.0 * np.log2(25_000 / 200) * (0.25 + 0.75 * 4 * 0.7 * 0.3)
    assert f[0, 0] == pytest.approx(70.0) and u[0, 0] == pytest.approx(np.hypot(5, rep), rel=1e-5)
    assert d[0, 0] == 3
    assert f[0, 1] == pytest.approx(30.0) and u[0, 1] == pytest.approx(5 / np.sqrt(2), rel=1e-5)
    assert d[0, 1] == 0
    assert 40.0 < f[0, 2] < 90.0 and f[0, 2] > 80.0 and d[0, 2] == 0  # fine product dominates
    assert f[0, 3] == pytest.approx(0.0, abs=1e-5)
    assert np.isnan(f[0, 4]) and np.isnan(u[0, 4]) and d[0, 4] == -1


def test_no_representativeness_for_pure_fine_grid():
    p = dataclasses.replace(P, footprints_m=(200.0,) * 4)
    fp = jnp.asarray(p.footprints_m)[:, None, None]  # one footprint per product, broadcast
    rep = fusion.representativeness(jnp.full((4, 2, 2), 50.0), fp, p)
    np.testing.assert_allclose(np.asarray(rep), 0.0)


def test_jit_traces_once_per_shape():
    f = chex.assert_max_traces(fusion.fuse.__wrapped__, n=1)
    import jax

    g = jax.jit(f, static_argnames=("params",))
    for seed in range(3):
        x = np.random.default_rng(seed).uniform(0, 100, (4, 8, 8)).astype(np.float32)
        g(x, x * 0 + 5, np.zeros((8, 8), bool), params=P)


def _product(grid: Grid, value: float, sigma: float | None = None) -> xr.Dataset:
    ds = grid.template()
    ds["sic"] = (("y", "x"), np.full(grid.shape, value, np.float32))
    if sigma is not None:
        ds["sic_uncertainty"] = (("y", "x"), np.full(grid.shape, sigma, np.float32))
    return ds


def test_fuse_datasets_regrids_and_skips_non_overlapping():
    fine = Grid("EPSG:3413", 0.0, 100_000.0, 200.0, 100, 100)
    coarse = Grid("EPSG:3413", -50_000.0, 150_000.0, 25_000.0, 8, 8)
    far = Grid("EPSG:3413", 3_000_000.0, 100_000.0, 200.0, 50, 50)
    cfg = config.get("configs/fusion.py")
    msgs = []
    out = fusion.fuse_datasets(
        {"s1": _product(fine, 80.0, 5.0), "nt": _product(coarse, 40.0), "rcm": _product(far, 10.0)},
        fine,
        cfg,
        warn=msgs.append,
    )
    assert len(msgs) == 1 and "rcm" in msgs[0]
    assert out.rio.crs.to_epsg() == 3413
    assert np.all(out.sic.values > 75) and np.all(out.dominant.values == 0)


def test_fuse_cli(tmp_path, cli):
    from seaice_jax.io.writers import write_netcdf

    fine = Grid("EPSG:3413", 0.0, 100_000.0, 200.0, 60, 60)
    coarse = Grid("EPSG:3413", -50_000.0, 150_000.0, 25_000.0, 8, 8)
    write_netcdf(_product(fine, 80.0, 5.0), tmp_path / "s1.nc")
    write_netcdf(_product(coarse, 40.0), tmp_path / "nt.nc")
    rc, out, err = cli(
        "fuse",
        "--s1",
        tmp_path / "s1.nc",
        "--nt",
        tmp_path / "nt.nc",
        "--out",
        tmp_path / "f.nc",
        "--config.kappa=0",
    )
    assert rc == 0, err
    with xr.open_dataset(tmp_path / "f.nc") as ds:
        expect = (80 / 25 + 40 / 64) / (1 / 25 + 1 / 64)  # kappa=0: plain inverse variance
        np.testing.assert_allclose(ds.sic.values, expect, rtol=1e-5)
    rc, _, err = cli("fuse", "--out", tmp_path / "g.nc")
    assert rc == 2 and "at least one" in err and not (tmp_path / "g.nc").exists()


def test_weather_mask_applied_on_the_pm_grid():
    fine = Grid("EPSG:3413", 0.0, 100_000.0, 200.0, 250, 250)  # 50 km: two NT cells wide
    nt = Grid("EPSG:3413", 0.0, 100_000.0, 25_000.0, 2, 2)
    pm3 = Grid("EPSG:3413", 0.0, 100_000.0, 3_125.0, 16, 16)
    flag = np.zeros(pm3.shape, np.float32)
    flag[:8, :8] = 1.0  # all of NT cell (0, 0)
    flag[8:, 8:11] = 1.0  # 3/8 of NT cell (1, 1): below half, kept
    weather = pm3.template()
    weather["w"] = (("y", "x"), flag)
    cfg = config.get("configs/fusion.py")
    out = fusion.fuse_datasets({"nt": _product(nt, 60.0)}, fine, cfg, weather["w"])
    s = out.sic.values
    # Bilinear between NT cell centres (12.5 and 37.5 km): zero up to the first centre, 60 beyond
    # the last; a mask applied after interpolation would have zeroed the whole 25 km square.
    assert np.all(s[:60, :60] == 0.0) and np.all(s[190:, 190:] == pytest.approx(60.0))
    assert 0 < s[100, 100] < 60
