"""Block-wise product writers: rasters far larger than memory, filled one block at a time.

* :func:`streaming_netcdf` writes a georeferenced CF-netCDF one block at a time, into a file
  opened at a temporary name and renamed only when every block is written, so memory does not
  grow with the raster and no half-written product ever appears under the final name
  (inference, the mosaic).
* :class:`MosaicWriters` fills the three outputs of a daily mosaic together: CF-netCDF,
  Cloud-Optimised GeoTIFF and a quick-look PNG (memory: one block plus a decimated quick look);
  an abort or an error leaves none of them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import netCDF4
import numpy as np
import rasterio
import rasterio.shutil
from rasterio.windows import Window

from seaice_jax.atomic import atomic_path, write_errors
from seaice_jax.geo import Grid
from seaice_jax.io import cfmeta
from seaice_jax.plotting import SIC_LABEL, extent_km, figure, map_axes, save_png, sic_cmap


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
        crs = nc.createVariable(cfmeta.GRID_MAPPING, "i4")
        crs.setncatts(cfmeta.grid_mapping_attrs(grid.pyproj_crs, grid.transform))
    time_range = cfmeta.product_time(None, attrs)
    if time_range is not None:  # CF 5.7: a scalar time coordinate, named in `coordinates`
        tv = nc.createVariable("time", "f8", ())
        tv.setncatts({**cfmeta.time_attrs(), "units": cfmeta.TIME_UNITS, "calendar": "standard"})
        tv.assignValue((time_range[0] - np.datetime64(0, "s")) / np.timedelta64(1, "s"))
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
        v.setncatts(cfmeta.variable_attrs(name, dtype=np.float32))
        if georef:
            v.grid_mapping = cfmeta.GRID_MAPPING
        if time_range is not None:
            v.coordinates = "time"
        # Cache two rows of chunks (block writes touch one row at a time) instead of netCDF-C's
        # 64 MB per variable, so memory stays flat with the raster's width.
        row_bytes = 4 * cs[0] * cs[1] * -(-grid.width // cs[1])
        v.set_var_chunk_cache(size=max(2 * row_bytes, 1 << 22), nelems=1009, preemption=0.75)
    nc.setncatts(cfmeta.global_attrs(attrs, time_range))
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


class _Abort(Exception):
    pass


class MosaicWriters:
    """Context manager holding the three outputs of a mosaic (no-ops when ``write`` is False).

    Args:
      grid: the output grid.
      out: CF-netCDF path (``sic``, ``sic_uncertainty``, ``n_scenes``).
      tif, png: optional COG and quick-look PNG paths (None: not written).
      chunk: netCDF chunk edge (px).
      quicklook_px: longest side of the quick-look PNG (px).
      write: False on the processes that only compute (process 0 writes).
      attrs: extra global attributes of the netCDF (``time_coverage_*``: the time coordinate).
    """

    def __init__(
        self,
        grid: Grid,
        out,
        tif,
        png,
        *,
        chunk: int,
        quicklook_px: int,
        write: bool = True,
        attrs: dict | None = None,
    ):
        self.grid, self.out, self.tif, self.png, self.chunk = grid, out, tif, png, chunk
        self.attrs = attrs or {}
        self.write_files = write
        self._aborted = False
        self.factor = max(1, -(-max(grid.shape) // quicklook_px))
        self.ql = np.full(
            (-(-grid.height // self.factor), -(-grid.width // self.factor)), np.nan, np.float32
        )

    def __enter__(self) -> MosaicWriters:
        self._stack = contextlib.ExitStack()
        if not self.write_files:
            return self
        attrs = {"title": "sea ice concentration mosaic (uncertainty-weighted)", **self.attrs}
        self.nc = self._stack.enter_context(
            streaming_netcdf(
                self.out,
                self.grid,
                ["sic", "sic_uncertainty", "n_scenes"],
                chunk=self.chunk,
                attrs=attrs,
            )
        )
        if self.tif:
            fd, name = tempfile.mkstemp(suffix=".tif", dir=Path(self.tif).resolve().parent)
            os.close(fd)
            self._gtiff = Path(name)
            self._stack.callback(self._gtiff.unlink, missing_ok=True)
            self.gt = rasterio.open(
                self._gtiff,
                "w",
                driver="GTiff",
                width=self.grid.width,
                height=self.grid.height,
                count=2,
                dtype="float32",
                crs=self.grid.pyproj_crs.to_wkt(),
                nodata=np.nan,
                transform=self.grid.transform,
                tiled=True,
                blockxsize=512,
                blockysize=512,
                compress="deflate",
                BIGTIFF="IF_SAFER",
            )
            self.gt.descriptions = ("sic", "sic_uncertainty")
            self.gt.units = tuple(cfmeta.variable_attrs(n)["units"] for n in self.gt.descriptions)
            self._stack.callback(self.gt.close)
        return self

    def write(self, row0: int, col0: int, sic: np.ndarray, unc: np.ndarray, n: np.ndarray) -> None:
        """Write one finished block (SIC %, 1-sigma %, scene count; each (h, w)) at (row0, col0)."""
        if not self.write_files:
            return
        for name, arr in (("sic", sic), ("sic_uncertainty", unc), ("n_scenes", n)):
            self.nc.write(name, row0, col0, arr)
        if self.tif:
            win = Window(col0, row0, sic.shape[1], sic.shape[0])
            self.gt.write(np.stack([sic, unc]), window=win)
        f = self.factor
        r, c = (-row0) % f, (-col0) % f
        sub = sic[r::f, c::f]
        qr, qc = (row0 + r) // f, (col0 + c) // f
        self.ql[qr : qr + sub.shape[0], qc : qc + sub.shape[1]] = sub

    def abort(self) -> None:
        """Discard every output (nothing usable was mosaicked)."""
        self._aborted = True

    def _finish(self) -> None:
        if self.tif:
            self.gt.close()
            with atomic_path(self.tif) as tmp:
                rasterio.shutil.copy(self._gtiff, tmp, driver="COG", compress="DEFLATE")
        if self.png:
            save_png(self._quicklook(), self.png, dpi=110)

    def _quicklook(self):
        """The quick-look figure: SIC with its colorbar, km axes, graticule and the date."""
        fig = figure(figsize=(7, 6), layout="constrained")
        ax = fig.subplots()
        ext = extent_km(self.grid.bounds)
        im = ax.imshow(
            np.ma.masked_invalid(self.ql),
            cmap=sic_cmap(),
            vmin=0,
            vmax=100,
            extent=ext,
            interpolation="nearest",
        )
        fig.colorbar(im, ax=ax, shrink=0.85, label=SIC_LABEL + "; grey: no scene")
        map_axes(ax, self.grid.pyproj_crs, self.grid.bounds)
        day = str(self.attrs.get("time_coverage_start", ""))[:10]
        ax.set_title(f"SIC mosaic {day}".strip() + f", {self.grid.res:g} m grid")
        return fig

    def __exit__(self, et, ev, tb):
        if et is None and self._aborted:
            with contextlib.suppress(_Abort):
                self._stack.__exit__(_Abort, _Abort(), None)
            return False
        if et is None and self.write_files:
            try:
                self._finish()
            except BaseException as e:
                self._stack.__exit__(type(e), e, e.__traceback__)
                raise
        return self._stack.__exit__(et, ev, tb)
