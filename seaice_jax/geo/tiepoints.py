"""Geolocation of images in sensor geometry from a lattice of tie points (Sentinel-1, RCM).

A SAR product in ground-range (or slant-range) geometry locates its pixels by a sparse grid of tie
points: image line and pixel with latitude, longitude (and incidence angle) at each. Between the
tie points this module interpolates bilinearly in the *projected* coordinates of a polar map
(EPSG:3413 by default), not in latitude/longitude: projected coordinates are continuous across the
antimeridian and at the pole, where longitude jumps or is undefined, and over one tie-point cell
(tens of km) the image-to-map relation is close to affine in a conformal map, so bilinear
interpolation there is accurate (the S1 annotation's own lat/lon are on the ellipsoid at the
annotated height, which the map coordinates keep).

``image_coords`` inverts the same bilinear map exactly (Newton iterations inside each cell, started
from a piecewise-linear interpolant over the Delaunay triangles of the tie points), so
``map_xy(image_coords(x, y)) == (x, y)`` to numerical precision: projecting an image onto a map
grid asks, for each map pixel, where it lies in the image.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely
from pyproj import CRS, Transformer
from scipy.interpolate import LinearNDInterpolator

from seaice_jax.errors import SeaIceError

ARCTIC_CRS = "EPSG:3413"


def _bilinear_weights(knots: np.ndarray, q: np.ndarray):
    """Cell index and fractional position of ``q`` on increasing ``knots`` (clamped to the ends,
    so positions beyond the lattice extrapolate linearly from the edge cell)."""
    i = np.clip(np.searchsorted(knots, q, side="right") - 1, 0, len(knots) - 2)
    t = (q - knots[i]) / (knots[i + 1] - knots[i])
    return i, t


@dataclasses.dataclass(frozen=True)
class TiePoints:
    """A rectilinear lattice of tie points of one image.

    Attributes:
      line: ``(n,)`` increasing image lines of the lattice rows.
      pixel: ``(m,)`` increasing image pixels of the lattice columns.
      lat, lon: ``(n, m)`` degrees.
      incidence: ``(n, m)`` incidence angle (deg) or None.
      shape: ``(lines, pixels)`` of the image.
    """

    line: np.ndarray
    pixel: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    incidence: np.ndarray | None
    shape: tuple[int, int]

    def __post_init__(self):
        n, m = len(self.line), len(self.pixel)
        if n < 2 or m < 2:
            raise SeaIceError("tie points: need at least 2 x 2 points to geolocate an image")
        if self.lat.shape != (n, m) or self.lon.shape != (n, m):
            raise SeaIceError("tie points: latitude/longitude do not match the lattice")
        if np.any(np.diff(self.line) <= 0) or np.any(np.diff(self.pixel) <= 0):
            raise SeaIceError("tie points: lines and pixels must increase strictly")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_points(cls, line, pixel, lat, lon, incidence=None, *, shape) -> TiePoints:
        """From scattered points that form a lattice (any order), e.g. RCM ``imageTiePoint``s."""
        line, pixel = np.asarray(line, float).ravel(), np.asarray(pixel, float).ravel()
        lines, pixels = np.unique(line), np.unique(pixel)
        if lines.size * pixels.size != line.size:
            raise SeaIceError("tie points: the points do not form a rectilinear lattice")
        order = np.lexsort((pixel, line))

        def grid(a):
            return (
                None
                if a is None
                else np.asarray(a, float).ravel()[order].reshape(lines.size, pixels.size)
            )

        return cls(lines, pixels, grid(lat), grid(lon), grid(incidence), tuple(shape))

    @classmethod
    def from_dataset(cls, ds) -> TiePoints:
        """The tie points of a reader dataset: the ``gcp_*`` coordinates of a SAR image (S1, RCM)
        or a geolocation grid alone (``latitude``/``longitude``/``incidence_angle`` on
        ``(gcp_row, gcp_col)`` with ``attrs["image_shape"]``, the S1 annotation reader's)."""
        c = {**ds.coords, **ds.data_vars}
        lat = c.get("gcp_latitude", c.get("latitude"))
        lon = c.get("gcp_longitude", c.get("longitude"))
        inc = c.get("gcp_incidence_angle", c.get("incidence_angle") if lat is not None and
                    "gcp_row" in lat.dims else None)  # fmt: skip
        if lat is None or lon is None or "gcp_line" not in c or "gcp_pixel" not in c:
            raise SeaIceError(
                f"{ds.attrs.get('source_path', 'scene')}: no tie points (gcp_* coordinates)"
            )
        if "y" in ds.sizes and "x" in ds.sizes:
            shape = (ds.sizes["y"], ds.sizes["x"])
        elif "image_shape" in ds.attrs:
            shape = tuple(int(v) for v in ds.attrs["image_shape"])
        else:
            raise SeaIceError(
                f"{ds.attrs.get('source_path', 'scene')}: tie points without the image size"
            )
        line, pixel = (
            np.asarray(c["gcp_line"].values, float),
            np.asarray(c["gcp_pixel"].values, float),
        )
        inc = None if inc is None else np.asarray(inc.values, float)
        if lat.ndim == 2:
            return cls(line, pixel, np.asarray(lat.values, float), np.asarray(lon.values, float),
                       inc, shape)  # fmt: skip
        return cls.from_points(line, pixel, lat.values, lon.values, inc, shape=shape)

    # ------------------------------------------------------------------ forward map
    def _projected(self, crs) -> tuple[np.ndarray, np.ndarray]:
        t = Transformer.from_crs("EPSG:4326", CRS.from_user_input(crs), always_xy=True)
        x, y = t.transform(self.lon, self.lat)
        return np.asarray(x, float), np.asarray(y, float)

    def _interp(self, grid: np.ndarray, rows, cols) -> np.ndarray:
        rows, cols = np.broadcast_arrays(np.asarray(rows, float), np.asarray(cols, float))
        i, u = _bilinear_weights(self.line, rows)
        j, v = _bilinear_weights(self.pixel, cols)
        g00, g01 = grid[i, j], grid[i, j + 1]
        g10, g11 = grid[i + 1, j], grid[i + 1, j + 1]
        return (1 - u) * ((1 - v) * g00 + v * g01) + u * ((1 - v) * g10 + v * g11)

    def map_xy(self, rows, cols, crs=ARCTIC_CRS) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates (m) of image positions ``rows``, ``cols`` (broadcast together)."""
        gx, gy = self._projected(crs)
        return self._interp(gx, rows, cols), self._interp(gy, rows, cols)

    def incidence_at(self, rows, cols) -> np.ndarray:
        """Incidence angle (deg) at image positions, bilinear between the tie points."""
        if self.incidence is None:
            raise SeaIceError("tie points: this product annotates no incidence angle")
        return self._interp(self.incidence, rows, cols)

    # ------------------------------------------------------------------ inverse map
    def image_coords(self, x, y, crs=ARCTIC_CRS, *, iterations: int = 6):
        """Image row/column (float) of map points; NaN outside the image (half a pixel margin).

        Args:
          x, y: map coordinates (m) in ``crs``, any (broadcastable) shape.

        Returns:
          ``(rows, cols)`` float64 arrays of the broadcast shape.
        """
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        gx, gy = self._projected(crs)
        ll, pp = np.meshgrid(self.line, self.pixel, indexing="ij")
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        guess = LinearNDInterpolator(pts, np.column_stack([ll.ravel(), pp.ravel()]))
        rc = guess(np.column_stack([x.ravel(), y.ravel()]))
        r, c = rc[:, 0], rc[:, 1]
        ok = np.isfinite(r)
        r, c, xf, yf = r[ok], c[ok], x.ravel()[ok], y.ravel()[ok]
        h = 0.5  # finite-difference step (px) for the Jacobian of the bilinear map
        for _ in range(iterations):
            fx, fy = self._interp(gx, r, c), self._interp(gy, r, c)
            dxr = (self._interp(gx, r + h, c) - self._interp(gx, r - h, c)) / (2 * h)
            dyr = (self._interp(gy, r + h, c) - self._interp(gy, r - h, c)) / (2 * h)
            dxc = (self._interp(gx, r, c + h) - self._interp(gx, r, c - h)) / (2 * h)
            dyc = (self._interp(gy, r, c + h) - self._interp(gy, r, c - h)) / (2 * h)
            det = dxr * dyc - dxc * dyr
            ex, ey = xf - fx, yf - fy
            r = r + (dyc * ex - dxc * ey) / det
            c = c + (-dyr * ex + dxr * ey) / det
        rows = np.full(x.size, np.nan)
        cols = np.full(x.size, np.nan)
        nl, ns = self.shape
        inside = (r >= -0.5) & (r <= nl - 0.5) & (c >= -0.5) & (c <= ns - 0.5)
        idx = np.flatnonzero(ok)[inside]
        rows[idx], cols[idx] = r[inside], c[inside]
        return rows.reshape(x.shape), cols.reshape(x.shape)

    # ------------------------------------------------------------------ outline
    def footprint(self, crs=ARCTIC_CRS, per_edge: int = 16) -> shapely.Polygon:
        """The image outline (pixel-centre corners) as a polygon in ``crs``, densified along
        each edge (``per_edge`` points) so that it follows the curved swath edges."""
        nl, ns = self.shape
        t = np.linspace(0.0, 1.0, per_edge, endpoint=False)
        r0, r1, c0, c1 = 0.0, nl - 1.0, 0.0, ns - 1.0
        rows = np.concatenate([np.full_like(t, r0), r0 + t * (r1 - r0), np.full_like(t, r1),
                               r1 - t * (r1 - r0)])  # fmt: skip
        cols = np.concatenate([c0 + t * (c1 - c0), np.full_like(t, c1), c1 - t * (c1 - c0),
                               np.full_like(t, c0)])  # fmt: skip
        x, y = self.map_xy(rows, cols, crs)
        return shapely.Polygon(np.column_stack([x, y]))
