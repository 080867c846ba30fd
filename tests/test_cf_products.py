"""Every product writer follows the same CF/ACDD rules (:mod:`seaice_jax.io.cfmeta`): a time
coordinate, ACDD attributes, flags on masks and ``dominant``, one grid-mapping encoding, and
units on COG bands. :func:`~seaice_jax.io.cfmeta.cf_problems` is the focused checker (neither
``cfchecker`` nor ``compliance-checker`` is a dependency); its own test shows it can fail."""

from __future__ import annotations

import netCDF4
import numpy as np
import rasterio
import xarray as xr

from seaice_jax.geo import Grid
from seaice_jax.io import open_dataset
from seaice_jax.io.blockwise import MosaicWriters, streaming_netcdf
from seaice_jax.io.cfmeta import cf_problems
from seaice_jax.io.writers import write_cog, write_netcdf

GRID = Grid("EPSG:3413", -100_000.0, 200_000.0, 1000.0, 24, 16)
DAY = "2021-03-01T06:30:00"


def _product(x0: float = GRID.x0, with_time: bool = True) -> xr.Dataset:
    g = Grid(GRID.crs, x0, GRID.y0, GRID.res, GRID.width, GRID.height)
    ds = g.template()
    ds["sic"] = (
        ("y", "x"),
        np.linspace(0, 100, g.width * g.height, dtype=np.float32).reshape(g.shape),
    )
    ds["sic_uncertainty"] = (("y", "x"), np.full(g.shape, 5.0, np.float32))
    ds["land_mask"] = (("y", "x"), np.zeros(g.shape, np.uint8))
    if with_time:
        ds.attrs["time_coverage_start"] = DAY
    return ds


def _mapping(path) -> dict:
    with netCDF4.Dataset(path) as nc:
        v = nc["spatial_ref"]
        return {k: str(v.getncattr(k)) for k in v.ncattrs()}


def test_checker_finds_what_a_bare_file_lacks(tmp_path):
    ds = _product()
    ds["land_mask"].attrs = {}
    ds.to_netcdf(tmp_path / "bare.nc")
    bad = cf_problems(tmp_path / "bare.nc")
    for part in ("Conventions", "date_created", "history", "no time coordinate", "land_mask"):
        assert any(part in b for b in bad), (part, bad)


def test_write_netcdf_product(tmp_path):
    ds = _product()
    ds["dominant"] = (("y", "x"), np.zeros(GRID.shape, np.int16))
    write_netcdf(ds, tmp_path / "p.nc")
    assert cf_problems(tmp_path / "p.nc") == []
    with netCDF4.Dataset(tmp_path / "p.nc") as nc:
        assert nc["land_mask"].flag_values.dtype == np.uint8
        assert list(nc["dominant"].flag_values) == [-1, 0, 1, 2, 3]
        assert nc["dominant"].flag_meanings == "none s1 rcm amsr2_89 nt"
        assert nc.time_coverage_start == DAY + "Z" and "written by seaice-jax" in nc.history
    back = open_dataset(tmp_path / "p.nc")
    assert str(back.time.values)[:19] == DAY and back.rio.crs.to_epsg() == 3413
    # Written again (a product of a product): still valid, one more history line.
    write_netcdf(back, tmp_path / "q.nc")
    assert cf_problems(tmp_path / "q.nc") == []
    with netCDF4.Dataset(tmp_path / "q.nc") as nc:
        assert nc.history.count("written by seaice-jax") == 2


def test_streaming_writer_has_the_same_grid_mapping(tmp_path):
    write_netcdf(_product(), tmp_path / "whole.nc")
    with streaming_netcdf(
        tmp_path / "blocks.nc", GRID, ["sic", "sic_uncertainty"], attrs={"time_coverage_start": DAY}
    ) as nc:
        nc.write("sic", 0, 0, np.full(GRID.shape, 40.0, np.float32))
    assert cf_problems(tmp_path / "blocks.nc") == []
    assert _mapping(tmp_path / "blocks.nc") == _mapping(tmp_path / "whole.nc")
    back = open_dataset(tmp_path / "blocks.nc")
    assert str(back.time.values)[:19] == DAY and back.rio.crs.to_epsg() == 3413


def test_mosaic_outputs(tmp_path):
    attrs = {"time_coverage_start": DAY, "time_coverage_end": "2021-03-01T18:00:00"}
    with MosaicWriters(
        GRID, tmp_path / "m.nc", tmp_path / "m.tif", None, chunk=8, quicklook_px=16, attrs=attrs
    ) as w:
        w.write(0, 0, *(np.full(GRID.shape, v, np.float32) for v in (50.0, 5.0, 1.0)))
    assert cf_problems(tmp_path / "m.nc") == []
    with rasterio.open(tmp_path / "m.tif") as r:
        assert r.units == ("%", "%") and r.descriptions == ("sic", "sic_uncertainty")


def test_cog_bands_carry_units(tmp_path):
    ds = _product()
    ds["dominant"] = (("y", "x"), np.zeros(GRID.shape, np.int16))
    write_cog(ds, tmp_path / "p.tif", ["sic", "sic_uncertainty", "dominant"])
    with rasterio.open(tmp_path / "p.tif") as r:
        assert r.units == ("%", "%", None)  # dominant is categorical: no unit
        assert r.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert r.descriptions == ("sic", "sic_uncertainty", "dominant")
    assert not list(tmp_path.glob("*.gtiff*"))


def test_fuse_command_product(cli, tmp_path):
    for name, x0 in (("s1", GRID.x0), ("nt", GRID.x0 + 4000.0)):
        write_netcdf(_product(x0), tmp_path / f"{name}.nc")
    out = tmp_path / "fused.nc"
    rc, _, err = cli("fuse", "--s1", tmp_path / "s1.nc", "--nt", tmp_path / "nt.nc", "--out", out)
    assert rc == 0, err
    assert cf_problems(out) == []
    with netCDF4.Dataset(out) as nc:
        assert "s1: " in nc.source and nc.time_coverage_start == DAY + "Z"


def test_nasateam_command_product(cli, data_dir, tmp_path):
    src = data_dir / "esa_cci_sic_rrdp_amsr2/ASCAT-vs-AMSR2-vs-ERA5-vs-DTUSIC1-2017-N.text"
    rc, _, err = cli("nasateam", "--input", src, "--out", tmp_path / "nt.nc")
    assert rc == 0, err
    assert cf_problems(tmp_path / "nt.nc") == []
