"""One simulated case: truth, SAR, AMSR2, NASA Team, charts and references, written to disk.

``simulate(cfg, out_dir)`` writes the layout of HELPERS.md / DESIGN section 1.C (see
docs/sim.md). Everything is a deterministic function of the config (``cfg.seed``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from tqdm import tqdm

from seaice_jax.atomic import write_text
from seaice_jax.errors import SeaIceError
from seaice_jax.io.writers import write_netcdf
from seaice_jax.names import TB_VARS
from seaice_jax.pm.nasateam import nasa_team, nasa_team_raw
from seaice_jax.pm.weather import nt_weather_filter, weather_mask_89
from seaice_jax.sim import baltic, calibration, charts, fields, products, reference, sar
from seaice_jax.sim.geometry import CaseGrids, case_grids, land_mask, to_dataset
from seaice_jax.sim.plots import quicklook
from seaice_jax.sim.pm import PMModel
from seaice_jax.sim.products import SarDraw, fullsize
from seaice_jax.sim.truth import TruthModel


def case_dates(cfg) -> list[str]:
    try:
        d0 = dt.date.fromisoformat(str(cfg.start_date))
    except ValueError:
        raise SeaIceError(f"config key 'start_date': not an ISO date: {cfg.start_date!r}") from None
    if cfg.n_dates < 1:
        raise SeaIceError("config key 'n_dates': must be at least 1")
    return [
        (d0 + dt.timedelta(days=k * int(cfg.date_step_days))).isoformat()
        for k in range(cfg.n_dates)
    ]


@partial(jax.jit, static_argnames=("g",))
def _blend(scene_field: jax.Array, coarse_field: jax.Array, g: CaseGrids) -> jax.Array:
    """Coarse field with the scene's area average pasted where the scene covers it."""
    sc, co = g.scene, g.coarse
    j0 = int(np.floor((sc.x0 - co.x0) / co.res))
    i0 = int(np.floor((co.y0 - sc.y0) / co.res))
    j1 = int(np.ceil((sc.bounds[2] - co.x0) / co.res))
    i1 = int(np.ceil((co.y0 - sc.bounds[1]) / co.res))
    sub = co.subgrid(i0, j0, i1 - i0, j1 - j0)
    wy, wx, cov = fields.area_weights(sc, sub)
    avg = fields.area_average(scene_field, wy, wx)
    win = coarse_field[..., i0:i1, j0:j1]
    return coarse_field.at[..., i0:i1, j0:j1].set(cov * avg + (1 - cov) * win)


class CaseSimulator:
    """Holds the models of one case; :meth:`run` writes every date."""

    def __init__(self, cfg: ml_collections.ConfigDict, cal: dict | None = None):
        self.cfg = cfg
        self.cal = cal or calibration.load()
        self.grids = case_grids(cfg)
        self.dates = case_dates(cfg)
        self.key = jax.random.key(int(cfg.seed))
        self.rng = np.random.default_rng(int(cfg.seed))
        g = self.grids
        self.land_scene = land_mask(g.scene)
        self.land_coarse = land_mask(g.coarse, factor=4).astype(np.float32)
        self.truth = TruthModel(cfg, g, jax.random.fold_in(self.key, 1), self.rng)
        self.pm = PMModel(self.cal["pm"], g.coarse, cfg.pm.cloud_cover, cfg.pm.scan_angle)
        self.sar_params = jnp.asarray(calibration.sar_params(self.cal))
        self.sensors = sar.sensors(cfg, self.cal["sar"]["sensor"]["nesz_db"])
        uu, vv = np.meshgrid(g.scene.x - g.xc, g.scene.y - g.yc)
        self.uv = (uu.astype(np.float32), vv.astype(np.float32))

    # ------------------------------------------------------------------------------- truth
    def truth_fields(self, k: int) -> dict:
        """Scene and coarse truth of date ``k`` (land applied)."""
        t = self.truth.scene(k)
        land = jnp.asarray(self.land_scene)
        sic = jnp.where(land, 0.0, t["sic"])
        young = jnp.where(land, 0.0, t["young"])
        fr_scene = jnp.concatenate(
            [sar.fractions(sic, young, t["myi"]) * (1 - land), land[None].astype(jnp.float32)]
        )
        ce = self.truth.coarse_expected(k)
        lc = jnp.asarray(self.land_coarse)
        fr_coarse = jnp.concatenate(
            [sar.fractions(ce["sic"], ce["young"], ce["myi"]) * (1 - lc), lc[None]]
        )
        fr = _blend(fr_scene, fr_coarse, self.grids)
        sea = jnp.maximum(1.0 - fr[4], 1e-6)
        coarse_sic = 100.0 * (fr[1] + fr[2] + fr[3]) / sea
        return dict(
            scene=t,
            sic=sic,
            young=young,
            fr_scene=fr_scene,
            fr_coarse=fr,
            coarse_sic=coarse_sic,
            land_frac=fr[4],
        )

    # --------------------------------------------------------------------------------- SAR
    def sar_product(self, key, name: str, tf: dict, wind: jax.Array) -> tuple[dict, SarDraw]:
        """HH, HV (dB), incidence angle and valid mask of one sensor on the scene, and the draw
        (geometry, noise key, sigma0 over land too) that its product files are written from."""
        s = self.sensors[name]
        half = self.grids.scene.width * 100.0
        cut = half * self.rng.uniform(0.3, 1.1)
        if name == "s1":
            flight, r_c = self.cfg.sar.flight_dir + self.rng.normal(0, 5), s.swath_m - cut
        else:
            flight, r_c = self.cfg.sar.flight_dir + 165 + self.rng.normal(0, 5), cut
        rng_m, along, covered = sar.swath(*self.uv, flight, r_c, s.swath_m)
        inc = s.inc_near + (s.inc_far - s.inc_near) * np.clip(rng_m / s.swath_m, 0, 1)
        kn, kt, ks = jax.random.split(key, 3)
        n_true, n_est = sar.noise_fields(
            kn, jnp.asarray(rng_m, jnp.float32), jnp.asarray(along, jnp.float32), s
        )
        t = tf["scene"]
        water_tex = fields.texture_fields(kt, self.grids.scene.shape)
        tex = jnp.stack(
            [
                jnp.stack(
                    [
                        water_tex[p],
                        t["tex_hh" if p == 0 else "tex_hv"],
                        t["tex_hh" if p == 0 else "tex_hv"],
                        t["tex_hh" if p == 0 else "tex_hv"],
                    ]
                )
                for p in (0, 1)
            ]
        )
        wind_db = 10 * jnp.log10(wind / self.cfg.sar.wind_ref)
        fr = tf["fr_scene"][:4]
        fr = fr / jnp.maximum(fr.sum(0, keepdims=True), 1e-6)
        hh, hv = sar.sar_kernel(
            ks,
            self.sar_params,
            fr,
            tex,
            wind_db,
            jnp.asarray(inc, jnp.float32),
            n_true,
            n_est,
            s.enl,
            s.floor_db,
        )
        valid = covered & ~self.land_scene
        nan = np.float32(np.nan)
        hh, hv = np.asarray(hh), np.asarray(hv)
        draw = SarDraw(s, float(flight), float(r_c), kn, hh, hv, covered)
        return dict(
            hh=np.where(valid, hh, nan),
            hv=np.where(valid, hv, nan),
            incidence_angle=np.where(covered, inc, nan),
            valid=valid.astype(np.uint8),
        ), draw

    # ----------------------------------------------------------------------------------- run
    def run(self, out_dir: str | Path, progress: bool = True) -> dict:
        out = Path(out_dir)
        t0 = time.perf_counter()
        summary = []
        for k, date in enumerate(tqdm(self.dates, desc="simulate", disable=not progress)):
            summary.append(self.write_date(k, date, out / "sic" / date))
        info = self.case_info(summary, time.perf_counter() - t0)
        return info

    def write_date(self, k: int, date: str, d: Path) -> dict:
        """Write every product of date index ``k`` under ``d``; returns summary numbers."""
        g = self.grids
        key = jax.random.fold_in(self.key, 100 + k)
        tf = self.truth_fields(k)
        land = self.land_scene
        # Ice chart from the coarse truth (the analyst's view), then its classes on the scene.
        csic = np.asarray(tf["coarse_sic"])
        fr = np.asarray(tf["fr_coarse"])
        myi_share = fr[3] / np.maximum(fr[1] + fr[2] + fr[3], 1e-6)
        geoms, attrs = charts.chart_polygons(
            csic,
            myi_share,
            fr[4] > 0.5,
            g.coarse,
            smooth_px=2500.0 / g.coarse.res,
            min_px=int(40e6 / g.coarse.res**2),
        )
        charts.write_shapefile(d / "chart.shp", geoms, attrs, g.coarse.crs)
        cls = charts.rasterize_values(geoms, charts.chart_class_values(attrs), g.scene, fill=0.0)
        cls = np.where(land | (cls < 0), 0, cls).astype(np.uint8)
        t = tf["scene"]
        sic_pct = np.where(land, np.nan, 100.0 * np.asarray(tf["sic"]))
        ice_type = np.where(sic_pct >= 15.0, 1 + np.asarray(t["myi"]).astype(np.uint8), 0).astype(
            np.uint8
        )
        write_netcdf(
            to_dataset(
                g.scene,
                sic=sic_pct,
                ice_type=ice_type,
                chart_class=cls,
                land_mask=land.astype(np.uint8),
                young_ice=np.asarray(tf["young"]),
            ),
            d / "truth_200m.nc",
        )
        # PM: atmosphere, surface TBs, antenna, grids; the wind also roughens the SAR open water.
        k_atm, k_tb, k_o1, k_o2, k_s1, k_rcm, k_ref, k_g = jax.random.split(key, 8)
        cov = self.pm.atmosphere(k_atm)
        wind = fields.resample_bilinear(cov[2], g.coarse, g.scene)
        wind = jnp.maximum(wind * (1 + 0.1 * fields.smooth_noise(k_g, g.scene.shape, 10.0)), 0.5)
        draws = {}
        for name, kk in (("s1", k_s1), ("rcm", k_rcm)):
            fields_, draws[name] = self.sar_product(kk, name, tf, wind)
            write_netcdf(to_dataset(g.scene, **fields_), d / f"{name}_200m.nc")
        tb = self.pm.surface_tb(k_tb, tf["fr_coarse"], cov)
        wy, wx, _ = fields.area_weights(g.coarse, g.pm3125)
        land3 = np.asarray(fields.area_average(tf["land_frac"], wy, wx)) > 0.5
        sic3 = np.asarray(
            fields.area_average(tf["coarse_sic"] * (1 - tf["land_frac"]), wy, wx)
            / jnp.maximum(fields.area_average(1 - tf["land_frac"], wy, wx), 1e-6)
        )
        write_netcdf(
            to_dataset(
                g.pm3125, sic=np.where(land3, np.nan, sic3), land_mask=land3.astype(np.uint8)
            ),
            d / "truth_3125m.nc",
        )
        tb3 = np.asarray(self.pm.observe(k_o1, tb, g.pm3125))
        tbs3 = {v: tb3[i] for i, v in enumerate(TB_VARS)}
        write_netcdf(
            to_dataset(
                g.pm3125,
                **tbs3,
                valid=np.ones(g.pm3125.shape, np.uint8),
                land_mask=land3.astype(np.uint8),
            ),
            d / "amsr2_3125m.nc",
        )
        tb25 = np.asarray(self.pm.observe(k_o2, tb, g.pm25))
        wy25, wx25, _ = fields.area_weights(g.coarse, g.pm25)
        land25 = np.asarray(fields.area_average(tf["land_frac"], wy25, wx25)) > 0.5
        tbs25 = {v: tb25[i] for i, v in enumerate(TB_VARS)}
        write_netcdf(
            to_dataset(g.pm25, **tbs25, land_mask=land25.astype(np.uint8)), d / "amsr2_25km.nc"
        )
        nt = nasa_team_products(tbs25, land25)
        write_netcdf(to_dataset(g.pm25, **nt), d / "nt_25km.nc")
        ref = reference.osisaf_like(
            k_ref, tf["coarse_sic"], tf["land_frac"], g.coarse, g.ref, self.cfg.reference
        )
        write_netcdf(to_dataset(g.ref, sic=ref), d / "osisaf_like_10km.nc")
        out = {
            "date": date,
            "truth_sic_mean": float(np.nanmean(sic_pct)),
            "nt_sic_mean": float(np.nanmean(nt["sic"])),
            "chart_polygons": len(geoms),
        }
        if self.cfg.products.write:
            coarse = None
            if self.cfg.products.full_size:
                coarse = {n: fullsize.coarse_sigma0(dr, g, tf["fr_coarse"], cov[2],
                                                    self.sar_params, self.cfg.sar.wind_ref)
                          for n, dr in draws.items()}  # fmt: skip
            f = products.DateFields(date, k, int(self.cfg.seed), g, draws, self.pm, tb, nt["sic"],
                                    land25, geoms, attrs, ref, float(self.cfg.reference.noise_pct),
                                    coarse)  # fmt: skip
            out["products"] = products.write_date_products(f, d.parent.parent / "products",
                                                           self.cfg.products)  # fmt: skip
        return out

    def case_info(self, summary, runtime) -> dict:
        return {
            "seed": int(self.cfg.seed),
            "dates": self.dates,
            "sizes": {
                "scene_px": self.grids.scene.width,
                "region_km": float(self.cfg.sic.region_km),
            },
            "grids": self.grids.as_dict(),
            "sensors": {
                n: dict(enl=s.enl, nesz_db=s.nesz_db, swath_km=s.swath_m / 1e3)
                for n, s in self.sensors.items()
            },
            "calibration": self.cal.get("sources", {}),
            "per_date": summary,
            "runtime_s": round(runtime, 2),
        }


def nasa_team_products(tb: dict, land: np.ndarray) -> dict:
    """NT SIC (raw and clipped, weather-filtered) and both weather masks, NaN over land."""
    v19, h19, v22, v37 = (
        jnp.asarray(tb[k]) for k in ("tb_18_7v", "tb_18_7h", "tb_23_8v", "tb_36_5v")
    )
    raw = np.asarray(nasa_team_raw(v19, h19, v37)[0])
    sic = np.asarray(nasa_team(v19, h19, v37))
    wm = np.asarray(nt_weather_filter(v19, v22, v37))
    wm89 = np.asarray(
        weather_mask_89(h19, v19, jnp.asarray(tb["tb_89_0h"]), jnp.asarray(tb["tb_89_0v"]))
    )
    sic = np.where(wm | wm89, 0.0, sic)
    nan = np.float32(np.nan)
    return dict(
        sic=np.where(land, nan, sic),
        sic_raw=np.where(land, nan, raw),
        weather_mask=wm.astype(np.uint8),
        weather_mask_89=wm89.astype(np.uint8),
        land_mask=land.astype(np.uint8),
    )


def simulate(cfg: ml_collections.ConfigDict, out_dir: str | Path, progress: bool = True) -> dict:
    """Simulate one case into ``out_dir`` (layout in docs/sim.md) and return ``case.json``'s dict."""
    out = Path(out_dir)
    t0 = time.perf_counter()
    sim = CaseSimulator(cfg)
    info = sim.run(out, progress)
    if cfg.plots:
        for date in info["dates"]:
            quicklook(out / "sic" / date)
    info["baltic"] = baltic.simulate_baltic(cfg, out / "baltic", progress)
    info["runtime_s"] = round(time.perf_counter() - t0, 2)
    write_text(out / "case.json", json.dumps(info, indent=1) + "\n")
    return info


def enable_compilation_cache() -> None:
    """Persist XLA compilations between runs (the simulator's first run is mostly compiling).

    The cache folder is ``$SEAICE_JAX_JAX_CACHE``, else ``$XDG_CACHE_HOME/seaice_jax/jax``
    (``~/.cache/seaice_jax/jax``); a cache folder set in JAX's own configuration is kept.
    """
    if not jax.config.jax_compilation_cache_dir:
        default = (
            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "seaice_jax" / "jax"
        )
        jax.config.update(
            "jax_compilation_cache_dir", os.environ.get("SEAICE_JAX_JAX_CACHE", str(default))
        )
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
