"""Small helpers to build product XML with ElementTree and write it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np


def el(parent: ET.Element | None, tag: str, text=None, **attrs) -> ET.Element:
    """A sub-element (or a root when ``parent`` is None) with optional text and attributes."""
    e = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
    for k, v in attrs.items():
        e.set(k.replace("__", ":"), str(v))
    if text is not None:
        e.text = text if isinstance(text, str) else fmt(text)
    return e


def fmt(v) -> str:
    """Numbers as the products print them: integers plainly, floats in ``%.15e``."""
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    return f"{float(v):.15e}"


def array(parent: ET.Element, tag: str, values, *, ints: bool = False, digits: int = 6):
    """A whitespace-separated list with its ``count`` attribute (LUT vectors)."""
    vals = np.asarray(values).ravel()
    text = (
        " ".join(str(int(v)) for v in vals) if ints else " ".join(f"{v:.{digits}e}" for v in vals)
    )
    return el(parent, tag, text, count=len(vals))


def write(root: ET.Element, path: Path) -> None:
    """Write ``root`` with an XML declaration, indented (the products are pretty-printed)."""
    ET.indent(root, space="  ")
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
