"""Regular map grids: named grids of the products (DESIGN section 2) and user-defined ones.

A :class:`Grid` is a CRS, the outer upper-left corner, a square pixel size and a shape. It gives
the affine transform, pixel-centre coordinates and an empty georeferenced dataset to fill, so that
every product is written with full georeferencing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import rioxarray  # noqa: F401
import xarray as xr
from affine import Affine
from pyproj import CRS, Transformer

from seaice_jax.errors import SeaIceError


@dataclasses.dataclass(frozen=True)
class Grid:
    """A north-up regular grid.

    Attributes:
      crs: anything ``pyproj.CRS.from_user_input`` accepts (``"EPSG:3413"``, WKT, PROJ string).
      x0, y0: map coordinates (m) of the outer upper-left corner.
      res: pixel size (m), square.
      width, height: number of columns and rows.
      name: optional name (for the named grids).
    """

    crs: str
    x0: float
    y0: float
    res: float
    width: int
    height: int
    name: str = ""

    def __post_init__(self):
        if self.width <= 0 or self.height <= 0 or self.res <= 0:
            raise SeaIceError(f"grid {self.name or self.crs}: size and resolution must be positive")

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y0)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in map units."""
        return (
            self.x0,
            self.y0 - self.height * self.res,
            self.x0 + self.width * self.res,
            self.y0,
        )

    @property
    def x(self) -> np.ndarray:
        return self.x0 + (np.arange(self.width) + 0.5) * self.res

    @property
    def y(self) -> np.ndarray:
        return self.y0 - (np.arange(self.height) + 0.5) * self.res

    @property
    def pyproj_crs(self) -> CRS:
        return CRS.from_user_input(self.crs)

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude (deg) of every pixel centre, each of shape ``(height, width)``."""
        xx, yy = np.meshgrid(self.x, self.y)
        t = Transformer.from_crs(self.pyproj_crs, "EPSG:4326", always_xy=True)
        lon, lat = t.transform(xx, yy)
        return np.asarray(lon), np.asarray(lat)

    def template(self) -> xr.Dataset:
        """An empty dataset on this grid with ``x``/``y`` coordinates and the CRS written."""
        ds = xr.Dataset(coords={"y": ("y", self.y), "x": ("x", self.x)})
        ds["x"].attrs.update(units="m", standard_name="projection_x_coordinate")
        ds["y"].attrs.update(units="m", standard_name="projection_y_coordinate")
        return ds.rio.write_crs(self.pyproj_crs.to_wkt()).rio.write_transform(self.transform)

    def subgrid(self, row0: int, col0: int, height: int, width: int) -> Grid:
        """The window ``[row0:row0+height, col0:col0+width]`` of this grid as a grid."""
        return dataclasses.replace(
            self,
            x0=self.x0 + col0 * self.res,
            y0=self.y0 - row0 * self.res,
            width=width,
            height=height,
            name=f"{self.name}[{row0}:{row0 + height},{col0}:{col0 + width}]",
        )

    def coarsen(self, factor: int) -> Grid:
        """The same extent at ``factor`` times the pixel size (shape divided, rounded up)."""
        return dataclasses.replace(
            self,
            res=self.res * factor,
            width=-(-self.width // factor),
            height=-(-self.height // factor),
            name=f"{self.name}/{factor}",
        )

    @classmethod
    def from_bounds(
        cls, crs: str, bounds: tuple[float, float, float, float], res: float, name: str = ""
    ) -> Grid:
        """The grid of pixel size ``res`` whose outer corner is the upper left of ``bounds``
        ``(left, bottom, right, top)`` and that covers them (shape rounded up)."""
        left, bottom, right, top = (float(b) for b in bounds)
        width = max(int(np.ceil((right - left) / res - 1e-9)), 1)
        height = max(int(np.ceil((top - bottom) / res - 1e-9)), 1)
        return cls(crs, left, top, float(res), width, height, name=name)

    @classmethod
    def from_dataset(cls, ds: xr.Dataset | xr.DataArray) -> Grid:
        """The grid of a georeferenced, north-up dataset (``ds.rio.crs`` and ``x``/``y``)."""
        crs = ds.rio.crs
        if crs is None:
            raise SeaIceError("dataset has no CRS: cannot define its grid")
        t = ds.rio.transform()
        if abs(t.b) > 0 or abs(t.d) > 0 or abs(abs(t.a) - abs(t.e)) > 1e-6 * abs(t.a) or t.e > 0:
            raise SeaIceError("dataset grid is not north-up with square pixels")
        h, w = ds.rio.height, ds.rio.width
        return cls(crs.to_wkt(), t.c, t.f, abs(t.a), w, h)


# NSIDC polar stereographic north: 304 x 448 at 25 km, outer upper-left corner (-3850, 5850) km
# (NSIDC-0051 user guide). EPSG:3411 is the Hughes-1980 original, EPSG:3413 its WGS84 version.
_PSN = dict(x0=-3_850_000.0, y0=5_850_000.0)
NAMED_GRIDS: dict[str, Grid] = {
    "nsidc3413_25km": Grid(
        "EPSG:3413", res=25_000.0, width=304, height=448, name="nsidc3413_25km", **_PSN
    ),
    "nsidc3411_25km": Grid(
        "EPSG:3411", res=25_000.0, width=304, height=448, name="nsidc3411_25km", **_PSN
    ),
    "arctic3413_3125m": Grid(
        "EPSG:3413", res=3_125.0, width=2432, height=3584, name="arctic3413_3125m", **_PSN
    ),
    "arctic3413_200m": Grid(
        "EPSG:3413", res=200.0, width=38_000, height=56_000, name="arctic3413_200m", **_PSN
    ),
    # EASE-Grid 2.0 North (EPSG:6931), 25 km: 720 x 720 centred on the pole (NSIDC EASE2 definition).
    "ease2_nh_25km": Grid(
        "EPSG:6931",
        x0=-9_000_000.0,
        y0=9_000_000.0,
        res=25_000.0,
        width=720,
        height=720,
        name="ease2_nh_25km",
    ),
    # Baltic Sea on World Mercator (EPSG:3395) at 500 m: 9 E - 31 E, 53 N - 66.5 N.
    "baltic3395_500m": Grid(
        "EPSG:3395",
        x0=1_001_500.0,
        y0=9_976_000.0,
        res=500.0,
        width=4_899,
        height=6_055,
        name="baltic3395_500m",
    ),
}


def named_grid(name: str) -> Grid:
    """One of :data:`NAMED_GRIDS` by name; an unknown name is a one-line error listing them."""
    try:
        return NAMED_GRIDS[name]
    except KeyError:
        raise SeaIceError(
            f"unknown grid '{name}' (known: {', '.join(sorted(NAMED_GRIDS))})"
        ) from None
