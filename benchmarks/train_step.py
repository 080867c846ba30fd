"""Train-step throughput of the SIC transformer: JAX (the project's step) against PyTorch.

Both sides run the same model (``seaice_jax.models`` and its layer-for-layer PyTorch twin in
``benchmarks/_torch_hrt.py``, parameter counts asserted equal), the same step (weighted masked L1,
global-norm clipping, AdamW) on the same batch, timed in alternating rounds in one process so a
noisy shared machine slows both alike. ``mfu`` is the achieved FLOP/s of the JAX step (FLOPs from
XLA's cost analysis of the compiled step) over the peak FLOP/s of a large ``jnp.dot`` measured in
the same run.

``run(quick)`` returns ``{"train_step": {"tiles_per_s", "mfu", "vs_torch", "torch_tiles_per_s",
"flops_per_tile", "peak_gflops", ...}}``; the PyTorch half is left out (``vs_torch`` null) only
when ``torch`` cannot be imported.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from flax import nnx

from seaice_jax.models import VARIANTS, count_params, create_model
from seaice_jax.sharding import make_mesh
from seaice_jax.train.step import flatten_params, init_state, make_optimizer, make_steps

#: (variant, tile, batch, rounds, steps per round): the ``:cpu`` training config and a quick one.
FULL = dict(variant="cpu", tile=128, batch=8, rounds=5, steps=3)
QUICK = dict(variant="tiny", tile=32, batch=2, rounds=3, steps=2)
OPTIM = dict(lr=2e-3, weight_decay=1e-4, clip_norm=1.0)
IN_CHANNELS = 3


def make_batch(batch: int, tile: int, seed: int = 0) -> dict[str, np.ndarray]:
    """A training batch as the pipeline delivers it: NT targets in 11 classes, chart weights,
    a mask with NaN targets where it is False (land / outside the swath)."""
    rng = np.random.default_rng(seed)
    shape = (batch, tile, tile)
    mask = rng.random(shape) > 0.1
    target = (rng.integers(0, 11, shape) / 10.0).astype(np.float32)
    return {
        "x": rng.standard_normal((*shape, IN_CHANNELS)).astype(np.float32),
        "target": np.where(mask, target, np.nan).astype(np.float32),
        "weight": rng.choice(np.float32([3.0, 2.0, 1.0]), shape),
        "mask": mask,
    }


def jax_step(variant: str, batch: dict[str, np.ndarray]):
    """The project's jitted train step on the model; returns (step(state) -> state, state,
    parameter count, FLOPs of one step, flat parameters as NumPy)."""
    model = create_model(variant, IN_CHANNELS, rngs=nnx.Rngs(0))
    n_params = count_params(model)
    graphdef, params = flatten_params(model)
    cfg = ml_collections.ConfigDict(
        dict(warmup_steps=0, end_lr_factor=1.0, decay_steps=1000, **OPTIM)
    )
    tx, sched = make_optimizer(cfg)
    mesh = make_mesh()
    train, _ = make_steps(graphdef, tx, sched, mesh, logit_penalty=1.0, logit_bound=6.0)
    numpy_params = {k: np.asarray(v) for k, v in params.items()}
    state = init_state(params, tx)
    dev_batch = {k: jnp.asarray(v) for k, v in batch.items()}
    key = jax.random.key(0)
    # One compilation serves both the cost analysis and the timed calls.
    train = train.lower(state, dev_batch, key).compile()
    cost = train.cost_analysis()
    cost = cost[0] if isinstance(cost, list | tuple) else cost
    flops = float(cost.get("flops", 0.0))

    def step(state):
        state, metrics = train(state, dev_batch, key)
        metrics["train_loss"].block_until_ready()
        return state

    return step, state, n_params, flops, numpy_params


def _load_twin():
    """The PyTorch twin module (a sibling file; the bench runner loads modules by path)."""
    spec = importlib.util.spec_from_file_location(
        "seaice_jax_bench_torch_hrt", Path(__file__).with_name("_torch_hrt.py")
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def torch_step(variant: str, batch: dict[str, np.ndarray], numpy_params: dict):
    """The PyTorch twin and its step on the same batch and the same initial weights.

    Returns:
      (step() -> None, parameter count).
    """
    import torch

    th = _load_twin()
    kw = {k: v for k, v in VARIANTS[variant].items()}
    model = th.HighResTransformer(IN_CHANNELS, **kw)
    th.load_from_nnx(model, numpy_params)
    tb = {
        "x": torch.from_numpy(batch["x"]).permute(0, 3, 1, 2).contiguous(),
        "target": torch.from_numpy(batch["target"]),
        "weight": torch.from_numpy(batch["weight"]),
        "mask": torch.from_numpy(batch["mask"]),
    }
    step = th.make_train_step(model, **OPTIM)
    return (lambda: step(tb)), th.count_params(model)


def _time_torch(step, steps: int, threads: int) -> float:
    import torch

    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - t0


def _ncpu() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def dot_peak_gflops(n: int, repeats: int) -> float:
    """Peak FLOP/s (GFLOP/s) of a jitted ``n x n @ n x n`` float32 ``jnp.dot``, best of repeats."""
    a = jax.random.normal(jax.random.key(1), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.key(2), (n, n), jnp.float32)
    dot = jax.jit(jnp.dot)
    dot(a, b).block_until_ready()
    best = min(_timed(lambda: dot(a, b).block_until_ready()) for _ in range(repeats))
    return 2.0 * n**3 / best / 1e9


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(
    variant: str, tile: int, batch: int, rounds: int, steps: int, quick: bool = False
) -> dict:
    """Tiles/s of the JAX and PyTorch steps (alternating rounds, median), MFU of the JAX step."""
    data = make_batch(batch, tile)
    jstep, state, n_jax, flops, numpy_params = jax_step(variant, data)
    state = jstep(jstep(state))  # compile + warm-up outside the timing
    try:
        tstep, n_torch = torch_step(variant, data, numpy_params)
    except ImportError:
        tstep, n_torch = None, None
    threads = None
    if tstep is not None:
        assert n_torch == n_jax, f"parameter counts differ: torch {n_torch} vs jax {n_jax}"
        # PyTorch gets its better intra-op thread count (1 or all cores, picked on a warm-up
        # step each): on a loaded machine OpenMP's spinning threads can make all-cores many
        # times slower than one thread. JAX gets no such choice.
        tstep()  # first-call warm-up (allocator, dispatch)
        choices = [1] if quick else sorted({1, _ncpu()})
        threads = min(choices, key=lambda n: _time_torch(tstep, 1, n))
    jax_rates, torch_rates = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            state = jstep(state)
        jax_rates.append(steps * batch / (time.perf_counter() - t0))
        if tstep is not None:
            torch_rates.append(steps * batch / _time_torch(tstep, steps, threads))
    peak = dot_peak_gflops(1024 if variant == "tiny" else 2048, repeats=5)
    tiles_per_s = statistics.median(jax_rates)
    torch_tps = statistics.median(torch_rates) if torch_rates else None
    return {
        "tiles_per_s": tiles_per_s,
        "mfu": flops / batch * tiles_per_s / (peak * 1e9),
        "vs_torch": tiles_per_s / torch_tps if torch_tps else None,
        "torch_tiles_per_s": torch_tps,
        "flops_per_tile": flops / batch,
        "peak_gflops": peak,
        "achieved_gflops": flops / batch * tiles_per_s / 1e9,
        "torch_threads": threads,
        "params": n_jax,
        "variant": variant,
        "tile": tile,
        "batch": batch,
    }


def run(quick: bool = False) -> dict:
    """Entry of ``seaice-jax bench``: ``{"train_step": {...}}`` (quick: tiny model, 32 px)."""
    return {"train_step": measure(**(QUICK if quick else FULL), quick=quick)}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
