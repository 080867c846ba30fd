"""Subcommands of ``seaice-jax``: one module each, discovered by :mod:`seaice_jax.cli`.

Each module defines ``register(subparsers)``, which adds its parser (with ``--help`` text) and
sets ``func=<callable(args) -> int>``. Keep them thin: parse, call library functions, print.
"""
