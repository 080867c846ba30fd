"""The NASA Team product of any dataset holding AMSR2-like TBs (gridded or points).

``nasateam_product`` is what ``seaice-jax nasateam`` writes (DESIGN section 4): ``sic_raw`` (%,
unclipped), ``sic_fy``/``sic_my`` (%, unclipped), ``weather_mask`` (standard GR filter),
``weather_mask_89`` (18.7/89 GHz mask) and ``sic`` (%, clipped to 0-100, 0 where either mask
flags open water), on the input's dims, coordinates and CRS.
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.io.products import open_dataset
from seaice_jax.io.writers import write_netcdf
from seaice_jax.pm.nasateam import nasa_team_raw
from seaice_jax.pm.swath import swath_tbs_to_grid
from seaice_jax.pm.tiepoints import resolve_tiepoints
from seaice_jax.pm.weather import nt_weather_filter, weather_mask_89

#: Channels the product needs (AMSR2 18.7/23.8/36.5/89.0 GHz stand for 19/22/37/89 GHz).
REQUIRED = ("tb_18_7v", "tb_18_7h", "tb_36_5v", "tb_23_8v", "tb_89_0h", "tb_89_0v")
CARRY = ("lat", "lon", "time", "land_mask", "valid")


def nasateam_product(
    ds: xr.Dataset, *, tiepoints="amsr2", sensor: str = "amsr2", source: str = "input"
) -> xr.Dataset:
    """NT SIC and both weather masks of ``ds``.

    Args:
      ds: dataset with the :data:`REQUIRED` ``tb_*`` variables (K), all on the same dims.
      tiepoints: table name, JSON path or mapping (see :func:`seaice_jax.pm.resolve_tiepoints`).
      sensor: sensor of the standard weather-filter thresholds.
      source: the file name used in error messages.

    Returns:
      Dataset with ``sic``, ``sic_raw``, ``sic_fy``, ``sic_my`` (float32 %), ``weather_mask``,
      ``weather_mask_89`` (uint8, 1 = open water), with the input's coordinates and CRS.

    Raises:
      SeaIceError: a missing channel, TB variables on different dims, or no valid TB at all.
    """
    for name in REQUIRED:
        if name not in ds:
            raise SeaIceError(f"{source}: missing channel {name} (needed by NASA Team)")
    dims = ds[REQUIRED[0]].dims
    for name in REQUIRED[1:]:
        if ds[name].dims != dims:
            raise SeaIceError(
                f"{source}: channel {name} has dims {ds[name].dims}, {REQUIRED[0]} {dims}"
            )
    tp = resolve_tiepoints(tiepoints)
    tb = {n: ds[n].values.astype(np.float32) for n in REQUIRED}
    try:
        total, fy, my = nasa_team_raw(tb["tb_18_7v"], tb["tb_18_7h"], tb["tb_36_5v"], tiepoints=tp)
    except SeaIceError as e:
        raise SeaIceError(f"{source}: {e}") from None
    std = np.asarray(
        nt_weather_filter(tb["tb_18_7v"], tb["tb_23_8v"], tb["tb_36_5v"], sensor=sensor)
    )
    m89 = np.asarray(
        weather_mask_89(tb["tb_18_7h"], tb["tb_18_7v"], tb["tb_89_0h"], tb["tb_89_0v"])
    )
    raw = np.asarray(total)
    sic = np.where(std | m89, 0.0, np.clip(raw, 0.0, 100.0)).astype(np.float32)
    sic[~np.isfinite(raw)] = np.nan
    pct = {"units": "%"}
    out = xr.Dataset(
        {
            "sic": (dims, sic, {}),
            "sic_raw": (dims, raw, {**pct, "long_name": "NASA Team total SIC, unclipped"}),
            "sic_fy": (
                dims,
                np.asarray(fy),
                {**pct, "long_name": "NASA Team first-year SIC, unclipped"},
            ),
            "sic_my": (
                dims,
                np.asarray(my),
                {**pct, "long_name": "NASA Team multiyear SIC, unclipped"},
            ),
            "weather_mask": (
                dims,
                std.astype(np.uint8),
                {"long_name": "NT GR(37V/19V), GR(22V/19V) weather filter (1 = open water)"},
            ),
            "weather_mask_89": (
                dims,
                m89.astype(np.uint8),
                {"long_name": "18.7/89 GHz weather mask (1 = open water)"},
            ),
        },
        coords={k: v for k, v in ds.coords.items() if set(v.dims) <= set(dims)},
    )
    for name in CARRY:
        if name in ds and name not in out and set(ds[name].dims) <= set(dims):
            out[name] = ds[name]
    if ds.rio.crs is not None:
        out = out.rio.write_crs(ds.rio.crs)
    out.attrs.update(
        title="NASA Team sea-ice concentration (Cavalieri et al. 1984)",
        source=source,
        tiepoints=str(tiepoints) if isinstance(tiepoints, str) else "user mapping",
        weather_filter_sensor=sensor,
    )
    return out


def grid_swath(
    ds: xr.Dataset, grid: Grid | str, radius_m: float = 25_000.0, *, source: str = "input"
) -> xr.Dataset:
    """Resample the :data:`REQUIRED` channels of a swath or point dataset (``lat``, ``lon``) to a grid.

    NT is then applied to the gridded TBs, as NSIDC does for its 25 km products (item 7 of the
    PM issue); see :mod:`seaice_jax.pm.swath`.

    Raises:
      SeaIceError: no ``lat``/``lon``, or a missing channel (naming ``source``).
    """
    for name in ("lat", "lon", *REQUIRED):
        if name not in ds:
            raise SeaIceError(
                f"{source}: missing {'channel ' if name.startswith('tb_') else ''}{name} (needed to grid the swath)"
            )
    g = named_grid(grid) if isinstance(grid, str) else grid
    tbs = {n: ds[n].values for n in REQUIRED}
    try:
        return swath_tbs_to_grid(ds["lon"].values, ds["lat"].values, tbs, g, radius_m)
    except SeaIceError as e:
        raise SeaIceError(f"{source}: {e}") from None


def nasateam_file(
    path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    tiepoints: str = "amsr2",
    sensor: str = "amsr2",
    grid: str | None = None,
    radius_m: float = 25_000.0,
) -> xr.Dataset:
    """``seaice-jax nasateam``: the NT product of a file, written as CF-netCDF to ``out``.

    Args:
      path: anything ``seaice_jax.io`` opens that holds the :data:`REQUIRED` TBs.
      out: output netCDF.
      tiepoints: a tie-point table name or a JSON file (checked before the input is read).
      sensor: weather-filter thresholds.
      grid: resample a swath or point input to this named grid first (:func:`grid_swath`).
      radius_m: swath search radius with ``grid``.

    Returns:
      The written product (:func:`nasateam_product`).
    """
    tp = resolve_tiepoints(tiepoints)  # fail on a bad table before reading the input
    ds = open_dataset(path)
    if grid:
        ds = grid_swath(ds, grid, radius_m, source=str(path))
    res = nasateam_product(ds, tiepoints=tp, sensor=sensor, source=str(path))
    res.attrs["tiepoints"] = str(tiepoints)
    write_netcdf(res, out)
    return res
