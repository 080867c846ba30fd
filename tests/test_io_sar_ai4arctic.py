"""AI4Arctic challenge scenes (tiny file in the published ready-to-train layout) and the real
channel statistics / scene lists."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset

TB = ["btemp_6_9h", "btemp_18_7h", "btemp_18_7v", "btemp_23_8v", "btemp_36_5h", "btemp_36_5v",
      "btemp_89_0h", "btemp_89_0v"]  # fmt: skip


def write_scene(path, rng, drop=None):
    sar, amsr, grid = ("sar_lines", "sar_samples"), ("2km_grid_lines", "2km_grid_samples"), (
        "sar_sample_2dgrid_points", "sar_line_2dgrid_points")  # fmt: skip
    sic = rng.integers(0, 11, size=(12, 9)).astype(np.uint8)
    sic[0, :3] = 255
    v = {
        "nersc_sar_primary": (sar, rng.normal(-15, 4, (12, 9)).astype(np.float32)),
        "nersc_sar_secondary": (sar, rng.normal(-25, 4, (12, 9)).astype(np.float32)),
        "sar_incidenceangle": (sar, np.tile(np.linspace(19, 46, 9, dtype=np.float32), (12, 1))),
        "distance_map": (sar, rng.integers(0, 40, (12, 9)).astype(np.uint8)),
        "SIC": (sar, sic),
        "SOD": (sar, rng.integers(0, 6, (12, 9)).astype(np.uint8)),
        "FLOE": (sar, rng.integers(0, 7, (12, 9)).astype(np.uint8)),
        "sar_grid2d_latitude": (grid, rng.uniform(60, 80, (3, 4))),
        "sar_grid2d_longitude": (grid, rng.uniform(-60, 0, (3, 4))),
        "t2m": (amsr, rng.normal(265, 5, (5, 6)).astype(np.float32)),
        **{t: (amsr, rng.uniform(150, 260, (5, 6)).astype(np.float32)) for t in TB},
    }
    if drop:
        del v[drop]
    ds = xr.Dataset(v, attrs={"scene_id": "20190430T101830_cis_prep.nc", "ice_service": "cis"})
    ds.to_netcdf(path, engine="netcdf4")
    return ds


def test_scene_maps_to_standard_names(tmp_path):
    src = write_scene(tmp_path / "20190430T101830_cis_prep.nc", np.random.default_rng(7))
    ds = open_dataset(tmp_path / "20190430T101830_cis_prep.nc")
    assert ds.attrs["source_format"] == "ai4arctic" and ds.rio.crs is None
    np.testing.assert_array_equal(ds.hh.values, src.nersc_sar_primary.values)
    np.testing.assert_array_equal(ds.hv.values, src.nersc_sar_secondary.values)
    assert ds.hh.dims == ("y", "x") and ds.hh.attrs["units"] == "dB"
    np.testing.assert_array_equal(ds.incidence_angle.values, src.sar_incidenceangle.values)
    for t in TB:
        new = "tb_" + t[6:]
        assert ds[new].dims == ("y_amsr2", "x_amsr2") and ds[new].attrs["units"] == "K"
        np.testing.assert_array_equal(ds[new].values, src[t].values)
    sic = src.SIC.values
    np.testing.assert_array_equal(ds.sic.values, np.where(sic == 255, np.nan, sic * 10.0))
    assert ds.sic.dtype == np.float32 and {"sod", "floe", "distance_map", "t2m"} <= set(
        ds.data_vars
    )
    assert ds.gcp_latitude.shape == (3, 4)


def test_scene_missing_variable(tmp_path):
    write_scene(tmp_path / "s.nc", np.random.default_rng(8), drop="nersc_sar_secondary")
    with pytest.raises(SeaIceError, match="missing variable 'nersc_sar_secondary'"):
        open_dataset(tmp_path / "s.nc")


def test_real_channel_stats_and_scene_lists(data_dir):
    d = data_dir / "ai4arctic_channel_stats"
    st = open_dataset(d / "global_meanstd.npy")
    means = dict(zip(st.channel.values, st["mean"].values, strict=True))
    assert abs(means["hh"] - (-14.51)) < 0.01 and abs(means["hv"] - (-24.70)) < 0.01
    assert 33.9 < means["incidence_angle"] < 34.1 and 240 < means["tb_89_0v"] < 242
    train, test = open_dataset(d / "dataset.json"), open_dataset(d / "testset.json")
    assert train.sizes["scene"] == 512 and test.sizes["scene"] == 20
    assert not np.isnat(train.time.values).any()
    assert str(test.time.values[0])[:19] == "2018-01-24T19:47:59"


def test_stats_refuses_foreign_pickles(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    p = tmp_path / "global_meanstd.npy"
    np.save(p, np.array(Evil(), dtype=object), allow_pickle=True)
    with pytest.raises(SeaIceError, match="refusing to load builtins.print"):
        open_dataset(p)


def test_raw_layout_tie_points(tmp_path):
    """Raw scenes: 1-D tie points with their line/sample numbers, no SIC classes."""
    rng = np.random.default_rng(9)
    sar, pts = ("sar_lines", "sar_samples"), ("sar_grid_points",)
    ds = xr.Dataset(
        {
            "nersc_sar_primary": (sar, rng.normal(-15, 4, (6, 5)).astype(np.float32)),
            "nersc_sar_secondary": (sar, rng.normal(-25, 4, (6, 5)).astype(np.float32)),
            "sar_grid_latitude": (pts, [70.0, 70.5, 71.0]),
            "sar_grid_longitude": (pts, [-50.0, -51.0, -52.0]),
            "sar_grid_line": (pts, [0, 3, 5]),
            "sar_grid_sample": (pts, [0, 2, 4]),
            "sar_grid_incidenceangle": (pts, [20.0, 30.0, 40.0]),
        }
    )
    p = tmp_path / "S1A_EW_GRDM_1SDH_20180124T194759_icechart_dmi.nc"
    ds.to_netcdf(p, engine="netcdf4")
    out = open_dataset(p)
    assert set(out.data_vars) == {"hh", "hv"} and "sic" not in out
    np.testing.assert_array_equal(out.gcp_line.values, [0, 3, 5])
    np.testing.assert_array_equal(out.gcp_latitude.values, [70.0, 70.5, 71.0])
    np.testing.assert_array_equal(out.gcp_incidence_angle.values, [20.0, 30.0, 40.0])
