"""Training: smoke run, metrics/summary files, resume == uninterrupted, non-finite stop,
no retracing, predictor round trip, 1 vs 4 devices (subprocess with fake CPU devices)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from seaice_jax.data.inputs import input_stack
from seaice_jax.data.prepare import build_scene, scene_stats, split_dates, write_index, write_scene
from seaice_jax.errors import SeaIceError
from seaice_jax.train.sic import sic_config

WEIGHTS = {"open_water": 2.0, "consolidated": 1.0, "miz": 0.5, "no_chart": 1.0}
REPO = Path(__file__).resolve().parents[1]


def make_prepared(out: Path, n_dates: int = 3, size: int = 64) -> Path:
    """Small learnable scenes: SIC blobs, HH/HV brighter over ice, NT = blurred SIC."""
    from scipy.ndimage import gaussian_filter

    metas = []
    for i in range(n_dates):
        rng = np.random.default_rng(i)
        sic = np.clip(gaussian_filter(rng.normal(size=(size, size)), 6) * 400 + 50, 0, 100)
        hh = -22 + 0.1 * sic + rng.normal(0, 1.5, sic.shape)
        hv = -30 + 0.08 * sic + rng.normal(0, 1.5, sic.shape)
        ds = xr.Dataset(
            {"hh": (("y", "x"), hh.astype(np.float32)), "hv": (("y", "x"), hv.astype(np.float32))}
        )
        x = input_stack(ds, "s1", name=f"s{i}", window=5)
        chart = np.where(sic < 10, 0.0, np.where(sic > 80, 2.0, 1.0))
        arrays = build_scene(x, gaussian_filter(sic, 3), chart_class=chart, weights=WEIGHTS)
        date = f"2021-09-0{i + 1}"
        metas.append(write_scene(out, f"t/{date}/s1", date, "s1", arrays))
    val = split_dates([m["date"] for m in metas], 1)
    for m in metas:
        m["split"] = "val" if m["date"] in val else "train"
    write_index(out, metas, scene_stats([m for m in metas if m["split"] == "train"]), "s1")
    return out


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return make_prepared(tmp_path_factory.mktemp("prep"))


def smoke_cfg(prepared: Path, **kw):
    c = sic_config("s1", "smoke")
    c.data.prepared_dir = str(prepared)
    c.data.tile, c.data.stride = 32, 32
    c.data.threads = 1
    for k, v in kw.items():
        node = c
        *path, last = k.split(".")
        for p in path:
            node = node[p]
        node[last] = v
    return c


def _losses(workdir: Path) -> list[float]:
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
    return [json.loads(ln)["train_loss"] for ln in lines]


def test_train_resume_equals_uninterrupted_and_predictor(prepared, tmp_path):
    from seaice_jax.predictor import load_predictor
    from seaice_jax.train.loop import train

    cfg = smoke_cfg(prepared, keep_best=True)
    full = train(cfg, tmp_path / "a")
    recs = [json.loads(ln) for ln in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in recs] == list(range(1, 7))
    assert {"train_loss", "lr", "grad_norm", "param_norm"} <= set(recs[0])
    assert any("val_l1" in r for r in recs) and "val_l1" in recs[-1]
    s = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert s == full and s["training_samples"] == 8 and s["validation_samples"] == 4
    assert s["best_val_l1"] > 0 and s["best_epoch"] >= 1
    assert list((tmp_path / "a" / "tb").iterdir())
    # Stop after 4 steps (checkpoint), resume to 6: the same loss sequence.
    train(cfg, tmp_path / "b", stop_at=4)
    assert len(_losses(tmp_path / "b")) == 4
    train(cfg, tmp_path / "b")
    np.testing.assert_allclose(_losses(tmp_path / "b"), _losses(tmp_path / "a"), rtol=1e-5)
    # The trained model loads for inference.
    p = load_predictor(tmp_path / "a")
    assert p.inputs == ["hh", "hv", "xcorr"] and p.tile_size == 32
    scene = xr.Dataset(
        {v: (("y", "x"), np.full((40, 36), -20.0, np.float32)) for v in ("hh", "hv")}
    )
    out = p.predict(p.normalise(scene)[None])
    assert out.shape == (1, 40, 36) and np.all((out >= 0) & (out <= 100))
    # keep_best: the predictor holds the parameters of the best validation step (evaluated
    # every 3 steps), which the summary names; without it, the last step's.
    vals = {r["step"]: r["val_l1"] for r in recs if "val_l1" in r}
    assert set(vals) == {3, 6}
    assert p.step == min(vals, key=vals.get) == s["best_step"]
    assert s["best_val_l1"] == pytest.approx(min(vals.values()))
    last = train(smoke_cfg(prepared, keep_best=False), tmp_path / "c")
    assert not (tmp_path / "c" / "best").exists() and last["best_step"] in (3, 6)
    assert load_predictor(tmp_path / "c").step == 6


def test_non_finite_loss_stops_naming_the_step(prepared, tmp_path):
    import shutil

    from seaice_jax.train.loop import train

    # Same config (same compiled step) on data with overflowing inputs: the input LayerNorm
    # overflows, the loss becomes NaN at the first step, and the run stops naming it.
    bad = tmp_path / "prep"
    shutil.copytree(prepared, bad)
    for f in bad.glob("*/inputs.npy"):
        np.save(f, np.load(f) * np.float32(1e30))
    with pytest.raises(SeaIceError, match=r"non-finite training loss .* at step 1;"):
        train(smoke_cfg(bad), tmp_path / "w")
    assert not (tmp_path / "w" / "summary.json").exists()


def test_train_step_traced_once(prepared):
    """The train step under ``chex.assert_max_traces(n=1)``: steps with fixed batch shapes,
    a donated state and the step counter advancing must never retrace."""
    import jax
    import ml_collections
    from flax import nnx

    from seaice_jax.data.source import TileSource, iterator, make_dataset
    from seaice_jax.models import create_model
    from seaice_jax.sharding import make_mesh, replicate, to_global
    from seaice_jax.train.step import flatten_params, init_state, make_optimizer, make_steps

    cfg = smoke_cfg(prepared)
    g, params = flatten_params(create_model("tiny", 3, rngs=nnx.Rngs(0)))
    tx, sched = make_optimizer(ml_collections.ConfigDict({**cfg.optim.to_dict(), "decay_steps": 6}))
    mesh = make_mesh()
    step, _ = make_steps(g, tx, sched, mesh, max_traces=1)
    state = replicate(init_state(params, tx), mesh)
    it = iterator(make_dataset(TileSource(prepared, tile=32, stride=32), batch_size=4, seed=1), 1)
    for _ in range(3):
        state, m = step(state, to_global(next(it), mesh), jax.random.key(0))
    assert int(state["step"]) == 3 and np.isfinite(float(m["train_loss"]))


_DEVICE_SCRIPT = """
import json, sys
import jax
from seaice_jax.train.loop import train
sys.path.insert(0, {tests!r})
from test_sic_train import smoke_cfg
s = train(smoke_cfg({prep!r}, **{{"batch_size": 4}}), {work!r})
print(json.dumps({{"n": jax.device_count()}}))
"""


@pytest.mark.slow
def test_same_losses_on_1_and_4_devices(prepared, tmp_path):
    out = {}
    for n in (1, 4):
        env = dict(
            os.environ,
            PYTHONPATH=str(REPO),
            JAX_PLATFORMS="cpu",
            XLA_FLAGS=f"--xla_force_host_platform_device_count={n}",
        )
        work = tmp_path / f"d{n}"
        code = _DEVICE_SCRIPT.format(tests=str(REPO / "tests"), prep=str(prepared), work=str(work))
        r = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
        )
        assert r.returncode == 0, r.stderr[-2000:]
        assert json.loads(r.stdout.strip().splitlines()[-1])["n"] == n
        out[n] = _losses(work)
    np.testing.assert_allclose(out[4], out[1], rtol=2e-4)


def test_cli_train_and_config_errors(prepared, tmp_path, cli):
    work = tmp_path / "w"
    args = [
        "train",
        "--config",
        "configs/sic_s1.py:smoke",
        "--workdir",
        work,
        f"--config.data.prepared_dir={prepared}",
        "--config.data.tile=32",
        "--config.data.stride=32",
        "--config.data.threads=1",
    ]
    rc, out, err = cli(*args)
    assert rc == 0, err
    assert json.loads(out.strip().splitlines()[-1])["steps"] == 6
    assert (work / "summary.json").is_file() and (work / "checkpoints").is_dir()
    # The progress bar carries the last step's loss and learning rate.
    last = json.loads((work / "metrics.jsonl").read_text().splitlines()[-1])
    assert f"loss={last['train_loss']:.4g} lr={last['lr']:.3g}" in err
    # Re-running a finished run resumes at the end and trains nothing more.
    rc, out, _ = cli(*args)
    assert rc == 0 and len(_losses(work)) == 6
    rc, _, err = cli(*args[:5], "--config.data.bogus=1")
    assert rc == 2 and "data.bogus" in err and "Traceback" not in err
    rc, _, err = cli("train", "--config", "configs/sic_rcm.py:fast", "--workdir", work)
    assert rc == 2 and "fast" in err


@pytest.mark.slow
def test_smoke_end_to_end_with_simulator(tmp_path, cli):
    """`seaice-jax train --config configs/sic_<m>.py:smoke` simulates, prepares and trains."""
    for model in ("s1", "amsr2"):
        rc, out, err = cli(
            "train", "--config", f"configs/sic_{model}.py:smoke", "--workdir", tmp_path / model
        )
        assert rc == 0, err
        s = json.loads(out.strip().splitlines()[-1])
        assert s["training_samples"] > 0 and s["validation_samples"] > 0
        assert np.isfinite(s["best_val_l1"])
