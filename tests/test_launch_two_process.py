"""The multi-host path on CPU: two processes over loopback train as one JAX job.

launch/local_two_process.sh starts two ``seaice-jax train`` processes with the explicit
coordinator variables of :mod:`seaice_jax.distributed`; each holds one CPU device, reads its own
half of every global batch, and the jitted step reduces over both. Run as one job, both report
the same global loss at every step and process 0 alone writes metrics and checkpoints.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_two_processes_train_as_one(tmp_path):
    from seaice_jax.config import get
    from seaice_jax.sim import simulate

    sim = tmp_path / "sim"
    simulate(get("configs/sim.py:smoke"), sim, progress=False)
    work = tmp_path / "two"
    env = {
        **os.environ,
        "SEAICE_JAX": f"{sys.executable} -m seaice_jax",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "XLA_FLAGS": "",
    }
    args = [
        "bash",
        str(ROOT / "launch" / "local_two_process.sh"),
        "configs/sic_s1.py:smoke",
        str(work),
        "--config.data.sim_config=",
        f"--config.data.sources=('{sim}',)",
        "--config.total_steps=4",
        "--config.batch_size=4",
    ]
    r = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    logs = [Path(f"{work}.proc{i}.log").read_text() for i in (0, 1)]
    assert r.returncode == 0, logs
    rows = [json.loads(x) for x in (work / "metrics.jsonl").read_text().splitlines() if x]
    losses = {r["step"]: r["train_loss"] for r in rows if "train_loss" in r}
    assert sorted(losses) == [1, 2, 3, 4]
    assert all(map(math.isfinite, losses.values()))
    assert "Traceback" not in logs[1]
    summary = json.loads((work / "summary.json").read_text())
    assert summary["process_count"] == 2
    # 16 training tiles, 8 per host, local batches of 2 = global batches of 4: 4 steps an epoch.
    assert summary["steps_per_epoch"] == 4
