"""Test doubles for projection: a SAR image whose geolocation is known in closed form.

:class:`AffineGeolocation` puts image (line, pixel) on EPSG:3413 by a rotation and two spacings
(what a ground-range image is, up to the Earth's curvature): ``map_xy`` and its exact inverse
``image_coords`` are formulas, so projection can be checked against them, and through pyproj
against longitudes and latitudes anywhere (the pole, the antimeridian).
"""

from __future__ import annotations

import numpy as np
import shapely
import xarray as xr
from pyproj import Transformer

from seaice_jax.io._lazy import lazy_variable, to_db

TO_LONLAT = Transformer.from_crs("EPSG:3413", "EPSG:4326", always_xy=True)
TO_MAP = Transformer.from_crs("EPSG:4326", "EPSG:3413", always_xy=True)


class AffineGeolocation:
    """Image (line, pixel) -> EPSG:3413: origin ``(x0, y0)`` at pixel (0, 0), lines along the
    heading (deg clockwise from map north), pixels 90 deg to its right."""

    def __init__(self, shape, x0, y0, dl, dp, heading_deg, inc=(20.0, 45.0)):
        self.shape = tuple(shape)
        self.x0, self.y0, self.dl, self.dp = x0, y0, dl, dp
        h = np.deg2rad(heading_deg)
        self.ul = np.array([np.sin(h), np.cos(h)])  # unit step along lines (x, y)
        self.up = np.array([np.cos(h), -np.sin(h)])  # unit step along pixels
        self.inc = inc

    def map_xy(self, rows, cols):
        rows, cols = np.asarray(rows, float), np.asarray(cols, float)
        x = self.x0 + rows * self.dl * self.ul[0] + cols * self.dp * self.up[0]
        y = self.y0 + rows * self.dl * self.ul[1] + cols * self.dp * self.up[1]
        return x, y

    def raw_coords(self, x, y):
        """Image (line, pixel) of map points, also outside the image."""
        dx, dy = np.asarray(x, float) - self.x0, np.asarray(y, float) - self.y0
        return (dx * self.ul[0] + dy * self.ul[1]) / self.dl, (
            dx * self.up[0] + dy * self.up[1]
        ) / self.dp

    def image_coords(self, x, y):
        r, c = self.raw_coords(x, y)
        n, m = self.shape
        out = (r < -0.5) | (r > n - 0.5) | (c < -0.5) | (c > m - 0.5)
        return np.where(out, np.nan, r), np.where(out, np.nan, c)

    def incidence_at(self, rows, cols):
        return self.inc[0] + (self.inc[1] - self.inc[0]) * np.asarray(cols, float) / self.shape[1]

    def footprint(self):
        n, m = self.shape
        r = np.r_[np.full(m, -0.5), np.linspace(-0.5, n - 0.5, n), np.full(m, n - 0.5),
                  np.linspace(n - 0.5, -0.5, n)]  # fmt: skip
        c = np.r_[np.linspace(-0.5, m - 0.5, m), np.full(n, m - 0.5), np.linspace(m - 0.5, -0.5, m),
                  np.full(n, -0.5)]  # fmt: skip
        return shapely.Polygon(np.column_stack(self.map_xy(r, c)))

    def lonlat(self, rows, cols):
        return TO_LONLAT.transform(*self.map_xy(rows, cols))


def lazy_scene(power: dict[str, np.ndarray], geo: AffineGeolocation) -> xr.Dataset:
    """A reader-like dataset: lazily read dB bands backed by the given linear power arrays."""
    ds = xr.Dataset()
    for pol, p in power.items():

        def pw(rows, cols, p=p):
            return p[rows, cols].astype(np.float64)

        def db(rows, cols, pw=pw):
            return to_db(pw(rows, cols))

        ds[pol] = lazy_variable(p.shape, np.float32, db, {"units": "dB"}, power=pw)
    rr, cc = np.meshgrid(np.arange(geo.shape[0]), np.arange(geo.shape[1]), indexing="ij")
    ds["incidence_angle"] = (("y", "x"), geo.incidence_at(rr, cc).astype(np.float32))
    return ds
