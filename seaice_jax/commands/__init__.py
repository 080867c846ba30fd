"""Subcommands of ``seaice-jax``: one module each, discovered by :mod:`seaice_jax.cli`.

Each module defines ``register(subparsers)``, which adds its parser (with ``--help`` text) and
sets ``func=<callable(args) -> int>``. They are entry points only: parse the arguments (a config
through :func:`seaice_jax.config.get`), call one library function, print its result; no science
lives here.

Imports: the one exception to the house rule "imports at the top of a module". Every command
module is imported to build the parser, so a top-level import of the library would load JAX and
the whole package for ``seaice-jax --help``. Each handler therefore imports the library function
it calls inside itself: one import statement per handler, from ``seaice_jax``
(``tests/test_layout.py`` enforces exactly this); light modules (``config``, ``errors``) and the
standard library are imported at the top.
"""
