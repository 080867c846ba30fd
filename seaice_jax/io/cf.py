"""Generic CF-netCDF and GeoTIFF with a grid mapping: the fallback readers (lowest priority).

netCDF: the CRS comes from the CF grid-mapping variable (``grid_mapping_name`` and its parameters,
or a ``crs_wkt``/``spatial_ref`` attribute, via ``pyproj.CRS.from_cf``); the projection axes are
found by ``standard_name`` (``projection_x_coordinate``), ``axis`` or name (``x``/``xc``), renamed
to ``x``/``y`` and converted to metres. A file with only 1-D ``lat``/``lon`` axes is a regular
longitude/latitude grid (EPSG:4326, ``x``/``y`` in degrees). Variables stay lazy (netCDF4).

GeoTIFF: ``rioxarray`` (lazy, windowed reads); one variable per band, named from the band
descriptions (the project's own COGs carry the variable names there) or the file stem.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import netCDF4
import numpy as np
import rasterio
import rioxarray
import xarray as xr
from pyproj import CRS
from rasterio.errors import NotGeoreferencedWarning

from seaice_jax.errors import file_error
from seaice_jax.io.registry import head, reader

NETCDF_MAGIC = (b"CDF\x01", b"CDF\x02", b"CDF\x05")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_UNITS_TO_M = {
    "m": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "metre": 1.0,
    "km": 1000.0,
    "kilometers": 1000.0,
}


def is_netcdf(p: Path) -> bool:
    """netCDF classic/64-bit magic, or HDF5 magic with a netCDF extension."""
    if not p.is_file():
        return False
    h = head(p, 8)
    if h[:4] in NETCDF_MAGIC:
        return True
    return h == HDF5_MAGIC and p.suffix.lower() in (".nc", ".nc4", ".netcdf", ".cdf")


def netcdf_variables(p: Path) -> set[str]:
    """Names of the variables of a netCDF file (empty set when it cannot be read): for sniffers."""
    if not is_netcdf(p):
        return set()
    try:
        with netCDF4.Dataset(p) as nc:
            return set(nc.variables)
    except Exception:  # noqa: BLE001 - sniffers never raise
        return set()


def open_netcdf_raw(p: Path) -> xr.Dataset:
    """``xr.open_dataset`` with CF decoding, lazily; any library failure becomes a SeaIceError."""
    try:
        return xr.open_dataset(p, engine="netcdf4", decode_timedelta=False)
    except Exception as e:  # noqa: BLE001
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise file_error(p, f"cannot read netCDF: {msg}") from None


def identify_crs(crs: CRS) -> CRS:
    """Replace a CF-built CRS by its EPSG equivalent when the projection parameters and the
    ellipsoid agree exactly (CF grid mappings carry no datum names, so pyproj alone reports
    'unknown'); otherwise return it unchanged."""
    try:
        code = crs.to_epsg(min_confidence=20)
    except Exception:  # noqa: BLE001
        code = None
    if code is None:
        return crs
    ref = CRS.from_epsg(code)
    keys = ("proj", "lat_0", "lon_0", "lat_ts", "lat_1", "lat_2", "x_0", "y_0", "k", "k_0", "units")
    with warnings.catch_warnings():  # to_dict goes through PROJ strings; only parameters matter
        warnings.simplefilter("ignore", UserWarning)
        a, b = crs.to_dict(), ref.to_dict()
    same = all(np.isclose(a[k], b[k]) if isinstance(a.get(k), float | int) and k in b
               else a.get(k) == b.get(k) for k in keys)  # fmt: skip
    ea, eb = crs.ellipsoid, ref.ellipsoid
    same = same and ea is not None and eb is not None
    same = same and np.isclose(ea.semi_major_metre, eb.semi_major_metre)
    same = same and np.isclose(ea.inverse_flattening, eb.inverse_flattening)
    return ref if same else crs


def _grid_mapping(ds: xr.Dataset) -> tuple[str | None, CRS | None]:
    names = {ds[v].attrs.get("grid_mapping") for v in ds.variables} - {None}
    names |= {v for v in ds.variables if "grid_mapping_name" in ds[v].attrs}
    for name in sorted(n.split(":")[0].strip() for n in names):
        if name not in ds.variables:
            continue
        attrs = dict(ds[name].attrs)
        for key in ("crs_wkt", "spatial_ref"):
            if key in attrs:
                return name, CRS.from_wkt(attrs[key])
        if "proj4_string" in attrs and "grid_mapping_name" not in attrs:
            return name, identify_crs(CRS.from_proj4(attrs["proj4_string"]))
        return name, identify_crs(CRS.from_cf(attrs))
    return None, None


def _axis(ds: xr.Dataset, which: str) -> str | None:
    std = f"projection_{which}_coordinate"
    for name in ds.coords:
        a = ds[name].attrs
        if ds[name].ndim == 1 and (a.get("standard_name") == std or a.get("axis") == which.upper()):
            if a.get("standard_name") not in ("latitude", "longitude", "time"):
                return str(name)
    for name in (which, f"{which}c"):
        if name in ds.dims:
            return name
    return None


def standardise_cf(ds: xr.Dataset, p: Path) -> xr.Dataset:
    """Rename the projection axes to ``x``/``y`` (metres) and attach the CRS through rioxarray."""
    gm, crs = _grid_mapping(ds)
    xname, yname = _axis(ds, "x"), _axis(ds, "y")
    if crs is None and xname is None:
        lon = next((n for n in ("lon", "longitude") if n in ds.dims), None)
        lat = next((n for n in ("lat", "latitude") if n in ds.dims), None)
        if lon and lat:
            crs, xname, yname = CRS.from_epsg(4326), lon, lat
    if xname and yname:
        ds = ds.rename({xname: "x", yname: "y"}) if (xname, yname) != ("x", "y") else ds
        for ax in ("x", "y"):
            units = str(ds[ax].attrs.get("units", "m")).lower()
            if crs is not None and crs.is_projected and units in _UNITS_TO_M:
                ds = ds.assign_coords({ax: ds[ax].values * _UNITS_TO_M[units]})
                ds[ax].attrs.update(units="m")
        ds = ds.transpose(..., "y", "x")
    if gm is not None:
        ds = ds.drop_vars(gm)
        for v in ds.data_vars:
            ds[v].attrs.pop("grid_mapping", None)
            ds[v].encoding.pop("grid_mapping", None)
    if crs is not None:
        if "x" not in ds.dims:
            raise file_error(p, "grid mapping without projection x/y coordinates")
        ds = ds.rio.write_crs(crs)
    return ds


def _sniff_netcdf(p: Path) -> bool:
    return is_netcdf(p)


@reader("netcdf", _sniff_netcdf, priority=90)
def open_netcdf(p: Path) -> xr.Dataset:
    """Open any CF-netCDF: lazy variables, ``x``/``y`` in metres, CRS from the grid mapping."""
    return standardise_cf(open_netcdf_raw(p), p)


def _sniff_tiff(p: Path) -> bool:
    return p.is_file() and head(p, 4) in TIFF_MAGIC


def _check_blocks(p: Path) -> None:
    """Fail now if a data block lies past the end of the file (a cut-short download).

    The TIFF header comes first, so a truncated file opens fine and fails only when a pixel is
    read, deep inside a computation; the blocks' offsets and sizes tell it at open time.
    """
    size = p.stat().st_size
    with rasterio.open(p) as src:
        for b in src.indexes:
            for (row, col), _ in src.block_windows(b):
                off = src.get_tag_item(f"BLOCK_OFFSET_{col}_{row}", "TIFF", bidx=b)
                n = src.get_tag_item(f"BLOCK_SIZE_{col}_{row}", "TIFF", bidx=b)
                if off and n and int(off) + int(n) > size:
                    raise file_error(
                        p, f"truncated: band {b} block ({row}, {col}) ends past byte {size}"
                    )


@reader("geotiff", _sniff_tiff, priority=90)
def open_geotiff(p: Path) -> xr.Dataset:
    """Open a GeoTIFF lazily: one ``(y, x)`` variable per band, CRS and transform from the file."""
    with warnings.catch_warnings():  # an ungeoreferenced TIFF is reported below, as an error
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        _check_blocks(p)
        da = rioxarray.open_rasterio(p, masked=True)
    if da.rio.crs is None and da.rio.transform().is_identity:
        raise file_error(p, "TIFF without georeferencing (no CRS and no transform)")
    names = da.attrs.get("long_name")
    if isinstance(names, str):
        names = (names,)
    if not names or len(names) != da.sizes["band"]:
        names = (
            [p.stem]
            if da.sizes["band"] == 1
            else [f"band_{i + 1}" for i in range(da.sizes["band"])]
        )
    names = [re.sub(r"\W+", "_", str(n)).strip("_") or "band" for n in names]
    ds = xr.Dataset()
    for i, name in enumerate(names):
        band = da.isel(band=i, drop=True)
        band.attrs = {k: v for k, v in da.attrs.items() if k not in ("long_name", "_FillValue")}
        ds[name] = band
    if da.rio.crs is not None:
        ds = ds.rio.write_crs(da.rio.crs)
    ds.x.attrs.setdefault("units", "m")
    ds.y.attrs.setdefault("units", "m")
    return ds


def finite_or_nan(a: np.ndarray) -> np.ndarray:
    """Float copy with non-finite values as NaN (helper for readers decoding fill values)."""
    a = np.asarray(a, dtype=np.float32)
    return np.where(np.isfinite(a), a, np.nan)
