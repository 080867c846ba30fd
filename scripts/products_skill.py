"""Skill of every SIC product on simulated days of several seeds (docs/products.md, "Measured").

For each seed: simulate a case (``configs/sim.py[:arg]`` with ``seed``), build every product of
each day (S1, RCM, AMSR2-89 inference with the given checkpoints; NT bilinear; the pan-sharpening
baseline; the fused map) and score them against the truth and the OSI-SAF-like reference. The
uncertainty floors, the fusion's kappa and beta, and the fused sigma's scale are fitted on the first seed's first day
(``evaluate.case.calibrate``) and applied unchanged to every other day, so the reported 1-sigma
coverage (``calibration_held_out``) is held out. ``fused_vs_each`` compares the fused map with each
product on that product's own footprint.

    PYTHONPATH=. python scripts/products_skill.py --seeds 1,2,3 --sim configs/sim.py:smoke \
        --s1 runs/s1 --rcm runs/rcm --amsr2-89 runs/amsr2 --out out/products_skill.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from seaice_jax import config
from seaice_jax.atomic import write_text
from seaice_jax.evaluate import case

KEYS = ("mae", "rmse", "r2", "bias")


def _predictors(args) -> dict:
    from seaice_jax.infer import load_predictor

    named = {"s1": args.s1, "rcm": args.rcm, "amsr2_89": args.amsr2_89}
    return {k: load_predictor(v) for k, v in named.items() if v}


def _days(case_dir: Path) -> list[Path]:
    return sorted(p for p in (case_dir / "sic").iterdir() if (p / "truth_200m.nc").exists())


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


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--sim", default="configs/sim.py:smoke")
    ap.add_argument("--s1")
    ap.add_argument("--rcm")
    ap.add_argument("--amsr2-89")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    from seaice_jax.sim import simulate

    preds = _predictors(args)
    runs, floors = [], None
    fusion_cfg = config.get("configs/fusion.py")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(s) for s in args.seeds.split(",")]:
            cfg = config.get(args.sim, [f"seed={seed}"])
            simulate(cfg, Path(tmp) / f"case{seed}")
            for day in _days(Path(tmp) / f"case{seed}"):
                out = Path(tmp) / f"prod{seed}_{day.name}"
                if floors is None:
                    cal = case.calibrate(day, out / "calibration", preds, None, fusion_cfg)
                    floors = cal["floors"]
                    fusion_cfg.sigma_scale = cal["fused_sigma_scale"]
                    fusion_cfg.kappa, fusion_cfg.beta = cal["kappa"], cal["beta"]
                prods = case.make_products(day, out, preds, fusion_cfg=fusion_cfg, floors=floors)
                res = case.score_products(day, prods)
                res["seed"], res["date"] = seed, day.name
                runs.append(res)
                print(
                    seed,
                    day.name,
                    {p: round(m["mae"], 2) for p, m in res["vs_truth"].items()},
                    flush=True,
                )
    result = {
        "floors": floors,
        "fused_sigma_scale": float(fusion_cfg.sigma_scale),
        "kappa_beta": [float(fusion_cfg.kappa), float(fusion_cfg.beta)],
        "aggregate": _aggregate(runs),
        "runs": runs,
        "command": " ".join(
            ["python scripts/products_skill.py", f"--seeds {args.seeds}", f"--sim {args.sim}"]
        ),
    }
    write_text(args.out, json.dumps(result, indent=1, default=float) + "\n")
    print(json.dumps(result["aggregate"], indent=1))


if __name__ == "__main__":
    main()
