"""Shared pieces of the SAR/point readers: lazy window arrays, XML parsing, LUT interpolation.

Large scenes (a Sentinel-1 EW GRD is about 10,000 x 10,000 pixels per polarisation) are not read
when opened: each variable is an ``xarray`` lazily indexed array whose ``__getitem__`` reads only
the requested window from disk (``rasterio`` windows, ``numpy.memmap``) and calibrates just that
window. ``ds.isel(y=slice(0, 512))`` therefore touches 512 lines, and ``.values`` reads the whole
band only when asked.
"""

from __future__ import annotations

import contextlib
import os
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import rasterio
import rasterio.errors
import xarray as xr
from rasterio.windows import Window
from xarray.backends import BackendArray
from xarray.core import indexing

from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.io.registry import head

WindowFn = Callable[[slice, slice], np.ndarray]


class WindowArray(BackendArray):
    """A 2-D array whose values come from ``fn(rows, cols)`` on demand (basic indexing only)."""

    def __init__(
        self, shape: tuple[int, int], dtype: np.dtype, fn: WindowFn, power: WindowFn | None = None
    ):
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self._fn = fn
        self.power = power

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.BASIC, self._raw
        )

    def _raw(self, key: tuple) -> np.ndarray:
        sl = []
        squeeze = []
        for k, n in zip(key, self.shape, strict=True):
            if isinstance(k, slice):
                start, stop, step = k.indices(n)
                sl.append((slice(start, max(stop, start)), step))
            else:  # an integer index: read a one-wide window, drop the axis afterwards
                i = int(k) + n if int(k) < 0 else int(k)
                sl.append((slice(i, i + 1), 1))
                squeeze.append(len(sl) - 1)
        (rows, rstep), (cols, cstep) = sl
        out = np.asarray(self._fn(rows, cols), dtype=self.dtype)[::rstep, ::cstep]
        return out.squeeze(axis=tuple(squeeze)) if squeeze else out


def lazy_variable(
    shape: tuple[int, int],
    dtype,
    fn: WindowFn,
    attrs: dict | None = None,
    *,
    power: WindowFn | None = None,
) -> xr.Variable:
    """A ``(y, x)`` variable that reads windows through ``fn(rows, cols) -> (h, w) array``.

    ``power``: for a sigma0 band in dB, the window function of the same band in linear power
    before the logarithm (noise removed, so it may be negative; NaN where there is no data),
    which :func:`power_window` gives back to code that averages in power.
    """
    data = indexing.LazilyIndexedArray(WindowArray(shape, dtype, fn, power))
    return xr.Variable(("y", "x"), data, attrs=attrs or {})


def power_window(da: xr.DataArray) -> WindowFn | None:
    """The linear-power window function behind a lazily read, unsliced sigma0 band, else None.

    Noise-subtracted power is negative where the noise estimate exceeds the signal; the dB band
    holds NaN there. Averaging over several pixels must include those values (dropping them would
    bias dark, noise-dominated areas upwards), so projection reads the power directly.
    """
    arr = da.variable._data
    while not isinstance(arr, WindowArray):
        if isinstance(arr, indexing.LazilyIndexedArray):
            if any(k != slice(None) for k in arr.key.tuple):
                return None  # a window of the band: its rows/cols are not the image's
            arr = arr.array
        elif hasattr(arr, "inner"):  # the registry's read guard
            arr = arr.inner
        else:
            return None
    return arr.power


@contextlib.contextmanager
def open_raster(path: Path):
    """``rasterio.open`` for SAR measurement files, which are in image geometry by design (GCPs
    at most), so rasterio's NotGeoreferencedWarning says nothing useful here. Library errors
    (truncated or corrupt TIFF) become a SeaIceError naming the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        try:
            with rasterio.open(path) as src:
                yield src
        except rasterio.errors.RasterioError as e:
            raise file_error(path, f"cannot read image ({str(e).splitlines()[0]})") from None


def read_window(path: Path, rows: slice, cols: slice) -> np.ndarray:
    """Band 1 of a raster over ``rows`` x ``cols`` (only that window is read)."""
    with open_raster(path) as src:
        win = Window(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start)
        try:
            return src.read(1, window=win)
        except rasterio.errors.RasterioError as e:
            raise file_error(path, f"cannot read image ({str(e).splitlines()[0]})") from None


def xml_root(path: str | os.PathLike) -> ET.Element:
    """Parse an XML file and drop namespaces from every tag (products differ in their prefixes).

    Raises:
      SeaIceError: the file is missing or is not well-formed XML.
    """
    p = Path(path)
    if not p.is_file():
        raise file_error(p, "missing companion file")
    return parse_xml(p.read_bytes(), p)


def parse_xml(data: bytes, label: str | os.PathLike) -> ET.Element:
    """:func:`xml_root` of XML held in memory (a member of a zipped product); ``label`` names it
    in errors."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise file_error(Path(label), f"not well-formed XML ({e})") from None
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def xml_root_tag(path: Path, n: int = 2048) -> str:
    """Local name of the first element of an XML file ('' if it does not look like XML)."""
    text = head(path, n).decode("utf-8", "replace")
    i = 0
    while True:
        i = text.find("<", i)
        if i < 0 or i + 1 >= len(text):
            return ""
        if text[i + 1] not in "?!":
            name = text[i + 1 :].split(None, 1)[0].rstrip(">/")
            return name.split(":")[-1]
        i += 1


def req_text(el: ET.Element, path: str, file: Path) -> str:
    """Text of the required sub-element ``path`` of ``el``; SeaIceError naming ``file`` if absent."""
    sub = el.find(path)
    if sub is None or sub.text is None:
        raise file_error(file, f"missing XML element '{path}'")
    return sub.text.strip()


def floats(text: str, file: Path, what: str) -> np.ndarray:
    """Whitespace-separated numbers as float64."""
    try:
        return np.array(text.split(), dtype=np.float64)
    except ValueError:
        raise file_error(file, f"'{what}' holds non-numeric values") from None


def to_db(lin: np.ndarray) -> np.ndarray:
    """10 log10 of linear sigma0, NaN where it is not positive (noise larger than the signal)."""
    lin = np.asarray(lin, dtype=np.float64)
    out = np.full(lin.shape, np.nan, dtype=np.float32)
    pos = lin > 0
    out[pos] = 10.0 * np.log10(lin[pos])
    return out


def check_shape(arr: np.ndarray, shape: tuple, file: Path, what: str) -> np.ndarray:
    if arr.shape != tuple(shape):
        raise file_error(file, f"'{what}' has shape {arr.shape}, expected {tuple(shape)}")
    return arr


__all__ = [
    "SeaIceError",
    "WindowArray",
    "check_shape",
    "floats",
    "lazy_variable",
    "open_raster",
    "parse_xml",
    "power_window",
    "read_window",
    "req_text",
    "to_db",
    "xml_root",
    "xml_root_tag",
]
