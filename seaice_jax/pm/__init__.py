"""Passive microwave: NASA Team sea-ice concentration, weather filters, the 18.7/89 GHz weather mask.

Public API (DESIGN section 4):
- :func:`nasa_team`, :func:`nasa_team_raw`: NT SIC (Cavalieri et al. 1984) on TB arrays.
- :func:`nt_weather_filter`: the standard GR(37V/19V), GR(22V/19V) filter.
- :func:`weather_mask_89`: the 18.7/89 GHz mask fitted on RRDP points.
- :func:`derive_tiepoints`, :func:`plot_tiepoints`, :data:`TIEPOINTS`: tie points.
"""

from seaice_jax.pm.derive import derive_tiepoints, nt_point_stats, plot_tiepoints
from seaice_jax.pm.nasateam import nasa_team, nasa_team_numpy, nasa_team_raw
from seaice_jax.pm.tiepoints import TIEPOINTS, nt_coefficients, resolve_tiepoints
from seaice_jax.pm.weather import (
    MASK89_THRESHOLDS,
    NT_WEATHER_THRESHOLDS,
    nt_weather_filter,
    weather_mask_89,
)

__all__ = [
    "MASK89_THRESHOLDS",
    "NT_WEATHER_THRESHOLDS",
    "TIEPOINTS",
    "derive_tiepoints",
    "nasa_team",
    "nasa_team_numpy",
    "nasa_team_raw",
    "nt_coefficients",
    "nt_point_stats",
    "nt_weather_filter",
    "plot_tiepoints",
    "resolve_tiepoints",
    "weather_mask_89",
]
