"""An index of product files: what each is, when and where, from its metadata alone.

``ProductIndex.scan(sources)`` walks folders (and takes files) of downloaded or simulated products,
describes each with :func:`seaice_jax.io.metadata.describe_product` (names, XML, HDF5 attributes:
never an image, a few ms per product) and keeps what it could not use with the reason, so that a
user sees why a file was left out. ``select`` filters by kind, time interval and footprint; the
index round-trips through JSON, so a large archive is scanned once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path

import shapely

from seaice_jax.atomic import write_text
from seaice_jax.errors import SeaIceError
from seaice_jax.io.metadata import KINDS, ProductInfo, candidate_paths, describe_product

#: Files that belong to a product next to them (shapefile parts, NSIDC lat/lon grids, ...).
COMPANIONS = (".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".xml", ".md5", ".dat")


def _key(path: Path) -> str:
    """One product delivered as folder and zip (``X.SAFE``, ``X.SAFE.zip``) is one product."""
    name = path.name
    for ext in (".zip", ".SAFE"):
        name = name.removesuffix(ext)
    return name


def _others(root: Path, seen: set[Path]) -> list[Path]:
    """Files under ``root`` that are neither candidates, inside a product, nor companions."""
    out = []
    inside = [p for p in seen if p.is_dir()]
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        dirnames[:] = [n for n in sorted(dirnames) if not n.startswith(".") and d / n not in seen]
        for name in sorted(filenames):
            f = d / name
            if name.startswith(".") or f in seen or f.suffix.lower() in COMPANIONS:
                continue
            if not any(q in f.parents for q in inside):
                out.append(f)
    return out


@dataclasses.dataclass
class ProductIndex:
    """Products found, and paths left out with the reason.

    Attributes:
      products: the described products, in scan order.
      skipped: ``(path, reason)`` of every path that is not a usable product.
    """

    products: list[ProductInfo] = dataclasses.field(default_factory=list)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @classmethod
    def scan(cls, sources: Iterable[str | os.PathLike]) -> ProductIndex:
        """Index every product under the given folders and files (metadata only).

        Args:
          sources: folders to walk (a product folder is not descended) and product files.

        Returns:
          The index; unreadable or unknown files are in ``skipped`` with the reason.
        """
        idx = cls()
        keys: dict[str, str] = {}
        for src in sources:
            root = Path(src)
            if not root.exists():
                idx.skipped.append((os.fspath(root), "no such file or folder"))
                continue
            seen: set[Path] = set()
            for cand in candidate_paths(root):
                seen.add(cand)
                key = _key(cand)
                if key in keys:
                    if keys[key] != os.fspath(cand):
                        idx.skipped.append((os.fspath(cand), f"same product as {keys[key]}"))
                    continue
                try:
                    info = describe_product(cand)
                except SeaIceError as e:
                    idx.skipped.append((os.fspath(cand), str(e).removeprefix(f"{cand}: ")))
                    continue
                keys[key] = os.fspath(cand)
                idx.products.append(info)
            if root.is_dir():
                for f in _others(root, seen):
                    idx.skipped.append((os.fspath(f), "not a product (unknown file type)"))
        return idx

    def select(
        self,
        kind: str,
        start: dt.datetime | None = None,
        stop: dt.datetime | None = None,
        footprint: shapely.Geometry | None = None,
    ) -> list[ProductInfo]:
        """Products of ``kind`` whose time interval meets ``[start, stop]`` and whose footprint
        meets ``footprint`` (a product without a footprint never meets one).

        Args:
          kind: one of :data:`seaice_jax.io.metadata.KINDS`.
          start, stop: UTC, tz-aware; None leaves that side open.
          footprint: EPSG:3413 polygon, or None for anywhere.

        Returns:
          The matching products, earliest first.
        """
        if kind not in KINDS:
            raise SeaIceError(f"product kind '{kind}' unknown (one of {', '.join(KINDS)})")
        out = []
        for p in self.products:
            if p.kind != kind:
                continue
            if start is not None and p.stop < start:
                continue
            if stop is not None and p.start > stop:
                continue
            if footprint is not None and (
                p.footprint is None or not shapely.intersects(p.footprint, footprint)
            ):
                continue
            out.append(p)
        return sorted(out, key=lambda p: (p.start, p.path))

    def counts(self) -> dict[str, int]:
        """Number of products per kind."""
        out: dict[str, int] = {}
        for p in self.products:
            out[p.kind] = out.get(p.kind, 0) + 1
        return out

    def to_json(self, path: str | os.PathLike) -> Path:
        """Write the index as JSON (atomically)."""
        doc = {"products": [p.to_json() for p in self.products],
               "skipped": [{"path": p, "reason": r} for p, r in self.skipped]}  # fmt: skip
        write_text(Path(path), json.dumps(doc, indent=1) + "\n")
        return Path(path)

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> ProductIndex:
        """Read an index written by :meth:`to_json`."""
        try:
            doc = json.loads(Path(path).read_text())
            return cls([ProductInfo.from_json(d) for d in doc["products"]],
                       [(d["path"], d["reason"]) for d in doc["skipped"]])  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SeaIceError(f"{path}: not a product index ({type(e).__name__}: {e})") from None
