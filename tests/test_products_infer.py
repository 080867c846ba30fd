"""Sliding-window inference: exact blending, no seams, streaming output, uncertainty calibration."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from products_doubles import (
    BlurPredictorDouble,
    ConstantPredictorDouble,
    PointwisePredictorDouble,
    scene,
)
from scipy import ndimage

from seaice_jax import infer
from seaice_jax.errors import SeaIceError


def test_tile_starts_cover_and_end_flush():
    for length in (5, 32, 33, 100, 257):
        s = infer.tile_starts(length, 32, 0.5)
        assert s[0] == 0 and (length <= 32 or s[-1] == length - 32)
        covered = np.zeros(max(length, 32), bool)
        for a in s:
            covered[a : a + 32] = True
        assert covered[:length].all()


def test_window_weights_hann_and_positive():
    w = infer.window_weights(16)
    ref = np.sin(np.pi * (np.arange(16) + 0.5) / 16) ** 2
    np.testing.assert_allclose(w[8], ref[8] * np.maximum(ref, 1e-3), rtol=1e-6)
    assert w.min() > 0 and np.allclose(w, w.T)


def test_constant_predictor_gives_constant_map():
    ds = scene(75, 97)
    sic, unc = infer.predict_array(
        ConstantPredictorDouble(32), ds, infer.InferenceConfig(floors=(0, 0, 0))
    )
    np.testing.assert_allclose(sic, 42.0, atol=1e-4)
    np.testing.assert_allclose(unc, 0.0, atol=0.05)


@pytest.mark.parametrize("shape", [(70, 90), (20, 50), (64, 64)])
def test_pointwise_predictor_is_reproduced_exactly(shape):
    ds = scene(*shape, seed=1)
    pred = PointwisePredictorDouble(32)
    cfg = infer.InferenceConfig(overlap=0.25, batch_size=3, flips=4, floors=(0, 0, 0))
    sic, unc = infer.predict_array(pred, ds, cfg)
    ref = pred.predict(pred.normalise(ds)[None])[0]
    np.testing.assert_allclose(sic, ref, atol=2e-3)
    assert np.nanmax(unc) < 0.05  # every window agrees: no spread


def test_blending_removes_seams_of_an_edge_artefact_model():
    ds = scene(128, 128, seed=2)
    pred = BlurPredictorDouble(32)
    full = ndimage.uniform_filter(
        PointwisePredictorDouble.predict(pred, pred.normalise(ds)[None])[0], 9, mode="constant"
    )
    blended, _ = infer.predict_array(pred, ds, infer.InferenceConfig(overlap=0.5, flips=1))
    naive, _ = infer.predict_array(pred, ds, infer.InferenceConfig(overlap=0.0, flips=1))
    inner = (slice(8, -8), slice(8, -8))
    err_b = np.abs(blended - full)[inner]
    err_n = np.abs(naive - full)[inner]
    assert err_b.max() < 0.35 * err_n.max()
    # Seams: jumps across the naive tile borders (rows/cols 31|32, 63|64, 95|96) vs elsewhere.
    jump = np.abs(np.diff(blended, axis=1))[8:-8]
    border = jump[:, [31, 63, 95]].max()
    assert border < 1.5 * np.percentile(jump, 99.5)


def test_streamed_netcdf_is_georeferenced_and_masks_land(tmp_path):
    ds = scene(70, 50, seed=3)
    land = np.zeros((70, 50), np.uint8)
    land[:10, :] = 1
    ds["land_mask"] = (("y", "x"), land)
    out = infer.predict_scene(PointwisePredictorDouble(32), ds, tmp_path / "p.nc")
    got = xr.open_dataset(out, decode_coords="all")
    assert got.rio.crs.to_epsg() == 3413
    np.testing.assert_allclose(got.x.values, ds.x.values)
    assert np.isnan(got.sic.values[:10]).all() and np.isfinite(got.sic.values[10:]).all()
    assert (got.sic_uncertainty.values[10:] >= 3.0 - 1e-4).all()  # at least the class floor
    got.close()
    assert [p.name for p in tmp_path.iterdir()] == ["p.nc"]


def test_failure_leaves_no_output(tmp_path):
    class Broken(PointwisePredictorDouble):
        def predict(self, x):
            if self.calls > 1:
                raise RuntimeError("device lost")
            return super().predict(x)

    with pytest.raises(RuntimeError):
        infer.predict_scene(Broken(16), scene(80, 80), tmp_path / "p.nc")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SeaIceError, match="lacks model input"):
        infer.predict_scene(
            PointwisePredictorDouble(16), scene(40, 40).drop_vars("hv"), tmp_path / "q.nc"
        )


def test_fit_floors_reach_68_percent_coverage():
    rng = np.random.default_rng(0)
    truth = rng.uniform(0, 100, 20000)
    sigma = np.where(truth < 15, 2.0, np.where(truth < 80, 12.0, 5.0))
    sic = truth + rng.normal(size=truth.size) * sigma
    spread = np.full_like(sic, 1.0)
    floors = infer.fit_uncertainty_floors(sic, spread, truth)
    unc = np.sqrt(spread**2 + infer.class_floor(sic, floors) ** 2)
    cover = np.mean(np.abs(sic - truth) <= unc)
    assert abs(cover - 0.6827) < 0.01
    assert floors[0] < floors[2] < floors[1]


def test_predict_cli_bad_workdir_is_one_line(tmp_path, cli):
    from seaice_jax.io.writers import write_netcdf

    write_netcdf(scene(40, 40), tmp_path / "s.nc")
    rc, _, err = cli(
        "predict",
        "--workdir",
        tmp_path / "nope",
        "--input",
        tmp_path / "s.nc",
        "--out",
        tmp_path / "o.nc",
    )
    assert rc == 2 and "nope" in err and err.count("\n") == 1
    assert not (tmp_path / "o.nc").exists()
