"""Write a simulated Sentinel-1 EW GRD product as a ``.SAFE`` folder in the published layout.

Layout (ESA "Sentinel-1 Product Specification", S1-RS-MDA-52-7441; the files of real products)::

    S1A_EW_GRDM_1SDH_<start>_<stop>_<orbit>_<datatake>_<uid>.SAFE/
      manifest.safe                                   XFDU: acquisition period, orbit, footprint, files + MD5
      annotation/s1a-ew-grd-hh-<...>-001.xml          image information, geolocation grid
      annotation/calibration/calibration-s1a-ew-grd-hh-<...>-001.xml   sigmaNought/betaNought/gamma/dn
      annotation/calibration/noise-s1a-ew-grd-hh-<...>-001.xml         noiseRange + noiseAzimuth vectors
      measurement/s1a-ew-grd-hh-<...>-001.tiff        uint16 DN, GCPs (EPSG:4326)

The image is written in strips of lines (rasterio windows), so a full-size EW scene (about
10,000 x 10,000 pixels) needs memory for one strip only. The folder appears under its final name
only when complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import rasterio
from rasterio.crs import CRS as RioCRS
from rasterio.windows import Window

from seaice_jax.atomic import atomic_dir
from seaice_jax.io import naming
from seaice_jax.sim.products import sarimage
from seaice_jax.sim.products.manifest import write_manifest
from seaice_jax.sim.products.swath import SPEED_OF_LIGHT, SarAcquisition, gcps
from seaice_jax.sim.products.xmlout import array, el, write

RADAR_FREQUENCY = 5.405000454334350e09


def _header(parent, kind: str, acq: SarAcquisition, ids: dict, pol: str, image: int) -> None:
    h = el(parent, "adsHeader")
    for tag, val in (("missionId", ids["mission"]), ("productType", "GRD"),
                     ("polarisation", pol.upper()), ("mode", "EW"), ("swath", "EW"),
                     ("startTime", naming.iso(acq.start)), ("stopTime", naming.iso(acq.stop)),
                     ("absoluteOrbitNumber", str(ids["orbit"])),
                     ("missionDataTakeId", str(ids["datatake"])), ("imageNumber", f"{image:03d}")):  # fmt: skip
        el(h, tag, val)


def _t(acq: SarAcquisition, rows) -> list[str]:
    secs = np.atleast_1d(acq.line_seconds(rows))
    return [naming.iso(acq.start + dt.timedelta(seconds=float(s))) for s in secs]


def annotation(acq: SarAcquisition, ids: dict, pol: str, image: int) -> ET.Element:
    """The product annotation: header, product and image information, geolocation grid."""
    root = el(None, "product")
    _header(root, "product", acq, ids, pol, image)
    q = el(root, "qualityInformation")
    el(q, "productQualityIndex", 0.0)
    ga = el(root, "generalAnnotation")
    pi = el(ga, "productInformation")
    el(pi, "pass", acq.pass_direction())
    el(pi, "timelinessCategory", "Fast-24h")
    el(pi, "platformHeading", acq.heading())
    el(pi, "projection", "Ground Range")
    el(pi, "rangeSamplingRate", 2.502314816e7)
    el(pi, "radarFrequency", RADAR_FREQUENCY)
    el(pi, "azimuthSteeringRate", 2.390895448)
    ia = el(root, "imageAnnotation")
    ii = el(ia, "imageInformation")
    near_inc = acq.incidence(acq.range0)
    for tag, val in (("productFirstLineUtcTime", naming.iso(acq.start)),
                     ("productLastLineUtcTime", naming.iso(acq.stop)),
                     ("anchorTime", naming.iso(acq.start)), ("productComposition", "Slice"),
                     ("sliceNumber", "1")):  # fmt: skip
        el(ii, tag, val)
    sl = el(el(ii, "sliceList", count=1), "slice")
    el(sl, "sliceNumber", "1")
    el(sl, "sensingStartTime", naming.iso(acq.start))
    el(sl, "sensingStopTime", naming.iso(acq.stop))
    el(ii, "slantRangeTime", 2 * float(acq.slant_range(near_inc)) / SPEED_OF_LIGHT)
    el(ii, "pixelValue", "Detected")
    el(ii, "outputPixels", "16 bit Unsigned Integer")
    el(ii, "rangePixelSpacing", f"{acq.spacing_m:.6e}")
    el(ii, "azimuthPixelSpacing", f"{acq.spacing_m:.6e}")
    el(ii, "azimuthTimeInterval", acq.line_time_s)
    el(ii, "azimuthFrequency", 1.0 / acq.line_time_s)
    el(ii, "numberOfSamples", str(acq.samples))
    el(ii, "numberOfLines", str(acq.lines))
    el(ii, "zeroDopMinusAcqTime", 0.0)
    mid = acq.frame(0, (acq.samples - 1) / 2)[1]
    el(ii, "incidenceAngleMidSwath", float(acq.incidence(mid)))
    proc = el(ia, "processingInformation")
    for tag, val in (("srgrConversionApplied", "true"), ("detectionPerformed", "true"),
                     ("thermalNoiseCorrectionPerformed", "false"), ("ellipsoidName", "WGS84"),
                     ("ellipsoidSemiMajorAxis", "6.378137000000000e+06"),
                     ("ellipsoidSemiMinorAxis", "6.356752314245000e+06")):  # fmt: skip
        el(proc, tag, val)
    _geolocation_grid(root, acq)
    return root


def _geolocation_grid(root: ET.Element, acq: SarAcquisition) -> None:
    lines, pixels = acq.lattice(10, 21)
    rr, cc = np.meshgrid(lines, pixels, indexing="ij")
    lon, lat = acq.lonlat(rr, cc)
    inc = acq.incidence(acq.frame(rr, cc)[1])
    srt = 2 * acq.slant_range(inc) / SPEED_OF_LIGHT
    look = acq.look_angle(inc)
    times = _t(acq, lines)
    lst = el(el(root, "geolocationGrid"), "geolocationGridPointList", count=rr.size)
    for i, j in np.ndindex(rr.shape):
        p = el(lst, "geolocationGridPoint")
        el(p, "azimuthTime", times[i])
        el(p, "slantRangeTime", srt[i, j])
        el(p, "line", str(int(rr[i, j])))
        el(p, "pixel", str(int(cc[i, j])))
        el(p, "latitude", lat[i, j])
        el(p, "longitude", lon[i, j])
        el(p, "height", 0.0)
        el(p, "incidenceAngle", inc[i, j])
        el(p, "elevationAngle", look[i, j])


def calibration_xml(acq, ids, pol, image, cal: dict[str, sarimage.Vectors]) -> ET.Element:
    root = el(None, "calibration")
    _header(root, "calibration", acq, ids, pol, image)
    el(el(root, "calibrationInformation"), "absoluteCalibrationConstant", "1.000000e+00")
    s = cal["sigmaNought"]
    lst = el(root, "calibrationVectorList", count=len(s.lines))
    for k, line in enumerate(s.lines):
        v = el(lst, "calibrationVector")
        el(v, "azimuthTime", _t(acq, line)[0])
        el(v, "line", str(int(line)))
        array(v, "pixel", s.pixels, ints=True)
        for name in ("sigmaNought", "betaNought", "gamma", "dn"):
            array(v, name, cal[name].values[k])
    return root


def noise_xml(acq, ids, pol, image, rvec: sarimage.Vectors, blocks) -> ET.Element:
    root = el(None, "noise")
    _header(root, "noise", acq, ids, pol, image)
    lst = el(root, "noiseRangeVectorList", count=len(rvec.lines))
    for k, line in enumerate(rvec.lines):
        v = el(lst, "noiseRangeVector")
        el(v, "azimuthTime", _t(acq, line)[0])
        el(v, "line", str(int(line)))
        array(v, "pixel", rvec.pixels, ints=True)
        array(v, "noiseRangeLut", rvec.values[k])
    lst = el(root, "noiseAzimuthVectorList", count=len(blocks))
    for b in blocks:
        v = el(lst, "noiseAzimuthVector")
        for tag, val in (("swath", b.swath), ("firstAzimuthLine", b.l0), ("firstRangeSample", b.c0),
                         ("lastAzimuthLine", b.l1), ("lastRangeSample", b.c1)):  # fmt: skip
            el(v, tag, str(val))
        array(v, "line", b.lines, ints=True)
        array(v, "noiseAzimuthLut", b.lut)
    return root


def write_measurement(path: Path, acq, pol: str, sigma0: sarimage.Sigma0Fn, a_sigma, rvec, blocks,
                      strip: int) -> int:  # fmt: skip
    """Write the DN GeoTIFF strip by strip; returns the number of saturated pixels."""
    profile = dict(driver="GTiff", width=acq.samples, height=acq.lines, count=1, dtype="uint16",
                   tiled=False, blockysize=min(strip, acq.lines), interleave="band")  # fmt: skip
    cols = np.arange(acq.samples, dtype=float)
    saturated = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.gcps = (gcps(acq), RioCRS.from_epsg(4326))
            dst.update_tags(TIFFTAG_IMAGEDESCRIPTION=f"{acq.sensor.upper()} EW GRD {pol.upper()}",
                            TIFFTAG_SOFTWARE="seaice-jax simulator",
                            TIFFTAG_DATETIME=f"{acq.start:%Y:%m:%d %H:%M:%S}")  # fmt: skip
            for r0 in range(0, acq.lines, strip):
                rows = np.arange(r0, min(r0 + strip, acq.lines), dtype=float)
                s = sigma0(pol, slice(r0, r0 + len(rows)))
                a = a_sigma.interp(rows, cols)
                eta = sarimage.declared_noise(rvec, blocks, rows, cols)
                dn, sat = sarimage.encode_dn(s, a, eta)
                saturated += sat
                dst.write(dn, 1, window=Window(0, r0, acq.samples, len(rows)))
    return saturated


def product_ids(acq: SarAcquisition, rng: np.random.Generator) -> dict:
    """Mission, absolute orbit (from the acquisition time: 175 orbits per 12-day repeat cycle,
    counted from S1A's first orbit), data-take id and the 4-hex product unique id."""
    t0 = dt.datetime(2014, 4, 3, tzinfo=dt.UTC)
    orbit = 1 + int((acq.start - t0).total_seconds() // (12 * 86400 / 175))
    return {"mission": "S1A", "orbit": orbit, "datatake": int(rng.integers(0x10000, 0xFFFFFF))}


def write_safe(out_dir: Path, acq: SarAcquisition, sigma0: sarimage.Sigma0Fn, sensor, noise_params: dict,
               rng: np.random.Generator, *, strip: int = 512) -> tuple[Path, dict]:  # fmt: skip
    """Write one EW GRD (HH and HV) into ``out_dir``; returns its path and a summary.

    Args:
      out_dir: folder that receives the ``.SAFE``.
      acq: the image geometry.
      sigma0: ``(pol, rows) -> (h, samples)`` linear sigma0 (NaN outside the swath).
      sensor: the ``sim.sar.Sensor`` (noise model).
      noise_params: ``sim.sar.noise_params`` of the acquisition.
      rng: for the product identifiers.
    """
    ids = product_ids(acq, rng)
    uid = hashlib.sha1(f"{acq.start.isoformat()}{ids['datatake']}".encode()).hexdigest()[:4]
    name = naming.s1_safe_name(ids["mission"], "EW", acq.start, acq.stop, ids["orbit"],
                               ids["datatake"], uid)  # fmt: skip
    px_step = max(1, round(1600.0 / acq.spacing_m))  # real EW GRDM: every 40 px of 40 m
    cal = sarimage.calibration(acq, px_step)
    rvec, blocks = sarimage.noise(acq, sensor, noise_params, cal["sigmaNought"], px_step,
                                  max(1, round(2000.0 / acq.spacing_m)))  # fmt: skip
    summary = {"saturated": {}}
    with atomic_dir(out_dir / name) as tmp:
        for image, pol in enumerate(("hh", "hv"), 1):
            stem = naming.s1_file_stem(ids["mission"], "EW", pol, acq.start, acq.stop,
                                       ids["orbit"], ids["datatake"], image)  # fmt: skip
            write(annotation(acq, ids, pol, image), tmp / "annotation" / f"{stem}.xml")
            write(calibration_xml(acq, ids, pol, image, cal),
                  tmp / "annotation" / "calibration" / f"calibration-{stem}.xml")  # fmt: skip
            write(noise_xml(acq, ids, pol, image, rvec, blocks),
                  tmp / "annotation" / "calibration" / f"noise-{stem}.xml")  # fmt: skip
            tiff = tmp / "measurement" / f"{stem}.tiff"
            tiff.parent.mkdir(parents=True, exist_ok=True)
            summary["saturated"][pol] = write_measurement(
                tiff, acq, pol, sigma0, cal["sigmaNought"], rvec, blocks, strip
            )
        write_manifest(tmp, acq.start, acq.stop, acq.pass_direction(), acq.corners_latlon(), ids)
    return out_dir / name, summary
