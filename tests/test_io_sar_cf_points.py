"""OSI SAF SIC, generic CF-netCDF/GeoTIFF fallback, and in-situ thickness points."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from pyproj import CRS, Transformer

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset


def test_osisaf_real_file(data_dir):
    ds = open_dataset(data_dir / "osisaf_sic" / "cf_nh25km.nc")
    assert ds.attrs["source_format"] == "osisaf_sic"
    assert ds.rio.crs.to_epsg() == 6931  # EASE2 north, Lambert azimuthal equal area, WGS 84
    assert ds.sic.shape == (432, 432) and ds.sic.dtype == np.float32
    assert ds.sic.attrs["units"] == "%"
    s = ds.sic.values
    assert np.nanmin(s) == 0 and np.nanmax(s) == 100
    assert 0.45 < np.isnan(s).mean() < 0.50  # fill (outside the disc, land) -> NaN: 47.6 %
    assert ds.rio.resolution() == (25000.0, -25000.0)
    assert ds.rio.bounds() == (-5400000.0, -5400000.0, 5400000.0, 5400000.0)
    assert str(ds.time.values)[:10] == "2019-09-10"
    # The grid mapping agrees with the file's own lat/lon at every sampled pixel.
    fwd = Transformer.from_crs(4326, ds.rio.crs, always_xy=True)
    j, i = np.meshgrid(np.arange(5, 432, 53), np.arange(5, 432, 61))
    x, y = fwd.transform(ds.lon.values[j, i], ds.lat.values[j, i])
    np.testing.assert_allclose(x, ds.x.values[i], atol=1.0)
    np.testing.assert_allclose(y, ds.y.values[j], atol=1.0)


def _osisaf_like(tmp_path, layout: str):
    """OSI SAF layout written with netCDF4: xc/yc km + lat/lon, or x/y m + grid mapping only."""
    import netCDF4

    p = tmp_path / f"osisaf_{layout}.nc"
    with netCDF4.Dataset(p, "w") as nc:
        xn, yn = ("xc", "yc") if layout == "latlon" else ("x", "y")
        scale = 1.0 if layout == "latlon" else 1000.0
        nc.createDimension("time", 1)
        nc.createDimension(yn, 3)
        nc.createDimension(xn, 4)
        gm = nc.createVariable("Polar_Stereographic_Grid", "i4")
        gm.setncatts({"grid_mapping_name": "polar_stereographic", "straight_vertical_longitude_from_pole": -45.0,
                      "latitude_of_projection_origin": 90.0, "standard_parallel": 70.0, "false_easting": 0.0,
                      "false_northing": 0.0, "semi_major_axis": 6378137.0, "inverse_flattening": 298.257223563})  # fmt: skip
        xv = nc.createVariable(xn, "f8", (xn,))
        xv.setncatts(
            {
                "units": "km" if layout == "latlon" else "m",
                "standard_name": "projection_x_coordinate",
            }
        )
        xv[:] = (np.arange(4) * 10 - 15) * scale
        yv = nc.createVariable(yn, "f8", (yn,))
        yv.setncatts(
            {
                "units": "km" if layout == "latlon" else "m",
                "standard_name": "projection_y_coordinate",
            }
        )
        yv[:] = (np.arange(3)[::-1] * 10 - 10) * scale
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "seconds since 1978-01-01 00:00:00"
        t[:] = [1.316e9]
        dims = ("time", yn, xn)
        ic = nc.createVariable("ice_conc", "i4", dims, fill_value=-32767)
        ic.setncatts(
            {"units": "%", "scale_factor": 0.01, "grid_mapping": "Polar_Stereographic_Grid"}
        )
        vals = np.array([[0, 1550, 10000, -32767], [5000, 9999, 12000, 0], [1, 2, 3, 4]])
        ic.set_auto_maskandscale(False)  # write the packed integers as stored in the product
        ic[:] = vals[None]
        if layout == "latlon":
            lat = nc.createVariable("lat", "f4", (yn, xn))
            lon = nc.createVariable("lon", "f4", (yn, xn))
            lat[:], lon[:] = 80.0, 0.0
            ic.coordinates = "time lat lon"
    return p, vals


@pytest.mark.parametrize("layout", ["latlon", "xy"])
def test_osisaf_both_layouts(tmp_path, layout):
    p, vals = _osisaf_like(tmp_path, layout)
    ds = open_dataset(p)
    assert ds.rio.crs.to_epsg() == 3413
    np.testing.assert_allclose(ds.x.values, [-15000, -5000, 5000, 15000])
    np.testing.assert_allclose(ds.y.values, [10000, 0, -10000])
    expect = np.where((vals >= 0) & (vals <= 10000), vals / 100.0, np.nan)
    np.testing.assert_allclose(ds.sic.values, expect, rtol=1e-6)
    assert ("lat" in ds.coords) == (layout == "latlon")


def test_generic_netcdf_and_geotiff_roundtrip(tmp_path):
    from seaice_jax.io.writers import write_cog, write_netcdf

    x = 100000 + 25000 * (np.arange(6) + 0.5)
    y = -200000 - 25000 * (np.arange(5) + 0.5)
    data = np.arange(30, dtype=np.float32).reshape(5, 6)
    ds = xr.Dataset(
        {"foo": (("y", "x"), data), "sit": (("y", "x"), data / 10)}, coords={"x": x, "y": y}
    )
    ds = ds.rio.write_crs("EPSG:3413")
    write_netcdf(ds, tmp_path / "a.nc")
    write_cog(ds, tmp_path / "a.tif")
    for name, fmt in (("a.nc", "netcdf"), ("a.tif", "geotiff")):
        back = open_dataset(tmp_path / name)
        assert back.attrs["source_format"] == fmt
        assert back.rio.crs.to_epsg() == 3413
        np.testing.assert_allclose(back.x.values, x)
        np.testing.assert_allclose(back.y.values, y)
        np.testing.assert_allclose(back.foo.values, data)
        np.testing.assert_allclose(back.sit.values, data / 10, rtol=1e-6)


def test_identify_crs_only_on_exact_match():
    from seaice_jax.io.cf import identify_crs

    c = CRS.from_cf({"grid_mapping_name": "lambert_azimuthal_equal_area", "latitude_of_projection_origin": 90.0,
                     "longitude_of_projection_origin": 0.0, "semi_major_axis": 6378137.0,
                     "inverse_flattening": 298.257223563})  # fmt: skip
    assert identify_crs(c).to_epsg() == 6931
    sphere = CRS.from_cf({"grid_mapping_name": "lambert_azimuthal_equal_area", "latitude_of_projection_origin": 90.0,
                          "longitude_of_projection_origin": 0.0, "earth_radius": 6371228.0})  # fmt: skip
    assert identify_crs(sphere).to_epsg() is None  # EASE (1) sphere: no false EPSG


def test_eccc_auger_points(data_dir):
    ds = open_dataset(data_dir / "eccc_eureka2014_insitu" / "ECCCEureka2014.h5")
    assert ds.sizes == {"point": 163}
    assert {"lon", "lat", "time", "thickness", "freeboard", "snow_depth", "site"} <= set(
        ds.variables
    )
    t = ds.thickness.values
    assert np.nanmin(t) == 1.23 and np.nanmax(t) == 2.32 and np.isnan(t).sum() == 1
    assert ds.thickness.attrs["units"] == "m"
    assert (
        79.9 < ds.lat.min()
        and ds.lat.max() < 80.4
        and -86.9 < ds.lon.min()
        and ds.lon.max() < -86.6
    )
    assert set(np.unique(ds.site.values)) == {"grid1", "grid2", "grid3", "transect"}
    assert (ds.site.values == "transect").sum() == 118


def test_points_csv(tmp_path):
    p = tmp_path / "measurements.csv"
    p.write_text("lon,lat,time,thickness,ship\n21.5,65.1,2018-02-01T10:00:00,0.42,Otso\n"
                 "22.0,64.9,2018-02-02,0.55,Kontio\n")  # fmt: skip
    ds = open_dataset(p)
    assert ds.attrs["source_format"] == "points_csv" and ds.sizes == {"point": 2}
    np.testing.assert_allclose(ds.thickness.values, [0.42, 0.55])
    assert str(ds.time.values[1])[:10] == "2018-02-02" and list(ds.ship.values) == [
        "Otso",
        "Kontio",
    ]


@pytest.mark.parametrize(
    "text, match",
    [
        ("lon,lat,thickness\n1,2,abc\n", "non-numeric"),
        ("lon,lat,thickness,time\n1,2,0.3,notatime\n", "not times"),
        ("lon,lat,thickness\n1,200,0.3\n", "out of range"),
    ],
)
def test_points_csv_bad(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(SeaIceError, match=match):
        open_dataset(p)
