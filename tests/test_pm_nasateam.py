"""NASA Team kernel: against an independent NumPy solution of the mixing model, tie points, bad input."""

from __future__ import annotations

import json

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.pm import (
    TIEPOINTS,
    nasa_team,
    nasa_team_numpy,
    nasa_team_raw,
    nt_weather_filter,
    resolve_tiepoints,
    weather_mask_89,
)
from seaice_jax.pm.nasateam import _nt_kernel


def reference_nt(v19, h19, v37, tp):
    """NT from first principles, independent of the package: per pixel, solve the linear mixture
    TB = W + CF (F - W) + CM (M - W) for (CF, CM) such that the mixed TBs reproduce the observed
    PR(19) and GR(37V/19V) (Cavalieri et al. 1984), with numpy.linalg.solve."""
    v19, h19, v37 = (np.asarray(x, np.float64).ravel() for x in (v19, h19, v37))
    pr = (v19 - h19) / (v19 + h19)
    gr = (v37 - v19) / (v37 + v19)
    w = {c: tp[c]["ow"] for c in tp}
    df = {c: tp[c]["fy"] - tp[c]["ow"] for c in tp}
    dm = {c: tp[c]["my"] - tp[c]["ow"] for c in tp}

    def row(a, b, r, d):  # coefficient of the unknown in (a - b) - r (a + b) = 0
        return (d[a] - d[b]) - r * (d[a] + d[b])

    mat = np.empty((pr.size, 2, 2))
    rhs = np.empty((pr.size, 2))
    mat[:, 0, 0], mat[:, 0, 1] = row("19v", "19h", pr, df), row("19v", "19h", pr, dm)
    mat[:, 1, 0], mat[:, 1, 1] = row("37v", "19v", gr, df), row("37v", "19v", gr, dm)
    rhs[:, 0] = -((w["19v"] - w["19h"]) - pr * (w["19v"] + w["19h"]))
    rhs[:, 1] = -((w["37v"] - w["19v"]) - gr * (w["37v"] + w["19v"]))
    sol = np.linalg.solve(mat, rhs[..., None])[..., 0]
    return 100.0 * sol[:, 0], 100.0 * sol[:, 1]


def _random_tbs(n, seed=0):
    """TBs spread over the open-water - FY - MY triangle of the AMSR2 tie points, plus noise."""
    rng = np.random.default_rng(seed)
    tp = TIEPOINTS["amsr2"]
    frac = rng.dirichlet([1.0, 1.0, 1.0], size=n)
    tb = [
        frac @ np.array([tp[c][s] for s in ("ow", "fy", "my")]) + rng.normal(0, 3, n)
        for c in ("19v", "19h", "37v")
    ]
    return [t.astype(np.float32) for t in tb]


@pytest.mark.parametrize("name", ["amsr2", "ssmis", "ssmi_f08", "ssmi_f13"])
def test_nt_matches_independent_numpy(name):
    v19, h19, v37 = _random_tbs(5000)
    total, fy, my = nasa_team_raw(v19, h19, v37, tiepoints=name)
    ref_fy, ref_my = reference_nt(v19, h19, v37, TIEPOINTS[name])
    np.testing.assert_allclose(np.asarray(fy), ref_fy, atol=0.01)
    np.testing.assert_allclose(np.asarray(my), ref_my, atol=0.01)
    np.testing.assert_allclose(np.asarray(total), ref_fy + ref_my, atol=0.01)
    np.testing.assert_allclose(
        nasa_team_numpy(v19, h19, v37, tiepoints=name), ref_fy + ref_my, atol=1e-6
    )
    clipped = np.asarray(nasa_team(v19, h19, v37, tiepoints=name))
    np.testing.assert_allclose(clipped, np.clip(ref_fy + ref_my, 0, 100), atol=0.01)


def test_tiepoints_give_0_and_100_percent():
    tp = TIEPOINTS["amsr2"]
    tb = {c: np.array([tp[c][s] for s in ("ow", "fy", "my")], np.float32) for c in tp}
    total, fy, my = (np.asarray(x) for x in nasa_team_raw(tb["19v"], tb["19h"], tb["37v"]))
    np.testing.assert_allclose(total, [0, 100, 100], atol=1e-3)
    np.testing.assert_allclose(fy, [0, 100, 0], atol=1e-3)
    np.testing.assert_allclose(my, [0, 0, 100], atol=1e-3)


def test_mapping_and_json_tiepoints(tmp_path):
    tp = {c: dict(v) for c, v in TIEPOINTS["ssmis"].items()}
    f = tmp_path / "tp.json"
    f.write_text(json.dumps(tp))
    v19, h19, v37 = _random_tbs(100, seed=1)
    a = np.asarray(nasa_team(v19, h19, v37, tiepoints="ssmis"))
    np.testing.assert_array_equal(a, np.asarray(nasa_team(v19, h19, v37, tiepoints=tp)))
    np.testing.assert_array_equal(a, np.asarray(nasa_team(v19, h19, v37, tiepoints=str(f))))
    bad = {**tp, "37v": {"ow": 200.0, "fy": 240.0}}
    with pytest.raises(SeaIceError, match="37v.my"):
        resolve_tiepoints(bad)
    with pytest.raises(SeaIceError, match="unknown tie points"):
        resolve_tiepoints("nonesuch")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(SeaIceError, match="broken.json"):
        resolve_tiepoints(str(tmp_path / "broken.json"))


def test_invalid_tbs_give_nan_and_unusable_input_raises():
    v19 = np.array([250.0, np.nan, 0.0, 351.0, 250.0, -5.0], np.float32)
    h19 = np.array([235.0, 235.0, 235.0, 235.0, np.inf, 235.0], np.float32)
    v37 = np.full(6, 245.0, np.float32)
    total, fy, my = (np.asarray(x) for x in nasa_team_raw(v19, h19, v37))
    assert np.isfinite(total[0]) and np.isnan(total[1:]).all()
    assert np.isnan(fy[1:]).all() and np.isnan(my[1:]).all()
    assert np.isnan(np.asarray(nasa_team(v19, h19, v37))[1:]).all()
    with pytest.raises(SeaIceError, match="no valid"):
        nasa_team(np.full(3, np.nan), np.full(3, 200.0), np.full(3, 200.0))
    with pytest.raises(SeaIceError, match="do not match"):
        nasa_team(np.ones((3, 4)) * 250, np.ones((4, 3)) * 230, np.ones((3, 4)) * 240)
    with pytest.raises(SeaIceError, match="empty"):
        nasa_team(np.zeros((0,)), np.zeros((0,)), np.zeros((0,)))


def test_any_shape_broadcast_and_no_retrace_across_tiepoints():
    v19, h19, v37 = (t.reshape(5, 4, 5) for t in _random_tbs(100, seed=2))
    out = nasa_team(v19, h19, v37)
    assert out.shape == (5, 4, 5) and out.dtype == jnp.float32
    # A scalar 37V broadcasts against 2-D 19 GHz fields.
    assert nasa_team(v19[0], h19[0], 230.0).shape == (4, 5)
    traced = chex.assert_max_traces(_nt_kernel.__wrapped__, n=1)
    kern = jax.jit(traced)
    coefs = [
        jnp.asarray(np.random.default_rng(0).normal(size=(3, 4)), jnp.float32) for _ in range(3)
    ]
    for c in coefs:  # new tie points must not recompile: they enter as an array
        kern(v19, h19, v37, c)


def test_weather_filters_on_constructed_cases():
    # Open water (GR(37/19) = 0.0512 > 0.05) is flagged, FY ice (GR < 0) is not.
    tp = TIEPOINTS["amsr2"]
    v19 = np.array([tp["19v"]["ow"], tp["19v"]["fy"], 200.0, np.nan])
    v37 = np.array([tp["37v"]["ow"], tp["37v"]["fy"], 200.0, 200.0])
    # Third: GR(37/19) = 0 but GR(22/19) = (220-200)/420 = 0.0476 > 0.045 (water vapour).
    v22 = np.array([200.0, tp["19v"]["fy"], 220.0, 200.0])
    np.testing.assert_array_equal(
        np.asarray(nt_weather_filter(v19, v22, v37)), [True, False, True, False]
    )
    assert not bool(nt_weather_filter(200.0, 205.0, 205.0, sensor="smmr"))
    with pytest.raises(SeaIceError, match="unknown sensor"):
        nt_weather_filter(v19, v22, v37, sensor="avhrr")
    th = {"gr89_18v": 0.03, "pd89": 50.0}
    # water: GR(89V/18.7V) = (250-190)/440 = 0.136; ice: (220-250)/470 < 0; polarised: PD 60 K.
    m = weather_mask_89(
        [110.0, 235.0, 200.0],
        [190.0, 250.0, 255.0],
        [210.0, 210.0, 180.0],
        [250.0, 220.0, 240.0],
        thresholds=th,
    )
    np.testing.assert_array_equal(np.asarray(m), [True, False, True])


def test_benchmark_smoke():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "nasateam.py"
    spec = importlib.util.spec_from_file_location("bench_nasateam", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.measure(("nsidc3413_25km",), repeats=1, shape_override=(16, 16))
    r = res["nsidc3413_25km"]
    assert r["pixels"] == 256 and r["mpx_per_s_jax"] > 0 and r["vs_numpy"] > 0
    assert r["max_abs_diff"] < 0.01


def test_callable_inside_a_callers_jit():
    v19, h19, v37 = _random_tbs(64, seed=3)

    @jax.jit
    def pipeline(a, b, c):
        sic = nasa_team(a, b, c, tiepoints="amsr2")
        return jnp.where(nt_weather_filter(a, c, c), 0.0, sic)

    out = np.asarray(pipeline(v19, h19, v37))
    eager = np.asarray(nasa_team(v19, h19, v37))
    flag = np.asarray(nt_weather_filter(v19, v37, v37))
    np.testing.assert_allclose(out, np.where(flag, 0.0, eager), atol=1e-4)
