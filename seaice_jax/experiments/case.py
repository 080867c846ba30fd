"""Every product of one simulated day against its truth and its OSI-SAF-like reference.

Reads the simulator's day folder (``DIR/sic/<date>/``: ``truth_200m.nc``, ``s1_200m.nc``,
``rcm_200m.nc``, ``amsr2_3125m.nc``, ``nt_25km.nc``, ``osisaf_like_10km.nc``, ``chart.shp``),
makes the products on the truth's 200 m grid — ``s1``, ``rcm``, ``amsr2_89`` (sliding-window
inference with the given predictors; AMSR2-89 bilinear from 3.125 km), ``nt_bilinear``,
``pansharpen_baseline`` and ``fused`` — writes them to ``out_dir/<product>.nc`` and returns
their metrics (the ``sic`` section of the demo's ``metrics.json``, DESIGN section 4):

    {"vs_truth": {P: {r2, rmse, mae, bias, corr, n, per_class}}, "vs_osisaf_like": {P: ...},
     "calibration": {P: share of |error| <= sigma},
     "fused_vs_each": {P: {product_mae, fused_mae, n}}}   # on P's own footprint

Each product is scored where it has data (SAR products on their swath), land excluded.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax import fusion, infer
from seaice_jax.config import get as get_config
from seaice_jax.evaluate import figures
from seaice_jax.evaluate.baselines import nt_bilinear, pansharpen_baseline
from seaice_jax.evaluate.compare import compare
from seaice_jax.evaluate.metrics import classes_from_sic, metrics_by_class
from seaice_jax.geo import Grid, regrid
from seaice_jax.io.charts import rasterize_chart
from seaice_jax.io.products import open_dataset, pick_var
from seaice_jax.io.writers import write_netcdf
from seaice_jax.predictor import Predictor

SOURCES = {"s1": "s1_200m.nc", "rcm": "rcm_200m.nc", "amsr2_89": "amsr2_3125m.nc"}


def _chart_sic(day: Path, grid: Grid) -> np.ndarray | None:
    shp = day / "chart.shp"
    return np.asarray(rasterize_chart(shp, grid, what="sic"), np.float32) if shp.exists() else None


def _on(grid: Grid, **fields) -> xr.Dataset:
    ds = grid.template()
    for k, v in fields.items():
        ds[k] = (("y", "x"), np.asarray(v, np.float32))
    return ds


def make_products(
    day: str | os.PathLike,
    out_dir: str | os.PathLike,
    predictors: Mapping[str, Predictor],
    *,
    fusion_cfg=None,
    infer_cfg: infer.InferenceConfig | None = None,
    floors: Mapping[str, tuple[float, float, float]] | None = None,
) -> dict[str, xr.Dataset]:
    """Build every product of a simulated day on the truth grid (see module doc).

    ``floors`` (per product) replace ``infer_cfg.floors``: the uncertainty floors fitted for that
    model (``(0, 0, 0)`` makes ``sic_uncertainty`` the raw window/flip spread, for fitting).

    Returns:
      product name -> dataset on the 200 m truth grid (``sic`` [, ``sic_uncertainty``]).
    """
    day, out_dir = Path(day), Path(out_dir)
    truth = open_dataset(day / "truth_200m.nc")
    grid = Grid.from_dataset(truth)
    nt = open_dataset(day / "nt_25km.nc")
    prods: dict[str, xr.Dataset] = {}
    native: dict[str, xr.Dataset] = {"nt": nt}
    for name, fname in SOURCES.items():
        if name in predictors and (day / fname).exists():
            icfg = infer_cfg or infer.InferenceConfig()
            if floors and name in floors:
                icfg = dataclasses.replace(icfg, floors=tuple(floors[name]))
            path = infer.predict_scene(
                predictors[name], open_dataset(day / fname), out_dir / f"{name}_native.nc", icfg
            )
            native[name] = open_dataset(path)
            res = "bilinear" if Grid.from_dataset(native[name]).res > grid.res * 1.01 else "average"
            prods[name] = _on(
                grid,
                **{
                    v: regrid(pick_var(native[name], v, path), grid, res).values
                    for v in ("sic", "sic_uncertainty")
                },
            )
    prods["nt_bilinear"] = _on(grid, sic=nt_bilinear(nt, grid))
    if (day / "s1_200m.nc").exists():
        sharp, _ = pansharpen_baseline(
            nt, open_dataset(day / "s1_200m.nc"), grid, _chart_sic(day, grid)
        )
        prods["pansharpen_baseline"] = _on(grid, sic=sharp)
    cfg = fusion_cfg or get_config("configs/fusion.py")
    prods["fused"] = fusion.fuse_datasets(native, grid, cfg, _weather(day, nt), warn=lambda m: None)
    for name, ds in prods.items():
        write_netcdf(ds, out_dir / f"{name}.nc")
    return prods


def _weather(day: Path, nt: xr.Dataset):
    """The 18.7/89 GHz weather mask of a day: from its 3.125 km TBs, else the NT file's."""
    tb_path = day / "amsr2_3125m.nc"
    need = {"tb_18_7h", "tb_18_7v", "tb_89_0h", "tb_89_0v"}
    if tb_path.exists() and need <= set((tb := open_dataset(tb_path)).data_vars):
        return fusion.weather_from_tb(tb, tb_path)  # 3.125 km: finer than NT's own mask
    if "weather_mask_89" in nt:
        return pick_var(nt, "weather_mask_89", "nt")
    return None


def score_products(day: str | os.PathLike, prods: Mapping[str, xr.Dataset]) -> dict:
    """Metrics of each product against the day's truth and OSI-SAF-like reference."""
    day = Path(day)
    truth = open_dataset(day / "truth_200m.nc")
    t = np.asarray(pick_var(truth, "sic", day).values, np.float32)
    land = (
        np.asarray(truth["land_mask"].values) > 0.5
        if "land_mask" in truth
        else np.zeros(t.shape, bool)
    )
    cls = np.asarray(truth["chart_class"].values, np.float32) if "chart_class" in truth else None
    ref_path = day / "osisaf_like_10km.nc"
    ref = pick_var(open_dataset(ref_path), "sic", ref_path) if ref_path.exists() else None
    out: dict = {"vs_truth": {}, "vs_osisaf_like": {}, "calibration": {}, "fused_vs_each": {}}
    for name, ds in prods.items():
        p = np.asarray(ds["sic"].values, np.float32)
        out["vs_truth"][name] = metrics_by_class(
            p, t, classes_from_sic(t) if cls is None else cls, ~land
        )
        if ref is not None:
            out["vs_osisaf_like"][name] = compare(ds["sic"].where(~land), ref)
        if "sic_uncertainty" in ds:
            u = np.asarray(ds["sic_uncertainty"].values, np.float32)
            ok = np.isfinite(p) & np.isfinite(u) & np.isfinite(t) & ~land
            out["calibration"][name] = (
                float(np.mean(np.abs(p - t)[ok] <= u[ok])) if ok.any() else None
            )
    if "fused" in prods:
        out["fused_vs_each"] = fused_vs_each(prods, t, ~land)
    return out


def fused_vs_each(
    prods: Mapping[str, xr.Dataset], truth: np.ndarray, ok: np.ndarray
) -> dict[str, dict]:
    """MAE (%) of each product and of the fused map on that product's own footprint.

    Products cover different areas (a SAR swath, the whole grid for NT), so their overall MAEs
    are not comparable with the fused map's; this is the like-for-like comparison.
    """
    f = np.asarray(prods["fused"]["sic"].values, np.float32)
    res = {}
    for name, ds in prods.items():
        if name == "fused":
            continue
        p = np.asarray(ds["sic"].values, np.float32)
        sel = ok & np.isfinite(p) & np.isfinite(f) & np.isfinite(truth)
        if sel.any():
            res[name] = {
                "product_mae": float(np.mean(np.abs(p - truth)[sel])),
                "fused_mae": float(np.mean(np.abs(f - truth)[sel])),
                "n": int(sel.sum()),
            }
    return res


def day_figures(
    day: str | os.PathLike, prods: Mapping[str, xr.Dataset], out_dir: str | os.PathLike
) -> list[Path]:
    """Figure 1 (S1 HH, NT drawn as its 25 km cells, fused, with ROIs) and scatter plots of each
    product vs truth."""
    day, out_dir = Path(day), Path(out_dir)
    truth = np.asarray(pick_var(open_dataset(day / "truth_200m.nc"), "sic", day).values)
    written = []
    if (day / "s1_200m.nc").exists() and "fused" in prods:
        hh = np.asarray(pick_var(open_dataset(day / "s1_200m.nc"), "hh", day).values)
        nt_cells = prods["nt_bilinear"]["sic"].values
        if (day / "nt_25km.nc").exists():  # nearest: each 25 km NT cell stays a square
            nt = pick_var(open_dataset(day / "nt_25km.nc"), "sic", day)
            nt_cells = regrid(nt, Grid.from_dataset(prods["fused"]), "nearest").values
        written.append(
            figures.figure1_day(
                hh,
                nt_cells,
                prods["fused"]["sic"].values,
                out_dir / "figure1.png",
                title=f"fused SIC {day.name}",
            )
        )
    for name, ds in prods.items():
        written.append(
            figures.scatter_density(
                ds["sic"].values, truth, out_dir / f"scatter_{name}.png", f"{name} vs truth"
            )
        )
    return written


def fit_floors(day: str | os.PathLike, prods: Mapping[str, xr.Dataset]) -> dict[str, tuple]:
    """Per model product, the uncertainty floors that make 68 % of its errors fall within 1 sigma.

    ``prods`` must come from :func:`make_products` with floors ``(0, 0, 0)`` (raw spread).
    """
    day = Path(day)
    t = np.asarray(pick_var(open_dataset(day / "truth_200m.nc"), "sic", day).values, np.float32)
    return {
        name: infer.fit_uncertainty_floors(
            np.asarray(ds["sic"].values), np.asarray(ds["sic_uncertainty"].values), t
        )
        for name, ds in prods.items()
        if name in SOURCES and "sic_uncertainty" in ds
    }


#: The fusion's representativeness settings tried by :func:`fit_resolution_term`:
#: ``kappa`` (% per doubling of footprint over pixel) and ``beta`` (share kept in pure ice/water).
KAPPA_GRID = (4.0, 8.0, 16.0, 32.0, 64.0, 128.0)
BETA_GRID = (0.25, 1.0)


def fit_resolution_term(day: str | os.PathLike, product_dir: str | os.PathLike, fusion_cfg):
    """The ``(kappa, beta)`` of the grids above whose fused map has the lowest MAE on ``day``.

    ``product_dir`` holds the day's model products on their native grids
    (``<name>_native.nc``, as :func:`make_products` writes them); NT comes from the day folder.
    The uncertainty floors inside those products must be the fitted ones, since the weights
    trade them off against the representativeness term.

    Returns:
      ``(kappa, beta, {"kappa,beta": fused MAE %}, fused dataset of the best setting)``.
    """
    day, product_dir = Path(day), Path(product_dir)
    truth = open_dataset(day / "truth_200m.nc")
    grid = Grid.from_dataset(truth)
    t = np.asarray(pick_var(truth, "sic", day).values, np.float32)
    nt = open_dataset(day / "nt_25km.nc")
    native = {"nt": nt}
    for name in SOURCES:
        if (product_dir / f"{name}_native.nc").exists():
            native[name] = open_dataset(product_dir / f"{name}_native.nc")
    weather = _weather(day, nt)
    scores, best = {}, None  # best: (MAE, kappa, beta, fused); only that map is kept
    for kappa in KAPPA_GRID:
        for beta in BETA_GRID:
            cfg = fusion_cfg.copy_and_resolve_references()
            cfg.kappa, cfg.beta = kappa, beta
            fused = fusion.fuse_datasets(native, grid, cfg, weather, warn=lambda m: None)
            mae = float(np.nanmean(np.abs(fused["sic"].values - t)))
            scores[f"{kappa:g},{beta:g}"] = mae
            if best is None or mae < best[0]:
                best = (mae, kappa, beta, fused)
    return best[1], best[2], scores, best[3]


def calibrate(
    day: str | os.PathLike,
    out_dir: str | os.PathLike,
    predictors: Mapping[str, Predictor],
    workdirs: Mapping[str, str | os.PathLike] | None = None,
    fusion_cfg=None,
) -> dict:
    """Fit the models' uncertainty floors and the fusion's free parameters on a (training) day.

    The products of ``day`` are made with the raw spread as uncertainty, the floors fitted
    against the day's truth (:func:`fit_floors`) and, for each product named in ``workdirs``,
    written to ``WORKDIR/uncertainty.json``, which :func:`seaice_jax.infer.load_floors` (and so
    ``seaice-jax predict`` and the fusion weights) then use. The products are then made again
    with those floors; the representativeness term's ``kappa`` and ``beta`` are chosen by the
    lowest fused MAE (:func:`fit_resolution_term`), and ``sigma_scale`` is fitted so that
    68.3 % of the fused map's errors fall within its 1 sigma. Use a date the models trained
    on, never the date that is evaluated. The three values are also written to
    ``out_dir/fusion_calibration.json`` (:func:`seaice_jax.fusion.save_calibration`); set them on
    the fusion config used afterwards with :func:`seaice_jax.fusion.apply_calibration` (the
    daily mosaic takes that file with ``--calibration``).

    Returns:
      ``{"floors": {product: (open water, MIZ, consolidated) %}, "fused_sigma_scale": k,
      "kappa": %, "beta": share, "resolution_scores": {"kappa,beta": fused MAE %},
      "file": the calibration file}``.
    """
    day, out_dir = Path(day), Path(out_dir)
    cfg = fusion_cfg or get_config("configs/fusion.py")
    raw = make_products(
        day, out_dir / "raw", predictors, fusion_cfg=cfg, floors={k: (0, 0, 0) for k in predictors}
    )
    floors = fit_floors(day, raw)
    for name, wd in (workdirs or {}).items():
        if name in floors:
            infer.save_floors(wd, floors[name], fitted_on=f"{day} (simulated truth)")
    make_products(day, out_dir / "floored", predictors, fusion_cfg=cfg, floors=floors)
    kappa, beta, res_scores, fused = fit_resolution_term(day, out_dir / "floored", cfg)
    t = np.asarray(pick_var(open_dataset(day / "truth_200m.nc"), "sic", day).values, np.float32)
    f = np.asarray(fused["sic"].values, np.float32)
    u = np.asarray(fused["sic_uncertainty"].values, np.float32) / float(cfg.sigma_scale)
    ok = np.isfinite(f) & np.isfinite(u) & np.isfinite(t) & (u > 0)
    scale = float(np.quantile(np.abs(f - t)[ok] / u[ok], 0.6827)) if ok.any() else 1.0
    scale = max(scale, 1e-3)
    path = fusion.save_calibration(
        out_dir / fusion.CALIBRATION_FILE, kappa, beta, scale, fitted_on=f"{day} (simulated truth)"
    )
    return {
        "floors": floors,
        "fused_sigma_scale": scale,
        "kappa": kappa,
        "beta": beta,
        "resolution_scores": res_scores,
        "file": path,
    }
