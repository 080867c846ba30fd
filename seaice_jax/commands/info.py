"""``seaice-jax info PATH [--json]``: what a file holds, as the readers see it (docs/io.md).

The object printed with ``--json`` is documented in :mod:`seaice_jax.io.describe`.
"""

from __future__ import annotations

import argparse
import json


def run(args: argparse.Namespace) -> int:
    from seaice_jax.io import describe  # lazy: see seaice_jax.commands

    d = describe.describe_file(args.path)
    print(json.dumps(d) if args.json else describe.format_description(args.path, d))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "info",
        help="describe any supported file or product folder",
        description="Open PATH with the readers (format detected from content) and describe it.",
    )
    p.add_argument("path", help="file or product folder (.SAFE, RCM, GLIA features folder, ...)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (its keys: docs/io.md, seaice-jax info)",
    )
    p.set_defaults(func=run)
