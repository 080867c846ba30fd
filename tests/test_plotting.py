"""Figures leave pyplot alone: importing the package keeps the user's backend (notebooks)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import matplotlib, numpy as np, sys
from pathlib import Path
import seaice_jax.experiments.demo, seaice_jax.evaluate.figures as ef
import seaice_jax.io.blockwise, seaice_jax.pm.derive, seaice_jax.sim.plots, seaice_jax.sit.figures
import matplotlib.pyplot as plt
out = Path(sys.argv[1])
rng = np.random.default_rng(0)
r = rng.uniform(0, 100, 500)
ef.scatter_density(r + rng.normal(0, 5, 500), r, out)
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
assert plt.get_fignums() == [], plt.get_fignums()  # nothing left open in pyplot
print(out.stat().st_size)
"""


def test_figures_keep_the_backend_and_leave_no_open_figures(tmp_path):
    png = tmp_path / "s.png"
    env = {"MPLBACKEND": "svg", "JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        [sys.executable, "-c", CODE, str(png)], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and int(r.stdout) > 5000
