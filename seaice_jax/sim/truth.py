"""Sea-ice truth: concentration, ice type and new ice at 200 m, and on the large region.

Construction (one material "canvas" at 200 m, advected to each date):

- Ice edge: a meandering line (random sinusoids plus an along-edge streaky noise field); a
  marginal ice zone (MIZ) of width ``miz_width_km`` where the concentration envelope rises from
  ``miz_min_conc`` at the edge to the pack value, modulated by ice bands.
- Floes: a Boolean model of irregular discs in size classes of 0.2-5 km radius, with number
  densities following the power law N(>r) ~ r^-a observed for floe sizes (Rothrock & Thorndike
  1984; Stern et al. 2018, a ~ 2); the intensity is set so that the expected cover equals the
  envelope (cover = 1 - exp(-sum of intensity x area)), plus sub-pixel brash ice in the MIZ.
- Leads and cracks: curved polylines 1-10 px wide (power-law widths, many thin ones) along two
  dominant directions ~55 deg apart, as linear kinematic features intersect (Kwok 2001); a share
  refreezes to new ice (still ice, but dark for SAR and low in TB).
- Ice type: multiyear ice from a large-scale field, favoured deep in the pack.
- Drift: date k is the canvas seen through a backward map (translation, rotation and a shear
  wave), and each later date opens its own new leads.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from scipy.stats import norm

from seaice_jax.sim import fields
from seaice_jax.sim.geometry import CaseGrids

FLOE_RADII = (1.0, 1.6, 2.5, 4.0, 6.5, 10.0, 16.0, 25.0)  # px (200 m)
LEAD_RADII = (0.5, 1.0, 1.75, 3.0, 5.0)  # px: widths 1, 2, 3.5, 6, 10


@dataclasses.dataclass(frozen=True)
class Edge:
    """The ice-edge geometry in scene-centred map metres (u east, v north)."""

    nx: float
    ny: float
    offset: float
    amps: tuple[float, ...]
    waves: tuple[float, ...]
    phases: tuple[float, ...]
    miz: float
    miz_min: float
    pack: float

    @staticmethod
    def from_config(s: ml_collections.ConfigDict, rng: np.random.Generator) -> Edge:
        a = np.deg2rad(s.edge_angle)
        miz = s.miz_width_km * 1000.0
        waves = (400e3, 150e3, 60e3, 25e3)
        amps = tuple(float(miz * f * rng.uniform(0.6, 1.2)) for f in (1.0, 0.4, 0.15, 0.06))
        return Edge(
            nx=float(-np.sin(a)),
            ny=float(np.cos(a)),
            offset=float(s.edge_offset_km * 1000.0),
            amps=amps,
            waves=waves,
            phases=tuple(float(p) for p in rng.uniform(0, 2 * np.pi, 4)),
            miz=miz,
            miz_min=float(s.miz_min_conc),
            pack=float(s.pack_conc),
        )

    def distance(self, u: jax.Array, v: jax.Array, streak: jax.Array) -> jax.Array:
        """Signed distance (m) into the ice from the edge; ``streak`` is a unit noise field."""
        s_along = -u * self.ny + v * self.nx
        # Signed so that d = offset at the scene centre (before the streak noise).
        d = u * self.nx + v * self.ny + self.offset
        for a, w, p in zip(self.amps, self.waves, self.phases, strict=True):
            d = d + a * (jnp.sin(2 * jnp.pi * s_along / w + p) - np.sin(p))
        return d + 0.2 * self.miz * streak

    def envelope(self, d: jax.Array, bands: jax.Array) -> jax.Array:
        """Expected ice concentration (0-1) at signed distance ``d``, with MIZ ice bands."""
        t = jnp.clip(d / self.miz, 0.0, 1.0)
        c = self.miz_min + (self.pack - self.miz_min) * t**0.8
        c = c * jnp.clip(1.0 + 0.45 * bands * (1.0 - t), 0.05, 1.3)
        stray = self.miz_min * 0.5 * jnp.exp(d / 3000.0)
        return jnp.clip(jnp.where(d >= 0, c, stray), 0.0, self.pack)


@dataclasses.dataclass(frozen=True)
class Drift:
    """Backward drift map: material position of a point seen on date ``k``."""

    ux: float
    uy: float
    rot: float
    shear: float
    shear_wave: float

    @staticmethod
    def from_config(s: ml_collections.ConfigDict) -> Drift:
        a = np.deg2rad(s.drift_dir)
        return Drift(
            ux=float(s.drift_km_day * 1000 * np.cos(a)),
            uy=float(s.drift_km_day * 1000 * np.sin(a)),
            rot=float(np.deg2rad(s.rot_deg_day)),
            shear=float(s.shear_km_day * 1000.0),
            shear_wave=float(max(s.size_px * 200.0, 40e3)),
        )

    def backward(self, u: jax.Array, v: jax.Array, k: float) -> tuple[jax.Array, jax.Array]:
        """Material (u, v) of points (u, v) (scene-centred m) on date index ``k``."""
        du = k * (self.ux + self.shear * jnp.sin(2 * jnp.pi * v / self.shear_wave))
        u1, v1 = u - du, v - k * self.uy
        c, s = jnp.cos(-k * self.rot), jnp.sin(-k * self.rot)
        return c * u1 - s * v1, s * u1 + c * v1


def _disc_kernels(radii, size: int, rng: np.random.Generator, irregular: bool) -> np.ndarray:
    """Anti-aliased (irregular) disc kernels, all ``size`` x ``size``."""
    r0 = size // 2
    yy, xx = np.mgrid[-r0 : r0 + 1, -r0 : r0 + 1]
    dist, phi = np.hypot(xx, yy), np.arctan2(yy, xx)
    ks = []
    for r in radii:
        rr = r
        if irregular:
            a, b = rng.uniform(0, 2 * np.pi, 2)
            rr = r * (1 + 0.18 * np.cos(3 * phi + a) + 0.12 * np.cos(5 * phi + b))
        ks.append(np.clip(rr + 0.5 - dist, 0.0, 1.0))
    return np.stack(ks).astype(np.float32)


def _batched_conv(imgs: jax.Array, kernels: jax.Array) -> jax.Array:
    return jax.vmap(fields.fft_convolve)(imgs, kernels)


@jax.jit
def _floe_cover(key: jax.Array, env: jax.Array, brash: jax.Array, weights, kernels) -> jax.Array:
    """Boolean-model floe cover (0-1) reaching ``env`` in expectation; (H, W)."""
    c_floe = jnp.clip(env * (1.0 - brash), 0.0, 0.999)
    lam_tot = -jnp.log1p(-c_floe)
    areas = kernels.sum((1, 2))
    lam = lam_tot[None] * (weights / areas)[:, None, None]
    u = jax.random.uniform(key, lam.shape)
    cover = jnp.clip(_batched_conv((u < lam).astype(jnp.float32), kernels), 0.0, 1.0)
    floes = 1.0 - jnp.prod(1.0 - cover, axis=0)
    return floes


def lead_polylines(rng: np.random.Generator, shape, n: int, widths, angles, refrozen_frac: float):
    """Random curved leads: (rows, cols, width-bin index, refrozen flag) per sample point."""
    h, w = shape
    rows, cols, bins, fro = [], [], [], []
    wmin, wmax = widths
    for _ in range(n):
        # Power-law widths (many thin cracks, few wide leads), log-uniform-ish tail.
        width = min(wmax, wmin * (1 - rng.uniform()) ** (-1 / 1.3))
        b = int(np.argmin(np.abs(2 * np.asarray(LEAD_RADII) - width)))
        base = np.deg2rad(rng.choice(angles) + rng.normal(0, 12))
        length = rng.uniform(0.15, 0.8) * max(h, w)
        n_pts = int(length / 0.5)
        turn = np.cumsum(rng.normal(0, np.deg2rad(0.6), n_pts))
        ang = base + turn
        r0, c0 = rng.uniform(0, h), rng.uniform(0, w)
        rows.append(r0 - np.cumsum(0.5 * np.sin(ang)))
        cols.append(c0 + np.cumsum(0.5 * np.cos(ang)))
        bins.append(np.full(n_pts, b))
        fro.append(np.full(n_pts, rng.uniform() < refrozen_frac))
    return (np.concatenate(rows), np.concatenate(cols), np.concatenate(bins), np.concatenate(fro))


@partial(jax.jit, static_argnames=("shape",))
def _render_leads(rows, cols, bins, fro, kernels, shape) -> tuple[jax.Array, jax.Array]:
    """Lead cover (open, refrozen), each (H, W) in 0-1, by splatting points and disc kernels."""
    nb = kernels.shape[0]
    r0, c0 = jnp.floor(rows).astype(jnp.int32), jnp.floor(cols).astype(jnp.int32)
    fr, fc = rows - r0, cols - c0
    slot = bins + nb * fro.astype(jnp.int32)
    img = jnp.zeros((2 * nb,) + shape, jnp.float32)
    for dr, dc, wgt in (
        (0, 0, (1 - fr) * (1 - fc)),
        (0, 1, (1 - fr) * fc),
        (1, 0, fr * (1 - fc)),
        (1, 1, fr * fc),
    ):
        img = img.at[slot, r0 + dr, c0 + dc].add(2.0 * wgt, mode="drop")
    cov = _batched_conv(img, jnp.concatenate([kernels, kernels]))
    cov = jnp.clip(cov, 0.0, 1.0)
    open_ = 1.0 - jnp.prod(1.0 - cov[:nb], axis=0)
    refr = 1.0 - jnp.prod(1.0 - cov[nb:], axis=0)
    return open_, refr


def render_leads(
    rng: np.random.Generator, shape, n: int, s: ml_collections.ConfigDict, refrozen: float
):
    """Open and refrozen lead cover on a (H, W) grid; see :func:`lead_polylines`."""
    r, c, b, f = lead_polylines(
        rng, shape, n, tuple(s.lead_width_px), tuple(s.lead_angles), refrozen
    )
    kernels = jnp.asarray(_disc_kernels(LEAD_RADII, 13, rng, irregular=False))
    # Pad to a power of two (points far outside, dropped) so the kernel compiles once per size.
    n_pad = 1 << int(np.ceil(np.log2(max(len(r), 2))))
    pad = n_pad - len(r)
    r = np.concatenate([r, np.full(pad, 1e7)])
    c = np.concatenate([c, np.full(pad, 1e7)])
    b, f = np.concatenate([b, np.zeros(pad, int)]), np.concatenate([f, np.zeros(pad, bool)])
    return _render_leads(
        jnp.asarray(r, jnp.float32),
        jnp.asarray(c, jnp.float32),
        jnp.asarray(b, jnp.int32),
        jnp.asarray(f),
        kernels,
        tuple(shape),
    )


def _myi_threshold(frac: float) -> float:
    return float(norm.ppf(1.0 - frac)) + 0.5


class TruthModel:
    """The truth of one case: a material canvas at 200 m plus large-scale fields on the region.

    Args:
      cfg: the case config (``cfg.sic`` used).
      grids: the case grids.
      key: PRNG key; ``rng``: NumPy generator for the small geometric parameters.
    """

    def __init__(
        self,
        cfg: ml_collections.ConfigDict,
        grids: CaseGrids,
        key: jax.Array,
        rng: np.random.Generator,
    ):
        s = self.s = cfg.sic
        self.grids, self.rng = grids, rng
        self.edge = Edge.from_config(s, rng)
        self.drift = Drift.from_config(s)
        self.myi_thr = _myi_threshold(float(s.myi_frac))
        co = grids.coarse
        k1, k2, k3, k4 = jax.random.split(key, 4)
        ang = float(np.deg2rad(s.edge_angle))
        self.streak = fields.smooth_noise(k1, co.shape, 15e3 / co.res, aniso=4.0, angle=ang)
        self.bands = fields.smooth_noise(k2, co.shape, 4e3 / co.res, aniso=5.0, angle=ang)
        self.myi_noise = fields.smooth_noise(k3, co.shape, 60e3 / co.res)
        self._state = jax.jit(self._material_state)  # fuses the edge geometry + sampling
        self._sample = jax.jit(self._sample_canvas)
        self._coarse = jax.jit(self._coarse_expected)
        n_days = (cfg.n_dates - 1) * (s.drift_km_day + s.shear_km_day)
        half = s.size_px * 200.0 * 0.75
        margin_m = n_days * 1000 + np.deg2rad(s.rot_deg_day) * (cfg.n_dates - 1) * half + 4000
        m = int(np.ceil(margin_m / 200.0))
        sc = grids.scene
        self.canvas_grid = type(sc)(
            sc.crs,
            sc.x0 - m * 200,
            sc.y0 + m * 200,
            200.0,
            sc.width + 2 * m,
            sc.height + 2 * m,
            name="canvas",
        )
        self.canvas = self._build_canvas(k4)

    def _region_sample(self, field: jax.Array, u: jax.Array, v: jax.Array) -> jax.Array:
        r, c = fields.sample_coords(self.grids.coarse, self.grids.xc + u, self.grids.yc + v)
        return fields.bilinear(field, r, c)

    def _material_state(self, u, v):
        """(signed edge distance, envelope, MYI flag) at material positions."""
        d = self.edge.distance(u, v, self._region_sample(self.streak, u, v))
        env = self.edge.envelope(d, self._region_sample(self.bands, u, v))
        deep = jnp.clip((d - self.edge.miz) / (3 * self.edge.miz), 0.0, 1.0)
        myi = (self._region_sample(self.myi_noise, u, v) + 2.0 * deep > self.myi_thr) & (
            d > 0.5 * self.edge.miz
        )
        return d, env, myi

    def _uv(self, grid) -> tuple[jax.Array, jax.Array]:
        xx, yy = np.meshgrid(grid.x - self.grids.xc, grid.y - self.grids.yc)
        return jnp.asarray(xx, jnp.float32), jnp.asarray(yy, jnp.float32)

    def _build_canvas(self, key: jax.Array) -> dict[str, jax.Array]:
        g = self.canvas_grid
        u, v = self._uv(g)
        d, env, myi = self._state(u, v)
        t = jnp.clip(d / self.edge.miz, 0.0, 1.0)
        brash = 0.25 * (1.0 - t) * (d >= 0)
        a = float(self.s.floe_exponent)
        radii = np.asarray(FLOE_RADII)
        w = radii ** (2.0 - a)
        kernels = jnp.asarray(
            _disc_kernels(FLOE_RADII, 2 * int(np.ceil(1.4 * radii[-1])) + 3, self.rng, True)
        )
        kf, kb, kt = jax.random.split(key, 3)
        floes = _floe_cover(kf, env, brash, jnp.asarray(w / w.sum(), jnp.float32), kernels)
        fill = 0.5 + 0.5 * jax.random.uniform(kb, env.shape)
        sic = jnp.clip(floes + brash * env * (1.0 - floes) * fill, 0.0, 1.0)
        lead_open, lead_ref = render_leads(
            self.rng, g.shape, int(self.s.n_leads), self.s, float(self.s.refrozen_frac)
        )
        young = sic * lead_ref * (1.0 - lead_open)
        sic = sic * (1.0 - lead_open)
        pack = d > self.edge.miz
        self.lead_open_frac = float(
            jnp.where(pack, lead_open, 0.0).sum() / jnp.maximum(pack.sum(), 1)
        )
        self.young_frac = float(jnp.where(pack, young, 0.0).sum() / jnp.maximum(pack.sum(), 1))
        # SAR texture of the ice (moves with the ice): fine speckle-free roughness at two scales.
        tex = fields.texture_fields(kt, g.shape)
        return dict(sic=sic, young=young, myi=myi.astype(jnp.float32), tex_hh=tex[0], tex_hv=tex[1])

    def scene(self, k: int) -> dict[str, jax.Array]:
        """Truth on the 200 m scene on date index ``k``.

        Returns:
          dict of (H, W) arrays: ``sic`` (0-1), ``young`` (new-ice fraction of the pixel), ``myi``
          (1 where the ice is multiyear), ``tex_hh``, ``tex_hv`` (unit ice texture fields).
        """
        u, v = self._uv(self.grids.scene)
        out = self._sample(self.canvas, u, v, jnp.float32(k))
        if k > 0:  # new leads opened since the first date (drawn in the scene frame)
            rng = np.random.default_rng([int(self.rng.integers(1 << 31)), k])
            n_new = max(2, int(self.s.n_leads) // 3)
            lo, lr = render_leads(rng, self.grids.scene.shape, n_new, self.s, 0.15)
            out["young"] = out["young"] * (1 - lo) + out["sic"] * lr * (1 - lo)
            out["sic"] = out["sic"] * (1 - lo)
        return out

    def _sample_canvas(self, canvas, u, v, k):
        mu, mv = self.drift.backward(u, v, k)
        r, c = fields.sample_coords(self.canvas_grid, self.grids.xc + mu, self.grids.yc + mv)
        out = {n: fields.bilinear(a, r, c) for n, a in canvas.items() if n != "myi"}
        out["myi"] = fields.bilinear(canvas["myi"], r, c, order=0)
        return out

    def coarse_expected(self, k: int) -> dict[str, jax.Array]:
        """Expected (area-mean) truth on the coarse region grid on date ``k``: sic, young, myi."""
        u, v = self._uv(self.grids.coarse)
        return self._coarse(u, v, jnp.float32(k))

    def _coarse_expected(self, u, v, k):
        mu, mv = self.drift.backward(u, v, k)
        d, env, myi = self._state(mu, mv)
        pack = jnp.clip(d / self.edge.miz, 0.0, 1.0)
        sic = env * (1.0 - self.lead_open_frac * pack)
        return dict(sic=sic, young=self.young_frac * pack, myi=myi.astype(jnp.float32))
