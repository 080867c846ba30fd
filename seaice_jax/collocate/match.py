"""Match each SAR scene (or AMSR2 swath) with the data of the same date and place.

Rules (DESIGN section 2, design_o12 section 2), for a target scene acquired over ``[t0, t1]``:

- AMSR2 swaths whose time interval meets ``[t0 - window_h, t1 + window_h]`` and whose footprint
  meets the scene's (for the AMSR2-89 model the swath is the target itself);
- the daily NT grid of the scene's UTC date (its validity interval holds ``t0``); without one, NT
  is computed from the matched AMSR2 swaths, so the scene is skipped only when both are missing;
- the ice chart of the scene's UTC date whose extent meets the scene (ice services chart each day
  from that day's SAR, so a chart issued at 18 UTC describes a scene of 07 UTC better than the
  previous one, still "valid"), else the chart whose validity interval holds ``t0``, else the
  latest issued within ``chart_days`` before; without a chart the scene is kept with the
  ``no_chart`` loss weight, unless ``require_chart``.

Every target that is not matched comes back as a :class:`Skip` with the reason in words, and
:func:`write_report` writes both lists as JSON for the record of a ``prepare`` run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import shapely

from seaice_jax.atomic import write_text
from seaice_jax.errors import SeaIceError
from seaice_jax.io.metadata import ProductInfo

#: The product kind each model is trained and run on.
TARGET_KIND = {"s1": "s1_grd", "rcm": "rcm_grd", "amsr2": "amsr2_l1r"}


class ProductIndex(Protocol):
    """What matching needs of an index (:class:`seaice_jax.collocate.index.ProductIndex`)."""

    products: list[ProductInfo]
    skipped: list[tuple[str, str]]

    def select(self, kind: str, start=None, stop=None, footprint=None) -> list[ProductInfo]: ...

    def counts(self) -> dict[str, int]: ...


@dataclasses.dataclass(frozen=True)
class Collocation:
    """A target scene and what goes with it.

    Attributes:
      target: the SAR scene (or AMSR2 swath for the AMSR2-89 model).
      amsr2: AMSR2 swaths within the time window that overlap it (SAR targets).
      nt: the daily NT grid of its date, or None (then NT comes from ``amsr2``).
      chart: the ice chart valid at its time, or None.
      date: its UTC date, ``YYYY-MM-DD``.
    """

    target: ProductInfo
    amsr2: list[ProductInfo]
    nt: ProductInfo | None
    chart: ProductInfo | None
    date: str

    def to_json(self) -> dict:
        return {"date": self.date, "target": self.target.path,
                "start": self.target.start.isoformat(),
                "amsr2": [a.path for a in self.amsr2], "nt": self.nt and self.nt.path,
                "chart": self.chart and self.chart.path}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Skip:
    """A product left out, and why (``kind`` is its product kind, or ``prepare`` for a scene
    that collocated but failed to prepare)."""

    path: str
    kind: str
    reason: str

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def _chart_for(index: ProductIndex, t: ProductInfo, chart_days: float) -> ProductInfo | None:
    """The chart of the scene's UTC date, else the one valid at its start, else the latest
    issued within ``chart_days`` before; among equals, the one covering more of the scene."""
    day = t.start.astimezone(dt.UTC).date()
    cands = index.select("chart", t.start - dt.timedelta(days=chart_days),
                         t.start + dt.timedelta(days=1), t.footprint)  # fmt: skip
    same_day = [c for c in cands if c.start.astimezone(dt.UTC).date() == day]
    valid = [c for c in cands if c.start <= t.start < c.stop]
    pool = same_day or valid or [c for c in cands if c.start <= t.start]
    if not pool:
        return None

    def rank(c: ProductInfo):
        return (-abs((c.start - t.start).total_seconds()),
                shapely.area(shapely.intersection(c.footprint, t.footprint)))  # fmt: skip

    return max(pool, key=rank)


def _match(index, t, model, window, chart_days, require_chart) -> Collocation | Skip:
    date = t.start.astimezone(dt.UTC).date().isoformat()
    if t.footprint is None:
        return Skip(t.path, t.kind, "no footprint in the northern hemisphere")
    swaths = []
    if model != "amsr2":
        swaths = index.select("amsr2_l1r", t.start - window, t.stop + window, t.footprint)
    nts = [n for n in index.select("nt_daily", t.start, t.start, t.footprint)]
    nt = min(nts, key=lambda n: n.platform) if nts else None  # several satellites: a fixed pick
    if nt is None and not swaths and model != "amsr2":
        hours = window.total_seconds() / 3600
        return Skip(t.path, t.kind, f"no NT grid for {date} and no AMSR2 swath within "
                                    f"{hours:g} h to compute NT from")  # fmt: skip
    chart = _chart_for(index, t, chart_days)
    if chart is None and require_chart:
        return Skip(t.path, t.kind, f"no ice chart valid on {date} or issued within "
                                    f"{chart_days:g} days before over the scene")  # fmt: skip
    return Collocation(t, swaths, nt, chart, date)


def collocate(
    index: ProductIndex,
    model: str,
    *,
    window_h: float = 12.0,
    chart_days: float = 7.0,
    require_chart: bool = False,
) -> tuple[list[Collocation], list[Skip]]:
    """Collocate every target of ``model`` in ``index``.

    Args:
      index: the products (:meth:`ProductIndex.scan`).
      model: ``s1``, ``rcm`` or ``amsr2``.
      window_h: AMSR2 swaths within this many hours of the scene's acquisition.
      chart_days: take a chart issued up to this many days before the scene when none is valid.
      require_chart: skip scenes without a chart (else they get the ``no_chart`` weight).

    Returns:
      ``(collocations, skips)``, each in acquisition order.
    """
    if model not in TARGET_KIND:
        raise SeaIceError(f"model '{model}' unknown; choose one of {sorted(TARGET_KIND)}")
    if window_h < 0 or chart_days < 0:
        raise SeaIceError("collocation window_h and chart_days must be >= 0")
    window = dt.timedelta(hours=window_h)
    colls, skips = [], []
    for t in index.select(TARGET_KIND[model]):
        got = _match(index, t, model, window, chart_days, require_chart)
        (colls if isinstance(got, Collocation) else skips).append(got)
    # SAR scenes of the other sensor are listed: a user should see them left out (AMSR2 swaths
    # serve the SAR models too, as the source of NT where no daily grid is given).
    for p in index.products:
        if p.kind in ("s1_grd", "rcm_grd") and p.kind != TARGET_KIND[model]:
            skips.append(Skip(p.path, p.kind, f"{p.kind} is not an input of the '{model}' model"))
    return colls, skips


def write_report(
    path: str | os.PathLike,
    colls: Iterable[Collocation],
    skips: Iterable[Skip],
    *,
    model: str = "",
    index: ProductIndex | None = None,
) -> Path:
    """Write a collocation report (JSON, atomically): what was matched, what was left out, why.

    Returns:
      The report's path.
    """
    doc = {
        "model": model,
        "collocations": [c.to_json() for c in colls],
        "skipped": [s.to_json() for s in skips],
        "not_products": [{"path": p, "reason": r} for p, r in (index.skipped if index else [])],
        "products": index.counts() if index else {},
    }
    write_text(Path(path), json.dumps(doc, indent=1) + "\n")
    return Path(path)


def summary(colls: list[Collocation], skips: list[Skip], index: ProductIndex | None = None) -> str:
    """A few lines for the terminal: counts, then each skipped product and its reason."""
    lines = []
    if index is not None:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(index.counts().items())) or "none"
        lines.append(f"products: {kinds}; {len(index.skipped)} other file(s) left out")
    lines.append(f"collocated: {len(colls)} scene(s); skipped: {len(skips)}")
    lines += [f"  skipped {s.path}: {s.reason}" for s in skips]
    if index is not None:
        lines += [f"  not used {p}: {r}" for p, r in index.skipped]
    return "\n".join(lines)
