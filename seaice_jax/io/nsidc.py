"""NSIDC-0051 (NASA Team SIC from SMMR, SSM/I, SSMIS) daily/monthly flat binary files.

Layout (NSIDC-0051 user guide, Cavalieri et al. 1996, updated): a 300-byte ASCII header, then one
unsigned byte per cell, row by row from the top (north-up) of the NSIDC polar stereographic grid:
North 304 x 448 at 25 km (EPSG:3411, Hughes 1980 ellipsoid, true scale at 70 N, outer upper-left
corner (-3850, 5850) km), South 316 x 332 (EPSG:3412, corner (-3950, 4350) km). Values 0-250 are
SIC x 2.5 (so / 2.5 gives %); 251 pole hole, 252 unused, 253 coast, 254 land, 255 missing.

The pixel-centre latitudes and longitudes ship separately (``psn25lats_v3.dat``/``psn25lons_v3.dat``,
``pss25...`` in the south: int32 little-endian, degrees x 1e5) and must lie beside the data file:
they are read and returned as ``lat``/``lon`` so the grid can be checked against them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.io.registry import head, reader

HEADER = 300
POLE_HOLE, UNUSED, COAST, LAND, MISSING = 251, 252, 253, 254, 255

_SOUTH = Grid("EPSG:3412", -3_950_000.0, 4_350_000.0, 25_000.0, 316, 332, name="nsidc3412_25km")
#: hemisphere -> (grid, lat/lon file prefix)
_LAYOUTS = {
    "n": (named_grid("nsidc3411_25km"), "psn25"),
    "s": (_SOUTH, "pss25"),
}


def _hemisphere(path: Path) -> str | None:
    size = path.stat().st_size
    for hemi, (grid, _) in _LAYOUTS.items():
        if size == HEADER + grid.width * grid.height:
            return hemi
    return None


def _sniff(path: Path) -> bool:
    if not path.is_file() or _hemisphere(path) is None:
        return False
    h = head(path, HEADER)
    # The header is printable ASCII fields separated by NULs (e.g. b"00255\x00  304\x00  448\x00").
    fields = [f for f in h.split(b"\x00") if f.strip()]
    return len(fields) >= 3 and fields[0].strip().isdigit() and fields[1].strip().isdigit()


def _latlon(path: Path, prefix: str, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for what in ("lats", "lons"):
        f = path.parent / f"{prefix}{what}_v3.dat"
        if not f.exists():
            raise file_error(
                path, f"missing companion file {f.name} (NSIDC {prefix} {what[:-1]} grid)"
            )
        raw = np.fromfile(f, dtype="<i4")
        if raw.size != grid.width * grid.height:
            raise file_error(f, f"has {raw.size} values, expected {grid.height} x {grid.width}")
        out.append(raw.reshape(grid.shape).astype(np.float64) / 1e5)
    return out[0], out[1]


@reader("nsidc0051_binary", _sniff, priority=30)
def open_nsidc0051(path: Path) -> xr.Dataset:
    """Read an NSIDC-0051 binary file.

    Returns:
      Dataset on the NSIDC 25 km grid, dims ``(y, x)``: ``sic`` (%, float32, NaN on every flag),
      ``land_mask`` (1 land or coast), ``pole_hole`` (1 in the sensor's pole hole), ``flag``
      (the raw byte), ``lat``/``lon`` (deg, from the companion files); CRS EPSG:3411/3412.
    """
    hemi = _hemisphere(path)
    if hemi is None:
        raise file_error(
            path, "size does not match an NSIDC-0051 25 km grid (300-byte header + bytes)"
        )
    grid, prefix = _LAYOUTS[hemi]
    raw = np.fromfile(path, dtype=np.uint8, offset=HEADER).reshape(grid.shape)
    lat, lon = _latlon(path, prefix, grid)
    sic = np.where(raw <= 250, raw.astype(np.float32) / 2.5, np.nan).astype(np.float32)
    ds = grid.template()
    ds["sic"] = (("y", "x"), sic)
    ds["land_mask"] = (("y", "x"), np.isin(raw, (COAST, LAND)).astype(np.uint8))
    ds["pole_hole"] = (("y", "x"), (raw == POLE_HOLE).astype(np.uint8))
    ds["flag"] = (("y", "x"), raw)
    ds["flag"].attrs.update(
        long_name="raw NSIDC-0051 byte",
        flag_values=np.array([POLE_HOLE, UNUSED, COAST, LAND, MISSING], dtype=np.uint8),
        flag_meanings="pole_hole unused coast land missing",
    )
    ds["lat"] = (("y", "x"), lat.astype(np.float32), {"units": "degrees_north"})
    ds["lon"] = (("y", "x"), lon.astype(np.float32), {"units": "degrees_east"})
    ds["sic"].attrs.update(units="%", standard_name="sea_ice_area_fraction")
    ds.attrs["header"] = (
        head(path, HEADER).replace(b"\x00", b" ").decode("ascii", "replace").strip()
    )
    ds.attrs["hemisphere"] = "north" if hemi == "n" else "south"
    return ds
