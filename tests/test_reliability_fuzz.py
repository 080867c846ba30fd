"""Fuzzing: mutated real files into the readers, random argument lists into the CLI.

The readers (``seaice_jax.io.open_dataset``, then reading every variable's values, as commands
do) may only succeed or raise :class:`SeaIceError` with a one-line message; the CLI may only
return an exit status (errors as ``seaice-jax: error:`` lines) or leave through argparse's
``SystemExit`` (2 for usage errors, 0 for ``--help``). The default runs are small (about 30 s);
``-m slow`` runs many more examples.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_cases import CHART, ECCC, GLIA, NSIDC, OSISAF, RRDP, SAFE, SSMIS, raster_nc

from seaice_jax.errors import SeaIceError

HEAD = 1024  # most format damage that matters is in the header: bias positions there
# The default suite is reproducible (the same examples every run, so CI cannot flake); the
# slow-marked runs explore new random examples each time.
FAST = settings(
    max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def _rrdp(tmp: Path, data: Path) -> Path:
    lines = (data / RRDP).read_text(encoding="latin-1").splitlines(keepends=True)[:30]
    (tmp / "t.text").write_text("".join(lines), encoding="latin-1")
    return tmp / "t.text", tmp / "t.text"


def _copy(*names: str, mutate: int = 0, open_: str | None = None):
    """Copy sample files into the scratch folder; ``mutate`` picks the one to damage."""

    def make(tmp: Path, data: Path) -> tuple[Path, Path]:
        out = [Path(shutil.copy(data / n, tmp / Path(n).name)) for n in names]
        for p in out:
            p.chmod(0o644)
        return out[mutate], (tmp / open_ if open_ else out[mutate])

    return make


def _safe(tmp: Path, data: Path) -> tuple[Path, Path]:
    dst = tmp / Path(SAFE).name
    shutil.copytree(data / SAFE, dst)
    for p in dst.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return next((dst / "annotation").glob("*hh*.xml")), dst


def _csv(tmp: Path, data: Path) -> tuple[Path, Path]:
    p = tmp / "points.csv"
    p.write_text("lon,lat,time,thickness\n" + "21.0,63.0,2021-03-01T10:00:00,0.41\n" * 20)
    return p, p


def _nc(tmp: Path, data: Path) -> tuple[Path, Path]:
    p = raster_nc(tmp / "small.nc", {"sic": np.linspace(0, 100, 144).reshape(12, 12)})
    return p, p


def _tif(tmp: Path, data: Path) -> tuple[Path, Path]:
    from reliability_cases import _cog

    p = _cog(tmp)
    return p, p


# name -> make(tmp, data) -> (file to mutate, path to open)
TARGETS = {
    "netcdf_osisaf": _copy(OSISAF),
    "netcdf_small": _nc,
    "hdf5_eccc": _copy(ECCC),
    "geotiff": _tif,
    "envi_hdr": _copy(f"{GLIA}/IA.hdr", f"{GLIA}/IA.img", mutate=0),
    "envi_img": _copy(f"{GLIA}/IA.hdr", f"{GLIA}/IA.img", mutate=1),
    "rrdp_text": _rrdp,
    "points_csv": _csv,
    "shapefile_shp": _copy(*(f"{CHART}{e}" for e in (".shp", ".shx", ".dbf", ".prj"))),
    "shapefile_dbf": _copy(
        *(f"{CHART}{e}" for e in (".shp", ".shx", ".dbf", ".prj")), mutate=2, open_="shapefile.shp"
    ),
    "npz_ssmis": _copy(SSMIS),
    "nsidc_binary": _copy(
        NSIDC, *(str(Path(NSIDC).parent / f"psn25{c}_v3.dat") for c in ("lats", "lons"))
    ),
    "safe_annotation": _safe,
}

position = st.one_of(st.integers(0, HEAD - 1), st.floats(0.0, 1.0))
mutation = st.one_of(
    st.tuples(st.just("flip"), position, st.integers(0, 7)),
    st.tuples(st.just("truncate"), position, st.just(0)),
    st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("overwrite"), position, st.binary(min_size=1, max_size=16)),
)
mutations = st.lists(mutation, min_size=1, max_size=3)


def mutate(data: bytes, ops) -> bytes:
    """Apply (kind, position, arg) edits; a float position is a fraction of the length."""
    b = bytearray(data)
    for kind, pos, arg in ops:
        n = len(b)
        i = int(pos * n) if isinstance(pos, float) else pos
        i = min(i, max(n - 1, 0))
        if kind == "flip" and n:
            b[i] ^= 1 << arg
        elif kind == "truncate":
            del b[i:]
        elif kind == "insert":
            b[i:i] = arg
        elif kind == "overwrite":
            b[i : i + len(arg)] = arg
    return bytes(b)


def open_and_read(path: Path) -> None:
    """What a command does with an input: open it and read every variable's values."""
    from seaice_jax.io import open_dataset

    try:
        ds = open_dataset(path)
        for name in ds.variables:
            np.asarray(ds[name].values)
    except SeaIceError as e:
        assert "\n" not in str(e)


def _fuzz_reader(name: str, ops, data_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as t:
        victim, target = TARGETS[name](Path(t), data_dir)
        victim.write_bytes(mutate(victim.read_bytes(), ops))
        open_and_read(target)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_unmutated_samples_open(name, data_dir):
    """The fuzz targets are valid files to begin with (else the fuzzing proves nothing)."""
    from seaice_jax.io import open_dataset

    with tempfile.TemporaryDirectory() as t:
        _, target = TARGETS[name](Path(t), data_dir)
        assert len(open_dataset(target).data_vars) > 0


# GDAL reports damaged shapefile values ("parsed incompletely", "non closed ring") as warnings
# from pyogrio's error callback; they are messages, not failures: only exceptions matter here.
GDAL_WARNINGS = pytest.mark.filterwarnings("ignore::RuntimeWarning:pyogrio")


@GDAL_WARNINGS
@pytest.mark.parametrize("name", sorted(TARGETS))
@FAST
@given(ops=mutations)
def test_fuzz_readers(name, ops, data_dir):
    _fuzz_reader(name, ops, data_dir)


@pytest.mark.slow
@GDAL_WARNINGS
@pytest.mark.parametrize("name", sorted(TARGETS))
@SLOW
@given(ops=mutations)
def test_fuzz_readers_slow(name, ops, data_dir):
    _fuzz_reader(name, ops, data_dir)


# ------------------------------------------------------------------------------ CLI arguments

WORDS = [
    "info", "nasateam", "evaluate", "fuse", "mosaic", "sit", "segment", "predict",
    "--input", "--out", "--json", "--pred", "--ref", "--pred-var", "--ref-var", "--nt", "--s1",
    "--tiepoints", "--sensor", "--grid", "--radius-m", "--block", "--like", "--config",
    "--config.icm.k=3", "--config.x", "--config.", "--workdir", "--help", "-h", "--",
    "-1", "0", "1e9", "nan", "amsr2", "nsidc3413_25km", "no_such_grid", "configs/sit_baltic.py:smoke",
    "configs/nothing.py", "", " ", "=", "é", "\x00",
]  # fmt: skip


def _paths(tmp: Path, data: Path) -> list[str]:
    good = raster_nc(tmp / "good.nc", {"sic": 50.0})
    (tmp / "bad.nc").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    return [str(p) for p in (good, tmp / "bad.nc", tmp / "missing.nc", tmp / "out.nc", tmp)] + [
        str(data / RRDP)
    ]


def _fuzz_cli(picks, data_dir: Path, first: tuple[str, ...] = ()) -> None:
    from seaice_jax.cli import main

    with tempfile.TemporaryDirectory() as t:
        vocab = WORDS + _paths(Path(t), data_dir)
        argv = [*first, *(vocab[i % len(vocab)] for i in picks)]
        out, err = StringIO(), StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as e:  # argparse: 2 = usage error, 0 = --help
                assert e.code in (0, 2), (argv, e.code)
                return
        assert isinstance(rc, int), argv
        if rc != 0:
            lines = err.getvalue().strip().splitlines()
            assert lines and lines[-1].startswith("seaice-jax: error: "), (argv, err.getvalue())
            assert "Traceback" not in err.getvalue()


arg_lists = st.lists(st.integers(0, 10_000), min_size=0, max_size=8)


@FAST
@given(picks=arg_lists)
def test_fuzz_cli_arguments(picks, data_dir):
    _fuzz_cli(picks, data_dir)


@given(picks=st.lists(st.integers(0, 10_000), min_size=2, max_size=8))
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_cli_arguments_after_a_command(picks, data_dir):
    """Start with a real subcommand, so the fuzz reaches the commands, not just argparse."""
    commands = (("info",), ("nasateam",), ("evaluate",), ("fuse",), ("sit", "segment"))
    _fuzz_cli(picks[1:], data_dir, first=commands[picks[0] % len(commands)])


@pytest.mark.slow
@SLOW
@given(picks=arg_lists)
def test_fuzz_cli_arguments_slow(picks, data_dir):
    _fuzz_cli(picks, data_dir)
