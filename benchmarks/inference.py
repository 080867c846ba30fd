"""Full-scene inference: megapixels/s and peak memory (RSS) against scene size (DESIGN section 6).

Each scene size runs in its own subprocess (a fresh interpreter, so its peak RSS is its own): the
scene (HH, HV, float32) is first written to a netCDF by another subprocess, then the measuring
process opens it lazily and streams ``seaice_jax.infer.predict_scene`` into an output netCDF.
Memory must not grow with the scene: the ratio of the largest to the smallest scene's peak RSS is
reported as ``rss_growth`` (1.0 = flat).

Model: a trained checkpoint when ``SEAICE_JAX_BENCH_WORKDIR`` points at one; the project's
transformer ``seaice_jax.models.create_model(SEAICE_JAX_BENCH_VARIANT, 2)`` with random weights
(inference cost does not depend on the weights) when that variable names a variant; else a
3-layer random-weight JAX convolution net, cheap enough to sweep 8k scenes on a CPU and so to
measure the streaming machinery itself. The result names the model used (``model``).

    PYTHONPATH=. python benchmarks/inference.py [--quick]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIDES, QUICK_SIDES = (2048, 4096, 8192), (512, 1024)


def _write_scene(path: str, side: int) -> None:
    """Write a side x side two-channel scene row block by row block (no full array in memory)."""
    from seaice_jax.geo import Grid
    from seaice_jax.io.blockwise import streaming_netcdf

    grid = Grid("EPSG:3413", -1_000_000.0, 1_000_000.0, 200.0, side, side)
    rng = np.random.default_rng(0)
    with streaming_netcdf(path, grid, ["hh", "hv"], chunk=512) as nc:
        for r0 in range(0, side, 512):
            h = min(512, side - r0)
            nc.write("hh", r0, 0, rng.normal(-15, 3, (h, side)).astype(np.float32))
            nc.write("hv", r0, 0, rng.normal(-25, 3, (h, side)).astype(np.float32))


class ConvNetPredictor:
    """Random-weight 3-layer JAX conv net on (HH, HV): a stand-in with a realistic cost profile."""

    inputs = ["hh", "hv"]
    tile_size = 256

    def __init__(self):
        import jax

        k = jax.random.split(jax.random.key(0), 3)
        self.w = [
            jax.random.normal(k[0], (3, 3, 2, 16)) * 0.1,
            jax.random.normal(k[1], (3, 3, 16, 16)) * 0.1,
            jax.random.normal(k[2], (1, 1, 16, 1)) * 0.1,
        ]
        self._f = jax.jit(self._forward)

    def _forward(self, x):
        import jax

        for i, w in enumerate(self.w):
            x = jax.lax.conv_general_dilated(
                x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
            )
            x = jax.nn.relu(x) if i < 2 else jax.nn.sigmoid(x)
        return 100.0 * x[..., 0]

    def normalise(self, ds):
        return np.stack([(ds.hh.values + 15) / 3, (ds.hv.values + 25) / 3], -1)

    def predict(self, x):
        return np.asarray(self._f(x))


class RandomModelPredictor:
    """The project's transformer (``create_model(variant, 2)``) with random weights, jitted."""

    inputs = ["hh", "hv"]
    tile_size = 256

    def __init__(self, variant: str):
        import jax
        from flax import nnx

        from seaice_jax.models import create_model

        model = create_model(variant, 2, rngs=nnx.Rngs(0))
        model.eval()
        graphdef, state = nnx.split(model)
        self._state = state
        self._f = jax.jit(lambda st, x: 100.0 * nnx.merge(graphdef, st)(x))

    normalise = ConvNetPredictor.normalise

    def predict(self, x):
        return np.asarray(self._f(self._state, x))


def _predictor():
    wd = os.environ.get("SEAICE_JAX_BENCH_WORKDIR")
    if wd:
        from seaice_jax.infer import load_predictor

        return load_predictor(wd), f"checkpoint {wd}"
    variant = os.environ.get("SEAICE_JAX_BENCH_VARIANT")
    if variant:
        return RandomModelPredictor(variant), f"transformer '{variant}' (random weights)"
    return ConvNetPredictor(), "random 3-layer conv net (2->16->16->1, 3x3)"


def _child(path: str, out: str) -> dict:
    import jax
    import xarray as xr

    from seaice_jax.infer import InferenceConfig, predict_scene
    from seaice_jax.io.products import limit_read_cache

    pred, name = _predictor()
    limit_read_cache()  # as `seaice-jax predict` does
    ds = xr.open_dataset(path, decode_coords="all")
    side = ds.sizes["x"]
    t0 = time.perf_counter()
    predict_scene(pred, ds, out, InferenceConfig(overlap=0.5, batch_size=8, flips=2))
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "side": side,
        "seconds": dt,
        "mpx_per_s": side * side / dt / 1e6,
        "peak_rss_mb": rss,
        "model": name,
        "device": str(jax.devices()[0]),
    }


def measure(sides=SIDES) -> dict:
    """Run each scene size in a subprocess; return rates and peak RSS per side."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for side in sides:
            scene = os.path.join(tmp, f"scene_{side}.nc")
            subprocess.run(
                [sys.executable, __file__, "--write", scene, str(side)], check=True, env=env
            )
            r = subprocess.run(
                [sys.executable, __file__, "--child", scene, os.path.join(tmp, "o.nc")],
                check=True,
                env=env,
                capture_output=True,
                text=True,
            )
            rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
            os.remove(scene)
    rss = {str(r["side"]): round(r["peak_rss_mb"], 1) for r in rows}
    return {
        "inference": {
            "mpx_per_s": round(rows[-1]["mpx_per_s"], 3),
            "mpx_per_s_by_side": {str(r["side"]): round(r["mpx_per_s"], 3) for r in rows},
            "peak_rss_mb": rss,
            "rss_growth": round(rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"], 3),
            "model": rows[0]["model"],
            "inference_device": rows[0]["device"],
            "settings": "256 px windows, overlap 0.5, 2 flips, batch 8",
        }
    }


def run(quick: bool = False) -> dict:
    return measure(QUICK_SIDES if quick else SIDES)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        _write_scene(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
