"""The whole system end to end on embedded defaults (``make demo`` / ``seaice-jax demo``).

Steps, each a call into the library (the same functions the subcommands use):

1. simulate a case with known truth (``configs/sim.py``; ``:smoke`` with ``--quick``);
2. train the S1, RCM and AMSR2-89 SIC models on its training dates (``configs/sic_*.py:cpu``);
3. fit each model's uncertainty floors on the last training date; on the held-out date: predict, fuse, pan-sharpening baseline, NT bilinear; score every product
   against the 200 m truth and the OSI-SAF-like reference; mosaic the fused map onto EPSG:3413;
4. NASA Team on the real ESA CCI RRDP points (when ``SEAICE_JAX_DATA`` holds them);
5. the S1 model and ICM segmentation on the real GLIA Sentinel-1 scene;
6. the Baltic SIT chain: fit on season 1, evaluate on season 2;
7. write ``metrics.json`` (DESIGN section 4), figures and a summary table.

Real sample files are found through :mod:`seaice_jax.io.catalog` (``SEAICE_JAX_DATA``, the cache,
or a download); without them steps 4-5 are skipped with a note and the rest still runs.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from seaice_jax import fusion, infer
from seaice_jax.atomic import write_text
from seaice_jax.config import get as get_config
from seaice_jax.errors import SeaIceError
from seaice_jax.evaluate.figures import table1 as make_table1
from seaice_jax.experiments import case
from seaice_jax.experiments.nt_rrdp import demo_metrics
from seaice_jax.experiments.sit_seasons import run as run_sit_seasons
from seaice_jax.geo import named_grid
from seaice_jax.io import catalog, open_dataset
from seaice_jax.io.writers import write_cog, write_netcdf
from seaice_jax.mosaic import build_mosaic, mosaic_config
from seaice_jax.plotting import SIC_LABEL, categorical, figure, save_png, sic_cmap
from seaice_jax.predictor import load_predictor
from seaice_jax.sim import simulate
from seaice_jax.sit.chain import segment_dataset
from seaice_jax.train.loop import train

log = logging.getLogger(__name__)

SIC_MODELS = ("s1", "rcm", "amsr2")
PRODUCT_OF = {"s1": "s1", "rcm": "rcm", "amsr2": "amsr2_89"}


def _log(msg: str) -> None:
    log.info("demo: %s", msg)


def _sample(name: str) -> list[Path] | None:
    """Files of catalogue entry ``name`` (data folder, cache or download); None if unavailable."""
    try:
        return catalog.fetch(name)
    except SeaIceError as e:
        _log(f"sample '{name}' unavailable ({e}); skipping the steps that need it")
        return None


def simulate_case(out: Path, seed: int, quick: bool) -> Path:
    cfg = get_config("configs/sim.py" + (":smoke" if quick else ""))
    cfg.seed = seed
    sim_dir = out / "sim"
    simulate(cfg, sim_dir)
    return sim_dir


def train_models(out: Path, sim_dir: Path, seed: int, quick: bool) -> dict[str, Path]:
    workdirs = {}
    for kind in SIC_MODELS:
        cfg = get_config(f"configs/sic_{kind}.py:{'smoke' if quick else 'cpu'}")
        cfg.data.sim_config = ""
        cfg.data.sources = (str(sim_dir),)
        cfg.seed = seed
        _log(f"training the {kind} model ({cfg.model.variant}, {cfg.total_steps} steps)")
        workdirs[kind] = out / "train" / kind
        train(cfg, workdirs[kind])
    return workdirs


def held_out_day(sim_dir: Path) -> Path:
    case = json.loads((sim_dir / "case.json").read_text())
    return sim_dir / "sic" / case["dates"][-1]


def products_and_scores(out: Path, day: Path, workdirs: dict[str, Path]) -> dict:
    predictors = {PRODUCT_OF[k]: load_predictor(w) for k, w in workdirs.items()}
    # Uncertainty floors from the last training date (never the evaluated one), stored with
    # each model so that `seaice-jax predict` uses them too.
    dates = json.loads((day.parent.parent / "case.json").read_text())["dates"]
    fit_day = day.parent / dates[-2] if len(dates) > 1 else day
    if fit_day == day:
        _log("only one simulated date: uncertainty floors fitted on the evaluated date")
    fusion_cfg = get_config("configs/fusion.py")
    cal = case.calibrate(
        fit_day,
        out / "calibration",
        predictors,
        {PRODUCT_OF[k]: w for k, w in workdirs.items()},
        fusion_cfg,
    )
    fusion_cfg = fusion.apply_calibration(fusion_cfg, fusion.load_calibration(cal["file"]))
    prods = case.make_products(
        day, out / "products", predictors, fusion_cfg=fusion_cfg, floors=cal["floors"]
    )
    scores = case.score_products(day, prods)
    scores["uncertainty_floors"] = {
        "fitted_on": fit_day.name,
        **{k: [round(v, 2) for v in f] for k, f in cal["floors"].items()},
    }
    scores["fused_sigma_scale"] = round(cal["fused_sigma_scale"], 3)
    scores["fusion_kappa_beta"] = [cal["kappa"], cal["beta"]]
    case.day_figures(day, prods, out / "figures")
    return {"products": prods, "scores": scores}


def mosaic_fused(out: Path) -> dict:
    """The fused map on the pan-Arctic 200 m grid, weighted with the calibrated fusion rule."""
    cal = fusion.load_calibration(out / "calibration" / fusion.CALIBRATION_FILE)
    return build_mosaic(
        [out / "products" / "fused.nc"],
        named_grid("arctic3413_200m"),
        out / "mosaic" / "mosaic_fused.nc",
        mosaic_config(get_config("configs/fusion.py"), cal),
        tif=out / "mosaic" / "mosaic_fused.tif",
        png=out / "mosaic" / "mosaic_fused.png",
        warn=lambda m: _log(f"mosaic: {m}"),
    )


def training_curves(out: Path, workdirs: dict[str, Path]) -> Path:
    """Train loss and validation L1 of each model against step, from ``metrics.jsonl``."""
    fig = figure(figsize=(11, 4))
    axes = fig.subplots(1, 2)
    for kind, w in workdirs.items():
        rows = [json.loads(line) for line in (w / "metrics.jsonl").read_text().splitlines() if line]
        tr = [(r["step"], r["train_loss"]) for r in rows if "train_loss" in r]
        va = [(r["step"], r["val_l1"]) for r in rows if "val_l1" in r]
        if tr:
            axes[0].plot(*zip(*tr, strict=True), label=kind)
        if va:
            axes[1].plot(*zip(*va, strict=True), marker="o", label=kind)
    for ax, title in zip(axes, ("weighted L1 (training)", "L1 (validation dates)"), strict=True):
        ax.set_xlabel("step")
        ax.set_title(title)
        ax.set_yscale("log")
        ax.legend()
    fig.tight_layout()
    return save_png(fig, out / "figures" / "training_curves.png", dpi=110)


def write_cogs(out: Path, names=("fused", "s1", "rcm", "amsr2_89")) -> list[Path]:
    """Cloud-Optimised GeoTIFFs of the day's products (SIC and uncertainty bands)."""
    written = []
    for name in names:
        nc = out / "products" / f"{name}.nc"
        if nc.exists():
            ds = open_dataset(nc)
            bands = [v for v in ("sic", "sic_uncertainty") if v in ds]
            write_cog(ds, nc.with_suffix(".tif"), bands)
            written.append(nc.with_suffix(".tif"))
    return written


def table1(out: Path, workdirs: dict[str, Path]) -> None:
    make_table1(
        [w / "summary.json" for w in workdirs.values()],
        out / "figures" / "table1.md",
        out / "figures" / "table1.png",
    )


def glia_scene(out: Path, s1_workdir: Path | None) -> dict:
    """200 m SIC map (S1 model) and ICM segments of the real GLIA Sentinel-1 scene."""
    files = _sample("glia_s1_ew_belgica")
    if not files:
        return {}
    folder = next(p.parent for p in files if p.name == "Sigma0_HH_db.img")
    ds = open_dataset(folder)
    info: dict = {}
    if s1_workdir is not None:
        path = infer.predict_scene(load_predictor(s1_workdir), ds, out / "glia" / "glia_sic.nc")
        info["sic_product"] = str(path)
    seg_ds, seg_info = segment_dataset(ds, get_config("configs/sit_baltic.py"))
    write_netcdf(seg_ds, out / "glia" / "glia_segments.nc")
    _glia_figure(ds, out / "glia", seg_ds["labels"].values)
    info["segments"] = {k: v for k, v in seg_info.items() if k != "notes"}
    return info


def _glia_figure(ds, out_dir: Path, labels: np.ndarray) -> None:
    panels = [("HH", ds["hh"].values, "gray", (-25, 0), "sigma0 HH (dB)")]
    sic_path = out_dir / "glia_sic.nc"
    if sic_path.exists():
        sic = open_dataset(sic_path)["sic"].values
        panels.append(("S1 model SIC", sic, sic_cmap(), (0, 100), SIC_LABEL))
    fig = figure(figsize=(5 * (len(panels) + 1), 5.4), layout="constrained")
    axes = fig.subplots(1, len(panels) + 1)
    for ax, (title, img, cmap, (lo, hi), unit) in zip(axes, panels, strict=False):
        im = ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        fig.colorbar(im, ax=ax, location="bottom", shrink=0.8, label=unit)
        ax.set_title(title)
        ax.set_axis_off()
    classes = {int(k): f"class {int(k)}" for k in np.unique(labels[labels > 0])}
    categorical(axes[-1], np.where(labels > 0, labels, np.nan), classes)
    axes[-1].set_title("ICM classes")
    axes[-1].set_axis_off()
    fig.suptitle("Sentinel-1 EW, Belgica Bank, 2022-05-03 (real scene)")
    save_png(fig, out_dir / "glia.png", dpi=110)


def sit_scenario(out: Path, sim_dir: Path, quick: bool) -> dict:
    cfg = get_config("configs/sit_baltic.py" + (":smoke" if quick else ""))
    baltic = sim_dir / "baltic"
    return run_sit_seasons(baltic / "season1", baltic / "season2", out / "sit", cfg)


def _compact(scores: dict) -> dict:
    """The DESIGN section 4 shape: per product {r2, rmse, mae, bias, n} (+ per_class kept)."""
    return scores


def summary_table(metrics: dict) -> str:
    rows = [
        "",
        "SIC vs 200 m truth (held-out date)",
        f"{'product':22s} {'MAE %':>7s} {'RMSE %':>7s} {'R2':>6s}",
    ]
    for name, m in metrics.get("sic", {}).get("vs_truth", {}).items():
        rows.append(f"{name:22s} {m['mae']:7.2f} {m['rmse']:7.2f} {m['r2']:6.3f}")
    each = metrics.get("sic", {}).get("fused_vs_each", {})
    if each:
        rows += [
            "",
            "MAE % on each product's own footprint",
            f"{'product':22s} {'itself':>7s} {'fused':>7s}",
        ]
        for name, m in each.items():
            rows.append(f"{name:22s} {m['product_mae']:7.2f} {m['fused_mae']:7.2f}")
    sit = metrics.get("sit", {}).get("vs_measurements", {})
    if sit:
        rows += [
            "",
            "SIT vs icebreaker points (test season)",
            f"{'estimate':22s} {'L1D cm':>7s} {'bias cm':>7s} {'RMSD cm':>7s} {'R':>6s}",
        ]
        for name, m in sit.items():
            rows.append(
                f"{name:22s} {100 * m['l1d']:7.2f} {100 * m['bias']:7.2f} {100 * m['rmsd']:7.2f} {m['r']:6.3f}"
            )
    nt = metrics.get("nasateam_rrdp", {})
    if nt:
        rows += ["", "NASA Team on real RRDP points"]
        for k, v in nt.items():
            rows.append(f"{k:22s} mean {v['mean']:6.2f} %  std {v['std']:5.2f}  n {v['n']}")
    return "\n".join(rows)


def run_demo(out: str | os.PathLike, seed: int = 0, quick: bool = False) -> dict:
    """Run every step; write ``out/metrics.json``; return the metrics."""
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    metrics: dict = {}

    _log(f"1/6 simulating the case (seed {seed}{', quick' if quick else ''})")
    sim_dir = simulate_case(out, seed, quick)
    _log("2/6 training the SIC models")
    workdirs = train_models(out, sim_dir, seed, quick)
    table1(out, workdirs)
    training_curves(out, workdirs)
    _log("3/6 products of the held-out date: predict, fuse, baseline, evaluate, mosaic")
    day = held_out_day(sim_dir)
    res = products_and_scores(out, day, workdirs)
    metrics["sic"] = _compact(res["scores"])
    metrics["sic"]["held_out_date"] = day.name
    write_cogs(out)
    metrics["mosaic"] = mosaic_fused(out)
    _log("4/6 NASA Team on the real RRDP points")
    rrdp = _sample("esa_cci_sic_rrdp_amsr2")
    if rrdp:
        metrics["nasateam_rrdp"] = demo_metrics(str(rrdp[0].parent))
    _log("5/6 the real GLIA Sentinel-1 scene: 200 m SIC and ICM segments")
    metrics["glia"] = glia_scene(out, workdirs.get("s1"))
    _log("6/6 Baltic sea-ice thickness: fit season 1, evaluate season 2")
    sit = sit_scenario(out, sim_dir, quick)
    metrics["sit"] = sit["sit"]
    metrics["runtime_s"] = round(time.perf_counter() - t0, 1)
    write_text(out / "metrics.json", json.dumps(metrics, indent=2, default=float) + "\n")
    print(summary_table(metrics))
    _log(f"done in {metrics['runtime_s']:.0f} s: {out}/metrics.json, figures under {out}/")
    return metrics
