"""``seaice-jax prepare --model s1|rcm|amsr2 --out DIR SOURCE...``: scenes -> tile arrays."""

from __future__ import annotations

import argparse

from seaice_jax.config import get


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "prepare",
        help="prepare simulated cases / AI4Arctic scenes for SIC training",
        description="Turn simulated case folders and AI4Arctic .nc scenes into memory-mappable "
        "per-scene arrays (inputs, quantised NT target, chart weights, masks) + index.json. "
        "Settings come from a SIC training config (data.*).",
    )
    p.add_argument("sources", nargs="+", help="simulated case folders or AI4Arctic .nc files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--config", default="configs/sic_s1.py", help="SIC config for data.* settings")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.data.prepare import prepare_from_config  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    path = prepare_from_config(cfg, args.sources, args.out)
    print(path)
    return 0
