"""Writers: CF-netCDF and Cloud-Optimised GeoTIFF with full georeferencing, always atomic."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

from seaice_jax.atomic import atomic_path, write_errors
from seaice_jax.errors import SeaIceError
from seaice_jax.io.cfmeta import (
    GRID_MAPPING,
    TIME_UNITS,
    global_attrs,
    grid_mapping_attrs,
    product_time,
    time_attrs,
    variable_attrs,
)


def _with_standard_attrs(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the attributes, time coordinate and grid mapping of :mod:`seaice_jax.io.cfmeta`."""
    ds = ds.copy()
    for name in ds.data_vars:
        ds[name].attrs = variable_attrs(name, ds[name].attrs, ds[name].dtype)
    time_range = product_time(ds)
    if "time" not in ds.variables and time_range is not None:
        ds = ds.assign_coords(time=time_range[0].astype("datetime64[ns]"))
    if "time" in ds.variables and np.issubdtype(ds["time"].dtype, "M"):
        ds["time"].attrs = {
            **{k: v for k, v in ds["time"].attrs.items() if k not in ("units", "calendar")},
            **time_attrs(),
        }
        ds["time"].encoding.update(units=TIME_UNITS, calendar="standard", dtype="f8")
    ds.attrs = global_attrs(ds.attrs, time_range)
    crs = ds.rio.crs
    if crs is not None:
        ds = ds.drop_vars([v for v in ds.coords if ds[v].attrs.get("grid_mapping_name")])
        ds = ds.rio.write_crs(crs, grid_mapping_name=GRID_MAPPING)
        georef = "x" in ds.dims and "y" in ds.dims
        if georef:
            ds = ds.rio.write_coordinate_system()
        ds[GRID_MAPPING].attrs = grid_mapping_attrs(crs, ds.rio.transform() if georef else None)
    return ds


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write ``ds`` as CF-netCDF, atomically, with the metadata of :mod:`seaice_jax.io.cfmeta`.

    The grid mapping comes from ``ds.rio.crs`` when set; the time coordinate from ``ds.time`` or
    the ``time_coverage_start`` attribute. Float variables are compressed with zlib; the file
    appears under ``path`` only when complete.
    """
    ds = _with_standard_attrs(ds)
    # to_netcdf's encoding replaces each variable's own; keep rioxarray's grid_mapping link
    # (else readers cannot attach the CRS).
    encoding = {
        v: {"zlib": True, "complevel": 4}
        | {k: ds[v].encoding[k] for k in ("grid_mapping",) if k in ds[v].encoding}
        for v in ds.data_vars
        if ds[v].dtype.kind in "fiu" and ds[v].ndim > 0
    }
    # CF 2.5.1: coordinate variables hold no missing values, so no _FillValue.
    encoding |= {c: {"_FillValue": None} for c in ("x", "y", "time") if c in ds.coords}
    with atomic_path(path) as tmp, write_errors(path):
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)


def write_cog(
    ds: xr.Dataset | xr.DataArray,
    path: str | os.PathLike,
    variables: Sequence[str] | None = None,
) -> None:
    """Write variables of ``ds`` as bands of one Cloud-Optimised GeoTIFF, atomically.

    Args:
      ds: a georeferenced dataset (``ds.rio.crs`` and ``x``/``y`` coordinates).
      path: output ``.tif``.
      variables: which variables (bands) to write; default all 2-D ``(y, x)`` variables.
    """
    if isinstance(ds, xr.DataArray):
        ds = ds.to_dataset(name=ds.name or "band")
    if ds.rio.crs is None:
        raise SeaIceError(f"{path}: cannot write GeoTIFF without a CRS")
    names = list(variables) if variables else [v for v in ds.data_vars if ds[v].dims == ("y", "x")]
    if not names:
        raise SeaIceError(f"{path}: no (y, x) variable to write")
    stack = xr.concat(
        [ds[n].astype(np.float32) for n in names], dim=xr.Variable("band", names)
    ).rio.write_crs(ds.rio.crs)
    stack = stack.rio.write_nodata(np.nan, encoded=False)
    stack.attrs["long_name"] = tuple(names)
    units = tuple(str(variable_attrs(n, ds[n].attrs).get("units", "")) for n in names)
    with atomic_path(path) as tmp, write_errors(path):
        # Band units need a GTiff opened for update; COG is made by copying that (GDAL's way).
        plain = Path(f"{tmp}.gtiff.tif")
        try:
            stack.rio.to_raster(plain, driver="GTiff", tiled=True, compress="DEFLATE")
            with rasterio.open(plain, "r+") as r:
                r.units = units
            rasterio.shutil.copy(plain, tmp, driver="COG", compress="DEFLATE")
        finally:
            plain.unlink(missing_ok=True)
