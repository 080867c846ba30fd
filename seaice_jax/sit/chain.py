"""The SIT chain on files: segment a scene, fit and refit on season folders, map a season.

What the ``seaice-jax sit`` steps do, as library functions: each checks the SIT config first
(:func:`check_config`), reads its inputs with the project's readers, and writes its output
atomically. Messages about the data (no valid sea pixels, measurements outside the image) go to
``note``, one line each; the train-on-one-season, test-on-another study is
:mod:`seaice_jax.experiments.sit_seasons`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.io.writers import write_netcdf
from seaice_jax.sit.pipeline import estimate, prepare_sar, segment
from seaice_jax.sit.regression import SITModel, fit, refit
from seaice_jax.sit.season import Season, load_season, open_raster

Note = Callable[[str], None]

#: (section.key, smallest allowed value): sizes and counts that must be positive.
MINIMA = (
    ("icm.k", 2),
    ("icm.max_iter", 0),
    ("icm.min_segment_px", 0),
    ("texture.window", 3),
    ("texture.levels", 2),
)


def check_config(cfg) -> None:
    """A negative window or class count is a config mistake: one line naming the key.

    Raises:
      SeaIceError: a key of ``configs/sit_baltic.py`` out of its range.
    """
    for key, lo in MINIMA:
        sec, name = key.split(".")
        if cfg[sec][name] < lo:
            raise SeaIceError(f"config key '{key}': must be >= {lo}, got {cfg[sec][name]}")
    if cfg.texture.window % 2 == 0:
        raise SeaIceError(f"config key 'texture.window': must be odd, got {cfg.texture.window}")
    if cfg.chart_range not in ("level", "deformed"):
        raise SeaIceError(
            f"config key 'chart_range': 'level' or 'deformed', got {cfg.chart_range!r}"
        )
    if cfg.fit.selection not in ("all", "correlation", "lasso"):
        raise SeaIceError(
            f"config key 'fit.selection': all, correlation or lasso, got {cfg.fit.selection!r}"
        )


def open_sar(path: str | os.PathLike) -> xr.Dataset:
    """Open a SAR scene; a GLIA sample root opens its ``features/<scene>`` folder."""
    path = Path(path)
    feats = sorted(p for p in (path / "features").glob("*") if p.is_dir()) if path.is_dir() else []
    return open_raster(feats[0] if feats else path)


def segment_dataset(ds: xr.Dataset, cfg) -> tuple[xr.Dataset, dict]:
    """ICM classes and connected segments of a SAR scene, georeferenced like it.

    Args:
      ds: the scene (``hh`` [, ``incidence_angle``, ``land_mask``, ``valid``]).
      cfg: the SIT config (``incidence``, ``icm``).

    Returns:
      (dataset with ``labels`` (ICM class 1..K, int16) and ``segments`` (int32), both 0 where
      masked, and the ICM summary as attributes; the :func:`~seaice_jax.sit.pipeline.segment`
      info).
    """
    sigma0, valid = prepare_sar(ds, cfg.incidence)
    labels, segs, info = segment(sigma0, valid, cfg.icm)
    out = ds.drop_vars(list(ds.data_vars))  # coordinates and CRS of the input
    out["labels"] = (
        ("y", "x"),
        labels.astype(np.int16),
        {"long_name": "ICM class (1..K, 0 masked)"},
    )
    out["segments"] = (
        ("y", "x"),
        segs.astype(np.int32),
        {"long_name": "connected segment id (0 masked)"},
    )
    out.attrs.update(
        icm_iterations=info["iterations"], icm_energy=info["energy"], n_segments=info["n_segments"]
    )
    return out, info


def segment_file(path: str | os.PathLike, out: str | os.PathLike, cfg, note: Note = print) -> dict:
    """``sit segment``: :func:`segment_dataset` of the scene at ``path``, written to ``out``.

    Returns:
      The ICM summary (iterations, energy, number of segments, class means).
    """
    check_config(cfg)
    seg, info = segment_dataset(open_sar(path), cfg)
    if not (seg["labels"].values > 0).any():  # ICM labels every valid sea pixel 1..K
        note(f"{path}: no valid sea pixels (all land or masked): labels and segments are all 0")
    write_netcdf(seg, out)
    return {k: v for k, v in info.items() if k != "notes"}


def load_seasons(dirs: Sequence[str | os.PathLike], cfg, note: Note = print) -> list[Season]:
    """Process season folders (:func:`~seaice_jax.sit.season.load_season`), passing on notes."""
    out = []
    for d in dirs:
        s = load_season(d, cfg)
        for m in s.notes:
            note(m)
        out.append(s)
    return out


def fit_seasons(
    dirs: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    cfg,
    *,
    selection: str | None = None,
    no_sar: bool = False,
    note: Note = print,
) -> SITModel:
    """``sit fit``: the regression on the measurements of every season, saved to ``out``.

    Args:
      dirs: season folders; their matched points are pooled.
      out: coefficients JSON.
      cfg: the SIT config; ``selection`` replaces ``cfg.fit.selection``.
      no_sar: fit the chart + HIGHTSI baseline (no SAR terms).

    Returns:
      The fitted model.
    """
    check_config(cfg)
    ss = load_seasons(dirs, cfg, note)
    feats = {k: np.concatenate([s.feats[k] for s in ss]) for k in ss[0].feats}
    y = np.concatenate([s.points["thickness"] for s in ss])
    period = sorted(p for s in ss for p in s.period)
    sel = "none" if no_sar else (selection or cfg.fit.selection)
    m = fit(feats, y, [period[0], period[-1]], sel, cfg.fit.min_abs_r)
    m.save(out)
    return m


def refit_season(
    coef: str | os.PathLike,
    season: str | os.PathLike,
    out: str | os.PathLike,
    cfg,
    note: Note = print,
) -> SITModel:
    """``sit refit``: fitted coefficients updated with a season's new measurements."""
    check_config(cfg)
    old = SITModel.load(coef)
    (s,) = load_seasons([season], cfg, note)
    m = refit(old, s.feats, s.points["thickness"], s.period)
    m.save(out)
    return m


def baseline_map(s: Season, base: SITModel) -> np.ndarray:
    """The chart + HIGHTSI linear model on every pixel (m), NaN outside the chart's ice."""
    chart, h = s.products.chart["sit_avg"], s.products.hightsi
    m = base.predict({"chart_sit": chart.ravel(), "hightsi_sit": h.ravel()}).reshape(chart.shape)
    return np.where(np.isfinite(chart) & (chart > 0), m, np.nan)


def write_product(s: Season, maps: dict, path: Path) -> None:
    """CF-netCDF of the estimate, the no-SAR baseline, labels and segments on the season grid."""
    ds = s.grid.template()
    ds["sit"] = (("y", "x"), maps["estimate"].astype(np.float32))
    ds["sit_unnormalised"] = (("y", "x"), maps["estimate_unnormalised"].astype(np.float32))
    ds["sit_ic_hightsi_linear"] = (("y", "x"), maps["ic_hightsi_linear"].astype(np.float32))
    ds["labels"] = (("y", "x"), s.products.labels.astype(np.int16))
    ds["segments"] = (("y", "x"), s.products.segments.astype(np.int32))
    for v in ("sit_unnormalised", "sit_ic_hightsi_linear"):
        ds[v].attrs.update(units="m")
    write_netcdf(ds, path)


def predict_season(
    season: str | os.PathLike,
    coef: str | os.PathLike,
    out: str | os.PathLike,
    cfg,
    *,
    baseline_coef: str | os.PathLike | None = None,
    note: Note = print,
) -> dict:
    """``sit predict``: the SIT map of a season folder's scene (+ the no-SAR baseline's map).

    Returns:
      ``{"n_segments", "sit_mean_m"}`` (None where there is no estimate).
    """
    check_config(cfg)
    model = SITModel.load(coef)
    (s,) = load_seasons([season], cfg, note)
    raw, est = estimate(s.products, model, cfg.normalise, cfg.chart_range)
    base = SITModel.load(baseline_coef) if baseline_coef else None
    blm = baseline_map(s, base) if base else np.full(raw.shape, np.nan, np.float32)
    maps = {"estimate": est, "estimate_unnormalised": raw, "ic_hightsi_linear": blm}
    write_product(s, maps, Path(out))
    return {
        "n_segments": int(s.products.segments.max()),
        "sit_mean_m": float(np.nanmean(est)) if np.isfinite(est).any() else None,
    }
