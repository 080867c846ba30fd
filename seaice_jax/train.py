"""Training of the SIC models: data set-up, the loop, checkpoints, metrics, the summary.

``train(cfg, workdir)`` (and ``seaice-jax train --config configs/sic_<model>.py[:arg] --workdir
DIR``) simulates and prepares the data if the config asks for it, then trains with the jitted
step of :mod:`seaice_jax.train_steps`, resuming from the latest readable checkpoint in
``DIR/checkpoints``. Outputs in ``DIR``: ``metrics.jsonl`` (one JSON object per logged step:
``step``, ``train_loss``, ``lr``, ``grad_norm``, ``param_norm``; plus ``val_l1``, ``val_mae``,
``epoch`` at evaluations), TensorBoard events in ``DIR/tb``, ``summary.json`` (the paper's
Table 1 in form: training and validation samples, best validation L1 and its epoch),
``config.json`` and ``predictor.json`` (what :func:`load_predictor` needs).
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path

import jax
import ml_collections
import numpy as np
from flax import nnx

from seaice_jax.atomic import write_text
from seaice_jax.checkpoint import BestParams, Checkpointer
from seaice_jax.data.source import TileSource, batches_per_epoch, iterator, make_dataset
from seaice_jax.errors import SeaIceError
from seaice_jax.models import count_params, create_model
from seaice_jax.predictor import Predictor, load_predictor
from seaice_jax.train_steps import (
    flatten_params,
    init_state,
    make_mesh,
    make_optimizer,
    make_steps,
    replicate,
    to_global,
)

__all__ = ["Predictor", "load_predictor", "maybe_initialize_distributed", "prepare_data", "train"]


def maybe_initialize_distributed() -> None:
    """Start JAX's distributed runtime for a multi-process job (see :mod:`seaice_jax.distributed`)."""
    from seaice_jax.distributed import maybe_initialize

    maybe_initialize()


def prepare_data(cfg: ml_collections.ConfigDict, workdir: Path) -> Path:
    """The prepared data folder: ``data.prepared_dir`` or simulated + prepared under workdir."""
    from seaice_jax.data.prepare import prepare_from_config

    d = cfg.data
    if d.prepared_dir:
        return Path(d.prepared_dir)
    prep = workdir / "prepared"
    # One writer; the other processes wait at the barrier below, which every process reaches.
    if jax.process_index() == 0 and not (prep / "index.json").is_file():
        sources = [Path(s) for s in d.sources]
        if d.sim_config:
            from seaice_jax.config import get as get_config
            from seaice_jax.sim import simulate

            for seed in d.sim_seeds:
                out = workdir / "sim" / f"seed{seed}"
                if not (out / "case.json").is_file():
                    simulate(get_config(d.sim_config, [f"seed={seed}"]), out)
                sources.append(out)
        prepare_from_config(cfg, sources, prep)
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices("seaice_jax.train.prepare_data")
    return prep


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
        self.tb = None
        if self.main:
            from tensorboardX import SummaryWriter

            self.tb = SummaryWriter(str(workdir / "tb"))

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
    from tqdm import tqdm

    maybe_initialize_distributed()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    prep = prepare_data(cfg, workdir)
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

    model = create_model(
        cfg.model.variant,
        len(train_src.channels),
        rngs=nnx.Rngs(cfg.seed),
        full_res=cfg.model.full_res,
    )
    graphdef, params = flatten_params(model)
    optim = tuple(sorted({**cfg.optim.to_dict(), "decay_steps": total}.items()))
    batch_shape = (cfg.batch_size, d.tile, d.tile, len(train_src.channels))
    tx, train_step, eval_step = _steps(
        graphdef,
        optim,
        mesh,
        tuple(sorted(cfg.loss.to_dict().items())),
        cfg.input_noise,
        batch_shape,
    )
    state = replicate(init_state(params, tx), mesh)
    ds = make_dataset(
        train_src,
        batch_size=local_bs,
        seed=cfg.seed,
        augment_tiles=d.augment,
        process_index=jax.process_index(),
        process_count=n_proc,
    )
    it = iterator(ds, d.threads)
    ckpt = Checkpointer(workdir, max_to_keep=cfg.max_to_keep)
    best = BestParams(workdir) if cfg.keep_best else None
    meta = {"best_val_l1": None, "best_epoch": None}
    restored = ckpt.restore_latest(state)
    if restored is not None:
        _, state, data_state, meta = restored
        it.set_state(data_state)
    start = int(state["step"])
    if jax.process_index() == 0:
        write_text(workdir / "config.json", cfg.to_json_best_effort(indent=1))
        pred_info = {
            "model_kind": cfg.model_kind,
            "variant": cfg.model.variant,
            "full_res": cfg.model.full_res,
            "channels": train_src.channels,
            "stats": train_src.stats,
            "tile": d.tile,
            "xcorr_window": d.xcorr_window,
            "weights": "best_validation" if cfg.keep_best else "latest",
        }
        write_text(workdir / "predictor.json", json.dumps(pred_info, indent=1))
    log = _Logger(workdir, start)
    key = jax.random.key(cfg.seed)
    end = total if stop_at is None else min(stop_at, total)
    step = start
    try:
        for step in tqdm(
            range(start + 1, end + 1),
            initial=start,
            total=total,
            desc="train",
            disable=jax.process_index() != 0,
        ):
            state, metrics = train_step(state, to_global(next(it), mesh), key)
            rec = {"step": step, **{k: float(v) for k, v in metrics.items()}}
            if not math.isfinite(rec["train_loss"]):
                last = ckpt.latest_step()
                raise SeaIceError(
                    f"non-finite training loss ({rec['train_loss']}) at step {step}; stopped, "
                    f"last good checkpoint: step {last} in {ckpt.directory}"
                )
            if step % eval_every == 0 or step == total:
                epoch = math.ceil(step / steps_per_epoch)
                rec.update(
                    _evaluate(
                        eval_step,
                        state["params"],
                        val_src,
                        max(local_bs, jax.local_device_count()),
                        mesh,
                    ),
                    epoch=epoch,
                )
                if meta["best_val_l1"] is None or rec["val_l1"] < meta["best_val_l1"]:
                    meta = {"best_val_l1": rec["val_l1"], "best_epoch": epoch, "best_step": step}
                    if best is not None:
                        best.save(step, state["params"], meta)
            if step % cfg.log_every_steps == 0 or "val_l1" in rec:
                log.write(rec)
            if step % cfg.checkpoint_every_steps == 0 or step == end:
                ckpt.save(step, state, it.get_state(), meta)
    finally:
        log.close()
        ckpt.close()
        if best is not None:
            best.close()
    summary = {
        "model": cfg.model_kind,
        "variant": cfg.model.variant,
        "params": count_params(model),
        "training_samples": len(train_src),
        "validation_samples": len(val_src),
        "train_samples": len(train_src),  # short names used by evaluate.figures.table1
        "val_samples": len(val_src),
        "train_dates": train_src.dates,
        "val_dates": val_src.dates,
        "steps": step,
        "total_steps": total,
        "steps_per_epoch": steps_per_epoch,
        "process_count": n_proc,
        "best_val_l1": meta["best_val_l1"],
        "best_epoch": meta["best_epoch"],
        "best_step": meta.get("best_step"),
    }
    if jax.process_index() == 0:
        write_text(workdir / "summary.json", json.dumps(summary, indent=1))
    return summary
