"""Figures leave pyplot alone: importing the package keeps the user's backend (notebooks)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

CODE = """
import matplotlib, numpy as np, sys
from pathlib import Path
import seaice_jax.experiments.demo, seaice_jax.evaluate.figures as ef
import seaice_jax.io.blockwise, seaice_jax.pm.derive, seaice_jax.sim.plots, seaice_jax.sit.figures
import matplotlib.pyplot as plt
out = Path(sys.argv[1])
rng = np.random.default_rng(0)
r = rng.uniform(0, 100, 500)
ef.scatter_density(r + rng.normal(0, 5, 500), r, out)
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
assert plt.get_fignums() == [], plt.get_fignums()  # nothing left open in pyplot
print(out.stat().st_size)
"""


def test_figures_keep_the_backend_and_leave_no_open_figures(tmp_path):
    png = tmp_path / "s.png"
    env = {"MPLBACKEND": "svg", "JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        [sys.executable, "-c", CODE, str(png)], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and int(r.stdout) > 5000


def test_land_and_no_data_differ_from_full_ice():
    from matplotlib.colors import to_rgba

    from seaice_jax.plotting import LAND_COLOR, sic_cmap

    cmap = sic_cmap()
    full_ice, no_data = cmap(1.0), cmap(np.ma.masked_invalid([np.nan]))[0]
    assert np.abs(np.subtract(full_ice, no_data)).max() > 0.2
    assert np.abs(np.subtract(full_ice, to_rgba(LAND_COLOR))).max() > 0.2
    assert np.abs(np.subtract(no_data, to_rgba(LAND_COLOR))).max() > 0.2


def test_categorical_legend_and_map_graticule():
    from seaice_jax.geo import named_grid
    from seaice_jax.plotting import categorical, draw_land, extent_km, figure, map_axes

    fig = figure()
    ax1, ax2 = fig.subplots(1, 2)
    img = np.array([[0, 1], [2, 7]])
    im = categorical(ax1, img, {0: "open water", 1: "MIZ", 2: "consolidated"})
    assert [t.get_text() for t in ax1.get_legend().texts] == ["open water", "MIZ", "consolidated"]
    assert im.cmap.N == 3 and im.get_array().mask[1, 1]  # code 7 is not a class: blank
    g = named_grid("nsidc3413_25km").subgrid(200, 100, 40, 60)
    ax2.imshow(np.zeros(g.shape), extent=extent_km(g.bounds))
    draw_land(ax2, np.eye(*g.shape, dtype=bool), extent_km(g.bounds))
    map_axes(ax2, g.pyproj_crs, g.bounds)
    labels = [t.get_text() for t in ax2.texts]
    assert any(t.endswith("°N") for t in labels) and any(t[-2:] in ("°E", "°W") for t in labels)
    assert ax2.get_xlabel() == "x (km, EPSG:3413)"


def test_mosaic_quicklook_figure():
    from seaice_jax.geo import named_grid
    from seaice_jax.io.blockwise import MosaicWriters

    g = named_grid("arctic3413_200m").subgrid(20_000, 15_000, 64, 96)
    w = MosaicWriters(
        g, "unused.nc", None, None, chunk=32, quicklook_px=32, write=False,
        attrs={"time_coverage_start": "2021-03-01T06:00:00"},
    )  # fmt: skip
    fig = w._quicklook()
    ax, bar = fig.axes
    assert "2021-03-01" in ax.get_title() and "sea-ice concentration (%)" in bar.get_ylabel()
    assert "km" in ax.get_xlabel()
