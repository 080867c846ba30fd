"""ENVI reader: the real GLIA Sentinel-1 EW sample and synthetic headers of every layout."""

from __future__ import annotations

import numpy as np
import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset
from seaice_jax.io.envi import parse_header

GLIA = "glia_s1_ew_belgica"


def _feature_dir(data_dir):
    return next((data_dir / GLIA / "features").iterdir())


def test_glia_features_folder_values(data_dir):
    ds = open_dataset(_feature_dir(data_dir))
    assert set(ds.data_vars) == {"hh", "hv", "incidence_angle", "land_mask", "valid"}
    assert ds.hh.dims == ("y", "x") and ds.hh.shape == (714, 700)
    assert ds.rio.crs is None and "x" not in ds.coords  # ENVI without map info
    assert ds.hh.attrs["units"] == "dB" and ds.incidence_angle.attrs["units"] == "degree"
    valid = ds.valid.values == 1
    hh, hv = ds.hh.values, ds.hv.values
    # Measured over valid pixels: HH -12.41 dB, HV -24.58 dB (NaN outside valid).
    assert -12.6 < hh[valid].mean() < -12.2
    assert -24.8 < hv[valid].mean() < -24.4
    assert np.isnan(hh[~valid]).all() and np.isfinite(hh[valid]).all()
    ia = ds.incidence_angle.values
    assert 18.8 < ia.min() < 19.0 and 46.4 < ia.max() < 46.6  # README: 18.9-46.5 deg
    # Range direction: incidence grows along x on every line.
    assert (np.diff(ia[:, ::50], axis=1) > 0).all()
    # land_mask is the complement of GLIA's water mask: 14.6 % land, 88 % of it invalid.
    land = ds.land_mask.values == 1
    assert 0.14 < land.mean() < 0.15 and (valid[land]).mean() < 0.15


def test_glia_raw_means_match_published_figures(data_dir):
    """The README's -12 / -23.5 dB are the means over every non-zero pixel of the raw files."""
    from seaice_jax.io.envi import open_file

    f = _feature_dir(data_dir)
    hh = open_file(f / "Sigma0_HH_db.img").hh.values
    hv = open_file(f / "Sigma0_HV_db.hdr").hv.values
    assert abs(hh[hh != 0].mean() - (-12.0)) < 0.1
    assert abs(hv[hv != 0].mean() - (-23.5)) < 0.1


def test_glia_results_folder(data_dir):
    ds = open_dataset(data_dir / GLIA / "results")
    assert set(ds.data_vars) == {"labels", "apost_uncertainty", "mahal_uncertainty"}
    labels = ds.labels.values
    assert set(np.unique(labels)) == {0, 1, 2, 3, 4}  # 4 classes, 0 = invalid
    mahal = ds.mahal_uncertainty.values
    assert np.nanmin(mahal) == 6 and np.nanmax(mahal) == 12  # GLIA discrete thresholds 6..12
    assert np.isnan(mahal[labels == 0]).all()


def _write_envi(tmp_path, arr, interleave="bsq", byteorder=0, extra="", name="scene"):
    """Write a (bands, lines, samples) float32 cube as ENVI with the given layout."""
    nb, nl, ns = arr.shape
    order = {"bsq": (0, 1, 2), "bil": (1, 0, 2), "bip": (1, 2, 0)}[interleave]
    dt = np.dtype(">f4" if byteorder else "<f4")
    (tmp_path / f"{name}.img").write_bytes(
        np.ascontiguousarray(arr.transpose(order)).astype(dt).tobytes()
    )
    (tmp_path / f"{name}.hdr").write_text(
        f"ENVI\ndescription = {{test\n scene}}\nsamples = {ns}\nlines = {nl}\nbands = {nb}\n"
        f"header offset = 0\nfile type = ENVI Standard\ndata type = 4\n"
        f"interleave = {interleave}\nbyte order = {byteorder}\n{extra}"
    )
    return tmp_path / f"{name}.img"


@pytest.mark.parametrize("interleave", ["bsq", "bil", "bip"])
@pytest.mark.parametrize("byteorder", [0, 1])
def test_interleave_and_byte_order(tmp_path, interleave, byteorder):
    rng = np.random.default_rng(0)
    cube = rng.normal(size=(3, 5, 7)).astype(np.float32)
    img = _write_envi(
        tmp_path, cube, interleave, byteorder, "band names = {Sigma0_HH_db, b2,\n b3}\n"
    )
    ds = open_dataset(img)
    assert list(ds.data_vars) == ["hh", "b2", "b3"]
    for i, name in enumerate(ds.data_vars):
        np.testing.assert_array_equal(ds[name].values, cube[i])


def test_map_info_gives_crs_and_pixel_centres(tmp_path):
    cube = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    extra = (
        "map info = {UTM, 1.000, 1.000, 500000.0, 7000000.0, 30.0, 30.0, 33, North, WGS-84, "
        "units=Meters}\ndata ignore value = 5\n"
    )
    ds = open_dataset(_write_envi(tmp_path, cube, extra=extra))
    assert ds.rio.crs.to_epsg() == 32633
    np.testing.assert_allclose(ds.x.values, 500000 + 30 * (np.arange(4) + 0.5))
    np.testing.assert_allclose(ds.y.values, 7000000 - 30 * (np.arange(3) + 0.5))
    assert np.isnan(ds.scene.values[1, 1]) and ds.scene.values[0, 1] == 1


def test_coordinate_system_string_wins(tmp_path):
    from pyproj import CRS

    wkt = CRS.from_epsg(3413).to_wkt()
    extra = f"map info = {{Polar Stereographic, 1, 1, -100, 200, 50, 50}}\ncoordinate system string = {{{wkt}}}\n"
    ds = open_dataset(_write_envi(tmp_path, np.zeros((1, 2, 2), np.float32), extra=extra))
    assert ds.rio.crs.to_epsg() == 3413
    assert ds.x.values[0] == -75 and ds.y.values[0] == 175


def test_header_parse_multiline_and_case(tmp_path):
    h = tmp_path / "a.hdr"
    h.write_text("ENVI\nSamples = 3\nband names = {\n a,\n b }\n")
    assert parse_header(h) == {"samples": "3", "band names": "a, b"}


def test_window_read_is_lazy(data_dir):
    ds = open_dataset(_feature_dir(data_dir))
    win = ds.hh.isel(y=slice(700, 705), x=slice(300, 310))
    assert win.shape == (5, 10) and np.isfinite(win.values).all()


@pytest.mark.parametrize(
    "case, match",
    [
        ("no_hdr", "missing ENVI header"),
        ("truncated", "truncated"),
        ("bad_type", "unsupported ENVI data type"),
        ("no_samples", "required key 'samples'"),
        ("no_img", "without its image"),
    ],
)
def test_bad_envi(tmp_path, case, match):
    img = _write_envi(tmp_path, np.zeros((1, 4, 4), np.float32))
    hdr = img.with_suffix(".hdr")
    target = img
    if case == "no_hdr":
        hdr.unlink()
    elif case == "truncated":
        img.write_bytes(img.read_bytes()[:10])
    elif case == "bad_type":
        hdr.write_text(hdr.read_text().replace("data type = 4", "data type = 77"))
    elif case == "no_samples":
        hdr.write_text(hdr.read_text().replace("samples = 4\n", ""))
    elif case == "no_img":
        img.unlink()
        target = hdr
    with pytest.raises(SeaIceError, match=match) as e:
        open_dataset(target)
    assert "\n" not in str(e.value) and "scene." in str(e.value)


def test_glia_landmask_alone_has_project_convention(data_dir):
    f = _feature_dir(data_dir)
    alone = open_dataset(f / "landmask.img").land_mask.values
    np.testing.assert_array_equal(alone, open_dataset(f).land_mask.values)
    raw = np.fromfile(f / "landmask.img", dtype=np.uint8).reshape(714, 700)
    np.testing.assert_array_equal(alone, 1 - raw)


def test_lazy_indexing_matches_numpy(data_dir):
    """Reversed, strided, integer and fancy indexing of the lazy bands equal NumPy's."""
    ds = open_dataset(_feature_dir(data_dir))
    full = ds.hh.values
    for sel in [
        (slice(None, None, -1), slice(None, None, -2)),
        (5, slice(10, 20)),
        (slice(3, 9, 2), -1),
        (np.array([1, 5, 3]), slice(0, 4)),
    ]:
        np.testing.assert_array_equal(ds.hh[sel].values, full[sel])
