"""JAX's distributed runtime: one place that starts it for every multi-process job.

Training, the daily mosaic and any sharded kernel call :func:`maybe_initialize` first. It starts
``jax.distributed`` when the job is multi-process and does nothing for a single process:

* explicit: ``SEAICE_JAX_COORDINATOR=host:port``, ``SEAICE_JAX_NUM_PROCESSES=N``,
  ``SEAICE_JAX_PROCESS_ID=i`` (used by the loopback tests and by hand-rolled launchers);
* cluster auto-detection: under SLURM with several tasks (``SLURM_NTASKS > 1``) or on a Cloud TPU
  VM slice with several workers, ``jax.distributed.initialize()`` finds everything itself.

On CPU (tests), the collectives go through gloo so that two processes on 127.0.0.1 act as one job.
"""

from __future__ import annotations

import os

import jax

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
