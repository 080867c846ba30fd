"""``seaice-jax fuse``: fuse S1, RCM, AMSR2-89 and NASA Team SIC products on one grid."""

from __future__ import annotations

import argparse
import logging

from seaice_jax.config import get

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fuse",
        help="fuse SIC products by uncertainty and resolution",
        description="Inverse-variance fusion of the S1, RCM, AMSR2-89 and NT SIC products (any "
        "subset) on one grid, with the 18.7/89 GHz weather mask on the PM products. Writes sic, "
        "sic_uncertainty and dominant (0 s1, 1 rcm, 2 amsr2_89, 3 nt, -1 none).",
    )
    p.add_argument(
        "--config", default="configs/fusion.py", help="fusion config [configs/fusion.py]"
    )
    for name in ("s1", "rcm", "amsr2-89", "nt"):
        p.add_argument(f"--{name}", help=f"{name} SIC product (sic [, sic_uncertainty])")
    p.add_argument("--tb", help="AMSR2 brightness temperatures for the weather mask (18.7, 89 GHz)")
    p.add_argument(
        "--calibration",
        help="fusion calibration file (kappa, beta, sigma_scale) to apply to the config",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--grid", help="named output grid (e.g. arctic3413_200m)")
    g.add_argument("--like", help="use the grid of this file (default: the finest product's)")
    p.add_argument("--out", required=True, help="output CF-netCDF")
    p.add_argument("--tif", help="also write a Cloud-Optimised GeoTIFF")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.fusion import fuse_files  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    paths = {k: getattr(args, k) for k in ("s1", "rcm", "amsr2_89", "nt")}
    notes = fuse_files(
        {k: v for k, v in paths.items() if v},
        args.out,
        cfg,
        grid_name=args.grid,
        like=args.like,
        tb=args.tb,
        tif=args.tif,
        calibration=args.calibration,
    )
    for m in notes:
        log.info("%s", m)
    print(args.out)
    return 0
