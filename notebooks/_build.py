"""Build the inspection notebooks from their cell lists (``python notebooks/_build.py``).

With ``--execute`` (``make notebooks``) each notebook is also run top to bottom from a fresh
kernel on the small configs and written with its outputs, so GitHub shows the figures; the test
suite runs each one again (tests/test_notebooks.py), so they cannot rot. Code cells are formatted
with ruff (when it is installed next to this Python) so the notebooks pass the project's lint.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).resolve().parent


def _ruff() -> str | None:
    exe = Path(sys.executable).with_name("ruff")
    return str(exe) if exe.exists() else shutil.which("ruff")


def format_code(src: str) -> str:
    """``src`` formatted by ``ruff format`` with the repository's settings (unchanged without ruff)."""
    ruff = _ruff()
    if ruff is None:
        return src
    out = subprocess.run(
        [ruff, "format", "--stdin-filename", str(HERE / "cell.py"), "-"],
        input=src,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"ruff cannot format this cell:\n{src}\n{out.stderr}")
    return out.stdout.rstrip("\n")


def to_notebook(cells: list[tuple[str, str]]) -> nbf.NotebookNode:
    """A v4 notebook (no outputs) from ``[("md" | "code", source), ...]``."""
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for i, (kind, src) in enumerate(cells):
        src = src.strip("\n")
        cell = (
            nbf.v4.new_markdown_cell(src)
            if kind == "md"
            else nbf.v4.new_code_cell(format_code(src))
        )
        cell.id = f"c{i:02d}"  # stable ids: rebuilding gives the same file
        nb.cells.append(cell)
    return nb


def execute(nb: nbf.NotebookNode, work: Path) -> None:
    """Run ``nb`` in place (small configs, writing under ``work``); stops on the first error."""
    from nbclient import NotebookClient

    os.environ.setdefault("SEAICE_JAX_NB_SMALL", "1")
    os.environ["SEAICE_JAX_NB_WORK"] = str(work)
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures
    root = str(HERE.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])
    NotebookClient(
        nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    for cell in nb.cells:  # no run-dependent noise in the committed file
        cell.get("metadata", {}).pop("execution", None)
        cell["outputs"] = [o for o in cell.get("outputs", []) if not _noise(o)]


def _noise(output) -> bool:
    """tqdm's note that ipywidgets is missing (its text bars are shown instead)."""
    return output.get("name") == "stderr" and "IProgress not found" in output.get("text", "")


def main() -> None:
    sys.path.insert(0, str(HERE))
    import _cells

    run = "--execute" in sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="seaice_jax_nb_") as work:
        for name, cells in _cells.notebooks().items():
            nb = to_notebook(cells)
            if run:
                execute(nb, Path(work))
            nbf.write(nb, HERE / f"{name}.ipynb")
            print("wrote", name, "(with outputs)" if run else "")


if __name__ == "__main__":
    main()
