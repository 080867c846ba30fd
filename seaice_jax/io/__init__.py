"""Readers and writers for every supported product family.

``open_dataset(path)`` detects the format from the content and returns the one in-memory form of
the project (DESIGN section 2): an ``xarray.Dataset`` with dims ``(y, x)`` (or ``(point,)`` for
point tables), a CRS through ``rioxarray`` where the format has one, and standard variable names.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

import xarray as xr

from seaice_jax.io import registry

for _m in pkgutil.iter_modules(__path__):
    if _m.name not in ("registry",):
        importlib.import_module(f"{__name__}.{_m.name}")


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open any supported file or product folder as an ``xarray.Dataset``.

    Args:
      path: a file (netCDF, GeoTIFF, HDF5, ENVI ``.img``/``.hdr``, CSV, shapefile, ...) or a
        product folder (Sentinel-1 ``.SAFE``, RCM).

    Returns:
      The dataset in the project's standard form.

    Raises:
      SeaIceError: the file is missing, unreadable, or of no supported format.
    """
    return registry.open_with(registry.detect(path), path)


__all__ = ["open_dataset"]
