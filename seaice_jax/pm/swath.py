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
from pyproj import Transformer

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


def footprint_spacing(
    lon: np.ndarray, lat: np.ndarray, crs: str = "EPSG:3413"
) -> tuple[float, float]:
    """Median distance (m, on ``crs``) between neighbouring footprints along the scan (axis 1)
    and between scans (axis 0) of a ``(scans, samples)`` swath."""
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    with np.errstate(all="ignore"):
        x, y = (np.asarray(a, np.float64) for a in t.transform(lon, lat, errcheck=False))
    out = []
    for axis in (1, 0):
        d = np.hypot(np.diff(x, axis=axis), np.diff(y, axis=axis))
        d = d[np.isfinite(d) & (d > 0)]
        out.append(float(np.median(d)) if d.size else np.nan)
    return out[0], out[1]


def grid_amsr2_89(ds: xr.Dataset, grid: Grid, *, radius_m: float | None = None) -> xr.Dataset:
    """The 89 GHz H and V brightness temperatures of an AMSR2 L1R swath on ``grid`` (3.125 km).

    The AMSR2-89 model's inputs: the unresampled 89 GHz A-horn samples (``tb_89_0{h,v}_hires``
    at ``lat_89``/``lon_89``, 486 per scan, a 3 x 5 km footprint), else the resolution-matched
    89 GHz channels (243 per scan), gridded with Gaussian weights (``geo.swath_to_grid``).

    Args:
      ds: an opened L1R swath (``seaice_jax.io.open_dataset``).
      grid: the target grid (e.g. a window of ``arctic3413_3125m``).
      radius_m: search radius; default 0.75 x the diagonal of the footprint lattice (scans are
        10 km apart for one horn), so that every point of the swath has a sample within it.

    Returns:
      Dataset on ``grid``: ``tb_89_0h``, ``tb_89_0v`` (K, NaN off the swath) and ``valid``.

    Raises:
      SeaIceError: no 89 GHz channel, or no sample inside the grid.
    """
    what = ds.attrs.get("source_path", "AMSR2 swath")
    hires = "tb_89_0h_hires" in ds and "tb_89_0v_hires" in ds
    if hires:
        lon, lat = ds["lon_89"].values, ds["lat_89"].values
        tbs = {"tb_89_0h": ds["tb_89_0h_hires"].values, "tb_89_0v": ds["tb_89_0v_hires"].values}
    elif "tb_89_0h" in ds and "tb_89_0v" in ds:
        lon, lat = ds["lon"].values, ds["lat"].values
        tbs = {"tb_89_0h": ds["tb_89_0h"].values, "tb_89_0v": ds["tb_89_0v"].values}
    else:
        raise SeaIceError(f"{what}: no 89 GHz H and V brightness temperatures")
    if radius_m is None:
        along, across = footprint_spacing(lon, lat, grid.crs)
        if not np.isfinite([along, across]).all():
            raise SeaIceError(f"{what}: footprint positions are not a (scans, samples) swath")
        radius_m = 0.75 * float(np.hypot(along, across))
    try:
        out = swath_tbs_to_grid(lon, lat, tbs, grid, radius_m)
    except SeaIceError as e:
        raise SeaIceError(f"{what}: {e}") from None
    ok = np.isfinite(out.tb_89_0h.values) & np.isfinite(out.tb_89_0v.values)
    if not ok.any():
        raise SeaIceError(f"{what}: no 89 GHz sample inside the target grid {grid.name or ''}")
    out["valid"] = (("y", "x"), ok.astype(np.uint8), {"units": "1"})
    out.attrs.update(source_path=str(what), radius_m=float(radius_m),
                     channels="89 GHz A horn" if hires else "89 GHz res23")  # fmt: skip
    return out
