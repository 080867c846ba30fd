"""A small synthetic Baltic SIT season (for tests and the smoke config; the full scenario is the
simulator's ``DIR/baltic/season{1,2}``).

Truth: a smooth level-ice thickness (thermodynamic growth, 0.25-0.75 m) times a patchy
deformation degree 1-3 (the FMI chart convention: deformed ice ~ level ice x degree). X-band HH
sigma0 rises with deformation (rougher surface) and carries 4-look speckle and a -0.25 dB/deg
incidence slope. HIGHTSI is the level ice, blurred to ~15 km and biased +8 cm (no dynamics, as
the paper notes). Chart polygons are 12 km blocks with min/avg/max of the truth. Icebreaker points
are truth + 3 cm noise, rounded to 5 cm as the paper's measurements are.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import ndimage

from seaice_jax.geo.grids import Grid
from seaice_jax.io.writers import write_netcdf


def baltic_grid(size: int) -> Grid:
    """A ``size`` x ``size`` window of EPSG:3395 500 m in the Bay of Bothnia (about 65 N, 23 E)."""
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3395", always_xy=True).transform(22.0, 65.5)
    return Grid(
        "EPSG:3395", float(np.round(x, -3)), float(np.round(y, -3)), 500.0, size, size, "bothnia"
    )


def _smooth(rng, shape, sigma):
    f = ndimage.gaussian_filter(rng.normal(size=shape), sigma, mode="wrap")
    return (f - f.mean()) / (f.std() + 1e-12)


def make_season(
    out: str | os.PathLike,
    seed: int,
    size: int = 128,
    n_points: int = 150,
    date: str = "2022-02-15",
) -> Path:
    """Write sar.nc, hightsi.nc, chart.nc, sit_truth.nc and measurements.csv into ``out``."""
    out = Path(out)
    rng = np.random.default_rng(seed)
    g = baltic_grid(size)
    shape = g.shape
    level = 0.5 + 0.12 * _smooth(rng, shape, size / 4) + np.linspace(-0.1, 0.1, size)[:, None]
    level = np.clip(level, 0.2, 0.8)
    deform = 1.0 + np.digitize(_smooth(rng, shape, 4), [0.3, 1.1])  # 1, 2, 3
    truth = level * (1.0 + 0.45 * (deform - 1)) * (1 + 0.04 * _smooth(rng, shape, 1))
    water = np.zeros(shape, bool)
    water[:, : size // 10] = True  # open water at the western edge
    land = np.zeros(shape, bool)
    land[-size // 8 :, -size // 8 :] = True
    truth = np.where(water | land, np.nan, truth)
    inc = np.broadcast_to(np.linspace(22.0, 42.0, size)[None], shape)
    s0_35 = -21.0 + 3.0 * (deform - 1) + 0.8 * _smooth(rng, shape, 2)
    s0_35 = np.where(water, -19.0 + 1.5 * _smooth(rng, shape, 3), s0_35)
    speckle = rng.gamma(4.0, 1 / 4.0, shape)
    hh = s0_35 - 0.25 * (inc - 35.0) + 10 * np.log10(speckle)
    hightsi = ndimage.gaussian_filter(np.where(water | land, 0.5, level), 12) + 0.08
    hightsi = np.where(land, np.nan, np.where(water, 0.0, hightsi))
    blk = 24
    cmin, cavg, cmax = (np.full(shape, np.nan) for _ in range(3))
    for i in range(0, size, blk):
        for j in range(0, size, blk):
            sl = (slice(i, i + blk), slice(j, j + blk))
            t = truth[sl]
            if np.isfinite(t).sum() < 10:
                continue
            cmin[sl], cavg[sl], cmax[sl] = (
                np.round(np.nanpercentile(t, q), 2) for q in (5, 50, 95)
            )
    for a in (cmin, cavg, cmax):
        a[water] = 0.0
        a[land] = np.nan
    _write(g, out, hh, inc, land, hightsi, cmin, cavg, cmax, truth)
    ok = np.argwhere(np.isfinite(truth))
    pick = ok[rng.choice(len(ok), n_points, replace=False)]
    lon, lat = g.lonlat()
    meas = truth[pick[:, 0], pick[:, 1]] + rng.normal(0, 0.03, n_points)
    pd.DataFrame(
        {
            "lon": lon[pick[:, 0], pick[:, 1]],
            "lat": lat[pick[:, 0], pick[:, 1]],
            "time": date,
            "thickness": np.round(np.maximum(meas, 0.05) / 0.05) * 0.05,
        }
    ).to_csv(out / "measurements.csv", index=False)
    return out


def _write(g, out, hh, inc, land, hightsi, cmin, cavg, cmax, truth):
    def ds(**v):
        d = g.template()
        for k, a in v.items():
            d[k] = (("y", "x"), np.asarray(a, np.float32))
        return d

    write_netcdf(ds(hh=hh, incidence_angle=inc, land_mask=land.astype(np.float32)), out / "sar.nc")
    write_netcdf(ds(sit=hightsi), out / "hightsi.nc")
    write_netcdf(ds(sit_min=cmin, sit_avg=cavg, sit_max=cmax), out / "chart.nc")
    write_netcdf(ds(sit=truth), out / "sit_truth.nc")
