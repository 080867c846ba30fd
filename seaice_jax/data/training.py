"""The prepared data of a training run, and ``prepare`` itself.

A SIC training config names its data in ``data``: an already prepared folder
(``data.prepared_dir``), or sources to prepare into ``WORKDIR/prepared``: ``data.sources`` plus
one simulated case per seed of ``data.sim_seeds`` from the simulator config ``data.sim_config``
(simulated into ``WORKDIR/sim/seed<N>``). Training itself (``seaice_jax.train.loop``) only reads
the prepared folder this returns.

``prepare``: any mix of product folders, simulated cases and AI4Arctic scenes -> tiles + index.

Sources are sorted into jobs, one per scene:

- a simulated case folder (``case.json`` and ``sic/<date>/``): one job per date, from the
  simulator's own arrays (:func:`seaice_jax.data.prepare.prepare_sim_date`);
- an AI4Arctic scene (``.nc`` with ``nersc_sar_primary``): the S1 model in its image geometry
  (:func:`~seaice_jax.data.prepare.prepare_ai4arctic`), the AMSR2-89 model on 3.125 km
  (:func:`~seaice_jax.data.products.prepare_ai4arctic_amsr2`);
- anything else is products as delivered (folders or files, e.g. a simulated case's
  ``products/``): indexed (:class:`~seaice_jax.collocate.ProductIndex`), collocated
  (:func:`~seaice_jax.collocate.collocate`), one job per collocated scene
  (:func:`~seaice_jax.data.products.prepare_collocation`).

The jobs run on :func:`seaice_jax.distributed.map_scenes` (in process, a local dask cluster, or a
running one); each job writes its own scene folder, so workers share nothing but the output
folder. A scene that fails is reported with its reason and the run goes on. ``DIR/collocation.json``
records what was collocated, prepared and skipped; ``DIR/index.json`` is written last, from the
scenes in job order, so the result does not depend on the number of workers.

This module is what ``train`` imports for its data; the scene builders are in
:mod:`seaice_jax.data.prepare` and :mod:`seaice_jax.data.products`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import jax
import ml_collections
import xarray as xr
from jax.experimental import multihost_utils

from seaice_jax.collocate.index import ProductIndex
from seaice_jax.collocate.match import Skip, collocate, summary, write_report
from seaice_jax.config import get as get_config
from seaice_jax.data.inputs import ai4arctic_stats, model_channels
from seaice_jax.data.prepare import (
    is_sim_case,
    prepare_ai4arctic,
    prepare_sim_date,
    scene_stats,
    split_dates,
    write_index,
    write_scene,
)
from seaice_jax.data.products import prepare_ai4arctic_amsr2, prepare_collocation, product_name
from seaice_jax.distributed import map_scenes
from seaice_jax.errors import SeaIceError
from seaice_jax.io.ai4arctic import is_scene as is_ai4arctic
from seaice_jax.sim.case import simulate


@dataclasses.dataclass(frozen=True)
class Job:
    """One scene to prepare: ``kind`` (sim | ai4arctic | product), what, its name and date."""

    kind: str
    what: object
    name: str
    date: str


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The outcome of :func:`prepare_dataset`."""

    index: Path
    scenes: int
    skipped: list[Skip]
    report: str

    def __str__(self) -> str:
        return f"{self.report}\nprepared: {self.scenes} scene(s) -> {self.index}".strip()


def _ai4arctic_date(path: Path) -> str:
    """The acquisition date (YYYY-MM-DD) from an AI4Arctic file name (first 8-digit stamp)."""
    m = re.search(r"(20\d{2})(\d{2})(\d{2})T", path.name)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else path.stem


def _jobs(sources, model, out_dir, collocation) -> tuple[list[Job], list[Skip], str, list]:
    """Sort the sources into jobs; collocate the product sources (report written). Returns the
    jobs, the skipped scenes, a text report and the paths that are no product (with reasons)."""
    jobs, products = [], []
    for src in sources:
        p = Path(src)
        if p.is_dir() and is_sim_case(p):
            for d in sorted(q for q in (p / "sic").iterdir() if q.is_dir()):
                jobs.append(Job("sim", d, f"{p.name}/{d.name}/{model}", d.name))
        elif p.is_file() and p.suffix == ".nc" and is_ai4arctic(p):
            if model == "rcm":
                raise SeaIceError(f"{p}: AI4Arctic scenes carry Sentinel-1 and AMSR2, not RCM")
            jobs.append(Job("ai4arctic", p, p.stem, _ai4arctic_date(p)))
        else:
            products.append(p)
    skips: list[Skip] = []
    text, others = "", []
    if products:
        index = ProductIndex.scan(products)
        colls, skips = collocate(index, model, **collocation)
        write_report(Path(out_dir) / "collocation.json", colls, skips, model=model, index=index)
        text, others = summary(colls, skips, index), index.skipped
        jobs += [Job("product", c, product_name(c.target.path), c.date) for c in colls]
    return jobs, skips, text, others


def _run(job: Job, *, out_dir: str, model: str, settings: Mapping) -> dict:
    """Prepare one scene and write it; returns its metadata (runs on a worker)."""
    w, win = settings["weights"], settings["window"]
    if job.kind == "sim":
        arrays = prepare_sim_date(job.what, model, weights=w, window=win, name=job.name)
    elif job.kind == "ai4arctic" and model == "amsr2":
        arrays = prepare_ai4arctic_amsr2(job.what, weights=w)
    elif job.kind == "ai4arctic":
        with xr.open_dataset(job.what) as ds:
            arrays = prepare_ai4arctic(ds, name=job.name, weights=w, window=win,
                                       downsample=settings["downsample"])  # fmt: skip
    else:
        arrays = prepare_collocation(job.what, model, weights=w, window=win)
    return write_scene(Path(out_dir), job.name, job.date, model, arrays)


def prepare_dataset(
    sources: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    model: str,
    *,
    weights: Mapping[str, float],
    window: int = 7,
    val_dates: int | Iterable[str] = 3,
    normalisation: str = "computed",
    stats_file: str | os.PathLike | None = None,
    downsample: int = 3,
    window_h: float = 12.0,
    chart_days: float = 7.0,
    require_chart: bool = False,
    scheduler: str | None = None,
    workers: int = 1,
    progress: bool = True,
) -> Prepared:
    """Prepare every scene of ``sources`` for ``model`` and write ``out_dir/index.json``.

    Args:
      sources: product folders/files, simulated case folders, AI4Arctic ``.nc`` scenes, mixed.
      out_dir: output folder.
      model: ``s1``, ``rcm`` or ``amsr2``.
      weights: chart-class loss weights.
      window: cross-correlation window (SAR).
      val_dates: validation dates (list) or how many of the last dates.
      normalisation: ``computed`` (statistics over the training scenes) or ``ai4arctic``
        (the AI4Arctic statistics for HH/HV/89 GHz, computed ones for the rest).
      stats_file: the AI4Arctic ``global_meanstd.npy`` (for ``ai4arctic``).
      downsample: AI4Arctic SAR block-averaging factor.
      window_h, chart_days, require_chart: collocation rules (:func:`seaice_jax.collocate.collocate`).
      scheduler, workers: where scenes run (:func:`seaice_jax.distributed.map_scenes`).
      progress: show a progress bar.

    Returns:
      :class:`Prepared`: the ``index.json`` path, the number of scenes, what was skipped and a
      text report.

    Raises:
      SeaIceError: no scene could be prepared (the message gives the first reason).
    """
    model_channels(model)
    sources = list(sources)
    if normalisation not in ("computed", "ai4arctic"):
        raise SeaIceError(f"normalisation '{normalisation}' unknown (computed | ai4arctic)")
    if normalisation == "ai4arctic" and not stats_file:
        raise SeaIceError("normalisation 'ai4arctic' needs data.stats_file")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    rules = dict(window_h=window_h, chart_days=chart_days, require_chart=require_chart)
    jobs, skips, text, others = _jobs(sources, model, out_dir, rules)
    if not jobs:
        why = [(s.path, s.reason) for s in skips] + list(others)
        where = ", ".join(os.fspath(s) for s in sources)
        first = f" ({why[0][0]}: {why[0][1]})" if why else f" in {where}: no product, simulated case or AI4Arctic scene"  # fmt: skip
        raise SeaIceError(f"prepare: no input scenes for model '{model}'{first}")
    settings = dict(weights=dict(weights), window=window, downsample=downsample)
    fn = functools.partial(_run, out_dir=os.fspath(out_dir), model=model, settings=settings)
    results = map_scenes(fn, jobs, scheduler=scheduler, workers=workers, progress=progress,
                         desc=f"prepare {model}")  # fmt: skip
    metas = [r.value for r in results if r.ok]
    failed = [Skip(p := _job_path(r.item), "prepare", r.error.removeprefix(f"{p}: "))
              for r in results if not r.ok]  # fmt: skip
    if failed:
        skips = skips + failed
        text = "\n".join([text, f"failed to prepare: {len(failed)} scene(s)"]
                         + [f"  failed {s.path}: {s.reason}" for s in failed]).strip()  # fmt: skip
    if not metas:
        raise SeaIceError(f"prepare: no scene prepared ({failed[0].path}: {failed[0].reason})")
    val = split_dates([m["date"] for m in metas], val_dates)
    for m in metas:
        m["split"] = "val" if m["date"] in val else "train"
    stats = scene_stats([m for m in metas if m["split"] == "train"] or metas)
    if normalisation == "ai4arctic":
        stats.update({k: v for k, v in ai4arctic_stats(stats_file).items() if k in stats})
    index = write_index(Path(out_dir), metas, stats, model)
    return Prepared(index, len(metas), skips, text)


def _job_path(job: Job) -> str:
    return job.what.target.path if job.kind == "product" else os.fspath(job.what)


def prepare_from_config(
    cfg,
    sources: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    scheduler: str | None = None,
    workers: int = 1,
) -> Prepared:
    """:func:`prepare_dataset` with the settings of a ``configs/sic_*.py`` config's ``data``."""
    d = cfg.data
    return prepare_dataset(
        sources,
        out_dir,
        cfg.model_kind,
        weights=dict(d.weights),
        window=d.xcorr_window,
        val_dates=d.val_dates,
        normalisation=d.normalisation,
        stats_file=d.stats_file or None,
        downsample=d.downsample,
        window_h=d.collocation.window_h,
        chart_days=d.collocation.chart_days,
        require_chart=d.collocation.require_chart,
        scheduler=scheduler,
        workers=workers,
    )


def training_data(cfg: ml_collections.ConfigDict, workdir: Path) -> Path:
    """The prepared data folder of ``cfg``: ``data.prepared_dir``, or simulated + prepared.

    Args:
      cfg: a ``configs/sic_*.py`` config.
      workdir: the training folder (``prepared/`` and ``sim/`` are made under it).

    Returns:
      The prepared folder (``index.json`` inside). Process 0 prepares; every process waits for it.
    """
    d = cfg.data
    if d.prepared_dir:
        return Path(d.prepared_dir)
    prep = workdir / "prepared"
    # One writer; the other processes wait at the barrier below, which every process reaches.
    if jax.process_index() == 0 and not (prep / "index.json").is_file():
        sources = [Path(s) for s in d.sources]
        if d.sim_config:
            for seed in d.sim_seeds:
                out = workdir / "sim" / f"seed{seed}"
                if not (out / "case.json").is_file():
                    simulate(get_config(d.sim_config, [f"seed={seed}"]), out)
                sources.append(out)
        prepare_from_config(cfg, sources, prep)
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices("seaice_jax.data.training")
    return prep
