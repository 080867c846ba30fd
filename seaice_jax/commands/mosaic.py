"""``seaice-jax mosaic``: daily mosaic of SIC scenes on a (pan-Arctic) grid, block by block."""

from __future__ import annotations

import argparse
import logging
import os

from seaice_jax.config import get

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mosaic",
        help="mosaic SIC scenes onto a grid (uncertainty-weighted, tiled, multi-process)",
        description="Mosaic SIC products (sic [, sic_uncertainty]) onto a grid block by block; "
        "bad scenes are listed in OUT.failures.json and skipped. With --num-processes N, run one "
        "command per process (same arguments, --process-id 0..N-1); process 0 writes.",
    )
    p.add_argument("scenes", nargs="+", help="scene files, or folders of .nc files")
    p.add_argument("--out", required=True, help="output CF-netCDF")
    p.add_argument("--grid", default="arctic3413_200m", help="named grid [arctic3413_200m]")
    p.add_argument("--like", help="use the grid of this file instead of --grid")
    p.add_argument(
        "--config",
        default="configs/fusion.py",
        help="fusion config: the weighting rule and mosaic.* settings [configs/fusion.py]",
    )
    p.add_argument(
        "--calibration",
        help="fusion calibration file (fusion_calibration.json): its kappa and beta weigh the "
        "scenes unless --config.mosaic.use_calibration=False",
    )
    p.add_argument("--block", type=int, default=2048, help="block edge in pixels [2048]")
    p.add_argument(
        "--full-grid", action="store_true", help="do not crop to the scenes' bounding box"
    )
    p.add_argument("--tif", help="also write a Cloud-Optimised GeoTIFF")
    p.add_argument("--png", help="also write a quick-look PNG")
    p.add_argument(
        "--num-processes",
        type=int,
        default=1,
        help="JAX processes [1; or from SEAICE_JAX_*/SLURM/TPU environment]",
    )
    p.add_argument("--process-id", type=int, default=0, help="this process's index")
    p.add_argument("--coordinator", default="127.0.0.1:12355", help="coordinator HOST:PORT")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.num_processes > 1:
        # DESIGN section 7 via seaice_jax.distributed (gloo CPU collectives on loopback).
        os.environ.update(
            SEAICE_JAX_COORDINATOR=args.coordinator,
            SEAICE_JAX_NUM_PROCESSES=str(args.num_processes),
            SEAICE_JAX_PROCESS_ID=str(args.process_id),
        )
    from seaice_jax.mosaic import mosaic_files  # lazy: see seaice_jax.commands

    res = mosaic_files(
        args.scenes,
        args.out,
        get(args.config, args.config_overrides),
        grid_name=args.grid,
        like=args.like,
        calibration=args.calibration,
        block=args.block,
        crop=not args.full_grid,
        tif=args.tif,
        png=args.png,
        warn=lambda m: log.warning("skipped: %s", m),
    )
    if res["process_index"] == 0:
        print(f"{args.out}: {res['used']}/{res['scenes']} scenes, {res['blocks']} blocks")
    return 0
