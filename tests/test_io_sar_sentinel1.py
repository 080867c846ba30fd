"""Sentinel-1 SAFE: the real EW annotation sample, and a tiny GRD SAFE written in the published
layout with known DN, calibration and noise, checked exactly against NumPy/SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import rasterio.errors
from rasterio.control import GroundControlPoint
from scipy.interpolate import RegularGridInterpolator

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset

H, W = 40, 50
NAME = "s1a-ew-grd-{pol}-20220503t082621-20220503t082725-043044-0523d1-00{n}"


def _vec(tag, line, pixels, values, lut_tag):
    px = " ".join(str(int(p)) for p in pixels)
    vals = " ".join(f"{v:.9e}" for v in values)
    return (f"<{tag}><azimuthTime>2022-05-03T08:26:21</azimuthTime><line>{line}</line>"
            f"<pixel count=\"{len(pixels)}\">{px}</pixel><{lut_tag} count=\"{len(pixels)}\">{vals}"
            f"</{lut_tag}></{tag}>")  # fmt: skip


def write_tiny_safe(root, rng, ipf29=True, pols=("hh", "hv")):
    """Write a 40 x 50 GRD SAFE; return {pol: (dn, cal, noise_range, az)} for the reference."""
    safe = root / "S1A_EW_GRDM_1SDH_20220503T082621_20220503T082725_043044_0523D1_TEST.SAFE"
    for sub in ("annotation/calibration", "measurement"):
        (safe / sub).mkdir(parents=True, exist_ok=True)
    (safe / "manifest.safe").write_text(
        '<?xml version="1.0"?><xfdu:XFDU xmlns:xfdu="urn:ccsds:schema:xfdu:1"></xfdu:XFDU>'
    )
    lines, pixels = np.array([0, 13, 26, 39]), np.array([0, 10, 20, 30, 40, 49])
    truth = {}
    for n, pol in enumerate(pols, 1):
        name = NAME.format(pol=pol, n=n)
        dn = rng.integers(0, 600, size=(H, W)).astype(np.uint16)
        dn[:, :3] = 0  # no-data border
        cal = rng.uniform(400, 600, size=(len(lines), len(pixels)))
        nrg = rng.uniform(1e3, 5e4, size=(len(lines), len(pixels)))
        az_lines = np.array([0, 20, 39])
        az = rng.uniform(0.8, 1.2, size=3)
        truth[pol] = (dn, cal, nrg, az_lines, az)
        geo = "".join(
            f"<geolocationGridPoint><line>{ln}</line><pixel>{p}</pixel><latitude>{79 + ln / 100}</latitude>"
            f"<longitude>{-20 + p / 100}</longitude><height>0</height>"
            f"<incidenceAngle>{19 + p * 0.5 + ln * 0.01}</incidenceAngle></geolocationGridPoint>"
            for ln in (0, 20, 39) for p in (0, 25, 49)
        )  # fmt: skip
        (safe / "annotation" / f"{name}.xml").write_text(
            f'<?xml version="1.0"?><product><adsHeader><missionId>S1A</missionId><productType>GRD'
            f"</productType><polarisation>{pol.upper()}</polarisation><mode>EW</mode><swath>EW</swath>"
            "<startTime>2022-05-03T08:26:21</startTime><stopTime>2022-05-03T08:27:25</stopTime>"
            f"</adsHeader><imageAnnotation><imageInformation><numberOfSamples>{W}</numberOfSamples>"
            f"<numberOfLines>{H}</numberOfLines></imageInformation></imageAnnotation><geolocationGrid>"
            f'<geolocationGridPointList count="9">{geo}</geolocationGridPointList></geolocationGrid></product>'
        )
        vecs = "".join(
            _vec("calibrationVector", ln, pixels, cal[i], "sigmaNought")
            for i, ln in enumerate(lines)
        )
        (safe / "annotation/calibration" / f"calibration-{name}.xml").write_text(
            f'<?xml version="1.0"?><calibration><calibrationVectorList count="4">{vecs}'
            "</calibrationVectorList></calibration>"
        )
        if ipf29:
            rv = "".join(
                _vec("noiseRangeVector", ln, pixels, nrg[i], "noiseRangeLut")
                for i, ln in enumerate(lines)
            )
            azs = " ".join(f"{v:.9e}" for v in az)
            noise = (f"<noiseRangeVectorList count=\"4\">{rv}</noiseRangeVectorList><noiseAzimuthVectorList "
                     f"count=\"1\"><noiseAzimuthVector><swath>EW1</swath><firstAzimuthLine>0</firstAzimuthLine>"
                     f"<firstRangeSample>0</firstRangeSample><lastAzimuthLine>{H - 1}</lastAzimuthLine>"
                     f"<lastRangeSample>29</lastRangeSample><line count=\"3\">0 20 39</line>"
                     f"<noiseAzimuthLut count=\"3\">{azs}</noiseAzimuthLut></noiseAzimuthVector>"
                     "</noiseAzimuthVectorList>")  # fmt: skip
        else:
            noise = "<noiseVectorList count=\"4\">" + "".join(
                _vec("noiseVector", ln, pixels, nrg[i], "noiseLut") for i, ln in enumerate(lines)
            ) + "</noiseVectorList>"  # fmt: skip
        (safe / "annotation/calibration" / f"noise-{name}.xml").write_text(
            f'<?xml version="1.0"?><noise>{noise}</noise>'
        )
        gcps = [
            GroundControlPoint(ln, p, -20 + p / 100, 79 + ln / 100, 0.0)
            for ln in (0, 39)
            for p in (0, 49)
        ]
        prof = dict(
            driver="GTiff", width=W, height=H, count=1, dtype="uint16", gcps=gcps, crs="EPSG:4326"
        )
        with rasterio.open(safe / "measurement" / f"{name}.tiff", "w", **prof) as dst:
            dst.write(dn, 1)
    return safe, truth, lines, pixels


def _reference(truth, lines, pixels, ipf29):
    """sigma0 dB by SciPy's RegularGridInterpolator and explicit azimuth blocks."""
    dn, cal, nrg, az_lines, az = truth
    yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    pts = np.stack([yy.ravel(), xx.ravel()], -1)
    a = RegularGridInterpolator((lines, pixels), cal)(pts).reshape(H, W)
    n = RegularGridInterpolator((lines, pixels), nrg)(pts).reshape(H, W)
    if ipf29:
        n[:, :30] *= np.interp(np.arange(H), az_lines, az)[:, None]
    lin = (dn.astype(float) ** 2 - n) / a**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(lin > 0, 10 * np.log10(lin), np.nan)


@pytest.mark.parametrize("ipf29", [True, False])
def test_tiny_grd_sigma0_matches_numpy(tmp_path, ipf29):
    safe, truth, lines, pixels = write_tiny_safe(tmp_path, np.random.default_rng(1), ipf29)
    ds = open_dataset(safe)
    assert ds.attrs["source_format"] == "sentinel1_safe"
    assert ds.hh.dims == ("y", "x") and ds.hh.shape == (H, W) and ds.rio.crs is None
    for pol in ("hh", "hv"):
        ref = _reference(truth[pol], lines, pixels, ipf29)
        got = ds[pol].values
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        np.testing.assert_allclose(got[~np.isnan(ref)], ref[~np.isnan(ref)], atol=1e-4)
        # A window read equals the same window of the full read (lazy, per-window calibration).
        np.testing.assert_allclose(ds[pol][5:17, 20:41].values, got[5:17, 20:41], equal_nan=True)
    assert (ds.valid.values == (truth["hh"][0] > 0)).all()
    # Incidence: bilinear on the geolocation grid, linear in line and pixel here -> exact.
    yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    np.testing.assert_allclose(ds.incidence_angle.values, 19 + xx * 0.5 + yy * 0.01, atol=1e-4)
    assert ds.gcp_latitude.shape == (3, 3) and ds.gcp_latitude.values[2, 0] == pytest.approx(79.39)


def test_real_annotation_geolocation_grid(data_dir):
    safe = next((data_dir / "xarray_sentinel_ew").glob("*.SAFE"))
    for target in (safe, safe / "manifest.safe", next(safe.glob("annotation/*hv*.xml"))):
        ds = open_dataset(target)
        assert ds.latitude.size == 378 and ds.latitude.shape == (18, 21)
        ia = ds.incidence_angle.values
        # First line 19.58 -> 28.56..28.60 deg; whole grid 19.32 -> 28.71 deg (measured).
        assert ia[0, 0] == pytest.approx(19.576, abs=1e-3) and 28.5 < ia[0, -1] < 28.65
        assert 19.3 < ia.min() < 19.4 and 28.7 < ia.max() < 28.75
        assert (np.diff(ia, axis=1) > 0).all()  # incidence grows across the range
        lat = ds.latitude.values
        assert 76.5 < lat.min() and lat.max() < 79.9 and abs(lat[0, 0] - 79.27) < 0.01
        assert ds.attrs["mode"] == "EW" and ds.attrs["swath"] == "EW1"
        assert ds.gcp_line.values[-1] == 19855 and ds.gcp_pixel.values[-1] == 8184


@pytest.mark.parametrize("what", ["calibration", "noise"])
def test_missing_calibration_or_noise(tmp_path, what):
    safe, *_ = write_tiny_safe(tmp_path, np.random.default_rng(2))
    victim = next((safe / "annotation/calibration").glob(f"{what}-*hh*.xml"))
    victim.unlink()
    with pytest.raises(SeaIceError, match="missing companion file") as e:
        open_dataset(safe)
    assert victim.name in str(e.value)


def test_measurement_size_mismatch(tmp_path):
    safe, *_ = write_tiny_safe(tmp_path, np.random.default_rng(3), pols=("hh",))
    tif = next(safe.glob("measurement/*.tiff"))
    prof = dict(driver="GTiff", width=7, height=7, count=1, dtype="uint16")
    with (
        pytest.warns(rasterio.errors.NotGeoreferencedWarning),
        rasterio.open(tif, "w", **prof) as dst,
    ):
        dst.write(np.ones((7, 7), np.uint16), 1)
    with pytest.raises(SeaIceError, match="annotation says"):
        open_dataset(safe)


def test_window_read_touches_only_the_window(tmp_path, monkeypatch):
    """Opening reads no pixels; a window selection reads just that window from the TIFF."""
    import seaice_jax.io.sentinel1 as s1

    safe, *_ = write_tiny_safe(tmp_path, np.random.default_rng(9), pols=("hh",))
    calls = []
    real = s1.read_window
    monkeypatch.setattr(s1, "read_window", lambda p, r, c: calls.append((r, c)) or real(p, r, c))
    ds = open_dataset(safe)
    assert calls == []
    ds.hh.isel(y=slice(10, 14), x=slice(20, 25)).values  # noqa: B018
    assert calls == [(slice(10, 14), slice(20, 25))]
