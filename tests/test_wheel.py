"""A plain (not editable) install ships the configs: the wheel holds ``seaice_jax.configs``.

The wheel is built from a copy of the sources (pip's isolated build, offline from the configured
index), so the repository is not touched; its contents are checked, and a config is loaded by
name and by ``configs/...`` path from an unrelated folder with only the unpacked wheel on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_configs_and_they_load_from_any_folder(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("seaice_jax", "configs"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    dist = tmp_path / "dist"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    (wheel,) = dist.glob("seaice_jax-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = next(z.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
        z.extractall(tmp_path / "site")
    for cfg in ("sic_s1", "sic_rcm", "sic_amsr2", "sim", "fusion", "sit_baltic"):
        assert f"seaice_jax/configs/{cfg}.py" in names
    assert {"seaice_jax/sim/calibration.json", "seaice_jax/pm/weather_mask_89.json"} <= names
    assert "License-Expression: Apache-2.0" in meta
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import seaice_jax, seaice_jax.config as c\n"
        "print(seaice_jax.__file__)\n"
        "print(c.get('sic_s1:smoke,total_steps=2').total_steps, c.get('configs/sim.py:smoke').seed)"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "JAX_PLATFORMS": "cpu"}
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    path, values = r.stdout.splitlines()
    assert Path(path).is_relative_to(tmp_path / "site") and values == "2 0"
