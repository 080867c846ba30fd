"""``seaice-jax sit {segment,fit,refit,predict,evaluate}``: the Baltic SIT chain (DESIGN 1.B)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from seaice_jax.errors import SeaIceError

DEFAULT_CONFIG = "configs/sit_baltic.py"


def _cfg(args):
    from seaice_jax.config import get

    cfg = get(args.config, args.config_overrides)
    _check_cfg(cfg)
    return cfg


# (section.key, smallest allowed value): sizes and counts that must be positive.
_MINIMA = (
    ("icm.k", 2),
    ("icm.max_iter", 0),
    ("icm.min_segment_px", 0),
    ("texture.window", 3),
    ("texture.levels", 2),
)


def _check_cfg(cfg) -> None:
    """A negative window or class count is a config mistake: one line naming the key."""
    for key, lo in _MINIMA:
        sec, name = key.split(".")
        if sec in cfg and name in cfg[sec] and cfg[sec][name] < lo:
            raise SeaIceError(f"config key '{key}': must be >= {lo}, got {cfg[sec][name]}")
    if "texture" in cfg and "window" in cfg.texture and cfg.texture.window % 2 == 0:
        raise SeaIceError(f"config key 'texture.window': must be odd, got {cfg.texture.window}")
    if cfg.get("chart_range", "level") not in ("level", "deformed"):
        raise SeaIceError(
            f"config key 'chart_range': 'level' or 'deformed', got {cfg.chart_range!r}"
        )
    sel = cfg.get("fit", {}).get("selection", "correlation")
    if sel not in ("all", "correlation", "lasso"):
        raise SeaIceError(f"config key 'fit.selection': all, correlation or lasso, got {sel!r}")


def _note(msgs) -> None:
    for m in msgs:
        print(f"seaice-jax sit: note: {m}", file=sys.stderr)


def _open_sar(path: Path):
    """Open a SAR scene; a GLIA sample root opens its ``features/<scene>`` folder."""
    from seaice_jax.sit.season import open_raster

    feats = sorted(p for p in (path / "features").glob("*") if p.is_dir()) if path.is_dir() else []
    return open_raster(feats[0] if feats else path)


def cmd_segment(args) -> int:
    from seaice_jax.io.writers import write_netcdf
    from seaice_jax.sit.pipeline import prepare_sar, segment

    cfg = _cfg(args)
    ds = _open_sar(Path(args.input))
    sigma0, valid = prepare_sar(ds, cfg.incidence)
    labels, segs, info = segment(sigma0, valid, cfg.icm)
    if not valid.any():
        _note(
            [
                f"{args.input}: no valid sea pixels (all land or masked): labels and segments are all 0"
            ]
        )
    out = ds.drop_vars(list(ds.data_vars))  # coordinates and CRS of the input
    out["labels"] = (
        ("y", "x"),
        labels.astype(np.int16),
        {"long_name": "ICM class (1..K, 0 masked)"},
    )
    out["segments"] = (("y", "x"), segs, {"long_name": "connected segment id (0 masked)"})
    out.attrs.update(
        icm_iterations=info["iterations"], icm_energy=info["energy"], n_segments=info["n_segments"]
    )
    write_netcdf(out, args.out)
    print(json.dumps({k: v for k, v in info.items() if k != "notes"}))
    return 0


def _seasons(dirs, cfg):
    from seaice_jax.sit.season import load_season

    out = []
    for d in dirs:
        s = load_season(d, cfg)
        _note(s.notes)
        out.append(s)
    return out


def cmd_fit(args) -> int:
    from seaice_jax.sit.regression import fit

    cfg = _cfg(args)
    ss = _seasons(args.season, cfg)
    feats = {k: np.concatenate([s.feats[k] for s in ss]) for k in ss[0].feats}
    y = np.concatenate([s.points["thickness"] for s in ss])
    period = sorted(p for s in ss for p in s.period)
    sel = "none" if args.no_sar else (args.selection or cfg.fit.selection)
    m = fit(feats, y, [period[0], period[-1]], sel, cfg.fit.min_abs_r)
    m.save(args.out)
    print(json.dumps({"terms": m.terms, "n_points": m.n_points, "residual_rms": m.residual_rms}))
    return 0


def cmd_refit(args) -> int:
    from seaice_jax.sit.regression import SITModel, refit

    cfg = _cfg(args)
    old = SITModel.load(args.coef)
    (s,) = _seasons([args.season], cfg)
    m = refit(old, s.feats, s.points["thickness"], s.period)
    m.save(args.out)
    print(
        json.dumps(
            {
                "n_points": m.n_points,
                "training_period": m.training_period,
                "residual_rms": m.residual_rms,
            }
        )
    )
    return 0


def cmd_predict(args) -> int:
    from seaice_jax.sit.experiment import baseline_map, write_product
    from seaice_jax.sit.pipeline import estimate
    from seaice_jax.sit.regression import SITModel

    cfg = _cfg(args)
    model = SITModel.load(args.coef)
    (s,) = _seasons([args.season], cfg)
    raw, est = estimate(s.products, model, cfg.normalise, cfg.chart_range)
    base = SITModel.load(args.baseline_coef) if args.baseline_coef else None
    blm = baseline_map(s, base) if base else np.full(raw.shape, np.nan, np.float32)
    write_product(
        s, {"estimate": est, "estimate_unnormalised": raw, "ic_hightsi_linear": blm}, Path(args.out)
    )
    print(
        json.dumps(
            {
                "n_segments": int(s.products.segments.max()),
                "sit_mean_m": float(np.nanmean(est)) if np.isfinite(est).any() else None,
            }
        )
    )
    return 0


def cmd_evaluate(args) -> int:
    from seaice_jax.sit.experiment import run

    cfg = _cfg(args)
    r = run(args.train, args.test, args.out, cfg, refit_dir=args.refit_season)
    print(json.dumps(r["sit"]))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sit", help="Baltic sea-ice thickness from SAR (segment, fit, predict, evaluate)"
    )
    sub = p.add_subparsers(dest="sit_command", metavar="STEP")
    sub.required = True

    def add(name, func, help_):
        q = sub.add_parser(name, help=help_)
        q.add_argument(
            "--config", default=DEFAULT_CONFIG, help="config file[:arg] (default %(default)s)"
        )
        q.set_defaults(func=func)
        return q

    q = add("segment", cmd_segment, "ICM segmentation of a SAR image -> labels, segments")
    q.add_argument("--input", required=True, help="SAR scene (any format the readers open)")
    q.add_argument("--out", required=True, help="output netCDF")
    q = add("fit", cmd_fit, "fit the regression on season folders' measurements")
    q.add_argument("--season", required=True, action="append", help="season folder (repeatable)")
    q.add_argument("--out", required=True, help="coefficients JSON")
    q.add_argument("--selection", choices=["all", "correlation", "lasso"], help="feature selection")
    q.add_argument(
        "--no-sar", action="store_true", help="the chart + HIGHTSI baseline (no SAR terms)"
    )
    q = add("refit", cmd_refit, "add a season's new measurements to fitted coefficients")
    q.add_argument("--coef", required=True, help="existing coefficients JSON")
    q.add_argument("--season", required=True, help="season folder with the new measurements")
    q.add_argument("--out", required=True, help="new coefficients JSON")
    q = add("predict", cmd_predict, "SIT map of a season folder's scene")
    q.add_argument(
        "--season", required=True, help="folder with sar.nc, hightsi.nc, chart.shp|chart.nc"
    )
    q.add_argument("--coef", required=True, help="coefficients JSON (sit fit)")
    q.add_argument("--baseline-coef", help="no-SAR coefficients JSON (sit fit --no-sar), optional")
    q.add_argument("--out", required=True, help="output netCDF")
    q = add("evaluate", cmd_evaluate, "train on one season, test on another: Table 1, figures")
    q.add_argument("--train", required=True, help="training season folder")
    q.add_argument("--test", required=True, help="test season folder")
    q.add_argument("--refit-season", help="another season's measurements to add before testing")
    q.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=lambda a: p.print_help() or 2)


__all__ = ["register", "argparse"]
