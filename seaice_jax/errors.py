"""The project's one error type.

Every failure caused by a user's input (a bad file, a missing variable, a config typo, grids that
do not overlap) raises :class:`SeaIceError` with a one-line message that names the file or key.
The command line turns it into ``seaice-jax: error: <message>`` and a non-zero exit, with no
traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os


class SeaIceError(Exception):
    """A user-facing error: one line, naming the file or key at fault."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def file_error(path: str | os.PathLike, what: str) -> SeaIceError:
    """Return a :class:`SeaIceError` of the form ``<path>: <what>``."""
    return SeaIceError(f"{os.fspath(path)}: {what}")
