"""The ``seaice-jax`` command.

Thin by design: each subcommand lives in ``seaice_jax/commands/<name>.py`` with a
``register(subparsers)`` function that adds its parser and sets ``func``; this module discovers
them, parses the arguments (including ``--config.a.b=value`` overrides) and turns a
:class:`~seaice_jax.errors.SeaIceError` into a one-line message and exit status 2.

Building the parser imports no JAX (the command modules import the library inside their
handlers), so ``--help`` and ``--version`` answer at once. Diagnostics go through :mod:`logging`
(logger ``seaice_jax``, on stderr): INFO by default, ``-v`` DEBUG, ``-q`` WARNING, ``-qq`` ERROR;
results stay on stdout.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from seaice_jax import __version__, commands
from seaice_jax.config import split_override_args
from seaice_jax.errors import SeaIceError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seaice-jax",
        description="Sea-ice concentration (SAR + passive microwave) and Baltic sea-ice thickness.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more diagnostics (DEBUG)"
    )
    parser.add_argument(
        "-q", "--quiet", action="count", default=0, help="fewer diagnostics (-q WARNING, -qq ERROR)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"seaice_jax.commands.{info.name}")
        module.register(sub)
    return parser


def setup_logging(verbose: int = 0, quiet: int = 0) -> None:
    """Diagnostics of the ``seaice_jax`` loggers to the current stderr, at the level asked."""
    levels = [logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG]
    level = levels[max(0, min(3, 2 + verbose - quiet))]
    log = logging.getLogger("seaice_jax")
    for h in list(log.handlers):
        log.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("seaice-jax: %(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        rest, overrides = split_override_args(argv)
        parser = build_parser()
        args = parser.parse_args(rest)
        args.config_overrides = overrides
        setup_logging(args.verbose, args.quiet)
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
