"""The pure, jitted train and eval steps of the SIC models, sharded over a ``("data",)`` mesh.

The train state is a plain pytree ``{"params", "opt_state", "step"}`` with the parameters as a
flat ``{"path/to/leaf": array}`` dict (string keys, so Orbax saves and restores it exactly); the
nnx module is rebuilt from its graph definition inside the step (``nnx.merge``), which costs
nothing at run time. Data parallelism is ``jit`` with explicit shardings: the state replicated,
the batch split along its first axis over the mesh axis ``data``; XLA inserts the gradient
all-reduce. Randomness is ``fold_in(key, step)``: a resumed run draws the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from seaice_jax.losses import logit_range_penalty, weighted_l1, weighted_l1_sums


def flatten_params(model: nnx.Module) -> tuple[nnx.GraphDef, dict[str, jax.Array]]:
    """Split a module into its graph definition and a flat ``{"a/0/b": array}`` dict."""
    graphdef, state = nnx.split(model)
    flat: dict[str, jax.Array] = {}

    def walk(node, prefix):
        for k, v in node.items():
            key = f"{prefix}/{k}" if prefix else str(k)
            if isinstance(v, dict):
                walk(v, key)
            else:
                flat[key] = v

    walk(nnx.to_pure_dict(state), "")
    return graphdef, flat


def nest_params(flat: dict[str, Any]) -> dict:
    """Inverse of :func:`flatten_params` (integer keys for list items, as nnx expects)."""
    out: dict = {}
    for key, v in flat.items():
        node = out
        parts = [int(p) if p.isdigit() else p for p in key.split("/")]
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    return out


def make_optimizer(cfg) -> tuple[optax.GradientTransformation, Callable]:
    """AdamW with linear warm-up, cosine decay and global-norm gradient clipping.

    Args:
      cfg: the ``optim`` config (``lr``, ``warmup_steps``, ``end_lr_factor``, ``weight_decay``,
        ``clip_norm``) plus ``decay_steps``.

    Returns:
      (optimizer, learning-rate schedule).
    """
    decay = max(int(cfg.decay_steps), int(cfg.warmup_steps) + 1)
    sched = optax.warmup_cosine_decay_schedule(
        init_value=0.0,
        peak_value=cfg.lr,
        warmup_steps=int(cfg.warmup_steps),
        decay_steps=decay,
        end_value=cfg.lr * cfg.end_lr_factor,
    )
    tx = optax.chain(
        optax.clip_by_global_norm(cfg.clip_norm),
        optax.adamw(sched, weight_decay=cfg.weight_decay),
    )
    return tx, sched


def init_state(params: dict, tx: optax.GradientTransformation) -> dict:
    return {"params": params, "opt_state": tx.init(params), "step": jnp.zeros((), jnp.int32)}


def make_steps(
    graphdef: nnx.GraphDef,
    tx: optax.GradientTransformation,
    sched: Callable,
    mesh: Mesh,
    *,
    reduce_factor: int = 1,
    input_noise: float = 0.0,
    logit_penalty: float = 0.0,
    logit_bound: float = 6.0,
    max_traces: int | None = None,
):
    """Build the jitted ``train_step(state, batch, key)`` and ``eval_step(params, batch)``.

    Batches are dicts ``{"x": (B,T,T,C), "target", "weight": (B,T,T) float32, "mask": bool}``
    with B divisible by the number of devices.

    Returns:
      (train_step, eval_step). ``train_step`` returns ``(new_state, metrics)`` and donates the
      old state; ``eval_step`` returns summed ``(weighted |err|, weight, |err|, count)``, the
      weighted pair at ``reduce_factor`` (as the loss), the plain pair per pixel.
      With ``max_traces`` the train step fails if traced more often (``chex.assert_max_traces``):
      a recompile every step would be a silent 100x slow-down.
    """
    repl = NamedSharding(mesh, P())
    data = NamedSharding(mesh, P("data"))

    def predict(params, x):
        return nnx.merge(graphdef, nest_params(params))(x)

    def loss_fn(params, batch, rng):
        x = batch["x"]
        if input_noise > 0:  # static: no extra work when off
            x = x + input_noise * jax.random.normal(rng, x.shape, x.dtype)
        z = nnx.merge(graphdef, nest_params(params)).logits(x)
        loss = weighted_l1(
            jax.nn.sigmoid(z),
            batch["target"],
            batch["weight"],
            batch["mask"],
            reduce_factor=reduce_factor,
        )
        if logit_penalty > 0:  # static
            loss = loss + logit_penalty * logit_range_penalty(z, batch["mask"], logit_bound)
        return loss

    def train_step(state, batch, key):
        rng = jax.random.fold_in(key, state["step"])
        loss, grads = jax.value_and_grad(loss_fn)(state["params"], batch, rng)
        updates, opt_state = tx.update(grads, state["opt_state"], state["params"])
        params = optax.apply_updates(state["params"], updates)
        metrics = {
            "train_loss": loss,
            "grad_norm": optax.tree.norm(grads),
            "param_norm": optax.tree.norm(params),
            "lr": sched(state["step"]),
        }
        return {"params": params, "opt_state": opt_state, "step": state["step"] + 1}, metrics

    def eval_step(params, batch):
        pred = predict(params, batch["x"])
        m = batch["mask"]
        # val_l1 is the training loss's L1 (at the same reduce_factor): a model that sharpens
        # below the NT footprint is not penalised for it. val_mae stays per pixel.
        wsum, w = weighted_l1_sums(
            pred, batch["target"], batch["weight"], m, reduce_factor=reduce_factor
        )
        err = jnp.where(m, jnp.abs(pred - jnp.where(m, batch["target"], 0.0)), 0.0)
        return jnp.stack([wsum, w, jnp.sum(err), jnp.sum(m)])

    if max_traces is not None:
        import chex  # optional: a test-only dependency ([dev] extra), needed only with max_traces

        # chex counts traces per function code, across calls of make_steps: a new training run
        # in the same process (the demo trains three models) starts its own count.
        chex.clear_trace_counter()
        train_step = chex.assert_max_traces(train_step, n=max_traces)
    train = jax.jit(
        train_step,
        in_shardings=(repl, data, repl),
        out_shardings=(repl, repl),
        donate_argnums=(0,),
    )
    evaluate = jax.jit(eval_step, in_shardings=(repl, data), out_shardings=repl)
    return train, evaluate
