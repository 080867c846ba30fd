"""Calibration on the real files: stored constants reproduce, simulated statistics match."""

from __future__ import annotations

import numpy as np
import pytest

from seaice_jax.sim import calibration
from seaice_jax.sim.sar import CLASSES


@pytest.fixture(scope="module")
def cal():
    return calibration.load()


def test_stored_real_stats_come_from_the_real_scene(data_dir, cal):
    g = calibration.read_glia(data_dir / calibration.GLIA)
    ok = g["valid"] == 1
    for c, v in calibration.GLIA_CLASSES.items():
        s = calibration.class_stats(g["hh"], g["hv"], g["incidence_angle"], ok & (g["labels"] == v))
        for k in ("hh_mean", "hh_std", "hv_mean", "hv_slope", "n"):
            assert s[k] == pytest.approx(cal["sar"]["real"][c][k], rel=1e-6, abs=1e-6)
    # the classes are ordered by backscatter as their physical reading says
    r = cal["sar"]["real"]
    assert r["water"]["hh_mean"] < r["young"]["hh_mean"] < r["fyi"]["hh_mean"] < r["myi"]["hh_mean"]
    assert r["myi"]["hv_mean"] > r["fyi"]["hv_mean"]
    assert 5 < cal["sar"]["enl"] < 200


def test_stored_pm_stats_come_from_the_rrdp(data_dir, cal):
    tabs = [calibration.read_rrdp(p) for p in sorted((data_dir / calibration.RRDP).glob("*.text"))]
    sic = np.concatenate([t["sic"] for t in tabs])
    assert cal["pm"]["ice"]["n"] == int((sic >= 99).sum()) or cal["pm"]["ice"]["n"] <= int(
        (sic >= 99).sum()
    )
    ice = np.concatenate([t["tb_18_7v"][t["sic"] >= 99] for t in tabs])
    assert np.mean(ice) == pytest.approx(cal["pm"]["ice"]["mean"][1], abs=0.5)


def test_simulated_sar_class_statistics_match_real(cal):
    cmp = calibration.compare_sar(cal)
    for c in CLASSES:
        for pol in ("hh", "hv"):
            sim_m, real_m = cmp[c][f"{pol}_mean"]
            sim_s, real_s = cmp[c][f"{pol}_std"]
            assert abs(sim_m - real_m) < 1.0, (c, pol, sim_m, real_m)
            assert abs(sim_s / real_s - 1) < 0.25, (c, pol, sim_s, real_s)


def test_simulated_tb_statistics_match_rrdp(cal):
    cmp = calibration.compare_pm(cal, seed=11)
    for surface in ("ice", "water"):
        for ch, d in cmp[surface].items():
            (sm, rm), (ss, rs) = d["mean"], d["std"]
            assert abs(sm - rm) < 3.0, (surface, ch, sm, rm)
            assert abs(ss / rs - 1) < 0.25, (surface, ch, ss, rs)


def test_water_atmosphere_warms_open_water(cal):
    """The RRDP regression: vapour warms 89 GHz H most; cloud water warms every H channel."""
    coef = np.asarray(cal["pm"]["water"]["coef"])  # (covariate, channel)
    chans = cal["pm"]["channels"]
    i_lw = cal["pm"]["water"]["covariates"].index("tclw")
    for ch in ("tb_18_7h", "tb_36_5h", "tb_89_0h"):
        assert coef[i_lw, chans.index(ch)] > 5.0
    i_wv = cal["pm"]["water"]["covariates"].index("tcwv")
    assert np.argmax(coef[i_wv]) == chans.index("tb_89_0h")
