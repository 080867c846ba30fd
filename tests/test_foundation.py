"""Foundation: errors, atomic writes, configs, CLI plumbing, grids."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from seaice_jax.atomic import atomic_path
from seaice_jax.config import apply_overrides, split_override_args
from seaice_jax.errors import SeaIceError
from seaice_jax.geo import Grid, named_grid


def test_atomic_path_keeps_old_file_on_failure(tmp_path):
    out = tmp_path / "a.txt"
    out.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_path(out) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert out.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_path_unwritable_folder_is_one_line_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(SeaIceError, match="cannot write"):
            with atomic_path(ro / "sub" / "x.nc"):
                pass
    finally:
        ro.chmod(0o700)


def test_overrides_cast_and_reject_unknown_keys():
    import ml_collections

    cfg = ml_collections.ConfigDict({"a": {"b": 1, "lr": 0.1, "on": False, "name": "x"}})
    rest, ov = split_override_args(["train", "--config.a.b=3", "--config.a.lr", "1", "--x"])
    assert rest == ["train", "--x"]
    apply_overrides(cfg, ov + ["a.on=true", "a.name=y"])
    assert cfg.a.b == 3 and cfg.a.lr == 1.0 and isinstance(cfg.a.lr, float)
    assert cfg.a.on is True and cfg.a.name == "y"
    with pytest.raises(SeaIceError, match="'a.c'"):
        apply_overrides(cfg, ["a.c=1"])
    with pytest.raises(SeaIceError, match="a.b"):
        apply_overrides(cfg, ["a.b=notanint"])


def test_cli_help_and_unknown_command(cli):
    with pytest.raises(SystemExit) as e:
        cli("--help")
    assert e.value.code == 0


def test_nsidc_grid_matches_published_latlon_files(data_dir):
    # The NSIDC psn25 lat/lon files hold every pixel centre of the 25 km grid (x 1e5).
    d = data_dir / "nsidc0051_nasateam"
    lat_ref = np.fromfile(d / "psn25lats_v3.dat", dtype="<i4").reshape(448, 304) / 1e5
    lon_ref = np.fromfile(d / "psn25lons_v3.dat", dtype="<i4").reshape(448, 304) / 1e5
    lon, lat = named_grid("nsidc3411_25km").lonlat()
    assert np.abs(lat - lat_ref).max() < 2e-4
    dlon = (lon - lon_ref + 180.0) % 360.0 - 180.0
    assert np.abs(dlon[lat_ref < 89.5]).max() < 2e-3


def test_grid_template_roundtrip():
    g = named_grid("nsidc3413_25km").subgrid(100, 50, 20, 30)
    ds = g.template()
    g2 = Grid.from_dataset(ds.assign(z=(("y", "x"), np.zeros(g.shape))))
    assert (g2.x0, g2.y0, g2.res, g2.width, g2.height) == (g.x0, g.y0, g.res, g.width, g.height)
    t = Transformer.from_crs("EPSG:4326", "EPSG:3413", always_xy=True)
    x, y = t.transform(-45.0, 90.0)
    assert abs(x) < 1e-6 and abs(y) < 1e-6
