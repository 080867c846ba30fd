"""``seaice-jax demo``: the whole system end to end (``make demo``); see
:mod:`seaice_jax.experiments.demo`."""

from __future__ import annotations

import argparse


def _cmd(args: argparse.Namespace) -> int:
    from seaice_jax.experiments.demo import run_demo  # lazy: see seaice_jax.commands

    run_demo(args.out, seed=args.seed, quick=args.quick)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="simulate, train, predict, fuse, mosaic, evaluate, SIT: everything, end to end",
        description="Runs the whole system on embedded defaults and writes products, figures and "
        "metrics.json under --out. Real sample files are used where SEAICE_JAX_DATA points at them.",
    )
    p.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated case")
    p.add_argument("--quick", action="store_true", help="small sizes (under 2 minutes; for tests)")
    p.set_defaults(func=_cmd)
