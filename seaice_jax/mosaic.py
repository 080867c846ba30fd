"""Daily mosaics of many SIC scenes/products on a large grid, block by block, across processes.

The target grid (default ``arctic3413_200m``: 56,000 x 38,000 pixels, 8.5 GB per float32 field)
is cut into ``block x block`` tiles; only the blocks some scene touches are computed, and each is
finished and written before the next starts, so memory holds a few blocks, never the grid. Each
scene is cropped (lazily) to a block's footprint and regridded onto it (area average when the scene
is finer, bilinear when coarser); overlaps are resolved by the fusion rule itself
(:func:`seaice_jax.fusion.weights`): weights ``1 / (sigma^2 + sigma_rep^2)`` with ``sigma`` the
scene's ``sic_uncertainty`` and ``sigma_rep`` the representativeness term of its pixel size. Its
``kappa`` and ``beta`` are those of scene fusion: the calibrated ones when a fusion calibration is
given (``seaice_jax.fusion.save_calibration``), unless the fusion config's
``mosaic.use_calibration`` is False, else the config's.

Scenes are split across processes (``i % num_processes``); every block's weighted sums are added
across processes with one jitted reduction over a global array built by
``jax.make_array_from_process_local_data`` (JAX's distributed runtime, DESIGN section 7), and
process 0 writes. A scene that cannot be read, holds no valid SIC or lies outside the grid is
listed in ``<out>.failures.json`` and the mosaic goes on; outputs appear only when complete.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import jax
import ml_collections
import numpy as np
import xarray as xr
from rasterio.warp import transform_bounds
from tqdm import tqdm

from seaice_jax.atomic import write_text
from seaice_jax.distributed import maybe_initialize
from seaice_jax.errors import SeaIceError
from seaice_jax.fusion import FusionParams, apply_calibration, load_calibration, params_from_config
from seaice_jax.fusion import weights as fusion_weights
from seaice_jax.geo import Grid, named_grid, regrid
from seaice_jax.io.blockwise import MosaicWriters
from seaice_jax.io.cfmeta import product_time
from seaice_jax.io.products import open_dataset, pick_var
from seaice_jax.sharding import allreduce_sum

UNREADABLE, NAN_ONLY, OUTSIDE = 1, 2, 3
REASONS = {
    UNREADABLE: "unreadable or not a georeferenced SIC product",
    NAN_ONLY: "no valid SIC (NaN only)",
    OUTSIDE: "outside the mosaic grid",
}


@dataclasses.dataclass(frozen=True)
class MosaicConfig:
    """Mosaic settings; build them with :func:`mosaic_config` from a fusion config.

    Attributes:
      fusion: the fusion rule's parameters (``kappa``, ``beta``, ``min_sigma``; the target
        pixel is the mosaic grid's).
      default_sigma: 1-sigma (%) of scenes without ``sic_uncertainty``.
      block: block edge (px).
      crop: crop the output to the usable scenes' bounding box.
      quicklook_px: longest side (px) of the quick-look PNG.
    """

    fusion: FusionParams
    default_sigma: float
    block: int = 2048
    crop: bool = True
    quicklook_px: int = 2000


def mosaic_config(
    fusion_cfg: ml_collections.ConfigDict,
    calibration: dict[str, float] | None = None,
    **layout,
) -> MosaicConfig:
    """The mosaic's settings from a ``configs/fusion.py`` config.

    Args:
      fusion_cfg: the fusion config (``kappa``, ``beta``, ``min_sigma``, ``mosaic.*``).
      calibration: calibrated fusion parameters (``seaice_jax.fusion.load_calibration``); used
        unless ``fusion_cfg.mosaic.use_calibration`` is False.
      **layout: ``block``, ``crop``, ``quicklook_px`` (see :class:`MosaicConfig`).
    """
    if calibration is not None and fusion_cfg.mosaic.use_calibration:
        fusion_cfg = apply_calibration(fusion_cfg, calibration)
    return MosaicConfig(
        fusion=params_from_config(fusion_cfg),
        default_sigma=float(fusion_cfg.mosaic.default_sigma),
        **layout,
    )


@dataclasses.dataclass
class Scene:
    path: str
    blocks: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    box: tuple[int, int, int, int] | None = None
    failure: int = 0
    message: str = ""
    time: tuple | None = None  # (start, end) of the scene's data, when it says


def _pixel_box(bounds, grid: Grid) -> tuple[int, int, int, int] | None:
    """Map bounds -> (row0, col0, row1, col1) pixel box clipped to ``grid`` (None: outside)."""
    left, bottom, right, top = bounds
    c0 = max(int(np.floor((left - grid.x0) / grid.res)), 0)
    c1 = min(int(np.ceil((right - grid.x0) / grid.res)), grid.width)
    r0 = max(int(np.floor((grid.y0 - top) / grid.res)), 0)
    r1 = min(int(np.ceil((grid.y0 - bottom) / grid.res)), grid.height)
    return (r0, c0, r1, c1) if r0 < r1 and c0 < c1 else None


def _blocks_of(box, block: int) -> list[tuple[int, int]]:
    r0, c0, r1, c1 = box
    return [
        (r, c)
        for r in range(r0 // block, (r1 - 1) // block + 1)
        for c in range(c0 // block, (c1 - 1) // block + 1)
    ]


def plan(paths: Sequence[str | os.PathLike], grid: Grid, block: int) -> list[Scene]:
    """Open each scene's metadata and list the blocks it touches (or why it cannot be used)."""
    scenes = []
    for p in paths:
        s = Scene(os.fspath(p))
        try:
            ds = open_dataset(p)
            da = pick_var(ds, "sic", p)
            s.time = product_time(ds)
            if da.rio.crs is None:
                raise SeaIceError(f"{p}: has no coordinate reference system")
            b = transform_bounds(da.rio.crs, grid.pyproj_crs, *da.rio.bounds(), densify_pts=21)
            s.box = _pixel_box(b, grid) if np.all(np.isfinite(b)) else None
            s.blocks = _blocks_of(s.box, block) if s.box else []
            if not s.blocks:
                s.failure, s.message = OUTSIDE, f"{p}: {REASONS[OUTSIDE]}"
        except SeaIceError as e:
            s.failure, s.message = UNREADABLE, str(e)
        except Exception as e:  # noqa: BLE001 - a broken file must not stop the day
            s.failure, s.message = UNREADABLE, f"{p}: {REASONS[UNREADABLE]} ({type(e).__name__})"
        scenes.append(s)
    return scenes


def _time_coverage(scenes: Sequence[Scene]) -> dict:
    """The ``time_coverage_*`` attributes spanning the usable scenes' times (empty: none known)."""
    times = [t for s in scenes if not s.failure and s.time for t in s.time]
    if not times:
        return {}
    return {"time_coverage_start": str(min(times)), "time_coverage_end": str(max(times))}


def _crop_to(da: xr.DataArray, sub: Grid, margin: int = 2) -> xr.DataArray | None:
    """The part of ``da`` covering ``sub`` (lazy slice), or None when they do not intersect."""
    b = transform_bounds(sub.pyproj_crs, da.rio.crs, *sub.bounds, densify_pts=21)
    t = da.rio.transform()
    cols = sorted(((b[0] - t.c) / t.a, (b[2] - t.c) / t.a))
    rows = sorted(((b[3] - t.f) / t.e, (b[1] - t.f) / t.e))
    c0, c1 = (
        max(int(np.floor(cols[0])) - margin, 0),
        min(int(np.ceil(cols[1])) + margin, da.sizes["x"]),
    )
    r0, r1 = (
        max(int(np.floor(rows[0])) - margin, 0),
        min(int(np.ceil(rows[1])) + margin, da.sizes["y"]),
    )
    if c0 >= c1 or r0 >= r1:
        return None
    return da.isel(y=slice(r0, r1), x=slice(c0, c1))


def _scene_sums(path: str, sub: Grid, cfg: MosaicConfig) -> np.ndarray:
    """(2, h, w) sums ``w``, ``w * sic`` of one scene on block grid ``sub``."""
    ds = open_dataset(path)
    sic = pick_var(ds, "sic", path)
    src_res = Grid.from_dataset(sic).res
    sic = _crop_to(sic, sub)
    if sic is None:
        return np.zeros((2, *sub.shape), np.float32)
    method = "bilinear" if src_res > sub.res * 1.01 else "average"
    c = np.asarray(regrid(sic.load(), sub, method).values, np.float32)
    if "sic_uncertainty" in ds:
        u = _crop_to(pick_var(ds, "sic_uncertainty", path), sub)
        s = np.asarray(regrid(u.load(), sub, method).values, np.float32)
    else:
        s = np.full(sub.shape, cfg.default_sigma, np.float32)
    ok = np.isfinite(c) & np.isfinite(s)
    c = np.clip(np.where(ok, c, 0.0), 0.0, 100.0)
    # The scene's pixel is its footprint on the mosaic grid (the block's pixel).
    params = dataclasses.replace(cfg.fusion, target_res_m=float(sub.res))
    w = np.asarray(fusion_weights(c, s, ok, np.float32(src_res), params))
    return np.stack([w, w * c]).astype(np.float32)


def finish_block(acc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums (3, h, w) = (sum w, sum w c, count) -> SIC %, 1-sigma %, number of scenes."""
    w, wc, n = acc
    ok = w > 0
    sic = np.where(ok, wc / np.where(ok, w, 1.0), np.nan).astype(np.float32)
    unc = np.where(ok, 1.0 / np.sqrt(np.where(ok, w, 1.0)), np.nan).astype(np.float32)
    return sic, unc, np.where(ok, n, np.nan).astype(np.float32)


def _output_box(grid: Grid, scenes: list[Scene], cfg: MosaicConfig) -> tuple[int, int, int, int]:
    """Pixel box of the output: the usable scenes' bounding box when cropping, else the grid."""
    boxes = [s.box for s in scenes if not s.failure and s.box]
    if not cfg.crop or not boxes:
        return (0, 0, grid.height, grid.width)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _clip(acc: np.ndarray, r0: int, c0: int, box) -> tuple[np.ndarray, int, int] | None:
    """The part of block sums ``acc`` at grid pixel (r0, c0) inside ``box``, box-relative."""
    br0, bc0, br1, bc1 = box
    a0, b0 = max(r0, br0), max(c0, bc0)
    a1, b1 = min(r0 + acc.shape[1], br1), min(c0 + acc.shape[2], bc1)
    if a0 >= a1 or b0 >= b1:
        return None
    return acc[:, a0 - r0 : a1 - r0, b0 - c0 : b1 - c0], a0 - br0, b0 - bc0


def build_mosaic(
    paths: Sequence[str | os.PathLike],
    grid: Grid,
    out: str | os.PathLike,
    cfg: MosaicConfig,
    *,
    tif: str | os.PathLike | None = None,
    png: str | os.PathLike | None = None,
    progress: bool = False,
    warn: Callable[[str], None] = print,
) -> dict:
    """Mosaic SIC scenes onto ``grid`` and write ``out`` (+ COG, PNG, ``failures.json``).

    Args:
      paths: scene/product files holding ``sic`` (and optionally ``sic_uncertainty``).
      grid: the mosaic grid (any size: only touched blocks are computed).
      out: output CF-netCDF (``sic``, ``sic_uncertainty``, ``n_scenes``).
      cfg: settings (:func:`mosaic_config`).
      tif, png: optional COG and quick-look PNG paths.
      progress: progress bar. warn: receives one line per failed scene.

    Returns:
      ``{"scenes": n, "used": n_ok, "failures": [{"path", "reason"}], "blocks": n_blocks}``.
      Only process 0 writes files; every process returns the same summary.

    Raises:
      SeaIceError: no scene could be used (the failures list is still written).
    """
    scenes = plan(paths, grid, cfg.block)
    pid, nproc = jax.process_index(), jax.process_count()
    mine = [i for i, s in enumerate(scenes) if not s.failure and i % nproc == pid]
    blocks = sorted({b for s in scenes if not s.failure for b in s.blocks})
    finite = np.zeros(len(scenes), np.float32)
    broken = np.zeros(len(scenes), np.float32)
    fail_path = Path(f"{out}.failures.json")
    if blocks:
        box = _output_box(grid, scenes, cfg)
        ogrid = dataclasses.replace(
            grid.subgrid(box[0], box[1], box[2] - box[0], box[3] - box[1]), name=grid.name
        )
        with MosaicWriters(
            ogrid,
            out,
            tif,
            png,
            chunk=min(cfg.block, 1024),
            quicklook_px=cfg.quicklook_px,
            write=pid == 0,
            attrs=_time_coverage(scenes),
        ) as writers:
            for b in tqdm(blocks, desc="mosaic", unit="block", disable=not progress):
                sub = grid.subgrid(
                    b[0] * cfg.block,
                    b[1] * cfg.block,
                    min(cfg.block, grid.height - b[0] * cfg.block),
                    min(cfg.block, grid.width - b[1] * cfg.block),
                )
                acc = np.zeros((3, *sub.shape), np.float32)
                for i in mine:
                    if b in scenes[i].blocks and not broken[i]:
                        try:
                            sums = _scene_sums(scenes[i].path, sub, cfg)
                        except Exception as e:  # noqa: BLE001 - one bad scene must not stop the day
                            broken[i] = UNREADABLE
                            scenes[i].message = f"{scenes[i].path}: {REASONS[UNREADABLE]} ({e})"
                            continue
                        acc[:2] += sums
                        acc[2] += sums[0] > 0
                        finite[i] += float((sums[0] > 0).sum())
                acc = allreduce_sum(acc)
                part = _clip(acc, b[0] * cfg.block, b[1] * cfg.block, box)
                if part is not None:
                    writers.write(part[1], part[2], *finish_block(part[0]))
            finite, broken = allreduce_sum(finite), allreduce_sum(broken)
            for i, s in enumerate(scenes):
                if not s.failure and broken[i]:
                    s.failure = UNREADABLE
                    s.message = s.message or f"{s.path}: {REASONS[UNREADABLE]}"
                elif not s.failure and finite[i] == 0:
                    s.failure, s.message = NAN_ONLY, f"{s.path}: {REASONS[NAN_ONLY]}"
            if all(s.failure for s in scenes):
                writers.abort()
    failures = [{"path": s.path, "reason": s.message} for s in scenes if s.failure]
    for f in failures:
        warn(f["reason"])
    if pid == 0:
        write_text(fail_path, json.dumps(failures, indent=1) + "\n")
    summary = {
        "scenes": len(scenes),
        "used": len(scenes) - len(failures),
        "failures": failures,
        "blocks": len(blocks),
    }
    if summary["used"] == 0:
        raise SeaIceError(f"{out}: no usable scene among {len(scenes)} (see {fail_path})")
    return summary


def _expand(items: Sequence[str | os.PathLike]) -> list[str]:
    """Scene files, with each folder replaced by the ``.nc`` files in it (sorted)."""
    out = []
    for it in items:
        p = Path(it)
        out += sorted(str(f) for f in p.glob("*.nc")) if p.is_dir() else [str(it)]
    return out


def mosaic_files(
    inputs: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    fusion_cfg: ml_collections.ConfigDict,
    *,
    grid_name: str = "arctic3413_200m",
    like: str | os.PathLike | None = None,
    calibration: str | os.PathLike | None = None,
    block: int = 2048,
    crop: bool = True,
    tif: str | os.PathLike | None = None,
    png: str | os.PathLike | None = None,
    warn: Callable[[str], None] = print,
) -> dict:
    """``seaice-jax mosaic``: start the JAX runtime (multi-process when the environment says so),
    pick the grid, and mosaic scene files and folders of them.

    Args:
      inputs: scene files or folders of ``.nc`` files.
      out: output CF-netCDF; tif, png: optional COG and quick-look PNG.
      fusion_cfg: ``configs/fusion.py`` config; calibration: a fusion calibration file.
      grid_name, like: the grid (a named grid, or the grid of a file).
      block: block edge (px); crop: crop to the scenes' bounding box.
      warn: receives one line per failed scene.

    Returns:
      :func:`build_mosaic`'s summary plus ``process_index`` (this process's index).
    """
    maybe_initialize()  # SEAICE_JAX_* / SLURM / TPU VM environments
    if block < 16:
        raise SeaIceError(f"--block: must be >= 16, got {block}")
    grid = Grid.from_dataset(open_dataset(like)) if like else named_grid(grid_name)
    cal = load_calibration(calibration) if calibration else None
    cfg = mosaic_config(fusion_cfg, cal, block=block, crop=crop)
    res = build_mosaic(
        _expand(inputs),
        grid,
        out,
        cfg,
        tif=tif,
        png=png,
        progress=jax.process_index() == 0,
        warn=warn,
    )
    return {**res, "process_index": jax.process_index()}
