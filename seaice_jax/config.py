"""Experiment configs: ``configs/<experiment>.py`` files with ``get_config(arg)``.

A config is named as ``FILE[:VARIANT[,key=value,...]]``:

- ``FILE`` is a path to a Python file, or the name of a config shipped with the package
  (``sic_s1``, ``sic_s1.py`` or ``configs/sic_s1.py`` from any working directory: the
  repository's ``configs/`` folder, installed as the package ``seaice_jax.configs``);
- ``VARIANT`` is passed to ``get_config`` (e.g. ``smoke``); each config checks it with
  :func:`variant`;
- ``key=value`` items after it are overrides, as ``--config.key=value`` on the command line
  (big_vision's ``parse_arg`` form: ``sic_s1:smoke,batch_size=4,optim.lr=1e-3``), so a sweep needs
  no new file.

Overrides (``--config.a.b=value``) are parsed as Python literals where they can be (``3``, ``1e-3``,
``True``, ``(256, 256)``) and cast to the type of the value they replace; an override of a key the
config does not have is an error naming the key. The loaded config is locked
(``ConfigDict.lock``): no key can be added afterwards, so a misspelt key fails instead of being
created. A ``ValueError`` raised by ``get_config`` (an unknown variant) becomes a one-line error
naming the file; any other exception in a config file is a bug in it and propagates.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
from collections.abc import Sequence
from pathlib import Path

import ml_collections

from seaice_jax.errors import SeaIceError

#: The package the repository's ``configs/`` folder is installed as (``pyproject.toml``).
CONFIG_PACKAGE = "seaice_jax.configs"


def config_dir() -> Path:
    """The folder of the shipped configs (located, not imported: config files are data here)."""
    spec = importlib.util.find_spec(CONFIG_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SeaIceError(f"{CONFIG_PACKAGE}: the shipped configs are not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _resolve(name: str) -> Path:
    """A config file path: ``name`` itself, else the shipped config it names."""
    p = Path(name)
    if p.is_file():
        return p
    shipped = config_dir()
    cands = [shipped / name, shipped / f"{name}.py"]
    if p.parts[:1] == ("configs",):  # the docs' ``configs/x.py``, from any working directory
        cands.append(shipped.joinpath(*p.parts[1:]))
    for cand in cands:
        if cand.is_file():
            return cand
    raise SeaIceError(f"{name}: config file not found")


def _split_top(text: str) -> list[str]:
    """``text`` split at the commas outside brackets and quotes (a tuple value stays whole)."""
    parts, depth, quote, cur = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    return [t.strip() for t in [*parts, cur] if t.strip()]


def parse_arg(arg: str | None) -> tuple[str | None, list[str]]:
    """Split a config argument ``[VARIANT][,key=value,...]`` into the variant and overrides.

    Args:
      arg: what follows ``:`` in a config name, e.g. ``smoke,batch_size=4`` (None or '': none).

    Returns:
      (variant or None, ``["key=value", ...]`` for :func:`apply_overrides`).

    Raises:
      SeaIceError: a bare word after the first item (only the variant may have no value).
    """
    items = _split_top(arg or "")
    name = items.pop(0) if items and "=" not in items[0] else None
    bare = [t for t in items if "=" not in t]
    if bare:
        raise SeaIceError(f"config argument '{arg}': '{bare[0]}' needs a value (key=value)")
    return name, items


def variant(arg: str | None, known: Sequence[str], default: str | None = None) -> str | None:
    """The variant a config's ``get_config(arg)`` builds: ``arg``, or ``default`` when empty.

    Every config checks its argument with this, so an unknown variant is reported the same way.

    Raises:
      ValueError: ``arg`` is not one of ``known`` (:func:`load_config` names the file).
    """
    name = arg or default
    if name is not None and name not in known:
        raise ValueError(f"unknown config variant '{arg}' (known: {', '.join(known)})")
    return name


def load_config(spec: str) -> ml_collections.ConfigDict:
    """Load ``FILE[:VARIANT[,key=value,...]]`` (see the module docstring), locked.

    Args:
      spec: e.g. ``configs/sic_s1.py:smoke``, ``sic_s1:smoke,total_steps=2``, ``my_config.py``.

    Returns:
      The locked ``ConfigDict`` (existing keys can still be set).
    """
    path, _, arg = spec.partition(":")
    name, overrides = parse_arg(arg)
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
    if not callable(getattr(module, "get_config", None)):
        raise SeaIceError(f"{file}: has no get_config(arg) function")
    takes_arg = bool(inspect.signature(module.get_config).parameters)
    if name and not takes_arg:
        raise SeaIceError(f"{file}: get_config() takes no variant, got '{name}'")
    try:
        cfg = module.get_config(name) if takes_arg else module.get_config()
    except ValueError as e:  # the config's own check of its argument: a user's mistake
        raise SeaIceError(f"{file}: {e}") from None
    if not isinstance(cfg, ml_collections.ConfigDict):
        raise SeaIceError(f"{file}: get_config() must return an ml_collections.ConfigDict")
    apply_overrides(cfg, overrides)
    cfg.lock()
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
        node[parts[-1]] = value


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
    """Load a config and apply command-line overrides (the whole command-line path).

    Args:
      spec: ``FILE[:VARIANT[,key=value,...]]``.
      overrides: ``["a.b=value", ...]`` (from ``--config.a.b=value``), applied after ``spec``'s.

    Returns:
      The locked config.
    """
    cfg = load_config(spec)
    apply_overrides(cfg, overrides)
    return cfg
