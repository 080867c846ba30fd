"""RRDP points of known SIC for the PM algorithms: loading and the fit/report halves.

The RRDP tables (``seaice_jax.io.rrdp``) hold 100 % ice points (DTU SIC1) and 0 % open-water
points (DMI SIC0). Points close in time are correlated (same weather system, same orbit), so
the two halves are split by calendar day, not by row: points of even day ordinals fit, odd ones
report. Every number reported in ``docs/pm.md`` is measured on the half not used to fit.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.io.products import open_dataset

RRDP_FOLDER = "esa_cci_sic_rrdp_amsr2"


def load_rrdp_points(data_dir: str | os.PathLike | None = None) -> xr.Dataset:
    """All RRDP points of a folder, concatenated along ``point``.

    Args:
      data_dir: the ``SEAICE_JAX_DATA`` folder (its ``esa_cci_sic_rrdp_amsr2`` subfolder is used
        when present) or a folder of RRDP ``.text`` files; default ``$SEAICE_JAX_DATA``.

    Returns:
      Point dataset with ``sic`` (%), the ``tb_*`` channels, ``tclw``, ``tcwv`` and ``source``
      (file index).
    """
    if data_dir is None:
        data_dir = os.environ.get("SEAICE_JAX_DATA", "")
    folder = Path(data_dir)
    if (folder / RRDP_FOLDER).is_dir():
        folder = folder / RRDP_FOLDER
    files = sorted(folder.glob("*.text")) if folder.is_dir() else []
    if not files:
        raise SeaIceError(f"{folder}: no RRDP .text tables (set SEAICE_JAX_DATA)")
    parts = []
    keep = ("lat", "lon", "time", "sic", "tclw", "tcwv", "wind_speed", "t2m")
    for i, f in enumerate(files):
        ds = open_dataset(f)
        names = [v for v in ds.data_vars if v.startswith("tb_") or v in keep]
        parts.append(ds[names].assign(source=("point", np.full(ds.sizes["point"], i, np.int16))))
    out = xr.concat(
        parts, dim="point", data_vars="all", coords="minimal", compat="override", join="outer"
    )
    return out.assign_coords(point=np.arange(out.sizes["point"]))


def split_halves(ds: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
    """(fit, report) halves of a point dataset: even and odd calendar-day ordinals of ``time``."""
    day = ds["time"].values.astype("datetime64[D]").astype(np.int64)
    even = (day % 2) == 0
    return ds.isel(point=np.flatnonzero(even)), ds.isel(point=np.flatnonzero(~even))


def ice_and_water(ds: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
    """(100 % ice points, 0 % open-water points) of a point dataset."""
    sic = ds["sic"].values
    return ds.isel(point=np.flatnonzero(sic >= 99.5)), ds.isel(point=np.flatnonzero(sic <= 0.5))
