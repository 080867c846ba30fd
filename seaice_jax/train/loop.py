"""Training of the SIC models: set-up, restore, the loop with its evaluations, the summary.

``train(cfg, workdir)`` (and ``seaice-jax train --config configs/sic_<model>.py[:arg] --workdir
DIR``) takes the prepared data of the config (:func:`seaice_jax.data.training.training_data`:
a prepared folder, or simulated cases prepared under ``DIR``), then trains with the jitted step
of :mod:`seaice_jax.train.step`, resuming from the latest readable checkpoint in
``DIR/checkpoints``. Outputs in ``DIR``: ``metrics.jsonl`` (one JSON object per logged step:
``step``, ``train_loss``, ``lr``, ``grad_norm``, ``param_norm``; plus ``val_l1``, ``val_mae``,
``epoch`` at evaluations), TensorBoard events in ``DIR/tb``, ``summary.json`` (the paper's
Table 1 in form: training and validation samples, best validation L1 and its epoch),
``config.json`` and ``predictor.json`` (what :func:`seaice_jax.predictor.load_predictor` needs).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
from pathlib import Path
from typing import Any

import grain
import jax
import ml_collections
import numpy as np
from flax import nnx
from jax.sharding import Mesh
from tensorboardX import SummaryWriter
from tqdm import tqdm

from seaice_jax.atomic import write_text
from seaice_jax.data.source import TileSource, batches_per_epoch, iterator, make_dataset
from seaice_jax.data.training import training_data
from seaice_jax.distributed import maybe_initialize
from seaice_jax.errors import SeaIceError
from seaice_jax.models import count_params, create_model
from seaice_jax.sharding import make_mesh, replicate, to_global
from seaice_jax.train.checkpoint import BestParams, Checkpointer
from seaice_jax.train.step import flatten_params, init_state, make_optimizer, make_steps
from seaice_jax.train.sync import is_url

__all__ = ["train"]


@functools.lru_cache(maxsize=8)
def _steps(graphdef, optim: tuple, mesh, loss: tuple, input_noise: float, batch_shape: tuple):
    """Optimizer and jitted steps, cached so a second ``train`` call in one process (a resume,
    a notebook re-run) reuses the compiled programs instead of compiling them again.

    ``batch_shape`` (global batch, tile, tile, channels) is part of the key: each shape gets
    its own step, traced once (tested with ``chex.assert_max_traces`` in
    ``tests/test_sic_train.py``; not enforced here, where chex would count the steps of several
    models trained in one process, e.g. by the demo, as retraces of one function)."""
    tx, sched = make_optimizer(ml_collections.ConfigDict(dict(optim)))
    train_step, eval_step = make_steps(
        graphdef, tx, sched, mesh, input_noise=input_noise, **dict(loss)
    )
    return tx, train_step, eval_step


@dataclasses.dataclass
class _Run:
    """What the set-up hands to the rest of a training run."""

    cfg: ml_collections.ConfigDict
    workdir: Path
    train_src: TileSource
    val_src: TileSource
    mesh: Mesh
    local_bs: int
    steps_per_epoch: int
    total: int
    eval_every: int


def _setup(cfg: ml_collections.ConfigDict, workdir: Path) -> _Run:
    """Data, mesh and the run's lengths (steps per epoch, total, evaluation interval)."""
    maybe_initialize()
    workdir.mkdir(parents=True, exist_ok=True)
    prep = training_data(cfg, workdir)
    d = cfg.data
    chans = tuple(d.channels) or None
    train_src = TileSource(prep, "train", tile=d.tile, stride=d.stride, channels=chans)
    val_src = TileSource(prep, "val", tile=d.tile, stride=d.tile, channels=chans)
    mesh = make_mesh()
    n_proc = jax.process_count()
    if cfg.batch_size % jax.device_count():
        raise SeaIceError(
            f"batch_size={cfg.batch_size} is not a multiple of {jax.device_count()} devices"
        )
    local_bs = cfg.batch_size // n_proc
    steps_per_epoch = max(batches_per_epoch(train_src, local_bs, n_proc), 1)
    total = cfg.total_steps if cfg.total_steps > 0 else cfg.num_epochs * steps_per_epoch
    eval_every = cfg.eval_every_steps or steps_per_epoch
    return _Run(
        cfg, workdir, train_src, val_src, mesh, local_bs, steps_per_epoch, total, eval_every
    )


def _build(run: _Run) -> tuple[nnx.Module, dict, Any, Any, grain.DatasetIterator]:
    """The model, its replicated train state, the jitted steps and the data iterator."""
    cfg, d = run.cfg, run.cfg.data
    channels = len(run.train_src.channels)
    model = create_model(
        cfg.model.variant, channels, rngs=nnx.Rngs(cfg.seed), full_res=cfg.model.full_res
    )
    graphdef, params = flatten_params(model)
    optim = tuple(sorted({**cfg.optim.to_dict(), "decay_steps": run.total}.items()))
    batch_shape = (cfg.batch_size, d.tile, d.tile, channels)
    loss = tuple(sorted(cfg.loss.to_dict().items()))
    tx, train_step, eval_step = _steps(
        graphdef, optim, run.mesh, loss, cfg.input_noise, batch_shape
    )
    state = replicate(init_state(params, tx), run.mesh)
    ds = make_dataset(
        run.train_src,
        batch_size=run.local_bs,
        seed=cfg.seed,
        augment_tiles=d.augment,
        process_index=jax.process_index(),
        process_count=jax.process_count(),
    )
    return model, state, train_step, eval_step, iterator(ds, d.threads)


def _restore(ckpt: Checkpointer, state: dict, it: grain.DatasetIterator) -> tuple[dict, dict]:
    """The latest readable checkpoint's state and loop bookkeeping (the data iterator is set
    to its position in place); the fresh state when there is none."""
    meta = {"best_val_l1": None, "best_epoch": None}
    restored = ckpt.restore_latest(state)
    if restored is not None:
        _, state, data_state, meta = restored
        it.set_state(data_state)
    return state, meta


def _write_run_info(run: _Run) -> None:
    """``config.json`` and ``predictor.json`` (what inference needs besides the weights)."""
    if jax.process_index() != 0:
        return
    cfg, d = run.cfg, run.cfg.data
    write_text(run.workdir / "config.json", cfg.to_json_best_effort(indent=1))
    pred_info = {
        "model_kind": cfg.model_kind,
        "variant": cfg.model.variant,
        "full_res": cfg.model.full_res,
        "channels": run.train_src.channels,
        "stats": run.train_src.stats,
        "tile": d.tile,
        "xcorr_window": d.xcorr_window,
        "weights": "best_validation" if cfg.keep_best else "latest",
    }
    write_text(run.workdir / "predictor.json", json.dumps(pred_info, indent=1))


def _evaluate(eval_step, params, src: TileSource, batch_size: int, mesh) -> dict[str, float]:
    """Exact validation means over every tile of ``src`` (last batch padded with masked tiles)."""
    n_host = jax.process_count()
    idx = list(range(len(src)))[jax.process_index() :: n_host]
    n_batches = math.ceil(math.ceil(len(src) / n_host) / batch_size)
    tot = np.zeros(4)
    for b in range(n_batches):
        items = [src[i] for i in idx[b * batch_size : (b + 1) * batch_size]]
        pad = {k: np.zeros_like(v) for k, v in src[0].items()}
        items += [pad] * (batch_size - len(items))
        batch = {k: np.stack([it[k] for it in items]) for k in items[0]}
        tot += np.asarray(eval_step(params, to_global(batch, mesh)))
    return {"val_l1": tot[0] / max(tot[1], 1e-12), "val_mae": tot[2] / max(tot[3], 1.0)}


def _step_of(line: str) -> int | None:
    """The step of a metrics.jsonl line; None for a line torn by a kill during its write."""
    try:
        return int(json.loads(line)["step"])
    except (ValueError, KeyError, TypeError):
        return None


class _Logger:
    """metrics.jsonl (truncated to the resumed step) + TensorBoard."""

    def __init__(self, workdir: Path, start_step: int):
        self.path = workdir / "metrics.jsonl"
        self.main = jax.process_index() == 0
        if self.main and self.path.exists():
            keep = [ln for ln in self.path.read_text().splitlines() if ln.strip()]
            keep = [ln for ln in keep if (st := _step_of(ln)) is not None and st <= start_step]
            write_text(self.path, "".join(f"{ln}\n" for ln in keep))
        self.tb = SummaryWriter(str(workdir / "tb")) if self.main else None

    def write(self, record: dict) -> None:
        if not self.main:
            return
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")
        for k, v in record.items():
            if k != "step" and isinstance(v, int | float):
                self.tb.add_scalar(k, v, record["step"])

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()


def _check_finite(rec: dict, step: int, ckpt: Checkpointer) -> None:
    """Stop with a clear message (and where the last good checkpoint is) on a non-finite loss."""
    if not math.isfinite(rec["train_loss"]):
        raise SeaIceError(
            f"non-finite training loss ({rec['train_loss']}) at step {step}; stopped, "
            f"last good checkpoint: step {ckpt.latest_step()} in {ckpt.directory}"
        )


def _validate(run: _Run, eval_step, state, step, meta, best) -> tuple[dict, dict]:
    """The validation metrics at ``step`` and the updated best-so-far bookkeeping (saving the
    best parameters when the run keeps them)."""
    epoch = math.ceil(step / run.steps_per_epoch)
    bs = max(run.local_bs, jax.local_device_count())
    rec = {**_evaluate(eval_step, state["params"], run.val_src, bs, run.mesh), "epoch": epoch}
    if meta["best_val_l1"] is None or rec["val_l1"] < meta["best_val_l1"]:
        meta = {"best_val_l1": rec["val_l1"], "best_epoch": epoch, "best_step": step}
        if best is not None:
            best.save(step, state["params"], meta)
    return rec, meta


def _bar_text(rec: dict) -> str:
    """The progress bar's postfix: training loss and learning rate of the step."""
    return f"loss={rec['train_loss']:.4g} lr={rec['lr']:.3g}"


def _loop(run: _Run, state, it, steps, ckpt, best, meta, end: int) -> tuple[int, dict]:
    """Steps from the restored one to ``end``: log, validate, checkpoint. Returns (step, meta)."""
    cfg, (train_step, eval_step) = run.cfg, steps
    start = step = int(state["step"])
    log = _Logger(run.workdir, start)
    key = jax.random.key(cfg.seed)
    bar = tqdm(
        range(start + 1, end + 1),
        initial=start,
        total=run.total,
        desc="train",
        disable=jax.process_index() != 0,
    )
    try:
        for step in bar:
            state, metrics = train_step(state, to_global(next(it), run.mesh), key)
            rec = {"step": step, **{k: float(v) for k, v in metrics.items()}}
            _check_finite(rec, step, ckpt)
            bar.set_postfix_str(_bar_text(rec), refresh=False)
            if step % run.eval_every == 0 or step == run.total:
                val, meta = _validate(run, eval_step, state, step, meta, best)
                rec.update(val)
            if step % cfg.log_every_steps == 0 or "val_l1" in rec:
                log.write(rec)
            if step % cfg.checkpoint_every_steps == 0 or step == end:
                ckpt.save(step, state, it.get_state(), meta)
    finally:
        log.close()
    return step, meta


def _summary(run: _Run, model: nnx.Module, step: int, meta: dict) -> dict:
    """The run's summary (written to ``summary.json`` by process 0)."""
    summary = {
        "model": run.cfg.model_kind,
        "variant": run.cfg.model.variant,
        "params": count_params(model),
        "training_samples": len(run.train_src),
        "validation_samples": len(run.val_src),
        "train_samples": len(run.train_src),  # short names used by evaluate.figures.table1
        "val_samples": len(run.val_src),
        "train_dates": run.train_src.dates,
        "val_dates": run.val_src.dates,
        "steps": step,
        "total_steps": run.total,
        "steps_per_epoch": run.steps_per_epoch,
        "process_count": jax.process_count(),
        "best_val_l1": meta["best_val_l1"],
        "best_epoch": meta["best_epoch"],
        "best_step": meta.get("best_step"),
    }
    if jax.process_index() == 0:
        write_text(run.workdir / "summary.json", json.dumps(summary, indent=1))
    return summary


def train(
    cfg: ml_collections.ConfigDict, workdir: str | os.PathLike, *, stop_at: int | None = None
) -> dict:
    """Train (or resume) the model of ``cfg`` in ``workdir``.

    Args:
      cfg: a ``configs/sic_*.py`` config.
      workdir: output folder (checkpoints, metrics, summary).
      stop_at: stop after this global step in this invocation (checkpointing there), as a
        preemptible job would; None trains to ``total_steps``.

    Returns:
      The summary dict (also written to ``workdir/summary.json``).
    """
    if is_url(workdir):
        raise SeaIceError(
            f"{workdir}: a URL is not a training folder; train into a local one and mirror it "
            "with `seaice-jax sync` (launch/*.sh do both; README, Training on GPU and TPU)"
        )
    run = _setup(cfg, Path(workdir))
    model, state, train_step, eval_step, it = _build(run)
    ckpt = Checkpointer(run.workdir, max_to_keep=cfg.max_to_keep)
    best = BestParams(run.workdir) if cfg.keep_best else None
    try:
        state, meta = _restore(ckpt, state, it)
        _write_run_info(run)
        end = run.total if stop_at is None else min(stop_at, run.total)
        step, meta = _loop(run, state, it, (train_step, eval_step), ckpt, best, meta, end)
    finally:
        ckpt.close()
        if best is not None:
            best.close()
    return _summary(run, model, step, meta)
