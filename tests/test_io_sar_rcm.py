"""RCM product folders: a tiny product in the published layout, checked against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.control import GroundControlPoint

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset

H, W = 30, 64
NS = 'xmlns="rcmGsProductSchema"'


def _lut(first, step, vals, tag, first_tag, extra=""):
    return (f'<?xml version="1.0"?><lut {NS}><productId>TEST</productId>{extra}<{first_tag}>{first}'
            f"</{first_tag}><stepSize>{step}</stepSize><numberOfValues>{len(vals)}</numberOfValues>"
            f"<{tag}>{' '.join(f'{v:.9e}' for v in vals)}</{tag}></lut>")  # fmt: skip


def write_tiny_rcm(root, rng, named=True, incidence_file=True):
    """Write a 30 x 64 HH+HV RCM GRD; return the arrays the reference needs."""
    prod = root / "RCM1_OK0000_PK0000_1_SC50MB_20210901_120000_HH_HV_GRD"
    (prod / "metadata" / "calibration").mkdir(parents=True)
    (prod / "imagery").mkdir()
    (prod / "manifest.safe").write_text('<?xml version="1.0"?><XFDU/>')
    truth = {}
    lut_px = np.arange(0, W + 1, 8)  # 0, 8, ..., 64 (beyond the last pixel: allowed)
    refs = ""
    for pol in ("HH", "HV"):
        dn = rng.integers(0, 2000, size=(H, W)).astype(np.uint16)
        dn[:2] = 0
        gains = rng.uniform(1e5, 3e5, size=lut_px.size)
        noise_px = np.arange(W - 1, -1, -21)[::-1]  # 0..63 step 21, written with a negative step
        noise_db = rng.uniform(-28, -20, size=noise_px.size)
        gains, noise_db = (np.array([float(f"{v:.9e}") for v in a]) for a in (gains, noise_db))
        truth[pol] = (dn, gains, noise_px, noise_db)  # as written to the XML (9 digits)
        prof = dict(driver="GTiff", width=W, height=H, count=1, dtype="uint16", crs="EPSG:4326",
                    gcps=[GroundControlPoint(0, 0, -60.0, 75.0, 0.0), GroundControlPoint(H, W, -59.0, 74.0, 0.0)])  # fmt: skip
        with rasterio.open(prod / "imagery" / f"{prod.name}_{pol}.tif", "w", **prof) as dst:
            dst.write(dn, 1)
        lut_name = f"lutSigma_{pol}.xml"  # found through product.xml (named) or by name
        (prod / "metadata/calibration" / lut_name).write_text(
            _lut(0, 8, gains, "gains", "pixelFirstLutValue", "<offset>0.000000e+00</offset>")
        )
        noise_name = f"noiseLevels_{pol}.xml"
        vals = " ".join(f"{v:.9e}" for v in noise_db[::-1])
        (prod / "metadata/calibration" / noise_name).write_text(
            f'<?xml version="1.0"?><noiseLevels {NS}><referenceNoiseLevel><sarCalibrationType>Beta Nought'
            f"</sarCalibrationType><pixelFirstNoiseValue>0</pixelFirstNoiseValue><stepSize>1</stepSize>"
            f"<numberOfValues>1</numberOfValues><noiseLevelValues>-99</noiseLevelValues></referenceNoiseLevel>"
            f"<referenceNoiseLevel><sarCalibrationType>Sigma Nought</sarCalibrationType><pixelFirstNoiseValue>"
            f"{W - 1}</pixelFirstNoiseValue><stepSize>-21</stepSize><numberOfValues>{noise_px.size}"
            f"</numberOfValues><noiseLevelValues>{vals}</noiseLevelValues></referenceNoiseLevel></noiseLevels>"
        )  # fmt: skip
        if named:
            refs += (f'<lookupTableFileName sarCalibrationType="Sigma Nought" pole="{pol}">{lut_name}'
                     f'</lookupTableFileName><noiseLevelFileName pole="{pol}">{noise_name}</noiseLevelFileName>')  # fmt: skip
    ang = np.linspace(19.0, 47.0, 9)
    if incidence_file:
        (prod / "metadata/calibration/incidenceAngles.xml").write_text(
            f'<?xml version="1.0"?><incidenceAngles {NS}><pixelFirstAnglesValue>0</pixelFirstAnglesValue>'
            f"<stepSize>8</stepSize><numberOfValues>9</numberOfValues><angles>{' '.join(map(str, ang))}"
            "</angles></incidenceAngles>"
        )
        refs += "<incidenceAngleFileName>incidenceAngles.xml</incidenceAngleFileName>"
    ipdf = (
        "".join(f'<ipdf pole="{p}">../imagery/{prod.name}_{p}.tif</ipdf>' for p in ("HH", "HV"))
        if named
        else ""
    )
    ties = "".join(
        f"<imageTiePoint><imageCoordinate><line>{ln}</line><pixel>{p}</pixel></imageCoordinate>"
        f"<geodeticCoordinate><latitude>{75 - ln / 30}</latitude><longitude>{-60 + p / 64}</longitude>"
        f"<height>0</height></geodeticCoordinate></imageTiePoint>"
        for ln in (0, 29) for p in (0, 63)
    )  # fmt: skip
    (prod / "metadata/product.xml").write_text(
        f'<?xml version="1.0"?><product {NS}><productId>TEST</productId><sourceAttributes>'
        "<rawDataStartTime>2021-09-01T12:00:00.000000Z</rawDataStartTime><radarParameters>"
        "<polarizations>HH HV</polarizations></radarParameters></sourceAttributes><sceneAttributes>"
        f"<imageAttributes>{ipdf}<incAngNearRng>19.0</incAngNearRng><incAngFarRng>47.0</incAngFarRng>"
        f"</imageAttributes></sceneAttributes><imageReferenceAttributes>{refs}<geographicInformation>"
        f"<geolocationGrid>{ties}</geolocationGrid></geographicInformation></imageReferenceAttributes></product>"
    )
    return prod, truth


@pytest.mark.parametrize("named, incidence_file", [(True, True), (False, False)])
def test_tiny_rcm_matches_numpy(tmp_path, named, incidence_file):
    prod, truth = write_tiny_rcm(tmp_path, np.random.default_rng(4), named, incidence_file)
    for target in (prod, prod / "metadata" / "product.xml"):
        ds = open_dataset(target)
        assert ds.attrs["source_format"] == "rcm" and ds.rio.crs is None
        assert set(ds.data_vars) == {"hh", "hv", "incidence_angle", "valid"}
        cols = np.arange(W, dtype=float)
        for pol in ("HH", "HV"):
            dn, gains, npx, ndb = truth[pol]
            gain = np.interp(cols, np.arange(0, W + 1, 8), gains)
            lin = dn.astype(float) ** 2 / gain - 10 ** (np.interp(cols, npx, ndb) / 10)
            with np.errstate(invalid="ignore", divide="ignore"):
                ref = np.where(lin > 0, 10 * np.log10(lin), np.nan)
            got = ds[pol.lower()].values
            np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
            np.testing.assert_allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], atol=1e-4)
        np.testing.assert_allclose(ds.incidence_angle.values[7], 19 + 28 * cols / 64 if incidence_file
                                   else np.linspace(19, 47, W), atol=1e-4)  # fmt: skip
        assert (ds.valid.values[:2] == 0).all() and ds.gcp_latitude.size == 4


def test_rcm_missing_noise_levels(tmp_path):
    prod, _ = write_tiny_rcm(tmp_path, np.random.default_rng(5))
    (prod / "metadata/calibration/noiseLevels_HV.xml").unlink()
    with pytest.raises(SeaIceError, match="noiseLevels_HV.xml: missing companion file"):
        open_dataset(prod)


def test_rcm_no_sigma_noise_level(tmp_path):
    prod, _ = write_tiny_rcm(tmp_path, np.random.default_rng(6))
    f = prod / "metadata/calibration/noiseLevels_HH.xml"
    f.write_text(f.read_text().replace("Sigma Nought", "Gamma"))
    with pytest.raises(SeaIceError, match="no Sigma Nought referenceNoiseLevel"):
        open_dataset(prod)


def test_lut_without_sampling_tags_is_per_pixel(tmp_path):
    from seaice_jax.io.rcm import read_lut

    f = tmp_path / "lutSigma.xml"
    f.write_text("<lut><offset>2.5</offset><gains>1 2 3 4</gains></lut>")
    pix, gains, offset = read_lut(f)
    np.testing.assert_array_equal(pix, [0, 1, 2, 3])
    np.testing.assert_array_equal(gains, [1, 2, 3, 4])
    assert offset == 2.5
