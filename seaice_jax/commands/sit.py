"""``seaice-jax sit {segment,fit,refit,predict,evaluate}``: the Baltic SIT chain (DESIGN 1.B).

The steps are library functions (:mod:`seaice_jax.sit.chain`, and the season study
:mod:`seaice_jax.experiments.sit_seasons`); each handler parses, calls one of them, prints.
"""

from __future__ import annotations

import argparse
import json
import logging

from seaice_jax.config import get

DEFAULT_CONFIG = "configs/sit_baltic.py"
log = logging.getLogger(__name__)


def _note(m: str) -> None:
    log.info("sit: %s", m)


def cmd_segment(args) -> int:
    from seaice_jax.sit.chain import segment_file  # lazy: see seaice_jax.commands

    info = segment_file(args.input, args.out, get(args.config, args.config_overrides), _note)
    print(json.dumps(info))
    return 0


def cmd_fit(args) -> int:
    from seaice_jax.sit.chain import fit_seasons  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    m = fit_seasons(
        args.season, args.out, cfg, selection=args.selection, no_sar=args.no_sar, note=_note
    )
    print(json.dumps({"terms": m.terms, "n_points": m.n_points, "residual_rms": m.residual_rms}))
    return 0


def cmd_refit(args) -> int:
    from seaice_jax.sit.chain import refit_season  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    m = refit_season(args.coef, args.season, args.out, cfg, _note)
    summary = {
        "n_points": m.n_points,
        "training_period": m.training_period,
        "residual_rms": m.residual_rms,
    }
    print(json.dumps(summary))
    return 0


def cmd_predict(args) -> int:
    from seaice_jax.sit.chain import predict_season  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    res = predict_season(
        args.season, args.coef, args.out, cfg, baseline_coef=args.baseline_coef, note=_note
    )
    print(json.dumps(res))
    return 0


def cmd_evaluate(args) -> int:
    from seaice_jax.experiments.sit_seasons import run  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    r = run(args.train, args.test, args.out, cfg, refit_dir=args.refit_season)
    print(json.dumps(r["sit"]))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
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
