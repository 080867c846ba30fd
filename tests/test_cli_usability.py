"""The command line as a user meets it: ``--version``, help texts that load no JAX, logging
levels (``-v``/``-q``), and the warnings of ``evaluate`` on mismatched days or grids."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import sys

import numpy as np
import pytest

from seaice_jax.cli import build_parser
from seaice_jax.geo import Grid
from seaice_jax.io.writers import write_netcdf

HEAVY = ("jax", "flax", "optax", "orbax", "xarray", "matplotlib")


def _subparsers(parser: argparse.ArgumentParser, prefix=()):
    """Every (sub)command path of the parser, e.g. ("sit", "fit")."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _subparsers(sub, (*prefix, name))


def test_version(cli, capsys):
    with pytest.raises(SystemExit) as e:
        cli("--version")
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == (
        f"seaice-jax {importlib.metadata.version('seaice-jax')}"
    )


def test_help_of_every_command_imports_no_jax():
    """Each ``--help`` in a fresh interpreter: exit 0 and none of the heavy libraries loaded
    (before the change ``seaice-jax --help`` took 5-8 s on the shared 2-core machine, after
    0.3 s; the timing itself is not asserted)."""
    paths = [()] + list(_subparsers(build_parser()))
    code = (
        "import sys\n"
        "from seaice_jax.cli import main\n"
        f"for path in {paths!r}:\n"
        "    try:\n"
        "        main([*path, '--help'])\n"
        "    except SystemExit as e:\n"
        "        assert e.code == 0, (path, e.code)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip().splitlines()[-1] == "[]"
    assert len(paths) > 10  # the top level, every command and the sit steps


def test_help_texts_are_clean(capsys):
    """No literal ``%%`` and no pointer to a design document the repository does not ship."""
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            texts += [sub.format_help() for sub in action.choices.values()]
    for t in texts:
        assert "%%" not in t and "DESIGN" not in t, t[:80]


def _sic_file(path, x0, day, size=20):
    g = Grid("EPSG:3413", x0, 0.0, 1000.0, size, size)
    ds = g.template()
    ds["sic"] = (("y", "x"), np.linspace(0, 100, size * size, dtype=np.float32).reshape(g.shape))
    ds = ds.assign_coords(time=np.datetime64(day, "ns"))
    write_netcdf(ds, path)
    return path


def test_evaluate_warns_on_other_day_and_small_overlap(cli, tmp_path):
    ref = _sic_file(tmp_path / "ref.nc", 0.0, "2019-09-10")
    same = _sic_file(tmp_path / "same.nc", 0.0, "2019-09-10")
    rc, out, err = cli("evaluate", "--pred", same, "--ref", ref)
    assert rc == 0 and "WARNING" not in err
    # Two years apart and shifted by 18 of 20 columns: 40 of 400 pixels in common.
    other = _sic_file(tmp_path / "other.nc", 18_000.0, "2021-03-01")
    rc, out, err = cli("evaluate", "--pred", other, "--ref", ref)
    assert rc == 0 and "overall" in out
    assert "2021-03-01" in err and "2019-09-10" in err and "different days" in err
    assert "10 % of the prediction" in err and "n = 40 pixels" in err
    rc, out, err = cli("-q", "evaluate", "--pred", other, "--ref", ref, "--json")
    assert rc == 0 and "different days" in err  # -q keeps warnings
    assert any("different days" in w for w in json.loads(out)["warnings"])
    rc, out, err = cli("-qq", "evaluate", "--pred", other, "--ref", ref)
    assert rc == 0 and err == ""  # -qq: errors only


def test_verbosity_levels(cli):
    import logging

    log = logging.getLogger("seaice_jax")
    for flags, level in (((), logging.INFO), (("-v",), logging.DEBUG), (("-q",), logging.WARNING)):
        rc, _, _ = cli(*flags, "fetch", "--list")
        assert rc == 0 and log.level == level, flags
