"""Test doubles for the products tests: stand-ins for a trained predictor and small scenes.

These are *test doubles*, not models: they implement the ``load_predictor`` contract
(``.predict``, ``.inputs``, ``.tile_size``, ``.normalise``) with closed-form maps so that the
sliding-window machinery can be checked against an exact answer.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import ndimage

from seaice_jax.geo import Grid


class PointwisePredictorDouble:
    """SIC = clip(50 + 10 * hh - 5 * hv): translation-equivariant, no window-edge effects."""

    inputs = ["hh", "hv"]

    def __init__(self, tile_size: int = 32):
        self.tile_size = tile_size
        self.calls = 0

    def normalise(self, ds: xr.Dataset) -> np.ndarray:
        return np.stack([ds["hh"].values, ds["hv"].values], axis=-1).astype(np.float32)

    def predict(self, x: np.ndarray) -> np.ndarray:
        self.calls += 1
        return np.clip(50.0 + 10.0 * x[..., 0] - 5.0 * x[..., 1], 0.0, 100.0)


class ConstantPredictorDouble(PointwisePredictorDouble):
    """SIC = 42 % everywhere."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.full(x.shape[:3], 42.0, np.float32)


class BlurPredictorDouble(PointwisePredictorDouble):
    """A zero-padded box blur of the pointwise map: wrong near window edges, like a real CNN."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        p = super().predict(x)
        return np.stack([ndimage.uniform_filter(t, 9, mode="constant") for t in p])


def scene(height: int, width: int, seed: int = 0, crs: str | None = "EPSG:3413") -> xr.Dataset:
    """A smooth random two-channel SAR-like scene on a 200 m grid."""
    rng = np.random.default_rng(seed)
    hh = ndimage.gaussian_filter(rng.normal(size=(height, width)), 6) * 20
    hv = ndimage.gaussian_filter(rng.normal(size=(height, width)), 6) * 20
    grid = Grid("EPSG:3413", -1_000_000.0, 500_000.0, 200.0, width, height)
    ds = grid.template()
    ds["hh"] = (("y", "x"), hh.astype(np.float32))
    ds["hv"] = (("y", "x"), hv.astype(np.float32))
    if crs is None:
        ds = ds.drop_vars("spatial_ref")
    return ds
