"""``seaice-jax simulate``: one simulated case with known truth (see docs/sim.md).

Also ``--refit-calibration DATA_DIR``: recompute the calibration constants from the real files
(GLIA Sentinel-1 scene, RRDP points) and store them (``--calibration-out``, default the packaged
``seaice_jax/sim/calibration.json``).
"""

from __future__ import annotations

import argparse
import json

from seaice_jax.config import get
from seaice_jax.errors import SeaIceError


def run(args: argparse.Namespace) -> int:
    from seaice_jax import sim  # lazy: see seaice_jax.commands

    if args.refit_calibration:
        cal = sim.calibration.refit(args.refit_calibration, args.calibration_out)
        print(
            json.dumps(
                {
                    "sar_nesz_db": cal["sar"]["sensor"]["nesz_db"],
                    "sar_enl": cal["sar"]["enl"],
                    "pm_points": {"ice": cal["pm"]["ice"]["n"], "water": cal["pm"]["water"]["n"]},
                }
            )
        )
        return 0
    if not args.config or not args.out:
        raise SeaIceError("simulate: needs --config and --out (or --refit-calibration DATA_DIR)")
    cfg = get(args.config, args.config_overrides)
    sim.enable_compilation_cache()
    info = sim.simulate(cfg, args.out, progress=not args.quiet)
    print(
        json.dumps({"out": str(args.out), "dates": info["dates"], "runtime_s": info["runtime_s"]})
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate a case with known truth (SAR, AMSR2, NT, charts, Baltic SIT)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", help="configs/sim.py[:smoke], plus --config.KEY=VALUE overrides")
    p.add_argument("--out", help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--refit-calibration",
        metavar="DATA_DIR",
        help="refit the calibration constants from the real files",
    )
    p.add_argument(
        "--calibration-out", metavar="FILE.json", help="where to store the refitted constants"
    )
    p.set_defaults(func=run)
