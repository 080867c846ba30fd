"""SAR calibration, incidence correction and slope fitting; per-class slopes on the real GLIA scene."""

from __future__ import annotations

import json

import jax.numpy as jnp
import numpy as np
import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.sar.calibration import (
    PUBLISHED_C_BAND_HH_SLOPES,
    ensure_db,
    fit_incidence_slope,
    incidence_correct,
    sigma0_from_dn,
    sigma0_from_dn_tsx,
)
from seaice_jax.sit.segstats import paint, segment_medians


def test_calibration_closed_forms():
    # |DN|^2 / A^2 = 100^2 / 500^2 = 0.04 -> -13.979 dB
    assert float(sigma0_from_dn(jnp.array(100.0), 500.0)) == pytest.approx(-13.9794, abs=1e-3)
    # with noise 1e3 DN^2: (1e4 - 1e3) / 2.5e5 = 0.036
    assert float(sigma0_from_dn(jnp.array(100.0), 500.0, 1e3)) == pytest.approx(-14.437, abs=1e-3)
    # TSX: ks |DN|^2 sin(30 deg) = 1e-5 * 1e4 * 0.5 = 0.05
    assert float(sigma0_from_dn_tsx(jnp.array(100.0), 1e-5, 30.0)) == pytest.approx(
        -13.0103, abs=1e-3
    )
    x = jnp.array([-12.0, -20.0])
    np.testing.assert_array_equal(np.asarray(ensure_db(x, "dB")), np.asarray(x))
    np.testing.assert_allclose(
        np.asarray(ensure_db(jnp.array([0.1, 0.01]), "1")), [-10, -20], atol=1e-5
    )
    with pytest.raises(SeaIceError, match="units"):
        ensure_db(x, "furlongs")


def test_incidence_fit_recovers_slope_and_correction_flattens():
    rng = np.random.default_rng(0)
    theta = np.tile(np.linspace(20, 45, 200), (50, 1))
    s0 = -15.0 - 0.25 * (theta - 35.0) + rng.normal(0, 1.0, theta.shape)
    ice = np.ones(theta.shape, bool)
    ice[:, :20] = False
    s0[:, :20] = -25.0  # "open water" pixels excluded by the ice mask
    fit = fit_incidence_slope(s0, theta, ice)
    assert fit["slope"] == pytest.approx(-0.25, abs=0.01)
    corr = np.asarray(incidence_correct(jnp.asarray(s0), jnp.asarray(theta)))
    assert np.polyfit(theta[ice], corr[ice], 1)[0] == pytest.approx(0.0, abs=0.01)
    assert corr[ice].mean() == pytest.approx(-15.0, abs=0.05)
    assert np.isnan(fit_incidence_slope(s0, np.full_like(theta, 30.0), ice)["slope"])


def test_glia_per_class_slopes_match_published_c_band(data_dir):
    from seaice_jax.sit.glia import glia_class_slopes

    report = glia_class_slopes(data_dir / "glia_s1_ew_belgica")
    json.dumps(report)
    slopes = {c: v["slope"] for c, v in report["classes"].items()}
    assert set(slopes) == {1, 2, 3, 4}
    # Ice classes (2-4, 90 % of the scene): negative, within the published C-band range
    # -0.15 .. -0.40 dB/deg; the brightest-HV class (multiyear-like) near the MYI values
    # (-0.16 Mahmud 2018, -0.167 Howell 2023).
    for c in (2, 3, 4):
        assert -0.45 < slopes[c] < -0.12
        assert report["classes"][c]["r"] < -0.5
    assert abs(slopes[4] - PUBLISHED_C_BAND_HH_SLOPES["mahmud_2018_myi"]) < 0.03
    assert abs(slopes[2] - PUBLISHED_C_BAND_HH_SLOPES["makynen_karvonen_2017_deformed_fyi"]) < 0.06


def test_segment_medians_exact_vs_numpy():
    rng = np.random.default_rng(1)
    seg = rng.integers(0, 7, (20, 25))
    vals = rng.normal(size=(20, 25, 3)).astype(np.float32)
    vals[3, :, 1] = np.nan
    seg[seg == 5] = 0  # an id with no pixels
    got = np.asarray(segment_medians(jnp.asarray(vals), jnp.asarray(seg), 6))
    assert got.shape == (7, 3) and np.isnan(got[0]).all() and np.isnan(got[5]).all()
    for s in (1, 2, 3, 4, 6):
        for f in range(3):
            v = vals[..., f][seg == s]
            assert got[s, f] == pytest.approx(np.median(v[np.isfinite(v)]), abs=1e-6)
    img = np.asarray(paint(got[:, 0], jnp.asarray(seg)))
    assert np.isnan(img[seg == 0]).all() and img[seg == 1][0] == got[1, 0]


def test_georectify_swath_and_crs_inputs_to_mercator_with_gshhg_land(tmp_path):
    import xarray as xr

    from seaice_jax.geo import named_grid
    from seaice_jax.sar.calibration import georectify

    # Oulu coast (Bay of Bothnia): a 40 x 40 km window of the Baltic Mercator 500 m grid.
    g = named_grid("baltic3395_500m")
    lon_c, lat_c = 25.0, 65.05
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", g.crs, always_xy=True).transform(lon_c, lat_c)
    win = g.subgrid(int((g.y0 - y) / g.res) - 40, int((x - g.x0) / g.res) - 40, 80, 80)
    # An unprojected swath: a lon/lat lattice with sigma0 linear in latitude.
    lat, lon = np.meshgrid(
        np.linspace(64.8, 65.3, 150), np.linspace(24.3, 25.7, 160), indexing="ij"
    )
    ds = xr.Dataset({"hh": (("y", "x"), (-20 + 10 * (lat - 65)).astype(np.float32))})
    out = georectify(ds, win, lon=lon, lat=lat)
    wlon, wlat = win.lonlat()
    ok = np.isfinite(out.hh.values)
    assert ok.mean() > 0.95
    np.testing.assert_allclose(out.hh.values[ok], (-20 + 10 * (wlat - 65))[ok], atol=0.05)
    land = out.land_mask.values
    assert 0.1 < land.mean() < 0.9  # GSHHG coast of Oulu crosses the window
    # A georeferenced scene (the window itself) regridded onto a coarser Mercator grid.
    src = win.template()
    src["hh"] = (("y", "x"), out.hh.values)
    coarse = georectify(src, win.coarsen(2), method="average")
    assert coarse.hh.shape == (40, 40)
    assert np.nanmean(coarse.hh.values) == pytest.approx(np.nanmean(out.hh.values), abs=0.05)
    with pytest.raises(SeaIceError, match="no CRS"):
        georectify(ds, win)


def test_slope_fit_over_chart_ice_excludes_open_water(tmp_path):
    import shapely

    from seaice_jax.io.charts import write_chart
    from seaice_jax.sar.calibration import fit_slope_over_chart_ice
    from seaice_jax.sit.synthetic import baltic_grid

    g = baltic_grid(60)
    x0, y0, x1, y1 = g.bounds
    xm = x0 + (x1 - x0) / 3
    polys = [shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1)]
    write_chart(tmp_path / "c.shp", polys, {"CT": ["01", "92"], "POLY_TYPE": ["W", "I"]}, g.crs)
    rng = np.random.default_rng(3)
    theta = np.tile(np.linspace(20, 45, 60), (60, 1))
    s0 = -14.0 - 0.22 * (theta - 35) + rng.normal(0, 0.5, theta.shape)
    s0[:, :20] = -12.0 - 0.6 * (theta[:, :20] - 35)  # wind-roughened water, steeper
    fit = fit_slope_over_chart_ice(s0, theta, tmp_path / "c.shp", g)
    assert fit["slope"] == pytest.approx(-0.22, abs=0.02)
    assert fit["n"] == pytest.approx(60 * 40, rel=0.05)
