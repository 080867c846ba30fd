"""JAX's distributed runtime: one place that starts it for every multi-process job.

Training, the daily mosaic and any sharded kernel call :func:`maybe_initialize` first. It starts
``jax.distributed`` when the job is multi-process and does nothing for a single process:

* explicit: ``SEAICE_JAX_COORDINATOR=host:port``, ``SEAICE_JAX_NUM_PROCESSES=N``,
  ``SEAICE_JAX_PROCESS_ID=i`` (used by the loopback tests and by hand-rolled launchers);
* cluster auto-detection: under SLURM with several tasks (``SLURM_NTASKS > 1``) or on a Cloud TPU
  VM slice with several workers, ``jax.distributed.initialize()`` finds everything itself.

On CPU (tests), the collectives go through gloo so that two processes on 127.0.0.1 act as one job.

Loops over independent scenes (``prepare`` of many scenes, ``daily`` over a day's scenes) are not
one JAX job: :func:`map_scenes` hands them to dask.distributed (DESIGN section 7), a local cluster
of worker processes by default, or any running cluster given its scheduler address.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import jax
from distributed import Client, LocalCluster, as_completed
from tqdm.auto import tqdm

from seaice_jax.errors import SeaIceError

_STARTED = False


def _env_int(name: str) -> int | None:
    v = os.environ.get(name)
    return int(v) if v not in (None, "") else None


def maybe_initialize() -> bool:
    """Start ``jax.distributed`` if the environment describes a multi-process job.

    Returns:
      True when running as one of several processes (after initialisation), else False.
    """
    global _STARTED
    if _STARTED:
        return jax.process_count() > 1
    coord = os.environ.get("SEAICE_JAX_COORDINATOR")
    nproc = _env_int("SEAICE_JAX_NUM_PROCESSES")
    if coord and nproc and nproc > 1:
        pid = _env_int("SEAICE_JAX_PROCESS_ID")
        if pid is None:
            raise RuntimeError("SEAICE_JAX_PROCESS_ID must be set with SEAICE_JAX_COORDINATOR")
        if os.environ.get("JAX_PLATFORMS", "") in ("cpu", ""):
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(coordinator_address=coord, num_processes=nproc, process_id=pid)
        _STARTED = True
        return True
    if (_env_int("SLURM_NTASKS") or 1) > 1 or os.environ.get("TPU_WORKER_HOSTNAMES", "").count(
        ","
    ) > 0:
        jax.distributed.initialize()
        _STARTED = True
        return jax.process_count() > 1
    return False


# --------------------------------------------------------------------------- independent scenes
@dataclasses.dataclass(frozen=True)
class Result:
    """The outcome of one item of :func:`map_scenes`.

    Attributes:
      item: the item as given.
      value: what ``fn(item)`` returned (None on failure).
      error: one line naming what failed (None on success).
    """

    item: Any
    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _call(fn: Callable[[Any], Any], item: Any) -> Result:
    """``fn(item)`` as a :class:`Result`: a failure is kept with the item, never raised, so one
    bad scene cannot stop a run of thousands (the caller reports it)."""
    try:
        return Result(item, fn(item))
    except SeaIceError as e:
        return Result(item, error=str(e))
    except Exception as e:  # noqa: BLE001 - recorded per scene, with the type so bugs show
        first = str(e).splitlines()[0] if str(e) else ""
        return Result(item, error=f"{type(e).__name__}: {first}".rstrip(": "))


def map_scenes(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    scheduler: str | None = None,
    workers: int = 1,
    progress: bool = False,
    desc: str = "scenes",
) -> list[Result]:
    """Run ``fn`` on every item (independent scenes) on an existing engine, dask.distributed.

    ``workers == 1`` and no scheduler: in this process, one item after the other. ``workers > 1``:
    a ``LocalCluster`` of that many single-threaded worker processes, started and closed here.
    ``scheduler`` (``tcp://host:port`` of a running ``dask scheduler``, e.g. started by
    dask-jobqueue on SLURM): the items go to that cluster's workers, which must have this package
    installed and see the same file system. ``fn`` and the items must pickle (a module-level
    function or a ``functools.partial`` of one).

    Args:
      fn: ``item -> value``; raising marks the item failed.
      items: the work, in order.
      scheduler: address of a running dask scheduler, or None.
      workers: local worker processes when no scheduler is given (>= 1).
      progress: show a progress bar.
      desc: the progress bar's label.

    Returns:
      One :class:`Result` per item, in the order of ``items``; failures carry ``error``.
    """
    items = list(items)
    if workers < 1:
        raise SeaIceError(f"workers: must be >= 1, got {workers}")
    bar = tqdm(total=len(items), desc=desc, unit="scene", disable=not progress)
    if scheduler is None and workers == 1:
        out = []
        for it in items:
            out.append(_call(fn, it))
            bar.update()
        bar.close()
        return out
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
            )  # fmt: skip
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="30s"))
            except (OSError, TimeoutError) as e:
                raise SeaIceError(f"--scheduler {scheduler}: cannot connect ({e})") from None
        return _gather(client, fn, items, bar)


def _gather(client: Client, fn, items: list, bar) -> list[Result]:
    """Submit every item, collect in completion order, return in item order."""
    futures = client.map(_call, [fn] * len(items), items, pure=False)
    where = {f.key: i for i, f in enumerate(futures)}
    out: list[Result | None] = [None] * len(items)
    for fut in as_completed(futures):
        i = where[fut.key]
        try:
            out[i] = fut.result()
        except Exception as e:  # noqa: BLE001 - a worker that died (memory, signal) fails its item
            out[i] = Result(items[i], error=f"worker failed: {type(e).__name__}: {e}")
        bar.update()
    bar.close()
    return [r for r in out if r is not None]
