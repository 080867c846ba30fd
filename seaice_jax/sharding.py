"""The ``("data",)`` mesh, host-local -> global arrays, and replicated reductions.

Training and the daily mosaic share these: data parallelism is ``jit`` over a 1-D mesh whose axis
``data`` spans every device of every process (DESIGN section 7); each process contributes its own
slice of a batch (:func:`to_global`), parameters are replicated (:func:`replicate`), and a
per-process partial result becomes the job's total through one jitted reduction over a global
array (:func:`allreduce_sum`).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P


def make_mesh() -> Mesh:
    """A 1-D ``("data",)`` mesh over every device of every process.

    The axis is ``Auto`` (compiler-propagated shardings): only the batch and the replicated
    state are annotated, and the model's reshapes need no per-op sharding annotations.
    """
    return jax.make_mesh((jax.device_count(),), ("data",), axis_types=(jax.sharding.AxisType.Auto,))


def to_global(batch: dict[str, np.ndarray], mesh: Mesh) -> dict[str, jax.Array]:
    """This host's batch slice -> global arrays sharded along ``data`` (multi-host safe)."""
    sharding = NamedSharding(mesh, P("data"))
    return {
        k: jax.make_array_from_process_local_data(sharding, np.asarray(v)) for k, v in batch.items()
    }


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Place a pytree replicated on every device of the mesh."""
    return jax.device_put(tree, NamedSharding(mesh, P()))


def allreduce_sum(x: np.ndarray) -> np.ndarray:
    """Sum ``x`` over all JAX processes (identity with one process).

    Every process passes an array of one shape; the result is replicated on all of them.
    """
    if jax.process_count() == 1:
        return x
    mesh = jax.make_mesh((jax.process_count(),), ("proc",), devices=_one_device_per_process())
    garr = jax.make_array_from_process_local_data(NamedSharding(mesh, P("proc")), x[None])
    out = jax.jit(lambda a: a.sum(0), out_shardings=NamedSharding(mesh, P()))(garr)
    return np.asarray(out.addressable_data(0))


def _one_device_per_process() -> list:
    devs = {}
    for d in jax.devices():
        devs.setdefault(d.process_index, d)
    return [devs[i] for i in sorted(devs)]
