"""SSMIS swath points in the NumPy ``.npz`` layout of the pyresample test swath.

One array ``data`` of shape ``(N, 3)``: longitude, latitude (deg) and the 37 GHz V brightness
temperature (K) of each footprint, fill value -1e10 (decoded to NaN). The DMSP SSMIS 37 GHz
channel is 37.0 GHz, so it is named ``tb_37_0v`` (the AMSR2 36.5 GHz channel is ``tb_36_5v``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io.registry import reader

FILL = -1e10


def _sniff(path: Path) -> bool:
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        if "data.npy" not in z.namelist():
            return False
        with z.open("data.npy") as f:
            version = np.lib.format.read_magic(f)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, _ = read(f)  # the header only, not the data
    return len(shape) == 2 and shape[1] == 3


@reader("ssmis_swath_npz", _sniff, priority=40)
def open_ssmis_npz(path: Path) -> xr.Dataset:
    """Read an SSMIS swath ``.npz``.

    Returns:
      Dataset with dim ``point``: ``lon``, ``lat`` (deg), ``tb_37_0v`` (K, NaN at fill values).
    """
    with np.load(path, allow_pickle=False) as z:
        if "data" not in z.files:
            raise file_error(path, "no 'data' array (expected SSMIS swath lon, lat, TB)")
        data = np.asarray(z["data"])
    if data.ndim != 2 or data.shape[1] != 3 or data.dtype.kind != "f":
        raise file_error(
            path, f"'data' has shape {data.shape} / dtype {data.dtype}, expected (N, 3) float"
        )
    bad = lambda a: np.where(a <= FILL / 10, np.nan, a).astype(np.float32)  # noqa: E731
    lon, lat, tb = bad(data[:, 0]), bad(data[:, 1]), bad(data[:, 2])
    if not np.isfinite(tb).any():
        raise file_error(path, "every brightness temperature is fill / NaN")
    ds = xr.Dataset(
        {
            "lon": ("point", lon, {"units": "degrees_east"}),
            "lat": ("point", lat, {"units": "degrees_north"}),
            "tb_37_0v": (
                "point",
                tb,
                {
                    "units": "K",
                    "standard_name": "brightness_temperature",
                    "long_name": "SSMIS 37 GHz V",
                },
            ),
        }
    )
    ds.attrs["sensor"] = "SSMIS"
    return ds
