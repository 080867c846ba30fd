"""Quick-look PNGs of gridded fields (matplotlib, Agg): one or more panels in map coordinates.

``python scripts/geo_quicklook.py OUT_DIR`` draws the figures of ``docs/geo.md`` from the real
samples in ``SEAICE_JAX_DATA``: the CIS chart rasterised as SIC and classes, the SSMIS swath
gridded onto the NSIDC 25 km grid, and the GSHHG land mask against the NSIDC-0051 land flags.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely

from seaice_jax.geo import Grid, land_mask, named_grid, swath_to_grid
from seaice_jax.io import open_dataset
from seaice_jax.io.charts import rasterize_chart, read_chart
from seaice_jax.plotting import figure, save_png


def plot_fields(
    path: str | os.PathLike,
    grid: Grid,
    fields: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    cmaps: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    land: np.ndarray | None = None,
) -> None:
    """Write a row of panels, one per ``(H, W)`` field on ``grid``, to a PNG (atomically).

    Args:
      path: output ``.png``.
      grid: the fields' grid (axes in km of its CRS).
      fields: ``(H, W)`` arrays; NaN is drawn transparent.
      titles: one title per panel.
      cmaps, units: per-panel colour map and colour-bar label.
      land: optional ``(H, W)`` bool drawn in grey under the fields.
    """
    n = len(fields)
    fig = figure(figsize=(5.2 * n, 5.2))
    axes = fig.subplots(1, n, squeeze=False)
    left, bottom, right, top = (b / 1e3 for b in grid.bounds)
    for i, (ax, f) in enumerate(zip(axes[0], fields, strict=True)):
        if land is not None:
            ax.imshow(
                np.where(land, 1.0, np.nan),
                extent=(left, right, bottom, top),
                cmap="Greys",
                vmin=0,
                vmax=2,
            )
        im = ax.imshow(
            f,
            extent=(left, right, bottom, top),
            cmap=(cmaps or ["viridis"] * n)[i],
            interpolation="nearest",
        )
        ax.set_title(titles[i], fontsize=10)
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
        fig.colorbar(im, ax=ax, shrink=0.8, label=(units or [""] * n)[i])
    fig.tight_layout()
    save_png(fig, path, dpi=90)


def main(out_dir: str) -> None:
    """Draw the three figures of ``docs/geo.md`` from ``SEAICE_JAX_DATA``."""
    data, out = Path(os.environ["SEAICE_JAX_DATA"]), Path(out_dir)
    chart = read_chart(data / "cis_sigrid3_shp" / "shapefile.shp")
    g = Grid.from_bounds(chart.crs.to_wkt(), shapely.total_bounds(chart.geometry), 5_000.0)
    plot_fields(
        out / "cis_chart.png", g,
        [rasterize_chart(chart, g, "sic"), rasterize_chart(chart, g, "class")],
        ["CIS chart: SIC from CT", "classes: 0 open water, 1 MIZ, 2 consolidated"],
        cmaps=["Blues_r", "viridis"], units=["%", "class"],
    )  # fmt: skip
    nsidc = named_grid("nsidc3411_25km")
    sw = open_dataset(data / "pyresample_ssmis" / "ssmis_swath.npz")
    tb = swath_to_grid(sw.lon.values, sw.lat.values, sw.tb_37_0v.values, nsidc, 25_000.0)
    nt = open_dataset(data / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin")
    ours = land_mask(nsidc)
    theirs = nt.land_mask.values == 1
    diff = np.where(ours == theirs, np.nan, np.where(ours, 1.0, -1.0))
    plot_fields(
        out / "ssmis_nsidc.png", nsidc,
        [tb, nt.sic.values, diff],
        ["SSMIS 37V swath -> NSIDC 25 km (gauss, 25 km)", "NSIDC-0051 SIC 2017-10-02",
         "GSHHG vs NSIDC land: +1 only GSHHG, -1 only NSIDC"],
        cmaps=["magma", "Blues_r", "coolwarm"], units=["K", "%", ""], land=theirs,
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/img")
