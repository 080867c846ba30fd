"""Writers: CF-netCDF and Cloud-Optimised GeoTIFF with full georeferencing, always atomic."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

from seaice_jax.atomic import atomic_path, write_errors
from seaice_jax.errors import SeaIceError
from seaice_jax.names import ATTRS


def _with_standard_attrs(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy()
    for name, attrs in ATTRS.items():
        if name in ds:
            for k, v in attrs.items():
                ds[name].attrs.setdefault(k, v)
    ds.attrs.setdefault("Conventions", "CF-1.8")
    ds.attrs.setdefault("institution", "seaice-jax")
    return ds


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write ``ds`` as CF-netCDF (grid mapping from ``ds.rio.crs`` when set), atomically.

    Float variables are compressed with zlib; the file appears under ``path`` only when complete.
    """
    ds = _with_standard_attrs(ds)
    if ds.rio.crs is not None:
        ds = ds.rio.write_crs(ds.rio.crs)
        if "x" in ds.dims and "y" in ds.dims:
            ds = ds.rio.write_coordinate_system()
    # rioxarray keeps the CF ``grid_mapping`` link in each variable's encoding; an explicit
    # ``encoding`` replaces it, so carry it over (else readers cannot attach the CRS).
    encoding = {
        v: {"zlib": True, "complevel": 4}
        | {k: ds[v].encoding[k] for k in ("grid_mapping",) if k in ds[v].encoding}
        for v in ds.data_vars
        if ds[v].dtype.kind in "fiu" and ds[v].ndim > 0
    }
    # to_netcdf's encoding replaces each variable's own; keep rioxarray's grid_mapping link.
    for v in encoding:
        if "grid_mapping" in ds[v].encoding:
            encoding[v]["grid_mapping"] = ds[v].encoding["grid_mapping"]
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
    with atomic_path(path) as tmp, write_errors(path):
        stack.rio.to_raster(tmp, driver="COG", compress="DEFLATE")
