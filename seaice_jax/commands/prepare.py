"""``seaice-jax prepare SOURCES... --out DIR --config sic_<m>.py``: products/scenes -> tile arrays."""

from __future__ import annotations

import argparse

from seaice_jax.config import get


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "prepare",
        help="prepare products, simulated cases or AI4Arctic scenes for SIC training",
        description="Turn product folders (Sentinel-1 .SAFE, RCM, AMSR2 L1R with NT grids and "
        "SIGRID-3 charts, as downloaded or as a simulated case's products/), simulated case "
        "folders and AI4Arctic .nc scenes, in any mix, into memory-mappable per-scene arrays "
        "(inputs on EPSG:3413, quantised NT target, chart weights, masks) + index.json. Products "
        "are collocated first (AMSR2 and NT of the date, the chart valid at the time); what is "
        "skipped is printed with the reason and recorded in DIR/collocation.json. Settings come "
        "from a SIC training config (data.*).",
    )
    p.add_argument("sources", nargs="+", help="product folders/files, case folders, .nc scenes")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--config", default="configs/sic_s1.py", help="SIC config for data.* settings")
    p.add_argument("--workers", type=int, default=1, help="local worker processes [1]")
    p.add_argument("--scheduler", help="address of a running dask scheduler (tcp://host:port)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.data.training import prepare_from_config  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    done = prepare_from_config(
        cfg, args.sources, args.out, scheduler=args.scheduler, workers=args.workers
    )
    print(done)
    return 0
