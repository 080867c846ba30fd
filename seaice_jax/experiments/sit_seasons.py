"""Baltic SIT seasons: train on one season, test on another (Table 1, Fig. 3, Figs. 4-5 of the paper).

The estimate is the chart-normalised regression SIT; the baselines are the ice chart (average)
SIT, HIGHTSI SIT and the linear model of chart and HIGHTSI SIT without SAR fitted on the training
season (Karvonen et al., Table 1). Feature selections (all terms, |r| > 0.25, LASSO) are compared
on the same test points.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from seaice_jax.atomic import write_text
from seaice_jax.sit import evaluation, figures
from seaice_jax.sit.chain import baseline_map, check_config, write_product
from seaice_jax.sit.pipeline import estimate
from seaice_jax.sit.regression import SITModel, fit, refit
from seaice_jax.sit.season import Season, baselines_at_points, load_season


def fit_models(train: Season, cfg) -> dict[str, SITModel]:
    """The estimate's model (cfg.fit.selection) and the no-SAR baseline, fitted on ``train``."""
    y = train.points["thickness"]
    return {
        "estimate": fit(train.feats, y, train.period, cfg.fit.selection, cfg.fit.min_abs_r),
        "ic_hightsi_linear": fit(train.feats, y, train.period, "none"),
    }


def evaluate_season(
    s: Season, models: dict[str, SITModel], normalise: bool = True, chart_range: str = "level"
) -> tuple[dict, dict]:
    """Table 1 statistics for the estimate and each baseline on the season's measurements.

    Returns:
      (table {name: {"l1d","bias","rmsd","r","n"}}, maps {name: (H, W)}).
    """
    raw, est = estimate(s.products, models["estimate"], normalise, chart_range)
    maps = {
        "estimate": est,
        "estimate_unnormalised": raw,
        "ic_hightsi_linear": baseline_map(s, models["ic_hightsi_linear"]),
    }
    ref = s.points["thickness"]
    at = {k: evaluation.sample(v, s.rows, s.cols, s.inside) for k, v in maps.items()}
    at.update(baselines_at_points(s))
    order = ("estimate", "ice_chart", "hightsi", "ic_hightsi_linear", "estimate_unnormalised")
    table = {k: evaluation.metrics(at[k], ref) for k in order}
    return table, {**maps, "_points": at}


def compare_selections(train: Season, test: Season, cfg) -> dict:
    """Test-season statistics and chosen terms for each feature selection."""
    y = train.points["thickness"]
    out = {}
    base = fit(train.feats, y, train.period, "none")
    for sel in ("all", "correlation", "lasso"):
        m = fit(train.feats, y, train.period, sel, cfg.fit.min_abs_r)
        table, _ = evaluate_season(
            test, {"estimate": m, "ic_hightsi_linear": base}, cfg.normalise, cfg.chart_range
        )
        out[sel] = {"terms": m.terms, **table["estimate"]}
    return out


def run(
    train_dir: str | os.PathLike,
    test_dir: str | os.PathLike,
    out: str | os.PathLike,
    cfg,
    refit_dir: str | os.PathLike | None = None,
) -> dict:
    """Fit on ``train_dir``, evaluate on ``test_dir``, write products, tables and figures to ``out``.

    Writes ``coefficients.json``, ``coefficients_no_sar.json``, ``metrics.json`` (the DESIGN
    ``{"sit": {"vs_measurements": ...}}`` section plus details), ``table1.md``, ``fig3_scatter.png``,
    ``fig4_maps.png``, ``fig5_detail.png`` and ``sit_<test>.nc``.
    """
    check_config(cfg)
    out = Path(out)
    train, test = load_season(train_dir, cfg), load_season(test_dir, cfg)
    models = fit_models(train, cfg)
    if refit_dir is not None:
        extra = load_season(refit_dir, cfg)
        models["estimate"] = refit(
            models["estimate"], extra.feats, extra.points["thickness"], extra.period
        )
    table, maps = evaluate_season(test, models, cfg.normalise, cfg.chart_range)
    models["estimate"].save(out / "coefficients.json")
    models["ic_hightsi_linear"].save(out / "coefficients_no_sar.json")
    result = {
        "sit": {
            "vs_measurements": {
                k: table[k] for k in ("estimate", "ice_chart", "hightsi", "ic_hightsi_linear")
            }
        },
        "estimate_unnormalised": table["estimate_unnormalised"],
        "feature_selection": compare_selections(train, test, cfg),
        "correlations": models["estimate"].correlations,
        "terms": models["estimate"].terms,
        "train": {
            "season": train.name,
            "period": train.period,
            "n_points": models["estimate"].n_points,
        },
        "test": {"season": test.name, "period": test.period, "notes": test.notes},
        "segmentation": {k: v for k, v in test.products.info.items() if k != "notes"},
    }
    write_text(out / "metrics.json", json.dumps(result, indent=1, default=float))
    write_text(out / "table1.md", evaluation.table1_markdown(table))
    write_product(test, maps, out / f"sit_{test.name}.nc")
    figures.scatter(maps["_points"], test.points["thickness"], table, out / "fig3_scatter.png")
    figures.maps(test, maps, out / "fig4_maps.png", out / "fig5_detail.png")
    return result
