"""The simulated-day evaluation on a small synthetic day folder in the simulator's layout."""

from __future__ import annotations

import numpy as np
import xarray as xr
from fusion_reference import fuse_numpy
from scipy import ndimage

from seaice_jax.experiments import case
from seaice_jax.geo import Grid, regrid
from seaice_jax.io.writers import write_netcdf

G200 = Grid("EPSG:3413", 200_000.0, -800_000.0, 200.0, 192, 192)
G3 = Grid("EPSG:3413", 175_000.0, -775_000.0, 3_125.0, 32, 32)
G25 = Grid("EPSG:3413", 150_000.0, -750_000.0, 25_000.0, 6, 6)
G10 = Grid("EPSG:3413", 160_000.0, -760_000.0, 10_000.0, 12, 12)


class SarPredictorDouble:
    """Test double of a trained SAR model: SIC = 10 * (HH + 20), the inverse of the day's SAR."""

    inputs = ["hh", "hv"]
    tile_size = 64

    def normalise(self, ds):
        return np.stack([ds.hh.values, ds.hv.values], -1).astype(np.float32)

    def predict(self, x):
        return np.clip(10.0 * (x[..., 0] + 20.0), 0, 100)


class PmPredictorDouble:
    """Test double of the AMSR2-89 model: linear in TB 89 H."""

    inputs = ["tb_89_0h"]
    tile_size = 16

    def normalise(self, ds):
        return ds.tb_89_0h.values[..., None].astype(np.float32)

    def predict(self, x):
        return np.clip((x[..., 0] - 180.0) / 80.0 * 100.0, 0, 100)


def _write(grid, path, **fields):
    ds = grid.template()
    for k, v in fields.items():
        ds[k] = (("y", "x"), np.asarray(v, np.float32))
    write_netcdf(ds, path)
    return ds


def _day(tmp):
    rng = np.random.default_rng(0)
    t = np.clip(ndimage.gaussian_filter(rng.normal(size=G200.shape), 12) * 900 + 50, 0, 100)
    t[:, :20] = 0.0
    truth = _write(
        G200,
        tmp / "truth_200m.nc",
        sic=t,
        chart_class=np.digitize(t, (15, 80)),
        land_mask=np.zeros(G200.shape),
    )
    hh = t / 10 - 20 + rng.normal(0, 0.8, t.shape)
    valid = np.ones(t.shape)
    valid[:, 150:] = 0  # S1 swath edge
    _write(G200, tmp / "s1_200m.nc", hh=hh, hv=hh - 8, valid=valid)
    big = regrid(truth["sic"], G3, "average").values
    big = np.where(np.isnan(big), 50.0, big)
    _write(G3, tmp / "amsr2_3125m.nc", tb_89_0h=180 + 0.8 * big + rng.normal(0, 3, big.shape))
    nt = regrid(truth["sic"], G25, "average").values
    _write(
        G25,
        tmp / "nt_25km.nc",
        sic=np.where(np.isnan(nt), 50, nt),
        weather_mask_89=np.zeros(G25.shape),
    )
    _write(G10, tmp / "osisaf_like_10km.nc", sic=regrid(truth["sic"], G10, "average").values)
    return tmp


def test_day_products_and_scores(tmp_path):
    day = _day(tmp_path / "day")
    preds = {"s1": SarPredictorDouble(), "amsr2_89": PmPredictorDouble()}
    prods = case.make_products(day, tmp_path / "out", preds)
    assert set(prods) == {"s1", "amsr2_89", "nt_bilinear", "pansharpen_baseline", "fused"}
    for p in prods:
        assert (tmp_path / "out" / f"{p}.nc").is_file()
    res = case.score_products(day, prods)
    vt = res["vs_truth"]
    assert vt["s1"]["mae"] < 0.5 * vt["nt_bilinear"]["mae"]
    assert vt["fused"]["mae"] < vt["nt_bilinear"]["mae"]
    assert vt["pansharpen_baseline"]["mae"] < vt["nt_bilinear"]["mae"]
    assert vt["s1"]["n"] < vt["fused"]["n"]  # the swath covers part of the grid only
    assert set(vt["fused"]["per_class"]) == {"open_water", "miz", "ice"}
    assert res["vs_osisaf_like"]["nt_bilinear"]["n"] > 0
    assert 0.0 < res["calibration"]["s1"] <= 1.0
    with xr.open_dataset(tmp_path / "out" / "fused.nc") as f:
        assert set(np.unique(f.dominant.values)) <= {0, 2, 3}
    raw = case.make_products(day, tmp_path / "raw", preds, floors={"s1": (0, 0, 0)})
    floors = case.fit_floors(day, {"s1": raw["s1"]})["s1"]
    cal = case.make_products(day, tmp_path / "cal", preds, floors={"s1": floors})
    assert abs(case.score_products(day, {"s1": cal["s1"]})["calibration"]["s1"] - 0.68) < 0.03
    figs = case.day_figures(day, prods, tmp_path / "fig")
    assert len(figs) == 6 and all(f.stat().st_size > 1000 for f in figs)


def test_calibrate_stores_floors_and_fused_map_follows_the_documented_formula(tmp_path):
    import dataclasses
    import json

    from seaice_jax import fusion, infer
    from seaice_jax.config import get as get_config
    from seaice_jax.io import open_dataset

    day = _day(tmp_path / "day")
    with xr.open_dataset(day / "nt_25km.nc") as f:
        nt = f.load()
    nt["weather_mask_89"][:, 2] = 1.0  # weather flagged in one column of 25 km cells
    write_netcdf(nt, day / "nt_25km.nc")
    preds = {"s1": SarPredictorDouble(), "amsr2_89": PmPredictorDouble()}
    wd = tmp_path / "s1_model"
    wd.mkdir()
    cal = case.calibrate(day, tmp_path / "raw", preds, {"s1": wd})
    floors = cal["floors"]
    assert set(floors) == {"s1", "amsr2_89"}
    stored = json.loads((wd / "uncertainty.json").read_text())
    assert stored["floors"] == list(floors["s1"]) and str(day) in stored["fitted_on"]
    assert infer.load_floors(wd) == floors["s1"]
    # kappa and beta: the grid point with the lowest fused MAE on that day.
    scores = cal["resolution_scores"]
    assert len(scores) == len(case.KAPPA_GRID) * len(case.BETA_GRID)
    assert scores[f"{cal['kappa']:g},{cal['beta']:g}"] == min(scores.values())
    # The fused sigma, scaled by the fitted factor, covers 68 % of the errors on that day.
    cfg = get_config("configs/fusion.py")
    cfg.sigma_scale = cal["fused_sigma_scale"]
    cfg.kappa, cfg.beta = cal["kappa"], cal["beta"]
    assert cal["fused_sigma_scale"] > 0
    prods = case.make_products(day, tmp_path / "out", preds, fusion_cfg=cfg, floors=floors)
    res = case.score_products(day, prods)
    assert abs(res["calibration"]["fused"] - 0.683) < 0.02
    each = res["fused_vs_each"]
    assert set(each) == {"s1", "amsr2_89", "nt_bilinear", "pansharpen_baseline"}
    assert each["s1"]["n"] == res["vs_truth"]["s1"]["n"]
    # The fused file equals the NumPy formula applied to each product on the output grid, with
    # the weather mask applied on each PM product's own grid first (docs/products.md).
    grid = Grid.from_dataset(prods["fused"])
    native = {
        "s1": open_dataset(tmp_path / "out" / "s1_native.nc"),
        "amsr2_89": open_dataset(tmp_path / "out" / "amsr2_89_native.nc"),
        "nt": open_dataset(day / "nt_25km.nc"),
    }
    nt = native["nt"]
    weather = nt["weather_mask_89"].astype(np.float32)
    assert float(weather.max()) == 1.0
    s, u = zip(
        *(
            fusion._on_grid(
                native.get(n), n, grid, cfg, print, weather if n in ("amsr2_89", "nt") else None
            )
            for n in fusion.PRODUCTS
        ),
        strict=True,
    )
    params = dataclasses.replace(fusion.params_from_config(cfg), target_res_m=float(grid.res))
    f, unc, dom = fuse_numpy(np.stack(s), np.stack(u), np.zeros(grid.shape, bool), params)
    np.testing.assert_allclose(prods["fused"]["sic"].values, f, atol=1e-3)
    s0, u0 = zip(
        *(fusion._on_grid(native.get(n), n, grid, cfg, print) for n in fusion.PRODUCTS),
        strict=True,
    )
    f0 = fuse_numpy(np.stack(s0), np.stack(u0), np.zeros(grid.shape, bool), params)[0]
    assert np.nanmax(np.abs(f0 - f)) > 1.0  # the weather mask mattered here
    np.testing.assert_allclose(
        prods["fused"]["sic_uncertainty"].values, unc * cfg.sigma_scale, rtol=1e-5, atol=1e-3
    )
    ok = np.isfinite(f)
    np.testing.assert_array_equal(prods["fused"]["dominant"].values[ok], dom[ok])
