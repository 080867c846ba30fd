"""The simulator's product files (``DIR/products/``) read back through the project's readers.

One ``configs/sim.py:smoke`` case (the session fixture ``smoke_case``). Each product is opened
with ``seaice_jax.io.open_dataset`` / ``describe_product`` exactly as a downloaded one would be,
and compared with the arrays the simulator wrote beside it (``sic/<date>/*.nc``). Tolerances are
those of each format's encoding, derived, not fitted:

- SAR sigma0: DN are integers, so ``DN^2`` is within ``DN + 1/4`` of the exact power and sigma0
  within ``(DN + 1/4) / A^2`` (A the sigmaNought LUT, RCM ``gain = A^2``); plus float32 dB.
- incidence angle: linear in ground range in the sim, hence in map coordinates; bilinear
  interpolation of the sim's 200 m field at the pixel's map position is exact to float32.
- footprint: contains every map pixel the swath covers, and each edge of the image outline lies
  within one pixel (200 m) of a pixel with data (the image is the tight swath-frame box).
- AMSR2: counts of 0.01 K (exact round trip within 0.005 K, tested on a small file written here);
  against the sim's own 3.125 km 89 GHz grid, the swath differs by two NEdT draws (1.2 K each).
- NT: bytes of SIC x 2.5 (0.2 %); OSI SAF: integers of 0.01 % (0.005 %).
"""

from __future__ import annotations

import datetime as dt
import zipfile

import jax
import numpy as np
import pytest
import rasterio
import shapely
import xarray as xr
from pyproj import Transformer
from scipy.ndimage import map_coordinates

from seaice_jax.config import load_config
from seaice_jax.geo.grids import Grid
from seaice_jax.geo.tiepoints import TiePoints
from seaice_jax.io import naming, open_dataset
from seaice_jax.io._lazy import xml_root
from seaice_jax.io.charts import rasterize_chart
from seaice_jax.io.metadata import candidate_paths, describe_product
from seaice_jax.io.rcm import read_lut
from seaice_jax.io.sentinel1 import calibration_lut, interp_vectors
from seaice_jax.sim import sar
from seaice_jax.sim.case import CaseSimulator
from seaice_jax.sim.products import amsr2, safe
from seaice_jax.sim.products.sarimage import MapLayer, MapSampler
from seaice_jax.sim.products.swath import acquisition


@pytest.fixture(scope="module")
def prod(smoke_case):
    out, info, _ = smoke_case
    date = info["dates"][0]
    return out, date, info["per_date"][0]["products"]


def _sim(out, date, name):
    with xr.open_dataset(out / "sic" / date / name, decode_coords="all") as ds:
        return ds.load()


def test_tree_names_and_metadata(prod):
    out, date, p = prod
    patterns = {"s1": naming.S1_SAFE, "rcm": naming.RCM, "amsr2": naming.AMSR2_L1,
                "nt": naming.NSIDC0051_BIN, "chart": naming.CIS_CHART, "reference": naming.OSISAF}  # fmt: skip
    kinds = {"s1": "s1_grd", "rcm": "rcm_grd", "amsr2": "amsr2_l1r", "nt": "nt_daily",
             "chart": "chart", "reference": "reference"}  # fmt: skip
    day = dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC)
    for key, pat in patterns.items():
        for rel in p[key]:
            path = out / "products" / rel
            assert pat.match(path.name), path.name
            info = describe_product(path)
            assert info.kind == kinds[key]
            assert day <= info.start <= info.stop < day + dt.timedelta(days=8)
    assert len(p["amsr2"]) == 2
    found = {describe_product(q).path for q in candidate_paths(out / "products")}
    assert {str(out / "products" / r) for k in patterns for r in p[k]} <= found


def _dn_and_a2(path, sensor, ds):
    """Raw DN of HH and the per-pixel A^2 of its calibration, read independently of the reader."""
    if sensor == "s1":
        tiff = next(path.glob("measurement/*-hh-*.tiff"))
        cal = next(path.glob("annotation/calibration/calibration-*-hh-*.xml"))
        r, c = np.arange(ds.sizes["y"], dtype=float), np.arange(ds.sizes["x"], dtype=float)
        a2 = interp_vectors(*calibration_lut(xml_root(cal), cal), r, c) ** 2
    else:
        tiff = next(path.glob("imagery/*_HH.tif"))
        pix, gains, _ = read_lut(path / "metadata" / "calibration" / "lutSigma_HH.xml")
        a2 = np.broadcast_to(np.interp(np.arange(ds.sizes["x"]), pix, gains), ds.hh.shape)
    with rasterio.open(tiff) as src:
        return src.read(1).astype(np.float64), a2


@pytest.mark.parametrize("sensor", ["s1", "rcm"])
def test_sar_sigma0_incidence_and_footprint(prod, sensor):
    out, date, p = prod
    path = out / "products" / p[sensor][0]
    ds = open_dataset(path).load()
    sim = _sim(out, date, f"{sensor}_200m.nc")
    g = Grid.from_dataset(sim)
    tp = TiePoints.from_dataset(ds)
    rows, cols = np.mgrid[0 : ds.sizes["y"], 0 : ds.sizes["x"]]
    x, y = tp.map_xy(rows, cols)
    i, j = np.floor((g.y0 - y) / g.res).astype(int), np.floor((x - g.x0) / g.res).astype(int)
    inside = (i >= 0) & (i < g.height) & (j >= 0) & (j < g.width)
    ic, jc = np.clip(i, 0, g.height - 1), np.clip(j, 0, g.width - 1)
    covered = inside & np.isfinite(sim.incidence_angle.values[ic, jc])
    # data exactly where the sim's swath covers its scene, zero fill elsewhere
    np.testing.assert_array_equal(ds.valid.values > 0, covered)
    # sigma0 back within the DN rounding bound wherever the sim has a (sea) value
    dn, a2 = _dn_and_a2(path, sensor, ds)
    exp = 10.0 ** (sim.hh.values[ic, jc].astype(np.float64) / 10.0)
    got = 10.0 ** (ds.hh.values.astype(np.float64) / 10.0)
    m = covered & np.isfinite(exp)
    assert m.sum() > 0.3 * m.size
    bound = (dn + 0.25) / a2 + 2e-5 * exp
    assert np.all(np.abs(np.nan_to_num(got, nan=0.0) - exp)[m] <= bound[m])
    # incidence angle: the sim's field bilinear at the exact map position
    fr, fc = (g.y0 - y) / g.res - 0.5, (x - g.x0) / g.res - 0.5
    ref = map_coordinates(sim.incidence_angle.values.astype(np.float64), [fr, fc], order=1,
                          mode="nearest")  # fmt: skip
    ok = covered & (i >= 1) & (i < g.height - 1) & (j >= 1) & (j < g.width - 1)
    for di in (-1, 0, 1):  # bilinear needs its four neighbours inside the swath
        for dj in (-1, 0, 1):
            ii, jj = np.clip(ic + di, 0, g.height - 1), np.clip(jc + dj, 0, g.width - 1)
            ok &= np.isfinite(sim.incidence_angle.values[ii, jj])
    assert ok.sum() > 0.3 * ok.size
    # measured 3.6e-6 deg (float32 storage of both sides) on the smoke case
    assert np.abs(ds.incidence_angle.values - ref)[ok].max() < 1e-4
    # footprint from the metadata: holds every covered sim pixel, tight to the data
    fp = describe_product(path).footprint
    sx, sy = np.meshgrid(g.x, g.y)
    cov_sim = np.isfinite(sim.incidence_angle.values)
    pts = shapely.points(sx[cov_sim], sy[cov_sim])
    assert shapely.contains(fp.buffer(1.0), pts).all()
    data = shapely.multipoints(np.column_stack([x[covered], y[covered]]))
    ring = np.asarray(fp.exterior.coords)
    for k in range(4):  # the four image edges (densified into 16 points each)
        seg = shapely.LineString(ring[16 * k : 16 * k + 17])
        assert shapely.distance(seg, data) <= 200.0 * 1.01


def test_safe_zip_opens_in_place(prod, tmp_path):
    out, _, p = prod
    safe = out / "products" / p["s1"][0]
    z = tmp_path / (safe.name.removesuffix(".SAFE") + ".zip")
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(safe.rglob("*")):
            if f.is_file():
                zf.write(f, f"{safe.name}/{f.relative_to(safe).as_posix()}")
    a, b = open_dataset(safe), open_dataset(z)
    np.testing.assert_array_equal(a.hh.values, b.hh.values)
    np.testing.assert_array_equal(a.incidence_angle.values, b.incidence_angle.values)
    assert describe_product(z).start == describe_product(safe).start
    assert describe_product(z).footprint.equals(describe_product(safe).footprint)


def test_amsr2_swath_against_the_sim_grid(prod):
    out, date, p = prod
    sim = _sim(out, date, "amsr2_3125m.nc")
    g = Grid.from_dataset(sim)
    diffs = []
    for rel in p["amsr2"]:
        sw = open_dataset(out / "products" / rel)
        t = Transformer.from_crs("EPSG:4326", g.crs, always_xy=True)
        x, y = t.transform(sw.lon_89.values, sw.lat_89.values)
        r, c = (g.y0 - y) / g.res - 0.5, (x - g.x0) / g.res - 0.5
        ref = map_coordinates(sim.tb_89_0h.values.astype(float), [r, c], order=1, cval=np.nan)
        ok = (r > 1) & (r < g.height - 2) & (c > 1) & (c < g.width - 2)
        ok &= np.isfinite(sw.tb_89_0h_hires.values)
        diffs.append((sw.tb_89_0h_hires.values - ref)[ok])
        info = describe_product(out / "products" / rel)
        assert info.start == dt.datetime.fromisoformat(str(sw.time.values[0])).replace(
            tzinfo=dt.UTC
        )
        assert shapely.contains(
            info.footprint.buffer(1.0), shapely.points(x.ravel(), y.ravel())
        ).all()
    d = np.concatenate(diffs)
    # two independent NEdT draws of 1.2 K (the grid's damped by the bilinear weights) and point
    # vs 3.125 km block sampling: measured mean -0.01..0.03 K, std 1.47..1.51 K (4 swaths)
    assert d.size > 1000 and abs(d.mean()) < 0.3 and d.std() < 2.2


def test_amsr2_format_round_trip_exact(tmp_path):
    region = Grid("EPSG:3413", 0.0, -600_000.0, 25_000.0, 16, 16)
    start = dt.datetime(2021, 9, 5, 3, 12, 30, tzinfo=dt.UTC)
    p = amsr2.amsr2_pass(region, start, 30.0, 0.0)
    rng = np.random.default_rng(1)
    lo = {v: rng.uniform(100, 280, p.x[:, ::2].shape) for v in amsr2.RES23}
    lo["tb_18_7h"][0, :5] = np.nan
    hi = {"h": rng.uniform(150, 280, p.x.shape), "v": rng.uniform(150, 280, p.x.shape)}
    path = amsr2.write_l1r(tmp_path, p, lo, hi)
    ds = open_dataset(path)
    for v, a in lo.items():
        got = ds[v].values
        np.testing.assert_array_equal(np.isnan(got), np.isnan(a))
        assert np.nanmax(np.abs(got - a)) <= 0.005 + 1e-4
    assert np.nanmax(np.abs(ds.tb_89_0v_hires.values - hi["v"])) <= 0.005 + 1e-4
    lon, lat = p.lonlat()
    np.testing.assert_array_equal(ds.lat_89.values, lat)
    t = ds.time.values.astype("datetime64[ms]")
    want = np.datetime64(p.start.replace(tzinfo=None), "ms") + (p.scan_time * 1000).astype(
        "timedelta64[ms]"
    )
    np.testing.assert_array_equal(t, want)


def test_nt_reference_and_chart(prod):
    out, date, p = prod
    nt = open_dataset(out / "products" / p["nt"][0])
    sim = _sim(out, date, "nt_25km.nc")
    g = Grid.from_dataset(sim)
    i0, j0 = int((5_850_000 - g.y0) / 25_000), int((g.x0 + 3_850_000) / 25_000)
    got = nt.sic.values[i0 : i0 + g.height, j0 : j0 + g.width]
    np.testing.assert_array_equal(np.isnan(got), np.isnan(sim.sic.values))
    assert np.nanmax(np.abs(got - sim.sic.values)) <= 0.2 + 1e-4
    ref = open_dataset(out / "products" / p["reference"][0])
    simr = _sim(out, date, "osisaf_like_10km.nc")
    assert ref.rio.crs.to_epsg() == 3413
    np.testing.assert_allclose(ref.x.values, simr.x.values)
    np.testing.assert_array_equal(np.isnan(ref.sic.values), np.isnan(simr.sic.values))
    assert np.nanmax(np.abs(ref.sic.values - simr.sic.values)) <= 0.005 + 1e-4
    assert "sic_uncertainty" in ref and np.nanmin(ref.sic_uncertainty.values) > 0
    truth = _sim(out, date, "truth_200m.nc")
    scene = Grid.from_dataset(truth)
    cls = rasterize_chart(out / "products" / p["chart"][0], scene, "class")
    sea = truth.land_mask.values == 0
    agree = np.mean(np.nan_to_num(cls, nan=-1)[sea] == truth.chart_class.values[sea])
    assert agree > 0.99, agree


def test_products_leave_the_case_unchanged(smoke_case, tmp_path):
    """Writing products draws from its own random stream: the case's arrays do not change."""
    out, info, _ = smoke_case
    cfg = load_config("sim:smoke,products.write=False")
    sim = CaseSimulator(cfg)
    sim.write_date(0, info["dates"][0], tmp_path / "sic" / info["dates"][0])
    for name in ("s1_200m.nc", "rcm_200m.nc", "nt_25km.nc", "amsr2_3125m.nc"):
        a = _sim(out, info["dates"][0], name)
        b = xr.open_dataset(tmp_path / "sic" / info["dates"][0] / name).load()
        for v in a.data_vars:
            np.testing.assert_array_equal(a[v].values, b[v].values)
    assert not (tmp_path / "products").exists()


def test_full_size_path_streams_two_layers(tmp_path):
    """The full-size writer on a 20 km swath at 40 m (500 x 500 px, written in strips of 64
    lines): pixels inside the 200 m scene carry the scene's sigma0, the others the coarse
    layer's, beyond both the zero fill; each within the DN rounding bound."""
    s = sar.Sensor("s1", 30.0, -24.0, 20_000.0, 2, 20.0, 25.0, 5_000.0, 0.3, -49.3)
    scene = Grid("EPSG:3413", 0.0, -1_000_000.0, 200.0, 40, 40)  # 8 km inside the 20 km swath
    coarse = Grid("EPSG:3413", -6_000.0, -994_000.0, 1_000.0, 16, 20)
    start = dt.datetime(2021, 9, 5, 7, 0, 0, tzinfo=dt.UTC)
    acq = acquisition("s1", s.swath_m, s.inc_near, s.inc_far, 30.0, 10_000.0, scene, start,
                      spacing_m=40.0, full_size=True)  # fmt: skip
    assert acq.shape == (500, 500)
    rng = np.random.default_rng(0)
    fine = {p: 10 ** rng.uniform(-3, -1, scene.shape) for p in ("hh", "hv")}
    rough = {p: np.full(coarse.shape, 10**-1.5) for p in ("hh", "hv")}
    sampler = MapSampler(acq, [MapLayer(scene, fine), MapLayer(coarse, rough)])
    path, _ = safe.write_safe(tmp_path, acq, sampler, s, sar.noise_params(jax.random.key(0), s),
                              rng, strip=64)  # fmt: skip
    ds = open_dataset(path)
    got = 10 ** (ds.hh.values.astype(float) / 10)
    exp = sampler("hh", slice(0, acq.lines))
    x, y = acq.image_to_map(*np.mgrid[0:500, 0:500])
    in_scene = (x > 0) & (x < 8_000) & (y < -1_000_000) & (y > -1_008_000)
    in_coarse = (x > -6_000) & (x < 10_000) & (y < -994_000) & (y > -1_014_000)
    assert in_scene.sum() > 1000 and (in_coarse & ~in_scene).sum() > 1000
    assert np.allclose(exp[in_coarse & ~in_scene], 10**-1.5)
    np.testing.assert_array_equal(ds.valid.values > 0, np.isfinite(exp))
    assert not np.isfinite(exp[~in_coarse]).any()
    dn, a2 = _dn_and_a2(path, "s1", ds)
    m = np.isfinite(exp)
    assert np.all(np.abs(got - exp)[m] <= ((dn + 0.25) / a2 + 2e-5 * exp)[m])
