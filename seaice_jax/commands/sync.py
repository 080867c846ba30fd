"""``seaice-jax sync SRC DST``: mirror a run folder between local disk and cloud storage
(:mod:`seaice_jax.train.sync`); the launch scripts pull and push cloud workdirs with it."""

from __future__ import annotations

import argparse
import logging

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sync",
        help="copy new or changed files of a folder to/from gs:// or s3:// (run folders, data)",
        description="Copy the files of SRC that DST lacks or that changed into DST (never "
        "deletes). Either side may be a local folder or a cloud URL (gs:// needs gcsfs: "
        "pip install 'seaice-jax[cloud]'). A missing SRC copies nothing.",
    )
    p.add_argument("src", help="source folder or URL")
    p.add_argument("dst", help="destination folder or URL")
    p.add_argument(
        "--exclude", action="append", default=[], help="top-level entry to skip (repeatable)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.train.sync import sync  # lazy: see seaice_jax.commands

    copied = sync(args.src, args.dst, exclude=tuple(args.exclude))
    log.info("sync: %d files %s -> %s", len(copied), args.src, args.dst)
    for rel in copied:
        log.debug("sync: %s", rel)
    return 0
