"""Block-wise product I/O shared by inference, fusion, mosaics and evaluation.

* :class:`StreamingNetCDF` writes a georeferenced CF-netCDF one block at a time, into a file opened
  at a temporary name and renamed only when every block is written, so memory does not grow with
  the raster and no half-written product ever appears under the final name.
* :func:`open_product` opens a product through the reader registry (``seaice_jax.io``).
* :func:`regrid` brings a raster onto a :class:`~seaice_jax.geo.Grid` (``seaice_jax.geo.regrid``
  when the geo area provides it, else rasterio's ``reproject``: area average when coarsening).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import netCDF4
import numpy as np
import rioxarray  # noqa: F401
import xarray as xr

from seaice_jax.atomic import atomic_path, write_errors
from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.geo import Grid
from seaice_jax.names import ATTRS


class StreamingNetCDF:
    """A CF-netCDF raster on ``grid`` written block by block (use :func:`streaming_netcdf`)."""

    def __init__(
        self, nc: netCDF4.Dataset, grid: Grid, variables: Sequence[str], path: str | os.PathLike
    ):
        self.nc, self.grid, self.variables, self.path = nc, grid, tuple(variables), path

    def write(self, name: str, row0: int, col0: int, block: np.ndarray) -> None:
        """Write ``block`` (h, w) into variable ``name`` at ``[row0:row0+h, col0:col0+w]``."""
        h, w = block.shape
        with write_errors(self.path):  # a full disk: one-line error, not an HDF traceback
            self.nc[name][row0 : row0 + h, col0 : col0 + w] = np.asarray(block, np.float32)


def _create(
    path: Path, grid: Grid, variables: Sequence[str], chunk: int, attrs: dict, georef: bool
):
    nc = netCDF4.Dataset(path, "w", format="NETCDF4")
    nc.createDimension("y", grid.height)
    nc.createDimension("x", grid.width)
    for dim, vals, std in (
        ("y", grid.y, "projection_y_coordinate"),
        ("x", grid.x, "projection_x_coordinate"),
    ):
        v = nc.createVariable(dim, "f8", (dim,))
        v[:] = vals if georef else np.arange(len(vals), dtype=np.float64)
        if georef:
            v.units, v.standard_name, v.axis = "m", std, dim.upper()
        else:
            v.long_name = f"pixel index along {dim} (input has no map coordinates)"
    if georef:
        crs = nc.createVariable("spatial_ref", "i4")
        for k, val in grid.pyproj_crs.to_cf().items():
            setattr(crs, k, val)
        t = grid.transform
        crs.spatial_ref = crs.crs_wkt
        crs.GeoTransform = " ".join(str(float(c)) for c in (t.c, t.a, t.b, t.f, t.d, t.e))
    cs = (min(chunk, grid.height), min(chunk, grid.width))
    for name in variables:
        # Chunked + fill value: HDF5 allocates only chunks that are written, so a mostly empty
        # pan-Arctic raster costs disk only where data are.
        v = nc.createVariable(
            name,
            "f4",
            ("y", "x"),
            zlib=True,
            complevel=4,
            chunksizes=cs,
            fill_value=np.float32(np.nan),
        )
        for k, val in ATTRS.get(name, {}).items():
            setattr(v, k, val)
        if georef:
            v.grid_mapping = "spatial_ref"
        # Cache two rows of chunks (block writes touch one row at a time) instead of netCDF-C's
        # 64 MB per variable, so memory stays flat with the raster's width.
        row_bytes = 4 * cs[0] * cs[1] * -(-grid.width // cs[1])
        v.set_var_chunk_cache(size=max(2 * row_bytes, 1 << 22), nelems=1009, preemption=0.75)
    nc.Conventions = "CF-1.8"
    nc.institution = "seaice-jax"
    for k, val in attrs.items():
        setattr(nc, k, val)
    return nc


@contextlib.contextmanager
def streaming_netcdf(
    path: str | os.PathLike,
    grid: Grid,
    variables: Sequence[str],
    *,
    chunk: int = 512,
    attrs: dict | None = None,
    georef: bool = True,
) -> Iterator[StreamingNetCDF]:
    """Open a float32 CF-netCDF on ``grid`` for block writes; it appears at ``path`` on success.

    Args:
      path: final output path.
      grid: the raster's grid (dims ``(y, x)`` = ``grid.shape``).
      variables: names of the float32 ``(y, x)`` variables (NaN = no data).
      chunk: chunk edge (pixels).
      attrs: global attributes.
      georef: write map coordinates and the CRS (False: pixel indices only, for inputs without
        map information such as ENVI scenes).

    Yields:
      A :class:`StreamingNetCDF`; an exception inside the block leaves nothing at ``path``.
    """
    with atomic_path(path) as tmp:
        with write_errors(path):
            nc = _create(tmp, grid, variables, chunk, attrs or {}, georef)
        try:
            yield StreamingNetCDF(nc, grid, variables, path)
        except BaseException:
            with contextlib.suppress(Exception):  # keep the original error, not the close's
                nc.close()
            raise
        with write_errors(path):
            nc.close()


def limit_read_cache(mbytes: int = 16) -> None:
    """Cap netCDF-C's per-variable chunk cache (default 64 MB) for files opened from now on:
    streaming reads touch one row of chunks at a time, so a large cache only holds memory."""
    netCDF4.set_chunk_cache(size=mbytes << 20)


def open_product(path: str | os.PathLike) -> xr.Dataset:
    """Open any product through the reader registry; plain CF-netCDF written by us as a fallback.

    Args:
      path: a file the readers of ``seaice_jax.io`` recognise.

    Returns:
      The dataset (lazy where the reader is lazy).

    Raises:
      SeaIceError: missing or unreadable file.
    """
    from seaice_jax.io import open_dataset

    try:
        return open_dataset(path)
    except SeaIceError as e:
        # Before the io readers land (or for a file no reader claims), netCDF/HDF5 files written
        # by this project are still readable through xarray + rioxarray.
        p = Path(path)
        if not p.is_file() or "not a supported format" not in str(e):
            raise
        try:
            with warnings.catch_warnings():
                # CF files often name bounds variables they do not ship (OSI SAF time_bnds).
                warnings.filterwarnings("ignore", "Variable.*referenced in bounds", UserWarning)
                ds = xr.open_dataset(p, decode_coords="all", engine="netcdf4")
        except Exception:  # noqa: BLE001 - any parser failure on user input is a bad file
            raise e from None
        return _normalise_coords(ds, p)


def _normalise_coords(ds: xr.Dataset, path: Path) -> xr.Dataset:
    if "xc" in ds.dims and "yc" in ds.dims:
        scale = 1000.0 if ds["xc"].attrs.get("units", "m") == "km" else 1.0
        ds = ds.rename({"xc": "x", "yc": "y"}).assign_coords(
            x=ds["xc"].values * scale, y=ds["yc"].values * scale
        )
    if "time" in ds.dims and ds.sizes["time"] == 1:
        ds = ds.isel(time=0)
    if ds.rio.crs is None:
        raise file_error(path, "has no coordinate reference system")
    return ds


def pick_var(
    ds: xr.Dataset, name: str | None, path: str | os.PathLike, default: str = "sic"
) -> xr.DataArray:
    """The ``(y, x)`` variable ``name`` (default ``sic``) of ``ds`` as float32."""
    var = name or default
    if var not in ds:
        have = ", ".join(str(v) for v in ds.data_vars)
        raise file_error(path, f"has no variable '{var}' (has: {have})")
    da = ds[var]
    extra = [d for d in da.dims if d not in ("y", "x")]
    if any(da.sizes[d] != 1 for d in extra):
        raise file_error(path, f"variable '{var}' is not a single (y, x) raster (dims {da.dims})")
    da = da.squeeze(extra, drop=True).astype(np.float32)
    if ds.rio.crs is not None:
        da = da.rio.write_crs(ds.rio.crs)
    return da


def regrid(da: xr.DataArray, grid: Grid, method: str = "average") -> xr.DataArray:
    """``da`` on ``grid`` (NaN where the source has no data or does not reach).

    Args:
      da: a georeferenced ``(y, x)`` raster.
      grid: target grid, any CRS.
      method: ``average`` (area average; for coarsening), ``bilinear`` or ``nearest``.

    Returns:
      float32 ``(grid.height, grid.width)`` DataArray with the grid's coordinates and CRS.
    """
    try:
        from seaice_jax.geo import regrid as geo_regrid  # the geo area's implementation
    except ImportError:
        geo_regrid = None
    if geo_regrid is not None:
        return geo_regrid(da, grid, method=method)
    return _rasterio_regrid(da, grid, method)


def _rasterio_regrid(da: xr.DataArray, grid: Grid, method: str) -> xr.DataArray:
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    if da.rio.crs is None:
        raise SeaIceError(f"variable '{da.name}': no CRS, cannot regrid")
    res = {
        "average": Resampling.average,
        "bilinear": Resampling.bilinear,
        "nearest": Resampling.nearest,
    }[method]
    src = np.asarray(da.values, np.float32)
    dst = np.full(grid.shape, np.nan, np.float32)
    reproject(
        src,
        dst,
        src_transform=da.rio.transform(),
        src_crs=da.rio.crs,
        dst_transform=grid.transform,
        dst_crs=grid.pyproj_crs,
        resampling=res,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    out = grid.template()
    out[da.name or "band"] = (("y", "x"), dst)
    return out[da.name or "band"]
