"""Reader registry: each format module registers a content sniffer and an opener.

``open_dataset`` tries the registered readers in priority order; a reader's ``sniff(path)`` looks
at the content (magic bytes, XML root, header lines), not only the extension, and must be cheap
and never raise. Readers register with the :func:`reader` decorator at import time; the package
``seaice_jax.io`` imports every module in it so that all of them are known.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import xarray as xr
from xarray.backends import BackendArray

from seaice_jax.errors import SeaIceError, file_error


@dataclasses.dataclass(frozen=True)
class Reader:
    name: str
    sniff: Callable[[Path], bool]
    open: Callable[[Path], xr.Dataset]
    priority: int


_READERS: list[Reader] = []


def reader(name: str, sniff: Callable[[Path], bool], priority: int = 50):
    """Register ``func(path) -> xr.Dataset`` as the reader of format ``name``.

    Lower ``priority`` is tried first (specific formats before generic netCDF/GeoTIFF).
    """

    def deco(func: Callable[[Path], xr.Dataset]):
        _READERS.append(Reader(name, sniff, func, priority))
        _READERS.sort(key=lambda r: r.priority)
        return func

    return deco


def readers() -> list[Reader]:
    return list(_READERS)


def head(path: Path, n: int = 4096) -> bytes:
    """First ``n`` bytes of a file ('' for folders or unreadable files): for sniffers."""
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def detect(path: str | os.PathLike) -> Reader:
    """Return the reader whose sniffer accepts ``path``.

    Raises:
      SeaIceError: the path does not exist, is empty, or no reader recognises it.
    """
    p = Path(path)
    if not p.exists():
        raise file_error(p, "no such file or folder")
    if p.is_file() and p.stat().st_size == 0:
        raise file_error(p, "file is empty")
    for r in _READERS:
        try:
            if r.sniff(p):
                return r
        except Exception:  # a sniffer must never decide for the user; try the next one
            continue
    raise file_error(p, "not a supported format (see 'seaice-jax info --help' for the list)")


def open_with(r: Reader, path: str | os.PathLike) -> xr.Dataset:
    """Open ``path`` with reader ``r``, turning library errors into a one-line SeaIceError."""
    p = Path(path)
    try:
        ds = r.open(p)
    except SeaIceError:
        raise
    except MemoryError:
        raise file_error(p, f"too large to read as {r.name}") from None
    except Exception as e:  # noqa: BLE001 - any parser failure on user input is a bad file
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise file_error(p, f"cannot read as {r.name}: {msg}") from None
    ds.attrs.setdefault("source_format", r.name)
    ds.attrs.setdefault("source_path", os.fspath(p))
    _guard_lazy_reads(ds, p, r.name)
    return ds


class _GuardedArray(BackendArray):
    """A lazy backend array whose read failures name the file (a damaged chunk or tile).

    Readers open lazily, so a corrupt block deep in a file fails only when its values are read,
    inside whatever computation asked for them; this turns that into the same one-line
    :class:`SeaIceError` an unreadable header gives.
    """

    def __init__(self, inner: BackendArray, path: Path, fmt: str):
        self.inner, self.path, self.fmt = inner, path, fmt
        self.shape, self.dtype = inner.shape, inner.dtype

    def __getitem__(self, key):
        try:
            return self.inner[key]
        except (SeaIceError, MemoryError, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - as in open_with: a read failure is a bad file
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise file_error(self.path, f"cannot read data as {self.fmt}: {msg}") from None


def _guard_lazy_reads(ds: xr.Dataset, path: Path, fmt: str) -> None:
    """Wrap the innermost backend array of every lazily loaded variable in :class:`_GuardedArray`."""
    for var in ds.variables.values():
        parent, arr = None, getattr(var, "_data", None)
        while arr is not None and not isinstance(arr, BackendArray) and hasattr(arr, "array"):
            parent, arr = arr, arr.array
        if parent is not None and isinstance(arr, BackendArray):
            parent.array = _GuardedArray(arr, path, fmt)
