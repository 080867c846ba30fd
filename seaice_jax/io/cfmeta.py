"""What every product file says about itself: the one CF/ACDD metadata definition that both
netCDF writers (:func:`seaice_jax.io.writers.write_netcdf`, whole datasets, and
:func:`seaice_jax.io.blockwise.streaming_netcdf`, block by block) and the COG writer apply.

* variable attributes: units, standard and long names (:data:`seaice_jax.names.ATTRS`), and
  ``flag_values``/``flag_meanings`` on masks and categorical fields (:data:`FLAGS`);
* the grid mapping: one variable ``spatial_ref`` holding the CRS as CF parameters (pyproj's
  ``to_cf``), ``crs_wkt``, and the GDAL ``GeoTransform`` (:func:`grid_mapping_attrs`);
* a ``time`` coordinate (CF section 4.4) from the product's own time or its
  ``time_coverage_start``/``_end`` attributes (:func:`product_time`);
* the ACDD-1.3 discovery attributes: ``title``, ``summary``, ``source``, ``history``,
  ``date_created``, ``institution``, ``product_version``, ``time_coverage_*``
  (:func:`global_attrs`).

:func:`cf_problems` checks a written file against these rules (the tests run it on every product).
"""

from __future__ import annotations

import datetime as dt
import os

import netCDF4
import numpy as np
import xarray as xr
from pyproj import CRS

from seaice_jax import __version__
from seaice_jax.names import ATTRS

CONVENTIONS = "CF-1.8, ACDD-1.3"
TIME_UNITS = "seconds since 1970-01-01 00:00:00"
GRID_MAPPING = "spatial_ref"

#: Categorical variables: ``(flag_values, flag_meanings)``.
FLAGS: dict[str, tuple[list[int], str]] = {
    "land_mask": ([0, 1], "sea land"),
    "valid": ([0, 1], "invalid valid"),
    "weather_mask": ([0, 1], "no_weather open_water_by_weather_filter"),
    "weather_mask_89": ([0, 1], "no_weather open_water_by_weather_filter"),
    "dominant": ([-1, 0, 1, 2, 3], "none s1 rcm amsr2_89 nt"),
}
#: Units of variables that :data:`seaice_jax.names.ATTRS` does not list.
EXTRA_UNITS = {"n_scenes": "1", "labels": "1", "segments": "1", "sic_raw": "%"}
_ACDD_REQUIRED = ("title", "summary", "source", "history", "date_created", "institution")


def variable_attrs(name: str, existing: dict | None = None, dtype=np.int16) -> dict:
    """The attributes of variable ``name``: its own first, then the standard ones (flag values
    in the variable's ``dtype``, as CF 3.5 asks)."""
    out = dict(existing or {})
    for k, v in ATTRS.get(name, {}).items():
        out.setdefault(k, v)
    if name in FLAGS:
        values, meanings = FLAGS[name]
        out.setdefault("flag_values", np.asarray(values).astype(dtype))
        out.setdefault("flag_meanings", meanings)
        out.pop("units", None)  # CF 3.5: flags carry no units
    elif name in EXTRA_UNITS:
        out.setdefault("units", EXTRA_UNITS[name])
    return out


def grid_mapping_attrs(crs: CRS | str, transform=None) -> dict:
    """The grid-mapping variable's attributes (CF parameters, WKT, GDAL GeoTransform)."""
    crs = CRS.from_user_input(crs)
    if (epsg := crs.to_epsg()) is not None:  # one WKT whatever library handed the CRS over
        crs = CRS.from_epsg(epsg)
    out = dict(crs.to_cf())
    out["spatial_ref"] = out["crs_wkt"] = crs.to_wkt()
    if transform is not None:
        t = transform
        out["GeoTransform"] = " ".join(str(float(c)) for c in (t.c, t.a, t.b, t.f, t.d, t.e))
    return out


def _iso(t) -> str:
    return str(np.datetime64(t, "s")) + "Z"


def product_time(ds: xr.Dataset | None = None, attrs: dict | None = None):
    """``(start, end)`` as numpy datetime64[s] of a product or input, or None: the ``time``
    coordinate (its range), else ``time_coverage_start``/``_end`` or ``start_time``/
    ``stop_time`` attributes."""
    if ds is not None and "time" in ds.variables and np.issubdtype(ds["time"].dtype, "M"):
        t = np.atleast_1d(ds["time"].values).astype("datetime64[s]")
        t = t[~np.isnat(t)]
        if t.size:
            return t.min(), t.max()
    a = {**(ds.attrs if ds is not None else {}), **(attrs or {})}
    for s, e in (("time_coverage_start", "time_coverage_end"), ("start_time", "stop_time")):
        if a.get(s):
            start = np.datetime64(str(a[s]).rstrip("Z")[:19], "s")
            return start, np.datetime64(str(a.get(e) or a[s]).rstrip("Z")[:19], "s")
    return None


def time_attrs() -> dict:
    return {"standard_name": "time", "axis": "T", "long_name": "time"}


def global_attrs(existing: dict, time_range=None) -> dict:
    """ACDD global attributes over ``existing`` (which win, except the creation record)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    out = dict(existing)
    out["Conventions"] = CONVENTIONS
    out.setdefault("title", "seaice-jax product")
    out.setdefault("summary", out["title"])
    out.setdefault("institution", "seaice-jax")
    out.setdefault("source", f"seaice-jax {__version__}")
    out["product_version"] = __version__
    out["date_created"] = now
    entry = f"{now} written by seaice-jax {__version__}"
    out["history"] = f"{out['history']}\n{entry}" if out.get("history") else entry
    if time_range is not None:
        out["time_coverage_start"], out["time_coverage_end"] = map(_iso, time_range)
    return out


def cf_problems(path: str | os.PathLike) -> list[str]:
    """The CF/ACDD rules above that file ``path`` breaks (empty: none)."""
    bad = []
    with netCDF4.Dataset(path) as nc:
        g = {k: nc.getncattr(k) for k in nc.ncattrs()}
        if not str(g.get("Conventions", "")).startswith("CF-1."):
            bad.append("Conventions is not CF-1.x")
        bad += [f"global attribute {k} missing" for k in _ACDD_REQUIRED if not g.get(k)]
        if "date_created" in g:
            try:
                dt.datetime.fromisoformat(str(g["date_created"]).replace("Z", "+00:00"))
            except ValueError:
                bad.append(f"date_created {g['date_created']!r} is not ISO 8601")
        if "time" not in nc.variables:
            bad.append("no time coordinate")
        else:
            t = nc["time"]
            if (
                " since " not in getattr(t, "units", "")
                or getattr(t, "standard_name", "") != "time"
            ):
                bad.append("time has no 'units: ... since ...' or standard_name")
        mappings = [v for v in nc.variables.values() if "grid_mapping_name" in v.ncattrs()]
        if len(mappings) > 1:
            bad.append(f"{len(mappings)} grid-mapping variables (one expected)")
        for name, v in nc.variables.items():
            a = set(v.ncattrs())
            if "grid_mapping" in a and v.grid_mapping not in nc.variables:
                bad.append(f"{name}: grid_mapping {v.grid_mapping} is not a variable")
            if "flag_values" in a or "flag_meanings" in a:
                n_val = np.size(getattr(v, "flag_values", []))
                if n_val != len(str(getattr(v, "flag_meanings", "")).split()):
                    bad.append(f"{name}: flag_values and flag_meanings differ in number")
            elif v.dimensions[-2:] == ("y", "x") and "units" not in a:
                bad.append(f"{name}: no units")
            if name in FLAGS and "flag_values" not in a:
                bad.append(f"{name}: no flag_values/flag_meanings")
    return bad
