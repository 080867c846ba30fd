"""``seaice-jax demo``: the whole system end to end (``make demo``); see :mod:`seaice_jax.demo`."""

from __future__ import annotations


def _cmd(args) -> int:
    from seaice_jax.demo import run_demo

    run_demo(args.out, seed=args.seed, quick=args.quick)
    return 0


def register(sub) -> None:
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
