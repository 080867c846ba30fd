"""``seaice-jax train --config configs/sic_<model>.py[:arg] --workdir DIR``."""

from __future__ import annotations

import argparse
import json

from seaice_jax.config import get


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a SIC model (resumes from the latest checkpoint in --workdir)",
        description="Train a SIC model from a config; resumes from DIR/checkpoints. Writes "
        "DIR/metrics.jsonl, DIR/summary.json, TensorBoard events in DIR/tb.",
    )
    p.add_argument("--config", required=True, help="configs/sic_<model>.py[:smoke|cpu|paper]")
    p.add_argument("--workdir", required=True, help="output folder (checkpoints, metrics)")
    p.add_argument(
        "--stop-at", type=int, default=None, help="stop after this step (checkpointing there)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.train.loop import train  # lazy: see seaice_jax.commands

    cfg = get(args.config, args.config_overrides)
    summary = train(cfg, args.workdir, stop_at=args.stop_at)
    print(json.dumps(summary))
    return 0
