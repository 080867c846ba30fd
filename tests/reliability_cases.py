"""The bad-input catalogue: one row per way a user's input can be wrong, across the CLI.

Each :class:`Case` builds its bad input in a fresh folder (``make(tmp, data) -> argv``), names
the output file the command would write (``out``, relative to ``tmp``) and the fragment the
one-line ``seaice-jax: error:`` message must contain. ``tests/test_reliability_bad_inputs.py``
runs every row; :func:`troubleshooting_markdown` renders the same rows as
``docs/troubleshooting.md`` (message -> cause -> fix), and a test keeps the two identical.
Regenerate the page after editing the table::

    PYTHONPATH=. /work/venv/bin/python tests/reliability_cases.py > docs/troubleshooting.md
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

RRDP = "esa_cci_sic_rrdp_amsr2/ASCAT-vs-AMSR2-vs-ERA5-vs-DTUSIC1-2017-N.text"
OSISAF = "osisaf_sic/cf_nh25km.nc"
ECCC = "eccc_eureka2014_insitu/ECCCEureka2014.h5"
GLIA = (
    "glia_s1_ew_belgica/features/"
    "S1A_EW_GRDM_1SDH_20220503T082621_20220503T082725_043044_0523D1_AF89_subsampled"
)
SAFE = "xarray_sentinel_ew/S1A_EW_SLC__1SDH_20210403T122536_20210403T122630_037286_046484_8152.SAFE"
CHART = "cis_sigrid3_shp/shapefile"
SSMIS = "pyresample_ssmis/ssmis_swath.npz"
NSIDC = "nsidc0051_nasateam/nt_20171002_f17_v1.1_n.bin"
TB_NAMES = ("tb_18_7h", "tb_18_7v", "tb_23_8v", "tb_36_5h", "tb_36_5v", "tb_89_0h", "tb_89_0v")


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input.

    Attributes:
      id: short name (pytest id).
      cmd: the subcommand (``argv`` starts with it).
      what: the bad input in words (the doc's first column).
      make: ``make(tmp, data) -> argv`` builds the input under ``tmp`` and returns the arguments.
      expect: a fragment of the one-line message (it names the file or the key).
      cause: why it happens.
      fix: what the user does about it.
      out: the output file the command would write, relative to ``tmp`` (None: writes nothing).
      subprocess: also run as a real process (exit status and stderr of the interpreter).
    """

    id: str
    cmd: str
    what: str
    make: Callable[[Path, Path], list[str]]
    expect: str
    cause: str
    fix: str
    out: str | None = None
    subprocess: bool = False


# ----------------------------------------------------------------------------- input builders


def grid(res: float = 25_000.0, n: int = 12, x0: float = -1_000_000.0, y0: float = 1_000_000.0):
    from seaice_jax.geo import Grid

    return Grid("EPSG:3413", x0, y0, res, n, n)


def raster_nc(path: Path, variables: dict[str, float | np.ndarray], g=None, crs=None) -> Path:
    """A small georeferenced netCDF with the given (y, x) variables (constants or arrays)."""
    from seaice_jax.io.writers import write_netcdf

    g = g or grid()
    ds = g.template()
    for name, v in variables.items():
        ds[name] = (("y", "x"), np.broadcast_to(np.asarray(v, np.float32), g.shape).copy())
    if crs is not None:
        ds = ds.rio.write_crs(crs)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_netcdf(ds, path)
    return path


def tb_nc(path: Path, drop: tuple[str, ...] = (), value: float = 230.0) -> Path:
    return raster_nc(path, {n: value for n in TB_NAMES if n not in drop})


def cut(src: Path, dst: Path, n: int) -> Path:
    """The first ``n`` bytes of ``src`` (a truncated download)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes()[:n])
    return dst


def noise(dst: Path, n: int = 4096, magic: bytes = b"") -> Path:
    rng = np.random.default_rng(len(dst.name))
    dst.write_bytes(magic + rng.integers(0, 256, n, dtype=np.uint8).tobytes())
    return dst


def _cog(tmp: Path) -> Path:
    from seaice_jax.io.writers import write_cog

    g = grid()
    ds = g.template()
    ds["sic"] = (("y", "x"), np.full(g.shape, 50.0, np.float32))
    write_cog(ds, tmp / "good.tif")
    return tmp / "good.tif"


def _envi_lying_hdr(tmp: Path, data: Path) -> list[str]:
    src = data / GLIA
    hdr = (src / "IA.hdr").read_text()
    lines = next(int(v) for k, v in _hdr_items(hdr) if k == "lines")
    (tmp / "IA.hdr").write_text(re.sub(r"(?m)^lines\s*=.*$", f"lines = {lines * 3}", hdr))
    shutil.copy(src / "IA.img", tmp / "IA.img")
    return ["info", tmp / "IA.img"]


def _hdr_items(text: str):
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            yield k.strip().lower(), v.strip()


def _safe_no_annotation(tmp: Path, data: Path) -> list[str]:
    dst = tmp / Path(SAFE).name
    shutil.copytree(data / SAFE, dst)
    shutil.rmtree(dst / "annotation")
    return ["info", dst]


def _safe_bad_annotation(tmp: Path, data: Path) -> list[str]:
    dst = tmp / Path(SAFE).name
    shutil.copytree(data / SAFE, dst)
    for xml in (dst / "annotation").glob("*.xml"):
        cut(xml, xml, 2000)
    return ["info", dst]


def _chart_no_prj(tmp: Path, data: Path) -> list[str]:
    for ext in (".shp", ".shx", ".dbf"):
        shutil.copy(data / f"{CHART}{ext}", tmp / f"chart{ext}")
    raster_nc(tmp / "pred.nc", {"sic": 50.0})
    return ["info", tmp / "chart.shp"]


def _chart_truncated(tmp: Path, data: Path) -> list[str]:
    for ext in (".shx", ".dbf", ".prj"):
        shutil.copy(data / f"{CHART}{ext}", tmp / f"chart{ext}")
    cut(data / f"{CHART}.shp", tmp / "chart.shp", 5000)
    return ["info", tmp / "chart.shp"]


def _rrdp_no_tb(tmp: Path, data: Path) -> list[str]:
    lines = (data / RRDP).read_text(encoding="latin-1").splitlines()[:40]
    names = lines[1].split(",")
    keep = [i for i, n in enumerate(names) if "GHz" not in n]
    rows = [",".join(r.split(",")[i] for i in keep) for r in lines[2:]]
    header = ",".join(names[i] for i in keep)
    (tmp / "rrdp.text").write_text("\n".join([lines[0], header, *rows]) + "\n")
    return ["nasateam", "--input", tmp / "rrdp.text", "--out", tmp / "nt.nc"]


def _rrdp_missing_36v(tmp: Path, data: Path) -> list[str]:
    lines = (data / RRDP).read_text(encoding="latin-1").splitlines()[:40]
    header = lines[1].replace("36.5GHzV", "36.5GHzX")
    (tmp / "rrdp.text").write_text("\n".join([lines[0], header, *lines[2:]]) + "\n")
    return ["nasateam", "--input", tmp / "rrdp.text", "--out", tmp / "nt.nc"]


def _rrdp_text_in_tb(tmp: Path, data: Path) -> list[str]:
    lines = (data / RRDP).read_text(encoding="latin-1").splitlines()[:12]
    names = lines[1].split(",")
    cols = [i for i, n in enumerate(names) if "GHz" in n]
    rows = []
    for r in lines[2:]:
        f = r.split(",")
        for i in cols:
            f[i] = "n/a"
        rows.append(",".join(f))
    (tmp / "rrdp.text").write_text("\n".join([lines[0], lines[1], *rows]) + "\n")
    return ["nasateam", "--input", tmp / "rrdp.text", "--out", tmp / "nt.nc"]


def _csv_text(tmp: Path, data: Path) -> list[str]:
    (tmp / "points.csv").write_text(
        "lon,lat,time,thickness\n21.0,63.0,2021-03-01,0.4\n21.1,63.1,2021-03-01,thick\n"
    )
    return ["info", tmp / "points.csv"]


def _evaluate(pred: dict, ref: dict, pred_grid=None, ref_grid=None, crs=None, extra=()):
    def make(tmp: Path, data: Path) -> list[str]:
        raster_nc(tmp / "pred.nc", pred, pred_grid, crs=crs)
        raster_nc(tmp / "ref.nc", ref, ref_grid)
        return ["evaluate", "--pred", tmp / "pred.nc", "--ref", tmp / "ref.nc", *extra]

    return make


# A CRS of another body: pyproj knows it, but no transformation reaches the Earth's EPSG:3413.
MARS_CRS = "+proj=stere +lat_0=90 +lon_0=0 +R=3396190 +no_defs +type=crs"


def _nasateam_out(out: str, pre: Callable[[Path], None] | None = None):
    def make(tmp: Path, data: Path) -> list[str]:
        if pre:
            pre(tmp)
        return ["nasateam", "--input", data / RRDP, "--out", tmp / out]

    return make


def _sit_segment(extra=(), scene=None):
    def make(tmp: Path, data: Path) -> list[str]:
        src = scene(tmp) if scene else tmp / "sar.nc"
        if scene is None:
            rng = np.random.default_rng(0)
            raster_nc(src, {"hh": rng.normal(-15, 2, (12, 12)), "incidence_angle": 35.0})
        return ["sit", "segment", "--input", src, "--out", tmp / "seg.nc", *extra]

    return make


def _fuse(tmp: Path, data: Path) -> list[str]:
    raster_nc(tmp / "nt.nc", {"sic": np.nan})
    return ["fuse", "--nt", tmp / "nt.nc", "--out", tmp / "fused.nc"]


def _mosaic(extra=(), scenes=("a.nc",)):
    def make(tmp: Path, data: Path) -> list[str]:
        for s in scenes:
            raster_nc(tmp / s, {"sic": 50.0, "sic_uncertainty": 5.0})
        return [
            "mosaic",
            *(tmp / s for s in scenes),
            "--like",
            tmp / scenes[0],
            "--out",
            tmp / "mosaic.nc",
            *extra,
        ]

    return make


def _file(name: str, body: Callable[[Path, Path], Path], cmd: str = "info"):
    def make(tmp: Path, data: Path) -> list[str]:
        return [cmd, body(tmp, data)]

    return make


_TRUNC = "the file was cut short (interrupted download or copy)"
_REFETCH = "download or copy the file again (`seaice-jax fetch NAME` re-checks the checksum)"

CASES: list[Case] = [
    Case(
        "netcdf-truncated",
        "info",
        "netCDF cut after 1000 bytes",
        _file("x", lambda t, d: cut(d / OSISAF, t / "trunc.nc", 1000)),
        "trunc.nc: cannot read netCDF",
        _TRUNC,
        _REFETCH,
        subprocess=True,
    ),
    Case(
        "netcdf-empty",
        "info",
        "empty netCDF file (0 bytes)",
        _file("x", lambda t, d: cut(d / OSISAF, t / "empty.nc", 0)),
        "empty.nc: file is empty",
        "a failed download left an empty file",
        _REFETCH,
    ),
    Case(
        "netcdf-random",
        "info",
        "random bytes named .nc",
        _file("x", lambda t, d: noise(t / "rand.nc")),
        "rand.nc: not a supported format",
        "the file is not netCDF (or any supported format)",
        "check the path; `seaice-jax info --help` lists the formats",
    ),
    Case(
        "netcdf-random-hdf5-magic",
        "info",
        "HDF5 signature followed by random bytes",
        _file("x", lambda t, d: noise(t / "magic.nc", magic=b"\x89HDF\r\n\x1a\n")),
        "magic.nc: cannot read",
        "a damaged netCDF-4/HDF5 file",
        _REFETCH,
    ),
    Case(
        "hdf5-truncated",
        "info",
        "HDF5 (ECCC in-situ) cut after 5000 bytes",
        _file("x", lambda t, d: cut(d / ECCC, t / "trunc.h5", 5000)),
        "trunc.h5: not a supported format",
        _TRUNC,
        _REFETCH,
    ),
    Case(
        "geotiff-truncated",
        "info",
        "GeoTIFF cut in half",
        _file("x", lambda t, d: cut(_cog(t), t / "half.tif", (t / "good.tif").stat().st_size // 2)),
        "half.tif: truncated",
        _TRUNC,
        _REFETCH,
    ),
    Case(
        "geotiff-random",
        "info",
        "TIFF signature followed by random bytes",
        _file("x", lambda t, d: noise(t / "rand.tif", magic=b"II*\x00")),
        "rand.tif: cannot read as geotiff",
        "a damaged TIFF",
        _REFETCH,
    ),
    Case(
        "envi-no-hdr",
        "info",
        "ENVI .img without its .hdr",
        _file("x", lambda t, d: Path(shutil.copy(d / GLIA / "IA.img", t / "IA.img"))),
        "IA.img: missing ENVI header IA.hdr",
        "ENVI keeps size and type in a separate .hdr",
        "copy the .hdr next to the .img (same base name)",
    ),
    Case(
        "envi-hdr-lies",
        "info",
        ".hdr claims 3x the lines the .img holds",
        _envi_lying_hdr,
        "IA.img: truncated",
        "the .hdr does not belong to this .img, or the .img is truncated",
        "use the .hdr written with the image; re-copy a truncated .img",
    ),
    Case(
        "safe-no-annotation",
        "info",
        "Sentinel-1 SAFE folder without its annotation/ XMLs",
        _safe_no_annotation,
        ".SAFE: not a supported format",
        "a SAFE product is read through its annotation XMLs (geolocation, incidence)",
        "download the whole SAFE product (unzip it completely)",
    ),
    Case(
        "safe-annotation-truncated",
        "info",
        "Sentinel-1 SAFE with truncated annotation XML",
        _safe_bad_annotation,
        "001.xml: not well-formed XML",
        _TRUNC,
        "download the SAFE product again",
    ),
    Case(
        "shapefile-no-prj",
        "info",
        "SIGRID-3 shapefile without its .prj",
        _chart_no_prj,
        "chart.shp: missing companion file chart.prj",
        "the chart's projection is in the .prj beside the .shp",
        "copy the .prj with the .shp, .shx and .dbf",
    ),
    Case(
        "shapefile-truncated",
        "info",
        "SIGRID-3 .shp cut after 5000 bytes",
        _chart_truncated,
        "chart.shp: truncated shapefile",
        _TRUNC,
        "copy the whole shapefile set again",
    ),
    Case(
        "csv-text-in-numbers",
        "info",
        "point CSV with text in the thickness column",
        _csv_text,
        "points.csv: column 'thickness' holds non-numeric values",
        "a value such as 'thick' or '1,2' (decimal comma) in a number column",
        "fix the row; use '.' as the decimal point and leave missing values empty",
    ),
    Case(
        "rrdp-no-tb-columns",
        "nasateam",
        "RRDP table without the AMSR2 TB columns",
        _rrdp_no_tb,
        "rrdp.text: RRDP table has no AMSR2 brightness temperature columns",
        "the table holds no brightness temperatures for NASA Team",
        "use an RRDP file with the AMSR2 group (18.7, 23.8, 36.5 GHz columns)",
        out="nt.nc",
    ),
    Case(
        "rrdp-missing-36v",
        "nasateam",
        "RRDP table without the 36.5 GHz V column",
        _rrdp_missing_36v,
        "rrdp.text: missing channel tb_36_5v",
        "NASA Team needs 18.7H/V, 23.8V and 36.5V",
        "use a file holding all channels (`seaice-jax info FILE` lists them)",
        out="nt.nc",
    ),
    Case(
        "rrdp-text-in-tb",
        "nasateam",
        "RRDP table with 'n/a' in every TB",
        _rrdp_text_in_tb,
        "rrdp.text: nasa_team: no valid brightness temperature",
        "no finite brightness temperature: nothing to compute",
        "check the table's columns; remove rows without TBs",
        out="nt.nc",
    ),
    Case(
        "nasateam-no-36v",
        "nasateam",
        "gridded netCDF without tb_36_5v",
        lambda t, d: [
            "nasateam",
            "--input",
            tb_nc(t / "tb.nc", drop=("tb_36_5v",)),
            "--out",
            t / "nt.nc",
        ],
        "tb.nc: missing channel tb_36_5v",
        "NASA Team needs 18.7H/V, 23.8V and 36.5V",
        "use a file holding all channels (`seaice-jax info FILE` lists them)",
        out="nt.nc",
        subprocess=True,
    ),
    Case(
        "nasateam-nan-only",
        "nasateam",
        "gridded netCDF whose TBs are all NaN",
        lambda t, d: [
            "nasateam",
            "--input",
            tb_nc(t / "tb.nc", value=np.nan),
            "--out",
            t / "nt.nc",
        ],
        "tb.nc: nasa_team: no valid brightness temperature",
        "every brightness temperature is missing (NaN-only bands)",
        "check the input (swath outside the region? fill values?)",
        out="nt.nc",
    ),
    Case(
        "nasateam-bad-tiepoints",
        "nasateam",
        "tie-point JSON that is not JSON",
        lambda t, d: [
            "nasateam",
            "--input",
            d / RRDP,
            "--out",
            t / "nt.nc",
            "--tiepoints",
            _write(t / "tp.json", "{19h: "),
        ],
        "tp.json",
        "the tie-point file is not valid JSON of the documented form",
        'write {"19h"|"19v"|"37v": {"ow"|"fy"|"my": K}}',
        out="nt.nc",
    ),
    Case(
        "evaluate-no-overlap",
        "evaluate",
        "prediction and reference grids far apart",
        _evaluate({"sic": 50.0}, {"sic": 50.0}, ref_grid=grid(x0=2_000_000.0, y0=-2_000_000.0)),
        "no overlap with the target grid",
        "the two files cover different regions",
        "evaluate a prediction against a reference of the same region and date",
        subprocess=True,
    ),
    Case(
        "evaluate-crs-untransformable",
        "evaluate",
        "prediction on a Mars polar stereographic CRS",
        _evaluate({"sic": 50.0}, {"sic": 50.0}, crs=MARS_CRS),
        "cannot transform between the grids' CRSs",
        "no transformation exists between the two CRSs (another body, broken WKT)",
        "write the file with the CRS it really has (e.g. EPSG:3413)",
    ),
    Case(
        "evaluate-missing-var",
        "evaluate",
        "--pred-var names a variable the file lacks",
        _evaluate({"sic": 50.0}, {"sic": 50.0}, extra=("--pred-var", "sea_ice")),
        "pred.nc: has no variable 'sea_ice'",
        "the variable name is wrong",
        "`seaice-jax info FILE` lists the variables",
    ),
    Case(
        "evaluate-nan-only",
        "evaluate",
        "prediction that is NaN everywhere",
        _evaluate({"sic": np.nan}, {"sic": 50.0}),
        "no valid pixel",
        "nothing to compare: the prediction is empty",
        "check the prediction run (land-only region? wrong date?)",
    ),
    Case(
        "fuse-nan-only",
        "fuse",
        "fusing a single NaN-only product",
        _fuse,
        "nt.nc: nt has no valid SIC",
        "the only product holds no valid SIC",
        "give at least one valid product",
        out="fused.nc",
    ),
    Case(
        "sit-config-typo",
        "sit segment",
        "unknown config key --config.icm.betta",
        _sit_segment(extra=("--config.icm.betta=2",)),
        "config key 'icm.betta' does not exist",
        "a typo in a dotted override",
        "check the key in the config file (configs/sit_baltic.py)",
        out="seg.nc",
    ),
    Case(
        "train-config-typo",
        "train",
        "unknown config key --config.nonexistent=1 on train",
        lambda t, d: [
            "train",
            "--config",
            "configs/sic_s1.py:smoke",
            "--workdir",
            t / "W",
            "--config.nonexistent=1",
        ],
        "config key 'nonexistent' does not exist",
        "a typo in a dotted override (checked before any work starts)",
        "check the key: every key is documented in seaice_jax/train/sic.py",
    ),
    Case(
        "simulate-config-typo",
        "simulate",
        "unknown config key --config.nonexistent=1 on simulate",
        lambda t, d: [
            "simulate",
            "--config",
            "configs/sim.py:smoke",
            "--out",
            t / "S",
            "--config.nonexistent=1",
        ],
        "config key 'nonexistent' does not exist",
        "a typo in a dotted override",
        "check the key in configs/sim.py",
    ),
    Case(
        "predict-no-workdir",
        "predict",
        "predict with a --workdir that holds no trained model",
        lambda t, d: [
            "predict",
            "--workdir",
            t / "nowork",
            "--input",
            raster_nc(t / "s.nc", {"hh": -15.0, "hv": -25.0}),
            "--out",
            t / "p.nc",
        ],
        "nowork: not a training folder",
        "the folder is not a `seaice-jax train` workdir (no predictor.json / checkpoint)",
        "point --workdir at a finished training run",
        out="p.nc",
    ),
    Case(
        "sit-negative-window",
        "sit segment",
        "negative texture window --config.texture.window=-5",
        _sit_segment(extra=("--config.texture.window=-5",)),
        "texture.window",
        "window sizes must be positive odd pixel counts",
        "use e.g. --config.texture.window=7",
        out="seg.nc",
    ),
    Case(
        "evaluate-all-land",
        "evaluate",
        "reference scene that is all land (land_mask = 1 everywhere)",
        _evaluate({"sic": 50.0}, {"sic": 50.0, "land_mask": 1.0}),
        "no valid pixel in common",
        "land is masked before comparing: nothing is left",
        "evaluate over a region with sea",
    ),
    Case(
        "mosaic-negative-block",
        "mosaic",
        "mosaic --block -64",
        _mosaic(extra=("--block", "-64")),
        "--block",
        "block edge must be a positive pixel count (>= 16)",
        "use e.g. --block 2048",
        out="mosaic.nc",
    ),
    Case(
        "info-override",
        "info",
        "--config.x=1 on a command without a config",
        lambda t, d: ["info", d / OSISAF, "--config.x=1"],
        "info: takes no --config",
        "only config-driven commands accept dotted overrides",
        "drop the --config.* argument",
    ),
    Case(
        "out-is-directory",
        "nasateam",
        "--out names an existing folder",
        _nasateam_out("outdir", pre=lambda t: (t / "outdir").mkdir()),
        "outdir: cannot write output",
        "the output path is a folder",
        "give a file name (e.g. outdir/nt.nc)",
    ),
    Case(
        "out-under-a-file",
        "nasateam",
        "--out inside a path component that is a file (unwritable folder)",
        _nasateam_out("afile/nt.nc", pre=lambda t: (t / "afile").write_text("x")),
        "afile/nt.nc: cannot write output (afile is not a folder)",
        "the output folder cannot be created or written",
        "choose a writable folder",
    ),
    Case(
        "out-is-fifo",
        "nasateam",
        "--out names an existing FIFO (or device)",
        _nasateam_out("pipe.nc", pre=lambda t: __import__("os").mkfifo(t / "pipe.nc")),
        "pipe.nc: cannot write output",
        "the output path is not a regular file; replacing it would destroy a device or pipe",
        "give a regular file name",
    ),
]


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def troubleshooting_markdown(cases: list[Case] | None = None) -> str:
    """``docs/troubleshooting.md``: the catalogue as message -> cause -> fix."""
    cases = CASES if cases is None else cases
    lines = [
        "# Troubleshooting",
        "",
        "Every mistake in a user's input ends `seaice-jax` with exit status 2 and one line on",
        "stderr, `seaice-jax: error: <file or key>: <what>`, with no traceback; no output file is",
        "created and an output already on disk is left as it was (outputs are written under a",
        "temporary name and renamed when complete). The table lists the cases the test suite",
        "checks (`tests/test_reliability_bad_inputs.py`; this page is generated from its table by",
        "`PYTHONPATH=. /work/venv/bin/python tests/reliability_cases.py > docs/troubleshooting.md`).",
        "",
        "A full disk during a write gives `<out>: cannot write output (...)` and leaves no partial",
        "file. A bad scene in a daily `mosaic` is skipped and listed in `OUT.failures.json`; the",
        "day still completes.",
        "",
        "| input | command | message contains | cause | fix |",
        "|---|---|---|---|---|",
    ]
    for c in cases:
        cmd = f"seaice-jax {c.cmd}"
        cells = [c.what, f"`{cmd}`", f"`{c.expect}`", c.cause, c.fix]
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(troubleshooting_markdown())
