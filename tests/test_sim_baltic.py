"""Baltic thickness scenario (smoke size): formats, physics and information content."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.ndimage import uniform_filter

from seaice_jax.config import load_config
from seaice_jax.geo.grids import Grid
from seaice_jax.io.charts import rasterize_chart, read_chart
from seaice_jax.sim import baltic


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("baltic")
    cfg = load_config("configs/sim.py")
    cfg.baltic.size_px = 320  # between smoke and demo: enough measurement points, ~5 s
    baltic.simulate_baltic(cfg, d)
    return d


def _open(p):
    with xr.open_dataset(p, decode_coords="all") as ds:
        return ds.load()


def test_lebedev_closed_form():
    assert baltic.lebedev(np.array([0.0, 100.0]))[1] == pytest.approx(0.0133 * 100**0.58)
    assert baltic.lebedev(np.array([0.0]))[0] == 0.0


def test_files_and_grid(out):
    for s in ("season1", "season2"):
        sar = _open(out / s / "sar.nc")
        assert sar.rio.crs.to_epsg() == 3395 and sar.rio.resolution()[0] == 500.0
        land = sar.land_mask.values == 1
        assert 0.02 < land.mean() < 0.9  # the Bay of Bothnia coast is in the frame
        assert np.isnan(sar.hh.values[land]).all() and np.isfinite(sar.hh.values[~land]).all()
        for f in ("hightsi.nc", "sit_truth.nc"):
            assert _open(out / s / f).sit.shape == sar.hh.shape
        ch = read_chart(out / s / "chart.shp")
        lo, av, hi = (np.asarray(ch.attrs[k], float) for k in ("SIT_MIN", "SIT_AVG", "SIT_MAX"))
        ok = np.isfinite(av)
        assert ok.sum() >= 3 and (lo[ok] <= av[ok] + 1e-9).all() and (av[ok] <= hi[ok] + 1e-9).all()


def test_measurements_rounded_and_on_sea_ice(out):
    for s in ("season1", "season2"):
        df = pd.read_csv(out / s / "measurements.csv")
        assert list(df.columns) == ["lon", "lat", "time", "thickness"] and len(df) > 100
        assert np.allclose(df.thickness / 0.05, np.round(df.thickness / 0.05), atol=1e-6)
        assert (df.thickness > 0).all()
        pd.to_datetime(df.time)


def test_incidence_slope_and_model_bias(out):
    """sigma0 falls by ~0.25 dB/deg; HIGHTSI overestimates at the (drift-ice) ship points."""
    for s in ("season1", "season2"):
        sar, tr = _open(out / s / "sar.nc"), _open(out / s / "sit_truth.nc")
        ice = np.isfinite(sar.hh.values) & (tr.sit.values > 0)
        slope = np.polyfit(sar.incidence_angle.values[ice], sar.hh.values[ice], 1)[0]
        assert -0.4 < slope < -0.1
        df = pd.read_csv(out / s / "measurements.csv")
        hts = _open(out / s / "hightsi.nc")
        from pyproj import Transformer

        x, y = Transformer.from_crs("EPSG:4326", "EPSG:3395", always_xy=True).transform(
            df.lon, df.lat
        )
        g = Grid.from_dataset(hts)
        r = ((g.y0 - np.asarray(y)) / g.res).astype(int)
        c = ((np.asarray(x) - g.x0) / g.res).astype(int)
        bias = np.nanmean(hts.sit.values[r, c] - df.thickness.values)
        assert bias > 0.0, bias


def _r2(y, idx, *cols) -> float:
    """R^2 of the least-squares fit of ``y`` on ``cols`` (plus intercept) at ``idx``."""
    a = np.c_[np.ones(idx.size), *(c.ravel()[idx] for c in cols)]
    res = y.ravel()[idx] - a @ np.linalg.lstsq(a, y.ravel()[idx], rcond=None)[0]
    return 1 - res.var() / y.ravel()[idx].var()


def test_sar_carries_thickness_information_beyond_model_and_chart(out):
    """Least squares as in the paper: SAR texture adds skill, but is far from a perfect proxy."""
    for s in ("season1", "season2"):
        d = out / s
        sar, tr, hts = _open(d / "sar.nc"), _open(d / "sit_truth.nc"), _open(d / "hightsi.nc")
        chart = rasterize_chart(d / "chart.shp", Grid.from_dataset(sar), what="SIT_AVG")
        hh = np.nan_to_num(sar.hh.values + 0.25 * (sar.incidence_angle.values - 35))
        mean = uniform_filter(hh, 7)
        sd = np.sqrt(np.maximum(uniform_filter(hh**2, 7) - mean**2, 0))
        y, h = tr.sit.values, hts.sit.values
        ok = np.isfinite(y) & (y > 0) & np.isfinite(chart) & np.isfinite(h)
        idx = np.random.default_rng(0).choice(np.flatnonzero(ok), 3000, replace=False)

        base, sar_only = _r2(y, idx, h, chart), _r2(y, idx, mean, sd)
        full = _r2(y, idx, h, chart, mean, sd, h * mean, h * sd)
        assert full > base + 0.08, (base, full)
        assert sar_only < 0.6 and full < 0.85, (sar_only, full)
