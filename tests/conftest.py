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
