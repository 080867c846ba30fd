"""The SIT regression of Karvonen et al. (Eq. 1): least squares on segment medians.

    H_S = c0 + sum_i c_i f_i + c_I H_I + c_H H_H + sum_j b_j H_H f_j

with f the SAR features (sigma0 and the four texture features: entropy, autocorrelation,
coefficient of variation, zero-crossing density), H_I the ice-chart (average) SIT and H_H the
HIGHTSI model SIT; the last sum is HIGHTSI modulated by each SAR feature. Coefficients come from
``jnp.linalg.lstsq`` and are saved as JSON with their names, the training period, the number of
points and the residual, so that a season's new measurements can be added with a refit.

Feature selection: by the absolute correlation of each SAR feature with the measured SIT
(> 0.25, as the paper), its modulation term following it; or, as an option, LASSO (Tibshirani
1996) by cyclic coordinate descent in JAX on standardised columns, the penalty chosen by k-fold
cross-validation.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.atomic import write_text
from seaice_jax.errors import SeaIceError, file_error

SAR_FEATURES = ("sigma0", "entropy", "autocorrelation", "cv", "zero_crossings")
BACKGROUND = ("chart_sit", "hightsi_sit")


def term_names(sar: tuple[str, ...] = SAR_FEATURES) -> list[str]:
    """Column names of the design matrix (after the intercept) for the chosen SAR features."""
    return [*sar, *BACKGROUND, *(f"hightsi_x_{f}" for f in sar)]


def design_matrix(feats: dict[str, np.ndarray], terms: list[str]) -> np.ndarray:
    """(N, 1 + len(terms)) matrix: intercept, then each term (products for ``hightsi_x_*``).

    Args:
      feats: per-sample arrays (N,) keyed by feature name (SAR_FEATURES + BACKGROUND).
      terms: from :func:`term_names` (or a subset).
    """
    cols = [np.ones_like(np.asarray(feats["hightsi_sit"], np.float64))]
    for t in terms:
        if t.startswith("hightsi_x_"):
            cols.append(
                np.asarray(feats["hightsi_sit"], np.float64) * feats[t[len("hightsi_x_") :]]
            )
        else:
            cols.append(np.asarray(feats[t], np.float64))
    return np.stack(cols, axis=1)


@dataclasses.dataclass
class SITModel:
    """Fitted coefficients with their provenance."""

    terms: list[str]
    coef: list[float]  # intercept first
    training_period: list[str]
    n_points: int
    residual_rms: float
    selection: str = "all"
    correlations: dict[str, float] = dataclasses.field(default_factory=dict)
    samples: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    def predict(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        """SIT (m) for per-sample features; NaN where any used feature is NaN."""
        x = design_matrix(feats, self.terms)
        return x @ np.asarray(self.coef)

    def save(self, path: str | os.PathLike) -> None:
        write_text(path, json.dumps(dataclasses.asdict(self), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike) -> SITModel:
        try:
            d = json.loads(Path(path).read_text())
            return cls(**d)
        except FileNotFoundError:
            raise file_error(path, "no such coefficients file") from None
        except (json.JSONDecodeError, TypeError) as e:
            raise file_error(path, f"not a SIT coefficients file ({e})") from None


def _finite_rows(feats, terms, y):
    x = design_matrix(feats, terms)
    ok = np.isfinite(x).all(1) & np.isfinite(y)
    return x[ok], np.asarray(y, np.float64)[ok], ok


def lstsq(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients with ``jnp.linalg.lstsq`` in float64-safe scaling.

    Columns are scaled to unit RMS first (float32 on CPU/GPU would otherwise lose the small
    columns next to sigma0 in dB), and the coefficients scaled back.
    """
    scale = np.sqrt((x**2).mean(0))
    scale[scale == 0] = 1.0
    c = jnp.linalg.lstsq(jnp.asarray(x / scale, jnp.float32), jnp.asarray(y, jnp.float32))[0]
    return np.asarray(c, np.float64) / scale


def correlations(feats: dict[str, np.ndarray], y: np.ndarray) -> dict[str, float]:
    """Pearson r of each SAR feature with the measured SIT (finite pairs only)."""
    out = {}
    for f in SAR_FEATURES:
        v = np.asarray(feats[f], np.float64)
        ok = np.isfinite(v) & np.isfinite(y)
        out[f] = float(np.corrcoef(v[ok], y[ok])[0, 1]) if ok.sum() > 2 and v[ok].std() > 0 else 0.0
    return out


def fit(
    feats: dict[str, np.ndarray],
    y: np.ndarray,
    training_period: list[str],
    selection: str = "correlation",
    min_abs_r: float = 0.25,
    terms: list[str] | None = None,
) -> SITModel:
    """Fit Eq. 1 on per-point features and measured SIT.

    Args:
      feats: per-point arrays (N,) for SAR_FEATURES and BACKGROUND.
      y: (N,) measured SIT (m).
      training_period: [first date, last date] (strings) of the measurements.
      selection: "all", "correlation" (|r| > ``min_abs_r``), "lasso", or "none" (no SAR: the
        chart + HIGHTSI linear baseline).
      terms: explicit term list (overrides ``selection``).

    Returns:
      The fitted :class:`SITModel` (its ``samples`` keep the training rows for refits).
    """
    y = np.asarray(y, np.float64)
    r = correlations(feats, y)
    if terms is None:
        if selection == "all":
            terms = term_names()
        elif selection == "correlation":
            terms = term_names(tuple(f for f in SAR_FEATURES if abs(r[f]) > min_abs_r))
        elif selection == "none":
            terms = list(BACKGROUND)
        elif selection == "lasso":
            terms = lasso_select(feats, y)
        else:
            raise SeaIceError(f"sit fit: unknown feature selection '{selection}'")
    x, yy, ok = _finite_rows(feats, terms, y)
    if len(yy) < x.shape[1] + 2:
        raise SeaIceError(f"sit fit: {len(yy)} usable points for {x.shape[1]} coefficients")
    c = lstsq(x, yy)
    res = float(np.sqrt(np.mean((x @ c - yy) ** 2)))
    samples = {
        k: np.asarray(v, np.float64)[ok].tolist()
        for k, v in feats.items()
        if k in (*SAR_FEATURES, *BACKGROUND)
    }
    samples["sit"] = yy.tolist()
    return SITModel(
        terms, c.tolist(), list(training_period), int(len(yy)), res, selection, r, samples
    )


def refit(
    model: SITModel, feats: dict[str, np.ndarray], y: np.ndarray, period: list[str]
) -> SITModel:
    """Add a season's new measurements to the stored training rows and fit the same terms again."""
    old = {k: np.asarray(v) for k, v in model.samples.items()}
    if not old:
        raise SeaIceError("sit refit: the coefficients file holds no training samples")
    new = {k: np.concatenate([old[k], np.asarray(feats[k], np.float64)]) for k in old if k != "sit"}
    yy = np.concatenate([old["sit"], np.asarray(y, np.float64)])
    span = sorted([*model.training_period, *period])
    return fit(new, yy, [span[0], span[-1]], model.selection, terms=model.terms)


@functools.partial(jax.jit, static_argnames=("sweeps",))
def lasso_cd(x: jax.Array, y: jax.Array, lam: float, sweeps: int = 200) -> jax.Array:
    """LASSO by cyclic coordinate descent: min 1/(2n) |y - X b|^2 + lam |b|_1.

    Args:
      x: (N, P) standardised columns (zero mean, unit variance); y: (N,) centred.
      lam: penalty; sweeps: full passes over the coordinates (``lax.fori_loop``).

    Returns:
      (P,) coefficients.
    """
    n, p = x.shape
    col_sq = (x**2).sum(0) / n

    def coord(j, state):
        b, r = state
        rho = x[:, j] @ r / n + col_sq[j] * b[j]
        bj = jnp.sign(rho) * jnp.maximum(jnp.abs(rho) - lam, 0.0) / jnp.maximum(col_sq[j], 1e-12)
        r = r + x[:, j] * (b[j] - bj)
        return b.at[j].set(bj), r

    def sweep(_, state):
        return jax.lax.fori_loop(0, p, coord, state)

    b, _ = jax.lax.fori_loop(0, sweeps, sweep, (jnp.zeros(p, x.dtype), y))
    return b


def lasso_select(feats: dict[str, np.ndarray], y: np.ndarray, folds: int = 5) -> list[str]:
    """Terms with non-zero LASSO coefficients, the penalty picked by k-fold CV (chart and HIGHTSI
    SIT always kept: they are the background the SAR terms modulate)."""
    allt = term_names()
    x, yy, _ = _finite_rows(feats, allt, np.asarray(y, np.float64))
    x = x[:, 1:]
    mu, sd = x.mean(0), x.std(0)
    sd[sd == 0] = 1.0
    z = (x - mu) / sd
    lams = np.geomspace(1e-4, 0.3, 16) * np.abs(yy - yy.mean()).mean()
    rng = np.random.default_rng(0)
    fold = rng.permutation(len(yy)) % folds
    cv = []
    for lam in lams:
        err = 0.0
        for k in range(folds):
            tr, te = fold != k, fold == k
            b = np.asarray(lasso_cd(jnp.asarray(z[tr]), jnp.asarray(yy[tr] - yy[tr].mean()), lam))
            err += np.sum((yy[te] - yy[tr].mean() - z[te] @ b) ** 2)
        cv.append(err)
    b = np.asarray(lasso_cd(jnp.asarray(z), jnp.asarray(yy - yy.mean()), lams[int(np.argmin(cv))]))
    keep = [t for t, bj in zip(allt, b, strict=True) if abs(bj) > 1e-8 or t in BACKGROUND]
    return keep
