"""RADARSAT Constellation Mission (RCM) product folders: sigma0 in dB with noise removed.

Published layout (RCM Product Format Definition, Canadian Space Agency)::

    <product>/manifest.safe
    <product>/metadata/product.xml
    <product>/metadata/calibration/lutSigma[_<POL>].xml     sigma-nought gains (+ offset)
    <product>/metadata/calibration/noiseLevels[_<POL>].xml  reference noise levels (dB)
    <product>/metadata/calibration/incidenceAngles.xml      optional: angle per range sample
    <product>/imagery/<name>_<POL>.tif                      detected DN, one file per polarisation

``product.xml`` names the files per pole (``sceneAttributes/imageAttributes/ipdf``,
``imageReferenceAttributes/lookupTableFileName``, ``noiseLevelFileName``,
``incidenceAngleFileName``); without those entries the reader falls back to the file names above.
Calibration (PFD section "Calibration"): ``sigma0 = (DN^2 + offset) / gain(p)``, the gains given
at ``pixelFirstLutValue + i * stepSize`` and interpolated linearly; the Sigma Nought
``referenceNoiseLevel`` (dB, same sampling rules with ``pixelFirstNoiseValue``) is converted to
linear and subtracted. The incidence angle comes from ``incidenceAngles.xml`` or, failing that,
linearly between ``incAngNearRng`` and ``incAngFarRng``. Images are read lazily by window; tie
points from ``geolocationGrid/imageTiePoint`` are kept as ``gcp_*`` coordinates; no CRS (image
geometry).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io._lazy import (
    floats,
    lazy_variable,
    open_raster,
    read_window,
    req_text,
    to_db,
    xml_root,
    xml_root_tag,
)
from seaice_jax.io.registry import reader
from seaice_jax.names import ATTRS


def _sampled(el, file: Path, first: str, values: str) -> tuple[np.ndarray, np.ndarray]:
    """(pixel positions, values) of an RCM LUT: first pixel, step, list of values.

    Without ``first``/``stepSize`` (RADARSAT-2 style LUTs) there is one value per pixel from 0.
    """
    vals = floats(req_text(el, values, file), file, values)
    try:
        p0 = float(el.findtext(first) or 0.0)
        step = float(el.findtext("stepSize") or 1.0)
    except ValueError:
        raise file_error(file, f"'{first}' or 'stepSize' is not a number") from None
    if step == 0 or vals.size == 0 or not np.isfinite([p0, step]).all():
        raise file_error(file, f"'{values}' has no values or a zero stepSize")
    pix = p0 + step * np.arange(vals.size)
    order = np.argsort(pix)
    return pix[order], vals[order]


def read_lut(file: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """Sigma-nought LUT: (pixels, gains, offset)."""
    root = xml_root(file)
    pix, gains = _sampled(root, file, "pixelFirstLutValue", "gains")
    offset = float(root.findtext("offset", "0") or 0)
    return pix, gains, offset


def read_noise(file: Path) -> tuple[np.ndarray, np.ndarray]:
    """Sigma-nought reference noise level: (pixels, noise in dB)."""
    root = xml_root(file)
    for el in root.iter("referenceNoiseLevel"):
        if "sigma" in (el.findtext("sarCalibrationType") or "").lower():
            return _sampled(el, file, "pixelFirstNoiseValue", "noiseLevelValues")
    raise file_error(file, "no Sigma Nought referenceNoiseLevel")


def _by_pole(root, tag: str, pol: str, cal_type: str | None = None) -> str | None:
    for el in root.iter(tag):
        if el.get("pole", "").upper() != pol.upper():
            continue
        if cal_type and cal_type not in (el.get("sarCalibrationType") or "").lower():
            continue
        return (el.text or "").strip() or None
    return None


def _companion(meta: Path, named: str | None, stem: str, pol: str) -> Path:
    cal = meta / "calibration"
    if named:
        for base in (cal, meta):
            if (base / named).is_file():
                return base / named
        return cal / named  # reported as missing by xml_root
    for cand in (cal / f"{stem}_{pol.upper()}.xml", cal / f"{stem}.xml"):
        if cand.is_file():
            return cand
    return cal / f"{stem}_{pol.upper()}.xml"


def _sigma0_fn(tiff: Path, lut: Path, noise: Path):
    """(sigma0 in dB, sigma0 in linear power) window functions of one polarisation."""
    lpix, gains, offset = read_lut(lut)
    npix, ndb = read_noise(noise)

    def power(rows: slice, cols: slice) -> np.ndarray:
        c = np.arange(cols.start, cols.stop, dtype=np.float64)
        dn = read_window(tiff, rows, cols).astype(np.float64)
        gain = np.interp(c, lpix, gains)
        noise_lin = 10.0 ** (np.interp(c, npix, ndb) / 10.0)
        with np.errstate(divide="ignore", invalid="ignore"):  # a corrupt LUT gives NaN, not noise
            lin = (dn * dn + offset) / gain - noise_lin
        return np.where(dn > 0, lin, np.nan)  # DN 0 is the no-data fill, not a measurement

    def fn(rows: slice, cols: slice) -> np.ndarray:
        return to_db(power(rows, cols))

    return fn, power


def _incidence(meta: Path, root, ns: int, pfile: Path) -> np.ndarray:
    """Incidence angle (deg) per range sample: incidenceAngles.xml, else near/far range."""
    named = (root.findtext(".//incidenceAngleFileName") or "").strip()
    cands = [meta / "calibration" / named, meta / named] if named else []
    cands.append(meta / "calibration" / "incidenceAngles.xml")
    inc = next((c for c in cands if c.is_file()), None)
    if named and inc is None:
        raise file_error(cands[0], "missing companion file")
    if inc is not None:
        pix, ang = _sampled(xml_root(inc), inc, "pixelFirstAnglesValue", "angles")
        return np.interp(np.arange(ns, dtype=float), pix, ang)
    near, far = root.findtext(".//incAngNearRng"), root.findtext(".//incAngFarRng")
    if near is None or far is None:
        raise file_error(pfile, "no incidenceAngles.xml and no incAngNearRng/incAngFarRng")
    return np.linspace(float(near), float(far), ns)


def _tie_points(root) -> dict[str, np.ndarray] | None:
    pts = list(root.iter("imageTiePoint"))
    if not pts:
        return None
    get = {"line": ".//line", "pixel": ".//pixel", "latitude": ".//latitude",
           "longitude": ".//longitude"}  # fmt: skip
    vals = {k: np.array([float(p.findtext(v, "nan")) for p in pts]) for k, v in get.items()}
    return vals


def open_rcm(folder: Path) -> xr.Dataset:
    """Open an RCM product folder (or its ``metadata/product.xml``).

    Returns:
      Dataset ``(y, x)``: ``hh``/``hv`` (whatever poles the product has, lower case) in dB with
      noise removed, ``incidence_angle`` (deg), ``valid`` (DN > 0); ``gcp_*`` coordinates.
    """
    meta = folder / "metadata"
    pfile = meta / "product.xml"
    root = xml_root(pfile)
    pols = (root.findtext(".//polarizations") or "").split()
    if not pols:
        raise file_error(pfile, "no polarizations listed")
    ds = xr.Dataset()
    shape = first = None
    for pol in pols:
        ipdf = _by_pole(root, "ipdf", pol)
        tiff = (meta / ipdf).resolve() if ipdf else None
        if tiff is None or not tiff.is_file():
            found = sorted((folder / "imagery").glob(f"*_{pol.upper()}.tif*"))
            if not found:
                raise file_error(folder, f"no imagery GeoTIFF for {pol}")
            tiff = found[0]
        lut = _companion(meta, _by_pole(root, "lookupTableFileName", pol, "sigma"), "lutSigma", pol)
        noise = _companion(meta, _by_pole(root, "noiseLevelFileName", pol), "noiseLevels", pol)
        with open_raster(tiff) as src:
            this = (src.height, src.width)
        if shape is not None and this != shape:
            raise file_error(tiff, f"size {this} differs from the other polarisation {shape}")
        shape, first = this, first or tiff
        db, power = _sigma0_fn(tiff, lut, noise)
        ds[pol.lower()] = lazy_variable(shape, np.float32, db, power=power,
                                        attrs=dict(ATTRS.get(pol.lower(), {"units": "dB"}), noise_removed=1))  # fmt: skip
    ia = _incidence(meta, root, shape[1], pfile)

    def inc(rows: slice, cols: slice) -> np.ndarray:
        return np.broadcast_to(ia[cols], (rows.stop - rows.start, cols.stop - cols.start)).astype(
            np.float32
        )

    def valid(rows: slice, cols: slice) -> np.ndarray:
        return (read_window(first, rows, cols) > 0).astype(np.uint8)

    ds["incidence_angle"] = lazy_variable(shape, np.float32, inc, dict(ATTRS["incidence_angle"]))
    ds["valid"] = lazy_variable(shape, np.uint8, valid, dict(ATTRS["valid"]))
    tp = _tie_points(root)
    if tp is not None:
        ds = ds.assign_coords({f"gcp_{k}": ("gcp", v) for k, v in tp.items()})
    ds.attrs.update(mission="RCM", product_id=root.findtext(".//productId") or "",
                    start_time=root.findtext(".//rawDataStartTime") or "")  # fmt: skip
    if not ds.attrs["start_time"]:
        del ds.attrs["start_time"]
    return ds


def _sniff(p: Path) -> bool:
    if p.is_dir():
        return (p / "metadata" / "product.xml").is_file()
    return p.name == "product.xml" and p.parent.name == "metadata" and xml_root_tag(p) == "product"


@reader("rcm", _sniff, priority=20)
def open_rcm_path(path: Path) -> xr.Dataset:
    """Reader entry: an RCM product folder, or its ``metadata/product.xml``."""
    return open_rcm(path if path.is_dir() else path.parent.parent)
