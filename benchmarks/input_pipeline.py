"""Input pipeline: tiles/s the grain pipeline delivers against tiles/s the train step consumes.

The pipeline is the training one (``seaice_jax.data.source``: ``TileSource`` over memory-mapped
prepared scenes -> shuffle -> augmentation -> batch -> ``iterator`` with read-ahead threads) on
S1-like prepared scenes written with ``seaice_jax.data.prepare.build_scene``/``write_scene``
(random SAR-like inputs, quantised NT targets, chart-class weights, a swath mask), so what is
timed is reading, normalising, augmenting and batching, not data generation. The consumption is
the JAX train step of ``benchmarks/train_step.py`` at the same tile and batch size, measured in
the same run. ``vs_train_consumption`` = delivered / consumed (target >= 3).

    PYTHONPATH=. python benchmarks/input_pipeline.py [--quick]
"""

from __future__ import annotations

import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from seaice_jax.data.inputs import model_channels
from seaice_jax.data.prepare import build_scene, scene_stats, write_index, write_scene
from seaice_jax.data.source import TileSource, iterator, make_dataset

WEIGHTS = dict(open_water=3.0, miz=1.0, consolidated=2.0, no_chart=1.0)
FULL = dict(scenes=4, side=1024, variant="cpu", tile=128, batch=8, batches=40)
QUICK = dict(scenes=2, side=128, variant="tiny", tile=32, batch=2, batches=20)


def prepare(out_dir: Path, scenes: int, side: int, seed: int = 0) -> Path:
    """Write ``scenes`` S1-like prepared scenes of ``side x side`` px and their index."""
    rng = np.random.default_rng(seed)
    metas = []
    for i in range(scenes):
        hh = rng.normal(-18.0, 4.0, (side, side))
        hv = hh - 8.0 + rng.normal(0.0, 2.0, (side, side))
        xc = rng.uniform(-1.0, 1.0, (side, side))
        inputs = np.stack([hh, hv, xc], -1).astype(np.float32)
        valid = np.ones((side, side), np.uint8)
        valid[:, : side // 8] = 0  # the swath edge
        arrays = build_scene(
            inputs,
            rng.uniform(0.0, 100.0, (side, side)).astype(np.float32),
            chart_class=rng.integers(0, 3, (side, side)).astype(np.float32),
            weights=WEIGHTS,
            valid=valid,
        )
        metas.append(write_scene(out_dir, f"scene{i}", f"2021-09-{i + 1:02d}", "s1", arrays))
    assert metas[0]["channels"] == list(model_channels("s1"))
    for m in metas:
        m["split"] = "train"
    write_index(out_dir, metas, scene_stats(metas), "s1")
    return out_dir


def delivered_tiles_per_s(prep: Path, tile: int, batch: int, batches: int) -> float:
    """Tiles/s out of the training iterator (after a warm-up of a few batches)."""
    source = TileSource(prep, "train", tile=tile, stride=tile)
    it = iterator(make_dataset(source, batch_size=batch, seed=0))
    for _ in range(4):
        b = next(it)
    assert b["x"].shape == (batch, tile, tile, 3)
    t0 = time.perf_counter()
    for _ in range(batches):
        next(it)
    return batches * batch / (time.perf_counter() - t0)


def consumed_tiles_per_s(variant: str, tile: int, batch: int, steps: int = 6) -> float:
    """Tiles/s of the JAX train step (``benchmarks/train_step.py``) at this tile and batch."""
    spec = importlib.util.spec_from_file_location(
        "seaice_jax_bench_train_step_ip", Path(__file__).with_name("train_step.py")
    )
    ts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ts)
    step, state, *_ = ts.jax_step(variant, ts.make_batch(batch, tile))
    state = step(step(state))  # compile + warm-up
    rates = []
    for _ in range(steps):
        t0 = time.perf_counter()
        state = step(state)
        rates.append(batch / (time.perf_counter() - t0))
    return statistics.median(rates)


def run(quick: bool = False) -> dict:
    """Entry of ``seaice-jax bench``: ``{"input_pipeline": {"tiles_per_s",
    "vs_train_consumption", "train_tiles_per_s", ...}}``."""
    p = QUICK if quick else FULL
    with tempfile.TemporaryDirectory() as tmp:
        prep = prepare(Path(tmp), p["scenes"], p["side"])
        consumed = consumed_tiles_per_s(p["variant"], p["tile"], p["batch"])
        delivered = delivered_tiles_per_s(prep, p["tile"], p["batch"], p["batches"])
    return {
        "input_pipeline": {
            "tiles_per_s": delivered,
            "vs_train_consumption": delivered / consumed,
            "train_tiles_per_s": consumed,
            "tile": p["tile"],
            "batch": p["batch"],
            "variant": p["variant"],
        }
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
