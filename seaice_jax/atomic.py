"""Atomic file output: write to a temporary name beside the target, then rename.

A crash or a kill while writing leaves the previous good file untouched and no half-written file
under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from seaice_jax.errors import SeaIceError

# Temporary names carry host and pid (``.<name>.<host>-<pid>.<random>.tmp<suffix>``), so that a
# later write of the same output can tell the leftovers of a killed writer from a live one's.
_HOST = socket.gethostname().replace(".", "_").replace("-", "_")


def _remove_stale(final: Path) -> None:
    """Delete temporaries of ``final`` left by writers on this host that no longer run (SIGKILL)."""
    for tmp in final.parent.glob(f".{glob.escape(final.name)}.{_HOST}-*.tmp*"):
        pid = tmp.name[len(final.name) + len(_HOST) + 3 :].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                tmp.unlink()
        except PermissionError:  # alive, another user's
            continue


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    Args:
      path: the final output path. Its folder is created if missing.

    Yields:
      A temporary path with the same suffix; write the output there.

    Raises:
      SeaIceError: the folder cannot be created or written.
    """
    final = Path(path)
    if final.is_dir():
        raise SeaIceError(f"{final}: cannot write output (is a folder; give a file name)")
    if final.exists() and not final.is_file():
        # os.replace would swap a FIFO or device node (e.g. /dev/full, as root) for a plain file.
        raise SeaIceError(f"{final}: cannot write output (exists and is not a regular file)")
    blocker = next((q for q in final.parents if q.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise SeaIceError(f"{final}: cannot write output ({blocker.name} is not a folder)")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(final)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{final.name}.{_HOST}-{os.getpid()}.",
            suffix=f".tmp{final.suffix}",
            dir=final.parent,
        )
    except OSError as e:
        raise SeaIceError(f"{final}: cannot write output ({e.strerror or e})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    except OSError as e:
        raise SeaIceError(f"{final}: cannot write output ({e.strerror or e})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return e.strerror or str(e)
    text = (str(e).splitlines() or [type(e).__name__])[0]
    # netCDF4/HDF5 report a full disk only as "NetCDF: HDF error": say what it most often is.
    return f"{text}; is the disk full?" if "HDF error" in text else text


@contextlib.contextmanager
def write_errors(path: str | os.PathLike) -> Iterator[None]:
    """Turn a library's failure to write ``path`` into a one-line :class:`SeaIceError`.

    A full disk or a file-size limit surfaces from netCDF4/HDF5 as ``RuntimeError: NetCDF: HDF
    error`` and from GDAL as a rasterio error, not as ``OSError``. Wrap only the library's write
    calls in this (inside :func:`atomic_path`), never computations, so that bugs keep their
    traceback.
    """
    try:
        yield
    except SeaIceError:
        raise
    except Exception as e:
        lib = type(e).__module__.split(".")[0] in ("rasterio", "netCDF4", "h5py", "h5netcdf")
        if not (lib or isinstance(e, OSError | RuntimeError)):
            raise
        raise SeaIceError(f"{os.fspath(path)}: cannot write output ({_reason(e)})") from None


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it onto ``path`` on success.

    For outputs that are folders (a Sentinel-1 ``.SAFE``, an RCM product): the folder appears
    under its final name only when complete; an existing folder of that name is replaced. On an
    error the temporary folder is removed.
    """
    final = Path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.{_HOST}-{os.getpid()}.", suffix=".tmp",
                                    dir=final.parent))  # fmt: skip
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a product folder is an ordinary one
    except OSError as e:
        raise SeaIceError(f"{final}: cannot write output ({_reason(e)})") from None
    try:
        yield tmp
        if final.exists():
            old = final.with_name(f".{final.name}.{_HOST}-{os.getpid()}.old")
            os.replace(final, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, final)
    except OSError as e:
        raise SeaIceError(f"{final}: cannot write output ({_reason(e)})") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
