"""Area averages between any two grids: exact overlap-area weights in a sparse matrix.

Each pixel of the finer grid is the quadrilateral of its four corners transformed into the
coarser grid's CRS; its overlap with every cell of the coarser grid that it touches is computed
exactly (no sampling) and stored in a ``scipy.sparse`` matrix ``W`` (target cells x source
pixels), so ``out = W @ v / W @ valid`` is the area-weighted mean, NaN-aware. The memory is
about one stored weight per fine pixel (16 bytes with int64 indices, 12 with int32), whatever
the two grids are.

Overlap area of a simple polygon P with a cell R: the boundary of P is projected onto R
(coordinates clamped into R). The winding number of the projected path is that of P inside R
and 0 outside, because the straight move from a point outside R to its projection never enters
R; so its signed area is |P ∩ R| exactly, for any P, convex or not, in whatever orientation the
transform leaves it; it is integrated edge by edge in closed form (:func:`clip_area_unit`).

The only approximation is the straight edges: a pixel edge is a curve in the other CRS, bowed
from its chord by at most 3.6 mm for a 1 km EASE2 edge in EPSG:3413 (3.6e-6 of the edge; 2.3 m,
9e-5, for a 25 km edge), which moves the weights of the pixels it crosses by about as much
(docs/geo.md). Areas are those of the map plane of the coarser grid: true (ellipsoidal) areas
on an equal-area target such as EASE2; on polar stereographic the areal scale factor changes
by up to 3.7e-3 across a 25 km cell north of 50 N (1.5e-3 at 10 km), which bounds the relative
difference between these weights and ellipsoidal-area weights.
"""

from __future__ import annotations

import functools
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from pyproj import CRS, Transformer


class Grid(Protocol):
    """What is used of :class:`seaice_jax.geo.grids.Grid` (a protocol, not an import, so that
    the import chains through ``geo.regrid`` stay within tests/test_layout.py's depth)."""

    crs: str
    x0: float
    y0: float
    res: float
    width: int
    height: int

    @property
    def bounds(self) -> tuple[float, float, float, float]: ...

    @property
    def shape(self) -> tuple[int, int]: ...


#: Pixels of the fine grid handled per block (bounds the temporary arrays to ~100 MB).
BLOCK = 1 << 18


@functools.lru_cache(maxsize=16)
def _transformer(src_crs: str, dst_crs: str) -> Transformer:
    return Transformer.from_crs(
        CRS.from_user_input(src_crs), CRS.from_user_input(dst_crs), always_xy=True
    )


def same_orientation(src: Grid, dst: Grid, tol: float = 1e-3) -> bool:
    """Whether ``src`` maps onto ``dst`` by an axis-aligned scale and shift (same CRS, or CRSs
    that differ only by a datum/scale), to ``tol`` of the smaller pixel over a lattice of points.
    There GDAL's ``average`` warp is exact and faster."""
    if CRS.from_user_input(src.crs) == CRS.from_user_input(dst.crs):
        return True
    left, bottom, right, top = src.bounds
    xx, yy = np.meshgrid(np.linspace(left, right, 16), np.linspace(bottom, top, 16))
    with np.errstate(all="ignore"):
        u, v = _transformer(src.crs, dst.crs).transform(xx.ravel(), yy.ravel(), errcheck=False)
    u, v = np.asarray(u), np.asarray(v)
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        return False
    res = []
    for a, b in ((xx.ravel(), u), (yy.ravel(), v)):
        design = np.column_stack([a, np.ones_like(a)])
        coef = np.linalg.lstsq(design, b, rcond=None)[0]
        res.append(np.max(np.abs(design @ coef - b)))
    return max(res) < tol * min(src.res, dst.res)


def _mean_clamp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of ``clip(s, 0, 1)`` over ``s`` between ``a`` and ``b`` (``clip(a)`` where equal)."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    cl, ch = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        # the part inside [0, 1] has mean (cl + ch) / 2; the part above 1 has value 1
        m = ((ch - cl) * 0.5 * (cl + ch) + (np.maximum(hi, 1.0) - np.maximum(lo, 1.0))) / width
    return np.where(width > 0, m, cl)


def clip_area_unit(qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """Signed area of the part of each polygon ``(n, m)`` inside the unit square [0, 1]^2.

    The sign is the polygon's orientation (positive counter-clockwise). The projected boundary
    (module text) has area ``∮ X dY`` (Green); along an edge ``dY`` is non-zero only where
    ``y`` is inside [0, 1], and there ``X`` is ``clip(x)`` with ``x`` linear in ``y``: so each
    edge gives (the part of its ``y`` range inside [0, 1]) x (mean of ``clip(x)`` over it), in
    closed form.
    """
    ax, ay = qx, qy
    bx, by = np.roll(qx, -1, 1), np.roll(qy, -1, 1)
    ylo, yhi = np.clip(ay, 0.0, 1.0), np.clip(by, 0.0, 1.0)
    dy = by - ay
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(dy != 0, (bx - ax) / dy, 0.0)
    x_lo, x_hi = ax + (ylo - ay) * slope, ax + (yhi - ay) * slope
    return np.sum((yhi - ylo) * _mean_clamp(x_lo, x_hi), axis=1)


def _window(fine: Grid, cells: Grid) -> tuple[int, int, int, int] | None:
    """Rows/cols ``(r0, r1, c0, c1)`` of ``fine`` that can touch ``cells`` (from the image of
    ``cells``' outline and an inner lattice, one pixel of margin); None when nothing can."""
    left, bottom, right, top = cells.bounds
    cx = cells.x0 + np.arange(cells.width + 1) * cells.res
    cy = cells.y0 - np.arange(cells.height + 1) * cells.res
    ex = np.concatenate([cx, cx, np.full(cy.size, left), np.full(cy.size, right)])
    ey = np.concatenate([np.full(cx.size, top), np.full(cx.size, bottom), cy, cy])
    lx, ly = np.meshgrid(np.linspace(left, right, 33), np.linspace(bottom, top, 33))
    with np.errstate(all="ignore"):
        x, y = _transformer(cells.crs, fine.crs).transform(
            np.concatenate([ex, lx.ravel()]), np.concatenate([ey, ly.ravel()]), errcheck=False
        )
    x, y = np.asarray(x), np.asarray(y)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return 0, fine.height, 0, fine.width  # a CRS edge inside: take everything
    c0 = max(int(np.floor((x.min() - fine.x0) / fine.res)) - 1, 0)
    c1 = min(int(np.ceil((x.max() - fine.x0) / fine.res)) + 1, fine.width)
    r0 = max(int(np.floor((fine.y0 - y.max()) / fine.res)) - 1, 0)
    r1 = min(int(np.ceil((fine.y0 - y.min()) / fine.res)) + 1, fine.height)
    return (r0, r1, c0, c1) if r1 > r0 and c1 > c0 else None


def _index_dtype(*grids: Grid) -> type:
    return np.int32 if max(g.width * g.height for g in grids) < 2**31 - 1 else np.int64


def _block_overlaps(fine: Grid, cells: Grid, tr: Transformer, r0, r1, c0, c1):
    """(fine index, cell index, overlap area in cell units) for fine rows r0:r1, cols c0:c1."""
    xs = fine.x0 + np.arange(c0, c1 + 1) * fine.res
    ys = fine.y0 - np.arange(r0, r1 + 1) * fine.res
    xx, yy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        x, y = tr.transform(xx, yy, errcheck=False)
    u = (np.asarray(x) - cells.x0) / cells.res  # cell units: cell (i, j) is [j, j+1] x [i, i+1]
    v = (cells.y0 - np.asarray(y)) / cells.res
    # corners of each fine pixel (n,): upper left, upper right, lower right, lower left
    cu = [c.ravel() for c in (u[:-1, :-1], u[:-1, 1:], u[1:, 1:], u[1:, :-1])]
    cv = [c.ravel() for c in (v[:-1, :-1], v[:-1, 1:], v[1:, 1:], v[1:, :-1])]
    rr, cc = np.meshgrid(np.arange(r0, r1), np.arange(c0, c1), indexing="ij")
    fidx = (rr * fine.width + cc).ravel()
    # twice the signed area (shoelace), NaN where a corner failed to transform
    area2 = sum(cu[k] * cv[(k + 1) % 4] - cu[(k + 1) % 4] * cv[k] for k in range(4))
    umin = np.minimum(np.minimum(cu[0], cu[1]), np.minimum(cu[2], cu[3]))
    umax = np.maximum(np.maximum(cu[0], cu[1]), np.maximum(cu[2], cu[3]))
    vmin = np.minimum(np.minimum(cv[0], cv[1]), np.minimum(cv[2], cv[3]))
    vmax = np.maximum(np.maximum(cv[0], cv[1]), np.maximum(cv[2], cv[3]))
    ok = np.flatnonzero(np.isfinite(area2))
    with np.errstate(invalid="ignore"):
        ju0, ju1 = np.floor(umin[ok]), np.ceil(umax[ok]) - 1
        iv0, iv1 = np.floor(vmin[ok]), np.ceil(vmax[ok]) - 1
    # inside one cell of the grid: the whole pixel's area, no clipping
    one = (ju0 == ju1) & (iv0 == iv1) & (ju0 >= 0) & (iv0 >= 0)
    one &= (ju0 < cells.width) & (iv0 < cells.height)
    ju0, iv0 = np.maximum(ju0, 0).astype(np.int64), np.maximum(iv0, 0).astype(np.int64)
    ju1 = np.minimum(ju1, cells.width - 1).astype(np.int64)
    iv1 = np.minimum(iv1, cells.height - 1).astype(np.int64)
    one_idx = np.flatnonzero(one)
    outs = [
        (
            fidx[ok[one_idx]],
            iv0[one_idx] * cells.width + ju0[one_idx],
            0.5 * np.abs(area2[ok[one_idx]]),
        )
    ]
    many = np.flatnonzero(~one & (ju1 >= ju0) & (iv1 >= iv0))
    span_u, span_v = ju1 - ju0, iv1 - iv0
    qu = np.stack([c[ok[many]] for c in cu], -1)
    qv = np.stack([c[ok[many]] for c in cv], -1)
    sign = np.sign(area2[ok[many]])
    fmany = fidx[ok[many]]
    span_u, span_v = span_u[many], span_v[many]
    for du in range(int(span_u.max(initial=0)) + 1):
        for dv in range(int(span_v.max(initial=0)) + 1):
            k = np.flatnonzero((span_u >= du) & (span_v >= dv))
            if k.size == 0:
                continue
            j, i = ju0[many[k]] + du, iv0[many[k]] + dv
            a = clip_area_unit(qu[k] - j[:, None], qv[k] - i[:, None]) * sign[k]
            keep = a > 0
            outs.append((fmany[k][keep], (i * cells.width + j)[keep], a[keep]))
    idx = _index_dtype(fine, cells)
    fi, ci, ar = (np.concatenate(z) for z in zip(*outs, strict=True))
    return fi.astype(idx), ci.astype(idx), ar


def overlaps(fine: Grid, cells: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (pixel of ``fine``, cell of ``cells``) pair that overlaps: flat pixel index, flat
    cell index, overlap area in units of one cell's area (in ``cells``' map plane)."""
    win = _window(fine, cells)
    if win is None:
        idx = _index_dtype(fine, cells)
        return np.zeros(0, idx), np.zeros(0, idx), np.zeros(0)
    r0, r1, c0, c1 = win
    tr = _transformer(fine.crs, cells.crs)
    step = max(BLOCK // max(c1 - c0, 1), 1)
    parts = [
        _block_overlaps(fine, cells, tr, r, min(r + step, r1), c0, c1) for r in range(r0, r1, step)
    ]
    return tuple(np.concatenate(z) for z in zip(*parts, strict=True))


@functools.lru_cache(maxsize=2)
def area_weights(src: Grid, dst: Grid) -> sp.csr_array:
    """``(dst pixels, src pixels)`` sparse matrix of overlap areas (exact, see the module text).

    The finer grid (smaller ``res``) gives the polygons, the coarser one the cells, so the work
    and memory scale with the number of fine pixels in the common area. Cached per grid pair.
    """
    if src.res <= dst.res:
        s, d, a = overlaps(src, dst)
    else:
        d, s, a = overlaps(dst, src)
    n_dst, n_src = dst.width * dst.height, src.width * src.height
    return sp.csr_array((a, (d, s)), shape=(n_dst, n_src))


def area_average(arr: np.ndarray, src: Grid, dst: Grid) -> np.ndarray:
    """Area-weighted mean of ``(..., src.height, src.width)`` on ``dst``, NaN-aware.

    NaN inputs are left out (the weights renormalised over the valid area), and a target pixel
    with no valid input is NaN. Returns float32 (float64 for float64 input).
    """
    w = area_weights(src, dst)
    arr = np.asarray(arr)
    lead = arr.shape[:-2]
    dtype = np.float64 if arr.dtype == np.float64 else np.float32
    layers = arr.reshape(-1, src.height * src.width)
    out = np.empty((layers.shape[0], dst.height * dst.width), dtype)
    full = None  # the covered area of each target pixel, when every input is valid
    for k, x in enumerate(layers):
        x = x if x.dtype.kind == "f" else x.astype(np.float32)
        valid = np.isfinite(x)
        if valid.all():
            full = w.sum(axis=1) if full is None else full
            num, den = w @ x, full
        else:
            num, den = w @ np.where(valid, x, 0), w @ valid.astype(np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.where(den > 0, num / den, np.nan)
    return out.reshape(lead + dst.shape)
