"""Prepared scenes and the grain tile pipeline, on small in-memory scenes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seaice_jax.data.inputs import (
    ai4arctic_stats,
    chart_weights,
    input_stack,
    normalise,
    quantise_sic,
)
from seaice_jax.data.prepare import (
    build_scene,
    read_index,
    scene_stats,
    split_dates,
    write_index,
    write_scene,
)
from seaice_jax.data.source import TileSource, augment, iterator, make_dataset
from seaice_jax.errors import SeaIceError

WEIGHTS = {"open_water": 2.0, "consolidated": 1.0, "miz": 0.5, "no_chart": 1.0}


def _scene(seed: int, h=48, w=64, hv=True):
    rng = np.random.default_rng(seed)
    data = {"hh": (("y", "x"), rng.normal(-15, 3, (h, w)).astype(np.float32))}
    if hv:
        data["hv"] = (("y", "x"), rng.normal(-25, 3, (h, w)).astype(np.float32))
    return xr.Dataset(data)


def _prepared(tmp_path, dates=("2021-09-01", "2021-09-02", "2021-09-03")):
    metas = []
    for i, d in enumerate(dates):
        ds = _scene(i)
        x = input_stack(ds, "s1", name=f"s{i}", window=5)
        nt = np.linspace(0, 100, 48 * 64).reshape(48, 64)
        land = np.zeros((48, 64))
        land[:, :16] = 1  # the left quarter is land: its 16-px tiles are all masked
        chart = np.full((48, 64), 2.0)
        chart[:24] = 0.0
        arrays = build_scene(x, nt, chart_class=chart, weights=WEIGHTS, land=land)
        metas.append(write_scene(tmp_path, f"case/{d}/s1", d, "s1", arrays))
    val = split_dates([m["date"] for m in metas], 1)
    for m in metas:
        m["split"] = "val" if m["date"] in val else "train"
    write_index(tmp_path, metas, scene_stats([m for m in metas if m["split"] == "train"]), "s1")
    return tmp_path


def test_targets_weights_stats():
    np.testing.assert_allclose(
        quantise_sic(np.array([0, 4.9, 5.1, 54, 96, 120, np.nan])),
        [0, 0, 0.1, 0.5, 1.0, 1.0, np.nan],
    )
    w = chart_weights(np.array([[0, 1, 2, np.nan]]), WEIGHTS, None)
    np.testing.assert_array_equal(w, [[2.0, 0.5, 1.0, 1.0]])
    x = np.array([[1.0, np.nan], [3.0, 5.0]], np.float32)
    z = normalise(x, ["a", "b"], {"a": {"mean": 2.0, "std": 1.0}, "b": {"mean": 5.0, "std": 2.0}})
    np.testing.assert_allclose(z, [[-1.0, 0.0], [1.0, 0.0]])


def test_ai4arctic_stats(data_dir):
    s = ai4arctic_stats(data_dir / "ai4arctic_channel_stats" / "global_meanstd.npy")
    assert -16 < s["hh"]["mean"] < -13 and -26 < s["hv"]["mean"] < -23
    assert 200 < s["tb_89_0h"]["mean"] < 230 and s["tb_89_0v"]["std"] > 10


def test_rejects_scene_without_hv_or_nan_band():
    with pytest.raises(SeaIceError, match="scene_x.*'hv'"):
        input_stack(_scene(0, hv=False), "s1", name="scene_x")
    ds = _scene(0)
    ds["hv"][:] = np.nan
    with pytest.raises(SeaIceError, match="scene_y.*NaN-only"):
        input_stack(ds, "s1", name="scene_y")


def test_tile_source_skips_masked_and_splits_by_date(tmp_path):
    prep = _prepared(tmp_path)
    idx = read_index(prep)
    assert [s["split"] for s in idx["scenes"]] == ["train", "train", "val"]
    src = TileSource(prep, "train", tile=16, stride=16)
    # 3 x 4 tiles per scene, the land column of 3 tiles skipped.
    assert len(src) == 2 * 9 and src.dates == ["2021-09-01", "2021-09-02"]
    assert len(TileSource(prep, "val", tile=16, stride=16)) == 9
    t = src[0]
    assert t["x"].shape == (16, 16, 3) and t["mask"].dtype == bool and t["mask"].any()
    assert np.all(np.isfinite(t["x"])) and np.all(np.isfinite(t["target"]))
    # Stride < tile: overlapping tiles, last tile flush with the edge.
    assert len(TileSource(prep, "train", tile=16, stride=12)) > len(src)
    # A channel subset (the ablation without the cross-correlation layer): same tiles, those
    # channels only; a channel that was not prepared is an error naming it.
    sub = TileSource(prep, "train", tile=16, stride=16, channels=("hh", "hv"))
    assert sub.channels == ["hh", "hv"] and len(sub) == len(src)
    np.testing.assert_array_equal(sub[0]["x"], t["x"][..., :2])
    with pytest.raises(SeaIceError, match="'vv'"):
        TileSource(prep, "train", tile=16, stride=16, channels=("hh", "vv"))


def test_augment_is_one_transform_for_all_arrays():
    a = np.arange(16.0).reshape(4, 4)
    el = {"x": np.stack([a, a], -1), "target": a, "mask": a > 3}
    for s in range(8):
        out = augment(el, np.random.default_rng(s))
        np.testing.assert_array_equal(out["x"][..., 1], out["target"])
        np.testing.assert_array_equal(out["mask"], out["target"] > 3)


def test_pipeline_determinism_state_and_host_slices(tmp_path):
    src = TileSource(_prepared(tmp_path), "train", tile=16, stride=16)
    ds = make_dataset(src, batch_size=4, seed=3)
    it = iterator(ds)
    first = [next(it) for _ in range(3)]
    assert first[0]["x"].shape == (4, 16, 16, 3)
    state = it.get_state()
    expect = next(it)
    it2 = iterator(make_dataset(src, batch_size=4, seed=3))
    it2.set_state(state)
    np.testing.assert_array_equal(next(it2)["x"], expect["x"])
    # Two hosts see disjoint halves of an epoch.
    h0 = make_dataset(
        src,
        batch_size=1,
        seed=3,
        augment_tiles=False,
        process_index=0,
        process_count=2,
        repeat=False,
    )
    h1 = make_dataset(
        src,
        batch_size=1,
        seed=3,
        augment_tiles=False,
        process_index=1,
        process_count=2,
        repeat=False,
    )
    k0 = {h0[i]["x"].tobytes() for i in range(len(h0))}
    k1 = {h1[i]["x"].tobytes() for i in range(len(h1))}
    assert len(k0) == len(k1) == 9 and not (k0 & k1)
    # Epoch 2 is shuffled differently from epoch 1.
    e = make_dataset(src, batch_size=18, seed=3, augment_tiles=False)
    assert not np.array_equal(e[0]["x"], e[1]["x"])


def test_ai4arctic_scene_nt_from_its_own_amsr2():
    from seaice_jax.data.prepare import prepare_ai4arctic
    from seaice_jax.pm import nasa_team

    rng = np.random.default_rng(0)
    sar = ("sar_lines", "sar_samples")
    pm = ("amsr2_lines", "amsr2_samples")
    # Left half open water TBs, right half consolidated first-year ice TBs (AMSR2 tie points).
    col = np.arange(6) >= 3
    tb = {
        "btemp_18_7v": np.where(col, 252.0, 183.0),
        "btemp_18_7h": np.where(col, 237.0, 108.0),
        "btemp_23_8v": np.where(col, 250.0, 196.0),
        "btemp_36_5v": np.where(col, 247.0, 209.0),
    }
    chart = np.where(np.arange(60) >= 30, 10, 0) * np.ones((60, 1))
    chart[:3] = 255  # masked chart rows
    ds = xr.Dataset(
        {
            "nersc_sar_primary": (sar, rng.normal(-15, 2, (60, 60)).astype(np.float32)),
            "nersc_sar_secondary": (sar, rng.normal(-25, 2, (60, 60)).astype(np.float32)),
            "SIC": (sar, chart.astype(np.float32)),
            **{k: (pm, np.tile(v, (6, 1)).astype(np.float32)) for k, v in tb.items()},
        }
    )
    a = prepare_ai4arctic(ds, name="scene_a", weights=WEIGHTS, window=5, downsample=3)
    assert a["inputs"].shape == (20, 20, 3) and a["mask"].all()
    nt = [
        float(nasa_team(tb["btemp_18_7v"][i], tb["btemp_18_7h"][i], tb["btemp_36_5v"][i]))
        for i in (0, 5)
    ]
    assert nt[0] < 5 and nt[1] > 90
    np.testing.assert_allclose(a["target"][:, 0], np.round(nt[0] / 10) / 10)
    np.testing.assert_allclose(a["target"][:, -1], np.round(nt[1] / 10) / 10)
    # Chart: open water left, consolidated right, the masked first row outside the chart.
    np.testing.assert_array_equal(a["weight"][5, [0, -1]], [2.0, 1.0])
    assert a["weight"][0, 0] == WEIGHTS["no_chart"]
    with pytest.raises(SeaIceError, match="scene_b.*nersc_sar_secondary"):
        prepare_ai4arctic(
            ds.drop_vars("nersc_sar_secondary"),
            name="scene_b",
            weights=WEIGHTS,
            window=5,
            downsample=3,
        )


def test_amsr2_89_inputs_on_3125m_and_200m():
    from seaice_jax.data.inputs import amsr2_89_inputs
    from seaice_jax.geo.grids import Grid

    coarse = Grid("EPSG:3413", 0.0, 0.0, 3125.0, 8, 8)
    ds = coarse.template()
    ramp = np.tile(np.linspace(200.0, 235.0, 8), (8, 1)).astype(np.float32)
    ds["tb_89_0h"] = (("y", "x"), ramp)
    ds["tb_89_0v"] = (("y", "x"), ramp + 20.0)
    stats = {"tb_89_0h": {"mean": 210.0, "std": 20.0}, "tb_89_0v": {"mean": 240.0, "std": 10.0}}
    a = amsr2_89_inputs(ds, stats)
    np.testing.assert_allclose(a["tb_89_0h"].values, (ramp - 210.0) / 20.0, rtol=1e-6)
    np.testing.assert_allclose(a["tb_89_0v"].values, (ramp + 20.0 - 240.0) / 10.0, rtol=1e-6)
    # At 200 m inside the coarse grid: bilinear, so a linear ramp stays linear (closed form).
    fine = Grid("EPSG:3413", 6250.0, -6250.0, 200.0, 40, 30)
    b = amsr2_89_inputs(ds, stats, grid=fine)
    assert b["tb_89_0h"].shape == (30, 40)
    x = b["x"].values
    expect = (200.0 + (x - 1562.5) / 3125.0 * 5.0 - 210.0) / 20.0
    np.testing.assert_allclose(b["tb_89_0h"].values[0], expect, atol=1e-3)
