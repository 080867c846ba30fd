"""Minimal ENVI band reader for the GLIA sample's *result* rasters (class labels).

The scene's feature bands are opened with :func:`seaice_jax.io.open_dataset` (area ``io_sar``);
the classification results folder next to it is not a product the readers know, and only its
single-band label raster is needed here (per-class incidence slopes on the real scene).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from seaice_jax.errors import file_error

_DTYPES = {1: "u1", 2: "i2", 3: "i4", 4: "f4", 5: "f8", 12: "u2", 13: "u4", 14: "i8", 15: "u8"}


def read_envi_band(path: str | os.PathLike) -> np.ndarray:
    """Read band 1 of an ENVI ``.img`` (header ``.hdr`` beside it).

    Args:
      path: the ``.img`` (or ``.hdr``) file.

    Returns:
      (lines, samples) array in the header's data type.
    """
    img = Path(path).with_suffix(".img")
    hdr = img.with_suffix(".hdr")
    if not hdr.exists() or not img.exists():
        raise file_error(img, "ENVI .img/.hdr pair not found")
    keys: dict[str, str] = {}
    for line in hdr.read_text(errors="replace").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            keys[k.strip().lower()] = v.strip()
    try:
        h, w = int(keys["lines"]), int(keys["samples"])
        dt = np.dtype(_DTYPES[int(keys["data type"])])
        off = int(keys.get("header offset", "0"))
    except (KeyError, ValueError):
        raise file_error(hdr, "ENVI header lacks lines/samples/data type") from None
    dt = dt.newbyteorder(">" if keys.get("byte order", "0") == "1" else "<")
    data = np.fromfile(img, dtype=dt, count=h * w, offset=off)
    if data.size != h * w:
        raise file_error(img, f"holds {data.size} values, header says {h} x {w}")
    return data.reshape(h, w).astype(dt.newbyteorder("="))
