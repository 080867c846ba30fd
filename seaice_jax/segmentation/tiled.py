"""ICM over row tiles of a large scene with ``jax.shard_map`` (one tile per device).

Each device holds a band of rows. Before each half-sweep it swaps its edge rows with the tiles
above and below (``lax.ppermute``), so the Potts term sees the true neighbours across tile borders
and the result is the same as the single-device :func:`~seaice_jax.segmentation.icm.icm`. The
checkerboard colour uses global row numbers; the stopping test and the class re-estimation sum
over tiles with ``psum``. Class parameters come from k-means over the whole scene.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from seaice_jax.errors import SeaIceError
from seaice_jax.segmentation.icm import ICMResult, _as_hwc, energy, icm_loop, kmeans


def _halo_fn(n_tiles: int, h_local: int):
    down = [(i, i + 1) for i in range(n_tiles - 1)]
    up = [(i + 1, i) for i in range(n_tiles - 1)]

    def halo(lab, valid):
        # Tile 0 receives nothing from "above": ppermute fills zeros, i.e. invalid halo rows.
        top = (
            jax.lax.ppermute(lab[-1:], "tiles", down),
            jax.lax.ppermute(valid[-1:], "tiles", down),
        )
        bottom = (jax.lax.ppermute(lab[:1], "tiles", up), jax.lax.ppermute(valid[:1], "tiles", up))
        return top, bottom, jax.lax.axis_index("tiles") * h_local

    return halo


def icm_tiled(
    x: jax.Array,
    valid: jax.Array,
    k: int = 4,
    beta: float = 1.0,
    max_iter: int = 50,
    reestimate_params: bool = False,
    devices: list | None = None,
) -> ICMResult:
    """:func:`icm` with the rows split over devices.

    Args:
      x: (H, W) or (H, W, C) features; H must divide into an even number of rows per device
        (the checkerboard parity of each tile's first row must be global).
      valid: (H, W) bool.
      k, beta, max_iter, reestimate_params: as :func:`icm`.
      devices: devices to use (default all ``jax.devices()``).

    Returns:
      ICMResult as :func:`icm`.
    """
    devices = list(devices or jax.devices())
    n = len(devices)
    x = _as_hwc(jnp.asarray(x, jnp.float32))
    h = x.shape[0]
    if h % n or (h // n) % 2:
        raise SeaIceError(
            f"icm_tiled: {h} rows do not split into even-height tiles over {n} devices"
        )
    mesh = Mesh(np.array(devices), ("tiles",))
    x = jnp.where(valid[..., None], x, 0.0)
    x = jax.device_put(x, NamedSharding(mesh, P("tiles")))
    valid = jax.device_put(jnp.asarray(valid, bool), NamedSharding(mesh, P("tiles")))
    means, variances = kmeans(x, valid, k)
    run = _sharded_run(mesh, n, h // n, float(beta), int(max_iter), bool(reestimate_params))
    lab, mu, var, it = run(x, valid, means, variances)
    e = energy(x, lab, valid, mu, var, beta)
    return ICMResult(jnp.where(valid, lab, -1), mu, var, it, e)


@functools.lru_cache(maxsize=16)
def _sharded_run(mesh, n, h_local, beta, max_iter, reestimate_params):
    halo = _halo_fn(n, h_local)

    def local(x, valid, means, variances):
        lab, mu, var, it = icm_loop(
            x, valid, means, variances, beta, max_iter, reestimate_params, halo
        )
        return lab, mu, var, it

    f = jax.shard_map(
        local,
        mesh=mesh,
        in_specs=(P("tiles"), P("tiles"), P(), P()),
        out_specs=(P("tiles"), P(), P(), P()),
        check_vma=False,
    )
    return jax.jit(f)
