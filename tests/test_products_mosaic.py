"""Mosaic: weighting, bad scenes, outputs, cropping on the pan-Arctic grid, two processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import xarray as xr

from seaice_jax.config import get as get_config
from seaice_jax.geo import Grid, named_grid
from seaice_jax.io.writers import write_netcdf
from seaice_jax.mosaic import build_mosaic, mosaic_config

BASE = named_grid("arctic3413_200m")


def _scene(path: Path, grid: Grid, sic, sigma=None) -> Path:
    ds = grid.template()
    ds["sic"] = (("y", "x"), np.broadcast_to(np.asarray(sic, np.float32), grid.shape).copy())
    if sigma is not None:
        ds["sic_uncertainty"] = (("y", "x"), np.full(grid.shape, sigma, np.float32))
    write_netcdf(ds, path)
    return path


def _day(tmp: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    a = BASE.subgrid(30_000, 20_000, 150, 120)
    b = BASE.subgrid(30_100, 20_050, 120, 150)
    c = BASE.coarsen(5).subgrid(6_030, 4_005, 20, 30)  # a 1 km product (bilinear onto 200 m)
    paths = [
        _scene(tmp / "a.nc", a, 80.0, 5.0),
        _scene(tmp / "b.nc", b, 40.0, 10.0),
        _scene(tmp / "c.nc", c, rng.uniform(0, 100, c.shape), 8.0),
        _scene(tmp / "nan.nc", BASE.subgrid(30_000, 20_000, 40, 40), np.nan, 5.0),
        _scene(tmp / "far.nc", Grid("EPSG:3413", 9e6, 9e6, 200.0, 10, 10), 50.0),
    ]
    (tmp / "junk.nc").write_bytes(b"\x89HDF\r\n\x1a\n not really")
    return paths + [tmp / "junk.nc"]


def test_mosaic_weights_failures_and_outputs(tmp_path):
    paths = _day(tmp_path)
    out = tmp_path / "m" / "mosaic.nc"
    res = build_mosaic(
        paths,
        BASE,
        out,
        mosaic_config(get_config("configs/fusion.py"), block=128),
        tif=tmp_path / "m" / "m.tif",
        png=tmp_path / "m" / "m.png",
        warn=lambda m: None,
    )
    assert res["used"] == 3 and len(res["failures"]) == 3
    fails = json.loads(Path(f"{out}.failures.json").read_text())
    assert {Path(f["path"]).name for f in fails} == {"nan.nc", "far.nc", "junk.nc"}
    assert any("NaN" in f["reason"] for f in fails) and any("outside" in f["reason"] for f in fails)
    with xr.open_dataset(out, decode_coords="all") as m:
        assert m.rio.crs.to_epsg() == 3413
        # The output is the usable scenes' box, pixel-aligned with the pan-Arctic 200 m grid.
        col = (m.x.values[0] - BASE.x[0]) / 200.0
        row = (BASE.y[0] - m.y.values[0]) / 200.0
        assert (row, col) == (30_000, 20_000) and m.sizes["x"] == 200 and m.sizes["y"] == 250
        pa = m.sel(x=BASE.x[20_010], y=BASE.y[30_010])  # only scene a
        assert float(pa.sic) == pytest.approx(80.0) and float(pa.sic_uncertainty) == pytest.approx(
            5.0
        )
        pab = m.sel(x=BASE.x[20_060], y=BASE.y[30_110])  # a and b overlap
        assert float(pab.sic) == pytest.approx((80 / 25 + 40 / 100) / (1 / 25 + 1 / 100), rel=1e-5)
        assert float(pab.n_scenes) == 2
        far = m.sel(x=BASE.x[20_000 + 700], y=BASE.y[30_000 + 5], method="nearest")
        assert np.isnan(float(far.sic))
    with rasterio.open(tmp_path / "m" / "m.tif") as t:
        assert t.crs.to_epsg() == 3413 and t.count == 2 and t.overviews(1) is not None
    assert (tmp_path / "m" / "m.png").stat().st_size > 100
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "m.png",
        "m.tif",
        "mosaic.nc",
        "mosaic.nc.failures.json",
    ]


def test_all_bad_scenes_leave_only_the_failures_list(tmp_path, cli):
    nan = _scene(tmp_path / "nan.nc", BASE.subgrid(30_000, 20_000, 40, 40), np.nan, 5.0)
    rc, _, err = cli(
        "mosaic",
        nan,
        tmp_path / "missing.nc",
        "--out",
        tmp_path / "o" / "m.nc",
        "--block",
        "64",
        "--png",
        tmp_path / "o" / "m.png",
    )
    assert rc == 2 and "no usable scene" in err
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["m.nc.failures.json"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_equal_one(tmp_path, cli):
    paths = [str(p) for p in _day(tmp_path)]
    rc, _, err = cli("mosaic", *paths, "--out", tmp_path / "one.nc", "--block", "128")
    assert rc == 0, err
    port = _free_port()
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(Path(__file__).parents[1])}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "seaice_jax",
                "mosaic",
                *paths,
                "--out",
                str(tmp_path / "two.nc"),
                "--block",
                "128",
                "--num-processes",
                "2",
                "--process-id",
                str(i),
                "--coordinator",
                f"127.0.0.1:{port}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    try:
        outs = [p.communicate(timeout=150) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (_, e) in zip(procs, outs, strict=True):
        assert p.returncode == 0, e[-2000:]
    # Only process 0 writes and reports: the two really ran as one job of two processes.
    assert "3/6 scenes" in outs[0][0] and "scenes" not in outs[1][0]
    with xr.open_dataset(tmp_path / "one.nc") as a, xr.open_dataset(tmp_path / "two.nc") as b:
        for v in ("sic", "sic_uncertainty", "n_scenes"):
            np.testing.assert_allclose(b[v].values, a[v].values, rtol=1e-6, equal_nan=True)
    assert json.loads((tmp_path / "two.nc.failures.json").read_text()) == json.loads(
        (tmp_path / "one.nc.failures.json").read_text()
    )
