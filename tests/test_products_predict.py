"""``predict`` on RCM and AMSR2 products as delivered, and AI4Arctic scenes for the AMSR2-89
model (their AMSR2 cells located through the SAR tie points)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import xarray as xr
from geoloc_doubles import AffineGeolocation
from product_builders import field_db, write_l1r, write_rcm

from seaice_jax import infer
from seaice_jax.data.products import scene_inputs
from seaice_jax.data.training import prepare_dataset
from seaice_jax.geo.grids import Grid

T0 = dt.datetime(2021, 9, 5, 9, 20, 0, tzinfo=dt.UTC)
XC, YC = 806_000.0, -806_000.0  # Fram Strait, open sea
WEIGHTS = {"open_water": 2.0, "consolidated": 1.0, "miz": 0.5, "no_chart": 1.0}


class Double:
    """Predicts SIC = (first input channel - offset) * scale, clipped: a closed form to check."""

    tile_size = 16

    def __init__(self, kind, inputs, offset, scale):
        self.model_kind, self.inputs, self.window = kind, inputs, 7
        self.offset, self.scale = offset, scale

    def normalise(self, ds):
        return np.stack([ds[v].values for v in self.inputs], axis=-1).astype(np.float32)

    def predict(self, x):
        return np.clip((x[..., 0] - self.offset) * self.scale, 0.0, 100.0)


def test_predict_rcm_folder_on_epsg3413(tmp_path):
    geo = AffineGeolocation((240, 200), XC - 4_000, YC + 5_000, 40.0, 40.0, -10.0)
    prod = write_rcm(tmp_path, geo, T0)
    out = infer.predict_product(Double("rcm", ["hh", "hv"], -22.0, 10.0), prod, tmp_path / "r.nc")
    with xr.open_dataset(out, decode_coords="all") as got:
        assert got.rio.crs.to_epsg() == 3413
        g = Grid.from_dataset(got)
        xx, yy = np.meshgrid(g.x, g.y)
        ok = np.isfinite(got.sic.values)
        want = np.clip((field_db(xx, yy) + 22.0) * 10.0, 0, 100)
        assert ok.sum() > 500 and np.median(np.abs(got.sic.values - want)[ok]) < 1.0


def test_predict_amsr2_swath_at_3125m(tmp_path):
    l1r = write_l1r(tmp_path, (XC, YC), T0)
    out = infer.predict_product(Double("amsr2", ["tb_89_0h", "tb_89_0v"], 165.0, 100 / 55), l1r, tmp_path / "a.nc")  # fmt: skip
    with xr.open_dataset(out, decode_coords="all") as got:
        g = Grid.from_dataset(got)
        assert got.rio.crs.to_epsg() == 3413 and g.res == 3125.0
        assert (g.x0 + 3_850_000) % 3125 == 0 and (5_850_000 - g.y0) % 3125 == 0
        xx, _ = np.meshgrid(g.x, g.y)
        ok = np.isfinite(got.sic.values)
        # The swath's 89 H is 165 + 55 * ice, ice = 0.5 + (x - XC) / 200 km: SIC = 100 * ice.
        want = np.clip(100 * (0.5 + (xx - XC) / 200_000), 0, 100)
        inner = ok & (np.abs(xx - XC) < 80_000)
        assert inner.sum() > 200 and np.abs(got.sic.values - want)[inner].max() < 3.0


def write_ai4arctic(path, geo: AffineGeolocation, f: int = 25):
    """A ready-to-train AI4Arctic scene (80 m SAR, AMSR2 cells of f x f SAR pixels) over ``geo``;
    its 2-D tie-point grid spans the image from the first to the last line and sample."""
    h, w = geo.shape
    rr, cc = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    x, _ = geo.map_xy(rr, cc)
    gl, gp = np.meshgrid(np.linspace(0, h - 1, 5), np.linspace(0, w - 1, 4), indexing="ij")
    lon, lat = geo.lonlat(gl, gp)
    ar, ac = np.meshgrid((np.arange(h // f) + 0.5) * f - 0.5, (np.arange(w // f) + 0.5) * f - 0.5, indexing="ij")  # fmt: skip
    ax, _ = geo.map_xy(ar, ac)
    ice = np.clip(0.5 + (ax - XC) / 60_000.0, 0, 1)
    tb = {"18_7h": 100 + 140 * ice, "18_7v": 175 + 75 * ice, "23_8v": 190 + 60 * ice,
          "36_5h": 130 + 100 * ice, "36_5v": 205 + 40 * ice, "89_0h": 165 + 55 * ice,
          "89_0v": 215 + 25 * ice}  # fmt: skip
    sar, amsr = ("sar_lines", "sar_samples"), ("2km_grid_lines", "2km_grid_samples")
    grid = ("sar_grid2d_lines", "sar_grid2d_samples")
    sic = np.where(x > XC, 10, 0).astype(np.uint8)
    ds = xr.Dataset(
        {"nersc_sar_primary": (sar, np.full((h, w), -15.0, np.float32)),
         "nersc_sar_secondary": (sar, np.full((h, w), -25.0, np.float32)),
         "sar_incidenceangle": (sar, np.full((h, w), 30.0, np.float32)), "SIC": (sar, sic),
         "sar_grid2d_latitude": (grid, lat), "sar_grid2d_longitude": (grid, lon),
         **{f"btemp_{k}": (amsr, v.astype(np.float32)) for k, v in tb.items()}},
        attrs={"scene_id": path.name},
    )  # fmt: skip
    ds.to_netcdf(path, engine="netcdf4")
    return path


def test_ai4arctic_scene_for_the_amsr2_model(tmp_path):
    geo = AffineGeolocation((750, 600), XC + 24_000, YC + 30_000, 80.0, 80.0, 170.0)
    nc = write_ai4arctic(tmp_path / "20210905T072050_S1A_AMSR2_Icechart-Greenland.nc", geo)
    ds = scene_inputs(nc, "amsr2")
    g = Grid.from_dataset(ds)
    assert g.res == 3125.0 and ds.rio.crs.to_epsg() == 3413
    xx, _ = np.meshgrid(g.x, g.y)
    ok = ds.valid.values == 1
    want = 165 + 55 * np.clip(0.5 + (xx - XC) / 60_000.0, 0, 1)
    inner = ok & (np.abs(xx - XC) < 15_000)
    assert inner.sum() > 10 and np.abs(ds.tb_89_0h.values - want)[inner].max() < 6.0
    out = tmp_path / "prep"
    done = prepare_dataset([nc], out, "amsr2", weights=WEIGHTS, val_dates=0, progress=False)
    idx = json.loads((out / "index.json").read_text())
    assert done.scenes == 1 and idx["scenes"][0]["date"] == "2021-09-05"
    d = out / idx["scenes"][0]["dir"]
    m = np.load(d / "mask.npy") == 1
    w = np.load(d / "weight.npy")[m]
    # The chart: water west, ice east; cells astride the edge average to MIZ.
    assert m.sum() > 10 and set(np.unique(w)) <= {2.0, 1.0, 0.5} and {1.0, 2.0} <= set(w)
