"""EUMETSAT OSI SAF sea-ice concentration netCDF (OSI-401/408 operational, OSI-450/430 climate).

Both published layouts are read: projection axes ``xc``/``yc`` (km) with 2-D ``lat``/``lon`` and a
grid-mapping variable, and ``x``/``y`` with only the grid mapping. ``ice_conc`` (%, stored as
integers with ``scale_factor`` 0.01 in the climate records) becomes ``sic`` (float32 %, NaN where
the file has its fill value or a value outside 0-100), ``total_standard_uncertainty`` (or the
older ``total_standard_error``) becomes ``sic_uncertainty``, ``status_flag`` is kept as is (OSI SAF Product User Manuals: bit flags for
land, lake, open-water filter, ...). A single time step is dropped to a scalar ``time``
coordinate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io.cf import netcdf_variables, open_netcdf_raw, standardise_cf
from seaice_jax.io.registry import reader
from seaice_jax.names import ATTRS


def _sniff(p: Path) -> bool:
    return "ice_conc" in netcdf_variables(p)


def _percent(da: xr.DataArray, name: str) -> xr.DataArray:
    units = str(da.attrs.get("units", "%")).strip()
    scale = 100.0 if units in ("1", "fraction") else 1.0
    out = (da.astype(np.float32) * np.float32(scale)).where(lambda a: (a >= 0) & (a <= 100))
    return out.astype(np.float32).assign_attrs(
        ATTRS[name], source_variable=da.name, comment=str(da.attrs.get("long_name", ""))
    )


@reader("osisaf_sic", _sniff, priority=40)
def open_osisaf(p: Path) -> xr.Dataset:
    """Open an OSI SAF SIC file as ``sic`` (%), ``sic_uncertainty`` (%), ``status_flag``.

    Returns:
      Dataset with dims ``(y, x)`` in metres, CRS from the grid mapping, ``lat``/``lon``
      coordinates where the file has them.

    Raises:
      SeaIceError: no grid mapping / projection axes, or no ``ice_conc``.
    """
    raw = open_netcdf_raw(p)
    if "ice_conc" not in raw:
        raise file_error(p, "missing variable 'ice_conc'")
    ds = standardise_cf(raw, p)
    if ds.rio.crs is None:
        raise file_error(p, "OSI SAF file without a grid mapping")
    if "time" in ds.dims and ds.sizes["time"] == 1:
        ds = ds.isel(time=0)
    out = xr.Dataset(coords={k: v for k, v in ds.coords.items() if k != "spatial_ref"})
    out["sic"] = _percent(ds["ice_conc"], "sic")
    # OSI-450 names it total_standard_error, OSI-401-d and OSI-450-a total_standard_uncertainty
    for unc in ("total_standard_uncertainty", "total_standard_error"):
        if unc in ds:
            out["sic_uncertainty"] = _percent(ds[unc], "sic_uncertainty")
            break
    if "status_flag" in ds:
        out["status_flag"] = ds["status_flag"]
    for v in ("lat", "lon"):
        if v in ds.data_vars:
            out = out.assign_coords({v: ds[v]})
    out.attrs.update({k: v for k, v in ds.attrs.items() if isinstance(v, str | int | float)})
    return out.rio.write_crs(ds.rio.crs)
