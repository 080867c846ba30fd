"""Figures without pyplot's global state.

Every figure of the project is a :class:`matplotlib.figure.Figure` made here, not through
``pyplot``: nothing switches the process-wide backend (an ``Agg`` switch on import used to stop
inline plots in a notebook that imported the package), no figure is left registered with pyplot
(no ``close`` needed, no leak in long mosaic runs), and a notebook displays a returned figure.
PNGs are written through :func:`seaice_jax.atomic.atomic_path`, so a kill never leaves a
half-written image under the final name.
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from seaice_jax.atomic import atomic_path


def figure(**kwargs) -> Figure:
    """A new figure (``Figure(**kwargs)``, e.g. ``figsize``, ``layout``), independent of pyplot."""
    return Figure(**kwargs)


def save_png(fig: Figure, path: str | os.PathLike, *, dpi: int = 110, **kwargs) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (parents created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", **kwargs)
    return path
