"""Block-wise mosaic outputs: CF-netCDF, Cloud-Optimised GeoTIFF and a quick-look PNG.

All three are filled one block at a time (memory: one block plus a decimated quick look) into
temporary files, and renamed into place only when the mosaic completes; an abort or an error
leaves none of them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.windows import Window

from seaice_jax.atomic import atomic_path
from seaice_jax.blocks import streaming_netcdf
from seaice_jax.geo import Grid


class _Abort(Exception):
    pass


def finish_block(acc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums (3, h, w) = (sum w, sum w c, count) -> SIC %, 1-sigma %, number of scenes."""
    w, wc, n = acc
    ok = w > 0
    sic = np.where(ok, wc / np.where(ok, w, 1.0), np.nan).astype(np.float32)
    unc = np.where(ok, 1.0 / np.sqrt(np.where(ok, w, 1.0)), np.nan).astype(np.float32)
    return sic, unc, np.where(ok, n, np.nan).astype(np.float32)


class MosaicWriters:
    """Context manager holding the three outputs of a mosaic (no-ops when ``write`` is False)."""

    def __init__(self, grid: Grid, out, tif, png, cfg, *, write: bool = True):
        self.grid, self.out, self.tif, self.png, self.cfg = grid, out, tif, png, cfg
        self.write_files = write
        self._aborted = False
        self.factor = max(1, -(-max(grid.shape) // cfg.quicklook_px))
        self.ql = np.full(
            (-(-grid.height // self.factor), -(-grid.width // self.factor)), np.nan, np.float32
        )

    def __enter__(self) -> MosaicWriters:
        self._stack = contextlib.ExitStack()
        if not self.write_files:
            return self
        attrs = {"title": "sea ice concentration mosaic (uncertainty-weighted)"}
        self.nc = self._stack.enter_context(
            streaming_netcdf(
                self.out,
                self.grid,
                ["sic", "sic_uncertainty", "n_scenes"],
                chunk=min(self.cfg.block, 1024),
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
            self._stack.callback(self.gt.close)
        return self

    def write(self, row0: int, col0: int, acc: np.ndarray) -> None:
        """Finish and write the block whose sums ``acc`` (3, h, w) start at ``(row0, col0)``."""
        if not self.write_files:
            return
        sic, unc, n = finish_block(acc)
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
            from matplotlib.image import imsave

            with atomic_path(self.png) as tmp:
                imsave(
                    tmp,
                    np.ma.masked_invalid(self.ql),
                    cmap="Blues_r",
                    vmin=0,
                    vmax=100,
                    format="png",
                )

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
