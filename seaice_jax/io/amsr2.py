"""JAXA GCOM-W1 AMSR2 brightness temperatures in HDF5: L1B/L1R swaths and L3 daily grids.

Dataset names and scaling follow the JAXA GCOM-W1 "Data Users Handbook" and product format
descriptions; every TB dataset is ``uint16`` counts with a ``SCALE FACTOR`` attribute (0.01 K),
and 65534/65535 mark missing / error cells (decoded to NaN).

- **L1R** (resolution-matched swath, ``GW1AM2_..._L1SGRTBR_...h5``): ``Brightness Temperature
  (res23,36.5GHz,H)`` and so on, one set per footprint-matched resolution (``res06``: 6.9-89 GHz,
  ``res10``: 10.7-89, ``res23``: 18.7-89, ``res36``: 36.5-89), plus the unresampled 89 GHz horns
  ``Brightness Temperature (original,89GHz-A,H)``. Positions: ``Latitude/Longitude of Observation
  Point for 89A`` ``(scans, 486)``; the low-frequency footprints are every second 89A point
  (``[:, ::2]``, 243 per scan). L1B uses ``Brightness Temperature (36.5GHz,H)`` names.
- **L3** (daily grids, ``GW1AM2_YYYYMMDD_01D_{EQ,PN,PS}{A,D}_L3SGT{06..89}...h5``): one frequency
  per file, ``Brightness Temperature (H)`` / ``(V)`` on the NSIDC polar stereographic grids
  (north 25 km 304 x 448, 10 km 760 x 1120; south 25 km 316 x 332, 10 km 790 x 830) or a global
  equirectangular grid (0.25 deg 1440 x 720, 0.1 deg 3600 x 1800). The frequency comes from the
  ``L3SGTnn`` product code in the ``GranuleID`` attribute or the file name.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import h5py
import numpy as np
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.io.registry import head, reader

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
MISSING_MIN = 65534
#: AMSR2 frequency as written in dataset names / product codes -> standard name stem.
FREQS = {
    "6.9": "06_9", "7.3": "07_3", "10.7": "10_7", "18.7": "18_7",
    "23.8": "23_8", "36.5": "36_5", "89.0": "89_0", "89": "89_0",
}  # fmt: skip
L3_CODES = {
    "06": "06_9",
    "07": "07_3",
    "10": "10_7",
    "18": "18_7",
    "23": "23_8",
    "36": "36_5",
    "89": "89_0",
}
_SWATH_RE = re.compile(r"^Brightness Temperature \((?:(res\d\d),)?([\d.]+)GHz,([HV])\)$")
_ORIG89_RE = re.compile(r"^Brightness Temperature \(original,89GHz-A,([HV])\)$")
_PREFER = ("res23", "res10", "res06", "res36", "native")
#: Leap seconds inserted after 1993-01-01 (IERS Bulletin C): "Scan Time" counts them (TAI93).
_LEAPS_AFTER_1993 = np.array(
    ["1993-07-01", "1994-07-01", "1996-01-01", "1997-07-01", "1999-01-01", "2006-01-01",
     "2009-01-01", "2012-07-01", "2015-07-01", "2017-01-01"], dtype="datetime64[s]",
)  # fmt: skip


def tai93_to_utc(seconds: np.ndarray) -> np.ndarray:
    """AMSR2 ``Scan Time`` (s since 1993-01-01 00:00 UTC, leap seconds counted) -> UTC."""
    sec = np.asarray(seconds, dtype=np.float64)
    naive = np.datetime64("1993-01-01T00:00:00", "ms") + (sec * 1000).astype("timedelta64[ms]")
    # each leap second already inserted before the naive instant shifts UTC back by one second
    n = np.searchsorted(_LEAPS_AFTER_1993.astype("datetime64[ms]"), naive, side="right")
    return naive - (n * 1000).astype("timedelta64[ms]")


def utc_to_tai93(t0: dt.datetime, seconds: np.ndarray) -> np.ndarray:
    """``Scan Time`` values of times ``t0 + seconds`` (UTC): inverse of :func:`tai93_to_utc`."""
    base = (t0 - dt.datetime(1993, 1, 1, tzinfo=dt.UTC)).total_seconds()
    naive = np.datetime64(t0.astimezone(dt.UTC).replace(tzinfo=None), "ms")
    leaps = np.searchsorted(_LEAPS_AFTER_1993.astype("datetime64[ms]"), naive, side="right")
    return base + leaps + np.asarray(seconds, np.float64)


def _l3_grid(shape: tuple[int, int], path: Path) -> Grid:
    h, w = shape
    south = Grid("EPSG:3412", -3_950_000.0, 4_350_000.0, 25_000.0, 316, 332, name="nsidc3412_25km")
    north = named_grid("nsidc3411_25km")
    for base in (north, south):
        for res in (25_000.0, 12_500.0, 10_000.0):
            f = base.res / res
            if (h, w) == (round(base.height * f), round(base.width * f)):
                return Grid(
                    base.crs, base.x0, base.y0, res, w, h, name=f"amsr2_l3_{base.crs}_{res:g}"
                )
    if w == 2 * h and 360.0 / w in (0.25, 0.1):
        return Grid("EPSG:4326", -180.0, 90.0, 360.0 / w, w, h, name=f"amsr2_l3_eqr_{360 / w:g}deg")
    raise file_error(path, f"AMSR2 L3 grid of shape {shape} is not a known JAXA L3 grid")


def _scaled(path: Path, ds: h5py.Dataset) -> np.ndarray:
    raw = ds[()]
    scale = ds.attrs.get("SCALE FACTOR", ds.attrs.get("scale_factor"))
    if scale is None:
        raise file_error(path, f"dataset '{ds.name.lstrip('/')}' has no SCALE FACTOR attribute")
    scale = float(np.ravel(scale)[0])
    out = raw.astype(np.float64) * scale
    if raw.dtype.kind in "ui":
        out[raw >= MISSING_MIN] = np.nan
    return out.astype(np.float32)


def _tb_attrs(freq: str, pol: str) -> dict[str, str]:
    return {"units": "K", "standard_name": "brightness_temperature",
            "long_name": f"AMSR2 brightness temperature {freq} GHz {pol}"}  # fmt: skip


def _sniff(path: Path, l3: bool) -> bool:
    if not path.is_file() or head(path, 8) != HDF5_MAGIC:
        return False
    with h5py.File(path, "r") as f:
        keys = list(f.keys())
    if l3:
        return "Brightness Temperature (H)" in keys or "Brightness Temperature (V)" in keys
    return "Latitude of Observation Point for 89A" in keys and any(_SWATH_RE.match(k) for k in keys)


def _l3_frequency(path: Path, f: h5py.File) -> str:
    for text in (
        str(f.attrs.get("GranuleID", b"")),
        str(f.attrs.get("ProductName", b"")),
        path.name,
    ):
        m = re.search(r"L3SGT(\d\d)", text)
        if m and m.group(1) in L3_CODES:
            return L3_CODES[m.group(1)]
    raise file_error(
        path, "cannot tell the L3 frequency (no L3SGTnn code in GranuleID or file name)"
    )


@reader("amsr2_l3_hdf5", lambda p: _sniff(p, l3=True), priority=25)
def open_amsr2_l3(path: Path) -> xr.Dataset:
    """Read a JAXA AMSR2 L3 daily brightness temperature file.

    Returns:
      Dataset on the product grid, dims ``(y, x)``: ``tb_<freq>h`` and ``tb_<freq>v`` (K,
      float32, NaN where missing), CRS of the grid (NSIDC polar stereographic or EPSG:4326).
    """
    with h5py.File(path, "r") as f:
        stem = _l3_frequency(path, f)
        ds, grid = None, None
        for pol in ("H", "V"):
            key = f"Brightness Temperature ({pol})"
            if key not in f:
                raise file_error(path, f"missing dataset '{key}'")
            tb = _scaled(path, f[key])
            if tb.ndim != 2:
                raise file_error(path, f"dataset '{key}' is {tb.ndim}-D, expected 2-D")
            if grid is None:
                grid = _l3_grid(tb.shape, path)
                ds = grid.template()
            elif tb.shape != grid.shape:
                raise file_error(path, "H and V brightness temperatures differ in shape")
            name = f"tb_{stem}{pol.lower()}"
            ds[name] = (("y", "x"), tb, _tb_attrs(stem.replace("_", "."), pol))
    if all(not np.isfinite(ds[v]).any() for v in ds.data_vars):
        raise file_error(path, "every brightness temperature is missing")
    ds.attrs["product"] = "AMSR2 L3 brightness temperature"
    return ds


def _swath_groups(keys: list[str]) -> dict[str, dict[tuple[str, str], str]]:
    groups: dict[str, dict[tuple[str, str], str]] = {}
    for k in keys:
        m = _SWATH_RE.match(k)
        if m and m.group(2) in FREQS:
            res = m.group(1) or "native"
            groups.setdefault(res, {})[(FREQS[m.group(2)], m.group(3).lower())] = k
    return groups


@reader("amsr2_l1_hdf5", lambda p: _sniff(p, l3=False), priority=25)
def open_amsr2_l1(path: Path) -> xr.Dataset:
    """Read a JAXA AMSR2 L1R (or L1B) swath file.

    The resolution set with the most of the standard channels is used (``res23`` for L1R:
    18.7-89 GHz at the 23 GHz footprint); its name is in ``attrs["resolution"]``.

    Returns:
      Dataset with dims ``(scan, pixel)``: ``lat``, ``lon`` (deg), ``tb_*`` (K, NaN where
      missing), coordinate ``time`` (UTC per scan, from ``Scan Time``); when present also
      ``tb_89_0h_hires``/``tb_89_0v_hires`` on ``(scan, pixel_89)``
      with ``lat_89``/``lon_89`` (the unresampled 89 GHz A horn).
    """
    with h5py.File(path, "r") as f:
        groups = _swath_groups(list(f.keys()))
        if not groups:
            raise file_error(path, "no 'Brightness Temperature (resNN,F.FGHz,P)' dataset")
        std = {
            ("18_7", "h"),
            ("18_7", "v"),
            ("23_8", "v"),
            ("36_5", "h"),
            ("36_5", "v"),
            ("89_0", "h"),
            ("89_0", "v"),
        }
        res = max(
            groups,
            key=lambda r: (len(std & set(groups[r])), -_PREFER.index(r) if r in _PREFER else -99),
        )
        lat89 = np.asarray(f["Latitude of Observation Point for 89A"][()], dtype=np.float32)
        lon_key = "Longitude of Observation Point for 89A"
        if lon_key not in f:
            raise file_error(path, f"missing dataset '{lon_key}'")
        lon89 = np.asarray(f[lon_key][()], dtype=np.float32)
        if lat89.shape != lon89.shape or lat89.ndim != 2:
            raise file_error(path, "89A latitude and longitude differ in shape or are not 2-D")
        lat, lon = lat89[:, ::2], lon89[:, ::2]
        ds = xr.Dataset({"lat": (("scan", "pixel"), lat, {"units": "degrees_north"}),
                         "lon": (("scan", "pixel"), lon, {"units": "degrees_east"})})  # fmt: skip
        for (stem, pol), key in sorted(groups[res].items()):
            tb = _scaled(path, f[key])
            if tb.shape != lat.shape:
                raise file_error(path, f"'{key}' has shape {tb.shape}, positions have {lat.shape}")
            ds[f"tb_{stem}{pol}"] = (
                ("scan", "pixel"),
                tb,
                _tb_attrs(stem.replace("_", "."), pol.upper()),
            )
        for key in f:
            m = _ORIG89_RE.match(key)
            if m:
                tb = _scaled(path, f[key])
                if tb.shape == lat89.shape:
                    name = f"tb_89_0{m.group(1).lower()}_hires"
                    ds[name] = (("scan", "pixel_89"), tb, _tb_attrs("89.0 (A horn)", m.group(1)))
                    ds["lat_89"] = (("scan", "pixel_89"), lat89, {"units": "degrees_north"})
                    ds["lon_89"] = (("scan", "pixel_89"), lon89, {"units": "degrees_east"})
        if "Scan Time" in f:
            t = np.asarray(f["Scan Time"][()], dtype=np.float64).ravel()
            if t.shape == (lat.shape[0],):
                ds = ds.assign_coords(time=("scan", tai93_to_utc(t)))
    ds.attrs.update(product="AMSR2 L1 brightness temperature swath", resolution=res)
    return ds
