"""From products as delivered to prepared tiles and predictions on EPSG:3413: collocation,
``scene_inputs`` (calibration, noise removal, projection), ``prepare`` for S1, RCM and AMSR2-89,
parallel scenes, ``predict`` on a ``.SAFE`` (folder and zip), and bad inputs."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import shapely
import xarray as xr
from geoloc_doubles import TO_MAP, AffineGeolocation
from product_builders import (
    field_db,
    write_cis_chart,
    write_l1r,
    write_nt,
    write_rcm,
    write_safe,
    zip_safe,
)
from products_doubles import PointwisePredictorDouble

from seaice_jax import infer
from seaice_jax.collocate import ProductIndex, collocate
from seaice_jax.data.inputs import quantise_sic
from seaice_jax.data.products import scene_inputs
from seaice_jax.data.source import TileSource
from seaice_jax.data.training import prepare_dataset
from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid
from seaice_jax.geo.tiepoints import TiePoints
from seaice_jax.io import open_dataset

UTC = dt.UTC
T0 = dt.datetime(2021, 9, 5, 7, 20, 50, tzinfo=UTC)
XC, YC = 806_000.0, -806_000.0  # Fram Strait, 79.5 N 0 E: open sea
WEIGHTS = {"open_water": 2.0, "consolidated": 1.0, "miz": 0.5, "no_chart": 1.0}


def nt_pct(x, y):
    """The NT field of the tests: 50 % at XC, +1 % per 2 km eastward (linear: bilinear-exact)."""
    return 50.0 + (x - XC) / 2000.0


def _geo(x0=XC - 5_000.0, y0=YC + 6_000.0, heading=170.0, shape=(300, 260)):
    return AffineGeolocation(shape, x0, y0, 40.0, 40.0, heading)


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    """A download folder: S1 on two dates, RCM, AMSR2, NT and a chart for the first date only,
    a note and a broken SAFE."""
    root = tmp_path_factory.mktemp("products")
    for sub in ("s1", "rcm", "amsr2", "nt", "charts"):
        (root / sub).mkdir()
    geo = _geo()
    s1 = write_safe(root / "s1", geo, T0, seed=1)
    s1_late = write_safe(root / "s1", _geo(heading=175.0), T0 + dt.timedelta(days=2), seed=2)
    rcm = write_rcm(root / "rcm", _geo(heading=-10.0), T0 + dt.timedelta(hours=2), seed=3)
    l1r = write_l1r(root / "amsr2", (XC, YC), T0 - dt.timedelta(hours=4))
    nt = write_nt(root / "nt", T0.date(), nt_pct)
    chart = write_cis_chart(root / "charts", T0.date(), XC, (XC - 60e3, YC - 60e3, XC + 60e3, YC + 60e3))  # fmt: skip
    (root / "README.txt").write_text("my downloads\n")
    broken = write_safe(root / "s1", geo, T0 + dt.timedelta(hours=1), seed=4)
    (broken / "manifest.safe").write_text("<xfdu:XFDU")
    return dict(root=root, geo=geo, s1=s1, s1_late=s1_late, rcm=rcm, l1r=l1r, nt=nt,
                chart=chart, broken=broken)  # fmt: skip


def test_index_and_collocation_say_what_they_skip(products, tmp_path):
    idx = ProductIndex.scan([products["root"]])
    assert idx.counts() == {"s1_grd": 2, "rcm_grd": 1, "amsr2_l1r": 1, "nt_daily": 1, "chart": 1}
    why = dict(idx.skipped)
    assert why[str(products["root"] / "README.txt")] == "not a product (unknown file type)"
    assert "unreadable product metadata" in why[str(products["broken"])]
    colls, skips = collocate(idx, "s1")
    assert [c.target.path for c in colls] == [str(products["s1"])]
    c = colls[0]
    assert c.date == "2021-09-05" and c.nt.path == str(products["nt"])
    assert c.chart.path == str(products["chart"]) and [a.path for a in c.amsr2] == [str(products["l1r"])]  # fmt: skip
    reasons = {s.path: s.reason for s in skips}
    assert reasons[str(products["s1_late"])] == (
        "no NT grid for 2021-09-07 and no AMSR2 swath within 12 h to compute NT from"
    )
    assert reasons[str(products["rcm"])] == "rcm_grd is not an input of the 's1' model"
    # A tighter window loses the swath 4 h before the scene; the NT grid still collocates it.
    assert collocate(idx, "s1", window_h=3)[0][0].amsr2 == []
    idx.to_json(tmp_path / "index.json")
    back = ProductIndex.from_json(tmp_path / "index.json")
    assert back.counts() == idx.counts() and back.skipped == idx.skipped
    assert back.products[0].footprint.equals_exact(idx.products[0].footprint, 1e-6)


def test_scene_inputs_calibrate_and_project_a_safe(products):
    """sigma0 back from DN (calibration, noise removal), on the lattice where the geometry says."""
    geo = products["geo"]
    ds = scene_inputs(products["s1"], "s1")
    assert ds.rio.crs.to_epsg() == 3413 and set(ds.data_vars) >= {"hh", "hv", "xcorr", "incidence_angle", "valid", "land_mask"}  # fmt: skip
    g = Grid.from_dataset(ds)
    assert (g.x0 + 3_850_000) % 200 == 0 and (5_850_000 - g.y0) % 200 == 0 and g.res == 200
    xx, yy = np.meshgrid(g.x, g.y)
    r, c = geo.image_coords(xx, yy)
    inner = (ds.valid.values == 1) & (r > 4) & (r < 295) & (c > 4) & (c < 255)
    assert inner.sum() > 600
    err = np.abs(ds.hh.values - field_db(xx, yy))[inner]
    assert np.median(err) < 0.05 and err.max() < 0.25  # DN rounding, 25-pixel means
    rr, cc = geo.raw_coords(xx, yy)
    outside = (rr < -3) | (rr > 302) | (cc < -3) | (cc > 262)  # centre over 100 m outside
    assert outside.sum() > 100 and (ds.valid.values[outside] == 0).all()
    assert np.isnan(ds.hh.values[outside]).all()
    assert np.abs(ds.incidence_angle.values - geo.incidence_at(r, c))[inner].max() < 0.1
    assert ds.land_mask.values.sum() == 0  # Fram Strait, open sea
    xc = ds.xcorr.values[inner]
    assert np.isfinite(xc).all() and (np.abs(xc) <= 1).all()


def test_pole_and_antimeridian_scenes_through_the_tie_points(tmp_path):
    """Reader -> TiePoints -> projection: bright targets land in the pixel pyproj puts their
    annotated longitude/latitude in, at the pole and across the antimeridian."""
    for x0, y0, heading in ((-6_000.0, 5_000.0, 150.0), (-943_175.0, 945_028.0, 100.0)):
        geo = _geo(x0, y0, heading, shape=(200, 220))
        hh = np.full(geo.shape, 0.01)
        targets = [(20, 30), (100, 110), (180, 200), (60, 190)]
        for t in targets:
            hh[t] = 40.0
        safe = write_safe(tmp_path, geo, T0, seed=int(abs(x0)) % 1000, images={"hh": hh, "hv": hh / 10})  # fmt: skip
        lon, lat = geo.lonlat(*np.array(targets).T)
        ds = scene_inputs(safe, "s1")
        g = Grid.from_dataset(ds)
        x, y = TO_MAP.transform(lon, lat)
        for xi, yi in zip(x, y, strict=True):
            i, j = int((g.y0 - yi) // g.res), int((xi - g.x0) // g.res)
            assert np.nanmax(ds.hh.values[i - 1 : i + 2, j - 1 : j + 2]) > -5.0  # 40/25 = 2 dB
        assert np.nanmedian(ds.hh.values) == pytest.approx(-20.0, abs=0.3)
        if y0 > 1e5:
            assert np.ptp(lon) > 300  # on both sides of 180 deg


def _check_prepared(out, model, channels):
    idx = json.loads((out / "index.json").read_text())
    assert idx["model"] == model and idx["channels"] == channels and len(idx["scenes"]) == 1
    scene = out / idx["scenes"][0]["dir"]
    arr = {k: np.load(scene / f"{k}.npy") for k in ("inputs", "target", "weight", "mask")}
    assert arr["inputs"].shape[-1] == len(channels) and arr["mask"].sum() > 50
    return idx, arr


def test_prepare_s1_from_a_mixed_folder(products, tmp_path, cli):
    out = tmp_path / "prep"
    rc, text, err = cli("prepare", products["root"], "--out", out, "--config", "sic_s1:smoke")
    assert rc == 0, err
    assert f"skipped {products['s1_late']}: no NT grid for 2021-09-07" in text
    assert f"not used {products['root'] / 'README.txt'}: not a product" in text
    assert "prepared: 1 scene(s)" in text
    report = json.loads((out / "collocation.json").read_text())
    assert [c["target"] for c in report["collocations"]] == [str(products["s1"])]
    assert {s["path"] for s in report["skipped"]} == {
        str(products["s1_late"]),
        str(products["rcm"]),
    }
    idx, arr = _check_prepared(out, "s1", ["hh", "hv", "xcorr"])
    g = Grid.from_dataset(scene_inputs(products["s1"], "s1"))
    xx, yy = np.meshgrid(g.x, g.y)
    m = arr["mask"] == 1
    # Target: the NT grid brought to the 200 m pixels (bilinear) and quantised.
    np.testing.assert_allclose(arr["target"][m], quantise_sic(nt_pct(xx, yy))[m], atol=0.1 + 1e-6)
    assert (np.abs(arr["target"][m] - quantise_sic(nt_pct(xx, yy))[m]) < 1e-6).mean() > 0.9
    # Weights: the chart's open water (west of XC) and 9+/10 ice (east).
    west, east = m & (xx < XC - 400), m & (xx > XC + 400)
    assert (arr["weight"][west] == 2.0).all() and (arr["weight"][east] == 1.0).all()
    src = TileSource(out, "all", tile=16, stride=16)  # the tiles feed training unchanged
    assert len(src) > 0 and src[0]["x"].shape == (16, 16, 3)


@pytest.mark.parametrize("model", ["rcm", "amsr2"])
def test_prepare_rcm_and_amsr2_from_products(products, tmp_path, model):
    out = tmp_path / model
    done = prepare_dataset([products["root"]], out, model, weights=WEIGHTS, val_dates=0, progress=False)  # fmt: skip
    chans = ["hh", "hv", "xcorr"] if model == "rcm" else ["tb_89_0h", "tb_89_0v"]
    idx, arr = _check_prepared(out, model, chans)
    assert done.scenes == 1 and str(products["s1"]) in {s.path for s in done.skipped}
    m = arr["mask"] == 1
    if model == "amsr2":
        g = Grid("EPSG:3413", 0, 0, 1, 1, 1)  # the swath's TBs: 165 + 55 * ice at 89 H
        assert (
            160 < np.nanmin(arr["inputs"][..., 0][m]) and np.nanmax(arr["inputs"][..., 0][m]) < 225
        )
        assert idx["scenes"][0]["shape"][0] * 3125 > 150_000 and g  # hundreds of km at 3.125 km
    else:
        assert np.abs(np.nanmedian(arr["inputs"][..., 0][m]) - (-17.0)) < 3.0


def test_two_workers_give_the_same_tiles_as_one(products, tmp_path):
    """Two scenes (the second collocated through an NT grid of its date given separately) on a
    local dask cluster of two worker processes, and in this process."""
    (tmp_path / "nt").mkdir()
    write_nt(tmp_path / "nt", (T0 + dt.timedelta(days=2)).date(), nt_pct)
    runs = {}
    for n in (1, 2):
        out = tmp_path / f"w{n}"
        done = prepare_dataset([products["root"], tmp_path / "nt"], out, "s1", weights=WEIGHTS,
                               val_dates=0, workers=n, progress=False)  # fmt: skip
        assert done.scenes == 2
        runs[n] = out
    names = sorted(p.name for p in runs[1].iterdir() if p.is_dir())
    assert names and names == sorted(p.name for p in runs[2].iterdir() if p.is_dir())
    for name in names:
        for f in ("inputs", "target", "weight", "mask"):
            assert (runs[1] / name / f"{f}.npy").read_bytes() == (runs[2] / name / f"{f}.npy").read_bytes()  # fmt: skip
    assert (runs[1] / "index.json").read_text() == (runs[2] / "index.json").read_text()


class SarDouble(PointwisePredictorDouble):
    model_kind = "s1"
    window = 7


@pytest.mark.parametrize("zipped", [False, True])
def test_predict_product_on_a_safe_writes_epsg3413_over_the_footprint(products, tmp_path, zipped):
    path = zip_safe(products["s1"]) if zipped else products["s1"]
    out = infer.predict_product(SarDouble(32), path, tmp_path / "p.nc", tif=tmp_path / "p.tif")
    got = xr.open_dataset(out, decode_coords="all")
    assert got.rio.crs.to_epsg() == 3413
    g = Grid.from_dataset(got)
    tp = TiePoints.from_dataset(open_dataset(products["s1"]))
    fp = tp.footprint()
    xx, yy = np.meshgrid(g.x, g.y)
    pts = shapely.points(xx, yy)
    inside = shapely.contains(fp.buffer(-300.0), pts)
    outside = ~shapely.contains(fp.buffer(300.0), pts)
    sic = got.sic.values
    assert np.isfinite(sic[inside]).all() and np.isnan(sic[outside]).all()
    assert abs(np.isfinite(sic).sum() * 4e4 - fp.area) < 0.05 * fp.area
    got.close()
    with xr.open_dataset(tmp_path / "p.tif", engine="rasterio") as tif:
        assert tif.rio.crs.to_epsg() == 3413


def test_bad_inputs_end_in_one_line(products, tmp_path, cli):
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, _, err = cli("prepare", empty, "--out", tmp_path / "o", "--config", "sic_s1:smoke")
    assert (
        rc == 2
        and err.count("\n") == 1
        and f"no input scenes for model 's1' in {empty}: no product" in err
    )
    only_broken = tmp_path / "broken"
    only_broken.mkdir()
    (only_broken / products["broken"].name).symlink_to(products["broken"])
    rc, _, err = cli("prepare", only_broken, "--out", tmp_path / "o2", "--config", "sic_s1:smoke")
    assert rc == 2 and err.count("\n") == 1 and products["broken"].name in err
    far = Grid("EPSG:3413", 0.0, 0.0, 200.0, 10, 10, name="far")
    with pytest.raises(SeaIceError, match="no overlap with the target grid far"):
        infer.predict_product(SarDouble(32), products["s1"], tmp_path / "q.nc", grid=far)
    assert not (tmp_path / "q.nc").exists()
    with pytest.raises(SeaIceError, match="not an input of the 'amsr2' model"):
        scene_inputs(products["s1"], "amsr2")


def test_a_scene_that_fails_is_reported_and_the_run_goes_on(products, tmp_path, cli):
    """A collocated scene whose measurement is truncated fails alone; the other is prepared."""
    (tmp_path / "dl").mkdir()
    bad = write_safe(tmp_path / "dl", _geo(), T0 + dt.timedelta(days=3), seed=9)
    tif = next((bad / "measurement").glob("*-hh-*.tiff"))
    tif.write_bytes(tif.read_bytes()[:2000])
    write_nt(tmp_path / "dl", (T0 + dt.timedelta(days=3)).date(), nt_pct)
    out = tmp_path / "prep"
    rc, text, err = cli("prepare", products["root"], tmp_path / "dl", "--out", out, "--config", "sic_s1:smoke")  # fmt: skip
    assert rc == 0, err
    assert "prepared: 1 scene(s)" in text and "failed to prepare: 1 scene(s)" in text
    assert f"failed {bad}: " in text and tif.name in text
    assert len(json.loads((out / "index.json").read_text())["scenes"]) == 1


def test_predict_command_projects_a_zipped_safe(products, tmp_path, cli, monkeypatch):
    """``seaice-jax predict --input X.SAFE.zip`` goes through predict_product (the model is the
    double: training one is test_sic_train's business)."""
    monkeypatch.setattr(infer, "load_predictor", lambda workdir: SarDouble(32))
    z = zip_safe(products["s1"])
    rc, out, err = cli("predict", "--workdir", tmp_path, "--input", z, "--out", tmp_path / "p.nc",
                       "--tif", tmp_path / "p.tif")  # fmt: skip
    assert rc == 0, err
    with xr.open_dataset(tmp_path / "p.nc", decode_coords="all") as got:
        assert got.rio.crs.to_epsg() == 3413 and np.isfinite(got.sic.values).sum() > 1000
        # the default uncertainty floors (no uncertainty.json in the workdir)
        assert np.nanmin(got.sic_uncertainty.values) >= min(infer.DEFAULT_FLOORS) - 1e-4
