"""Grids, reprojection and regridding, land masks."""

from seaice_jax.geo.grids import NAMED_GRIDS, Grid, named_grid

__all__ = ["Grid", "NAMED_GRIDS", "named_grid"]
