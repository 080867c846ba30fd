"""Small products in the published layouts, with known geometry and values, for the prepare and
predict tests: Sentinel-1 GRD ``.SAFE``, RCM folder, AMSR2 L1R swath, NSIDC-0051 NT grid, CIS
SIGRID-3 chart. Geometry comes from :class:`geoloc_doubles.AffineGeolocation` (image -> EPSG:3413
in closed form); the tie points written are its longitudes and latitudes, so a reader plus the
tie-point geolocation must give the same map positions back.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import h5py
import numpy as np
import rasterio
import shapely
from geoloc_doubles import TO_LONLAT, AffineGeolocation
from rasterio.control import GroundControlPoint

from seaice_jax.geo.grids import named_grid
from seaice_jax.io.charts import write_chart

A_SIGMA = 500.0  # sigmaNought calibration constant (DN per unit amplitude)
NOISE_DN2 = 2000.0  # thermal noise in DN^2, declared in the noise LUT


def field_db(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A smooth HH backscatter field (dB) on map coordinates: -22 dB water .. -12 dB ice."""
    return -17.0 + 5.0 * np.sin(x / 2500.0) * np.cos(y / 3500.0)


def _dn(sigma0: np.ndarray, rng) -> np.ndarray:
    return np.clip(np.round(np.sqrt(sigma0 * A_SIGMA**2 + NOISE_DN2) + rng.normal(0, 0.3, sigma0.shape)), 1, 65535).astype(np.uint16)  # fmt: skip


def _tie_lattice(geo: AffineGeolocation, n: int = 6, m: int = 7):
    lines = np.linspace(0, geo.shape[0] - 1, n).round()
    pixels = np.linspace(0, geo.shape[1] - 1, m).round()
    ll, pp = np.meshgrid(lines, pixels, indexing="ij")
    lon, lat = geo.lonlat(ll, pp)
    return ll, pp, lon, lat


def _tif(path: Path, dn: np.ndarray, geo: AffineGeolocation) -> None:
    """uint16 DN with lon/lat GCPs (EPSG:4326), as the S1 and RCM measurement files carry."""
    ll, pp, lon, lat = _tie_lattice(geo, 3, 3)
    gcps = [GroundControlPoint(row=a, col=b, x=lo, y=la)
            for a, b, lo, la in zip(ll.ravel(), pp.ravel(), lon.ravel(), lat.ravel(), strict=True)]  # fmt: skip
    prof = dict(driver="GTiff", width=dn.shape[1], height=dn.shape[0], count=1, dtype="uint16",
                gcps=gcps, crs="EPSG:4326")  # fmt: skip
    with rasterio.open(path, "w", **prof) as dst:
        dst.write(dn, 1)


def _images(geo: AffineGeolocation, rng) -> dict[str, np.ndarray]:
    rr, cc = np.meshgrid(np.arange(geo.shape[0]), np.arange(geo.shape[1]), indexing="ij")
    hh = 10 ** (field_db(*geo.map_xy(rr, cc)) / 10)
    return {"hh": hh, "hv": hh * 10 ** (-0.9) * (1 + 0.2 * np.cos(cc / 7.0))}


def write_safe(
    root: Path, geo: AffineGeolocation, start: dt.datetime, seed: int = 0, images=None
) -> Path:
    """A dual-pol EW GRD ``.SAFE`` named as ESA names it (sigma0 ``images``, linear power per
    polarisation, default :func:`field_db` on the map); returns its folder."""
    rng = np.random.default_rng(seed)
    stop = start + dt.timedelta(seconds=8)
    s, e = (t.strftime("%Y%m%dT%H%M%S") for t in (start, stop))
    uid = f"{seed % 65536:04X}"
    safe = root / f"S1A_EW_GRDM_1SDH_{s}_{e}_039555_2FB7F6_{uid}.SAFE"
    for sub in ("annotation/calibration", "measurement"):
        (safe / sub).mkdir(parents=True, exist_ok=True)
    iso = [t.strftime("%Y-%m-%dT%H:%M:%S.%f") for t in (start, stop)]
    (safe / "manifest.safe").write_text(
        '<?xml version="1.0"?><xfdu:XFDU xmlns:xfdu="urn:ccsds:schema:xfdu:1" '
        'xmlns:safe="http://www.esa.int/safe/sentinel-1.0" xmlns:s1sarl1="s1"><metadataSection>'
        f"<safe:acquisitionPeriod><safe:startTime>{iso[0]}</safe:startTime><safe:stopTime>{iso[1]}"
        "</safe:stopTime></safe:acquisitionPeriod><s1sarl1:transmitterReceiverPolarisation>HH"
        "</s1sarl1:transmitterReceiverPolarisation><s1sarl1:transmitterReceiverPolarisation>HV"
        "</s1sarl1:transmitterReceiverPolarisation><s1sarl1:productType>GRD</s1sarl1:productType>"
        "</metadataSection></xfdu:XFDU>"
    )
    ll, pp, lon, lat = _tie_lattice(geo)
    inc = geo.incidence_at(ll, pp)
    h, w = geo.shape
    px = " ".join(str(int(p)) for p in np.linspace(0, w - 1, 9))
    lines = np.linspace(0, h - 1, 4).round().astype(int)
    for n, (pol, img) in enumerate((images or _images(geo, rng)).items(), 1):
        name = f"s1a-ew-grd-{pol}-{s.lower()}-{e.lower()}-039555-2fb7f6-00{n}"
        geo_xml = "".join(
            f"<geolocationGridPoint><line>{int(a)}</line><pixel>{int(b)}</pixel><latitude>{la:.10f}"
            f"</latitude><longitude>{lo:.10f}</longitude><height>0</height><incidenceAngle>{i:.6f}"
            "</incidenceAngle></geolocationGridPoint>"
            for a, b, la, lo, i in zip(ll.ravel(), pp.ravel(), lat.ravel(), lon.ravel(), inc.ravel(), strict=True)
        )  # fmt: skip
        (safe / "annotation" / f"{name}.xml").write_text(
            f'<?xml version="1.0"?><product><adsHeader><missionId>S1A</missionId><productType>GRD'
            f"</productType><polarisation>{pol.upper()}</polarisation><mode>EW</mode><swath>EW"
            f"</swath><startTime>{iso[0]}</startTime><stopTime>{iso[1]}</stopTime></adsHeader>"
            f"<imageAnnotation><imageInformation><numberOfSamples>{w}</numberOfSamples><numberOfLines>"
            f"{h}</numberOfLines></imageInformation></imageAnnotation><geolocationGrid>"
            f"<geolocationGridPointList>{geo_xml}</geolocationGridPointList></geolocationGrid></product>"
        )  # fmt: skip
        cal = "".join(f"<calibrationVector><line>{ln}</line><pixel>{px}</pixel><sigmaNought>"
                      f"{' '.join([str(A_SIGMA)] * 9)}</sigmaNought></calibrationVector>" for ln in lines)  # fmt: skip
        (safe / "annotation/calibration" / f"calibration-{name}.xml").write_text(
            f"<calibration><calibrationVectorList>{cal}</calibrationVectorList></calibration>"
        )
        noise = "".join(f"<noiseRangeVector><line>{ln}</line><pixel>{px}</pixel><noiseRangeLut>"
                        f"{' '.join([str(NOISE_DN2)] * 9)}</noiseRangeLut></noiseRangeVector>" for ln in lines)  # fmt: skip
        (safe / "annotation/calibration" / f"noise-{name}.xml").write_text(
            f"<noise><noiseRangeVectorList>{noise}</noiseRangeVectorList></noise>"
        )
        _tif(safe / "measurement" / f"{name}.tiff", _dn(img, rng), geo)
    return safe


def zip_safe(safe: Path) -> Path:
    """The ``.SAFE.zip`` of a SAFE folder, as downloaded (the folder inside the zip)."""
    out = shutil.make_archive(str(safe.parent / safe.name), "zip", safe.parent, safe.name)
    return Path(out)


def write_rcm(root: Path, geo: AffineGeolocation, start: dt.datetime, seed: int = 0) -> Path:
    """An RCM SC50 HH+HV GRD product folder; returns it."""
    rng = np.random.default_rng(seed)
    name = f"RCM1_OK1234567_PK{1234568 + seed}_1_SC50MB_{start:%Y%m%d_%H%M%S}_HH_HV_GRD"
    prod = root / name
    (prod / "metadata" / "calibration").mkdir(parents=True)
    (prod / "imagery").mkdir()
    (prod / "manifest.safe").write_text('<?xml version="1.0"?><XFDU/>')
    h, w = geo.shape
    gains = " ".join([str(A_SIGMA**2)] * 9)
    noise_db = 10 * np.log10(NOISE_DN2 / A_SIGMA**2)
    for pol, img in _images(geo, rng).items():
        pol = pol.upper()
        _tif(prod / "imagery" / f"{name}_{pol}.tif", _dn(img, rng), geo)
        (prod / "metadata/calibration" / f"lutSigma_{pol}.xml").write_text(
            f"<lut><offset>0</offset><pixelFirstLutValue>0</pixelFirstLutValue><stepSize>"
            f"{(w - 1) / 8}</stepSize><gains>{gains}</gains></lut>"
        )
        (prod / "metadata/calibration" / f"noiseLevels_{pol}.xml").write_text(
            "<noiseLevels><referenceNoiseLevel><sarCalibrationType>Sigma Nought</sarCalibrationType>"
            f"<pixelFirstNoiseValue>0</pixelFirstNoiseValue><stepSize>{w}</stepSize>"
            f"<noiseLevelValues>{noise_db:.9f} {noise_db:.9f}</noiseLevelValues></referenceNoiseLevel>"
            "</noiseLevels>"
        )
    ll, pp, lon, lat = _tie_lattice(geo)
    ties = "".join(
        f"<imageTiePoint><imageCoordinate><line>{int(a)}</line><pixel>{int(b)}</pixel></imageCoordinate>"
        f"<geodeticCoordinate><latitude>{la:.10f}</latitude><longitude>{lo:.10f}</longitude><height>0</height>"
        "</geodeticCoordinate></imageTiePoint>"
        for a, b, la, lo in zip(ll.ravel(), pp.ravel(), lat.ravel(), lon.ravel(), strict=True)
    )  # fmt: skip
    t0 = start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    t1 = (start + dt.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    (prod / "metadata/product.xml").write_text(
        f"<product><productId>{name}</productId><sourceAttributes><satellite>RCM-1</satellite>"
        f"<rawDataStartTime>{t0}</rawDataStartTime><radarParameters><polarizations>HH HV"
        "</polarizations></radarParameters></sourceAttributes><sceneAttributes><imageAttributes>"
        f"<incAngNearRng>{geo.inc[0]}</incAngNearRng><incAngFarRng>{geo.inc[1]}</incAngFarRng>"
        f"<numLines>{h}</numLines><samplesPerLine>{w}</samplesPerLine></imageAttributes>"
        f"</sceneAttributes><imageGenerationParameters><sarProcessingInformation>"
        f"<zeroDopplerTimeFirstLine>{t0}</zeroDopplerTimeFirstLine><zeroDopplerTimeLastLine>{t1}"
        "</zeroDopplerTimeLastLine></sarProcessingInformation></imageGenerationParameters>"
        f"<imageReferenceAttributes><geographicInformation><geolocationGrid>{ties}</geolocationGrid>"
        "</geographicInformation></imageReferenceAttributes></product>"
    )
    return prod


def write_l1r(root: Path, centre_xy, start: dt.datetime, scans: int = 40) -> Path:
    """An AMSR2 L1R swath of ``scans`` scans (486 89A samples, 5 km apart; scans 10 km apart,
    running north along x = const through ``centre_xy``) with TBs of a smooth ice edge."""
    x = centre_xy[0] + (np.arange(486) - 242.5)[None, :] * 5000.0 + np.zeros((scans, 1))
    y = centre_xy[1] + (np.arange(scans) - scans / 2)[:, None] * 10000.0 + np.zeros((1, 486))
    lon, lat = TO_LONLAT.transform(x, y)
    ice = np.clip(0.5 + (x - centre_xy[0]) / 200_000.0, 0, 1)  # ice to the east
    tb = {"18.7GHz,H": 100 + 140 * ice, "18.7GHz,V": 175 + 75 * ice, "23.8GHz,V": 190 + 60 * ice,
          "36.5GHz,H": 130 + 100 * ice, "36.5GHz,V": 205 + 40 * ice, "89.0GHz,H": 165 + 55 * ice,
          "89.0GHz,V": 215 + 25 * ice}  # fmt: skip
    name = f"GW1AM2_{start:%Y%m%d%H%M}_181D_L1SGRTBR_2220220.h5"
    t0 = (start - dt.datetime(1993, 1, 1, tzinfo=dt.UTC)).total_seconds() + 10  # TAI93: 10 leaps
    with h5py.File(root / name, "w") as f:
        for k, v in tb.items():
            d = f.create_dataset(f"Brightness Temperature (res23,{k})", data=np.round(v[:, ::2] * 100).astype(np.uint16))  # fmt: skip
            d.attrs["SCALE FACTOR"] = np.float32(0.01)
        for p in "HV":
            d = f.create_dataset(f"Brightness Temperature (original,89GHz-A,{p})", data=np.round(tb[f"89.0GHz,{p}"] * 100).astype(np.uint16))  # fmt: skip
            d.attrs["SCALE FACTOR"] = np.float32(0.01)
        f.create_dataset("Latitude of Observation Point for 89A", data=lat.astype(np.float32))
        f.create_dataset("Longitude of Observation Point for 89A", data=lon.astype(np.float32))
        f.create_dataset("Scan Time", data=t0 + 1.5 * np.arange(scans))
        f.attrs["OrbitDirection"] = np.array([b"Descending"])
    return root / name


def write_nt(root: Path, day: dt.date, sic_fn) -> Path:
    """An NSIDC-0051 daily binary (north, 25 km) with SIC = ``sic_fn(x, y)`` % on EPSG:3411."""
    g = named_grid("nsidc3411_25km")
    xx, yy = np.meshgrid(g.x, g.y)
    raw = np.round(np.clip(sic_fn(xx, yy), 0, 100) * 2.5).astype(np.uint8)
    path = root / f"nt_{day:%Y%m%d}_f17_v1.1_n.bin"
    path.write_bytes(b"00255\x00  304\x00  448\x00".ljust(300, b"\x00") + raw.tobytes())
    if not (root / "psn25lats_v3.dat").exists():
        lon, lat = g.lonlat()
        (root / "psn25lats_v3.dat").write_bytes(np.round(lat * 1e5).astype("<i4").tobytes())
        (root / "psn25lons_v3.dat").write_bytes(np.round(lon * 1e5).astype("<i4").tobytes())
    return path


def write_cis_chart(root: Path, day: dt.date, x_edge: float, bounds) -> Path:
    """A CIS daily chart on EPSG:3413: open water west of ``x_edge``, 9+/10 ice east of it."""
    left, bottom, right, top = bounds
    polys = [shapely.box(left, bottom, x_edge, top), shapely.box(x_edge, bottom, right, top)]
    attrs = {"CT": ["01", "91"], "POLY_TYPE": ["W", "I"]}
    path = root / f"cis_SGRDREA_{day:%Y%m%d}T1800Z_pl_a.shp"
    write_chart(path, polys, attrs, "EPSG:3413")
    return path
