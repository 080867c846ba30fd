"""Baltic Sea ice-thickness scenario (Bay of Bothnia, EPSG:3395 500 m), two seasons.

Set after Karvonen et al. (X-band SAR SIT for the Baltic, /work/shared/papers/004): the FMI chart
gives *level-ice* thickness (min/avg/max) per polygon and a deformation degree 1-5, deformed ice
is roughly level thickness x degree; HIGHTSI is thermodynamic only (~15 km, interpolated to
500 m) and overestimates where ice drifted away and regrew; icebreakers measure points rounded
to 5 cm, mostly in the drift ice.

- Level ice: Lebedev's freezing-degree-day law h = 1.33 FDD^0.58 cm (Lebedev 1938, as given by
  Maykut 1986 and Leppäranta 1993), FDD larger to the north and near the coasts (earlier
  freeze-up). In the drift zone, ice regrew after openings: it is only a fraction of the season
  old (``age``), so its level thickness is lower than the model's.
- Deformation: fast ice within ~4 km of the coast is level (degree 1); drift ice has coherent
  zones of degree 1-5; thickness = level x (1 + 0.2 (degree - 1) m) with a lognormal local ridge
  factor m (mean ~1): the degree read as the share of ridged/rafted ice.
- X-band HH sigma0 (dB): level ice -19 dB (young ice brighter by up to 1 dB, brine and frost
  flowers), ridges -5 dB, mixed in linear power by the ridged fraction (0.35 x ridge density)
  plus sub-pixel ridge sails (half of the ridge factor the radar sees is unrelated roughness);
  a snow-wetness nuisance field (std 2 dB) unrelated to thickness;
  incidence dependence -0.25 dB/deg (the paper's slope) from 20 to 45 deg across the frame;
  speckle of ``baltic.enl`` looks. So level and texture carry thickness information, noisily.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from scipy import ndimage
from scipy.stats import norm

from seaice_jax.atomic import atomic_path
from seaice_jax.geo.grids import Grid, named_grid
from seaice_jax.io.writers import write_netcdf
from seaice_jax.sim import charts, fields
from seaice_jax.sim.geometry import land_mask, to_dataset

PORTS = (
    (25.40, 65.01),
    (24.55, 65.73),
    (22.15, 65.58),
    (24.45, 64.68),
    (21.45, 64.75),
)  # Oulu, Kemi, Lulea, Raahe, Skelleftea


def lebedev(fdd: np.ndarray) -> np.ndarray:
    """Level-ice thickness (m) from freezing-degree days (deg C day): 1.33 FDD^0.58 cm."""
    return 0.0133 * np.maximum(fdd, 0.0) ** 0.58


def baltic_grid(cfg) -> Grid:
    b = cfg.baltic
    return named_grid("baltic3395_500m").subgrid(
        int(b.row0), int(b.col0), int(b.size_px), int(b.size_px)
    )


def _unit(key, shape, scale) -> np.ndarray:
    return np.asarray(fields.smooth_noise(key, shape, float(scale)))


def season_truth(
    key: jax.Array, grid: Grid, land: np.ndarray, fdd_season: float
) -> dict[str, np.ndarray]:
    """Truth fields of one season: level thickness, age, degree, ridge density, sit (m)."""
    ks = jax.random.split(key, 8)
    sh = grid.shape
    lon, lat = grid.lonlat()
    ground = grid.res * np.cos(np.deg2rad(lat.mean()))
    dist_km = ndimage.distance_transform_edt(~land) * ground / 1000.0
    latn = (lat - lat.mean()) / max(np.ptp(lat), 1e-6)
    fdd = (
        fdd_season
        * (1 + 0.15 * latn + 0.05 * _unit(ks[0], sh, 60))
        * (1 + 0.12 * np.exp(-dist_km / 15))
    )
    fast = dist_km < 4.0 * (1 + 0.3 * _unit(ks[1], sh, 30))
    age = np.where(fast, 1.0, np.clip(0.1 + 0.85 * norm.cdf(_unit(ks[2], sh, 12)), 0.1, 1.0))
    h_level = lebedev(fdd * age)
    # Deformation zones: degree 1-5 (30/30/20/13/7 %) in drift ice, degree 1 in fast ice.
    z = norm.cdf(_unit(ks[3], sh, 14))
    degree = 1 + np.searchsorted(np.array([0.3, 0.6, 0.8, 0.93]), z)
    degree = np.where(fast, 1, degree)
    m = np.exp(0.45 * _unit(ks[4], sh, 1.5) - 0.1)
    # Degree read as the share of ridged/rafted ice: +20 % mean thickness per step, locally
    # varying with the ridge factor m (the chart rule "level x degree" holds for the ridges).
    sit = h_level * (1 + 0.2 * (degree - 1) * m)
    ow = (latn < -0.5 + 0.25 * _unit(ks[5], sh, 40) + (fdd_season < 700) * 0.2) & ~fast
    sit = np.where(ow, 0.0, sit)
    # What the radar sees of the ridging: half the same ridge factor, half unrelated roughness.
    m_seen = 0.5 * m + 0.5 * np.exp(0.45 * _unit(ks[6], sh, 1.5) - 0.1)
    ridge = np.where(ow, 0.0, (degree - 1) / 4.0 * m_seen)
    nan = np.nan
    return dict(
        sit=np.where(land, nan, sit),
        h_level=np.where(land | ow, nan, h_level),
        age=age,
        degree=degree,
        ridge=ridge,
        ow=ow,
        fdd=fdd,
        dist_km=dist_km,
        lon=lon,
        lat=lat,
        fast=fast,
    )


def hightsi_like(key, t: dict, grid: Grid, land: np.ndarray, res: float) -> np.ndarray:
    """Thermodynamic-only model SIT (m): full-season FDD, ~15 km, bilinear back to 500 m."""
    factor = max(int(round(res / grid.res)), 1)
    coarse = grid.coarsen(factor)
    err = 1 + 0.04 * np.asarray(fields.smooth_noise(key, coarse.shape, 1.5))
    h = lebedev(np.where(land, np.nan, t["fdd"]))
    wy, wx, _ = fields.area_weights(grid, coarse)
    valid = (~land).astype(np.float32)
    num = fields.area_average(jnp.asarray(np.nan_to_num(h), jnp.float32), wy, wx)
    den = fields.area_average(jnp.asarray(valid), wy, wx)
    hc = (
        np.where(
            np.asarray(den) > 0, np.asarray(num) / np.maximum(np.asarray(den), 1e-6), np.nanmean(h)
        )
        * err
    )
    up = np.asarray(fields.resample_bilinear(jnp.asarray(hc, jnp.float32), coarse, grid))
    return np.where(land, np.nan, up).astype(np.float32)


def xband_hh(key, t: dict, land: np.ndarray, enl: float) -> tuple[np.ndarray, np.ndarray]:
    """X-band HH sigma0 (dB) and incidence angle (deg) of one frame."""
    sh = land.shape
    ks = jax.random.split(key, 5)
    inc = np.broadcast_to(np.linspace(20.0, 45.0, sh[1])[None], sh)
    level_db = -19.0 + 1.0 * (1 - t["age"])
    sails = (np.asarray(jax.random.uniform(ks[0], sh)) < 0.12 * t["ridge"]) * np.asarray(
        jax.random.uniform(ks[1], sh)
    )
    c = np.clip(0.35 * t["ridge"] + 0.5 * sails, 0.0, 1.0)
    lin = (1 - c) * 10 ** (level_db / 10) + c * 10 ** (-5.0 / 10)
    water = 10 ** ((-21.0 + 3.0 * _unit(ks[2], sh, 20)) / 10)
    lin = np.where(t["ow"], water, lin)
    db = 10 * np.log10(lin) + 2.0 * _unit(ks[3], sh, 30) - 0.25 * (inc - 35.0)
    speck = np.asarray(jax.random.gamma(ks[4], enl, sh)) / enl
    db = db + 10 * np.log10(speck)
    return np.where(land, np.nan, db).astype(np.float32), inc.astype(np.float32)


def chart(rng: np.random.Generator, t: dict, land: np.ndarray, grid: Grid):
    """Ice-chart polygons over zones of similar level thickness and deformation (analyst view).

    Attributes: CT, POLY_TYPE (I/W/L), SIT_MIN/SIT_AVG/SIT_MAX (m, level ice, 5th pct / mean /
    95th pct of the polygon with an analyst error of 8 % per polygon), DEFORM (median degree).
    """
    deg = ndimage.median_filter(t["degree"], size=9)
    hl = ndimage.gaussian_filter(np.nan_to_num(t["h_level"]), 4)
    labels = 1 + deg * 100 + np.floor(hl / 0.1).astype(int)
    labels = np.where(t["ow"], 0, labels)
    labels = np.where(land, -1, labels)
    geoms, regions, vals = charts.label_polygons(labels, grid, min_px=max(30, labels.size // 600))
    attrs = {k: [] for k in ("CT", "POLY_TYPE", "SIT_MIN", "SIT_AVG", "SIT_MAX", "DEFORM")}
    ice = ~land & ~t["ow"] & np.isfinite(t["h_level"])
    order = np.argsort(regions.ravel(), kind="stable")
    bounds = np.searchsorted(regions.ravel()[order], np.arange(len(geoms) + 2))
    for i, val in enumerate(vals):
        sel = order[bounds[i + 1] : bounds[i + 2]]
        vals_i = t["h_level"].ravel()[sel][ice.ravel()[sel]]
        if val == -1 or vals_i.size == 0:
            row = (
                "-9" if val == -1 else "01",
                "L" if val == -1 else "W",
                np.nan,
                np.nan,
                np.nan,
                np.nan,
            )
        else:
            e = 1 + 0.08 * rng.normal()
            pct = (np.percentile(vals_i, 5), vals_i.mean(), np.percentile(vals_i, 95))
            lo, av, hi = (round(float(x) * e, 2) for x in pct)
            row = ("92", "I", lo, av, hi, float(np.median(t["degree"].ravel()[sel])))
        for k, v in zip(attrs, row, strict=True):
            attrs[k].append(v)
    out = {
        k: np.asarray(v, dtype=object if k in ("CT", "POLY_TYPE") else float)
        for k, v in attrs.items()
    }
    return geoms, out


def icebreaker_points(
    rng: np.random.Generator,
    t: dict,
    land: np.ndarray,
    grid: Grid,
    date: str,
    n_tracks: int,
    n_points: int,
) -> pd.DataFrame:
    """Point thickness measurements along icebreaker routes (rounded to 5 cm).

    Routes start at the ports in the frame (else at random coastal sea pixels) and wander out
    into the drift ice; each point is the truth plus the point-vs-pixel variability
    (0.03 m + 8 %), rounded to the nearest 5 cm as the ships report them.
    """
    sea = ~land
    h, w = land.shape
    lon, lat = t["lon"], t["lat"]
    starts = []
    for plon, plat in PORTS:
        d = (lon - plon) ** 2 + (lat - plat) ** 2 + 1e9 * land
        r, c = np.unravel_index(np.argmin(d), d.shape)
        if d[r, c] < 0.05:
            starts.append((r, c))
    coast = np.argwhere(sea & (t["dist_km"] < 5))
    while len(starts) < n_tracks and len(coast):
        starts.append(tuple(coast[rng.integers(len(coast))]))
    rows = []
    t0 = dt.datetime.fromisoformat(date) + dt.timedelta(hours=6)
    drift = np.argwhere(sea & (t["dist_km"] > 15) & ~t["ow"])
    for i in range(n_tracks):
        r, c = map(float, starts[i % len(starts)])
        target = drift[rng.integers(len(drift))] if len(drift) else np.array([h / 2, w / 2])
        head = np.arctan2(target[0] - r, target[1] - c)
        for k in range(n_points):
            head += rng.normal(0, 0.15)
            nr, nc = r + 3 * np.sin(head), c + 3 * np.cos(head)
            ir, ic = int(np.clip(nr, 0, h - 1)), int(np.clip(nc, 0, w - 1))
            if land[ir, ic] or not (0 <= nr < h and 0 <= nc < w):
                head += np.pi * rng.uniform(0.5, 1.5)
                continue
            r, c = nr, nc
            sit = t["sit"][ir, ic]
            if not np.isfinite(sit) or sit <= 0 or t["fast"][ir, ic]:  # ships report in drift ice
                continue
            meas = max(0.05, sit + rng.normal(0, 0.03 + 0.08 * sit))
            time = t0 + dt.timedelta(minutes=int(i * 37 + k * 4))
            rows.append(
                (
                    float(lon[ir, ic]),
                    float(lat[ir, ic]),
                    time.isoformat() + "Z",
                    round(meas / 0.05) * 0.05,
                )
            )
    df = pd.DataFrame(rows, columns=["lon", "lat", "time", "thickness"])
    df["thickness"] = df["thickness"].round(2)
    return df


def simulate_baltic(cfg, out_dir: str | Path, progress: bool = True) -> dict:
    """Write both seasons under ``out_dir/season{1,2}``; returns summary numbers."""
    del progress
    b = cfg.baltic
    grid = baltic_grid(cfg)
    land = land_mask(grid)
    out = Path(out_dir)
    key = jax.random.fold_in(jax.random.key(int(cfg.seed)), 7001)
    info = {
        "grid": dict(
            crs=grid.crs, x0=grid.x0, y0=grid.y0, res=grid.res, width=grid.width, height=grid.height
        ),
        "seasons": [],
    }
    for s, (date, fdd) in enumerate(zip(b.seasons, b.fdd, strict=True)):
        k = jax.random.fold_in(key, s)
        rng = np.random.default_rng([int(cfg.seed), 7001, s])
        t = season_truth(jax.random.fold_in(k, 0), grid, land, float(fdd))
        d = out / f"season{s + 1}"
        hh, inc = xband_hh(jax.random.fold_in(k, 1), t, land, float(b.enl))
        lm = land.astype(np.uint8)
        write_netcdf(to_dataset(grid, hh=hh, incidence_angle=inc, land_mask=lm), d / "sar.nc")
        hts = hightsi_like(jax.random.fold_in(k, 2), t, grid, land, float(b.model_res))
        write_netcdf(to_dataset(grid, sit=hts), d / "hightsi.nc")
        write_netcdf(
            to_dataset(
                grid,
                sit=t["sit"].astype(np.float32),
                deformation=t["degree"].astype(np.uint8),
                level_ice=t["h_level"].astype(np.float32),
                land_mask=lm,
            ),
            d / "sit_truth.nc",
        )
        geoms, attrs = chart(rng, t, land, grid)
        charts.write_shapefile(d / "chart.shp", geoms, attrs, grid.crs)
        pts = icebreaker_points(
            rng, t, land, grid, str(date), int(b.n_tracks), int(b.points_per_track)
        )
        with atomic_path(d / "measurements.csv") as tmp:
            pts.to_csv(tmp, index=False)
        info["seasons"].append(
            {
                "date": str(date),
                "fdd": float(fdd),
                "n_points": len(pts),
                "sit_mean": float(np.nanmean(t["sit"])),
                "chart_polygons": len(geoms),
            }
        )
    return info
