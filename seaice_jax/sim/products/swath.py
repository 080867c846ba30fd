"""Image geometry of a simulated SAR acquisition: the sim's swath frame as lines and pixels.

The simulator draws each SAR swath as a rotated Cartesian frame on the EPSG:3413 map
(:func:`seaice_jax.sim.sar.swath`): along-track distance (flight direction) and ground range from
the near edge. A ground-range-detected product is that frame sampled on a regular lattice: a line
per along-track step (in time order) and a pixel per ground-range step (from near to far range;
RCM orders may be reversed, ``flip_lines``/``flip_pixels``). :class:`SarAcquisition` converts
between image positions and map coordinates exactly, gives the incidence angle of the sim's model
(linear in ground range) and the tie-point lattice a product annotates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
from pyproj import Geod, Transformer
from rasterio.control import GroundControlPoint

from seaice_jax.geo.grids import Grid
from seaice_jax.geo.tiepoints import ARCTIC_CRS, TiePoints

#: Ground-track speeds (m/s): Sentinel-1 at 693 km and RCM at 600 km altitude (circular orbits,
#: v_ground = v_orbit * R_e / (R_e + h)).
GROUND_SPEED = {"s1": 6_820.0, "rcm": 6_890.0}
ALTITUDE_M = {"s1": 693_000.0, "rcm": 600_000.0}
EARTH_RADIUS_M = 6_371_000.0
SPEED_OF_LIGHT = 299_792_458.0
_TO_LONLAT = Transformer.from_crs(ARCTIC_CRS, "EPSG:4326", always_xy=True)


@dataclasses.dataclass(frozen=True)
class SarAcquisition:
    """One simulated SAR image in its own geometry.

    Attributes:
      sensor: ``"s1"`` or ``"rcm"``.
      start: time of the first line in time order (UTC).
      spacing_m: pixel and line spacing (m).
      lines, samples: image size.
      flight_deg: flight direction, degrees from the map x axis (range looks to its right).
      range_at_centre: ground range (m from the near edge) of the scene centre ``(xc, yc)``.
      along0, range0: along-track and ground-range coordinates (m) of the first line / pixel
        in time / near-to-far order.
      xc, yc: the scene centre (EPSG:3413 m), origin of the along-track coordinate.
      swath_m, inc_near, inc_far: swath width and incidence angles at its edges (deg).
      flip_lines, flip_pixels: image rows run backwards in time / columns from far to near range.
    """

    sensor: str
    start: dt.datetime
    spacing_m: float
    lines: int
    samples: int
    flight_deg: float
    range_at_centre: float
    along0: float
    range0: float
    xc: float
    yc: float
    swath_m: float
    inc_near: float
    inc_far: float
    flip_lines: bool = False
    flip_pixels: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return (self.lines, self.samples)

    @property
    def line_time_s(self) -> float:
        return self.spacing_m / GROUND_SPEED[self.sensor]

    @property
    def stop(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=(self.lines - 1) * self.line_time_s)

    # ---------------------------------------------------------------- frame <-> image <-> map
    def frame(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        """Along-track and ground-range coordinates (m) of image positions."""
        rows, cols = np.asarray(rows, float), np.asarray(cols, float)
        i = self.lines - 1 - rows if self.flip_lines else rows
        j = self.samples - 1 - cols if self.flip_pixels else cols
        return self.along0 + i * self.spacing_m, self.range0 + j * self.spacing_m

    def image_to_map(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        """EPSG:3413 coordinates (m) of image positions (inverse of ``sim.sar.swath``)."""
        along, rng = self.frame(rows, cols)
        a = math.radians(self.flight_deg)
        d = rng - self.range_at_centre
        return self.xc + along * math.cos(a) + d * math.sin(a), (
            self.yc + along * math.sin(a) - d * math.cos(a)
        )

    def map_to_image(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Fractional image (row, col) of EPSG:3413 points."""
        a = math.radians(self.flight_deg)
        u, v = np.asarray(x, float) - self.xc, np.asarray(y, float) - self.yc
        along = u * math.cos(a) + v * math.sin(a)
        rng = self.range_at_centre + u * math.sin(a) - v * math.cos(a)
        i, j = (along - self.along0) / self.spacing_m, (rng - self.range0) / self.spacing_m
        rows = self.lines - 1 - i if self.flip_lines else i
        cols = self.samples - 1 - j if self.flip_pixels else j
        return rows, cols

    def incidence(self, rng) -> np.ndarray:
        """The sim's incidence angle (deg), linear in ground range (continued past the swath
        edges, where an image's outermost pixel centre may lie a fraction of a pixel)."""
        t = np.asarray(rng, float) / self.swath_m
        return self.inc_near + (self.inc_far - self.inc_near) * t

    def look_angle(self, inc_deg) -> np.ndarray:
        """Off-nadir look angle (deg) of an incidence angle on a spherical Earth."""
        s = (
            EARTH_RADIUS_M
            * np.sin(np.deg2rad(inc_deg))
            / (EARTH_RADIUS_M + ALTITUDE_M[self.sensor])
        )
        return np.rad2deg(np.arcsin(s))

    def slant_range(self, inc_deg) -> np.ndarray:
        """Slant range (m) at an incidence angle (spherical Earth, law of sines)."""
        inc, look = np.deg2rad(inc_deg), np.deg2rad(self.look_angle(inc_deg))
        return EARTH_RADIUS_M * np.sin(inc - look) / np.sin(look)

    def line_seconds(self, rows) -> np.ndarray:
        """Seconds after :attr:`start` of image rows."""
        rows = np.asarray(rows, float)
        i = self.lines - 1 - rows if self.flip_lines else rows
        return i * self.line_time_s

    # ---------------------------------------------------------------- annotation helpers
    def lattice(self, n_lines: int = 10, n_pixels: int = 21) -> tuple[np.ndarray, np.ndarray]:
        """Tie-point lines and pixels: first to last line / pixel, evenly spaced (as S1 GRD)."""
        lines = np.unique(np.round(np.linspace(0, self.lines - 1, min(n_lines, self.lines))))
        pixels = np.unique(np.round(np.linspace(0, self.samples - 1, min(n_pixels, self.samples))))
        return lines.astype(int), pixels.astype(int)

    def lonlat(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.image_to_map(rows, cols)
        lon, lat = _TO_LONLAT.transform(x, y)
        return np.asarray(lon), np.asarray(lat)

    def tie_points(self, n_lines: int = 10, n_pixels: int = 21) -> TiePoints:
        lines, pixels = self.lattice(n_lines, n_pixels)
        rr, cc = np.meshgrid(lines, pixels, indexing="ij")
        lon, lat = self.lonlat(rr, cc)
        inc = self.incidence(self.frame(rr, cc)[1])
        return TiePoints(lines.astype(float), pixels.astype(float), lat, lon, inc, self.shape)

    def heading(self) -> float:
        """Platform heading at the scene centre, degrees clockwise from true north (-180..180)."""
        a = math.radians(self.flight_deg)
        x = np.array([self.xc, self.xc + 1000.0 * math.cos(a)])
        y = np.array([self.yc, self.yc + 1000.0 * math.sin(a)])
        lon, lat = _TO_LONLAT.transform(x, y)
        az, _, _ = Geod(ellps="WGS84").inv(lon[0], lat[0], lon[1], lat[1])
        return float(az)

    def corners_latlon(self) -> list[tuple[float, float]]:
        """(lat, lon) of the image corners in the order of a SAFE manifest footprint: last line
        near range, last line far, first line far, first line near."""
        last, far = self.lines - 1, self.samples - 1
        rows, cols = [last, last, 0, 0], [0, far, far, 0]
        lon, lat = self.lonlat(rows, cols)
        return [(float(a), float(o)) for a, o in zip(lat, lon, strict=True)]

    def pass_direction(self) -> str:
        return "Ascending" if abs(self.heading()) < 90.0 else "Descending"


def acquisition(
    sensor: str,
    swath_m: float,
    inc_near: float,
    inc_far: float,
    flight_deg: float,
    range_at_centre: float,
    scene: Grid,
    start: dt.datetime,
    *,
    spacing_m: float,
    full_size: bool = False,
    flip_lines: bool = False,
    flip_pixels: bool = False,
) -> SarAcquisition:
    """The image of a swath over the scene.

    By default the image covers the part of the swath that the 200 m scene holds (the bounding
    box of the covered scene pixels in the swath frame); ``full_size`` gives the whole swath width
    and an equal along-track length centred on the scene (a full EW GRD: 400 km x 400 km).
    """
    if full_size:
        n = int(round(swath_m / spacing_m))
        along0 = -0.5 * (n - 1) * spacing_m
        return SarAcquisition(sensor, start, spacing_m, n, n, flight_deg, range_at_centre,
                              along0, 0.5 * spacing_m, scene.x.mean(), scene.y.mean(), swath_m,
                              inc_near, inc_far, flip_lines, flip_pixels)  # fmt: skip
    xc, yc = float(scene.x.mean()), float(scene.y.mean())
    a = math.radians(flight_deg)
    uu, vv = np.meshgrid(scene.x - xc, scene.y - yc)
    along = uu * math.cos(a) + vv * math.sin(a)
    rng = range_at_centre + uu * math.sin(a) - vv * math.cos(a)
    cov = (rng >= 0) & (rng <= swath_m)
    if not cov.any():
        raise ValueError(f"{sensor}: the swath does not cover the scene")
    a0, a1 = float(along[cov].min()), float(along[cov].max())
    r0, r1 = float(rng[cov].min()), float(rng[cov].max())
    # first to last pixel centre span every covered scene pixel centre
    lines = int(math.ceil((a1 - a0) / spacing_m - 1e-9)) + 1
    samples = int(math.ceil((r1 - r0) / spacing_m - 1e-9)) + 1
    return SarAcquisition(sensor, start, spacing_m, lines, samples, flight_deg, range_at_centre,
                          a0, r0, xc, yc, swath_m, inc_near, inc_far, flip_lines, flip_pixels)  # fmt: skip


def gcps(acq: SarAcquisition) -> list[GroundControlPoint]:
    lines, pixels = acq.lattice(10, 21)
    rr, cc = np.meshgrid(lines, pixels, indexing="ij")
    lon, lat = acq.lonlat(rr, cc)
    # as real measurement files: the annotation's line/pixel numbers, height 0
    return [GroundControlPoint(row=float(r), col=float(c), x=float(x), y=float(y), z=0.0)
            for r, c, x, y in zip(rr.ravel(), cc.ravel(), lon.ravel(), lat.ravel(), strict=True)]  # fmt: skip
