"""Build the inspection notebooks from their cell lists (``python notebooks/_build.py``).

The notebooks are committed without outputs; the test suite runs each one top to bottom on small
configs (tests/test_notebooks.py), so they cannot rot. Code cells are formatted with ruff (when it
is installed next to this Python) so the notebooks pass the project's lint like the package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
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


def main() -> None:
    sys.path.insert(0, str(HERE))
    import _cells

    for name, cells in _cells.notebooks().items():
        nbf.write(to_notebook(cells), HERE / f"{name}.ipynb")
        print("wrote", name)


if __name__ == "__main__":
    main()
