"""SAR projection onto the pan-Arctic EPSG:3413 lattice, against closed forms, pyproj and GDAL."""

from __future__ import annotations

import numpy as np
import pytest
from geoloc_doubles import TO_MAP, AffineGeolocation, lazy_scene
from rasterio.control import GroundControlPoint
from rasterio.crs import CRS as RioCRS
from rasterio.enums import Resampling
from rasterio.warp import reproject

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid
from seaice_jax.sar.project import (
    LATTICE,
    image_coords_on_grid,
    image_spacing,
    project_scene,
    scene_grid,
)

# A 40 m GRD-like image in Fram Strait, flying 200 deg (south-south-west, descending).
FRAM = dict(shape=(300, 260), x0=500_130.0, y0=-1_020_270.0, dl=40.0, dp=40.0, heading_deg=200.0)


def _linear_power(geo, gx=1e-7, gy=-2e-7):
    rr, cc = np.meshgrid(np.arange(geo.shape[0]), np.arange(geo.shape[1]), indexing="ij")
    x, y = geo.map_xy(rr, cc)
    return 0.05 + gx * (x - geo.x0) + gy * (y - geo.y0)


def test_scene_grid_snaps_to_the_lattice_and_covers_the_footprint():
    geo = AffineGeolocation(**FRAM)
    g = scene_grid(geo)
    assert g.res == 200.0 and g.crs == LATTICE.crs
    assert (g.x0 - LATTICE.x0) % 200 == 0 and (LATTICE.y0 - g.y0) % 200 == 0
    fp = geo.footprint().bounds
    left, bottom, right, top = g.bounds
    assert left <= fp[0] < left + 200 and right - 200 < fp[2] <= right
    assert bottom <= fp[1] < bottom + 200 and top - 200 < fp[3] <= top
    g3 = scene_grid(geo, 3125.0)  # the AMSR2-89 lattice (origin a multiple of 3.125 km too)
    assert (g3.x0 - LATTICE.x0) % 3125 == 0


def test_image_coords_lattice_matches_the_exact_inverse():
    geo = AffineGeolocation(**FRAM)
    g = scene_grid(geo)
    rows, cols = image_coords_on_grid(geo, g, step=8)
    xx, yy = np.meshgrid(g.x, g.y)
    r, c = geo.image_coords(xx, yy)
    np.testing.assert_array_equal(np.isnan(rows), np.isnan(r))  # the outline is exact
    ok = np.isfinite(r)
    assert np.abs(rows[ok] - r[ok]).max() < 1e-3 and np.abs(cols[ok] - c[ok]).max() < 1e-3
    assert image_spacing(geo) == pytest.approx((40.0, 40.0))


@pytest.mark.parametrize("method", ["average", "nearest"])
def test_linear_field_lands_where_the_geometry_says(method):
    """A power field linear in map coordinates: the box mean is the value at the box centre, and
    the box centre is within half an input pixel of the output pixel centre."""
    geo = AffineGeolocation(**FRAM)
    g = scene_grid(geo)
    p = _linear_power(geo)
    out = project_scene(lazy_scene({"hh": p, "hv": 0.5 * p}, geo), geo, g, method=method)
    xx, yy = np.meshgrid(g.x, g.y)
    want = 0.05 + 1e-7 * (xx - geo.x0) - 2e-7 * (yy - geo.y0)
    got = 10 ** (out.hh.values / 10)
    ok = out.valid.values == 1
    assert ok.sum() > 0.45 * ok.size  # a rotated rectangle in its bounding box
    r, c = geo.image_coords(xx, yy)
    inner = ok & (r > 3) & (r < geo.shape[0] - 4) & (c > 3) & (c < geo.shape[1] - 4)
    grad = np.hypot(1e-7, 2e-7) * 40.0  # power change per input pixel
    err = np.abs(got - want)
    assert err[inner].max() <= grad * np.sqrt(0.5) + 1e-7  # box centre within half a pixel
    assert err[ok].max() <= grad * 2.0  # edge boxes, at least half inside, shift their centre
    np.testing.assert_allclose(10 ** (out.hv.values[ok] / 10), 0.5 * got[ok], rtol=1e-5)
    assert np.isnan(out.hh.values[~ok]).all()
    inc_err = np.abs(out.incidence_angle.values - geo.incidence_at(r, c))
    per_px = 25.0 / 260  # deg per input pixel across the range
    assert inc_err[inner].max() <= per_px * 0.5 + 1e-4
    assert np.nanmax(inc_err[ok]) <= per_px * 2.0  # NaN: centre just outside, pixel half in


def test_negative_noise_subtracted_power_is_averaged_not_dropped():
    """Dark water: zero-mean noise around a tiny signal; dropping negatives would bias upwards."""
    geo = AffineGeolocation(**FRAM)
    rng = np.random.default_rng(0)
    p = 1e-4 + rng.normal(0, 2e-4, geo.shape)  # a third of the pixels negative
    out = project_scene(lazy_scene({"hh": p}, geo), geo, scene_grid(geo))
    lin = 10 ** (out.hh.values / 10)
    ok = out.valid.values == 1
    mean_all = np.nanmean(np.where(np.isfinite(lin), lin, 0.0)[ok])
    assert abs(mean_all - 1e-4) < 1.5e-5  # unbiased to ~2 standard errors of the 25-px means
    dropped = p[p > 0].mean()
    assert dropped > 2e-4  # what averaging only the positive pixels would give


def _gdal(p, geo, g, resampling):
    """GDAL's warper on lon/lat GCPs of the image (thin-plate spline): an independent chain."""
    gl, gp = np.meshgrid(
        np.arange(0, geo.shape[0], 15), np.arange(0, geo.shape[1], 13), indexing="ij"
    )
    lon, lat = geo.lonlat(gl, gp)
    gcps = [GroundControlPoint(row=r + 0.5, col=c + 0.5, x=x, y=y)
            for r, c, x, y in zip(gl.ravel(), gp.ravel(), lon.ravel(), lat.ravel(), strict=True)]  # fmt: skip
    ref = np.full(g.shape, np.nan, np.float32)
    reproject(p.astype(np.float32), ref, gcps=gcps, src_crs=RioCRS.from_epsg(4326),
              SRC_METHOD="GCP_TPS", dst_transform=g.transform, dst_crs=RioCRS.from_epsg(3413),
              dst_nodata=np.nan, resampling=resampling)  # fmt: skip
    return ref


def _floes(geo, rng):
    """Structured backscatter (bright floes, dark water, 1-2 km scales) times 4-look speckle."""
    rr, cc = np.meshgrid(np.arange(geo.shape[0]), np.arange(geo.shape[1]), indexing="ij")
    x, y = geo.map_xy(rr, cc)
    field = 10 ** ((-18 + 6 * np.sin(x / 900.0) * np.cos(y / 1300.0)) / 10)
    return field * rng.gamma(4.0, 0.25, geo.shape)


def test_aligned_scene_is_exact_block_means_like_gdal():
    """Image axes along the map's, pixel edges on the lattice: each output pixel is exactly the
    mean of a 5 x 5 block; GDAL's average warp gives the same up to its spline's sub-pixel play."""
    geo = AffineGeolocation((300, 260), 499_980.0, -1_020_020.0, 40.0, 40.0, 180.0)
    p = _floes(geo, np.random.default_rng(3))
    g = scene_grid(geo)
    out = project_scene(lazy_scene({"hh": p}, geo), geo, g)
    blocks = p.reshape(60, 5, 52, 5).mean(axis=(1, 3))[:, ::-1]  # pixels run west
    got = 10 ** (out.hh.values / 10)
    assert g.shape == (60, 52)
    np.testing.assert_allclose(got, blocks, rtol=2e-5)
    ref = _gdal(p, geo, g, Resampling.average)
    inner = (slice(1, -1), slice(1, -1))
    assert np.median(np.abs(ref[inner] / blocks[inner] - 1)) < 0.01


def test_rotated_scene_against_gdal():
    """20 deg off the map axes: nearest agrees with GDAL pixel for pixel nearly everywhere; the
    average agrees closely (GDAL averages the axis-aligned source box of each rotated output
    pixel, we the pixels whose centres fall in it)."""
    geo = AffineGeolocation(**FRAM)
    p = _floes(geo, np.random.default_rng(1))
    g = scene_grid(geo)
    for method, resampling in (("nearest", Resampling.nearest), ("average", Resampling.average)):
        ours = project_scene(lazy_scene({"hh": p}, geo), geo, g, method=method)
        ref = _gdal(p, geo, g, resampling)
        got = 10 ** (ours.hh.values / 10)
        both = np.isfinite(ref) & np.isfinite(got)
        assert both.sum() > 0.9 * (ours.valid.values == 1).sum()
        if method == "nearest":
            same = np.isclose(got[both], ref[both], rtol=1e-5)  # through dB and back: float32
            assert np.mean(same) > 0.9, np.mean(same)  # GDAL's spline: within ~0.05 px
        else:
            r = np.corrcoef(10 * np.log10(got[both]), 10 * np.log10(ref[both]))[0, 1]
            db = np.abs(10 * np.log10(got[both] / ref[both]))
            assert r > 0.95 and np.median(db) < 0.3, (r, np.median(db))


@pytest.mark.parametrize(
    "where",
    [
        dict(x0=-60_000.0, y0=90_000.0, heading_deg=150.0),  # over the North Pole
        dict(x0=-949_300.0, y0=930_300.0, heading_deg=100.0),  # across the antimeridian, 78 N
    ],
)
def test_point_targets_at_the_pole_and_antimeridian(where):
    """Bright targets at known image positions land in the output pixel that pyproj puts their
    longitude/latitude in (lon/lat span all longitudes at the pole and jump at 180 deg)."""
    geo = AffineGeolocation(shape=(400, 420), dl=40.0, dp=40.0, **where)
    p = np.full(geo.shape, 0.01)
    targets = [(37, 52), (200, 210), (350, 400), (120, 330)]
    for r, c in targets:
        p[r, c] = 50.0
    lon, lat = geo.lonlat(*np.array(targets).T)
    if where["y0"] > 1e6:
        assert np.ptp(lon) > 300  # the targets sit on both sides of 180 deg
    out = project_scene(lazy_scene({"hh": p}, geo), geo, scene_grid(geo))
    g = Grid.from_dataset(out)
    x, y = TO_MAP.transform(lon, lat)
    col = np.floor((x - g.x0) / g.res).astype(int)
    row = np.floor((g.y0 - y) / g.res).astype(int)
    hh = out.hh.values
    for i, j in zip(row, col, strict=True):
        win = hh[i - 1 : i + 2, j - 1 : j + 2]
        assert np.nanmax(win) > 0  # the target (3 dB in its 5 x 5 box), within a pixel of pyproj's
    assert np.nanmedian(hh) == pytest.approx(-20.0, abs=1e-4)


def test_no_overlap_and_shape_mismatch_are_one_line_errors():
    geo = AffineGeolocation(**FRAM)
    ds = lazy_scene({"hh": _linear_power(geo)}, geo)
    far = Grid("EPSG:3413", 0.0, 0.0, 200.0, 10, 10, name="far")
    with pytest.raises(SeaIceError, match="no overlap with the target grid far"):
        project_scene(ds, geo, far)
    other = AffineGeolocation(**{**FRAM, "shape": (100, 100)})
    with pytest.raises(SeaIceError, match="geolocation is for a"):
        project_scene(ds, other, scene_grid(other))
