"""SIGRID-3 ice charts: decoding, reading, rasterising, writing; real CIS chart and tiny charts."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from seaice_jax.errors import SeaIceError
from seaice_jax.geo import Grid
from seaice_jax.io import open_dataset
from seaice_jax.io.charts import (
    CLASS_THRESHOLDS,
    burn_order,
    rasterize_chart,
    read_chart,
    write_chart,
)
from seaice_jax.io.sigrid3 import concentration_pct

CODES = {
    "00": 0.0, "01": 5.0, "02": 0.0, "10": 10.0, "50": 50.0, "90": 90.0, "91": 95.0, "92": 100.0,
    "13": 20.0, "46": 50.0, "89": 85.0, "12": 15.0, "99": math.nan, "-9": math.nan, "": math.nan,
    None: math.nan, "31": math.nan, 92: 100.0, 1.0: 5.0,
}  # fmt: skip


@pytest.mark.parametrize("code", list(CODES))
def test_concentration_codes(code):
    got, want = concentration_pct(code), CODES[code]
    assert (math.isnan(got) and math.isnan(want)) or got == want


@pytest.fixture(scope="module")
def cis(data_dir):
    return read_chart(data_dir / "cis_sigrid3_shp" / "shapefile.shp")


def test_cis_chart(cis):
    assert len(cis) == 563
    p = {q.name: q.value for q in cis.crs.coordinate_operation.params}
    assert cis.crs.coordinate_operation.method_name.startswith("Lambert Conic Conformal (2SP)")
    assert (
        p["Latitude of 1st standard parallel"] == 49
        and p["Latitude of 2nd standard parallel"] == 77
    )
    assert p["Longitude of false origin"] == -100 and p["Latitude of false origin"] == 40
    types, counts = np.unique(cis.poly_type, return_counts=True)
    assert dict(zip(types, counts, strict=True)) == {"I": 461, "L": 93, "N": 4, "W": 5}
    ct = np.array([str(v) for v in cis.attrs["CT"]])
    np.testing.assert_array_equal(cis.sic[ct == "92"], 100.0)
    np.testing.assert_array_equal(cis.sic[ct == "91"], 95.0)
    assert (ct == "92").sum() == 329 and np.isnan(cis.sic[np.isin(cis.poly_type, ["L", "N"])]).all()
    # the chart's own AREA attribute equals the shapely polygon area (same CRS)
    np.testing.assert_allclose(shapely.area(cis.geometry), cis.attrs["AREA"], rtol=1e-9)


def _grid_over(chart, res: float) -> Grid:
    return Grid.from_bounds(chart.crs.to_wkt(), shapely.total_bounds(chart.geometry), res)


def _visible_parts(chart) -> np.ndarray:
    """Each polygon minus the polygons burnt after it (vector reference of the burn order)."""
    rank = np.empty(len(chart), int)
    rank[burn_order(chart)] = np.arange(len(chart))
    tree = shapely.STRtree(chart.geometry)
    pairs = [tree.query(chart.geometry, predicate=p) for p in ("overlaps", "contains", "within")]
    i, j = np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    out = []
    for k, g in enumerate(chart.geometry):
        later = j[(i == k) & (rank[j] > rank[k])]
        out.append(
            shapely.difference(g, shapely.union_all(chart.geometry[later])) if len(later) else g
        )
    return np.array(out)


def test_rasterised_sic_matches_area_weighted_mean(cis):
    g = _grid_over(cis, 5_000.0)
    r = rasterize_chart(cis, g, "sic")
    sic = cis.sic
    ok = np.isfinite(sic)
    area = shapely.area(shapely.intersection(_visible_parts(cis), box(*g.bounds)))[ok]
    ref = float((sic[ok] * area).sum() / area.sum())
    assert abs(np.nanmean(r) - ref) < 0.1  # measured 33.417 vs 33.402 %
    assert abs(np.isfinite(r).sum() * g.res**2 / area.sum() - 1) < 0.002  # measured 2e-5


def test_rasterise_reprojected_and_classes(cis):
    g = Grid("EPSG:3413", -2_150_000.0, -2_900_000.0, 10_000.0, 260, 300)
    r_3413 = rasterize_chart(cis, g, "sic")
    r_lcc = rasterize_chart(cis, _grid_over(cis, 10_000.0), "sic")
    assert abs(np.nanmean(r_3413) - np.nanmean(r_lcc)) < 1.0
    cls = rasterize_chart(cis, g, "class")
    assert set(np.unique(cls[np.isfinite(cls)])) == {0.0, 1.0, 2.0}
    np.testing.assert_array_equal(np.isnan(cls), np.isnan(r_3413))
    ice = np.isfinite(r_3413)
    np.testing.assert_array_equal(
        cls[ice] == 2, r_3413[ice] >= CLASS_THRESHOLDS["consolidated_min"]
    )
    ca = rasterize_chart(cis, g, "CA")
    assert np.nanmax(ca) <= 100


def _tiny_chart(path: Path) -> tuple[list, dict]:
    polys = [box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000), box(20_000, 0, 30_000, 10_000),
             box(30_000, 0, 40_000, 10_000)]  # fmt: skip
    attrs = {
        "CT": ["92", "46", "01", "-9"],
        "POLY_TYPE": ["I", "I", "W", "L"],
        "SIT_MIN": [0.3, 0.1, 0.0, 0.0],
        "SIT_AVG": [0.45, 0.2, 0.0, 0.0],
        "SIT_MAX": [0.7, 0.3, 0.0, 0.0],
    }
    write_chart(path, polys, attrs, "EPSG:3395")
    return polys, attrs


GRID = Grid("EPSG:3395", 0.0, 10_000.0, 1_000.0, 40, 10)


def test_write_read_rasterise_tiny_chart(tmp_path):
    path = tmp_path / "chart.shp"
    _tiny_chart(path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".cpg", ".dbf", ".prj", ".shp", ".shx"]
    chart = read_chart(path)
    assert chart.crs.to_epsg() == 3395 and len(chart) == 4
    np.testing.assert_array_equal(chart.sic, [100.0, 50.0, 5.0, np.nan])
    np.testing.assert_array_equal(chart.classes(), [2.0, 1.0, 0.0, np.nan])
    np.testing.assert_array_equal(
        chart.classes({"consolidated_min": 101.0}), [1.0, 1.0, 0.0, np.nan]
    )
    sit = rasterize_chart(path, GRID, "sit_avg")  # attribute names are case-insensitive
    np.testing.assert_allclose(sit[:, :10], 0.45)
    np.testing.assert_allclose(sit[:, 10:20], 0.2)
    assert np.isnan(sit[:, 30:]).all()  # land
    sic = rasterize_chart(chart, GRID, "sic")
    np.testing.assert_array_equal(sic[5, [5, 15, 25, 35]], [100.0, 50.0, 5.0, np.nan])
    big = Grid("EPSG:3395", -10_000.0, 20_000.0, 1_000.0, 60, 30)
    assert np.isnan(rasterize_chart(chart, big, "sic")[:5]).all()  # outside the chart


def test_chart_open_dataset(tmp_path, data_dir):
    path = tmp_path / "chart.shp"
    _tiny_chart(path)
    ds = open_dataset(path)
    assert ds.attrs["source_format"] == "sigrid3_shapefile" and ds.sizes["polygon"] == 4
    assert ds.rio.crs.to_epsg() == 3395 and str(ds.geometry.values[0]).startswith("POLYGON")
    np.testing.assert_array_equal(ds.chart_class.values, [2.0, 1.0, 0.0, np.nan])
    real = open_dataset(data_dir / "cis_sigrid3_shp" / "shapefile.shp")
    assert real.sizes["polygon"] == 563 and real.rio.crs is not None and real.nbytes < 5e6
    sa = dict(zip(real.SA.values, real.SA_name.values, strict=True))
    assert (
        sa["81"] == "new ice"
        and sa["87"] == "thin first-year ice"
        and sa["93"] == "thick first-year ice"
    )
    fa = dict(zip(real.FA.values, real.FA_name.values, strict=True))
    assert fa["08"] == "fast ice" and fa["04"] == "medium floe"


def test_write_chart_atomic_replace(tmp_path):
    path = tmp_path / "chart.shp"
    _tiny_chart(path)
    write_chart(path, [box(0, 0, 1, 1)], {"CT": ["10"]}, "EPSG:3395")
    assert len(read_chart(path)) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left


def _bad_chart_cases():
    def drop(ext):
        def make(tmp, d):
            for f in (d / "cis_sigrid3_shp").glob("shapefile.*"):
                if f.suffix not in (ext, ".dex"):
                    shutil.copy(f, tmp / f.name)
            return tmp / "shapefile.shp"

        return make

    def random_shp(tmp, _d):
        (tmp / "c.shp").write_bytes(np.random.default_rng(0).bytes(300))
        return tmp / "c.shp"

    def truncated(tmp, d):
        drop(".none")(tmp, d)
        data = (tmp / "shapefile.shp").read_bytes()
        (tmp / "shapefile.shp").write_bytes(data[:5000])
        return tmp / "shapefile.shp"

    return {
        "missing .prj": (drop(".prj"), "missing companion file shapefile.prj"),
        "missing .dbf": (drop(".dbf"), "missing companion file shapefile.dbf"),
        "missing .shx": (drop(".shx"), "missing companion file shapefile.shx"),
        "random bytes": (random_shp, "not a supported format|not an ESRI shapefile"),
        "truncated": (truncated, "truncated shapefile"),
    }


BAD = _bad_chart_cases()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_chart(case, tmp_path, data_dir):
    make, msg = BAD[case]
    path = make(tmp_path, data_dir)
    for opener in (open_dataset, lambda p: rasterize_chart(p, GRID)):
        with pytest.raises(SeaIceError, match=msg) as e:
            opener(path)
        assert "\n" not in str(e.value) and path.name in str(e.value)


def test_bad_chart_arguments(tmp_path):
    path = tmp_path / "chart.shp"
    _tiny_chart(path)
    with pytest.raises(SeaIceError, match="no attribute 'SIT_XX'"):
        rasterize_chart(path, GRID, "SIT_XX")
    with pytest.raises(SeaIceError, match="not numeric"):
        rasterize_chart(path, GRID, "POLY_TYPE")
    with pytest.raises(SeaIceError, match="unknown key"):
        rasterize_chart(path, GRID, "class", thresholds={"miz_max": 50})
    with pytest.raises(SeaIceError, match="values for 1 polygons"):
        write_chart(tmp_path / "x.shp", [box(0, 0, 1, 1)], {"CT": ["10", "20"]}, "EPSG:3395")


def test_cli_info_chart(data_dir, cli, tmp_path):
    import json

    rc, out, _ = cli("info", data_dir / "cis_sigrid3_shp" / "shapefile.shp", "--json")
    d = json.loads(out)
    assert rc == 0 and d["format"] == "sigrid3_shapefile" and "Lambert" in d["crs"]
    assert d["variables"]["sic"]["shape"] == [563] and d["variables"]["sic"]["units"] == "%"
    make, _ = BAD["missing .prj"]
    rc, out, err = cli("info", make(tmp_path, data_dir))
    assert rc != 0 and err.count("\n") == 1 and "shapefile.prj" in err


def test_geographic_chart_onto_polar_grid(tmp_path):
    # A chart in lon/lat (as US NIC distributes some): a lon/lat box burnt onto EPSG:3413 must
    # cover exactly the pixels whose centres fall inside the box (parallels are curves there).
    path = tmp_path / "geo.shp"
    write_chart(
        path, [box(-40.0, 70.0, -10.0, 80.0)], {"CT": ["92"], "POLY_TYPE": ["I"]}, "EPSG:4326"
    )
    g = Grid("EPSG:3413", -1_200_000.0, -300_000.0, 10_000.0, 160, 150)
    burnt = np.isfinite(rasterize_chart(path, g, "sic"))
    lon, lat = g.lonlat()
    inside = (lon > -40) & (lon < -10) & (lat > 70) & (lat < 80)
    assert inside.sum() > 2_000
    assert (burnt != inside).sum() / inside.sum() < 0.01  # measured: 0 of 2,052 differ
