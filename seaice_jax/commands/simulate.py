"""``seaice-jax simulate``: one simulated case with known truth (see docs/sim.md).

Also ``--refit-calibration DATA_DIR``: recompute the calibration constants from the real files
(GLIA Sentinel-1 scene, RRDP points) and store them (``--calibration-out``, default the packaged
``seaice_jax/sim/calibration.json``).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from seaice_jax.errors import SeaIceError


def enable_compilation_cache() -> None:
    """Persist XLA compilations between runs (the simulator's first run is mostly compiling)."""
    import jax

    if not jax.config.jax_compilation_cache_dir:
        default = (
            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "seaice_jax" / "jax"
        )
        jax.config.update(
            "jax_compilation_cache_dir", os.environ.get("SEAICE_JAX_JAX_CACHE", str(default))
        )
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.sim import calibration

    if args.refit_calibration:
        cal = calibration.refit(args.refit_calibration, args.calibration_out)
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
    from seaice_jax.config import get
    from seaice_jax.sim import simulate

    cfg = get(args.config, args.config_overrides)
    enable_compilation_cache()
    info = simulate(cfg, args.out, progress=not args.quiet)
    print(
        json.dumps({"out": str(args.out), "dates": info["dates"], "runtime_s": info["runtime_s"]})
    )
    return 0


def register(sub) -> None:
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
