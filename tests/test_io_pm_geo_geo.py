"""Grids, regridding, swath gridding and land mask, checked against independent computations."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.geo import Grid, is_land, land_mask, named_grid, regrid, regrid_array, swath_to_grid

# ---------------------------------------------------------------- projections (Snyder 1987)

HUGHES = (6378273.0, 0.006693883)  # a, e^2 (NSIDC polar stereographic, EPSG:3411)
WGS84 = (6378137.0, 0.00669437999014)


def _stereo_north(lon, lat, a, e2, lat_ts=70.0, lon0=-45.0):
    """Ellipsoidal north polar stereographic, Snyder (1987) eqs. 15-9, 21-33, 21-34, 14-15."""
    e = np.sqrt(e2)
    phi, lam, phic = np.radians(lat), np.radians(lon - lon0), np.radians(lat_ts)

    def t(p):
        return np.tan(np.pi / 4 - p / 2) / ((1 - e * np.sin(p)) / (1 + e * np.sin(p))) ** (e / 2)

    mc = np.cos(phic) / np.sqrt(1 - e2 * np.sin(phic) ** 2)
    rho = a * mc * t(phi) / t(phic)
    return rho * np.sin(lam), -rho * np.cos(lam)


def _mercator(lon, lat, a, e2):
    """Ellipsoidal Mercator, Snyder (1987) eqs. 7-6, 7-7."""
    e, phi = np.sqrt(e2), np.radians(lat)
    y = a * np.log(
        np.tan(np.pi / 4 + phi / 2) * ((1 - e * np.sin(phi)) / (1 + e * np.sin(phi))) ** (e / 2)
    )
    return a * np.radians(lon), y


def _laea_north(lon, lat, a, e2):
    """Ellipsoidal north polar Lambert azimuthal equal-area, Snyder (1987) eqs. 3-12, 24-19..21."""
    e = np.sqrt(e2)

    def q(p):
        s = np.sin(p)
        return (1 - e2) * (s / (1 - e2 * s**2) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))

    rho = a * np.sqrt(q(np.pi / 2) - q(np.radians(lat)))
    lam = np.radians(lon)
    return rho * np.sin(lam), -rho * np.cos(lam)


KNOWN = np.array([[24.94, 60.17], [-45.0, 75.0], [135.0, 85.5], [-150.0, 68.0], [18.3, 57.64]])


@pytest.mark.parametrize(
    "crs, formula",
    [
        ("EPSG:3411", lambda lo, la: _stereo_north(lo, la, *HUGHES)),
        ("EPSG:3413", lambda lo, la: _stereo_north(lo, la, *WGS84)),
        ("EPSG:3395", lambda lo, la: _mercator(lo, la, *WGS84)),
        ("EPSG:6931", lambda lo, la: _laea_north(lo, la, *WGS84)),
    ],
)
def test_known_points_in_each_crs(crs, formula):
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(
        KNOWN[:, 0], KNOWN[:, 1]
    )
    fx, fy = formula(KNOWN[:, 0], KNOWN[:, 1])
    np.testing.assert_allclose(x, fx, atol=0.01)
    np.testing.assert_allclose(y, fy, atol=0.01)


def test_nsidc_grid_corner_published():
    # NSIDC polar stereographic north grid: outer upper-left corner 30.98 N, 168.35 E (NSIDC docs).
    g = named_grid("nsidc3411_25km")
    corner = Grid(g.crs, g.x0 - 0.5 * g.res, g.y0 + 0.5 * g.res, g.res, 1, 1)  # centre = g's corner
    lon, lat = corner.lonlat()
    assert abs(lat[0, 0] - 30.98) < 0.005 and abs(lon[0, 0] - 168.35) < 0.005


# ---------------------------------------------------------------- regrid


def _field(grid: Grid, values: np.ndarray, name: str = "f") -> xr.Dataset:
    ds = grid.template()
    ds[name] = (("y", "x"), values)
    return ds


def _overlap_1d(lo_f, hi_f, lo_c, hi_c):
    """(n_coarse, n_fine) overlap lengths of 1-D cells."""
    return np.clip(
        np.minimum(hi_c[:, None], hi_f[None]) - np.maximum(lo_c[:, None], lo_f[None]), 0, None
    )


def _reference_average(fine: Grid, coarse: Grid, f: np.ndarray) -> np.ndarray:
    """Exact area-weighted mean with fractional overlaps (same CRS), NaN-aware, in NumPy."""
    wx = _overlap_1d(
        fine.x - fine.res / 2,
        fine.x + fine.res / 2,
        coarse.x - coarse.res / 2,
        coarse.x + coarse.res / 2,
    )
    wy = _overlap_1d(
        fine.y - fine.res / 2,
        fine.y + fine.res / 2,
        coarse.y - coarse.res / 2,
        coarse.y + coarse.res / 2,
    )
    valid = np.isfinite(f)
    num = wy @ np.where(valid, f, 0.0) @ wx.T
    den = wy @ valid.astype(float) @ wx.T
    with np.errstate(invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


FINE = named_grid("arctic3413_200m").subgrid(20_000, 15_000, 250, 250)  # 50 km square
COARSE = named_grid("arctic3413_3125m").subgrid(1280, 960, 16, 16)  # the same 50 km


def test_grids_line_up():
    np.testing.assert_allclose(FINE.bounds, COARSE.bounds)
    g = Grid.from_bounds("EPSG:3413", (0.0, -1000.0, 2500.0, 0.0), 1000.0)
    assert (g.width, g.height, g.bounds) == (3, 1, (0.0, -1000.0, 3000.0, 0.0))


def test_area_conservation_when_coarsening():
    f = np.random.default_rng(0).uniform(0, 100, FINE.shape).astype(np.float32)
    out = regrid(_field(FINE, f), COARSE, "average")["f"].values
    np.testing.assert_allclose(
        out.sum() * COARSE.res**2, f.sum(dtype=np.float64) * FINE.res**2, rtol=1e-5
    )
    np.testing.assert_allclose(out, _reference_average(FINE, COARSE, f), rtol=1e-5)


def test_average_fractional_overlap_and_nan_aware():
    # 3.125 km / 200 m = 15.625: coarse cells cut fine cells; NaN block inside.
    f = np.random.default_rng(1).normal(50, 20, FINE.shape)
    f[:40, :40] = np.nan
    out = regrid_array(f, FINE, COARSE, "average")
    ref = _reference_average(FINE, COARSE, f)
    assert np.isnan(out[0, 0]) and np.isnan(ref[0, 0])  # coarse cell fully inside the NaN block
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)
    assert np.isfinite(out[2, 2]) and np.isfinite(out[0, 3])  # partly NaN cells keep a value


def test_bilinear_linear_field_exact():
    xx, yy = np.meshgrid(COARSE.x, COARSE.y)
    lin = lambda x, y: 3e-4 * x - 2e-4 * y + 7.0  # noqa: E731
    out = regrid_array(lin(xx, yy), COARSE, FINE, "bilinear")
    fx, fy = np.meshgrid(FINE.x, FINE.y)
    inner = (slice(16, -16), slice(16, -16))  # half a coarse pixel from the edges (extrapolation)
    np.testing.assert_allclose(
        out[inner], lin(fx, fy)[inner], rtol=0, atol=1e-6 * np.abs(lin(fx, fy)).max()
    )


def test_round_trip_200m_to_3125m_and_back():
    fx, fy = np.meshgrid(FINE.x, FINE.y)
    smooth = 50 + 30 * np.sin(2 * np.pi * fx / 80e3) * np.cos(2 * np.pi * fy / 120e3)
    back = regrid_array(regrid_array(smooth, FINE, COARSE, "average"), COARSE, FINE, "bilinear")
    inner = (slice(16, -16), slice(16, -16))
    err = np.abs(back - smooth)[inner]
    assert err.mean() < 0.6 and err.max() < 2.0  # measured: mean 0.29, max 0.87 (of a 60 % range)
    const = regrid_array(
        regrid_array(np.full(FINE.shape, 42.0), FINE, COARSE), COARSE, FINE, "nearest"
    )
    np.testing.assert_allclose(const, 42.0, rtol=1e-6)


def test_cross_crs_latitude_field():
    # lat on the NSIDC 3411 grid, regridded onto EASE2 25 km, must be EASE2's own lat.
    src = named_grid("nsidc3411_25km")
    _, lat = src.lonlat()
    dst = named_grid("ease2_nh_25km").subgrid(280, 300, 40, 40)  # 68-80 N, inside the NSIDC grid
    out = regrid_array(lat, src, dst, "bilinear")
    _, lat_dst = dst.lonlat()
    err = np.abs(out - lat_dst)
    assert np.isfinite(err).all()
    # bilinear across 25 km cells of a curved field: measured mean 0.010, max 0.029 deg
    assert err.mean() < 0.02 and err.max() < 0.05


def test_regrid_dataarray_and_nearest_classes():
    cls = np.random.default_rng(2).integers(0, 3, FINE.shape).astype(np.uint8)
    da = _field(FINE, cls)["f"]
    out = regrid(da, FINE.coarsen(2), "nearest")
    assert isinstance(out, xr.DataArray) and out.shape == (125, 125)
    assert set(np.unique(out.values)) <= {0.0, 1.0, 2.0}
    assert out.rio.crs.to_epsg() == 3413


def test_south_up_input_is_flipped():
    f = np.arange(np.prod(COARSE.shape), dtype=np.float32).reshape(COARSE.shape)
    ds = _field(COARSE, f).isel(y=slice(None, None, -1))
    np.testing.assert_allclose(regrid(ds, COARSE, "nearest")["f"].values, f)


BAD_REGRID = {
    "no overlap": (
        named_grid("nsidc3411_25km"),
        Grid("EPSG:3412", -3_950_000.0, 4_350_000.0, 25_000.0, 10, 10),
        "no overlap",
    ),
    "far away": (COARSE, Grid("EPSG:3413", 9e7, 9e7, 3125.0, 4, 4), "no overlap"),
    "bad crs": (COARSE, Grid("EPSG:999999", 0.0, 0.0, 1.0, 4, 4), "cannot transform"),
    "bad proj": (COARSE, Grid("+proj=nonsense", 0.0, 0.0, 1.0, 4, 4), "cannot transform"),
}


@pytest.mark.parametrize("case", list(BAD_REGRID))
def test_regrid_bad_input(case):
    src, dst, msg = BAD_REGRID[case]
    with pytest.raises(SeaIceError, match=msg) as e:
        regrid(_field(src, np.zeros(src.shape, np.float32)), dst)
    assert "\n" not in str(e.value)


def test_regrid_bad_method_and_no_crs():
    with pytest.raises(SeaIceError, match="method"):
        regrid_array(np.zeros(COARSE.shape), COARSE, COARSE, "cubic")
    with pytest.raises(SeaIceError, match="no CRS"):
        regrid(xr.Dataset({"f": (("y", "x"), np.zeros((2, 2)))}), COARSE)
    with pytest.raises(SeaIceError, match="shape"):
        regrid_array(np.zeros((3, 3)), COARSE, FINE)


# ---------------------------------------------------------------- swath


def test_swath_nearest_and_gauss_against_bruteforce():
    rng = np.random.default_rng(3)
    g = Grid("EPSG:3413", 0.0, -1_000_000.0, 10_000.0, 12, 10)
    from pyproj import Transformer

    px = rng.uniform(-20e3, 140e3, 400)
    py = rng.uniform(-1_120e3, -980e3, 400)
    lon, lat = Transformer.from_crs("EPSG:3413", "EPSG:4326", always_xy=True).transform(px, py)
    vals = 200 + 0.001 * px
    radius = 12e3
    near = swath_to_grid(lon, lat, vals, g, radius, method="nearest")
    gauss = swath_to_grid(lon, lat, vals, g, radius, method="gauss", k=400)
    gx, gy = np.meshgrid(g.x, g.y)
    d = np.hypot(gx[..., None] - px, gy[..., None] - py)
    ref_near = np.where(d.min(-1) <= radius, vals[d.argmin(-1)], np.nan)
    w = np.where(d <= radius, np.exp(-0.5 * (d / (radius / 2)) ** 2), 0.0)
    with np.errstate(invalid="ignore"):
        ref_gauss = np.where(w.sum(-1) > 0, (w * vals).sum(-1) / w.sum(-1), np.nan)
    np.testing.assert_allclose(near, ref_near, rtol=1e-5)
    np.testing.assert_allclose(gauss, ref_gauss, rtol=1e-5)
    far = swath_to_grid(lon, lat, vals, Grid("EPSG:3413", 2e6, 2e6, 10e3, 3, 3), radius)
    assert np.isnan(far).all()


def test_swath_bad_input():
    g = Grid("EPSG:3413", 0.0, 0.0, 1e4, 2, 2)
    with pytest.raises(SeaIceError, match="differ in size"):
        swath_to_grid(np.zeros(3), np.zeros(2), np.zeros(3), g, 1e4)
    with pytest.raises(SeaIceError, match="no valid footprint"):
        swath_to_grid(np.zeros(3), np.zeros(3), np.full(3, np.nan), g, 1e4)
    with pytest.raises(SeaIceError, match="radius"):
        swath_to_grid(np.zeros(3), np.zeros(3), np.zeros(3), g, 0.0)


def test_ssmis_swath_onto_nsidc_grid(data_dir):
    from seaice_jax.io import open_dataset

    ds = open_dataset(data_dir / "pyresample_ssmis" / "ssmis_swath.npz")
    g = named_grid("nsidc3411_25km")
    tb = swath_to_grid(ds.lon.values, ds.lat.values, ds.tb_37_0v.values, g, 25_000.0)
    cover = np.isfinite(tb).mean()
    assert 0.05 < cover < 0.6  # one swath over the pan-Arctic grid; measured 0.171
    assert 150 < np.nanmin(tb) and np.nanmax(tb) < 290  # 37V over ocean/ice/land, K
    # independent reference: drop-in-the-bucket mean of the footprints in each 25 km cell
    from pyproj import Transformer

    ok = np.isfinite(ds.tb_37_0v.values) & np.isfinite(ds.lat.values)
    x, y = Transformer.from_crs("EPSG:4326", g.crs, always_xy=True).transform(
        ds.lon.values[ok], ds.lat.values[ok]
    )
    edges = (g.y0 - g.res * np.arange(g.height + 1))[::-1], g.x0 + g.res * np.arange(g.width + 1)
    tot, _, _ = np.histogram2d(y, x, bins=edges, weights=ds.tb_37_0v.values[ok])
    cnt, _, _ = np.histogram2d(y, x, bins=edges)
    with np.errstate(invalid="ignore"):
        bucket = (tot / cnt)[::-1]
    both = np.isfinite(bucket) & np.isfinite(tb)
    diff = np.abs(bucket - tb)[both]
    assert both.sum() > 20_000 and np.median(diff) < 0.5  # measured: 22,931 cells, median 0.21 K


# ---------------------------------------------------------------- land mask

COAST_POINTS = {  # (lon, lat, land?) a few km either side of known coasts
    "Helsinki centre": (24.94, 60.17, True),
    "Gulf of Finland off Helsinki": (24.95, 60.05, False),
    "Gotland interior": (18.55, 57.50, True),
    "west of Gotland": (17.95, 57.50, False),
    "east of Gotland": (19.10, 57.50, False),
    "Longyearbyen": (15.60, 78.21, True),
    "Isfjorden": (14.50, 78.20, False),
    "west of Spitsbergen": (9.50, 78.50, False),
    "Greenland ice sheet": (-40.0, 72.0, True),
    "Greenland Sea": (-17.0, 72.0, False),
    "Nuuk": (-51.50, 64.20, True),
    "Davis Strait off Nuuk": (-52.60, 64.00, False),
}


def test_land_mask_known_points():
    pts = np.array([v[:2] for v in COAST_POINTS.values()])
    got = is_land(pts[:, 0], pts[:, 1])
    want = np.array([v[2] for v in COAST_POINTS.values()])
    assert dict(zip(COAST_POINTS, got, strict=True)) == dict(zip(COAST_POINTS, want, strict=True))


def test_land_mask_agrees_with_nsidc_flags(data_dir):
    from seaice_jax.io import open_dataset

    ds = open_dataset(data_dir / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin")
    m = land_mask(named_grid("nsidc3411_25km"))
    ok = ds.pole_hole.values == 0
    agree = (m == (ds.land_mask.values == 1))[ok].mean()
    assert agree > 0.98  # measured 0.986 (pixel-centre test vs NSIDC land + coast flags)


def test_regrid_real_nsidc_onto_ease2(data_dir):
    from seaice_jax.io import open_dataset

    ds = open_dataset(data_dir / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin")
    dst = named_grid("ease2_nh_25km").subgrid(260, 260, 200, 200)
    out = regrid(ds[["sic", "lat", "lon"]], dst, "average")
    assert out.rio.crs.to_epsg() == 6931 and out.sic.shape == (200, 200)
    _, lat = dst.lonlat()
    np.testing.assert_allclose(out.lat.values, lat, atol=1e-4)  # recomputed, not averaged
    sic = out.sic.values
    assert np.nanmin(sic) >= 0 and np.nanmax(sic) <= 100
    # Ice area conservation across CRSs (polar stereographic -> equal-area EASE2): true cell
    # areas of the source from pyproj's areal scale factor; land/pole hole counted as 0 % so the
    # integral is defined everywhere. Measured ratio 0.99996 with the exact overlap weights
    # (seaice_jax.geo.area); GDAL's warp, used here before, gave 0.99916.
    from pyproj import Proj

    src = named_grid("nsidc3411_25km")
    lon, lat = src.lonlat()
    true_area = 25e3**2 / Proj("EPSG:3411").get_factors(lon, lat).areal_scale
    s0 = np.nan_to_num(ds.sic.values)
    ease = regrid_array(s0, src, named_grid("ease2_nh_25km"), "average")
    ratio = np.nansum(ease) * 25e3**2 / np.sum(s0 * true_area)
    assert abs(ratio - 1) < 1e-4


def test_quicklook_png(tmp_path):
    # scripts/geo_quicklook.py draws the figures of docs/geo.md; a script, so loaded by path.
    spec = importlib.util.spec_from_file_location(
        "geo_quicklook", Path(__file__).parents[1] / "scripts" / "geo_quicklook.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    plot_fields = mod.plot_fields
    g = Grid("EPSG:3413", 0.0, 0.0, 1e3, 8, 6)
    f = np.arange(48, dtype=np.float32).reshape(6, 8)
    f[0, 0] = np.nan
    plot_fields(tmp_path / "q.png", g, [f, -f], ["a", "b"], land=f > 40)
    assert (tmp_path / "q.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_regrid_keeps_leading_dims_and_non_spatial_vars():
    f = np.random.default_rng(4).random((3,) + FINE.shape).astype(np.float32)
    ds = FINE.template()
    ds["f"] = (("time", "y", "x"), f)
    ds["scale"] = ("time", np.arange(3.0))
    ds = ds.assign_coords(time=np.arange(3))
    out = regrid(ds, COARSE, "average")
    assert out.f.dims == ("time", "y", "x") and out.f.shape == (3, 16, 16)
    np.testing.assert_array_equal(out.scale.values, [0.0, 1.0, 2.0])
    for t in range(3):
        np.testing.assert_allclose(
            out.f.values[t], _reference_average(FINE, COARSE, f[t]), rtol=1e-5
        )


def _gcp_scene(truth: Grid, values: np.ndarray, step: int = 10) -> xr.Dataset:
    """An image in ``truth``'s pixel geometry without a CRS, located by a GCP lattice."""
    lines = np.arange(0, truth.height, step, dtype=float)
    pixels = np.arange(0, truth.width, step, dtype=float)
    from pyproj import Transformer

    xx = truth.x0 + (pixels[None, :] + 0.5) * truth.res
    yy = truth.y0 - (lines[:, None] + 0.5) * truth.res
    lon, lat = Transformer.from_crs(truth.crs, "EPSG:4326", always_xy=True).transform(
        *np.broadcast_arrays(xx, yy)
    )
    ds = xr.Dataset({"hh": (("y", "x"), values)})
    return ds.assign_coords(
        gcp_line=("gcp_row", lines),
        gcp_pixel=("gcp_col", pixels),
        gcp_latitude=(("gcp_row", "gcp_col"), lat),
        gcp_longitude=(("gcp_row", "gcp_col"), lon),
    )


def test_regrid_gcp_scene():
    truth = Grid("EPSG:3413", 200_000.0, -1_000_000.0, 1_000.0, 150, 120)
    xx, yy = np.meshgrid(truth.x, truth.y)
    lin = lambda x, y: 1e-4 * x + 2e-4 * y  # noqa: E731
    scene = _gcp_scene(truth, lin(xx, yy).astype(np.float64), step=10)
    dst = truth.subgrid(20, 20, 80, 100)
    out = regrid(scene, dst, "bilinear")
    assert out.rio.crs.to_epsg() == 3413 and out.hh.shape == (80, 100)
    dx, dy = np.meshgrid(dst.x, dst.y)
    err = np.abs(out.hh.values - lin(dx, dy))
    # thin-plate spline through GCPs 10 km apart vs the true geometry: measured max 0.0003
    # (0.003 pixel of position error times the field gradient 0.1 per pixel)
    assert np.nanmax(err) < 0.002
    # nearest onto the scene's own (hidden) grid gives back every pixel: GCP pixel-centre
    # convention (+0.5) is right
    back = regrid(scene, truth, "nearest").hh.values
    np.testing.assert_array_equal(back, lin(xx, yy))
    far = Grid("EPSG:3413", 2_000_000.0, 2_000_000.0, 1_000.0, 10, 10)
    with pytest.raises(SeaIceError, match="no overlap"):
        regrid(scene, far)
    with pytest.raises(SeaIceError, match="no CRS and no GCPs"):
        regrid(xr.Dataset({"hh": (("y", "x"), np.zeros((3, 3)))}), far)


def test_regrid_sentinel1_safe_through_gcps(tmp_path):
    # the io_sar area's tiny GRD SAFE (published layout): no CRS, geolocation grid as GCPs
    from test_io_sar_sentinel1 import write_tiny_safe

    from seaice_jax.io import open_dataset

    safe, _, _, _ = write_tiny_safe(tmp_path, np.random.default_rng(0))
    scene = open_dataset(safe)
    assert scene.rio.crs is None
    from pyproj import Transformer

    lat = scene.gcp_latitude.values
    lon = scene.gcp_longitude.values
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3413", always_xy=True).transform(lon, lat)
    g = Grid(
        "EPSG:3413",
        x.min() - 5e3,
        y.max() + 5e3,
        500.0,
        int((np.ptp(x) + 1e4) // 500),
        int((np.ptp(y) + 1e4) // 500),
    )
    out = regrid(scene, g, "bilinear")  # a variable subset would drop the gcp_* coordinates
    ia = out.incidence_angle.values
    assert np.isfinite(ia).sum() > 100
    # incidence angle grows with pixel (19 + 0.5 * pixel): its range is kept
    assert 18.5 < np.nanmin(ia) and np.nanmax(ia) < 44.5
    # the GCP at line 20, pixel 25 (79.20 N, 19.75 W) carries 19 + 12.5 + 0.2 deg
    px, py = Transformer.from_crs("EPSG:4326", "EPSG:3413", always_xy=True).transform(-19.75, 79.20)
    r, c = int((g.y0 - py) // g.res), int((px - g.x0) // g.res)
    assert abs(ia[r, c] - 31.7) < 0.6
