"""Simulator with known truth (observing-system simulation), calibrated on the real files.

``simulate(cfg, out_dir)`` writes one case (docs/sim.md): 200 m truth, Sentinel-1 EW and RCM
SAR, AMSR2 TBs at 3.125 km and 25 km, NASA Team SIC, SIGRID-3 charts, an OSI-SAF-like reference
and a Baltic sea-ice thickness scenario.
"""

from seaice_jax.sim import calibration
from seaice_jax.sim.case import enable_compilation_cache, simulate

__all__ = ["calibration", "enable_compilation_cache", "simulate"]
