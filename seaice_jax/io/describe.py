"""What a file holds, as the readers see it: ``seaice-jax info PATH [--json]`` (DESIGN section 4).

With ``--json`` one JSON object is printed::

    {"format": str, "variables": {name: {"shape": [...], "dtype": str, "units": str | null}},
     "crs": "EPSG:n" | WKT | null, "bounds": [left, bottom, right, top] | null,
     "time": ISO string | [first, last] | null}

``bounds`` are in the units of ``crs``. Point tables and swaths in sensor geometry (a
Sentinel-1 SAFE's geolocation grid, an SSMIS swath) have no map grid; their ``crs`` is that of
their geolocation arrays, WGS 84 lon/lat (``EPSG:4326``), and ``bounds`` are degrees. A swath
across the antimeridian has ``left > right`` (as GeoJSON bounding boxes do).
"""

from __future__ import annotations

import math
import os

import numpy as np
import xarray as xr

from seaice_jax.io.products import open_dataset


def _geolocation(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray] | None:
    """(lon, lat) arrays in degrees of a dataset without a map grid, or None."""
    pairs = (("lon", "lat"), ("longitude", "latitude"), ("gcp_longitude", "gcp_latitude"))
    for lon, lat in pairs:  # the last: tie points of a SAR image (S1 GRD, RCM)
        if lon in ds.variables and lat in ds.variables:
            lo, la = np.asarray(ds[lon], float), np.asarray(ds[lat], float)
            if np.isfinite(lo).any() and np.isfinite(la).any():
                return lo, la
    return None


def _lon_range(lon: np.ndarray) -> tuple[float, float]:
    """(west, east) of longitudes; west > east when the shorter span crosses 180 degrees."""
    lo, hi = float(np.nanmin(lon)), float(np.nanmax(lon))
    shifted = np.mod(lon, 360.0)
    s_lo, s_hi = float(np.nanmin(shifted)), float(np.nanmax(shifted))
    if hi - lo > 180.0 and s_hi - s_lo < hi - lo:
        return (s_lo + 180.0) % 360.0 - 180.0, (s_hi + 180.0) % 360.0 - 180.0
    return lo, hi


def _crs_string(ds: xr.Dataset) -> str | None:
    crs = ds.rio.crs
    if crs is None:
        return "EPSG:4326" if _geolocation(ds) is not None else None
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.to_wkt()


def _finite(vals) -> list[float] | None:
    vals = [float(v) for v in vals]
    return vals if all(math.isfinite(v) for v in vals) else None


def _bounds(ds: xr.Dataset) -> list[float] | None:
    if ds.rio.crs is not None and "x" in ds.dims and "y" in ds.dims and "x" in ds.coords:
        return _finite(ds.rio.bounds())
    geo = _geolocation(ds) if ds.rio.crs is None else None
    if geo is not None:
        lon, lat = geo
        west, east = _lon_range(lon)
        return [west, float(np.nanmin(lat)), east, float(np.nanmax(lat))]
    b = ds.attrs.get("bounds")  # vector data (charts) record their total bounds here
    if b is not None and np.size(b) == 4:
        return _finite(np.ravel(b))
    return None


def _iso(t) -> str:
    return str(np.datetime_as_string(np.datetime64(t, "s")))


def _time(ds: xr.Dataset):
    if "time" in ds.variables and np.issubdtype(ds["time"].dtype, np.datetime64):
        t = np.asarray(ds["time"].values).ravel()
        t = t[~np.isnat(t)]
        if t.size == 1 or (t.size and t.min() == t.max()):
            return _iso(t[0])
        if t.size:
            return [_iso(t.min()), _iso(t.max())]
    for a, b in (("start_time", "stop_time"), ("time_coverage_start", "time_coverage_end")):
        if a in ds.attrs:
            return [str(ds.attrs[a]), str(ds.attrs[b])] if b in ds.attrs else str(ds.attrs[a])
    return None


def describe(ds: xr.Dataset) -> dict:
    """The ``info --json`` object for an opened dataset (see the module docstring)."""
    variables = {
        str(name): {
            "shape": [int(s) for s in da.shape],
            "dtype": str(da.dtype),
            "units": (str(da.attrs["units"]) if "units" in da.attrs else None),
        }
        for name, da in ds.data_vars.items()
    }
    return {
        "format": ds.attrs.get("source_format", "unknown"),
        "variables": variables,
        "crs": _crs_string(ds),
        "bounds": _bounds(ds),
        "time": _time(ds),
    }


def format_description(path: str, d: dict) -> str:
    """The human-readable ``info`` text of :func:`describe`'s object for ``path``."""
    lines = [f"{path}", f"  format: {d['format']}"]
    crs = d["crs"] or "none"
    lines.append(f"  crs:    {crs if len(crs) < 80 else crs[:77] + '...'}")
    if d["bounds"]:
        lines.append("  bounds: " + ", ".join(f"{b:.6g}" for b in d["bounds"]))
    if d["time"]:
        t = d["time"]
        lines.append(f"  time:   {t if isinstance(t, str) else ' to '.join(t)}")
    lines.append("  variables:")
    width = max((len(n) for n in d["variables"]), default=0)
    for name, v in d["variables"].items():
        shape = "x".join(str(s) for s in v["shape"]) or "scalar"
        lines.append(
            f"    {name:<{width}}  {shape:>12}  {v['dtype']:<8} {v['units'] or ''}".rstrip()
        )
    return "\n".join(lines)


def describe_file(path: str | os.PathLike) -> dict:
    """:func:`describe` of the file or product folder at ``path`` (opened by the readers)."""
    return describe(open_dataset(path))
