"""SIC skill over held-out seeds: one trained model against truth and NT bilinear, and every
product of the day (the fused map included) over several simulated seeds.

:func:`sic_skill` (``scripts/sic_skill.py``, docs/sic.md "Measured"): for every date of every case (cases the model never saw: other seeds, including the drifted last
date), the model's SIC on its input grid (200 m for S1/RCM, 3.125 km for AMSR2-89) is compared
with the simulator's truth area-averaged onto that grid, and so is the 25 km NT brought to the
same grid bilinearly, on the same pixels. Three regions (SIC %):

- ``all``: every valid ocean pixel of the model's swath;
- ``miz``: truth between 15 and 80 %;
- ``lead_band_3px``: 3-pixel bands around leads (narrow open water inside pack ice: truth
  < 50 % where its 15 x 15 px mean is > 70 %, dilated by 3 px), where small-feature
  preservation shows.

This is the "Measured" table of docs/sic.md, and the test suite bounds it for a trained
``:cpu`` model (``tests/test_sic_skill.py``).

:func:`products_skill` (``scripts/products_skill.py``, docs/products.md "Measured"): for each seed
a simulated case, every product of each day (:func:`seaice_jax.experiments.case.make_products`)
scored against the truth and the OSI-SAF-like reference. The uncertainty floors, the fusion's
kappa and beta and the fused sigma's scale are fitted on the first seed's first day
(:func:`seaice_jax.experiments.case.calibrate`) and applied unchanged to every other day, so the
reported 1-sigma coverage (``calibration_held_out``) is held out; ``fused_vs_each`` compares the
fused map with each product on that product's own footprint.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.ndimage import binary_dilation, uniform_filter

from seaice_jax import fusion
from seaice_jax.config import get as get_config
from seaice_jax.evaluate.metrics import metrics
from seaice_jax.experiments import case
from seaice_jax.geo import Grid, regrid
from seaice_jax.io import open_dataset
from seaice_jax.predictor import load_predictor
from seaice_jax.sim import simulate

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
    for folder in cases:
        for day in sorted(p for p in (Path(folder) / "sic").iterdir() if p.is_dir()):
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


#: The metrics :func:`products_skill` aggregates over days (mean and std).
KEYS = ("mae", "rmse", "r2", "bias")


def _aggregate(runs: list[dict]) -> dict:
    """Mean and std over days of each metric, per reference, product and class."""
    out: dict = {}
    for ref in ("vs_truth", "vs_osisaf_like"):
        for prod in runs[0][ref]:
            rows = [r[ref][prod] for r in runs if prod in r[ref]]
            agg = {
                k: [float(np.mean([x[k] for x in rows])), float(np.std([x[k] for x in rows]))]
                for k in KEYS
            }
            agg["n"] = int(sum(x["n"] for x in rows))
            agg["per_class"] = {
                c: {k: float(np.nanmean([x["per_class"][c][k] for x in rows])) for k in KEYS}
                for c in rows[0]["per_class"]
            }
            out.setdefault(ref, {})[prod] = agg
    cal = {}
    for r in runs[1:]:  # held out: not the day the floors were fitted on
        for p, v in r["calibration"].items():
            cal.setdefault(p, []).append(v)
    out["calibration_held_out"] = {p: float(np.mean(v)) for p, v in cal.items()}
    each: dict = {}
    for r in runs:
        for p, v in r.get("fused_vs_each", {}).items():
            e = each.setdefault(p, {"product_mae": [], "fused_mae": []})
            e["product_mae"].append(v["product_mae"])
            e["fused_mae"].append(v["fused_mae"])
    out["fused_vs_each"] = {
        p: {k: float(np.mean(x)) for k, x in v.items()} for p, v in each.items()
    }
    return out


def _days(case_dir: Path) -> list[Path]:
    return sorted(p for p in (case_dir / "sic").iterdir() if (p / "truth_200m.nc").exists())


def products_skill(
    seeds: Sequence[int],
    sim: str,
    workdirs: Mapping[str, str | os.PathLike],
    *,
    log: Callable[[str], None] = print,
) -> dict:
    """Skill of every SIC product on the simulated days of ``seeds`` (see the module docstring).

    Args:
      seeds: simulator seeds; the first seed's first day is the calibration day.
      sim: simulator config spec (``configs/sim.py[:arg]``), run with each seed.
      workdirs: product name (``s1``, ``rcm``, ``amsr2_89``) -> training folder of its model.
      log: receives one line per scored day (seed, date, MAE per product).

    Returns:
      ``{"floors", "fused_sigma_scale", "kappa_beta", "aggregate", "runs"}``.
    """
    preds = {k: load_predictor(v) for k, v in workdirs.items()}
    runs, floors = [], None
    fusion_cfg = get_config("configs/fusion.py")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            simulate(get_config(sim, [f"seed={seed}"]), Path(tmp) / f"case{seed}")
            for day in _days(Path(tmp) / f"case{seed}"):
                out = Path(tmp) / f"prod{seed}_{day.name}"
                if floors is None:
                    cal = case.calibrate(day, out / "calibration", preds, None, fusion_cfg)
                    floors = cal["floors"]
                    fusion_cfg = fusion.apply_calibration(
                        fusion_cfg, fusion.load_calibration(cal["file"])
                    )
                prods = case.make_products(day, out, preds, fusion_cfg=fusion_cfg, floors=floors)
                res = case.score_products(day, prods)
                res["seed"], res["date"] = seed, day.name
                runs.append(res)
                maes = {p: round(m["mae"], 2) for p, m in res["vs_truth"].items()}
                log(f"{seed} {day.name} {maes}")
    return {
        "floors": floors,
        "fused_sigma_scale": float(fusion_cfg.sigma_scale),
        "kappa_beta": [float(fusion_cfg.kappa), float(fusion_cfg.beta)],
        "aggregate": _aggregate(runs),
        "runs": runs,
    }
