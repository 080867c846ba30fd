"""Training survives preemption: SIGKILL, a corrupt latest checkpoint, a non-finite loss.

``seaice-jax train`` runs as a real process on a small prepared dataset (the sic tests' learnable
scenes). One run goes through uninterrupted; another is killed with SIGKILL as soon as its first
checkpoint exists, then restarted: its loss sequence equals the uninterrupted one's. Then the
uninterrupted run's latest checkpoint is truncated: a restart warns, resumes from the previous
one and again reproduces the losses. A huge learning rate makes the loss non-finite: training
stops with one line naming the step, and the last checkpoint stays restorable.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_reliability_bad_inputs import assert_one_line_error, child_env

from seaice_jax.train import loop as train_mod

STEPS, EVERY = 40, 4


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    from test_sic_train import make_prepared  # the sic area's small learnable scenes

    return make_prepared(tmp_path_factory.mktemp("prep"))


def train_argv(prepared: Path, workdir: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "seaice_jax", "train", "--config", "configs/sic_s1.py:smoke",
        "--workdir", str(workdir), f"--config.data.prepared_dir={prepared}",
        "--config.data.tile=32", "--config.data.stride=32", "--config.data.threads=1",
        f"--config.total_steps={STEPS}", f"--config.checkpoint_every_steps={EVERY}",
        "--config.log_every_steps=1", *extra,
    ]  # fmt: skip


def run_train(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, env=child_env(), timeout=600)


def losses(workdir: Path) -> dict[int, float]:
    recs = [json.loads(ln) for ln in (workdir / "metrics.jsonl").read_text().splitlines() if ln]
    steps = [r["step"] for r in recs]
    assert steps == sorted(set(steps)), f"repeated or unordered steps in metrics.jsonl: {steps}"
    return {r["step"]: r["train_loss"] for r in recs}


def checkpoint_steps(workdir: Path) -> list[int]:
    d = workdir / "checkpoints"
    return sorted(int(p.name) for p in d.iterdir() if p.name.isdigit()) if d.is_dir() else []


@pytest.fixture(scope="module")
def uninterrupted(prepared, tmp_path_factory) -> tuple[Path, dict[int, float]]:
    w = tmp_path_factory.mktemp("uninterrupted")
    r = run_train(train_argv(prepared, w))
    assert r.returncode == 0, r.stderr[-3000:]
    ref = losses(w)
    assert sorted(ref) == list(range(1, STEPS + 1))
    return w, ref


@pytest.mark.slow  # three training processes (compile + 40 steps each)
def test_resume_after_sigkill_equals_uninterrupted(prepared, uninterrupted, tmp_path):
    _, ref = uninterrupted
    w = tmp_path / "killed"
    proc = subprocess.Popen(train_argv(prepared, w), env=child_env(), stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not checkpoint_steps(w):
            assert proc.poll() is None, "training ended before its first checkpoint appeared"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    at_kill = checkpoint_steps(w)
    assert at_kill and max(at_kill) < STEPS, "the run finished before the kill: nothing tested"
    r = run_train(train_argv(prepared, w))
    assert r.returncode == 0, r.stderr[-3000:]
    got = losses(w)
    assert sorted(got) == list(range(1, STEPS + 1))
    np.testing.assert_allclose([got[s] for s in sorted(got)], [ref[s] for s in sorted(ref)],
                               rtol=1e-5)  # fmt: skip


@pytest.mark.slow
def test_corrupt_latest_checkpoint_falls_back_with_warning(prepared, uninterrupted, tmp_path):
    src, ref = uninterrupted
    w = tmp_path / "corrupt"
    shutil.copytree(src, w)
    steps = checkpoint_steps(w)
    assert len(steps) >= 2 and steps[-1] == STEPS
    for f in (w / "checkpoints" / str(STEPS)).rglob("*"):
        if f.is_file() and f.stat().st_size > 16:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 3])  # a write cut short
    r = run_train(train_argv(prepared, w))
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"checkpoint step {STEPS}" in r.stderr and "cannot be restored" in r.stderr, r.stderr
    # (orbax logs the failed read with its own traceback before the warning; the run goes on)
    got = losses(w)
    assert sorted(got) == list(range(1, STEPS + 1))
    np.testing.assert_allclose([got[s] for s in sorted(got)], [ref[s] for s in sorted(ref)],
                               rtol=1e-5)  # fmt: skip


@pytest.mark.slow  # compiles the model: about 2 min on a loaded 2-core machine
def test_non_finite_loss_stops_naming_the_step(prepared, tmp_path, cli):
    w = tmp_path / "nan"
    argv = train_argv(prepared, w, "--config.optim.lr=1e38", "--config.optim.clip_norm=1e38",
                      "--config.checkpoint_every_steps=1")[3:]  # fmt: skip
    rc, _, err = cli(*argv)
    line = err.strip().splitlines()[-1]
    assert_one_line_error(rc, line, "non-finite training loss")
    bad_step = int(line.split(" at step ")[1].split(";")[0])
    good = checkpoint_steps(w)
    assert good and max(good) == bad_step - 1, (good, line)
    assert f"last good checkpoint: step {bad_step - 1}" in line
    # The last good checkpoint restores, with finite parameters.
    import jax
    import orbax.checkpoint as ocp

    from seaice_jax.train.checkpoint import Checkpointer

    ck = Checkpointer(w)
    try:
        args = ocp.args.Composite(state=ocp.args.StandardRestore())
        state = ck.manager.restore(max(good), args=args)["state"]
    finally:
        ck.close()
    leaves = [np.asarray(x) for x in jax.tree.leaves(state)]
    assert leaves and all(np.isfinite(x).all() for x in leaves if x.dtype.kind == "f")


def test_torn_metrics_line_is_dropped_on_resume(tmp_path):
    """A kill during the append of a metrics line leaves half a JSON object: resume drops it."""
    lines = [json.dumps({"step": i, "train_loss": 0.5}) for i in (1, 2, 3, 4)]
    (tmp_path / "metrics.jsonl").write_text("\n".join(lines) + '\n{"step": 5, "train_lo')
    log = train_mod._Logger(tmp_path, 3)
    log.close()
    kept = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(ln)["step"] for ln in kept] == [1, 2, 3]
