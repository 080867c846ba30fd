"""OSI-SAF-like reference SIC: the truth area-averaged to 10 km with realistic errors.

Error model (after the OSI SAF SIC validation and uncertainty reports, Lavergne et al. 2019,
The Cryosphere 13, 49-78): the effective resolution of the 19/37 GHz retrieval (Gaussian
smoothing of ``smooth_km``), a retrieval noise of ``noise_pct`` in the pack growing to ~3x in
the MIZ (smearing and tie-point uncertainty), an underestimation near the ice edge and in thin /
mixed ice of up to ``edge_bias_pct`` at 50 % concentration, and the open-water filter that sets
low concentrations to 0 (``ow_cut_pct``). Land is NaN.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.geo.grids import Grid
from seaice_jax.sim import fields


def osisaf_like(
    key: jax.Array, sic_pct: jax.Array, land_frac: jax.Array, src: Grid, dst: Grid, r
) -> np.ndarray:
    """Reference SIC (%) on ``dst`` from the coarse truth ``sic_pct`` (%) on ``src``.

    Args:
      key: PRNG key.
      sic_pct: (H, W) truth on the coarse grid; land_frac: (H, W) land fraction there.
      src, dst: coarse truth grid and reference grid (same CRS).
      r: the ``reference`` config (smooth_km, noise_pct, edge_bias_pct, ow_cut_pct).

    Returns:
      (h, w) float32 SIC in %, NaN over land.
    """
    out = _reference(
        key,
        sic_pct,
        land_frac,
        src,
        dst,
        float(r.smooth_km),
        float(r.noise_pct),
        float(r.edge_bias_pct),
        float(r.ow_cut_pct),
    )
    return np.asarray(out, np.float32)


@partial(jax.jit, static_argnames=("src", "dst", "smooth_km"))
def _reference(key, sic_pct, land_frac, src, dst, smooth_km, noise_pct, edge_bias_pct, ow_cut_pct):
    wy, wx, _ = fields.area_weights(src, dst)
    c = fields.area_average(sic_pct, wy, wx)
    lf = fields.area_average(land_frac, wy, wx)
    sig = smooth_km * 1e3 / dst.res / 2.355
    c = fields.gaussian_blur(c, sig, sig, 0.0, pad=int(np.ceil(3.5 * sig)) + 1)
    x = jnp.clip(c / 100.0, 0.0, 1.0)
    mixed = 4.0 * x * (1.0 - x)
    k1, k2 = jax.random.split(key)
    noise = fields.smooth_noise(k1, dst.shape, 1.0) * 0.6 + 0.8 * jax.random.normal(k2, dst.shape)
    out = c + edge_bias_pct * mixed + noise_pct * (1.0 + 2.0 * mixed) * noise
    out = jnp.where(out < ow_cut_pct, 0.0, jnp.clip(out, 0.0, 100.0))
    return jnp.where(lf > 0.5, jnp.nan, out)
