"""Fit the 18.7/89 GHz weather-mask thresholds on points of known SIC, and its confusion matrix.

The functions take any point dataset with the AMSR2 channels (the RRDP tables, or a user's own
collocations). The study that fits the shipped thresholds on the RRDP points and stores them in
``seaice_jax/pm/weather_mask_89.json`` is :mod:`seaice_jax.experiments.weather_mask_fit`.

Fit: a grid search over ``(gr89_18v, pd89)`` of the rule
``GR(89V/18.7V) > gr89_18v or 89V - 89H > pd89`` minimising
``ICE_COST * (share of 100 % ice points flagged) + (share of 0 % water points not flagged)``:
removing real ice is the costlier error (ICE_COST = 10). Among equal-cost thresholds the one
nearest the centre of the optimal set is taken, i.e. the largest margin to both clouds.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from seaice_jax.pm.rrdp_points import ice_and_water
from seaice_jax.pm.weather import nt_weather_filter, weather_mask_89

ICE_COST = 10.0
GR_GRID = np.round(np.arange(-0.05, 0.1501, 0.001), 4)
PD_GRID = np.round(np.arange(5.0, 80.01, 0.5), 2)
TCLW_BINS = (0.0, 0.05, 0.1, 0.2, np.inf)  # kg m-2
TCWV_BINS = (0.0, 10.0, 20.0, 30.0, np.inf)  # kg m-2


def mask89_features(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(GR(89V/18.7V), 89 GHz V - H polarisation difference in K) of a point dataset."""
    v18, v89, h89 = (ds[n].values.astype(np.float64) for n in ("tb_18_7v", "tb_89_0v", "tb_89_0h"))
    return (v89 - v18) / (v89 + v18), v89 - h89


def fit_mask89(ds_fit: xr.Dataset) -> dict[str, float]:
    """Thresholds ``{"gr89_18v", "pd89"}`` fitted on a point dataset of 100 % and 0 % points."""
    ice, ow = ice_and_water(ds_fit)
    gi, pi = mask89_features(ice)
    gw, pw = mask89_features(ow)
    # (n_gr, n_pd, n_points) flags by broadcasting: small grids and a few thousand points.
    flag_i = (gi[None, None] > GR_GRID[:, None, None]) | (pi[None, None] > PD_GRID[None, :, None])
    flag_w = (gw[None, None] > GR_GRID[:, None, None]) | (pw[None, None] > PD_GRID[None, :, None])
    cost = ICE_COST * flag_i.mean(-1) + (1.0 - flag_w.mean(-1))
    best = np.argwhere(cost <= cost.min() + 1e-12)
    centre = best.mean(0)
    i, j = best[np.argmin(((best - centre) ** 2).sum(1))]
    return {"gr89_18v": float(GR_GRID[i]), "pd89": float(PD_GRID[j])}


def _rates(flag: np.ndarray) -> dict:
    return {"n": int(flag.size), "flagged": float(flag.mean()) if flag.size else float("nan")}


def _by_bins(values: np.ndarray, edges: tuple, flags: dict[str, np.ndarray]) -> list[dict]:
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (values >= lo) & (values < hi)
        row = {"bin": [lo, None if np.isinf(hi) else hi], "n": int(sel.sum())}
        row.update({k: float(f[sel].mean()) if sel.any() else None for k, f in flags.items()})
        rows.append(row)
    return rows


def confusion_report(
    ds_report: xr.Dataset, thresholds: dict[str, float], sensor: str = "amsr2"
) -> dict:
    """Confusion of the 18.7/89 mask against the standard NT filter on 100 % and 0 % points.

    Returns:
      ``{"water": {...}, "ice": {...}}``: for each class the point count, the share flagged by
      each filter (for water: cleared; for ice: wrongly removed), the 2 x 2 counts
      ``[[neither, only_std], [only_89, both]]``, and for water the shares by ERA tclw and tcwv bin.
    """
    out = {}
    for name, part in zip(("ice", "water"), ice_and_water(ds_report), strict=True):
        std = np.asarray(
            nt_weather_filter(
                part.tb_18_7v.values, part.tb_23_8v.values, part.tb_36_5v.values, sensor=sensor
            )
        )
        m89 = np.asarray(
            weather_mask_89(
                part.tb_18_7h.values,
                part.tb_18_7v.values,
                part.tb_89_0h.values,
                part.tb_89_0v.values,
                thresholds=thresholds,
            )
        )
        table = [
            [int((~m89 & ~std).sum()), int((~m89 & std).sum())],
            [int((m89 & ~std).sum()), int((m89 & std).sum())],
        ]
        flags = {"std": std, "mask89": m89, "either": std | m89}
        res = {
            "n": int(std.size),
            **{k: float(f.mean()) for k, f in flags.items()},
            "counts_89_by_std": table,
        }
        for var, edges in (("tclw", TCLW_BINS), ("tcwv", TCWV_BINS)):
            if var in part:
                res[f"by_{var}"] = _by_bins(part[var].values, edges, flags)
        out[name] = res
    return out
