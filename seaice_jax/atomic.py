"""Atomic file output: write to a temporary name beside the target, then rename.

A crash or a kill while writing leaves the previous good file untouched and no half-written file
under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from seaice_jax.errors import SeaIceError


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
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{final.name}.", suffix=f".tmp{final.suffix}", dir=final.parent
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
