"""Grids, reprojection and regridding, swath gridding, land masks."""

from seaice_jax.geo.area import area_average, area_weights
from seaice_jax.geo.grids import NAMED_GRIDS, Grid, named_grid
from seaice_jax.geo.landmask import is_land, land_fraction, land_mask
from seaice_jax.geo.regrid import check_overlap, regrid, regrid_array
from seaice_jax.geo.swath import swath_to_grid

__all__ = [
    "Grid",
    "NAMED_GRIDS",
    "named_grid",
    "regrid",
    "regrid_array",
    "area_average",
    "area_weights",
    "check_overlap",
    "swath_to_grid",
    "land_mask",
    "land_fraction",
    "is_land",
]
