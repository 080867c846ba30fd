"""Shared fixtures: the real sample data folder and small helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")


def _data_dir() -> Path | None:
    env = os.environ.get("SEAICE_JAX_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "shared" / "data"
    return here if here.is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of real sample files (``SEAICE_JAX_DATA``); tests that need it skip without it."""
    d = _data_dir()
    if d is None:
        pytest.skip("SEAICE_JAX_DATA is not set: real sample files unavailable")
    return d


@pytest.fixture
def cli(capsys):
    """Run ``seaice-jax`` in-process: ``rc, out, err = cli("info", path, "--json")``."""
    from seaice_jax.cli import main

    def run(*args: str):
        rc = main([str(a) for a in args])
        cap = capsys.readouterr()
        return rc, cap.out, cap.err

    return run


@pytest.fixture(scope="session")
def smoke_case(tmp_path_factory):
    """One ``configs/sim.py:smoke`` case (with ``products/``), simulated once per session.

    Returns ``(folder, case.json dict, config)``; tests read it and never modify it.
    """
    from seaice_jax.config import load_config
    from seaice_jax.sim import enable_compilation_cache, simulate

    enable_compilation_cache()  # most of a first run is XLA compiling; reuse it across runs
    out = tmp_path_factory.mktemp("smoke_case")
    cfg = load_config("configs/sim.py:smoke")
    info = simulate(cfg, out, progress=False)
    return out, info, cfg
