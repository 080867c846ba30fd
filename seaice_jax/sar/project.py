"""Project a SAR scene from its image geometry onto the pan-Arctic map grid (EPSG:3413, 200 m).

A calibrated, noise-removed scene from the readers (Sentinel-1 GRD, RCM, AI4Arctic: ``hh``/``hv``
in dB on image ``(y, x)`` = (line, pixel), read lazily) is put on a north-up grid snapped to the
lattice of ``arctic3413_200m`` (:func:`scene_grid`), so that every scene of every day shares one
set of pixel edges and the daily mosaic never resamples twice.

Geometry comes from the scene's geolocation (``TiePoints``), which interpolates the tie points in
EPSG:3413 map coordinates: continuous across the antimeridian and at the pole, where longitudes
are not. Its forward map (``map_xy``) is evaluated exactly on a lattice of every ``step``-th image
line and pixel and bilinearly in between (exact inside a tie-point cell, whose map is bilinear).

``method="average"`` (input finer than the output by 1.5 or more, e.g. a 40 m EW GRD at 200 m):
every input pixel goes to the one output pixel that holds its centre, and each output pixel is the
mean, in linear power, of its input pixels (about 25 for EW GRD): a partition of the input, so no
pixel is lost or counted twice whatever the orientation (a 1-px lead or a point target survives),
like GDAL's ``average`` warp. Power is averaged including the negative values that noise
subtraction leaves in dark areas (the unbiased multi-look estimate; the dB band holds NaN there),
then converted to dB. An output pixel is ``valid`` when at least half the input pixels it should
hold are there (partly covered edge pixels are not). Incidence angle is the mean in degrees.
``method="nearest"`` (and inputs not finer than the output, such as 200 m simulated products):
every output pixel takes the input pixel nearest to its centre, through the inverse geolocation
``image_coords`` (evaluated on a lattice and bilinearly in between, exactly along the outline).

Memory is bounded by the output grid plus one strip of input lines: the input is read once, top
to bottom, ``strip`` lines at a time (rasterio windows of the reader), whatever the orientation of
the scene, which suits line-interleaved GeoTIFFs.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import shapely
import xarray as xr
from scipy.ndimage import binary_dilation

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.io._lazy import power_window
from seaice_jax.names import ATTRS

#: The pan-Arctic lattice every projected scene is snapped to (its origin and CRS).
LATTICE = named_grid("arctic3413_200m")
POLS = ("hh", "hv", "vv", "vh")


class Geolocation(Protocol):
    """What projection needs of a scene's geolocation (``seaice_jax.geo.tiepoints.TiePoints``)."""

    shape: tuple[int, int]

    def map_xy(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def image_coords(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def footprint(self) -> shapely.Polygon: ...


def lattice_grid(bounds: tuple[float, float, float, float], res: float, name: str = "") -> Grid:
    """The smallest grid on the pan-Arctic lattice (EPSG:3413) that contains ``bounds``.

    Args:
      bounds: ``(left, bottom, right, top)`` in EPSG:3413 metres.
      res: pixel size (m); the lattice origin (-3850 km, 5850 km) is a multiple of 200 m and of
        3.125 km, so 200 m scenes and 3.125 km swaths both land on the pan-Arctic grids.
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    ox, oy = LATTICE.x0, LATTICE.y0
    c0, c1 = math.floor((minx - ox) / res), math.ceil((maxx - ox) / res)
    r0, r1 = math.floor((oy - maxy) / res), math.ceil((oy - miny) / res)
    return Grid(LATTICE.crs, ox + c0 * res, oy - r0 * res, float(res), max(c1 - c0, 1),
                max(r1 - r0, 1), name=name or f"lattice_{res:g}m")  # fmt: skip


def scene_grid(tp: Geolocation, res: float = 200.0) -> Grid:
    """The grid on EPSG:3413 that covers the scene's footprint, snapped to the pan-Arctic lattice.

    Args:
      tp: the scene's geolocation.
      res: pixel size (m).

    Returns:
      A :class:`Grid` whose edges are lattice lines and that contains the footprint.
    """
    fp = tp.footprint()
    if fp is None or fp.is_empty or not np.isfinite(fp.bounds).all():
        raise SeaIceError("scene footprint is empty or not finite on EPSG:3413")
    return lattice_grid(fp.bounds, res, name=f"scene_{res:g}m")


def _nodes(n: int, step: int) -> np.ndarray:
    return np.unique(np.r_[np.arange(0, n, step), n - 1])


def _lin(idx: np.ndarray, nodes: np.ndarray):
    """Bracketing node positions and weights of ``idx`` among increasing ``nodes``."""
    if len(nodes) == 1:
        z = np.zeros(idx.shape, np.intp)
        return z, z, np.zeros(idx.shape)
    k = np.clip(np.searchsorted(nodes, idx, side="right") - 1, 0, len(nodes) - 2)
    return k, k + 1, (idx - nodes[k]) / (nodes[k + 1] - nodes[k])


def image_coords_on_grid(
    tp: Geolocation, grid: Grid, *, step: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Fractional image (line, pixel) of every pixel centre of ``grid``.

    Args:
      tp: the scene's geolocation (``image_coords`` on EPSG:3413 map coordinates).
      grid: an EPSG:3413 grid.
      step: lattice spacing (output pixels) of the exact evaluations.

    Returns:
      Two float32 ``(grid.height, grid.width)`` arrays, NaN outside the image.
    """
    h, w = grid.shape
    ri, ci = _nodes(h, step), _nodes(w, step)
    xx, yy = np.meshgrid(grid.x[ci], grid.y[ri])
    rn, cn = (np.asarray(a, np.float64).reshape(xx.shape) for a in tp.image_coords(xx.ravel(), yy.ravel()))  # fmt: skip
    ok = np.isfinite(rn) & np.isfinite(cn)
    near = binary_dilation(ok, np.ones((3, 3), bool))  # lattice cells on or next to the image
    k0, k1, t = _lin(np.arange(h), ri)
    j0, j1, s = _lin(np.arange(w), ci)
    rows, cols = np.empty((h, w), np.float32), np.empty((h, w), np.float32)
    for a in range(0, h, 512):
        b = slice(a, min(a + 512, h))
        tt, ss = t[b, None], s[None, :]
        for src, dst in ((rn, rows), (cn, cols)):
            top = src[k0[b]][:, j0] * (1 - ss) + src[k0[b]][:, j1] * ss
            bot = src[k1[b]][:, j0] * (1 - ss) + src[k1[b]][:, j1] * ss
            dst[b] = top * (1 - tt) + bot * tt
        # Cells straddling the image outline: some corners are NaN, so evaluate those exactly.
        redo = ~(np.isfinite(rows[b]) & np.isfinite(cols[b])) & near[k0[b]][:, j0]
        if redo.any():
            iy, ix = np.nonzero(redo)
            r, c = tp.image_coords(grid.x[ix], grid.y[iy + a])
            rows[iy + a, ix], cols[iy + a, ix] = r, c
    lines, pixels = tp.shape
    out = ~((rows >= -0.5) & (rows <= lines - 0.5) & (cols >= -0.5) & (cols <= pixels - 0.5))
    rows[out] = np.nan
    cols[out] = np.nan
    return rows, cols


def image_spacing(tp: Geolocation, *, step: int = 16) -> tuple[float, float]:
    """Median ground distance (m on EPSG:3413) between neighbouring lines and between pixels."""
    lines, pixels = tp.shape
    rr, cc = np.meshgrid(_nodes(lines, step), _nodes(pixels, step), indexing="ij")
    x, y = (np.asarray(a, np.float64) for a in tp.map_xy(rr, cc))
    out = []
    for axis, idx in ((0, rr), (1, cc)):
        d = np.hypot(np.diff(x, axis=axis), np.diff(y, axis=axis)) / np.diff(idx, axis=axis)
        out.append(float(np.median(d[np.isfinite(d)])) if np.isfinite(d).any() else np.nan)
    if not all(np.isfinite(out)) or min(out) <= 0:
        raise SeaIceError("scene geolocation gives no finite pixel spacing on EPSG:3413")
    return out[0], out[1]


def _readers(ds: xr.Dataset, pols: list[str]):
    """Per band, a window function giving linear power (SAR) or degrees (incidence)."""
    fns = {}
    for p in pols:
        fns[p] = power_window(ds[p]) or _from_db(ds[p])  # AI4Arctic and others: stored in dB
    if "incidence_angle" in ds:
        inc = ds["incidence_angle"]
        fns["incidence_angle"] = lambda r, c: np.asarray(inc[r, c].values, np.float64)
    return fns


def _from_db(da: xr.DataArray):
    def fn(rows: slice, cols: slice) -> np.ndarray:
        return 10.0 ** (np.asarray(da[rows, cols].values, np.float64) / 10.0)

    return fn


def _strip_pixels(lattice, rows: np.ndarray, colw) -> tuple[np.ndarray, np.ndarray]:
    """Output (col, row) of every input pixel of image lines ``rows``, in output-pixel units,
    by bilinear interpolation of the lattice: along lines on the small lattice first, then one
    gather per coordinate along pixels (float32: sub-millipixel on a scene grid)."""
    rn, un, vn = lattice
    j0, j1, s = colw
    k0, k1, t = _lin(rows, rn)
    t = t[:, None].astype(np.float32)
    out = []
    for v in (un, vn):
        a = v[k0] * (1 - t) + v[k1] * t  # (lines, lattice columns)
        out.append(a[:, j0] * (1 - s) + a[:, j1] * s)
    return out[0], out[1]


def _bin_average(tp, grid, fns, strip: int, step: int):
    """Sum and count of each band's finite input values per output pixel (input-centre binning)."""
    lines, pixels = tp.shape
    rn, cn = _nodes(lines, step), _nodes(pixels, step)
    rr, cc = np.meshgrid(rn, cn, indexing="ij")
    xn, yn = (np.asarray(a, np.float64).reshape(rr.shape) for a in tp.map_xy(rr, cc))
    # The lattice in output-pixel units of ``grid`` (column, row of each input position).
    un = ((xn - grid.x0) / grid.res).astype(np.float32)
    vn = ((grid.y0 - yn) / grid.res).astype(np.float32)
    j0, j1, s = _lin(np.arange(pixels), cn)
    colw = (j0, j1, s.astype(np.float32)[None, :])
    sums = {k: np.zeros(grid.shape, np.float32) for k in fns}
    counts = {k: np.zeros(grid.shape, np.float32) for k in fns}
    for r0 in range(0, lines, strip):
        rows = slice(r0, min(r0 + strip, lines))
        u, v = _strip_pixels((rn, un, vn), np.arange(rows.start, rows.stop), colw)
        oc, orow = np.floor(u).astype(np.int32), np.floor(v).astype(np.int32)
        del u, v
        inside = (oc >= 0) & (oc < grid.width) & (orow >= 0) & (orow < grid.height)
        every = bool(inside.all())  # the scene's own grid holds the whole image
        if not every and not inside.any():
            continue
        ocs, ors = (oc, orow) if every else (oc[inside], orow[inside])
        c0, c1, q0, q1 = int(ocs.min()), int(ocs.max()) + 1, int(ors.min()), int(ors.max()) + 1
        local = (orow - q0) * (c1 - c0) + (oc - c0)
        local = local.ravel() if every else local[inside]
        n, shape = (q1 - q0) * (c1 - c0), (q1 - q0, c1 - c0)
        for k, fn in fns.items():
            val = fn(rows, slice(0, pixels))
            val = val.ravel() if every else val[inside]
            fin = np.isfinite(val)
            s_ = np.bincount(local, weights=np.where(fin, val, 0.0), minlength=n)
            sums[k][q0:q1, c0:c1] += s_.reshape(shape)
            counts[k][q0:q1, c0:c1] += np.bincount(local, weights=fin, minlength=n).reshape(shape)
    return sums, counts


def _nearest(tp, grid, fns, strip: int, step: int):
    """Each output pixel's nearest input pixel, per band; a sum/count pair like _bin_average."""
    rows, cols = image_coords_on_grid(tp, grid, step=step)
    pix = np.flatnonzero(np.isfinite(rows))
    if pix.size == 0:
        return None
    # Nearest input pixel, as int32 (a full EW scene has ~10^7 output pixels), sorted by line.
    a = np.clip(np.floor(rows.ravel()[pix] + 0.5), 0, tp.shape[0] - 1).astype(np.int32)
    b = np.clip(np.floor(cols.ravel()[pix] + 0.5), 0, tp.shape[1] - 1).astype(np.int32)
    del rows, cols
    order = np.argsort(a, kind="stable")
    pix, a, b = pix[order], a[order], b[order]
    sums = {k: np.zeros(grid.shape, np.float32) for k in fns}
    counts = {k: np.zeros(grid.shape, np.float32) for k in fns}
    bounds = np.r_[0, np.searchsorted(a, np.arange(strip, tp.shape[0], strip)), a.size]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if lo == hi:
            continue
        win_r = slice(int(a[lo]), int(a[hi - 1]) + 1)
        win_c = slice(int(b[lo:hi].min()), int(b[lo:hi].max()) + 1)
        yy, xx = np.unravel_index(pix[lo:hi], grid.shape)
        for k, fn in fns.items():
            v = fn(win_r, win_c)[a[lo:hi] - win_r.start, b[lo:hi] - win_c.start]
            ok = np.isfinite(v)
            sums[k][yy[ok], xx[ok]] = v[ok]
            counts[k][yy[ok], xx[ok]] = 1.0
    return sums, counts


def project_scene(
    ds: xr.Dataset,
    tp: Geolocation,
    grid: Grid,
    *,
    method: str = "average",
    strip: int = 256,
    step: int = 16,
) -> xr.Dataset:
    """Project a SAR scene in image geometry onto ``grid`` (see the module docstring).

    Args:
      ds: the scene from a reader: ``hh``/``hv`` (dB) and ``incidence_angle`` on image
        ``(y, x)``, read lazily.
      tp: its geolocation (``TiePoints``), image shape equal to the scene's.
      grid: the target EPSG:3413 grid (:func:`scene_grid`).
      method: ``"average"`` (mean in linear power of the input pixels in each output pixel;
        falls back to nearest for inputs less than 1.5 times finer than ``grid``) or
        ``"nearest"``.
      strip: input lines read per window (memory: about ``strip x pixels x 60`` bytes).
      step: lattice spacing of the exact geolocation evaluations (pixels).

    Returns:
      Dataset on ``grid``: the scene's polarisations in dB, ``incidence_angle`` (deg), ``valid``
      (uint8); NaN where the output pixel is not (half) covered by the image.

    Raises:
      SeaIceError: no overlap between the scene and the grid, unknown method, shape mismatch.
    """
    if method not in ("average", "nearest"):
        raise SeaIceError(f"projection method '{method}' unknown (average or nearest)")
    what = ds.attrs.get("source_path", "scene")
    pols = [p for p in POLS if p in ds]
    if not pols:
        raise SeaIceError(f"{what}: no SAR band (hh, hv, vv or vh) to project")
    shape = (ds.sizes["y"], ds.sizes["x"])
    if tuple(tp.shape) != shape:
        raise SeaIceError(f"{what}: geolocation is for a {tp.shape} image, the scene is {shape}")
    dl, dp = image_spacing(tp)
    per_px = grid.res**2 / (dl * dp)  # input pixels per output pixel
    fns = _readers(ds, pols)
    if method == "average" and min(grid.res / dl, grid.res / dp) >= 1.5:
        sums, counts = _bin_average(tp, grid, fns, strip, step)
        need, how = 0.5 * per_px, f"mean in linear power of the input pixels ({per_px:.1f} each)"
    else:
        sums, counts = _nearest(tp, grid, fns, strip, step) or (None, None)
        need, how = 1.0, "nearest input pixel"
    if sums is None or not (counts[pols[0]] >= need).any():
        raise SeaIceError(f"{what}: no overlap with the target grid {grid.name or grid.crs}")
    return _assemble(ds, grid, sums, counts, pols, need, how)


def _assemble(ds, grid, sums, counts, pols, need, how) -> xr.Dataset:
    """The projected bands as a dataset on ``grid``; NaN where under ``need`` inputs."""
    full = counts[pols[0]] >= need
    out = grid.template()
    with np.errstate(invalid="ignore", divide="ignore"):
        for p in pols:
            m = np.where(full, sums[p] / counts[p], np.nan)
            db = np.where(m > 0, 10.0 * np.log10(np.where(m > 0, m, 1.0)), np.nan)
            attrs = dict(ATTRS.get(p, {"units": "dB"}), averaged="in linear power")
            out[p] = (("y", "x"), db.astype(np.float32), attrs)
        if "incidence_angle" in sums:
            inc = np.where(full, sums["incidence_angle"] / counts["incidence_angle"], np.nan)
            out["incidence_angle"] = (("y", "x"), inc.astype(np.float32),
                                      dict(ATTRS["incidence_angle"]))  # fmt: skip
    out["valid"] = (("y", "x"), full.astype(np.uint8), dict(ATTRS["valid"]))
    keep = ("source_path", "source_format", "mission", "mode", "start_time", "stop_time")
    out.attrs.update({k: ds.attrs[k] for k in keep if k in ds.attrs})
    out.attrs["projection"] = how
    return out
