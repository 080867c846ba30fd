"""Bad input for every reader of this area: a one-line SeaIceError naming the file, a non-zero CLI
exit without traceback; and hypothesis fuzzing of open_dataset on mutated real headers."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import rasterio
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_io_sar_ai4arctic import write_scene
from test_io_sar_rcm import write_tiny_rcm
from test_io_sar_sentinel1 import write_tiny_safe

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset

RNG = np.random.default_rng(11)


def _envi(tmp: Path) -> Path:
    (tmp / "a.img").write_bytes(np.zeros(16, np.float32).tobytes())
    (tmp / "a.hdr").write_text(
        "ENVI\nsamples = 4\nlines = 4\nbands = 1\ndata type = 4\ninterleave = bsq\n"
    )
    return tmp / "a.img"


def _safe(tmp: Path) -> Path:
    return write_tiny_safe(tmp, np.random.default_rng(0))[0]


def _rcm(tmp: Path) -> Path:
    return write_tiny_rcm(tmp, np.random.default_rng(0))[0]


def _cal(safe: Path) -> Path:
    return next((safe / "annotation/calibration").glob("calibration-*hh*.xml"))


def _write(p: Path, data: bytes | str) -> Path:
    p.write_bytes(data) if isinstance(data, bytes) else p.write_text(data)
    return p


def _truncate(p: Path, n: int = 60) -> Path:
    p.write_bytes(p.read_bytes()[:n])
    return p


def _osisaf_nogm(tmp: Path) -> Path:
    p = tmp / "ice.nc"
    xr.Dataset({"ice_conc": (("yc", "xc"), np.zeros((2, 2)))}).to_netcdf(p)
    return p


def _eccc_nolat(tmp: Path) -> Path:
    p = tmp / "e.h5"
    with h5py.File(p, "w") as f:
        f["eureka_data/auger/ice_thickness"] = np.ones(3)
        f["eureka_data/auger/longitude"] = np.ones(3)
    return p


def _tif_nogeo(tmp: Path) -> Path:
    p = tmp / "plain.tif"
    with pytest.warns(rasterio.errors.NotGeoreferencedWarning):
        with rasterio.open(p, "w", driver="GTiff", width=3, height=3, count=1, dtype="uint8") as d:
            d.write(np.ones((3, 3), np.uint8), 1)
    return p


def _tif_truncated_safe(tmp: Path) -> Path:
    safe = _safe(tmp)
    _truncate(next(safe.glob("measurement/*hv*.tiff")), 200)
    return safe


# name -> (build(tmp) -> path to open, regex the message must match)
CASES = {
    "empty file": (lambda t: _write(t / "x.nc", b""), "file is empty"),
    "random bytes": (lambda t: _write(t / "x.bin", RNG.bytes(999)), "not a supported format"),
    "random bytes .nc": (lambda t: _write(t / "x.nc", b"CDF\x01" + RNG.bytes(99)), "cannot read"),
    "wrong format (.hdr not ENVI)": (lambda t: _write(t / "x.hdr", "hello"), "not a supported format"),
    "envi missing .hdr": (lambda t: _envi(t).with_suffix(".hdr").unlink() or t / "a.img", "missing ENVI header a.hdr"),
    "envi truncated": (lambda t: _truncate(_envi(t), 10), "truncated"),
    "envi empty .img": (lambda t: _truncate(_envi(t), 0), "file is empty"),
    "safe missing calibration": (lambda t: (s := _safe(t), _cal(s).unlink())[0], "missing companion file"),
    "safe truncated calibration": (lambda t: (s := _safe(t), _truncate(_cal(s)))[0], "not well-formed XML"),
    "safe random calibration": (lambda t: (s := _safe(t), _cal(s).write_bytes(RNG.bytes(300)))[0], "not well-formed XML"),
    "safe missing sigmaNought": (
        lambda t: (s := _safe(t), _cal(s).write_text(_cal(s).read_text().replace("sigmaNought", "gamma")))[0],
        "missing XML element 'sigmaNought'"),
    "safe truncated measurement": (_tif_truncated_safe, "cannot read"),
    "safe without annotation": (lambda t: (s := _safe(t), shutil.rmtree(s / "annotation"))[0], "not a supported format"),
    "rcm missing lutSigma": (lambda t: (r := _rcm(t), (r / "metadata/calibration/lutSigma_HH.xml").unlink())[0],
                             "lutSigma_HH.xml: missing companion file"),
    "rcm random product.xml": (lambda t: (r := _rcm(t), (r / "metadata/product.xml").write_bytes(RNG.bytes(200)))[0],
                               "not well-formed XML"),
    "rcm no polarizations": (lambda t: (r := _rcm(t), (r / "metadata/product.xml").write_text(
        '<?xml version="1.0"?><product/>'))[0], "no polarizations"),
    "ai4arctic missing HV": (lambda t: write_scene(t / "s.nc", RNG, drop="nersc_sar_secondary") and t / "s.nc",
                             "missing variable 'nersc_sar_secondary'"),
    "ai4arctic truncated": (lambda t: (write_scene(t / "s.nc", RNG), _truncate(t / "s.nc", 3000))[1], "cannot read|not a supported"),
    "osisaf without grid mapping": (_osisaf_nogm, "without a grid mapping"),
    "eccc missing latitude": (_eccc_nolat, "missing dataset eureka_data/auger/latitude"),
    "csv without thickness column": (lambda t: _write(t / "p.csv", "lon,lat,depth\n1,2,3\n"), "not a supported format"),
    "csv text in thickness": (lambda t: _write(t / "p.csv", "lon,lat,thickness\n1,2,thick\n"), "non-numeric"),
    "geotiff without georeferencing": (_tif_nogeo, "without georeferencing"),
    "stats random pickle": (lambda t: _write(t / "g.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '|O'" + RNG.bytes(50)),
                            "cannot read"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_error(case, tmp_path, cli):
    build, pattern = CASES[case]
    path = build(tmp_path)
    with pytest.raises(SeaIceError, match=pattern) as e:
        ds = open_dataset(path)
        for v in ds.data_vars.values():  # lazy readers fail on first read, with the same error
            v.values  # noqa: B018
    msg = str(e.value)
    assert "\n" not in msg and str(tmp_path) in msg, msg
    rc, out, err = cli("info", path, "--json")
    if rc == 0:  # only lazy data errors pass `info` (it reads no pixels); the read failed above
        assert case == "safe truncated measurement"
    else:
        assert (
            rc == 2 and err.startswith("seaice-jax: error: ") and err.count("\n") == 1 and not out
        )


# --- fuzzing: mutated bytes of real headers never escape as anything but SeaIceError ----------

MUTATIONS = st.tuples(
    st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), min_size=1, max_size=8),
    st.one_of(st.none(), st.integers(0, 4096)),
)


def _mutate(data: bytes, edits, cut) -> bytes:
    buf = bytearray(data)
    for i, b in edits:
        if i < len(buf):
            buf[i] = b
    return bytes(buf[:cut] if cut is not None else buf)


def _fuzz(target: Path, original: bytes, opener: Path):
    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(MUTATIONS)
    def run(mutation):
        target.write_bytes(_mutate(original, *mutation))
        try:
            ds = open_dataset(opener)
            for v in ds.data_vars.values():
                np.asarray(v.values)
        except SeaIceError as e:
            assert "\n" not in str(e)

    run()


def test_fuzz_envi_header(data_dir):
    src = next((data_dir / "glia_s1_ew_belgica/features").iterdir())
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(src / "landmask.img", Path(d) / "landmask.img")
        hdr = Path(d) / "landmask.hdr"
        _fuzz(hdr, (src / "landmask.hdr").read_bytes(), Path(d) / "landmask.img")


def test_fuzz_sentinel1_annotation_header(data_dir):
    ann = next((data_dir / "xarray_sentinel_ew").glob("*.SAFE/annotation/*hh*.xml"))
    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / "annotation" / ann.name
        target.parent.mkdir()
        _fuzz(target, ann.read_bytes()[:4096] + _tail(ann), target)


def _tail(ann: Path) -> bytes:
    """The geolocation grid and closing tags of the annotation (keeps the fuzzed file small)."""
    text = ann.read_bytes()
    return text[text.index(b"<geolocationGrid>") :]


def test_fuzz_tiny_safe_calibration_and_noise(tmp_path_factory):
    safe = write_tiny_safe(tmp_path_factory.mktemp("s1"), np.random.default_rng(0), pols=("hh",))[0]
    for xml in sorted((safe / "annotation/calibration").glob("*.xml")):
        _fuzz(xml, xml.read_bytes(), safe)


def test_fuzz_rcm_product_xml(tmp_path_factory):
    prod = write_tiny_rcm(tmp_path_factory.mktemp("rcm"), np.random.default_rng(0))[0]
    target = prod / "metadata" / "product.xml"
    _fuzz(target, target.read_bytes(), prod)


def test_cli_process_bad_file_no_traceback(tmp_path):
    """The installed entry point as a process: exit 2, one line on stderr, nothing on stdout."""
    import os
    import subprocess
    import sys

    bad = _write(tmp_path / "scene.img", RNG.bytes(64))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    r = subprocess.run([sys.executable, "-m", "seaice_jax", "info", str(bad)], capture_output=True,
                       text=True, env=env, timeout=120)  # fmt: skip
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == f"seaice-jax: error: {bad}: missing ENVI header scene.hdr\n"
