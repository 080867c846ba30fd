"""Skill of one trained SIC model on held-out simulated cases, against truth and NT bilinear.

For every date of every case (cases the model never saw: other seeds, including the drifted last
date), the model's SIC on its input grid (200 m for S1/RCM, 3.125 km for AMSR2-89) is compared
with the simulator's truth area-averaged onto that grid, and so is the 25 km NT brought to the
same grid bilinearly, on the same pixels. Three regions (SIC %):

- ``all``: every valid ocean pixel of the model's swath;
- ``miz``: truth between 15 and 80 %;
- ``lead_band_3px``: 3-pixel bands around leads (narrow open water inside pack ice: truth
  < 50 % where its 15 x 15 px mean is > 70 %, dilated by 3 px), where small-feature
  preservation shows.

This is the "Measured" table of docs/sic.md (``scripts/sic_skill.py``), and the test suite
bounds it for a trained ``:cpu`` model (``tests/test_sic_skill.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from scipy.ndimage import binary_dilation, uniform_filter

from seaice_jax.evaluate.metrics import metrics

#: Per model kind: its input file and the truth at that resolution, in a simulated date folder.
FILES = {
    "s1": ("s1_200m.nc", "truth_200m.nc"),
    "rcm": ("rcm_200m.nc", "truth_200m.nc"),
    "amsr2": ("amsr2_3125m.nc", "truth_3125m.nc"),
}
REGIONS = ("all", "miz", "lead_band_3px")


def predict_tiles(predictor, ds) -> np.ndarray:
    """Whole-scene SIC (%, (H, W)) from non-overlapping tiles (edge tiles shifted inside).

    No blending or test-time flips: the model's own skill, not the product's
    (:func:`seaice_jax.infer.predict_scene` makes the product).
    """
    x = predictor.normalise(ds)
    h, w, _ = x.shape
    t = min(predictor.tile_size, h, w)
    out = np.zeros((h, w), np.float32)
    rows = sorted({*range(0, h - t + 1, t), h - t})
    cols = sorted({*range(0, w - t + 1, t), w - t})
    for r in rows:
        p = predictor.predict(np.stack([x[r : r + t, c : c + t] for c in cols]))
        for i, c in enumerate(cols):
            out[r : r + t, c : c + t] = p[i]
    return out


def regions(truth: np.ndarray, ok: np.ndarray) -> dict[str, np.ndarray]:
    """The boolean masks of :data:`REGIONS` for a truth field (SIC %) and its valid pixels."""
    miz = ok & (truth >= 15) & (truth <= 80)
    leads = ok & (truth < 50) & (uniform_filter(np.nan_to_num(truth), 15) > 70)
    band = ok & binary_dilation(leads, iterations=3)
    return {"all": ok, "miz": miz, "lead_band_3px": band}


def _day_fields(predictor, day: Path):
    """(model SIC, NT bilinear, truth, valid) of one simulated date on the model's grid."""
    from seaice_jax.geo import regrid
    from seaice_jax.geo.grids import Grid
    from seaice_jax.io import open_dataset

    inp, truth_name = FILES[predictor.model_kind]
    ds = open_dataset(day / inp)
    grid = Grid.from_dataset(ds)
    truth = np.asarray(regrid(open_dataset(day / truth_name)["sic"], grid, "average").values)
    nt = np.asarray(regrid(open_dataset(day / "nt_25km.nc")["sic"], grid, "bilinear").values)
    ok = np.isfinite(truth) & np.isfinite(nt)
    if "valid" in ds:
        ok &= ds["valid"].values > 0
    return predict_tiles(predictor, ds), nt, truth, ok


def case_days(cases: Iterable[str | os.PathLike], days: Sequence[str] | None = None) -> list[Path]:
    """The date folders (``CASE/sic/<date>``) of simulated cases, optionally only ``days``."""
    out = []
    for case in cases:
        for day in sorted(p for p in (Path(case) / "sic").iterdir() if p.is_dir()):
            if not days or day.name in days:
                out.append(day)
    return out


def sic_skill(
    workdir: str | os.PathLike,
    cases: Iterable[str | os.PathLike],
    days: Sequence[str] | None = None,
) -> dict:
    """Score the model trained in ``workdir`` on held-out simulated ``cases``.

    Args:
      workdir: a ``seaice-jax train`` folder.
      cases: simulated case folders (``seaice-jax simulate``) not used in training.
      days: only these dates (default: every date of every case).

    Returns:
      ``{region: {"model": m, "nt_bilinear": m}}`` for region in :data:`REGIONS`, each ``m`` the
      :func:`seaice_jax.evaluate.metrics.metrics` dict over the pixels of all days pooled.
    """
    from seaice_jax.predictor import load_predictor

    predictor = load_predictor(workdir)
    pooled: dict[str, dict[str, list]] = {
        r: {"model": [], "nt_bilinear": [], "truth": []} for r in REGIONS
    }
    for day in case_days(cases, days):
        est, nt, truth, ok = _day_fields(predictor, day)
        for region, sel in regions(truth, ok).items():
            pooled[region]["model"].append(est[sel])
            pooled[region]["nt_bilinear"].append(nt[sel])
            pooled[region]["truth"].append(truth[sel])
    out = {}
    for region, by in pooled.items():
        t = np.concatenate(by["truth"]) if by["truth"] else np.zeros(0, np.float32)
        out[region] = {
            name: metrics(np.concatenate(by[name]) if by[name] else t, t)
            for name in ("model", "nt_bilinear")
        }
    return out
