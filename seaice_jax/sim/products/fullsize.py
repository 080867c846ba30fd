"""sigma0 beyond the 200 m scene, for full-size SAR products (``products.full_size``).

A full Sentinel-1 EW GRD covers 400 x 400 km; the simulated 200 m scene is smaller. Outside it the
product's pixels take the same SAR model (:func:`seaice_jax.sim.sar.sar_kernel`) run on the coarse
truth of the region (about 1 km): its class fractions and wind, the swath's incidence angle and
thermal noise (the same draw as the scene's), open-water texture for every class (the ice
textures of the truth exist at 200 m only) and speckle from a stream of its own. Inside the scene
the 200 m sigma0 is used, so the scene's pixels are identical in either size.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.sim import fields, sar
from seaice_jax.sim.geometry import CaseGrids


def coarse_sigma0(draw, grids: CaseGrids, fr_coarse: jax.Array, wind: jax.Array,
                  sar_params: jax.Array, wind_ref: float) -> dict[str, np.ndarray]:  # fmt: skip
    """HH and HV sigma0 (dB) of one acquisition on ``grids.coarse``.

    Args:
      draw: the acquisition's ``sim.products.SarDraw`` (geometry, sensor, noise key).
      grids: the case's grids.
      fr_coarse: (5, H, W) area fractions of water, young ice, FYI, MYI, land on the coarse grid.
      wind: (H, W) wind speed (m/s) there.
      sar_params: the calibrated class table (``sim.calibration.sar_params``).
      wind_ref: the wind of the calibration scene (m/s).

    Returns:
      ``{"hh", "hv"}``: (H, W) float32 dB, NaN outside the swath.
    """
    g, s = grids.coarse, draw.sensor
    uu, vv = np.meshgrid(g.x - grids.xc, g.y - grids.yc)
    rng_m, along, covered = sar.swath(uu, vv, draw.flight_deg, draw.range_at_centre, s.swath_m)
    inc = s.inc_near + (s.inc_far - s.inc_near) * np.clip(rng_m / s.swath_m, 0, 1)
    f32 = jnp.float32
    n_true, n_est = sar.noise_fields(
        draw.noise_key, jnp.asarray(rng_m, f32), jnp.asarray(along, f32), s
    )
    kt, ks = jax.random.split(jax.random.fold_in(draw.noise_key, 7))
    water = fields.texture_fields(kt, g.shape)
    tex = jnp.stack([jnp.stack([water[p]] * 4) for p in (0, 1)])
    fr = fr_coarse[:4] / jnp.maximum(fr_coarse[:4].sum(0, keepdims=True), 1e-6)
    wind_db = 10 * jnp.log10(wind / wind_ref)
    hh, hv = sar.sar_kernel(ks, sar_params, fr, tex, wind_db, jnp.asarray(inc, f32), n_true,
                            n_est, s.enl, s.floor_db)  # fmt: skip
    nan = np.float32(np.nan)
    return {
        "hh": np.where(covered, np.asarray(hh), nan),
        "hv": np.where(covered, np.asarray(hv), nan),
    }
