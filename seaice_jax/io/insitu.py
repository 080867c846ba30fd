"""In-situ sea-ice thickness points: the ECCC Eureka 2014 HDF5 and plain CSV tables.

Both become a point dataset with dim ``point`` and variables ``lon``, ``lat`` (degrees, WGS 84),
``time`` (datetime64; NaT where the source records none) and ``thickness`` (m), plus whatever
else the source holds (freeboard, snow depth, site, ...). These are the references of the Baltic
SIT evaluation (icebreaker measurements) and of any user's drill-hole campaign.

ECCC Eureka 2014 (King et al., Environment and Climate Change Canada; Open Government Licence):
``eureka_data/auger/`` holds one row per drill hole (``ice_thickness``, ``ice_freboard`` [sic],
``snow_depth`` in metres, ``latitude``, ``longitude``, ``site_id``, ``site_name``); the file has no
per-hole time, so ``time`` is NaT and the campaign period goes to the attributes.

CSV: a header line naming at least longitude, latitude and thickness columns (``lon``/
``longitude``, ``lat``/``latitude``, ``thickness``/``sit``/``ice_thickness``); ``time``/``date``
is parsed when present. The simulator's ``measurements.csv`` is of this kind.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io.cf import HDF5_MAGIC
from seaice_jax.io.registry import head, reader

_ALIASES = {
    "lon": ("lon", "longitude", "long", "x_lon"),
    "lat": ("lat", "latitude"),
    "thickness": ("thickness", "sit", "ice_thickness", "thickness_m"),
    "time": ("time", "date", "datetime", "timestamp"),
}
_UNITS = {"lon": "degrees_east", "lat": "degrees_north", "thickness": "m"}


def _h5_has_auger(p: Path) -> bool:
    with h5py.File(p, "r") as f:
        g = f.get("eureka_data/auger")
        return g is not None and "ice_thickness" in g


def _sniff_h5(p: Path) -> bool:
    return p.is_file() and head(p, 8) == HDF5_MAGIC and _h5_has_auger(p)


def _units(ds) -> str:
    u = ds.attrs.get("Units")
    if u is None:
        return ""
    u = (u[0] if np.ndim(u) else u).decode() if not isinstance(u, str) else u
    return {"meters": "m", "metres": "m"}.get(u.lower(), u)


@reader("eccc_insitu_h5", _sniff_h5, priority=20)
def open_eccc(p: Path) -> xr.Dataset:
    """Open the ECCC HDF5 drill holes (``auger``) as a point dataset.

    Returns:
      Dataset, dim ``point`` (163 holes in the Eureka 2014 file): ``lon``, ``lat``, ``time`` (NaT),
      ``thickness``, ``freeboard``, ``snow_depth`` (m), ``site`` (str), ``site_id``.
    """
    names = {"ice_thickness": "thickness", "ice_freboard": "freeboard", "snow_depth": "snow_depth",
             "longitude": "lon", "latitude": "lat", "site_id": "site_id"}  # fmt: skip
    with h5py.File(p, "r") as f:
        g = f["eureka_data/auger"]
        missing = [k for k in ("ice_thickness", "latitude", "longitude") if k not in g]
        if missing:
            raise file_error(p, f"missing dataset eureka_data/auger/{missing[0]}")
        data = {}
        for src, dst in names.items():
            if src in g:
                arr = g[src][()]
                units = _units(g[src]) or _UNITS.get(dst)
                attrs = {"units": units} if units else {}
                data[dst] = xr.DataArray(arr, dims="point", attrs=attrs)
        if "site_name" in g:
            data["site"] = xr.DataArray(
                np.char.decode(g["site_name"][()]).astype(str), dims="point"
            )
        info = {k: v[()][0].decode() if v.dtype.kind == "S" else int(v[()][0])
                for k, v in f.get("eureka_info", {}).items()}  # fmt: skip
    n = data["thickness"].size
    if any(d.size != n for d in data.values()):
        raise file_error(p, "auger datasets differ in length")
    ds = xr.Dataset(data)
    ds["time"] = xr.DataArray(np.full(n, np.datetime64("NaT", "ns")), dims="point")
    ds["time"].attrs["comment"] = "not recorded per hole in the source file"
    ds.attrs.update({f"eureka_{k}": str(v) for k, v in info.items()})
    ds.attrs["comment"] = "ECCC Eureka 2014 auger drill holes; campaign 2014-03-24 to 2014-04-02"
    return ds


def _csv_header(p: Path) -> list[str]:
    text = head(p, 8192).decode("utf-8", "strict")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return [c.strip().lower() for c in next(csv.reader(io.StringIO(line)))]
    return []


def _column(header: list[str], key: str) -> str | None:
    return next((c for c in header if c in _ALIASES[key]), None)


def _sniff_csv(p: Path) -> bool:
    if not p.is_file() or b"\x00" in head(p, 4096):
        return False
    h = _csv_header(p)
    return all(_column(h, k) for k in ("lon", "lat", "thickness"))


@reader("points_csv", _sniff_csv, priority=60)
def open_points_csv(p: Path) -> xr.Dataset:
    """Open a CSV of thickness points (``lon, lat, [time,] thickness, ...``) as a point dataset.

    Raises:
      SeaIceError: a required column is missing or holds non-numeric values, or bad times.
    """
    try:
        df = pd.read_csv(p, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise file_error(p, f"cannot parse CSV ({str(e).splitlines()[0]})") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    out = {}
    for key in ("lon", "lat", "thickness"):
        col = _column(list(df.columns), key)
        if col is None:
            raise file_error(p, f"missing column '{key}'")
        vals = pd.to_numeric(df[col], errors="coerce")
        if vals.isna().any() and df[col].notna().all():
            raise file_error(p, f"column '{col}' holds non-numeric values")
        out[key] = xr.DataArray(
            vals.to_numpy(np.float64), dims="point", attrs={"units": _UNITS[key]}
        )
    tcol = _column(list(df.columns), "time")
    if tcol is not None:
        try:
            t = pd.to_datetime(df[tcol], utc=True, format="mixed").dt.tz_localize(None)
        except (ValueError, TypeError):
            raise file_error(p, f"column '{tcol}' holds values that are not times") from None
        out["time"] = xr.DataArray(t.to_numpy("datetime64[ns]"), dims="point")
    else:
        out["time"] = xr.DataArray(np.full(len(df), np.datetime64("NaT", "ns")), dims="point")
    used = {_column(list(df.columns), k) for k in _ALIASES}
    for col in df.columns:
        if col not in used:
            out[col] = xr.DataArray(df[col].to_numpy(), dims="point")
    ds = xr.Dataset(out)
    if (np.abs(ds.lat) > 90).any() or (np.abs(ds.lon) > 360).any():
        raise file_error(p, "latitude/longitude out of range")
    return ds
