"""Build the inspection notebooks from the cell lists below (``python notebooks/_build.py``).

The notebooks are committed executed-free; the test suite runs each one top to bottom on small
configs (tests/test_notebooks.py), so they cannot rot.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).resolve().parent


def build(name: str, cells: list[tuple[str, str]]) -> None:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, src in cells:
        src = src.strip("\n")
        nb.cells.append(nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src))
    nbf.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    import _cells

    for name, cells in _cells.NOTEBOOKS.items():
        build(name, cells)
        print("wrote", name)
