"""Collocation: index product files by kind, time and footprint, and match SAR scenes (or AMSR2
swaths) with the passive-microwave data, the daily NT grid and the ice chart of the same date and
place (DESIGN section 2)."""

from seaice_jax.collocate.index import ProductIndex
from seaice_jax.collocate.match import Collocation, Skip, collocate, write_report

__all__ = ["Collocation", "ProductIndex", "Skip", "collocate", "write_report"]
