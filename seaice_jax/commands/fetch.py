"""``seaice-jax fetch NAME [--date YYYY-MM-DD] | --list``: get catalogue data (io/catalog.py).

Samples resolve from ``SEAICE_JAX_DATA``, then the cache, then download with checksum checks; the
command prints the local path of every file.
"""

from __future__ import annotations

import argparse

from seaice_jax.errors import SeaIceError


def _list(catalog) -> None:
    """The catalogue (module ``seaice_jax.io.catalog``) as a table."""
    print(f"{'name':<26} {'kind':<8} {'size':>9}  description")
    for e in catalog.SAMPLES + catalog.PRODUCTS:
        kind = "sample" if e.files else ("account" if e.needs_account else "product")
        size = f"{sum(f.size for f in e.files) / 1e6:.1f} MB" if e.files else "-"
        print(f"{e.name:<26} {kind:<8} {size:>9}  {e.description}")


def run(args: argparse.Namespace) -> int:
    from seaice_jax.io import catalog  # lazy: see seaice_jax.commands

    if args.list:
        _list(catalog)
        return 0
    if not args.name:
        raise SeaIceError("fetch: give a NAME or --list")
    for path in catalog.fetch(args.name, date=args.date, download=not args.offline):
        print(path)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fetch",
        help="get a sample file set or public product from the data catalogue",
        description="Resolve NAME from SEAICE_JAX_DATA, the cache, or download it (sha256 checked).",
    )
    p.add_argument("name", nargs="?", help="catalogue name (see --list)")
    p.add_argument("--list", action="store_true", help="list the catalogue")
    p.add_argument("--date", help="YYYY-MM-DD for products served by date (osisaf_sic_nh, ...)")
    p.add_argument("--offline", action="store_true", help="never download; fail if not local")
    p.set_defaults(func=run)
