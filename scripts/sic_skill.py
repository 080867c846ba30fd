"""Skill of trained SIC models on held-out simulated scenes, against truth and NT bilinear.

For every date of every held-out case (other seeds; the last, drifted date), the model's SIC at
200 m (S1/RCM) or 3.125 km (AMSR2) is compared with the simulator's truth on the same grid, and
so is NT (25 km) brought to that grid bilinearly. Reported: MAE and R² (SIC in %) over all valid
ocean pixels, inside the MIZ (truth 15-80 %), and in 3-pixel bands along leads (narrow open water
inside pack ice: truth < 50 % where the 15 x 15 px mean is > 70 %; the band is the lead dilated by
3 px), which is where small-feature preservation shows.

Usage:
  PYTHONPATH=. python scripts/sic_skill.py --workdir out/sic_s1 --cases /tmp/sim_s1 /tmp/sim_s2 \
      --out skill_s1.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.ndimage import binary_dilation, uniform_filter

FILES = {
    "s1": ("s1_200m.nc", "truth_200m.nc"),
    "rcm": ("rcm_200m.nc", "truth_200m.nc"),
    "amsr2": ("amsr2_3125m.nc", "truth_3125m.nc"),
}


def predict_scene(pred, ds) -> np.ndarray:
    """Whole-scene SIC (%) from non-overlapping tiles (edge tiles shifted inside the scene)."""
    x = pred.normalise(ds)
    h, w, _ = x.shape
    t = min(pred.tile_size, h, w)
    out = np.zeros((h, w), np.float32)
    rows = sorted({*range(0, h - t + 1, t), h - t})
    cols = sorted({*range(0, w - t + 1, t), w - t})
    for r in rows:
        batch = np.stack([x[r : r + t, c : c + t] for c in cols])
        p = pred.predict(batch)
        for i, c in enumerate(cols):
            out[r : r + t, c : c + t] = p[i]
    return out


def scores(est: np.ndarray, truth: np.ndarray, sel: np.ndarray) -> dict:
    e, t = est[sel], truth[sel]
    if e.size == 0:
        return {"mae": None, "r2": None, "n": 0}
    ss = np.sum((t - t.mean()) ** 2)
    return {
        "mae": float(np.mean(np.abs(e - t))),
        "r2": float(1 - np.sum((e - t) ** 2) / ss) if ss > 0 else None,
        "n": int(e.size),
    }


def regions(truth: np.ndarray, ok: np.ndarray) -> dict[str, np.ndarray]:
    miz = ok & (truth >= 15) & (truth <= 80)
    leads = ok & (truth < 50) & (uniform_filter(np.nan_to_num(truth), 15) > 70)
    band = ok & binary_dilation(leads, iterations=3)
    return {"all": ok, "miz": miz, "lead_band_3px": band}


def evaluate(workdir: Path, cases: list[Path]) -> dict:
    from seaice_jax.geo import regrid
    from seaice_jax.geo.grids import Grid
    from seaice_jax.io import open_dataset
    from seaice_jax.train import load_predictor

    pred = load_predictor(workdir)
    inp_name, truth_name = FILES[pred.model_kind]
    acc: dict[str, dict[str, list]] = {}
    for case in cases:
        for day in sorted(p for p in (case / "sic").iterdir() if p.is_dir()):
            ds = open_dataset(day / inp_name)
            grid = Grid.from_dataset(ds)
            truth = np.asarray(
                regrid(open_dataset(day / truth_name)["sic"], grid, "average").values
            )
            nt = np.asarray(
                regrid(open_dataset(day / "nt_25km.nc")["sic"], grid, "bilinear").values
            )
            est = predict_scene(pred, ds)
            ok = np.isfinite(truth) & np.isfinite(nt)
            if "valid" in ds:
                ok &= ds["valid"].values > 0
            for region, sel in regions(truth, ok).items():
                for name, field in (("model", est), ("nt_bilinear", nt)):
                    acc.setdefault(region, {}).setdefault(name, []).append((field[sel], truth[sel]))
    out = {}
    for region, by in acc.items():
        out[region] = {}
        for name, pairs in by.items():
            e = np.concatenate([p[0] for p in pairs])
            t = np.concatenate([p[1] for p in pairs])
            out[region][name] = scores(e, t, np.ones(e.shape, bool))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", required=True, type=Path)
    ap.add_argument("--cases", required=True, nargs="+", type=Path)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    res = evaluate(a.workdir, a.cases)
    text = json.dumps(res, indent=1)
    print(text)
    if a.out:
        a.out.write_text(text)


if __name__ == "__main__":
    main()
