"""True area averages between grids rotated against each other (``seaice_jax.geo.area``).

The reference is independent of the code under test: each source pixel is the shapely polygon
of its four corners transformed into the target CRS, intersected with each target cell by GEOS
(``shapely.intersection``), and the overlap areas and centroids taken from the result.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from pyproj import Transformer

from seaice_jax.geo import Grid, named_grid, regrid_array
from seaice_jax.geo.area import area_average, area_weights, clip_area_unit, same_orientation
from seaice_jax.geo.regrid import METHODS, _warp

# 10 km polar stereographic (lon_0 -45) cells; 1 km EASE2 (lon_0 0) pixels around them: the two
# grids are rotated 45 degrees against each other everywhere.
DST = Grid("EPSG:3413", 0.0, -1_000_000.0, 10_000.0, 16, 16)
SRC = Grid("EPSG:6931", -846_000.0, -723_000.0, 1_000.0, 240, 240)


def _pieces(fine: Grid, cells: Grid):
    """(pixel index, cell index, overlap area, overlap centroid (n, 2), pixel centroid (n, 2))
    of every overlapping (fine pixel, cell) pair, with shapely, in ``cells``' CRS."""
    tr = Transformer.from_crs(fine.crs, cells.crs, always_xy=True)
    xs = fine.x0 + np.arange(fine.width + 1) * fine.res
    ys = fine.y0 - np.arange(fine.height + 1) * fine.res
    u, v = tr.transform(*np.meshgrid(xs, ys))
    corners = [(u[:-1, :-1], v[:-1, :-1]), (u[:-1, 1:], v[:-1, 1:])]
    corners += [(u[1:, 1:], v[1:, 1:]), (u[1:, :-1], v[1:, :-1])]
    quads = np.stack([np.stack(c, -1) for c in corners], -2).reshape(-1, 4, 2)
    polys = shapely.polygons(quads)
    boxes = np.array(
        [
            shapely.box(*cells.subgrid(i, j, 1, 1).bounds)
            for i in range(cells.height)
            for j in range(cells.width)
        ]
    )
    ci, pi = shapely.STRtree(polys).query(boxes, predicate="intersects")
    inter = shapely.intersection(polys[pi], boxes[ci])
    cen = shapely.get_coordinates(shapely.centroid(inter))
    return pi, ci, shapely.area(inter), cen, shapely.get_coordinates(shapely.centroid(polys[pi]))


PIECES = {}


def _reference(vals: np.ndarray, fine: Grid, cells: Grid) -> np.ndarray:
    """Exact area mean of the piecewise-constant ``vals`` on ``fine`` over each cell, NaN-aware."""
    if (fine, cells) not in PIECES:
        PIECES[fine, cells] = _pieces(fine, cells)
    pi, ci, a, _, _ = PIECES[fine, cells]
    v = vals.ravel()[pi]
    ok = np.isfinite(v)
    n = cells.width * cells.height
    num = np.bincount(ci[ok], a[ok] * v[ok], n)
    den = np.bincount(ci[ok], a[ok], n)
    with np.errstate(invalid="ignore"):
        return np.where(den > 0, num / den, np.nan).reshape(cells.shape)


def test_noise_std_is_the_area_means():
    """0/100 noise at 1 km EASE2 -> 10 km polar stereographic (issue 16 item 4)."""
    noise = np.random.default_rng(0).integers(0, 2, SRC.shape).astype(np.float32) * 100
    out = regrid_array(noise, SRC, DST, "average")
    ref = _reference(noise, SRC, DST)
    assert out.dtype == np.float32 and np.isfinite(ref).all()
    # About 100 pixels per cell: std ~ 50 / 10. Measured: exact 4.451, this code 4.451; GDAL's
    # warp (the path before) 13.10: as if ~15 pixels were averaged.
    assert abs(out.std() / ref.std() - 1) < 0.10
    np.testing.assert_allclose(out, ref, atol=1e-4)  # the same weights to float32 precision
    old = _warp(noise, SRC, DST, METHODS["average"])
    assert old.std() > 2 * ref.std()  # why the area method exists (measured 13.10 vs 4.451)


def test_weights_exact_and_sparse():
    w = area_weights(SRC, DST)
    pi, ci, a, _, _ = PIECES.get((SRC, DST)) or _pieces(SRC, DST)
    ref = sp.csr_array((a / DST.res**2, (ci, pi)), shape=w.shape)
    assert abs(w - ref).max() < 1e-9  # the overlap areas, in cell units
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-9)  # every cell fully covered
    # one stored weight per pixel, plus the pixels cut by cell edges (~1.3 per pixel here)
    assert w.nnz < 1.5 * len(np.unique(pi))


def test_linear_field():
    """A field linear in the target's x and y, each source pixel holding its exact mean over
    its footprint (the value at the footprint's centroid), comes back as the field at the cell
    centre plus grad . sum_k w_k (centroid(pixel k) - centroid(pixel k in the cell)): the
    offset of the partly covered pixels, which the reference computes with shapely."""
    g = np.array([3e-4, -2e-4])
    f = lambda xy: xy @ g + 7.0  # noqa: E731
    pi, ci, a, piece_c, pix_c = PIECES.get((SRC, DST)) or _pieces(SRC, DST)
    vals = np.full(SRC.width * SRC.height, np.nan)
    vals[pi] = f(pix_c)
    out = regrid_array(vals.reshape(SRC.shape).astype(np.float64), SRC, DST, "average")
    xx, yy = np.meshgrid(DST.x, DST.y)
    centre = f(np.stack([xx, yy], -1))
    n = DST.width * DST.height
    shift = np.stack([np.bincount(ci, a * (pix_c - piece_c)[:, d], n) for d in (0, 1)], -1)
    shift = (shift / DST.res**2) @ g
    np.testing.assert_allclose(out, centre + shift.reshape(DST.shape), rtol=1e-12, atol=1e-9)
    # That offset is small: measured max 0.00035 x |grad| x source pixel.
    assert np.abs(out - centre).max() < 7e-4 * np.linalg.norm(g) * SRC.res


def test_same_crs_stays_gdal_and_exact():
    fine = named_grid("arctic3413_200m").subgrid(20_000, 15_000, 250, 250)
    coarse = named_grid("arctic3413_3125m").subgrid(1280, 960, 16, 16)
    assert same_orientation(fine, coarse) and not same_orientation(SRC, DST)
    f = np.random.default_rng(1).normal(50, 20, fine.shape)
    f[:40, :40] = np.nan
    # GDAL (used there) and the overlap weights agree: both exact on aligned grids
    np.testing.assert_allclose(
        area_average(f, fine, coarse), regrid_array(f, fine, coarse), rtol=1e-9
    )


def test_nan_aware_leading_dims_and_refining():
    rng = np.random.default_rng(2)
    v = rng.uniform(0, 100, (2,) + SRC.shape)
    v[1, :120, :120] = np.nan
    out = regrid_array(v, SRC, DST, "average")
    assert out.shape == (2,) + DST.shape and out.dtype == np.float64
    for t in range(2):
        np.testing.assert_allclose(out[t], _reference(v[t], SRC, DST), rtol=1e-9, equal_nan=True)
    assert np.isnan(out[1]).any() and np.isfinite(out[0]).all()
    # The other way round (cells finer than the pixels): 10 km -> 1 km, the 1 km pixels are
    # the polygons and the 10 km ones the cells; reference from the same pieces.
    coarse = rng.uniform(0, 100, DST.shape)
    back = regrid_array(coarse, DST, SRC, "average")
    pi, ci, a, _, _ = PIECES.get((SRC, DST)) or _pieces(SRC, DST)
    n = SRC.width * SRC.height
    num = np.bincount(pi, a * coarse.ravel()[ci], n)
    den = np.bincount(pi, a, n)
    with np.errstate(invalid="ignore"):
        ref = np.where(den > 0, num / den, np.nan).reshape(SRC.shape)
    np.testing.assert_allclose(back, ref, rtol=1e-9, equal_nan=True)


def test_partly_covered_cells():
    """Cells the source covers in part get the mean of the covered part; the others NaN."""
    half = SRC.subgrid(0, 0, 120, 240)  # the upper half of the source
    v = np.random.default_rng(3).uniform(0, 100, half.shape)
    out = regrid_array(v, half, DST, "average")
    np.testing.assert_allclose(out, _reference(v, half, DST), rtol=1e-9, equal_nan=True)
    assert np.isnan(out).any() and np.isfinite(out).any()


@pytest.mark.parametrize(
    "poly, area",
    [
        ([(0.5, 0.5), (1.5, 0.5), (1.5, 1.5), (0.5, 1.5)], 0.25),  # corner overlap
        ([(-1, -1), (2, -1), (2, 2), (-1, 2)], 1.0),  # covers the square
        ([(2, 2), (3, 2), (3, 3)], 0.0),  # outside
        (
            [(0.5, -0.25), (1.25, 0.5), (0.5, 1.25), (-0.25, 0.5)],
            0.875,
        ),  # diamond cut by all four sides
        ([(0, 0), (1, 0), (1, 1), (0.5, 0.2), (0, 1)], 0.6),  # non-convex
    ],
)
def test_clip_area_unit(poly, area):
    p = np.array(poly, float)
    assert clip_area_unit(p[None, :, 0], p[None, :, 1])[0] == pytest.approx(area, abs=1e-12)
    ref = shapely.area(shapely.intersection(shapely.Polygon(p), shapely.box(0, 0, 1, 1)))
    assert ref == pytest.approx(area, abs=1e-12)
    cw = p[::-1]  # clockwise: negative
    assert clip_area_unit(cw[None, :, 0], cw[None, :, 1])[0] == pytest.approx(-area, abs=1e-12)
