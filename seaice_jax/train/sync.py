"""Copy a run folder between local disk and cloud storage (``gs://``, ``s3://``) with
``etils.epath``, the path library Orbax itself uses.

Training keeps its working files on a local (or shared) disk: the prepared tiles are
memory-mapped, ``metrics.jsonl`` is appended to and checkpoints are finalised by renames, none
of which object stores offer. A cloud workdir is therefore mirrored: the launch scripts pull it
before training (``seaice-jax sync gs://b/run LOCAL``), push the local folder every few minutes
and at exit (``seaice-jax sync LOCAL gs://b/run``); a preempted job on a fresh machine resumes
from the last push. :func:`is_url` is what ``train`` uses to refuse a URL as a local folder
(which would otherwise become a local ``./gs:`` directory).

A file is copied when the destination lacks it, when the sizes differ, or when it is small
(under :data:`ALWAYS_COPY_BYTES`: JSON files rewritten in place); large files of equal size are
taken as equal (checkpoint files are written once under a new step folder).
"""

from __future__ import annotations

import os
import re

from etils import epath

from seaice_jax.errors import SeaIceError

#: Files below this size are always copied (summary.json, meta, ...: rewritten with equal size).
ALWAYS_COPY_BYTES = 1 << 20
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_url(path: str | os.PathLike) -> bool:
    """True for ``scheme://...`` (``gs://``, ``s3://``, ...), False for a local path."""
    return bool(_URL.match(os.fspath(path)))


def as_path(path: str | os.PathLike) -> epath.Path:
    """An ``epath.Path`` for a local path or a cloud URL."""
    return epath.Path(os.fspath(path))


def sync(
    src: str | os.PathLike, dst: str | os.PathLike, *, exclude: tuple[str, ...] = ()
) -> list[str]:
    """Copy the files of folder ``src`` that are new or changed into ``dst`` (never deletes).

    Args:
      src, dst: local folders or cloud URLs; ``dst`` is created.
      exclude: top-level entries of ``src`` not copied (e.g. ``prepared``).

    Returns:
      The relative paths copied, sorted. A missing ``src`` copies nothing (a first run).

    Raises:
      SeaIceError: ``src`` is a file, or a copy fails (the message names the file).
    """
    s, d = as_path(src), as_path(dst)
    if not s.exists():
        return []
    if not s.is_dir():
        raise SeaIceError(f"{src}: is a file, not a run folder")
    copied = []
    files = [root / name for root, _, names in s.walk() for name in names]
    for f in sorted(files):
        rel = f.relative_to(s)
        if rel.parts[0] in exclude:
            continue
        target = d / rel
        size = f.stat().length
        if target.exists() and size >= ALWAYS_COPY_BYTES and target.stat().length == size:
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            f.copy(target, overwrite=True)
        except (OSError, ImportError, ValueError) as e:
            raise SeaIceError(f"{f}: cannot copy to {target}: {e}") from None
        copied.append(str(rel))
    return copied
