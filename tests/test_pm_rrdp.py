"""RRDP reader and the NT skill, weather-mask fit and tie points measured on the real RRDP halves.

Bounds are set a little outside the values measured on the report half (docs/pm.md), so that a
regression in the reader, the kernel, the masks or the tie points fails.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset
from seaice_jax.pm import MASK89_THRESHOLDS, derive_tiepoints, nt_point_stats, plot_tiepoints
from seaice_jax.pm.fit_weather_mask import confusion_report, fit_mask89
from seaice_jax.pm.rrdp_points import RRDP_FOLDER, load_rrdp_points, split_halves
from seaice_jax.pm.weather import MASK89_PATH

ICE_FILE = "ASCAT-vs-AMSR2-vs-ERA5-vs-DTUSIC1-2017-N.text"
OW_FILE = "QSCAT-vs-SMAP-vs-SMOS-vs-ASCAT-vs-AMSR2-vs-ERA-vs-DMISIC0-2012-N.text"


@pytest.fixture(scope="module")
def halves(data_dir):
    return split_halves(load_rrdp_points(data_dir))


def test_reader_maps_amsr2_and_era_columns(data_dir):
    ds = open_dataset(data_dir / RRDP_FOLDER / ICE_FILE)
    assert ds.attrs["source_format"] == "rrdp" and ds.sizes["point"] == 2309
    # First data row of the file, read by hand from its text.
    row = ds.isel(point=0)
    assert float(row.lat) == 78.5 and float(row.lon) == pytest.approx(132.168)
    assert float(row.sic) == 100.0
    assert float(row.tb_18_7h) == pytest.approx(228.49) and float(row.tb_18_7v) == pytest.approx(
        252.13
    )
    assert float(row.tb_36_5v) == pytest.approx(238.87) and float(row.tb_89_0v) == pytest.approx(
        202.56
    )
    assert float(row.tb_06_9h) == pytest.approx(230.52) and float(
        row.incidence_angle
    ) == pytest.approx(55.08)
    assert float(row.tcwv) == pytest.approx(1.7988) and float(row.tclw) == 0.0
    assert float(row.wind_speed) == pytest.approx(6.27) and float(row.t2m) == pytest.approx(248.27)
    assert str(row.time.values)[:19] == "2017-01-05T23:15:16"
    assert ds.tb_18_7v.attrs["units"] == "K" and ds.tclw.attrs["units"] == "kg m-2"
    ow = open_dataset(data_dir / RRDP_FOLDER / OW_FILE)
    assert ow.sizes["point"] == 1704 and float(ow.sic.max()) == 0.0
    assert float(ow.tb_18_7h[0]) == pytest.approx(106.17) and float(
        ow.tb_89_0v[0]
    ) == pytest.approx(253.25)
    assert float(ow.tcwv[0]) == pytest.approx(13.4639) and float(ow.wind_speed[0]) == pytest.approx(
        1.39
    )
    # Physical sanity over the whole tables: water is cold and polarised at 18.7 GHz.
    assert float(ow.tb_18_7h.median()) < 130 < 220 < float(ds.tb_18_7h.median())


def test_reader_errors(tmp_path):
    bad = tmp_path / "bad.text"
    bad.write_text("# header\n#latitude,longitude,time,id,SIC,latitude,18.7GHzV\n1,2\n")
    with pytest.raises(SeaIceError, match="bad.text"):
        open_dataset(bad)


def test_nt_on_rrdp_halves_published_amsr2(halves):
    _, rep = halves
    s = nt_point_stats(rep, "amsr2")
    ice, ow = s["sic100"]["raw"], s["sic0"]
    assert ice["n"] > 1000 and ow["raw"]["n"] > 800
    assert 97.5 < ice["mean"] < 100.5 and ice["std"] < 9.5
    assert ice["p5"] > 79.0 and ice["p95"] < 113.0
    assert ow["raw"]["mean"] < 6.0 and ow["raw"]["p95"] < 27.0
    for k in ("nt_filter", "mask89", "both"):
        assert ow[k]["mean"] < 0.4, k
    assert ow["both"]["mean"] <= min(ow["nt_filter"]["mean"], ow["mask89"]["mean"])
    # The filters must not remove real ice.
    assert s["sic100"]["both"]["mean"] > 97.5


def test_derived_tiepoints_on_other_half(halves, tmp_path):
    fit, rep = halves
    tp = derive_tiepoints(fit)
    # Derived open water lies near the published AMSR2 values (RRDP L1R vs gridded: a few K).
    assert abs(tp["19h"]["ow"] - 109.6) < 10 and abs(tp["37v"]["ow"] - 211.2) < 10
    assert tp["37v"]["my"] < tp["37v"]["fy"] and tp["19h"]["my"] < tp["19h"]["fy"]
    s = nt_point_stats(rep, tp)
    assert 98.5 < s["sic100"]["raw"]["mean"] < 101.5 and s["sic100"]["raw"]["std"] < 10.3
    assert s["sic100"]["raw"]["p5"] > 77.0 and s["sic100"]["raw"]["p95"] < 116.0
    assert s["sic0"]["raw"]["mean"] < 6.0 and s["sic0"]["both"]["mean"] < 0.4
    png = tmp_path / "tp.png"
    plot_tiepoints(fit, str(png))
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 20_000
    with pytest.raises(SeaIceError, match="sic_x"):
        derive_tiepoints(fit, sic_var="sic_x")
    with pytest.raises(SeaIceError, match="tail"):
        derive_tiepoints(fit, tail=0.7)
    # A fixed narrow tail gives purer end-members: MY further from FY than the auto choice.
    narrow = derive_tiepoints(fit, tail=0.05)
    assert narrow["37v"]["my"] < tp["37v"]["my"]


def test_mask89_fit_reproduces_json_and_report(halves):
    fit, rep = halves
    th = fit_mask89(fit)
    stored = json.loads(MASK89_PATH.read_text())
    assert th == {"gr89_18v": stored["gr89_18v"], "pd89": stored["pd89"]} == MASK89_THRESHOLDS
    r = confusion_report(rep, th)
    water, ice = r["water"], r["ice"]
    assert water["mask89"] >= 0.995 and water["either"] >= water["std"]
    assert ice["mask89"] <= 0.005 and ice["std"] == 0.0
    table = np.array(water["counts_89_by_std"])
    assert table.sum() == water["n"] and table[1].sum() == round(water["mask89"] * water["n"])
    # Cloudy water (tclw >= 0.1 kg m-2) is still cleared.
    cloudy = [b for b in water["by_tclw"] if b["bin"][0] >= 0.1]
    assert all(b["mask89"] >= 0.98 for b in cloudy) and sum(b["n"] for b in cloudy) > 100


def test_demo_metrics_shape_and_values(data_dir):
    from seaice_jax.experiments.nt_rrdp import demo_metrics

    m = demo_metrics(data_dir)
    assert set(m) == {"sic100", "sic0"} and set(m["sic100"]) == {"mean", "std", "n"}
    assert m["sic100"]["n"] == 2309 and m["sic0"]["n"] == 1704
    assert 98.0 < m["sic100"]["mean"] < 100.5 and m["sic100"]["std"] < 9.5
    assert m["sic0"]["mean"] < 0.4
