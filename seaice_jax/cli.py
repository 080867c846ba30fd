"""The ``seaice-jax`` command.

Thin by design: each subcommand lives in ``seaice_jax/commands/<name>.py`` with a
``register(subparsers)`` function that adds its parser and sets ``func``; this module discovers
them, parses the arguments (including ``--config.a.b=value`` overrides) and turns a
:class:`~seaice_jax.errors.SeaIceError` into a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from seaice_jax import commands
from seaice_jax.config import split_override_args
from seaice_jax.errors import SeaIceError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seaice-jax",
        description="Sea-ice concentration (SAR + passive microwave) and Baltic sea-ice thickness.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"seaice_jax.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        rest, overrides = split_override_args(argv)
        parser = build_parser()
        args = parser.parse_args(rest)
        args.config_overrides = overrides
        if overrides and not hasattr(args, "config"):
            raise SeaIceError(
                f"{args.command}: takes no --config, so --config.{overrides[0]} is unknown"
            )
        rc = args.func(args)
        return int(rc or 0)
    except SeaIceError as e:
        print(f"seaice-jax: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("seaice-jax: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
