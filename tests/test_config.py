"""Configs: names and paths from any folder, ``VARIANT,key=value`` arguments, locking, errors."""

from __future__ import annotations

import pytest

from seaice_jax.config import config_dir, get, load_config, parse_arg, variant
from seaice_jax.errors import SeaIceError

SHIPPED = {
    "fusion": ("default", "smoke"),
    "sim": ("default", "smoke"),
    "sit_baltic": ("default", "smoke"),
    "sic_s1": ("smoke", "cpu", "paper"),
    "sic_rcm": ("smoke", "cpu", "paper"),
    "sic_amsr2": ("smoke", "cpu", "paper"),
}


def test_parse_arg():
    assert parse_arg(None) == (None, [])
    assert parse_arg("") == (None, [])
    assert parse_arg("smoke") == ("smoke", [])
    # Commas inside a tuple value stay in the value.
    assert parse_arg("smoke,batch_size=4,data.channels=('hh', 'hv')") == (
        "smoke",
        ["batch_size=4", "data.channels=('hh', 'hv')"],
    )
    assert parse_arg("total_steps=2") == (None, ["total_steps=2"])
    with pytest.raises(SeaIceError, match="'oops' needs a value"):
        parse_arg("smoke,oops")


def test_variant():
    assert variant(None, ("a", "b"), default="a") == "a"
    assert variant("b", ("a", "b")) == "b"
    with pytest.raises(ValueError, match="unknown config variant 'c' .known: a, b."):
        variant("c", ("a", "b"))


def test_every_shipped_config_and_variant_loads_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configs/ here: the shipped ones are found
    assert sorted(p.stem for p in config_dir().glob("*.py") if p.stem != "__init__") == sorted(
        SHIPPED
    )
    for name, variants in SHIPPED.items():
        for v in variants:
            a, b = get(f"{name}:{v}"), get(f"configs/{name}.py:{v}")
            assert a.to_dict() == b.to_dict()


def test_overrides_in_the_argument_then_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = get("sic_s1:smoke,batch_size=4,optim.lr=1e-3", ["batch_size=2"])
    assert cfg.batch_size == 2 and cfg.optim.lr == pytest.approx(1e-3)
    assert cfg.model.variant == "tiny"  # the smoke variant itself
    with pytest.raises(SeaIceError, match="config key 'nope' does not exist"):
        get("sic_s1:smoke,nope=1")


def test_a_loaded_config_is_locked():
    cfg = get("fusion")
    cfg.kappa = 4.0  # existing keys can be set
    with pytest.raises(AttributeError):
        cfg.kapa = 4.0  # a misspelt key is not created
    with pytest.raises(AttributeError):
        _ = cfg.kapa


def _config_file(tmp_path, body: str):
    f = tmp_path / "my_config.py"
    f.write_text("import ml_collections\n\n" + body)
    return f


def test_a_bug_in_get_config_is_not_swallowed(tmp_path):
    f = _config_file(tmp_path, "def get_config(arg=None):\n    raise TypeError('boom')\n")
    with pytest.raises(TypeError, match="boom"):
        load_config(str(f))


def test_an_unknown_variant_is_one_line_naming_the_file(tmp_path):
    with pytest.raises(SeaIceError, match=r"sim\.py: unknown config variant 'bogus'"):
        get("sim:bogus")
    f = _config_file(
        tmp_path, "def get_config():\n    return ml_collections.ConfigDict({'a': 1})\n"
    )
    assert load_config(str(f)).a == 1
    with pytest.raises(SeaIceError, match="takes no variant"):
        load_config(f"{f}:smoke")
    with pytest.raises(SeaIceError, match="config file not found"):
        get("no_such_config")
