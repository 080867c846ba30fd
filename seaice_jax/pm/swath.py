"""NASA Team on a swath: resample the footprints to a grid (25 km NSIDC by default), then NT.

The NSIDC NT products grid the swath TBs first and apply NT on the gridded TBs (NSIDC-0051 user
guide); the same order is used here, so that a 25 km grid of AMSR2 L3 TBs (e.g. from the
simulator) and a swath go through the same NT code. Resampling: ``seaice_jax.geo.swath_to_grid``
(Gaussian-weighted neighbours within ``radius_m``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.geo import swath_to_grid
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.pm.nasateam import nasa_team_raw
from seaice_jax.pm.weather import nt_weather_filter, weather_mask_89


def swath_tbs_to_grid(
    lon: np.ndarray,
    lat: np.ndarray,
    tbs: Mapping[str, np.ndarray],
    grid: Grid | str = "nsidc3413_25km",
    radius_m: float = 25_000.0,
) -> xr.Dataset:
    """Grid every TB channel of a swath.

    Args:
      lon, lat: footprint centres (deg), shape ``S``.
      tbs: ``{tb_* name: (S,) TBs in K}``; fill values (<= 0 K, > 350 K) are ignored.
      grid: target :class:`Grid` or named grid.
      radius_m: search radius (m).

    Returns:
      Dataset on the grid (``(y, x)``, CRS written) with one float32 variable per channel.
    """
    g = named_grid(grid) if isinstance(grid, str) else grid
    ds = g.template()
    for name, tb in tbs.items():
        tb = np.asarray(tb, np.float64)
        tb = np.where((tb > 0) & (tb <= 350), tb, np.nan)
        ds[name] = (
            ("y", "x"),
            swath_to_grid(lon, lat, tb, g, radius_m).astype(np.float32),
            {"units": "K"},
        )
    return ds


def nasa_team_swath(
    lon: np.ndarray,
    lat: np.ndarray,
    tbs: Mapping[str, np.ndarray],
    grid: Grid | str = "nsidc3413_25km",
    *,
    radius_m: float = 25_000.0,
    tiepoints="amsr2",
    sensor: str = "amsr2",
) -> xr.Dataset:
    """Grid a swath, then NT: ``sic_raw`` and ``sic`` (%), plus the masks whose channels exist.

    Args:
      lon, lat, tbs, grid, radius_m: as :func:`swath_tbs_to_grid`; ``tbs`` needs ``tb_18_7v``,
        ``tb_18_7h``, ``tb_36_5v`` (19/37 GHz for SSM/I, SSMIS), optionally ``tb_23_8v`` (the
        standard weather filter) and ``tb_18_7h/v`` + ``tb_89_0h/v`` (the 18.7/89 GHz mask).
      tiepoints, sensor: NT tie points and weather-filter sensor (e.g. ``"ssmis"``, ``"ssmis"``).

    Returns:
      The gridded TBs with ``sic_raw``, ``sic`` (clipped, 0 where a mask flags open water) and
      ``weather_mask`` / ``weather_mask_89`` (uint8) when their channels are present.
    """
    for name in ("tb_18_7v", "tb_18_7h", "tb_36_5v"):
        if name not in tbs:
            raise SeaIceError(f"swath: missing channel {name} (needed by NASA Team)")
    ds = swath_tbs_to_grid(lon, lat, tbs, grid, radius_m)
    total, _, _ = nasa_team_raw(
        ds.tb_18_7v.values, ds.tb_18_7h.values, ds.tb_36_5v.values, tiepoints=tiepoints
    )
    raw = np.asarray(total)
    flag = np.zeros(raw.shape, bool)
    if "tb_23_8v" in ds:
        m = np.asarray(
            nt_weather_filter(
                ds.tb_18_7v.values, ds.tb_23_8v.values, ds.tb_36_5v.values, sensor=sensor
            )
        )
        ds["weather_mask"] = (("y", "x"), m.astype(np.uint8))
        flag |= m
    if "tb_89_0h" in ds and "tb_89_0v" in ds:
        m = np.asarray(
            weather_mask_89(
                ds.tb_18_7h.values, ds.tb_18_7v.values, ds.tb_89_0h.values, ds.tb_89_0v.values
            )
        )
        ds["weather_mask_89"] = (("y", "x"), m.astype(np.uint8))
        flag |= m
    sic = np.where(flag, 0.0, np.clip(raw, 0.0, 100.0)).astype(np.float32)
    sic[~np.isfinite(raw)] = np.nan
    ds["sic_raw"] = (("y", "x"), raw, {"units": "%"})
    ds["sic"] = (("y", "x"), sic, {"units": "%"})
    return ds
