"""SIC models: the high-resolution transformer and its variant table.

``create_model(variant, in_channels, *, rngs)`` is the contract other areas use (inference,
benchmarks); variants run from ``tiny`` (unit tests, a few thousand parameters) to ``paper``
(GPU/TPU training). Sizes are reported by :func:`count_params` and :func:`flops_per_tile`;
the numbers are in ``docs/sic.md``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from seaice_jax.errors import SeaIceError
from seaice_jax.models.hrt import HighResTransformer

#: Variant table (cf. big_vision ``decode_variant``): stem width, per-level dims/depths/heads,
#: bottleneck attention window.
VARIANTS: dict[str, dict[str, Any]] = {
    "tiny": dict(stem=8, dims=(16, 32), depths=(1, 1), heads=(1, 2), window=4),
    "cpu": dict(stem=16, dims=(24, 48, 96), depths=(1, 1, 2), heads=(1, 2, 4), window=8),
    "base": dict(stem=32, dims=(48, 96, 192, 384), depths=(2, 2, 4, 4), heads=(1, 2, 4, 8)),
    "paper": dict(stem=48, dims=(64, 128, 256, 512), depths=(2, 3, 4, 6), heads=(1, 2, 4, 8)),
}


def create_model(
    variant: str, in_channels: int, *, rngs: nnx.Rngs, **overrides: Any
) -> HighResTransformer:
    """Build a variant of the high-resolution transformer.

    Args:
      variant: a key of :data:`VARIANTS`.
      in_channels: number of input channels (3 for S1/RCM: HH, HV, xcorr; 2 for AMSR2-89).
      rngs: flax random streams (``nnx.Rngs(seed)``).
      **overrides: architecture keys to change (e.g. ``full_res=False`` for the ablation).

    Returns:
      The module, mapping ``(B, H, W, C) float32 -> (B, H, W)`` SIC fractions in [0, 1].
    """
    if variant not in VARIANTS:
        raise SeaIceError(f"model variant '{variant}' unknown; choose one of {sorted(VARIANTS)}")
    kw = {**VARIANTS[variant], **overrides}
    return HighResTransformer(in_channels, **kw, rngs=rngs)


def count_params(model: nnx.Module) -> int:
    """Number of trainable parameters."""
    params = nnx.state(model, nnx.Param)
    return int(sum(x.size for x in jax.tree.leaves(params)))


def flops_per_tile(model: nnx.Module, tile: int, in_channels: int) -> float:
    """Forward FLOPs for one ``tile x tile`` input, from XLA's cost analysis of the compiled call.

    Args:
      model: the module.
      tile: tile side (px).
      in_channels: channels C.

    Returns:
      FLOPs of one forward pass on a batch of one tile (multiply-add counted as 2).
    """
    graphdef, state = nnx.split(model)

    def fwd(state, x):
        return nnx.merge(graphdef, state)(x)

    x = jax.ShapeDtypeStruct((1, tile, tile, in_channels), jnp.float32)
    cost = jax.jit(fwd).lower(state, x).compile().cost_analysis()
    if isinstance(cost, list | tuple):
        cost = cost[0]
    return float(cost.get("flops", 0.0))


__all__ = ["VARIANTS", "HighResTransformer", "count_params", "create_model", "flops_per_tile"]
