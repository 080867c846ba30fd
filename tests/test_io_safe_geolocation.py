"""The real Sentinel-1 EW annotation sample through the geolocation code of the simulated SAFE.

``SEAICE_JAX_DATA/xarray_sentinel_ew`` holds the manifest and the EW1 HH/HV annotation of a real
EW SLC (2021-04-03, Nares Strait): a 18 x 21 geolocation grid with terrain heights. The same
:class:`~seaice_jax.geo.tiepoints.TiePoints` that locates the simulated products locates it:
incidence angle through the map and back, footprint against the manifest's, and land where the
annotation's terrain is high.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from seaice_jax.geo.grids import Grid
from seaice_jax.geo.landmask import land_mask
from seaice_jax.geo.tiepoints import TiePoints
from seaice_jax.io import open_dataset
from seaice_jax.io.metadata import describe_product

TO_MAP = Transformer.from_crs("EPSG:4326", "EPSG:3413", always_xy=True)


@pytest.fixture(scope="module")
def sample(data_dir):
    safe = next((data_dir / "xarray_sentinel_ew").glob("*.SAFE"))
    ann = next(safe.glob("annotation/*-hh-*.xml"))
    ds = open_dataset(ann)
    return safe, ds, TiePoints.from_dataset(ds)


def _manifest_corners(safe):
    text = (safe / "manifest.safe").read_text()
    co = re.search(r"<gml:coordinates>(.*?)</gml:coordinates>", text).group(1)
    lat, lon = np.array([[float(v) for v in p.split(",")] for p in co.split()]).T
    return np.column_stack(TO_MAP.transform(lon, lat))


def test_incidence_through_the_map_within_001_deg(sample):
    _, ds, tp = sample
    assert tp.shape == (19856, 8185)
    x, y = TO_MAP.transform(ds.longitude.values, ds.latitude.values)
    rows, cols = tp.image_coords(x, y)
    lines, pixels = np.meshgrid(tp.line, tp.pixel, indexing="ij")
    # the map position of each annotated point comes back to its own line and pixel ...
    assert np.abs(rows - lines).max() < 1e-3 and np.abs(cols - pixels).max() < 1e-3
    # ... and the incidence angle there to the annotation's (measured 2e-14 deg)
    assert np.abs(tp.incidence_at(rows, cols) - ds.incidence_angle.values).max() < 0.01


def test_footprint_against_the_manifest(sample):
    safe, _, tp = sample
    fp = tp.footprint()
    corners = _manifest_corners(safe)  # last-near, last-far, first-far, first-near (5 swaths)
    product = shapely.Polygon(corners)
    # EW1 is the near-range sub-swath: inside the product's footprint (measured 99.2 % of its
    # area; its last line ends 2.4 s before EW5's, about 16 km of track, hence not 100 %) ...
    assert fp.intersection(product).area / fp.area > 0.98
    # ... and its first near-range pixel is the product's corner (measured 0.35 km)
    x, y = tp.map_xy(0, 0)
    assert np.hypot(x - corners[3, 0], y - corners[3, 1]) < 1_000.0
    # the index reads the same footprint from the SAFE folder (metadata only)
    assert describe_product(safe).footprint.symmetric_difference(fp).area / fp.area < 1e-9


def test_swath_lands_on_the_right_place_in_epsg3413(sample):
    """Tie points with terrain (height > 50 m) fall on GSHHG land of a 2 km EPSG:3413 grid and
    those at sea level on water: a misplaced swath (a wrong transform, swapped axes, a sign)
    would fail both (measured 234/262 = 89 % and 108/112 = 96 %; the misses are glaciers and
    coastline pixels of 2 km)."""
    _, ds, tp = sample
    fp = tp.footprint()
    res = 2000.0
    left, bottom, right, top = fp.bounds
    g = Grid("EPSG:3413", np.floor(left / res) * res, np.ceil(top / res) * res, res,
             int((right - left) // res) + 2, int((top - bottom) // res) + 2)  # fmt: skip
    land = land_mask(g)
    lines, pixels = np.meshgrid(tp.line, tp.pixel, indexing="ij")
    x, y = tp.map_xy(lines, pixels)
    on_land = land[((g.y0 - y) // res).astype(int), ((x - g.x0) // res).astype(int)]
    h = ds.height.values
    assert np.mean(on_land[h > 50.0]) > 0.85
    assert np.mean(~on_land[h < 1.0]) > 0.9
