"""Grids of a simulated case: the 200 m scene inside the large passive-microwave region.

Also what every part of the simulator puts on those grids: the land mask and a georeferenced
dataset of arrays (:func:`land_mask`, :func:`to_dataset`).

All SIC grids are on EPSG:3413 (NSIDC polar stereographic north). The region's upper-left corner
is snapped to a multiple of 25 km, so its 25 km and 3.125 km grids are sub-grids of the NSIDC
grids (``nsidc3413_25km``, ``arctic3413_3125m``); the 200 m scene is snapped to 200 m multiples
and centred in the region.
"""

from __future__ import annotations

import dataclasses
import math

import ml_collections
import numpy as np
import xarray as xr
from pyproj import Transformer

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid
from seaice_jax.geo.landmask import land_mask as geo_land_mask

CRS = "EPSG:3413"


@dataclasses.dataclass(frozen=True)
class CaseGrids:
    """The grids of one case and the scene centre (map metres)."""

    scene: Grid  # 200 m truth and SAR
    coarse: Grid  # truth outside the scene (e.g. 1 km), the PM forward model's grid
    pm3125: Grid  # AMSR2 89 GHz product grid
    pm25: Grid  # NT / AMSR2 L3 grid
    ref: Grid  # OSI-SAF-like reference
    xc: float
    yc: float

    def as_dict(self) -> dict:
        out = {}
        for f in ("scene", "coarse", "pm3125", "pm25", "ref"):
            g = getattr(self, f)
            out[f] = dict(crs=g.crs, x0=g.x0, y0=g.y0, res=g.res, width=g.width, height=g.height)
        return out


def case_grids(cfg: ml_collections.ConfigDict) -> CaseGrids:
    """Grids of the SIC part of a case from its config (``cfg.sic``, ``cfg.reference``)."""
    s = cfg.sic
    region = float(s.region_km) * 1000.0
    if region % 50_000 or region <= 0:
        raise SeaIceError(
            f"config key 'sic.region_km': must be a positive multiple of 50, got {s.region_km}"
        )
    scene_side = s.size_px * 200.0
    if scene_side > region - 100_000:
        raise SeaIceError("config key 'sic.size_px': the 200 m scene must fit inside sic.region_km")
    if int(s.coarse_factor) < 1 or region % cfg.reference.res:
        raise SeaIceError(
            "config keys 'sic.coarse_factor' >= 1 and 'reference.res' dividing sic.region_km"
        )
    t = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    xc, yc = t.transform(float(s.center_lon), float(s.center_lat))
    x0 = math.floor((xc - region / 2) / 25_000.0) * 25_000.0
    y0 = math.ceil((yc + region / 2) / 25_000.0) * 25_000.0
    n25 = int(region // 25_000)

    def grid(res: float, n: int, name: str) -> Grid:
        return Grid(CRS, x0, y0, res, n, n, name=name)

    # Centre the scene on the region (snapped to 200 m), so both share one centre.
    rx, ry = x0 + region / 2, y0 - region / 2
    sx0 = round((rx - scene_side / 2) / 200.0) * 200.0
    sy0 = round((ry + scene_side / 2) / 200.0) * 200.0
    scene = Grid(CRS, sx0, sy0, 200.0, s.size_px, s.size_px, name="sim_scene_200m")
    return CaseGrids(
        scene=scene,
        coarse=grid(3125.0 / int(s.coarse_factor), n25 * 8 * int(s.coarse_factor), "sim_coarse"),
        pm3125=grid(3125.0, n25 * 8, "sim_pm_3125m"),
        pm25=grid(25_000.0, n25, "sim_pm_25km"),
        ref=grid(float(cfg.reference.res), int(region // cfg.reference.res), "sim_ref"),
        xc=sx0 + scene_side / 2,
        yc=sy0 - scene_side / 2,
    )


def land_mask(grid: Grid, factor: int = 1) -> np.ndarray:
    """GSHHG land (True) of ``grid`` (``seaice_jax.geo.land_mask``).

    With ``factor`` > 1 the mask is computed on the grid coarsened by ``factor`` and repeated
    (the large PM region does not need 1 km coastlines). A scene with no land on its grid
    coarsened by 8 (1.6 km) is taken as all sea: the GSHHG look-up is the slow part of a case.
    """
    if factor > 1:
        m = geo_land_mask(grid.coarsen(factor))
        return np.repeat(np.repeat(m, factor, 0), factor, 1)[: grid.height, : grid.width]
    if grid.width * grid.height > 65536 and not geo_land_mask(grid.coarsen(8)).any():
        return np.zeros(grid.shape, bool)
    return geo_land_mask(grid)


def to_dataset(grid: Grid, **arrays) -> xr.Dataset:
    """A georeferenced dataset on ``grid`` with (y, x) float32/uint8 variables."""
    ds = grid.template()
    for name, a in arrays.items():
        a = np.asarray(a)
        ds[name] = (("y", "x"), a if a.dtype == np.uint8 else a.astype(np.float32))
    return ds
