"""The quick demo end to end: every step runs, metrics.json has the DESIGN section 4 shape."""

from __future__ import annotations

import json

import pytest

from seaice_jax.io import open_dataset

PRODUCTS = ("nt_bilinear", "pansharpen_baseline", "s1", "rcm", "amsr2_89", "fused")
SIT = ("estimate", "ice_chart", "hightsi", "ic_hightsi_linear")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, data_dir):
    from seaice_jax.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--quick", "--seed", "3"]) == 0
    return out


def test_metrics_json_shape(demo):
    m = json.loads((demo / "metrics.json").read_text())
    for ref in ("vs_truth", "vs_osisaf_like"):
        for p in PRODUCTS:
            assert {"r2", "rmse", "mae", "bias", "n"} <= set(m["sic"][ref][p]), (ref, p)
            assert m["sic"][ref][p]["n"] > 0
    for k in ("sic100", "sic0"):
        assert {"mean", "std", "n"} <= set(m["nasateam_rrdp"][k])
    # NT on the real RRDP points: centred on 100 % at the ice points, near 0 % at the water points.
    assert abs(m["nasateam_rrdp"]["sic100"]["mean"] - 100) < 3
    assert m["nasateam_rrdp"]["sic0"]["mean"] < 1
    for e in SIT:
        assert {"l1d", "bias", "rmsd", "r", "n"} <= set(m["sit"]["vs_measurements"][e])
    assert m["runtime_s"] > 0
    # Floors fitted on the last training date, stored with each model, not on the scored date.
    fl = m["sic"]["uncertainty_floors"]
    assert fl["fitted_on"] != m["sic"]["held_out_date"]
    for p, kind in (("s1", "s1"), ("rcm", "rcm"), ("amsr2_89", "amsr2")):
        stored = json.loads((demo / "train" / kind / "uncertainty.json").read_text())["floors"]
        assert stored == pytest.approx(fl[p], abs=0.01)
    # The fused map against each product on that product's footprint.
    each = m["sic"]["fused_vs_each"]
    assert {"s1", "rcm", "nt_bilinear"} <= set(each)
    assert all(v["n"] > 0 and v["fused_mae"] >= 0 for v in each.values())


def test_products_figures_and_real_scene(demo):
    for name in ("fused", "s1"):
        ds = open_dataset(demo / "products" / f"{name}.tif")
        assert ds.rio.crs.to_epsg() == 3413
        nc = open_dataset(demo / "products" / f"{name}.nc")
        assert nc.rio.crs.to_epsg() == 3413
        assert float(nc.sic.min()) >= 0 and float(nc.sic.max()) <= 100
    for png in (
        "figures/figure1.png",
        "figures/training_curves.png",
        "figures/table1.png",
        "figures/scatter_fused.png",
        "sit/fig3_scatter.png",
        "sit/fig4_maps.png",
        "glia/glia.png",
        "mosaic/mosaic_fused.png",
    ):
        assert (demo / png).stat().st_size > 10_000, png
    glia = open_dataset(demo / "glia" / "glia_sic.nc")
    assert glia.sic.shape == (714, 700)
    seg = open_dataset(demo / "glia" / "glia_segments.nc")
    assert int(seg.segments.max()) > 10
