"""PM readers: AMSR2 L1R/L3 HDF5 (tiny files in the JAXA layout), SSMIS npz, NSIDC-0051 binary."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.geo import named_grid
from seaice_jax.io import open_dataset

RNG = np.random.default_rng(7)
L1R_CHANNELS = {  # resolution -> frequencies (JAXA L1R: footprint-matched sets)
    "res06": ("6.9", "7.3", "10.7", "18.7", "23.8", "36.5", "89.0"),
    "res10": ("10.7", "18.7", "23.8", "36.5", "89.0"),
    "res23": ("18.7", "23.8", "36.5", "89.0"),
    "res36": ("36.5", "89.0"),
}


def _counts(shape) -> np.ndarray:
    c = RNG.integers(10_000, 30_000, shape).astype(np.uint16)
    c.flat[0] = 65535  # missing
    return c


def _tb_dataset(f: h5py.File, name: str, counts: np.ndarray) -> None:
    d = f.create_dataset(name, data=counts)
    d.attrs["SCALE FACTOR"] = np.array([0.01], dtype=np.float32)
    d.attrs["UNIT"] = np.bytes_("K")


def write_l1r(path: Path, scans: int = 6, drop: str | None = None) -> dict[str, np.ndarray]:
    """A tiny L1R granule in the JAXA layout; returns the counts written per dataset name."""
    written = {}
    with h5py.File(path, "w") as f:
        lat = np.linspace(60, 80, scans * 486, dtype=np.float32).reshape(scans, 486)
        lon = np.linspace(-170, 170, scans * 486, dtype=np.float32).reshape(scans, 486)
        f["Latitude of Observation Point for 89A"] = lat
        if drop != "lon":
            f["Longitude of Observation Point for 89A"] = lon
        for res, freqs in L1R_CHANNELS.items():
            for fr in freqs:
                for pol in "HV":
                    name = f"Brightness Temperature ({res},{fr}GHz,{pol})"
                    written[name] = _counts((scans, 243))
                    _tb_dataset(f, name, written[name])
        for pol in "HV":
            name = f"Brightness Temperature (original,89GHz-A,{pol})"
            written[name] = _counts((scans, 486))
            _tb_dataset(f, name, written[name])
        f.attrs["GranuleID"] = np.bytes_("GW1AM2_201710020000_000A_L1SGRTBR_2220220")
        # 2017-10-02 00:00:00 UTC in TAI93: elapsed UTC seconds + the 10 leap seconds since 1993
        t0 = (np.datetime64("2017-10-02T00:00:00") - np.datetime64("1993-01-01T00:00:00")).astype(
            float
        ) + 10
        f["Scan Time"] = t0 + 1.5 * np.arange(scans)
    return written


def write_l3(
    path: Path, shape=(448, 304), freq="36", drop: str | None = None
) -> dict[str, np.ndarray]:
    written = {}
    with h5py.File(path, "w") as f:
        for pol in "HV":
            if drop == pol:
                continue
            name = f"Brightness Temperature ({pol})"
            written[pol] = _counts(shape)
            _tb_dataset(f, name, written[pol])
        f.attrs["GranuleID"] = np.bytes_(f"GW1AM2_20171002_01D_PNMA_L3SGT{freq}HA2220220")
    return written


def _expected(counts: np.ndarray) -> np.ndarray:
    return np.where(counts >= 65534, np.nan, counts.astype(np.float64) * np.float32(0.01)).astype(
        np.float32
    )


def test_amsr2_l1r(tmp_path):
    p = tmp_path / "GW1AM2_201710020000_000A_L1SGRTBR_2220220.h5"
    written = write_l1r(p)
    ds = open_dataset(p)
    assert ds.attrs["source_format"] == "amsr2_l1_hdf5" and ds.attrs["resolution"] == "res23"
    assert set(v for v in ds.data_vars if v.startswith("tb_") and "hires" not in v) == {
        "tb_18_7h", "tb_18_7v", "tb_23_8h", "tb_23_8v", "tb_36_5h", "tb_36_5v", "tb_89_0h", "tb_89_0v"
    }  # fmt: skip
    np.testing.assert_array_equal(
        ds.tb_36_5h.values, _expected(written["Brightness Temperature (res23,36.5GHz,H)"])
    )
    np.testing.assert_array_equal(
        ds.tb_89_0v.values, _expected(written["Brightness Temperature (res23,89.0GHz,V)"])
    )
    assert np.isnan(ds.tb_18_7v.values[0, 0]) and ds.tb_18_7v.attrs["units"] == "K"
    with h5py.File(p) as f:
        lat89 = f["Latitude of Observation Point for 89A"][()]
    np.testing.assert_array_equal(ds.lat.values, lat89[:, ::2])
    assert ds.tb_89_0h_hires.shape == (6, 486) and ds.lat_89.shape == (6, 486)
    assert ds.time.values[0] == np.datetime64("2017-10-02T00:00:00")
    assert ds.time.values[2] == np.datetime64("2017-10-02T00:00:03")
    hires = written["Brightness Temperature (original,89GHz-A,H)"]
    np.testing.assert_array_equal(ds.tb_89_0h_hires.values, _expected(hires))


@pytest.mark.parametrize(
    "shape, crs, res",
    [((448, 304), 3411, 25_000.0), ((1120, 760), 3411, 10_000.0), ((332, 316), 3412, 25_000.0)],
)
def test_amsr2_l3_polar(tmp_path, shape, crs, res):
    p = tmp_path / "l3.h5"
    written = write_l3(p, shape=shape, freq="89")
    ds = open_dataset(p)
    assert ds.attrs["source_format"] == "amsr2_l3_hdf5"
    assert ds.rio.crs.to_epsg() == crs and abs(ds.rio.transform().a - res) < 1e-6
    np.testing.assert_array_equal(ds.tb_89_0h.values, _expected(written["H"]))
    np.testing.assert_array_equal(ds.tb_89_0v.values, _expected(written["V"]))
    if shape == (448, 304):
        np.testing.assert_allclose(ds.x.values, named_grid("nsidc3411_25km").x)


def test_amsr2_l3_equirectangular_and_frequency_from_name(tmp_path):
    p = tmp_path / "GW1AM2_20171002_01D_EQMA_L3SGT18HA2220220.h5"
    with h5py.File(p, "w") as f:
        for pol in "HV":
            _tb_dataset(f, f"Brightness Temperature ({pol})", _counts((720, 1440)))
    ds = open_dataset(p)
    assert "tb_18_7h" in ds and ds.rio.crs.to_epsg() == 4326
    assert ds.x.values[0] == pytest.approx(-179.875) and ds.y.values[0] == pytest.approx(89.875)


def test_ssmis_npz(data_dir):
    ds = open_dataset(data_dir / "pyresample_ssmis" / "ssmis_swath.npz")
    raw = np.load(data_dir / "pyresample_ssmis" / "ssmis_swath.npz")["data"]
    assert ds.sizes["point"] == 300_240 and ds.attrs["source_format"] == "ssmis_swath_npz"
    tb = ds.tb_37_0v.values
    assert np.isnan(tb).sum() == int((raw[:, 2] <= -1e9).sum()) == 630
    assert 160 < np.nanmin(tb) and np.nanmax(tb) < 290  # measured 168.6 - 286.8 K
    assert np.nanmax(ds.lat.values) <= 90 and np.nanmin(ds.lon.values) >= -180


def test_nsidc0051(data_dir):
    path = data_dir / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin"
    ds = open_dataset(path)
    g = named_grid("nsidc3411_25km")
    assert ds.sic.shape == (448, 304) and ds.rio.crs.to_epsg() == 3411
    np.testing.assert_allclose(ds.x.values, g.x)
    raw = np.fromfile(path, np.uint8, offset=300).reshape(448, 304)
    assert np.nanmin(ds.sic.values) == 0 and np.nanmax(ds.sic.values) == 100
    np.testing.assert_array_equal(np.isnan(ds.sic.values), raw > 250)
    np.testing.assert_allclose(ds.sic.values[raw <= 250], raw[raw <= 250] / 2.5, rtol=1e-6)
    assert int((raw == 254).sum()) == 63_212 and int(ds.land_mask.sum()) == 63_212 + 5_052
    assert int(ds.pole_hole.sum()) == 44
    # the NSIDC lat/lon files agree with the EPSG:3411 grid computed by pyproj
    lon, lat = g.lonlat()
    assert np.abs(lat - ds.lat.values).max() < 1e-4
    assert np.abs((lon - ds.lon.values + 180) % 360 - 180).max() < 1e-4


# ---------------------------------------------------------------- bad input


def _nsidc_copy(tmp_path: Path, data_dir: Path, drop: str) -> Path:
    src = data_dir / "nsidc0051_nasateam"
    for f in src.iterdir():
        if drop not in f.name:
            shutil.copy(f, tmp_path / f.name)
    return tmp_path / "nt_20171002_f17_v1.1_n.bin"


def _bad_cases():
    def empty(tmp, _d):
        (tmp / "x.h5").write_bytes(b"")
        return tmp / "x.h5"

    def random_bytes(tmp, _d):
        (tmp / "x.bin").write_bytes(np.random.default_rng(0).bytes(5000))
        return tmp / "x.bin"

    def truncated_h5(tmp, _d):
        write_l3(tmp / "t.h5")
        data = (tmp / "t.h5").read_bytes()
        (tmp / "t.h5").write_bytes(data[: len(data) // 3])
        return tmp / "t.h5"

    def l3_missing_v(tmp, _d):
        write_l3(tmp / "GW1AM2_20171002_01D_PNMA_L3SGT36HA2220220.h5", drop="V")
        return tmp / "GW1AM2_20171002_01D_PNMA_L3SGT36HA2220220.h5"

    def l3_unknown_grid(tmp, _d):
        write_l3(tmp / "g.h5", shape=(10, 10))
        return tmp / "g.h5"

    def l3_no_frequency(tmp, _d):
        with h5py.File(tmp / "nf.h5", "w") as f:
            for pol in "HV":
                _tb_dataset(f, f"Brightness Temperature ({pol})", _counts((448, 304)))
        return tmp / "nf.h5"

    def l3_no_scale(tmp, _d):
        with h5py.File(tmp / "GW1AM2_L3SGT36.h5", "w") as f:
            for pol in "HV":
                f[f"Brightness Temperature ({pol})"] = _counts((448, 304))
        return tmp / "GW1AM2_L3SGT36.h5"

    def l1r_missing_lon(tmp, _d):
        write_l1r(tmp / "l1r.h5", drop="lon")
        return tmp / "l1r.h5"

    def npz_wrong_shape(tmp, _d):
        np.savez(tmp / "s.npz", data=np.zeros((10, 4), np.float32))
        return tmp / "s.npz"

    def npz_all_fill(tmp, _d):
        np.savez(tmp / "s.npz", data=np.full((10, 3), -1e10, np.float32))
        return tmp / "s.npz"

    def nsidc_missing_lats(tmp, d):
        return _nsidc_copy(tmp, d, "lats")

    def nsidc_missing_lons(tmp, d):
        return _nsidc_copy(tmp, d, "lons")

    return {
        "empty": (empty, "empty"),
        "random bytes": (random_bytes, "not a supported format"),
        "truncated hdf5": (truncated_h5, "not a supported format|cannot read"),
        "L3 missing V": (l3_missing_v, "missing dataset 'Brightness Temperature \\(V\\)'"),
        "L3 unknown grid": (l3_unknown_grid, "not a known JAXA L3 grid"),
        "L3 no frequency": (l3_no_frequency, "L3 frequency"),
        "L3 no scale factor": (l3_no_scale, "SCALE FACTOR"),
        "L1R missing longitude": (l1r_missing_lon, "Longitude of Observation Point"),
        "npz wrong shape": (npz_wrong_shape, "not a supported format"),
        "npz all fill": (npz_all_fill, "fill"),
        "NSIDC missing lats": (nsidc_missing_lats, "psn25lats_v3.dat"),
        "NSIDC missing lons": (nsidc_missing_lons, "psn25lons_v3.dat"),
    }


BAD = _bad_cases()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input(case, tmp_path, data_dir):
    make, msg = BAD[case]
    path = make(tmp_path, data_dir)
    with pytest.raises(SeaIceError, match=msg) as e:
        open_dataset(path)
    text = str(e.value)
    assert "\n" not in text and path.name in text


def test_nsidc_netcdf_round_trip_keeps_crs(data_dir, tmp_path):
    from seaice_jax.io.writers import write_netcdf

    ds = open_dataset(data_dir / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin")
    write_netcdf(ds, tmp_path / "nt.nc")
    import xarray as xr

    with xr.open_dataset(tmp_path / "nt.nc", decode_coords="all") as back:
        assert back.rio.crs.to_epsg() == 3411
        np.testing.assert_array_equal(back.sic.values, ds.sic.values)


@pytest.mark.parametrize("case", ["NSIDC missing lats", "L3 missing V", "random bytes"])
def test_cli_info_bad_input(case, tmp_path, data_dir, cli):
    make, _ = BAD[case]
    path = make(tmp_path, data_dir)
    rc, out, err = cli("info", path, "--json")
    assert rc != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("seaice-jax: error:") and path.name in err


def test_cli_info_json(data_dir, cli, tmp_path):
    import json

    rc, out, _ = cli(
        "info", data_dir / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin", "--json"
    )
    d = json.loads(out)
    assert rc == 0 and d["format"] == "nsidc0051_binary" and d["crs"] == "EPSG:3411"
    assert d["variables"]["sic"]["units"] == "%"
    p = tmp_path / "GW1AM2_20171002_01D_PNMA_L3SGT89HA2220220.h5"
    write_l3(p, freq="89")
    d = json.loads(cli("info", p, "--json")[1])
    assert d["crs"] == "EPSG:3411" and d["variables"]["tb_89_0h"]["units"] == "K"


def test_nsidc0051_south_layout(tmp_path):
    # Southern hemisphere: 316 x 332 on EPSG:3412 with pss25 lat/lon files (int32, deg x 1e5).
    from seaice_jax.geo import Grid

    g = Grid("EPSG:3412", -3_950_000.0, 4_350_000.0, 25_000.0, 316, 332)
    lon, lat = g.lonlat()
    (np.round(lat * 1e5).astype("<i4")).tofile(tmp_path / "pss25lats_v3.dat")
    (np.round(lon * 1e5).astype("<i4")).tofile(tmp_path / "pss25lons_v3.dat")
    raw = RNG.integers(0, 256, g.shape).astype(np.uint8)
    prefix = b"00255\x00  316\x00  332\x00"
    header = prefix + b" " * (300 - len(prefix))
    (tmp_path / "nt_20171002_f17_v1.1_s.bin").write_bytes(header + raw.tobytes())
    ds = open_dataset(tmp_path / "nt_20171002_f17_v1.1_s.bin")
    assert ds.rio.crs.to_epsg() == 3412 and ds.attrs["hemisphere"] == "south"
    np.testing.assert_array_equal(np.isnan(ds.sic.values), raw > 250)
    np.testing.assert_allclose(ds.sic.values[raw <= 250], raw[raw <= 250] / 2.5, rtol=1e-6)
    np.testing.assert_array_equal(ds.land_mask.values == 1, (raw == 253) | (raw == 254))
    np.testing.assert_allclose(ds.lat.values, lat, atol=1e-5)
