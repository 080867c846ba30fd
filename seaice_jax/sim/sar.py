"""C-band SAR (Sentinel-1 EW, RCM ScanSAR) HH/HV sigma0 over the simulated truth.

Per surface class (open water, new/young ice, first-year ice, multiyear ice) sigma0 in dB is
``mean + slope * (theta - 35) + texture``, with means, incidence slopes and texture stds fitted so
that the simulation reproduces the class statistics of the real GLIA Sentinel-1 EW scene (see
:mod:`seaice_jax.sim.calibration`). Mixed pixels are mixed in linear power. Open water is
roughened by the wind, sigma0 ~ U^1.6 in HH and U^1.0 in HV around the calibration wind (the
CMOD-type wind exponents at mid incidence, Hersbach et al. 2007). The product then gets

- multiplicative speckle, Gamma(L, 1/L) for ``L`` equivalent looks (Ulaby & Long 2014, ch. 5);
- the thermal noise of the receiver and its imperfect removal: noise power N(range, azimuth) with
  the elevation-antenna shape of each sub-swath and the TOPS/ScanSAR azimuth scalloping, and an
  estimate with per-sub-swath scale and ramp errors and only partly corrected scalloping
  (the residuals documented by Park et al. 2018, IEEE TGRS 56(3), for Sentinel-1 EW). The
  product is ``speckle * (sigma0 + N) - N_est``, floored at the real scene's minimum; the
  residual dominates HV over open water, where sigma0 is below the noise floor;
- a swath: incidence angle across range and a coverage mask (the swath does not cover the scene).
"""

from __future__ import annotations

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

CLASSES = ("water", "young", "fyi", "myi")
#: Columns of the per-class parameter table.
PARAMS = ("hh_mean", "hh_slope", "hh_tex", "hv_mean", "hv_slope", "hv_tex")
WIND_EXPONENT = {"hh": 1.6, "hv": 1.0}


@dataclasses.dataclass(frozen=True)
class Sensor:
    """Acquisition parameters of one SAR product at 200 m."""

    name: str
    enl: float
    nesz_db: float
    swath_m: float
    n_sub: int
    inc_near: float
    inc_far: float
    burst_m: float
    denoise_error: float
    floor_db: float


def sensors(cfg, s1_nesz_db: float) -> dict[str, Sensor]:
    """Sentinel-1 EW (400 km, 5 sub-swaths, 18.9-47 deg) and RCM ScanSAR 50 m (350 km, 4 beams).

    ``s1_nesz_db`` is the calibrated S1 noise floor; RCM's is ``sar.rcm_nesz_offset_db`` higher.
    """
    a = cfg.sar
    rcm_nesz = s1_nesz_db + a.rcm_nesz_offset_db
    return {
        "s1": Sensor(
            "s1",
            a.s1_enl,
            s1_nesz_db,
            a.s1_swath_km * 1e3,
            a.s1_subswaths,
            18.9,
            47.0,
            20e3,
            a.denoise_error,
            a.floor_db,
        ),
        "rcm": Sensor(
            "rcm",
            a.rcm_enl,
            rcm_nesz,
            a.rcm_swath_km * 1e3,
            a.rcm_subswaths,
            19.5,
            46.5,
            25e3,
            a.denoise_error,
            a.floor_db,
        ),
    }


def swath(
    u: np.ndarray, v: np.ndarray, flight_dir_deg: float, range_at_centre: float, width: float
):
    """Across-track (range, from the near edge) and along-track coordinates (m) and coverage.

    Args:
      u, v: (H, W) map coordinates relative to the scene centre (m).
      flight_dir_deg: flight direction, degrees from the x axis (range looks to its right).
      range_at_centre: range coordinate of the scene centre (m).
      width: swath width (m).
    """
    a = np.deg2rad(flight_dir_deg)
    along = u * np.cos(a) + v * np.sin(a)
    rng_ = range_at_centre + u * np.sin(a) - v * np.cos(a)
    return rng_, along, (rng_ >= 0) & (rng_ <= width)


def noise_params(key: jax.Array, s: Sensor) -> dict[str, jax.Array]:
    """Per-sub-swath draws of the noise model: scalloping period and phase, and the scale and
    ramp errors of the noise estimate, each ``(s.n_sub,)``."""
    k1, k2, k3, k4 = jax.random.split(key, 4)
    return {
        "period": s.burst_m * (0.85 + 0.3 * jax.random.uniform(k1, (s.n_sub,))),
        "phase": 2 * jnp.pi * jax.random.uniform(k2, (s.n_sub,)),
        "scale_err": s.denoise_error * jax.random.normal(k3, (s.n_sub,)),
        "ramp_err": s.denoise_error * jax.random.normal(k4, (s.n_sub,)),
    }


def noise_range(p: dict, rng_m, s: Sensor):
    """Range factors of the noise at ground range ``rng_m``: the true pattern and the estimate's
    (antenna pattern with the estimate's per-sub-swath errors), and the sub-swath index."""
    wsub = s.swath_m / s.n_sub
    j = jnp.clip(jnp.floor(rng_m / wsub), 0, s.n_sub - 1).astype(jnp.int32)
    x = rng_m / wsub - j  # position inside the sub-swath, 0..1
    n0 = 10 ** (s.nesz_db / 10)
    pattern = (1.0 + 1.0 * (2 * x - 1) ** 2) * (1.0 + 0.35 * rng_m / s.swath_m)
    base = n0 * pattern
    return base, base * (1.0 + p["scale_err"][j] + p["ramp_err"][j] * (2 * x - 1)), j


def scalloping(p: dict, along, j):
    """The TOPS/ScanSAR azimuth modulation of sub-swath ``j`` at along-track ``along`` (m)."""
    return 0.3 * jnp.cos(2 * jnp.pi * along / p["period"][j] + p["phase"][j])


@partial(jax.jit, static_argnames=("s",))
def noise_fields(key: jax.Array, rng_m: jax.Array, along: jax.Array, s: Sensor):
    """True and estimated thermal-noise power (linear), each (H, W)."""
    p = noise_params(key, s)
    true_range, est_range, j = noise_range(p, rng_m, s)
    scallop = scalloping(p, along, j)
    n_true = true_range * (1.0 + scallop)
    # Early Sentinel-1 noise vectors had no azimuth term: a third of the scalloping is corrected.
    n_est = est_range * (1.0 + scallop / 3)
    return n_true, n_est


def gamma_speckle(key: jax.Array, enl, shape) -> jax.Array:
    """Unit-mean Gamma(L, 1/L) speckle by the Wilson-Hilferty cube transform of a normal.

    (L X)^(1/3) of X ~ Gamma(L, 1/L) is close to normal with mean 1 - 1/(9L) and variance
    1/(9L) (Wilson & Hilferty 1931); accurate for the L >= 5 used here and much faster on CPU
    than rejection sampling. Renormalised to mean 1.
    """
    v = 1.0 / (9.0 * enl)
    z = jax.random.normal(key, shape)
    g = jnp.maximum(1.0 - v + jnp.sqrt(v) * z, 0.0) ** 3
    return g / ((1.0 - v) ** 3 + 3 * (1.0 - v) * v)


def class_sigma0_db(params: jax.Array, inc: jax.Array, tex: jax.Array, pol: int) -> jax.Array:
    """sigma0 (dB) of every class: (4, H, W) from (4, 6) ``params``; ``pol`` 0 = HH, 1 = HV."""
    p = params[:, 3 * pol : 3 * pol + 3]
    return (
        p[:, 0, None, None] + p[:, 1, None, None] * (inc - 35.0)[None] + p[:, 2, None, None] * tex
    )


@jax.jit
def sar_kernel(key, params, fracs, tex, wind_db, inc, n_true, n_est, enl, floor_db):
    """Observed HH and HV sigma0 (dB) from class fractions.

    Args:
      key: PRNG key.
      params: (4, 6) class table (see :data:`PARAMS`).
      fracs: (4, H, W) area fractions of water, young, FYI, MYI (sum 1).
      tex: (2, 4, H, W) unit texture fields (pol, class).
      wind_db: (H, W) ``10 log10(U / U_ref)``.
      inc: (H, W) incidence angle (deg).
      n_true, n_est: (H, W) thermal noise power and its estimate (linear).
      enl: equivalent number of looks; floor_db: floor of the product (dB).

    Returns:
      (hh, hv) in dB, each (H, W).
    """
    out = []
    for pol, name in enumerate(("hh", "hv")):
        db = class_sigma0_db(params, inc, tex[pol], pol)
        db = db.at[0].add(WIND_EXPONENT[name] * wind_db)
        sigma = jnp.sum(fracs * 10 ** (db / 10), axis=0)
        g = gamma_speckle(jax.random.fold_in(key, pol), enl, sigma.shape)
        obs = g * (sigma + n_true) - n_est
        out.append(10 * jnp.log10(jnp.maximum(obs, 10 ** (floor_db / 10))))
    return out[0], out[1]


def fractions(sic: jax.Array, young: jax.Array, myi: jax.Array) -> jax.Array:
    """(4, H, W) area fractions of water, young ice, FYI, MYI from the truth fields."""
    young = jnp.clip(young, 0.0, sic)
    old = sic - young
    return jnp.stack([1.0 - sic, young, old * (1.0 - myi), old * myi])
