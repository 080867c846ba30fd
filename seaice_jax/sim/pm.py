"""AMSR2 brightness temperatures over the simulated truth.

Forward model on the coarse truth grid (1 km), per channel:

- Surface mixing by area fraction of open water, new ice, first-year ice, multiyear ice and land.
  Ice TBs: the mean and covariance of the real RRDP 100 % points; the FYI/MYI contrast from the
  AMSR2 NASA Team tie points (MY - FY at 18.7H/V and 36.5V; NSIDC ``amsru_a2``, see
  ``seaice_jax.pm.tiepoints``), assumed for the other channels. New ice: halfway between water
  and FYI (thin ice lowers the NT concentration, Cavalieri 1994).
- Open water: the RRDP 0 % regression of each TB on ERA total column water vapour, cloud liquid
  water and wind speed, plus its residual covariance. The three covariates are drawn as spatial
  fields with the RRDP means/stds/correlations: vapour and wind smooth (300 km, 150 km), cloud
  liquid water patchy (cloud cells of ~40 km covering ``pm.cloud_cover``), so clouds raise the
  89 GHz TBs over open water the most, as the regression finds. Over ice a quarter of the
  atmospheric term is added (a warm, emissive surface masks the atmosphere).
- Variability: ice and residual water TBs vary in space (~50 km) and per date, with half of
  the covariance each.
- Footprints: anisotropic Gaussians with the AMSR2 3-dB footprint sizes (JAXA GCOM-W1 AMSR2
  specification: 18.7 GHz 14 x 22 km, 23.8 GHz 15 x 26 km, 36.5 GHz 7 x 12 km, 89.0 GHz
  3 x 5 km), then area averages on the 3.125 km and 25 km grids, then radiometer noise NEdT
  (0.7, 0.6, 0.7, 1.2 K for 18.7, 23.8, 36.5, 89.0 GHz, same specification).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import norm

from seaice_jax.geo.grids import Grid
from seaice_jax.names import TB_VARS
from seaice_jax.sim import fields

FOOTPRINT_KM = {"18_7": (14.0, 22.0), "23_8": (15.0, 26.0), "36_5": (7.0, 12.0), "89_0": (3.0, 5.0)}
NEDT_K = {"18_7": 0.7, "23_8": 0.6, "36_5": 0.7, "89_0": 1.2}
# MY - FY (K): NT AMSR2 tie points for 18.7H, 18.7V, 36.5V; 23.8V, 36.5H, 89H/V assumed.
MYI_DELTA = np.array([-38.0, -27.3, -32.0, -45.0, -50.4, -40.0, -40.0])
MYI_SHARE_RRDP = 0.3  # assumed MYI share of the RRDP 100 % points
LAND_TB = np.array([238.0, 255.0, 252.0, 240.0, 252.0, 240.0, 250.0])
FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def _band(v: str) -> str:
    return v[3:7]


class PMModel:
    """AMSR2 TB simulation on a coarse grid from the calibration dict ``cal['pm']``."""

    def __init__(self, cal_pm: dict, coarse: Grid, cloud_cover: float, scan_angle_deg: float):
        self.coarse = coarse
        ice, w = cal_pm["ice"], cal_pm["water"]
        mu = np.asarray(ice["mean"])
        self.tb_fy = jnp.asarray(mu - MYI_SHARE_RRDP * MYI_DELTA, jnp.float32)
        self.tb_my = jnp.asarray(mu + (1 - MYI_SHARE_RRDP) * MYI_DELTA, jnp.float32)
        # The FY/MY contrast carries part of the RRDP variance: scale the rest to keep the total.
        cov = np.asarray(ice["cov"])
        type_var = MYI_SHARE_RRDP * (1 - MYI_SHARE_RRDP) * MYI_DELTA**2
        scale = np.sqrt(np.clip(1 - type_var / np.diag(cov), 0.3, 1.0))
        self.l_ice = jnp.asarray(
            np.linalg.cholesky(cov + 1e-6 * np.eye(7)) * scale[:, None], jnp.float32
        )
        self.l_res = jnp.asarray(
            np.linalg.cholesky(np.asarray(w["resid_cov"]) + 1e-6 * np.eye(7)), jnp.float32
        )
        self.w_icpt = jnp.asarray(w["intercept"], jnp.float32)
        self.w_coef = jnp.asarray(w["coef"], jnp.float32)  # (3, 7)
        self.cov_mean = np.asarray(w["covariate_mean"])
        self.cov_std = np.asarray(w["covariate_std"])
        self.cov_chol = np.linalg.cholesky(np.asarray(w["covariate_corr"]) + 1e-6 * np.eye(3))
        # Per-channel offsets/scales fitted so that simulated pure surfaces match the RRDP stats.
        fit = cal_pm.get("fit", {})
        self.fit = {
            k: jnp.asarray(fit.get(k, [d] * 7), jnp.float32)
            for k, d in (
                ("ice_offset", 0.0),
                ("ice_scale", 1.0),
                ("water_offset", 0.0),
                ("water_scale", 1.0),
            )
        }
        self.cloud_cover = float(cloud_cover)
        self.scan_angle = float(np.deg2rad(scan_angle_deg))
        self.noise_grid = coarse.coarsen(8)
        self.atmosphere = jax.jit(self.atmosphere)
        self.surface_tb = jax.jit(self.surface_tb)
        self.observe = jax.jit(self.observe, static_argnames=("dst",))

    def atmosphere(self, key: jax.Array) -> jax.Array:
        """(3, H, W) covariate fields on the coarse grid: tcwv (kg m-2), tclw (kg m-2), wind (m/s)."""
        ng = self.noise_grid
        kd, k0, k1, k2 = jax.random.split(key, 4)
        scales = (300e3, 40e3, 150e3)
        sp = fields.smooth_noise_batch(
            jnp.stack([k0, k1, k2]), ng.shape, jnp.asarray(scales) / ng.res
        )
        z = np.sqrt(0.4) * jax.random.normal(kd, (3, 1, 1)) + np.sqrt(0.6) * sp
        z = jnp.einsum("ij,jhw->ihw", jnp.asarray(self.cov_chol, jnp.float32), z)
        m, s = self.cov_mean, self.cov_std
        tcwv = jnp.maximum(m[0] * jnp.exp(s[0] / m[0] * z[0] - 0.5 * (s[0] / m[0]) ** 2), 0.3)
        thr = norm.ppf(1 - self.cloud_cover)
        excess = jnp.maximum(z[1] - thr, 0.0)
        mean_excess = norm.pdf(thr) - thr * (1 - norm.cdf(thr))  # E[max(Z - thr, 0)]
        tclw = excess * (m[1] / mean_excess)
        wind = jnp.maximum(m[2] + s[2] * z[2], 0.3)
        cov = jnp.stack([tcwv, tclw, wind])
        return _upsample(cov, ng, self.coarse)

    def surface_tb(self, key: jax.Array, fr: jax.Array, cov: jax.Array) -> jax.Array:
        """(7, H, W) top-of-atmosphere TBs before the antenna, from (5, H, W) fractions.

        Args:
          fr: area fractions of water, young ice, FYI, MYI, land.
          cov: :meth:`atmosphere` fields.
        """
        ng = self.noise_grid
        keys = jax.random.split(key, 16)
        sp = fields.smooth_noise_batch(keys[:14], ng.shape, jnp.full((14,), 50e3 / ng.res))
        zd = jax.random.normal(keys[14], (14, 1, 1))
        z = _upsample(np.sqrt(0.5) * (sp + zd), ng, self.coarse)
        ice_dev = jnp.einsum("ij,jhw->ihw", self.l_ice, z[:7])
        res_dev = jnp.einsum("ij,jhw->ihw", self.l_res, z[7:])
        return _mix(
            fr,
            cov,
            ice_dev,
            res_dev,
            self.w_icpt,
            self.w_coef,
            jnp.asarray(self.cov_mean, jnp.float32),
            self.tb_fy,
            self.tb_my,
            jnp.asarray(LAND_TB, jnp.float32),
            self.fit,
        )

    def observe(self, key: jax.Array, tb: jax.Array, dst: Grid) -> jax.Array:
        """Antenna smoothing per channel, area average onto ``dst`` and NEdT noise: (7, h, w)."""
        fp = (
            np.array([FOOTPRINT_KM[_band(v)] for v in TB_VARS])
            * 1e3
            * FWHM_TO_SIGMA
            / self.coarse.res
        )
        pad = int(np.ceil(3.5 * fp.max())) + 1
        blur = jax.vmap(
            lambda img, sy, sx: fields.gaussian_blur(img, sy, sx, self.scan_angle, pad=pad)
        )
        sm = blur(tb, jnp.asarray(fp[:, 1], jnp.float32), jnp.asarray(fp[:, 0], jnp.float32))
        # dst cells are exact blocks of the coarse grid (see geometry.case_grids)
        out = fields.block_mean(sm, int(round(dst.res / self.coarse.res)))
        nedt = jnp.asarray([NEDT_K[_band(v)] for v in TB_VARS], jnp.float32)[:, None, None]
        return out + nedt * jax.random.normal(key, out.shape)

    def antenna(self, tb: jax.Array, footprint_km: tuple[float, float]) -> jax.Array:
        """(C, H, W) TBs seen through one Gaussian footprint (3-dB sizes across, along scan in
        km), e.g. the 23.8 GHz footprint of the resolution-matched L1R channels."""
        sx, sy = (km * 1e3 * FWHM_TO_SIGMA / self.coarse.res for km in footprint_km)
        return fields.gaussian_blur(tb, sy, sx, self.scan_angle)


def _upsample(x: jax.Array, src: Grid, dst: Grid) -> jax.Array:
    return jax.vmap(lambda a: fields.resample_bilinear(a, src, dst))(x)


@jax.jit
def _mix(fr, cov, ice_dev, res_dev, w_icpt, w_coef, cov_mean, tb_fy, tb_my, tb_land, fit):
    def col(a):
        return a[:, None, None]

    atm = jnp.einsum("ci,chw->ihw", w_coef, cov - col(cov_mean))  # (7, H, W)
    atm_only = jnp.einsum("ci,chw->ihw", w_coef[:2], cov[:2] - col(cov_mean[:2]))
    water = col(w_icpt + fit["water_offset"]) + col(fit["water_scale"]) * (atm + res_dev)
    ice_dev = col(fit["ice_scale"]) * (ice_dev + 0.25 * atm_only) + col(fit["ice_offset"])
    fy = col(tb_fy) + ice_dev
    my = col(tb_my) + ice_dev
    young = 0.5 * (water + fy)
    land = tb_land[:, None, None] + 0.25 * atm_only
    return fr[0] * water + fr[1] * young + fr[2] * fy + fr[3] * my + fr[4] * land
