"""ENVI raster scenes: one ``.img`` + ``.hdr`` pair, or a folder of them (GLIA features/results).

The ``.hdr`` is parsed fully (ENVI header format, Harris Geospatial "ENVI Header Files"): samples,
lines, bands, header offset, data type, interleave (bsq/bil/bip), byte order, band names, data
ignore value, ``map info`` and ``coordinate system string``. The raster is memory-mapped, so
opening a scene reads nothing but its header. With map information the result has ``x``/``y``
pixel-centre coordinates and a CRS; without it (the GLIA sample) it has neither.

File stems of the GLIA processing chain (Lohse et al. 2020, 2021; github.com/jlo031/GLIA) map to
the project's standard names: ``Sigma0_HH_db`` -> ``hh``, ``Sigma0_HV_db`` -> ``hv``, ``IA`` ->
``incidence_angle``, ``landmask`` -> ``land_mask``, ``valid`` -> ``valid``, and the results
``*_labels``, ``*_apost_uncertainty``, ``*_mahal_uncertainty`` -> ``labels``,
``apost_uncertainty``, ``mahal_uncertainty``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import rioxarray  # noqa: F401
import xarray as xr
from affine import Affine
from pyproj import CRS

from seaice_jax.errors import file_error
from seaice_jax.io._lazy import lazy_variable
from seaice_jax.io.registry import head, reader
from seaice_jax.names import ATTRS

#: ENVI data type codes -> NumPy types (ENVI header documentation).
DTYPES = {1: "u1", 2: "i2", 3: "i4", 4: "f4", 5: "f8", 6: "c8", 9: "c16", 12: "u2", 13: "u4",
          14: "i8", 15: "u8"}  # fmt: skip

#: GLIA file stems (lower case) -> standard names.
STEMS = {
    "sigma0_hh_db": "hh",
    "sigma0_hv_db": "hv",
    "ia": "incidence_angle",
    "landmask": "land_mask",
    "valid": "valid",
}
_SUFFIXES = ("labels", "apost_uncertainty", "mahal_uncertainty")


def parse_header(path: Path) -> dict[str, str]:
    """Parse an ENVI ``.hdr`` into ``{lower-case key: raw value}`` (braced values may span lines).

    Raises:
      SeaIceError: the file does not start with ``ENVI`` or a brace is not closed.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.lstrip().startswith("ENVI"):
        raise file_error(path, "not an ENVI header (first line is not 'ENVI')")
    out: dict[str, str] = {}
    lines = text.splitlines()[1:]
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if "=" not in line:
            continue
        key, val = (s.strip() for s in line.split("=", 1))
        if val.startswith("{"):
            while "}" not in val and i < len(lines):
                val += " " + lines[i].strip()
                i += 1
            if "}" not in val:
                raise file_error(path, f"unclosed '{{' in header key '{key}'")
            val = val[1 : val.rindex("}")].strip()
        out[key.lower()] = val
    return out


def _int(hdr: dict, key: str, path: Path, default: int | None = None) -> int:
    if key not in hdr:
        if default is None:
            raise file_error(path, f"header lacks required key '{key}'")
        return default
    try:
        return int(hdr[key])
    except ValueError:
        raise file_error(path, f"header key '{key}' is not an integer: {hdr[key]!r}") from None


def header_for(img: Path) -> Path | None:
    """The ``.hdr`` that belongs to an image file (``a.hdr`` or ``a.img.hdr``), if present."""
    for cand in (img.with_suffix(".hdr"), img.with_name(img.name + ".hdr")):
        if cand.is_file() and cand != img:
            return cand
    return None


def image_for(hdr: Path) -> Path | None:
    """The raster file that belongs to a ``.hdr`` (same stem, common ENVI extensions)."""
    for ext in (".img", ".dat", ".bin", ".raw", ""):
        cand = hdr.with_suffix(ext)
        if cand.is_file() and cand != hdr:
            return cand
    return None


def _crs_and_transform(hdr: dict, path: Path) -> tuple[CRS | None, Affine | None]:
    """CRS and affine transform from ``map info`` / ``coordinate system string`` (None if absent)."""
    if "map info" not in hdr:
        return None, None
    parts = [p.strip() for p in hdr["map info"].split(",")]
    try:
        ref_x, ref_y, east, north, dx, dy = (float(v) for v in parts[1:7])
    except (ValueError, IndexError):
        raise file_error(path, f"cannot parse 'map info': {hdr['map info']!r}") from None
    rot = 0.0
    for p in parts:
        m = re.match(r"rotation\s*=\s*([-\d.eE+]+)", p)
        if m:
            rot = float(m.group(1))
    # ENVI reference pixels are 1-based and refer to the pixel's upper-left corner.
    transform = (
        Affine.translation(east, north)
        * Affine.rotation(-rot)
        * Affine.scale(dx, -dy)
        * Affine.translation(-(ref_x - 1.0), -(ref_y - 1.0))
    )
    name = parts[0].lower()
    crs = None
    if "coordinate system string" in hdr:
        crs = CRS.from_wkt(hdr["coordinate system string"])
    elif name == "utm" and len(parts) > 8:
        zone, south = int(parts[7]), parts[8].lower().startswith("s")
        datum = parts[9].lower() if len(parts) > 9 else "wgs-84"
        if "wgs" not in datum:
            raise file_error(path, f"UTM on datum {parts[9]!r} without a coordinate system string")
        crs = CRS.from_epsg((32700 if south else 32600) + zone)
    elif name.startswith("geographic"):
        crs = CRS.from_epsg(4326)
    return crs, transform


def standard_name(path: Path) -> str:
    """Variable name for a single-band ENVI file from its stem (GLIA conventions)."""
    stem = path.stem.lower()
    if stem in STEMS:
        return STEMS[stem]
    for suf in _SUFFIXES:
        if stem.endswith("_" + suf):
            return suf
    return re.sub(r"\W+", "_", stem).strip("_") or "band"


def read_envi(hdr_path: Path, img_path: Path) -> xr.Dataset:
    """Open one ENVI image lazily (memory-mapped).

    Returns:
      Dataset with one ``(y, x)`` variable per band (name from the file stem for one band, from
      ``band names`` for several), float data ignore values set to NaN, CRS where the header has one.
    """
    hdr = parse_header(hdr_path)
    ns, nl, nb = (_int(hdr, k, hdr_path) for k in ("samples", "lines", "bands"))
    code = _int(hdr, "data type", hdr_path)
    if code not in DTYPES:
        raise file_error(hdr_path, f"unsupported ENVI data type {code}")
    order = _int(hdr, "byte order", hdr_path, default=0)
    dtype = np.dtype(DTYPES[code]).newbyteorder(">" if order == 1 else "<")
    offset = _int(hdr, "header offset", hdr_path, default=0)
    inter = hdr.get("interleave", "bsq").lower()
    shapes = {"bsq": (nb, nl, ns), "bil": (nl, nb, ns), "bip": (nl, ns, nb)}
    if inter not in shapes:
        raise file_error(hdr_path, f"unknown interleave {inter!r}")
    need = offset + nb * nl * ns * dtype.itemsize
    if img_path.stat().st_size < need:
        raise file_error(
            img_path, f"truncated: {img_path.stat().st_size} bytes, header needs {need}"
        )
    raw = np.memmap(img_path, dtype=dtype, mode="r", offset=offset, shape=shapes[inter])
    cube = {"bsq": raw, "bil": raw.transpose(1, 0, 2), "bip": raw.transpose(2, 0, 1)}[inter]
    names = [standard_name(img_path)]
    if nb > 1:
        given = [b.strip() for b in hdr.get("band names", "").split(",") if b.strip()]
        names = given if len(given) == nb else [f"band_{i + 1}" for i in range(nb)]
        names = [STEMS.get(n.lower(), re.sub(r"\W+", "_", n)) for n in names]
    ignore = float(hdr["data ignore value"]) if "data ignore value" in hdr else None
    ds = xr.Dataset()
    for i, name in enumerate(names):
        band, attrs = cube[i], dict(ATTRS.get(name, {}))
        if ignore is not None and dtype.kind == "f":  # NaN for the ignore value, window by window

            def fn(rows, cols, band=band):
                w = np.asarray(band[rows, cols], dtype=dtype.newbyteorder("="))
                return np.where(w == ignore, np.nan, w)

            ds[name] = lazy_variable(band.shape, dtype.newbyteorder("="), fn, attrs)
        else:
            ds[name] = xr.DataArray(band, dims=("y", "x"), attrs=attrs)
    if img_path.stem.lower() == "landmask" and "land_mask" in ds:
        # GLIA's landmask.img is 1 over water and 0 over land: on the Belgica Bank sample 88 % of
        # its zeros fall outside ``valid`` (the land the chain excludes), so the project's
        # land_mask (1 = land) is its complement.
        ds["land_mask"] = (1 - ds["land_mask"]).astype(np.uint8)
        ds["land_mask"].attrs = dict(ATTRS["land_mask"], comment="complement of GLIA landmask.img")
    crs, transform = _crs_and_transform(hdr, hdr_path)
    if transform is not None and transform.b == 0 and transform.d == 0:
        ds = ds.assign_coords(
            x=transform.c + transform.a * (np.arange(ns) + 0.5),
            y=transform.f + transform.e * (np.arange(nl) + 0.5),
        )
        ds.x.attrs["units"] = ds.y.attrs["units"] = (
            "m" if crs is None or crs.is_projected else "degree"
        )
    if crs is not None:
        ds = ds.rio.write_crs(crs)
    ds.attrs["description"] = hdr.get("description", "")
    return ds


def _is_envi_header(p: Path) -> bool:
    return p.is_file() and head(p, 8).lstrip().startswith(b"ENVI")


def _sniff(p: Path) -> bool:
    if p.is_dir():
        return any(_is_envi_header(h) for h in p.glob("*.hdr"))
    if p.suffix.lower() == ".hdr":
        return _is_envi_header(p)
    hdr = header_for(p)
    if hdr is not None:
        return _is_envi_header(hdr)
    # An .img without its header: claim it (unless it is ERDAS Imagine) to report the missing .hdr.
    return p.suffix.lower() == ".img" and not head(p, 16).startswith(b"EHFA_HEADER_TAG")


def open_file(p: Path) -> xr.Dataset:
    """Open a single ENVI scene given its ``.hdr`` or its image file."""
    if p.suffix.lower() == ".hdr":
        img = image_for(p)
        if img is None:
            raise file_error(p, "ENVI header without its image file (.img)")
        return read_envi(p, img)
    hdr = header_for(p)
    if hdr is None:
        raise file_error(p, f"missing ENVI header {p.with_suffix('.hdr').name}")
    return read_envi(hdr, p)


def open_folder(folder: Path) -> xr.Dataset:
    """Merge every ENVI image of a folder (e.g. GLIA ``features/<scene>/``) into one dataset.

    Raises:
      SeaIceError: images of different sizes, or a header without its image.
    """
    parts = []
    for hdr in sorted(h for h in folder.glob("*.hdr") if _is_envi_header(h)):
        img = image_for(hdr)
        if img is None:
            raise file_error(hdr, "ENVI header without its image file (.img)")
        parts.append(read_envi(hdr, img))
    shapes = {tuple(d.sizes.values()) for d in parts}
    if len(shapes) > 1:
        raise file_error(folder, f"ENVI images of different sizes: {sorted(shapes)}")
    ds = xr.merge(parts, compat="override", join="override", combine_attrs="drop_conflicts")
    ds.attrs["scene"] = folder.name
    return _glia_conventions(ds)


def _glia_conventions(ds: xr.Dataset) -> xr.Dataset:
    """Apply the GLIA feature-folder conventions to the standard form.

    Outside ``valid`` GLIA stores sigma0 as 0.0 dB, a plausible value; ``hh``/``hv`` are set to
    NaN there, lazily, window by window. (``landmask`` is complemented in :func:`read_envi`.)
    """
    if "valid" not in ds:
        return ds
    valid = ds["valid"].data
    for name in ("hh", "hv"):
        if name in ds:
            band = ds[name].data

            def fn(rows, cols, band=band):
                return np.where(valid[rows, cols] == 1, band[rows, cols], np.nan)

            attrs = dict(ds[name].attrs, comment="NaN where valid == 0")
            ds[name] = lazy_variable(band.shape, np.float32, fn, attrs)
    return ds


@reader("envi", _sniff, priority=30)
def open_envi(path: Path) -> xr.Dataset:
    """Open an ENVI ``.img``/``.hdr`` scene, or a folder of single-band ENVI images."""
    return open_folder(path) if path.is_dir() else open_file(path)
