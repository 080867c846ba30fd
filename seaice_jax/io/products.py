"""Open a product file and pick its variable: the entry point of every reader.

* :func:`open_dataset` detects the format of a file or product folder from its content and opens
  it with the registered reader (``seaice_jax.io.registry``), in the project's standard form.
* :func:`pick_var` takes one ``(y, x)`` variable of an opened product as float32, with its CRS.
* :func:`limit_read_cache` caps netCDF-C's chunk cache for streaming reads.
"""

from __future__ import annotations

import os

import netCDF4
import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor used below)
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io import registry


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open any supported file or product folder as an ``xarray.Dataset``.

    Args:
      path: a file (netCDF, GeoTIFF, HDF5, ENVI ``.img``/``.hdr``, CSV, shapefile, ...) or a
        product folder (Sentinel-1 ``.SAFE``, RCM).

    Returns:
      The dataset in the project's standard form (lazy where the reader is lazy).

    Raises:
      SeaIceError: the file is missing, unreadable, or of no supported format.
    """
    return registry.open_with(registry.detect(path), path)


def pick_var(
    ds: xr.Dataset, name: str | None, path: str | os.PathLike, default: str = "sic"
) -> xr.DataArray:
    """The ``(y, x)`` variable ``name`` (default ``sic``) of ``ds`` as float32.

    Args:
      ds: an opened product.
      name: the variable; None takes ``default``.
      path: the product's path, for error messages.
      default: the variable taken when ``name`` is None.

    Returns:
      float32 ``(y, x)`` DataArray (length-1 extra dims squeezed), with the dataset's CRS.

    Raises:
      SeaIceError: no such variable, or it is not a single ``(y, x)`` raster.
    """
    var = name or default
    if var not in ds:
        have = ", ".join(str(v) for v in ds.data_vars)
        raise file_error(path, f"has no variable '{var}' (has: {have})")
    da = ds[var]
    extra = [d for d in da.dims if d not in ("y", "x")]
    if any(da.sizes[d] != 1 for d in extra):
        raise file_error(path, f"variable '{var}' is not a single (y, x) raster (dims {da.dims})")
    da = da.squeeze(extra, drop=True).astype(np.float32)
    if ds.rio.crs is not None:
        da = da.rio.write_crs(ds.rio.crs)
    return da


def limit_read_cache(mbytes: int = 16) -> None:
    """Cap netCDF-C's per-variable chunk cache (default 64 MB) for files opened from now on:
    streaming reads touch one row of chunks at a time, so a large cache only holds memory."""
    netCDF4.set_chunk_cache(size=mbytes << 20)
