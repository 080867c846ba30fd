"""Cell lists of the inspection notebooks (see _build.py): the shared set-up and the index.

Each notebook's cells live in ``_nb<NN>_<name>.py`` as a list of ``md(...)`` / ``code(...)``
entries; ``python notebooks/_build.py`` turns them into ``<NN>_<name>.ipynb`` (code cells
formatted by ruff), and tests/test_notebooks.py checks that the committed notebooks match and run.
"""

from __future__ import annotations

import importlib

Cell = tuple[str, str]


def md(text: str) -> Cell:
    """A markdown cell."""
    return ("md", text)


def code(text: str) -> Cell:
    """A code cell."""
    return ("code", text)


SETUP = """
import os
from pathlib import Path

import matplotlib.pyplot as plt  # the kernel's inline backend draws the figures
import numpy as np

from seaice_jax.io import catalog

# Sample files: SEAICE_JAX_DATA when set, else the data catalogue's cache, filled on first use
# (download with sha256 check; `seaice-jax fetch --list` lists the samples).
DATA = Path(os.environ.get("SEAICE_JAX_DATA") or catalog.cache_dir())


def sample(name: str) -> Path:
    # The folder of catalogue sample `name` (fetched into the cache when not in DATA).
    if not (DATA / name).is_dir():
        catalog.fetch(name)
        return catalog.cache_dir() / name
    return DATA / name


# Small by default so the test suite can run every notebook; set SEAICE_JAX_NB_SMALL=0 for more.
SMALL = os.environ.get("SEAICE_JAX_NB_SMALL", "1") != "0"
print("sample data:", DATA.resolve())
"""

# Notebooks that write (simulated cases, workdirs, products) do it under WORK, never in the repo.
WORK_SETUP = """
import tempfile

WORK = Path(os.environ.get("SEAICE_JAX_NB_WORK") or tempfile.mkdtemp(prefix="seaice_jax_nb_"))
WORK.mkdir(parents=True, exist_ok=True)
print("outputs under", WORK)
"""

#: notebook name -> module holding its ``CELLS``.
INDEX = {
    "01_real_inputs": "_nb01_real_inputs",
    "02_simulated_scene": "_nb02_sim",
    "03_training_curves": "_nb03_training",
    "04_products_fusion": "_nb04_products",
    "05_sit_segments_features": "_nb05_sit",
}


def notebooks() -> dict[str, list[Cell]]:
    """Every notebook's cell list, by notebook name."""
    return {name: importlib.import_module(mod).CELLS for name, mod in INDEX.items()}
