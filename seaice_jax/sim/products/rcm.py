"""Write a simulated RCM ScanSAR GRD product folder in the published layout.

Layout (CSA "RCM Product Format Definition", RCM-SP-53-0419; the folders users download)::

    RCM1_OK<order>_PK<product>_1_SC50MB_<YYYYMMDD>_<HHMMSS>_HH_HV_GRD/
      manifest.safe
      metadata/product.xml                        source, processing, image reference and scene attributes
      metadata/calibration/lut{Sigma,Beta,Gamma}_{HH,HV}.xml   gains (+ offset), sampled in range
      metadata/calibration/noiseLevels_{HH,HV}.xml             reference noise level (dB) per range pixel
      metadata/calibration/incidenceAngles.xml                 incidence angle per range pixel
      imagery/<scene>_{HH,HV}.tif                 uint16 magnitude, GCPs

``sigma0 = (DN^2 + offset) / gain - 10^(N/10)``, with gain and N linear in pixel between their
samples. As many real RCM GRDs, the image runs from far to near range (``pixelTimeOrdering``
Decreasing) and, on ascending passes, backwards in time (``lineTimeOrdering`` Decreasing); the LUTs
are listed in time order, so their ``stepSize`` is negative then. The declared noise is the
range profile of the sim's noise estimate (the sim's scalloping residual stays in sigma0; the
per-beam azimuth scaling of the format is not written).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import rasterio
from rasterio.crs import CRS as RioCRS
from rasterio.windows import Window

from seaice_jax.atomic import atomic_dir
from seaice_jax.io import naming
from seaice_jax.sim import sar
from seaice_jax.sim.products import sarimage
from seaice_jax.sim.products.manifest import write_file_manifest
from seaice_jax.sim.products.swath import SarAcquisition, gcps
from seaice_jax.sim.products.xmlout import array, el, write

NS = "rcmGsProductSchema"
POLS = ("HH", "HV")


def _z(t: dt.datetime) -> str:
    return naming.iso(t) + "Z"


def _time_order_pixels(acq: SarAcquisition, step: int) -> tuple[int, int, np.ndarray]:
    """First pixel, signed step and the pixels of a regular LUT in time (near-to-far) order.

    The RCM LUTs are regular (``first + k * stepSize``), so the last sample may lie up to one
    step beyond the image; its value is the model's there.
    """
    n = acq.samples
    k = np.arange(int(np.ceil((n - 1) / step)) + 1)
    if acq.flip_pixels:
        return n - 1, -step, n - 1 - step * k
    return 0, step, step * k


def _lut(path: Path, first: int, step: int, values: np.ndarray, tag: str, first_tag: str,
         root_tag: str, extra: dict | None = None) -> None:  # fmt: skip
    root = el(None, root_tag, xmlns=NS)
    el(root, first_tag, str(first))
    el(root, "stepSize", str(step))
    el(root, "numberOfValues", str(len(values)))
    for k, v in (extra or {}).items():
        el(root, k, v)
    array(root, tag, values, digits=8)
    write(root, path)


def _noise_file(path: Path, first: int, step: int, levels_db: np.ndarray) -> None:
    root = el(None, "noiseLevels", xmlns=NS)
    for cal in ("Beta Nought", "Sigma Nought", "Gamma"):
        r = el(root, "referenceNoiseLevel")
        el(r, "sarCalibrationType", cal)
        el(r, "pixelFirstNoiseValue", str(first))
        el(r, "stepSize", str(step))
        el(r, "numberOfValues", str(len(levels_db)))
        array(r, "noiseLevelValues", levels_db, digits=8).set("units", "dB")
    write(root, path)


def product_xml(acq: SarAcquisition, imagery: dict[str, str], ids: dict):
    root = el(None, "product", xmlns=NS)
    el(root, "productId", f"PK{ids['product']}")
    src = el(root, "sourceAttributes")
    for tag, val in (("satellite", "RCM-1"), ("sensor", "SAR"),
                     ("polarizationDataMode", "Dual Co/Cross"),
                     ("beamMode", "Medium Resolution 50m"), ("beamModeMnemonic", "SC50MB"),
                     ("rawDataStartTime", _z(acq.start))):  # fmt: skip
        el(src, tag, val)
    rp = el(src, "radarParameters")
    el(rp, "acquisitionType", "Medium Resolution 50m")
    el(rp, "polarizations", " ".join(POLS))
    el(rp, "antennaPointing", "Right")
    el(rp, "radarCenterFrequency", 5.405e9, units="Hz")
    oi = el(el(src, "orbitAndAttitude"), "orbitInformation")
    el(oi, "passDirection", acq.pass_direction())
    gp = el(root, "imageGenerationParameters")
    gi = el(gp, "generalProcessingInformation")
    el(gi, "productType", "GRD")
    el(gi, "polarizationsInProduct", " ".join(POLS))
    el(gi, "processingFacility", "seaice-jax simulator")
    el(gi, "softwareVersion", "seaice-jax")
    sp = el(gp, "sarProcessingInformation")
    el(sp, "noiseSubtractionPerformed", "false")
    t_first = acq.start + dt.timedelta(seconds=float(acq.line_seconds(0)))
    t_last = acq.start + dt.timedelta(seconds=float(acq.line_seconds(acq.lines - 1)))
    el(sp, "zeroDopplerTimeFirstLine", _z(t_first))
    el(sp, "zeroDopplerTimeLastLine", _z(t_last))
    el(sp, "satelliteHeight", "600000", units="m")
    ira = el(root, "imageReferenceAttributes")
    el(ira, "productFormat", "GeoTIFF")
    for pol in POLS:
        for cal, stem in (
            ("Beta Nought", "lutBeta"),
            ("Sigma Nought", "lutSigma"),
            ("Gamma", "lutGamma"),
        ):
            el(ira, "lookupTableFileName", f"{stem}_{pol}.xml", sarCalibrationType=cal, pole=pol)
    el(ira, "incidenceAngleFileName", "incidenceAngles.xml")
    for pol in POLS:
        el(ira, "noiseLevelFileName", f"noiseLevels_{pol}.xml", pole=pol)
    ra = el(ira, "rasterAttributes")
    for tag, val, kw in (("sampleType", "Magnitude Detected", {}), ("dataType", "Integer", {}),
                         ("bitsPerSample", "16", {"dataStream": "Magnitude"}),
                         ("sampledPixelSpacing", f"{acq.spacing_m:.6e}", {"units": "m"}),
                         ("sampledLineSpacing", f"{acq.spacing_m:.6e}", {"units": "m"}),
                         ("lineTimeOrdering", "Decreasing" if acq.flip_lines else "Increasing", {}),
                         ("pixelTimeOrdering", "Decreasing" if acq.flip_pixels else "Increasing", {})):  # fmt: skip
        el(ra, tag, val, **kw)
    geo = el(el(ira, "geographicInformation"), "geolocationGrid")
    lines, pixels = acq.lattice(10, 21)
    rr, cc = np.meshgrid(lines, pixels, indexing="ij")
    lon, lat = acq.lonlat(rr, cc)
    for i, j in np.ndindex(rr.shape):
        tp = el(geo, "imageTiePoint")
        ic = el(tp, "imageCoordinate")
        el(ic, "line", f"{rr[i, j]:.1f}")
        el(ic, "pixel", f"{cc[i, j]:.1f}")
        gc = el(tp, "geodeticCoordinate")
        el(gc, "latitude", lat[i, j], units="deg")
        el(gc, "longitude", lon[i, j], units="deg")
        el(gc, "height", 0.0, units="m")
    ia = el(el(root, "sceneAttributes"), "imageAttributes", sampleType="Magnitude Detected")
    for pol in POLS:
        el(ia, "ipdf", f"../imagery/{imagery[pol]}", pole=pol)
    near, far = acq.incidence(0.0), acq.incidence(acq.swath_m)
    _, rng = acq.frame(0, np.array([0, acq.samples - 1]))
    inc = acq.incidence(rng)
    for tag, val in (("pixelOffset", "0"), ("lineOffset", "0"), ("numLines", str(acq.lines)),
                     ("samplesPerLine", str(acq.samples)),
                     ("incAngNearRng", float(min(inc))), ("incAngFarRng", float(max(inc))),
                     ("slantRangeNearEdge", float(acq.slant_range(near))),
                     ("slantRangeFarEdge", float(acq.slant_range(far)))):  # fmt: skip
        el(ia, tag, val, **({"units": "deg"} if tag.startswith("incAng") else {}))
    return root


def product_ids(rng: np.random.Generator) -> dict:
    return {"order": int(rng.integers(1_000_000, 9_999_999)),
            "product": int(rng.integers(1_000_000, 9_999_999))}  # fmt: skip


def write_rcm(out_dir: Path, acq: SarAcquisition, sigma0: sarimage.Sigma0Fn, sensor: sar.Sensor,
              noise_params: dict, rng: np.random.Generator, *, strip: int = 512) -> tuple[Path, dict]:  # fmt: skip
    """Write one RCM ScanSAR GRD (HH and HV) into ``out_dir``; returns its path and a summary.

    Args: as :func:`seaice_jax.sim.products.safe.write_safe`.
    """
    ids = product_ids(rng)
    name = naming.rcm_name(1, ids["order"], ids["product"], acq.start, POLS)
    scene = name.rsplit("_", 3)[0]  # without the polarisations and product type
    imagery = {pol: f"{scene}_{pol}.tif" for pol in POLS}
    step = max(1, round(1600.0 / acq.spacing_m))
    first, stepsize, pix = _time_order_pixels(acq, step)
    cols = np.arange(acq.samples, dtype=float)
    _, rng_pix = acq.frame(np.zeros(len(pix)), pix)
    inc = acq.incidence(rng_pix)
    gain = (sarimage.A_BETA / np.sqrt(np.sin(np.deg2rad(inc)))) ** 2
    order = np.argsort(pix)
    gain_at = np.interp(cols, pix[order], gain[order])  # as the reader interpolates the LUT
    _, est, _ = sar.noise_range({k: jnp.asarray(v) for k, v in noise_params.items()},
                                jnp.asarray(rng_pix, jnp.float32), sensor)  # fmt: skip
    n_db = 10.0 * np.log10(np.asarray(est, np.float64))
    noise_at = 10.0 ** (np.interp(cols, pix[order], n_db[order]) / 10.0)
    summary = {"saturated": {}}
    with atomic_dir(out_dir / name) as tmp:
        cal = tmp / "metadata" / "calibration"
        for pol in POLS:
            for stem, values in (("lutSigma", gain), ("lutBeta", np.full_like(gain, sarimage.A_BETA**2)),
                                 ("lutGamma", gain * np.cos(np.deg2rad(inc)))):  # fmt: skip
                _lut(cal / f"{stem}_{pol}.xml", first, stepsize, values, "gains",
                     "pixelFirstLutValue", "lut", {"offset": "0.000000e+00"})  # fmt: skip
            _noise_file(cal / f"noiseLevels_{pol}.xml", first, stepsize, n_db)
            summary["saturated"][pol.lower()] = _write_image(
                tmp / "imagery" / imagery[pol], acq, pol.lower(), sigma0, gain_at, noise_at, strip
            )
        _lut(cal / "incidenceAngles.xml", first, stepsize, inc, "angles", "pixelFirstAnglesValue",
             "incidenceAngles")  # fmt: skip
        write(product_xml(acq, imagery, ids), tmp / "metadata" / "product.xml")
        write_file_manifest(tmp, "RCM GRD product (seaice-jax simulator)")
    return out_dir / name, summary


def _write_image(path: Path, acq, pol, sigma0, gain_at, noise_at, strip) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = dict(driver="GTiff", width=acq.samples, height=acq.lines, count=1, dtype="uint16",
                   tiled=False, blockysize=min(strip, acq.lines))  # fmt: skip
    saturated = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.gcps = (gcps(acq), RioCRS.from_epsg(4326))
            for r0 in range(0, acq.lines, strip):
                h = min(strip, acq.lines - r0)
                s = sigma0(pol, slice(r0, r0 + h))
                a = np.broadcast_to(np.sqrt(gain_at), s.shape)
                eta = np.broadcast_to(gain_at * noise_at, s.shape)
                dn, sat = sarimage.encode_dn(s, a, eta)
                saturated += sat
                dst.write(dn, 1, window=Window(0, r0, acq.samples, h))
    return saturated


def rcm_orientation(acq: SarAcquisition) -> SarAcquisition:
    """The RCM image orientation: far range first; backwards in time on ascending passes."""
    return dataclasses.replace(
        acq, flip_pixels=True, flip_lines=acq.pass_direction() == "Ascending"
    )
