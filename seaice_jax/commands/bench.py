"""``seaice-jax bench``: side-by-side performance measurements (DESIGN section 6); the
harness is :mod:`seaice_jax.experiments.bench`, the benchmarks are ``benchmarks/*.py``."""

from __future__ import annotations

import argparse
import json


def _cmd(args: argparse.Namespace) -> int:
    from seaice_jax.experiments.bench import run_bench  # lazy: see seaice_jax.commands

    only = args.only.split(",") if args.only else None
    result = run_bench(args.out, markdown=args.markdown, only=only, quick=args.quick)
    print(json.dumps(result, indent=2))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench", help="side-by-side performance benchmarks -> JSON (+ BENCHMARKS.md)"
    )
    p.add_argument("--out", required=True, help="output JSON file")
    p.add_argument(
        "--markdown", default=None, help="also write this Markdown table (BENCHMARKS.md)"
    )
    p.add_argument("--only", default=None, help="comma-separated benchmark module names")
    p.add_argument("--quick", action="store_true", help="small sizes (seconds), for tests")
    p.set_defaults(func=_cmd)
