"""``seaice-jax evaluate``: skill of a SIC map against a reference (DESIGN section 4)."""

from __future__ import annotations

import argparse
import json
import logging

KEYS = ("r2", "rmse", "mae", "bias", "corr", "n")
log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="metrics of a SIC map against a reference",
        description="Regrid the prediction onto the reference grid by area averaging (any CRS "
        "pair), mask land/missing and print r2, rmse, mae, bias, corr, n (SIC %), overall and "
        "per chart class (open water, MIZ, ice). Warns when the two are valid on different days "
        "or barely overlap.",
    )
    p.add_argument("--pred", required=True, help="predicted SIC file")
    p.add_argument("--ref", required=True, help="reference SIC file (e.g. OSI SAF)")
    p.add_argument("--pred-var", help="variable in --pred [sic]")
    p.add_argument("--ref-var", help="variable in --ref [sic, or the sea_ice_area_fraction one]")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", help="write a scatter/density plot (PNG) here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.evaluate import compare, figures  # lazy: see seaice_jax.commands

    res = compare.compare_files(args.pred, args.ref, args.pred_var, args.ref_var)
    for w in res["warnings"]:
        log.warning("evaluate: %s", w)
    if args.plot:
        figures.scatter_files(args.pred, args.ref, args.plot, args.pred_var, args.ref_var)
    if args.json:
        print(json.dumps(_clean(res)))
        return 0
    print(f"{'':12s}" + "".join(f"{k:>9s}" for k in KEYS))
    rows = [("overall", res)] + list(res["per_class"].items())
    for name, m in rows:
        print(f"{name:12s}" + "".join(f"{m[k]:9.3f}" if k != "n" else f"{m[k]:9d}" for k in KEYS))
    return 0


def _clean(obj):
    """NaN is not JSON: write null."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, float) and obj != obj:
        return None
    return obj
