"""Experiment configs: ``configs/<experiment>.py`` files with ``get_config(arg)``.

A config is named on the command line as ``--config path.py[:arg]`` and changed with dotted
overrides ``--config.a.b=value``. Override values are parsed as Python literals where they can be
(``3``, ``1e-3``, ``True``, ``(256, 256)``) and cast to the type of the value they replace; an
override of a key the config does not have is an error naming the key.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import ml_collections

from seaice_jax.errors import SeaIceError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def _resolve(path: str) -> Path:
    p = Path(path)
    if p.exists():
        return p
    # Allow bare names (``sic_s1`` or ``sic_s1.py``) for the configs shipped in the repository.
    # ``configs/x.py`` (as the docs write it) from any working directory, too.
    for cand in (CONFIG_DIR / path, CONFIG_DIR / f"{path}.py", CONFIG_DIR.parent / path):
        if cand.exists():
            return cand
    raise SeaIceError(f"{path}: config file not found")


def load_config(spec: str) -> ml_collections.ConfigDict:
    """Load ``path.py[:arg]`` and return ``get_config(arg)``.

    Args:
      spec: the config file path, optionally followed by ``:arg`` (e.g. ``configs/sic_s1.py:smoke``).

    Returns:
      The (unlocked) ``ConfigDict``.
    """
    path, _, arg = spec.partition(":")
    file = _resolve(path)
    mod_name = f"seaice_jax_config_{abs(hash(os.fspath(file.resolve())))}"
    module_spec = importlib.util.spec_from_file_location(mod_name, file)
    if module_spec is None or module_spec.loader is None:
        raise SeaIceError(f"{file}: not a Python config file")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except SyntaxError as e:
        raise SeaIceError(f"{file}: syntax error on line {e.lineno}: {e.msg}") from None
    if not hasattr(module, "get_config"):
        raise SeaIceError(f"{file}: has no get_config(arg) function")
    try:
        cfg = module.get_config(arg or None) if arg else module.get_config()
    except TypeError:
        cfg = module.get_config(arg or None)
    except ValueError as e:
        raise SeaIceError(f"{file}: {e}") from None
    if not isinstance(cfg, ml_collections.ConfigDict):
        raise SeaIceError(f"{file}: get_config() must return an ml_collections.ConfigDict")
    return cfg


def _parse_value(text: str, old):
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    if old is None or isinstance(value, type(old)):
        return value
    if isinstance(old, bool):
        low = text.lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
        raise ValueError(f"expected a boolean, got {text!r}")
    if isinstance(old, float) and isinstance(value, int):
        return float(value)
    if isinstance(old, tuple | list) and isinstance(value, tuple | list):
        return type(old)(value)
    if isinstance(old, str):
        return text
    raise ValueError(f"expected {type(old).__name__}, got {text!r}")


def apply_overrides(cfg: ml_collections.ConfigDict, overrides: Sequence[str]) -> None:
    """Apply ``a.b=value`` overrides in place; unknown keys raise :class:`SeaIceError`."""
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep:
            raise SeaIceError(f"--config.{key}: override needs a value (--config.{key}=VALUE)")
        node = cfg
        parts = key.split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, ml_collections.ConfigDict) or part not in node:
                raise SeaIceError(f"config key '{'.'.join(parts[: i + 1])}' does not exist")
            if i < len(parts) - 1:
                node = node[part]
        old = node[parts[-1]]
        try:
            value = _parse_value(text, old)
        except ValueError as e:
            raise SeaIceError(f"config key '{key}': {e}") from None
        with node.unlocked() if hasattr(node, "unlocked") else _null():
            node[parts[-1]] = value


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def split_override_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``--config.a.b=v`` / ``--config.a.b v`` tokens out of an argument list.

    Returns:
      (the remaining arguments, the overrides as ``a.b=v`` strings).
    """
    rest: list[str] = []
    overrides: list[str] = []
    it = iter(range(len(argv)))
    argv = list(argv)
    for i in it:
        tok = argv[i]
        if tok.startswith("--config."):
            body = tok[len("--config.") :]
            if "=" not in body:
                if i + 1 >= len(argv):
                    raise SeaIceError(f"{tok}: override needs a value")
                body = f"{body}={argv[i + 1]}"
                next(it, None)
            overrides.append(body)
        else:
            rest.append(tok)
    return rest, overrides


def get(spec: str, overrides: Sequence[str] = ()) -> ml_collections.ConfigDict:
    """Load a config and apply overrides (the whole command-line path)."""
    cfg = load_config(spec)
    apply_overrides(cfg, overrides)
    return cfg
