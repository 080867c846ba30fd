"""Write simulated AMSR2 L1R swaths as JAXA HDF5 files (``GW1AM2_..._L1SGRTBR_...h5``).

Scan geometry (JAXA GCOM-W1 AMSR2 specification): a conical scan at 55 deg Earth incidence from
700 km, so footprints lie on an arc about 820 km ahead of the sub-satellite point, a swath of
1450 km, one scan every 1.5 s (10 km along track), 486 samples per scan for the 89 GHz A horn
and every second one of them for the lower frequencies (243). The ground track is straight in
the region's polar stereographic plane (over a region of 1600 km the curvature of a real track
is small next to the swath).

Contents, as the L1R format names them: ``Brightness Temperature (res23,<f>GHz,<p>)`` for the
channels the sim models (18.7 H/V, 23.8 V, 36.5 H/V, 89.0 H/V), resolution-matched to the 23 GHz
footprint; ``Brightness Temperature (original,89GHz-A,<p>)`` at the 89 GHz footprint;
``Latitude/Longitude of Observation Point for 89A`` (scans, 486); ``Scan Time`` (TAI93 s);
``Earth Incidence``. TBs are uint16 counts of 0.01 K (attribute ``SCALE FACTOR``), 65535 where
the footprint lies outside the simulated region (the sim has no TBs there).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import h5py
import jax.numpy as jnp
import numpy as np
from pyproj import Transformer

from seaice_jax.atomic import atomic_path, write_errors
from seaice_jax.geo.grids import Grid
from seaice_jax.geo.tiepoints import ARCTIC_CRS
from seaice_jax.io import naming
from seaice_jax.io.amsr2 import utc_to_tai93
from seaice_jax.sim import fields

SCAN_S = 1.5
SCAN_SPACING_M = 10_000.0
ARC_RADIUS_M = 823_000.0  # ground distance to the footprints: 55 deg incidence from 700 km
HALF_SWATH_M = 725_000.0
N89 = 486
MISSING = 65535
#: channel -> (dataset frequency text, polarisation) of the res23 set written
RES23 = {"tb_18_7h": ("18.7", "H"), "tb_18_7v": ("18.7", "V"), "tb_23_8v": ("23.8", "V"),
         "tb_36_5h": ("36.5", "H"), "tb_36_5v": ("36.5", "V"), "tb_89_0h": ("89.0", "H"),
         "tb_89_0v": ("89.0", "V")}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class AmsrPass:
    """One overpass: footprint centres (EPSG:3413 m) of the 89A horn and scan start times."""

    start: dt.datetime
    direction: str  # "A" or "D"
    path: int
    x: np.ndarray  # (scans, 486)
    y: np.ndarray
    scan_time: np.ndarray  # (scans,) seconds after start

    @property
    def stop(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=float(self.scan_time[-1]))

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        t = Transformer.from_crs(ARCTIC_CRS, "EPSG:4326", always_xy=True)
        lon, lat = t.transform(self.x, self.y)
        return np.asarray(lon, np.float32), np.asarray(lat, np.float32)


def amsr2_pass(region: Grid, start: dt.datetime, heading_deg: float, offset_m: float) -> AmsrPass:
    """The scans of an overpass whose ground track crosses ``region``.

    Args:
      region: the PM region grid (EPSG:3413).
      start: nominal time of the scan nearest the region centre (UTC).
      heading_deg: ground-track direction, degrees from the map x axis.
      offset_m: distance of the ground track from the region centre (to its right, m).
    """
    b = math.radians(heading_deg)
    t_hat, n_hat = np.array([math.cos(b), math.sin(b)]), np.array([math.sin(b), -math.cos(b)])
    left, bottom, right, top = region.bounds
    centre = np.array([(left + right) / 2, (bottom + top) / 2]) + offset_m * n_hat
    half = 0.5 * math.hypot(right - left, top - bottom) + ARC_RADIUS_M + SCAN_SPACING_M
    k = np.arange(-int(half // SCAN_SPACING_M), int(half // SCAN_SPACING_M) + 1)
    phi_max = math.asin(HALF_SWATH_M / ARC_RADIUS_M)
    phi = np.linspace(-phi_max, phi_max, N89)
    sub = centre[None, :] + (k * SCAN_SPACING_M)[:, None] * t_hat[None, :]  # (K, 2)
    ahead = ARC_RADIUS_M * (np.cos(phi)[None, :, None] * t_hat + np.sin(phi)[None, :, None] * n_hat)
    pos = sub[:, None, :] + ahead  # (K, 486, 2)
    x, y = pos[..., 0], pos[..., 1]
    inside = (x >= left) & (x <= right) & (y >= bottom) & (y <= top)
    keep = np.flatnonzero(inside.any(axis=1))
    k, x, y = k[keep], x[keep], y[keep]
    t = (k - k[0]) * SCAN_S
    first = start + dt.timedelta(seconds=float(k[0] * SCAN_S))
    lat_dir = _northward(region, centre, t_hat)
    # 233 paths per 16-day repeat cycle, counted from GCOM-W1's launch day
    revs = (first - dt.datetime(2012, 5, 18, tzinfo=dt.UTC)).total_seconds() / (16 * 86400 / 233)
    path = 1 + int(revs) % 233
    return AmsrPass(first, "A" if lat_dir else "D", path, x, y, t.astype(np.float64))


def _northward(region: Grid, centre: np.ndarray, t_hat: np.ndarray) -> bool:
    t = Transformer.from_crs(region.crs, "EPSG:4326", always_xy=True)
    _, lat0 = t.transform(*centre)
    _, lat1 = t.transform(*(centre + 1000.0 * t_hat))
    return bool(lat1 > lat0)


def sample_tb(field: np.ndarray, grid: Grid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of a (C, H, W) field on ``grid`` at map points; NaN outside the grid."""
    r, c = fields.sample_coords(grid, jnp.asarray(x), jnp.asarray(y))
    out = np.stack([np.asarray(fields.bilinear(jnp.asarray(f), r, c)) for f in field])
    left, bottom, right, top = grid.bounds
    inside = (x >= left) & (x <= right) & (y >= bottom) & (y <= top)
    return np.where(inside[None], out, np.nan)


def _counts(tb: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(tb), np.clip(np.rint(tb / 0.01), 0, MISSING - 2), MISSING).astype(
        np.uint16
    )


def write_l1r(out_dir: Path, p: AmsrPass, res23: dict[str, np.ndarray], orig89: dict[str, np.ndarray]) -> Path:  # fmt: skip
    """Write one L1R file.

    Args:
      out_dir: destination folder.
      p: the pass geometry.
      res23: channel name (``tb_18_7h``, ...) -> (scans, 243) TB in K (NaN = missing).
      orig89: ``"h"``/``"v"`` -> (scans, 486) 89 GHz A-horn TB in K.

    Returns:
      The file written.
    """
    path = Path(out_dir) / naming.amsr2_l1r_name(p.start, p.path, p.direction)
    lon, lat = p.lonlat()
    with atomic_path(path) as tmp, write_errors(path), h5py.File(tmp, "w") as f:
        for key, val in (("PlatformShortName", "GCOM-W1"), ("SensorShortName", "AMSR2"),
                         ("ProductName", "AMSR2-L1R"), ("GranuleID", path.stem),
                         ("OrbitDirection", "Ascending" if p.direction == "A" else "Descending"),
                         ("ObservationStartDateTime", naming.iso(p.start, 3) + "Z"),
                         ("ObservationEndDateTime", naming.iso(p.stop, 3) + "Z"),
                         ("ProcessingCenter", "seaice-jax simulator")):  # fmt: skip
            f.attrs[key] = np.array([val.encode()])
        for name, (freq, pol) in RES23.items():
            if name in res23:
                _tb(f, f"Brightness Temperature (res23,{freq}GHz,{pol})", res23[name])
        for pol, tb in orig89.items():
            _tb(f, f"Brightness Temperature (original,89GHz-A,{pol.upper()})", tb)
        for what, arr in (("Latitude", lat), ("Longitude", lon)):
            d = f.create_dataset(f"{what} of Observation Point for 89A", data=arr)
            d.attrs["UNIT"] = np.array([b"deg"])
        d = f.create_dataset("Scan Time", data=utc_to_tai93(p.start, p.scan_time))
        d.attrs["UNIT"] = np.array([b"sec"])
        d = f.create_dataset("Earth Incidence", data=np.full(lat[:, ::2].shape, 5500, np.int16))
        d.attrs["SCALE FACTOR"] = np.array([0.01], np.float32)
        d.attrs["UNIT"] = np.array([b"deg"])
    return path


def _tb(f: h5py.File, name: str, tb: np.ndarray) -> None:
    d = f.create_dataset(name, data=_counts(tb), compression="gzip")
    d.attrs["SCALE FACTOR"] = np.array([0.01], np.float32)
    d.attrs["UNIT"] = np.array([b"K"])
