"""Every notebook in notebooks/ runs top to bottom from a fresh kernel (small configs), draws its
figures, writes nothing into the repository, and matches the cell lists it is built from."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if ".ipynb_checkpoints" not in p.parts}


def _normal(kind: str, src: str) -> str:
    # Code is compared by its syntax tree: the build formats cells with whatever ruff is installed.
    return ast.dump(ast.parse(src)) if kind == "code" else src.strip("\n")


def test_notebooks_match_their_cell_lists(monkeypatch):
    monkeypatch.syspath_prepend(str(NB_DIR))
    for mod in [m for m in sys.modules if m.startswith("_cells") or m.startswith("_nb")]:
        monkeypatch.delitem(sys.modules, mod)
    import _cells

    built = _cells.notebooks()
    assert sorted(built) == [p.stem for p in NOTEBOOKS]
    for name, cells in built.items():
        nb = nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)
        have = [_normal(c.cell_type[:4].replace("mark", "md"), c.source) for c in nb.cells]
        want = [_normal(kind, src) for kind, src in cells]
        assert have == want, f"{name}.ipynb is stale: run make notebooks"
        # Committed with outputs (make notebooks), so GitHub shows every figure.
        plotting = [c for c in nb.cells if c.cell_type == "code" and "plt.show()" in c.source]
        drawn = [c for c in plotting if any("image/png" in o.get("data", {}) for o in c.outputs)]
        assert plotting and len(drawn) == len(plotting), f"{name}.ipynb: run make notebooks"
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.fixture(scope="module")
def nb_work(tmp_path_factory) -> Path:
    """One work folder for all notebooks: the simulated case is made once and reused, as it is
    when a user runs the notebooks one after the other (each still runs from a fresh kernel and
    simulates the case itself when it is missing)."""
    return tmp_path_factory.mktemp("nb_work")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, data_dir, nb_work, monkeypatch):
    monkeypatch.setenv("SEAICE_JAX_DATA", str(data_dir))
    monkeypatch.setenv("SEAICE_JAX_NB_SMALL", "1")
    monkeypatch.setenv("SEAICE_JAX_NB_WORK", str(nb_work))
    # The kernel picks its inline backend only when MPLBACKEND is unset; with Agg it would
    # silently draw nothing.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    before = _files(NB_DIR)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NB_DIR)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    plotting = [c for c in nb.cells if c.cell_type == "code" and "plt.show()" in c.source]
    drawn = [c for c in plotting if any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert len(drawn) == len(plotting), "a plotting cell drew no figure"
    assert _files(NB_DIR) == before, "the notebook wrote into the repository"
