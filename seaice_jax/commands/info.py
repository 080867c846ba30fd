"""``seaice-jax info PATH [--json]``: what a file holds, as the readers see it (DESIGN section 4).

With ``--json`` one JSON object is printed::

    {"format": str, "variables": {name: {"shape": [...], "dtype": str, "units": str | null}},
     "crs": "EPSG:n" | WKT | null, "bounds": [left, bottom, right, top] | null,
     "time": ISO string | [first, last] | null}

``bounds`` are in the units of ``crs`` (degrees for point tables, which are WGS 84 lon/lat).
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import xarray as xr


def _crs_string(ds: xr.Dataset) -> str | None:
    crs = ds.rio.crs
    if crs is None:
        if "lon" in ds.variables and "lat" in ds.variables and "point" in ds.dims:
            return "EPSG:4326"
        return None
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.to_wkt()


def _finite(vals) -> list[float] | None:
    vals = [float(v) for v in vals]
    return vals if all(math.isfinite(v) for v in vals) else None


def _bounds(ds: xr.Dataset) -> list[float] | None:
    if ds.rio.crs is not None and "x" in ds.dims and "y" in ds.dims and "x" in ds.coords:
        return _finite(ds.rio.bounds())
    if "point" in ds.dims and "lon" in ds.variables and "lat" in ds.variables:
        lon, lat = np.asarray(ds["lon"], float), np.asarray(ds["lat"], float)
        if np.isfinite(lon).any() and np.isfinite(lat).any():
            return [
                float(np.nanmin(lon)),
                float(np.nanmin(lat)),
                float(np.nanmax(lon)),
                float(np.nanmax(lat)),
            ]
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


def _human(path: str, d: dict) -> str:
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


def run(args: argparse.Namespace) -> int:
    from seaice_jax.io import open_dataset

    ds = open_dataset(args.path)
    d = describe(ds)
    print(json.dumps(d) if args.json else _human(args.path, d))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "info",
        help="describe any supported file or product folder",
        description="Open PATH with the readers (format detected from content) and describe it.",
    )
    p.add_argument("path", help="file or product folder (.SAFE, RCM, GLIA features folder, ...)")
    p.add_argument("--json", action="store_true", help="print one JSON object (DESIGN section 4)")
    p.set_defaults(func=run)
