"""Write the sim's daily grids as NSIDC-0051 NASA Team binaries and OSI SAF SIC netCDF.

NSIDC-0051 (Cavalieri et al., NSIDC user guide): a 300-byte ASCII header, then one byte per cell
of the 304 x 448 north polar stereographic 25 km grid, SIC x 2.5 (0-250), 251 pole hole, 253
coast, 254 land, 255 missing; the pixel-centre latitudes/longitudes ship as
``psn25lats_v3.dat``/``psn25lons_v3.dat`` (int32, degrees x 1e5). The sim's region is a sub-grid of
that lattice (its corner is snapped to 25 km), so its cells are written in place; the rest of the
hemisphere is 255 (missing). The grid's CRS is EPSG:3411 (Hughes 1980 ellipsoid) while the sim
computes on EPSG:3413 (WGS 84) with the same corner coordinates: the two place a cell within a
few hundred metres of each other, small against 25 km.

OSI SAF (OSI-401/450 Product User Manuals): ``ice_conc`` (int, scale 0.01, %), ``status_flag``
(bit flags), ``total_standard_uncertainty`` (%), ``xc``/``yc`` (km), ``lat``/``lon`` and a grid
mapping; here on the sim's 10 km reference grid (a regional subset, as the OSI SAF THREDDS
service delivers) with the EPSG:3413 parameters of that grid.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import netCDF4
import numpy as np

from seaice_jax.atomic import atomic_path, write_errors
from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.io import naming
from seaice_jax.io.nsidc import HEADER, LAND, MISSING, POLE_HOLE

POLE_HOLE_LAT = 89.18  # SSMIS pole hole (NSIDC-0051 user guide: 89.18 N since 2008)


def _header(date: dt.date, name: str) -> bytes:
    doy = date.timetuple().tm_yday
    fields = ["00255", "  304", "  448", "1.799", "39.43", "45.00", "558.4", "154.0", "234.0",
              "SIMUL", "17 cn", f"{doy:5d}", "-9999", "-9999", f"{doy:5d}", "-9999", "-9999",
              f"{date.year:5d}", f"{doy:5d}", "  000", "00250"]  # fmt: skip
    head = b"".join(f[:5].ljust(5).encode() + b"\x00" for f in fields)
    head += name[:23].encode().ljust(23) + b"\x00"
    title = f"ARCTIC  SIMULATED AMSR2 NASA TEAM (seaice-jax)  DAY {doy:03d} {date:%m/%d/%Y}"
    head += title[:79].encode().ljust(79) + b"\x00"
    info = "ARCTIC  SIMULATED  GRID CON Coast253Pole251Land254"
    head += info[:69].encode().ljust(69) + b"\x00"
    assert len(head) == HEADER
    return head


def _offsets(region: Grid, nsidc: Grid) -> tuple[int, int]:
    j0 = (region.x0 - nsidc.x0) / nsidc.res
    i0 = (nsidc.y0 - region.y0) / nsidc.res
    ok = float(j0).is_integer() and float(i0).is_integer() and region.res == nsidc.res
    if (
        not ok
        or i0 < 0
        or j0 < 0
        or i0 + region.height > nsidc.height
        or j0 + region.width > nsidc.width
    ):
        raise SeaIceError("NT grid: the region is not a sub-grid of the NSIDC 25 km north grid")
    return int(i0), int(j0)


def write_latlon(out_dir: Path) -> None:
    """``psn25lats_v3.dat``/``psn25lons_v3.dat`` of the NSIDC north 25 km grid (EPSG:3411)."""
    g = named_grid("nsidc3411_25km")
    lon, lat = g.lonlat()
    for what, arr in (("lats", lat), ("lons", lon)):
        with atomic_path(Path(out_dir) / f"psn25{what}_v3.dat") as tmp:
            np.rint(arr * 1e5).astype("<i4").tofile(tmp)


def write_nsidc0051(out_dir: Path, date: dt.date, sic_pct: np.ndarray, land: np.ndarray,
                    region: Grid) -> Path:  # fmt: skip
    """Write ``nt_<date>_f17_v1.1_n.bin`` (and the lat/lon files if missing) into ``out_dir``.

    Args:
      sic_pct: (h, w) NT SIC (%) on the sim's 25 km region grid (NaN = missing).
      land: (h, w) bool land mask there.
      region: that grid (EPSG:3413, a sub-grid of the NSIDC lattice).
    """
    nsidc = named_grid("nsidc3411_25km")
    i0, j0 = _offsets(region, nsidc)
    raw = np.full(nsidc.shape, MISSING, np.uint8)
    code = np.where(np.isfinite(sic_pct), np.clip(np.rint(sic_pct * 2.5), 0, 250), MISSING)
    code = np.where(land, LAND, code).astype(np.uint8)
    raw[i0 : i0 + region.height, j0 : j0 + region.width] = code
    _, lat = nsidc.lonlat()
    raw[lat > POLE_HOLE_LAT] = POLE_HOLE
    name = naming.nsidc0051_name(date)
    path = Path(out_dir) / name
    with atomic_path(path) as tmp:
        tmp.write_bytes(_header(date, name.removesuffix(".bin")) + raw.tobytes())
    if not (Path(out_dir) / "psn25lats_v3.dat").exists():
        write_latlon(out_dir)
    return path


def _int_var(nc, name: str, data: np.ndarray, attrs: dict) -> None:
    v = nc.createVariable(name, "i4", ("time", "yc", "xc"), zlib=True, fill_value=-32767)
    v.set_auto_maskandscale(False)
    v.setncatts(attrs | {"scale_factor": 0.01, "grid_mapping": "Polar_Stereographic_Grid",
                         "coordinates": "time lat lon", "units": "%"})  # fmt: skip
    v[0] = np.where(np.isfinite(data), np.rint(data * 100), -32767).astype(np.int32)


def write_osisaf(out_dir: Path, date: dt.date, sic: np.ndarray, unc: np.ndarray,
                 land: np.ndarray, grid: Grid) -> Path:  # fmt: skip
    """Write ``ice_conc_nh_polstere-100_multi_<date>1200.nc`` on ``grid`` (EPSG:3413).

    Args:
      sic, unc: (h, w) SIC and its 1-sigma uncertainty (%), NaN over land.
      land: (h, w) bool.
    """
    path = Path(out_dir) / naming.osisaf_name(date)
    lon, lat = grid.lonlat()
    t = dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC)
    secs = (t - dt.datetime(1978, 1, 1, tzinfo=dt.UTC)).total_seconds()
    with atomic_path(path) as tmp, write_errors(path), netCDF4.Dataset(tmp, "w") as nc:
        nc.setncatts({"title": "Sea ice concentration (simulated, OSI SAF layout)",
                      "product_id": "OSI-401-d layout", "institution": "seaice-jax simulator",
                      "Conventions": "CF-1.7", "start_date": f"{date} 00:00:00",
                      "stop_date": f"{date + dt.timedelta(days=1)} 00:00:00"})  # fmt: skip
        nc.createDimension("time", 1)
        nc.createDimension("nv", 2)
        nc.createDimension("xc", grid.width)
        nc.createDimension("yc", grid.height)
        crs = nc.createVariable("Polar_Stereographic_Grid", "i4")
        crs.setncatts({"grid_mapping_name": "polar_stereographic",
                       "straight_vertical_longitude_from_pole": -45.0,
                       "latitude_of_projection_origin": 90.0, "standard_parallel": 70.0,
                       "false_easting": 0.0, "false_northing": 0.0, "semi_major_axis": 6378137.0,
                       "inverse_flattening": 298.257223563,
                       "proj4_string": "+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +datum=WGS84"})  # fmt: skip
        tv = nc.createVariable("time", "f8", ("time",))
        tv.setncatts({"units": "seconds since 1978-01-01 00:00:00", "standard_name": "time",
                      "axis": "T", "calendar": "standard", "bounds": "time_bnds"})  # fmt: skip
        tv[0] = secs
        nc.createVariable("time_bnds", "f8", ("time", "nv"))[0] = [secs - 43200, secs + 43200]
        for name, vals, std in (("xc", grid.x / 1e3, "projection_x_coordinate"),
                                ("yc", grid.y / 1e3, "projection_y_coordinate")):  # fmt: skip
            v = nc.createVariable(name, "f8", (name,))
            v.setncatts({"units": "km", "standard_name": std})
            v[:] = vals
        for name, vals, std in (("lat", lat, "latitude"), ("lon", lon, "longitude")):
            v = nc.createVariable(name, "f4", ("yc", "xc"), zlib=True)
            v.setncatts({"units": f"degrees_{'north' if name == 'lat' else 'east'}",
                         "standard_name": std})  # fmt: skip
            v[:] = vals
        _int_var(nc, "ice_conc", sic, {"standard_name": "sea_ice_area_fraction",
                                       "long_name": "fully filtered concentration of sea ice",
                                       "ancillary_variables": "total_standard_uncertainty status_flag",
                                       "valid_min": 0, "valid_max": 10000})  # fmt: skip
        _int_var(nc, "total_standard_uncertainty", unc,
                 {"long_name": "total uncertainty (one standard deviation) of ice_conc",
                  "standard_name": "sea_ice_area_fraction standard_error"})  # fmt: skip
        flags = np.where(land, 1, np.where(np.nan_to_num(sic) == 0, 4, 0)).astype(np.int8)
        sf = nc.createVariable("status_flag", "i1", ("time", "yc", "xc"), zlib=True)
        sf.setncatts({"long_name": "status flag bit array for sea ice concentration retrievals",
                      "standard_name": "sea_ice_area_fraction status_flag",
                      "flag_masks": np.array([1, 2, 4, 8, 16, 32, 64], np.int8),
                      "flag_meanings": "land lake open_water_filtered land_spill_over high_t2m "
                      "spatial_interp temporal_interp", "grid_mapping": "Polar_Stereographic_Grid",
                      "coordinates": "time lat lon"})  # fmt: skip
        sf[0] = flags
    return path
