"""``seaice-jax nasateam`` on a real RRDP table, the product on a grid, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import named_grid
from seaice_jax.names import TB_VARS
from seaice_jax.pm import TIEPOINTS
from seaice_jax.pm.product import nasateam_product

ICE_FILE = "esa_cci_sic_rrdp_amsr2/ASCAT-vs-AMSR2-vs-ERA5-vs-DTUSIC1-2017-N.text"


def test_nasateam_command_on_rrdp(cli, data_dir, tmp_path):
    out = tmp_path / "nt.nc"
    rc, stdout, err = cli("nasateam", "--input", data_dir / ICE_FILE, "--out", out)
    assert rc == 0, err
    with xr.open_dataset(out) as ds:
        for v in ("sic", "sic_raw", "weather_mask", "weather_mask_89", "lat", "lon", "time"):
            assert v in ds, v
        sic, raw = ds.sic.values, ds.sic_raw.values
        assert ds.sic.attrs["units"] == "%" and sic.shape == (2309,)
        assert np.nanmin(sic) >= 0 and np.nanmax(sic) <= 100 and np.nanmax(raw) > 100
        assert 93 < np.nanmean(sic) < 100  # 100 % ice points; the clip lowers the mean below 100
        assert int(ds.weather_mask.sum()) == 0


def test_nasateam_command_errors(cli, data_dir, tmp_path):
    out = tmp_path / "nt.nc"
    rc, _, err = cli(
        "nasateam", "--input", data_dir / ICE_FILE, "--out", out, "--tiepoints", "nope"
    )
    assert rc == 2 and "unknown tie points 'nope'" in err and "Traceback" not in err
    rc, _, err = cli("nasateam", "--input", tmp_path / "missing.nc", "--out", out)
    assert rc == 2 and "missing.nc" in err
    assert not out.exists() and not list(tmp_path.glob(".nt.nc*"))


def _grid_scene(drop: str | None = None):
    """A 25 km NSIDC-grid window: left half AMSR2 open-water tie points, right half FY ice."""
    grid = named_grid("nsidc3413_25km").subgrid(100, 100, 8, 10)
    ds = grid.template()
    tp = TIEPOINTS["amsr2"]
    base = {"tb_18_7h": "19h", "tb_18_7v": "19v", "tb_36_5v": "37v"}
    other = {
        "tb_23_8v": (200.0, 250.0),
        "tb_36_5h": (150.0, 235.0),
        "tb_89_0h": (200.0, 215.0),
        "tb_89_0v": (250.0, 225.0),
    }
    for name in TB_VARS:
        ow, fy = (tp[base[name]]["ow"], tp[base[name]]["fy"]) if name in base else other[name]
        field = np.where(np.arange(10)[None, :] < 5, ow, fy) * np.ones((8, 1))
        ds[name] = (("y", "x"), field.astype(np.float32))
    ds["tb_18_7v"][0, 0] = np.nan
    return ds.drop_vars(drop) if drop else ds


def test_product_on_grid_keeps_georeferencing():
    out = nasateam_product(_grid_scene())
    assert out.rio.crs.to_epsg() == 3413 and out.sic.dims == ("y", "x")
    sic = out.sic.values
    assert (
        np.isnan(sic[0, 0])
        and np.allclose(sic[1:, :5], 0.0)
        and np.allclose(sic[:, 5:], 100.0, atol=0.01)
    )
    assert out.weather_mask.values[1:, :5].all() and not out.weather_mask.values[:, 5:].any()
    assert out.weather_mask_89.values[1:, :5].all() and not out.weather_mask_89.values[:, 5:].any()


def test_product_missing_channel_names_file_and_channel():
    with pytest.raises(SeaIceError, match=r"scene.nc: missing channel tb_89_0v"):
        nasateam_product(_grid_scene(drop="tb_89_0v"), source="scene.nc")
    ds = _grid_scene()
    for v in TB_VARS:
        ds[v][:] = np.nan
    with pytest.raises(SeaIceError, match="scene.nc: nasa_team: no valid"):
        nasateam_product(ds, source="scene.nc")


def test_nasateam_command_on_gridded_netcdf(cli, tmp_path):
    from seaice_jax.io.writers import write_netcdf

    src = tmp_path / "scene.nc"
    write_netcdf(_grid_scene(), src)
    out = tmp_path / "nt.nc"
    rc, _, err = cli("nasateam", "--input", src, "--out", out, "--tiepoints", "amsr2")
    assert rc == 0, err
    with xr.open_dataset(out, decode_coords="all") as ds:
        assert ds.rio.crs.to_epsg() == 3413 and ds.sic.dims == ("y", "x")
        np.testing.assert_allclose(ds.x.values, _grid_scene().x.values)
        assert np.allclose(ds.sic.values[1:, :5], 0) and np.allclose(
            ds.sic.values[:, 5:], 100, atol=0.01
        )
    bad = tmp_path / "no89.nc"
    write_netcdf(_grid_scene(drop="tb_89_0h"), bad)
    rc, _, err = cli("nasateam", "--input", bad, "--out", tmp_path / "x.nc")
    assert (
        rc == 2
        and "no89.nc: missing channel tb_89_0h" in err
        and len(err.strip().splitlines()) == 1
    )
    assert not (tmp_path / "x.nc").exists()
