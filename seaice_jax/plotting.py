"""Figures without pyplot's global state.

Every figure of the project is a :class:`matplotlib.figure.Figure` made here, not through
``pyplot``: nothing switches the process-wide backend (an ``Agg`` switch on import used to stop
inline plots in a notebook that imported the package), no figure is left registered with pyplot
(no ``close`` needed, no leak in long mosaic runs), and a notebook displays a returned figure.
PNGs are written through :func:`seaice_jax.atomic.atomic_path`, so a kill never leaves a
half-written image under the final name.

The map conventions every figure follows: SIC in ``Blues_r`` (open water dark, 100 % ice white)
with no data in grey and land in tan (:func:`sic_cmap`, :func:`draw_land`), so land never looks
like 100 % ice; categorical fields in discrete colours with a legend (:func:`categorical`);
a colorbar with units on every continuous panel; map coordinates in km with a latitude/longitude
graticule (:func:`map_axes`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from pyproj import CRS, Transformer

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


SIC_LABEL = "sea-ice concentration (%)"
LAND_COLOR = "#cdb98f"
NODATA_COLOR = "0.55"


def sic_cmap(name: str = "Blues_r"):
    """The SIC colormap with no-data (NaN) pixels grey instead of white (white is 100 % ice)."""
    return matplotlib.colormaps[name].with_extremes(bad=NODATA_COLOR)


def draw_land(ax, land: np.ndarray, extent=None) -> None:
    """Paint the pixels where ``land`` is true in :data:`LAND_COLOR` over the panel."""
    land = np.asarray(land, bool)
    if land.any():
        ax.imshow(
            np.ma.masked_where(~land, np.ones(land.shape)),
            cmap=ListedColormap([LAND_COLOR]),
            extent=extent,
            interpolation="nearest",
        )


def categorical(ax, img: np.ndarray, classes: Mapping[int, str], *, extent=None, cmap="tab10"):
    """Draw class codes ``img`` with one discrete colour per class and a legend.

    Args:
      classes: code -> label, in legend order; other codes (and NaN) are left blank.
    """
    codes = list(classes)
    colors = matplotlib.colormaps[cmap](np.arange(len(codes)) % 10)
    idx = np.full(np.shape(img), np.nan)
    for i, c in enumerate(codes):
        idx[np.asarray(img) == c] = i
    im = ax.imshow(
        np.ma.masked_invalid(idx),
        cmap=ListedColormap(colors),
        vmin=-0.5,
        vmax=len(codes) - 0.5,
        extent=extent,
        interpolation="nearest",
    )
    handles = [Patch(color=colors[i], label=classes[c]) for i, c in enumerate(codes)]
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.85)
    return im


def extent_km(bounds) -> tuple[float, float, float, float]:
    """``imshow`` extent (left, right, bottom, top) in km from map bounds (left, bottom, right,
    top) in metres."""
    left, bottom, right, top = bounds
    return left / 1e3, right / 1e3, bottom / 1e3, top / 1e3


def map_axes(ax, crs, bounds, *, n: int = 120) -> None:
    """Label a map panel in km of ``crs`` and draw a latitude/longitude graticule.

    Args:
      crs: the panel's projected CRS (anything pyproj reads).
      bounds: (left, bottom, right, top) of the panel in metres of ``crs``.
    """
    crs = CRS.from_user_input(crs)
    name = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name
    ax.set_xlabel(f"x (km, {name})")
    ax.set_ylabel("y (km)")
    left, bottom, right, top = bounds
    xs, ys = np.meshgrid(np.linspace(left, right, n), np.linspace(bottom, top, n))
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    lon0 = float(lon[n // 2, n // 2])
    rel = (lon - lon0 + 180.0) % 360.0 - 180.0  # continuous except opposite the centre
    kw = {"colors": "0.35", "linewidths": 0.5, "alpha": 0.8, "linestyles": "solid"}
    step = _step(lat)
    levels = np.arange(np.ceil(np.nanmin(lat) / step) * step, np.nanmax(lat) + 1e-9, step)
    if len(levels):
        cs = ax.contour(xs / 1e3, ys / 1e3, lat, levels=levels, **kw)
        ax.clabel(cs, fmt=lambda v: f"{v:.0f}°N", fontsize=6)
    step = _step(rel)
    lo, hi = np.nanmin(rel) + lon0, np.nanmax(rel) + lon0
    meridians = np.arange(np.ceil(lo / step) * step, hi + 1e-9, step)  # round longitudes
    levels = np.sort((meridians - lon0 + 180.0) % 360.0 - 180.0)
    # Opposite the centre ``rel`` jumps from -180 to 180: mask a band there, or every level
    # would be drawn along the cut.
    levels = levels[np.abs(levels) < 150]
    if len(levels):
        cs = ax.contour(
            xs / 1e3, ys / 1e3, np.ma.masked_where(np.abs(rel) > 160, rel), levels=levels, **kw
        )
        ax.clabel(cs, fmt=lambda v: _lon_label(v + lon0), fontsize=6)


def _lon_label(lon: float) -> str:
    lon = (lon + 180.0) % 360.0 - 180.0
    return f"{abs(lon):.0f}°{'E' if lon >= 0 else 'W'}"


def _step(field: np.ndarray) -> float:
    """A round graticule spacing giving about 3-6 lines over ``field``'s range (degrees)."""
    span = float(np.nanmax(field) - np.nanmin(field))
    return next((s for s in (0.5, 1, 2, 5, 10, 20, 30) if span / s <= 6), 45.0)
