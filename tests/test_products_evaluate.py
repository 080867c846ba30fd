"""Evaluation: metric kernels vs NumPy, regrid + compare across CRSs, the evaluate command, figures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seaice_jax.evaluate import figures, metrics
from seaice_jax.evaluate.compare import compare
from seaice_jax.geo import Grid, named_grid


def _np_metrics(p, r):
    d = p - r
    return {
        "r2": 1 - np.sum(d**2) / np.sum((r - r.mean()) ** 2),
        "rmse": np.sqrt(np.mean(d**2)),
        "mae": np.mean(np.abs(d)),
        "bias": np.mean(d),
        "corr": np.corrcoef(p, r)[0, 1],
        "n": p.size,
    }


def test_metrics_match_numpy_reference():
    rng = np.random.default_rng(0)
    r = rng.uniform(0, 100, 100_000).astype(np.float32)
    p = (0.8 * r + 10 + rng.normal(0, 8, r.size)).astype(np.float32)
    p[:100] = np.nan
    ok = np.isfinite(p)
    got = metrics.metrics(p, r)
    ref = _np_metrics(p[ok].astype(np.float64), r[ok].astype(np.float64))
    for k in metrics.METRICS:
        assert got[k] == pytest.approx(ref[k], rel=1e-4, abs=1e-4), k


def test_metrics_known_answers_and_classes():
    r = np.array([0, 10, 50, 70, 90, 100], np.float32)
    m = metrics.metrics(r, r)
    assert m["r2"] == 1 and m["rmse"] == 0 and m["corr"] == pytest.approx(1) and m["n"] == 6
    m = metrics.metrics(r + 5, r)
    assert m["bias"] == pytest.approx(5) and m["rmse"] == pytest.approx(5)
    assert np.isnan(metrics.metrics(r, np.full_like(r, 3))["r2"])  # constant reference
    assert metrics.metrics(r[:0], r[:0])["n"] == 0
    res = metrics.metrics_by_class(r + 1, r, metrics.classes_from_sic(r))
    assert [res["per_class"][c]["n"] for c in metrics.CLASS_NAMES] == [2, 2, 2]


def _osisaf(data_dir):
    from seaice_jax.evaluate.compare import sic_variable
    from seaice_jax.io import open_dataset

    path = data_dir / "osisaf_sic" / "cf_nh25km.nc"
    return path, sic_variable(open_dataset(path), None, path)


def _osisaf_roundtrip(data_dir, tmp_path):
    """OSI SAF (EASE2 LAEA 25 km) -> NSIDC 3413 12.5 km -> back: r2 ~ 1; +5 % gives bias 5."""
    from seaice_jax.geo import regrid
    from seaice_jax.io.writers import write_netcdf

    path, ref = _osisaf(data_dir)
    grid = Grid("EPSG:3413", -3_850_000.0, 5_850_000.0, 12_500.0, 608, 896)
    pred = regrid(ref, grid, "bilinear")
    res = compare(pred, ref)
    assert res["r2"] > 0.995 and res["rmse"] < 1.5 and res["n"] > 50_000 and abs(res["bias"]) < 0.1
    pert = (pred + 5.0).clip(0, 100)
    res2 = compare(pert.rio.write_crs(grid.pyproj_crs.to_wkt()), ref)
    # +5 % everywhere except where clipped at 100 %: measured rmse 5.06, bias 4.96.
    assert res2["rmse"] == pytest.approx(5.0, abs=0.3) and res2["bias"] == pytest.approx(
        5.0, abs=0.3
    )
    assert res2["per_class"]["open_water"]["bias"] == pytest.approx(5, abs=0.2)
    out = grid.template()
    out["sic"] = pred
    write_netcdf(out, tmp_path / "p.nc")
    return tmp_path / "p.nc"


def test_osisaf_against_itself_through_epsg3413(data_dir, tmp_path):
    assert _osisaf_roundtrip(data_dir, tmp_path).is_file()


def test_evaluate_cli_on_real_osisaf(data_dir, tmp_path, cli):
    pred_path = _osisaf_roundtrip(data_dir, tmp_path)
    rc, out, err = cli(
        "evaluate",
        "--pred",
        pred_path,
        "--ref",
        data_dir / "osisaf_sic" / "cf_nh25km.nc",
        "--json",
        "--plot",
        tmp_path / "s.png",
    )
    assert rc == 0, err
    res = json.loads(out)
    assert set(metrics.METRICS) <= set(res) and res["r2"] > 0.995
    assert (tmp_path / "s.png").stat().st_size > 1000
    rc, out, err = cli("evaluate", "--pred", pred_path, "--ref", pred_path, "--pred-var", "nope")
    assert rc == 2 and "nope" in err


def test_no_overlap_is_an_error(cli, tmp_path):
    from seaice_jax.io.writers import write_netcdf

    for name, x0 in (("a", 0.0), ("b", 2_000_000.0)):
        g = Grid("EPSG:3413", x0, 0.0, 1000.0, 20, 20)
        ds = g.template()
        ds["sic"] = (("y", "x"), np.full(g.shape, 50.0, np.float32))
        write_netcdf(ds, tmp_path / f"{name}.nc")
    rc, _, err = cli("evaluate", "--pred", tmp_path / "a.nc", "--ref", tmp_path / "b.nc")
    assert rc == 2 and "overlap" in err and err.count("\n") == 1


def test_figures(tmp_path):
    rng = np.random.default_rng(0)
    r = rng.uniform(0, 100, (50, 50))
    figures.scatter_density(r + rng.normal(0, 5, r.shape), r, tmp_path / "s.png", "t")
    panels = {"SAR HH": [r[:10, :10]], "NT": [r[:10, :10]], "200 m": [r[:10, :10]]}
    figures.figure1(r, [(0, 0, 10, 10)], panels, tmp_path / "f1.png")
    for m in ("s1", "rcm"):
        (tmp_path / m).mkdir()
        (tmp_path / m / "summary.json").write_text(
            json.dumps(
                {"train_samples": 100, "val_samples": 20, "best_val_l1": 4.05e-5, "best_epoch": 29}
            )
        )
    md = figures.table1(
        [tmp_path / "s1" / "summary.json", tmp_path / "rcm" / "summary.json"],
        tmp_path / "t1.md",
        tmp_path / "t1.png",
    )
    assert "| s1 | 100 | 20 | 4.050e-05 | 29 |" in md
    for f in ("s.png", "f1.png", "t1.png"):
        assert (tmp_path / f).stat().st_size > 1000
    (tmp_path / "bad.json").write_text("{}")
    from seaice_jax.errors import SeaIceError

    with pytest.raises(SeaIceError, match="best_val_l1|train_samples"):
        figures.read_summary(tmp_path / "bad.json")


def test_named_grid_exists():
    assert named_grid("arctic3413_200m").res == 200.0


def test_choose_rois_finds_the_structure(tmp_path):
    sic = np.zeros((256, 256))
    sic[40:90, 150:200] = np.random.default_rng(0).uniform(0, 100, (50, 50))
    rois = figures.choose_rois(sic, n=2, size=64)
    r0, c0, r1, c1 = rois[0]
    assert r0 <= 40 < r1 and c0 <= 150 < c1 and len(rois) == 2
    figures.figure1_day(sic - 20, sic * 0 + 50, sic, tmp_path / "f.png", n_rois=2, roi_px=64)
    assert (tmp_path / "f.png").stat().st_size > 1000


def test_real_nsidc_nt_against_real_osisaf_across_crs(data_dir, cli):
    """EPSG:3411 polar stereographic vs EASE2 LAEA: different days (2017 vs 2019), so only a
    plausibility check of the CRS handling (measured: r2 0.61, corr 0.82, n 59,079)."""
    rc, out, err = cli(
        "evaluate",
        "--pred",
        data_dir / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin",
        "--ref",
        data_dir / "osisaf_sic" / "cf_nh25km.nc",
        "--json",
    )
    assert rc == 0, err
    res = json.loads(out)
    assert 0.4 < res["r2"] < 0.8 and 0.7 < res["corr"] < 0.9 and res["n"] > 55_000
