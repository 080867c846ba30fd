"""Digital numbers of a simulated SAR image: sigma0 from the map, calibration and declared noise.

A detected SAR product stores ``DN`` with ``sigma0 = (DN^2 - eta) / A^2`` (Sentinel-1; RCM writes
``(DN^2 + offset) / gain - N`` with ``gain = A^2``, ``N = eta / A^2``), where ``A`` is the
calibration LUT and ``eta`` the thermal noise the product declares. The writers here invert that:
``DN = round(sqrt(A^2 sigma0 + eta))`` with ``A`` and ``eta`` *as a reader interpolates them from
the vectors written*, so that calibrating and subtracting the declared noise gives back the sim's
sigma0 up to the rounding of DN: ``|d sigma0| <= (DN + 1/4) / A^2``.

- sigma0: the sim's 200 m map (the noisy, imperfectly denoised product of :mod:`seaice_jax.sim.sar`),
  sampled at each image pixel's map position, nearest pixel (so speckle statistics are kept);
  beyond the 200 m scene, for full-size products, the SAR model on the coarse truth (same rule).
- calibration: a constant beta-nought LUT ``A_beta`` and ``A_sigma = A_beta / sqrt(sin(theta))``
  (sigma0 = beta0 sin(theta)), ``A_gamma = A_sigma sqrt(cos(theta))``. ``A_beta`` puts DN 65535 at
  about +15 dB at the far edge, so 1 DN is a negligible part of even the HV noise floor.
- declared noise: the sim's noise *estimate* (``sim.sar.noise_range``: antenna pattern with the
  estimate's per-sub-swath errors) as range vectors, and its scalloping as azimuth vectors per
  sub-swath (Sentinel-1 IPF >= 2.9 layout).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax.numpy as jnp
import numpy as np

from seaice_jax.geo.grids import Grid
from seaice_jax.sim import sar

#: ``(pol, rows) -> (h, samples)`` linear sigma0 of image rows (NaN outside the swath).
Sigma0Fn = Callable[[str, slice], np.ndarray]
A_BETA = 7000.0
DN_MAX = 65535


@dataclasses.dataclass(frozen=True)
class MapLayer:
    """A map field of linear sigma0 per polarisation on ``grid``; NaN where it does not apply."""

    grid: Grid
    sigma0: dict[str, np.ndarray]  # pol -> (H, W) linear


class MapSampler:
    """Linear sigma0 at image pixels: the nearest pixel of the first layer holding the pixel's
    map position. The layers carry NaN outside the swath (the sim's own coverage of each map
    pixel decides, so product and map agree pixel for pixel)."""

    def __init__(self, acq, layers: list[MapLayer]):
        self.acq, self.layers = acq, layers

    def __call__(self, pol: str, rows: slice) -> np.ndarray:
        """``(h, samples)`` linear sigma0 of image rows ``rows``; NaN outside the swath/layers."""
        r = np.arange(rows.start, rows.stop, dtype=float)[:, None]
        c = np.arange(self.acq.samples, dtype=float)[None, :]
        x, y = self.acq.image_to_map(r, c)
        out = np.full(x.shape, np.nan)
        todo = np.ones(x.shape, bool)
        for layer in self.layers:
            g = layer.grid
            col = np.floor((x - g.x0) / g.res).astype(np.int64)
            row = np.floor((g.y0 - y) / g.res).astype(np.int64)
            hit = todo & (col >= 0) & (col < g.width) & (row >= 0) & (row < g.height)
            out[hit] = layer.sigma0[pol][row[hit], col[hit]]
            todo &= ~hit
        return out


@dataclasses.dataclass(frozen=True)
class Vectors:
    """LUT vectors on image lines: ``values[k]`` at ``pixels`` on line ``lines[k]``."""

    lines: np.ndarray  # (K,)
    pixels: np.ndarray  # (P,)
    values: np.ndarray  # (K, P)

    def interp(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Bilinear: linear along pixels within each vector, then between vector lines."""
        along = np.stack([np.interp(cols, self.pixels, v) for v in self.values])
        if len(self.lines) == 1:
            return np.repeat(along, len(rows), axis=0)
        j = np.clip(np.searchsorted(self.lines, rows, side="right") - 1, 0, len(self.lines) - 2)
        t = np.clip((rows - self.lines[j]) / (self.lines[j + 1] - self.lines[j]), 0.0, 1.0)
        return along[j] * (1 - t[:, None]) + along[j + 1] * t[:, None]


@dataclasses.dataclass(frozen=True)
class AzimuthBlock:
    """Azimuth noise LUT of one sub-swath: pixels ``c0..c1``, lines ``l0..l1`` (inclusive)."""

    swath: str
    l0: int
    l1: int
    c0: int
    c1: int
    lines: np.ndarray
    lut: np.ndarray


def sample_points(n: int, step: int) -> np.ndarray:
    """0, step, 2 step, ... and the last index ``n - 1`` (the LUT sampling of real products)."""
    return np.unique(np.append(np.arange(0, n, max(step, 1)), n - 1))


def calibration(acq, px_step: int) -> dict[str, Vectors]:
    """sigmaNought, betaNought, gamma and dn vectors at 10 lines (constant along azimuth)."""
    lines, _ = acq.lattice(10, 2)
    pixels = sample_points(acq.samples, px_step)
    inc = np.deg2rad(acq.incidence(acq.frame(np.zeros_like(pixels), pixels)[1]))
    sigma = A_BETA / np.sqrt(np.sin(inc))
    rows = np.ones((len(lines), 1))
    return {
        "sigmaNought": Vectors(lines, pixels, rows * sigma),
        "betaNought": Vectors(lines, pixels, rows * np.full_like(sigma, A_BETA)),
        "gamma": Vectors(lines, pixels, rows * sigma * np.sqrt(np.cos(inc))),
        "dn": Vectors(lines, pixels, rows * np.full_like(sigma, A_BETA)),
    }


def noise(acq, s: sar.Sensor, params: dict, a_sigma: Vectors, px_step: int,
          line_step: int):  # fmt: skip
    """Declared thermal noise: range vectors (DN^2 units) and per-sub-swath azimuth blocks."""
    lines, _ = acq.lattice(10, 2)
    pixels = sample_points(acq.samples, px_step)
    p = {k: jnp.asarray(v) for k, v in params.items()}
    rng = acq.frame(np.zeros_like(pixels), pixels)[1]
    _, est, _ = sar.noise_range(p, jnp.asarray(rng, jnp.float32), s)
    a2 = a_sigma.interp(lines[:1].astype(float), pixels.astype(float))[0] ** 2
    rvec = Vectors(lines, pixels, np.ones((len(lines), 1)) * (a2 * np.asarray(est, np.float64)))
    cols = np.arange(acq.samples)
    _, rng_all = acq.frame(np.zeros(acq.samples), cols)
    sub = np.clip(np.floor(rng_all / (s.swath_m / s.n_sub)), 0, s.n_sub - 1).astype(int)
    blocks = []
    az_lines = sample_points(acq.lines, line_step)
    along, _ = acq.frame(az_lines, np.zeros_like(az_lines))
    for j in np.unique(sub):
        cj = cols[sub == j]
        scal = np.asarray(sar.scalloping(p, jnp.asarray(along, jnp.float32), int(j)), np.float64)
        blocks.append(AzimuthBlock(f"{'EW' if acq.sensor == 's1' else 'SC'}{j + 1}", 0,
                                   acq.lines - 1, int(cj.min()), int(cj.max()), az_lines,
                                   1.0 + scal / 3.0))  # fmt: skip
    return rvec, blocks


def declared_noise(rvec: Vectors, blocks: list[AzimuthBlock], rows, cols) -> np.ndarray:
    """The noise a reader computes from the vectors (ESA: range x azimuth, bilinear / linear)."""
    eta = rvec.interp(rows, cols)
    for b in blocks:
        ri = (rows >= b.l0) & (rows <= b.l1)
        ci = (cols >= b.c0) & (cols <= b.c1)
        if ri.any() and ci.any():
            eta[np.ix_(ri, ci)] *= np.interp(rows[ri], b.lines, b.lut)[:, None]
    return eta


def encode_dn(sigma0: np.ndarray, a: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, int]:
    """uint16 DN (0 where sigma0 is NaN: outside the swath) and the number of saturated pixels."""
    power = a * a * np.where(np.isfinite(sigma0), sigma0, 0.0) + eta
    dn = np.rint(np.sqrt(np.maximum(power, 0.0)))
    saturated = int(np.count_nonzero(np.isfinite(sigma0) & (dn > DN_MAX)))
    dn = np.clip(dn, 1, DN_MAX)
    return np.where(np.isfinite(sigma0), dn, 0).astype(np.uint16), saturated
