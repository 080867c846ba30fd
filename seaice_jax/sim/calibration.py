"""Calibration of the simulator on the real sample files, and the stored constants.

SAR: the GLIA Sentinel-1 EW scene (Belgica Bank, 2022-05-03) and its 4-class ice-type labels
(Lohse et al. 2020). Per class: mean and std of HH and HV (dB) and the least-squares incidence
slope. Label 1 (darkest, HH -23 dB) is taken as open water / nilas, 3 as new and young ice,
2 as first-year ice and 4 (brightest in HV, volume scattering) as multiyear ice. The effective
number of looks of the scene is estimated from the variance of neighbour differences in the
multiyear class (white speckle: var(10 log10 G) = (10/ln 10)^2 psi'(L)). The simulator's own
class parameters (mean, slope, texture std) are then fitted by iteration, so that *simulating*
the classes over the real incidence range with that ENL and the S1 noise model reproduces the
real means and stds.

PM: the ESA CCI RRDP points with collocated AMSR2 TBs. At 100 % ice: TB mean vector and
covariance. At 0 %: a linear regression of each TB on ERA total column water vapour, cloud liquid
water and wind speed (the atmosphere and wind signal over open water), the residual covariance,
and the covariate means/stds, from which the simulator draws its atmosphere.

``refit(data_dir, path)`` recomputes all of it; ``load()`` reads the stored file
(``seaice_jax/sim/calibration.json``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import polygamma

from seaice_jax.atomic import write_text
from seaice_jax.errors import SeaIceError
from seaice_jax.geo.grids import Grid
from seaice_jax.io.products import open_dataset
from seaice_jax.names import TB_VARS
from seaice_jax.sim import fields, sar
from seaice_jax.sim.pm import MYI_SHARE_RRDP, PMModel

STORED = Path(__file__).with_name("calibration.json")
GLIA = "glia_s1_ew_belgica"
RRDP = "esa_cci_sic_rrdp_amsr2"
GLIA_CLASSES = {"water": 1, "young": 3, "fyi": 2, "myi": 4}
COVARIATES = ("tcwv", "tclw", "wind_speed")


def load(path: str | os.PathLike | None = None) -> dict:
    """The stored calibration constants (a dict, see :func:`refit`)."""
    p = Path(path) if path else STORED
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise SeaIceError(f"{p}: cannot read calibration constants ({e})") from None


# ---------------------------------------------------------------------------------------- SAR
def _envi(path: Path) -> np.ndarray:
    hdr = dict(
        (k.strip(), v.strip())
        for k, _, v in (
            ln.partition("=") for ln in path.with_suffix(".hdr").read_text().splitlines()
        )
        if _
    )
    dtype = {"1": "u1", "4": "<f4"}[hdr["data type"]]
    return np.fromfile(path, dtype=dtype).reshape(int(hdr["lines"]), int(hdr["samples"]))


def read_glia(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """hh, hv, incidence_angle, valid (``seaice_jax.io.open_dataset``) and the GLIA labels."""
    folder = Path(folder)
    try:
        feat = next((folder / "features").iterdir())
        lab = next((folder / "results").glob("*_labels.img"))
    except (OSError, StopIteration) as e:
        raise SeaIceError(f"{folder}: not a GLIA scene folder ({e})") from None
    ds = open_dataset(feat)
    out = {k: np.asarray(ds[k].values) for k in ("hh", "hv", "incidence_angle", "valid")}
    try:
        out["labels"] = _envi(lab)  # the classification result is not a standard variable
    except (OSError, KeyError, ValueError) as e:
        raise SeaIceError(f"{lab}: cannot read the GLIA labels ({e})") from None
    return out


def class_stats(hh, hv, inc, mask) -> dict[str, float]:
    """Mean/std (dB) and incidence slope (dB/deg, least squares) of HH and HV over ``mask``."""
    out: dict[str, float] = {
        "n": int(mask.sum()),
        "inc_min": float(inc[mask].min()),
        "inc_max": float(inc[mask].max()),
    }
    a = np.c_[np.ones(mask.sum()), inc[mask] - 35.0]
    for name, x in (("hh", hh), ("hv", hv)):
        coef = np.linalg.lstsq(a, x[mask].astype(np.float64), rcond=None)[0]
        out.update(
            {
                f"{name}_mean": float(x[mask].mean()),
                f"{name}_std": float(x[mask].std()),
                f"{name}_slope": float(coef[1]),
            }
        )
    return out


def effective_looks(hh: np.ndarray, mask: np.ndarray) -> float:
    """ENL from the white part of the dB variance: neighbour differences inside ``mask``."""
    m2 = mask[:, :-1] & mask[:, 1:]
    d = (hh[:, 1:] - hh[:, :-1])[m2]
    var = np.var(d) / 2 / (10 / np.log(10)) ** 2
    grid = np.linspace(1.0, 500.0, 5000)
    return float(grid[np.argmin(np.abs(polygamma(1, grid) - var))])


def simulate_classes(key, params: np.ndarray, sensor: sar.Sensor, inc_range, n: int = 96):
    """Simulated pure-class patches: HH, HV (dB) of shape (4, n, n) over ``inc_range``.

    Uses the simulator's own texture, speckle and thermal-noise model at the calibration wind.
    """
    inc = jnp.broadcast_to(jnp.linspace(inc_range[0], inc_range[1], n)[None], (n, n))
    frac = (inc - sensor.inc_near) / (sensor.inc_far - sensor.inc_near)
    rng_m = frac * sensor.swath_m
    along = jnp.broadcast_to((jnp.arange(n) * 2000.0)[:, None], (n, n))
    kn, kt, ks = jax.random.split(key, 3)
    n_true, n_est = sar.noise_fields(kn, rng_m, along, sensor)
    hh, hv = [], []
    for c in range(4):
        fr = jnp.zeros((4, n, n)).at[c].set(1.0)
        tex = fields.texture_fields(jax.random.fold_in(kt, c), (n, n))
        tex4 = jnp.broadcast_to(tex[:, None], (2, 4, n, n))
        h, v = sar.sar_kernel(
            jax.random.fold_in(ks, c),
            jnp.asarray(params, jnp.float32),
            fr,
            tex4,
            jnp.zeros((n, n)),
            inc,
            n_true,
            n_est,
            sensor.enl,
            sensor.floor_db,
        )
        hh.append(h)
        hv.append(v)
    return np.asarray(jnp.stack(hh)), np.asarray(jnp.stack(hv))


def fit_sar(real: dict, sensor: sar.Sensor, seed: int = 0, n_iter: int = 6) -> np.ndarray:
    """Simulator class parameters (4, 6) reproducing the real class stats (fixed-point fit)."""
    p = np.array(
        [
            [
                real[c]["hh_mean"] - 0.0,
                real[c]["hh_slope"],
                real[c]["hh_std"],
                real[c]["hv_mean"],
                real[c]["hv_slope"],
                real[c]["hv_std"],
            ]
            for c in sar.CLASSES
        ]
    )
    inc_range = _inc_range(real)
    for it in range(n_iter):
        hh, hv = simulate_classes(jax.random.key(seed + it), p, sensor, inc_range)
        for i, c in enumerate(sar.CLASSES):
            for j, (name, x) in enumerate((("hh", hh[i]), ("hv", hv[i]))):
                slope = np.polyfit(np.linspace(*inc_range, x.shape[1]) - 35.0, x.mean(0), 1)[0]
                p[i, 3 * j] += real[c][f"{name}_mean"] - x.mean()
                p[i, 3 * j + 1] += real[c][f"{name}_slope"] - slope
                # Texture variance takes up what speckle, noise and the slope leave of the real std.
                extra = real[c][f"{name}_std"] ** 2 - x.std() ** 2
                p[i, 3 * j + 2] = float(np.sqrt(max(p[i, 3 * j + 2] ** 2 + extra, 0.01)))
    return p


def sar_calibration(folder: str | os.PathLike, seed: int = 0) -> dict:
    """Real class stats, estimated ENL, fitted noise floor and simulator parameters (GLIA scene).

    The noise-equivalent sigma0 (NESZ) is not in the sample files; it is fitted by bisection so
    that the simulated open-water HV std (set by the noise residual and its speckle) matches the
    real one.
    """
    g = read_glia(folder)
    ok = g["valid"] == 1
    real = {
        c: class_stats(g["hh"], g["hv"], g["incidence_angle"], ok & (g["labels"] == v))
        for c, v in GLIA_CLASSES.items()
    }
    enl = effective_looks(g["hh"], ok & (g["labels"] == GLIA_CLASSES["myi"]))
    base = dict(
        enl=enl,
        nesz_db=-24.0,
        swath_m=400e3,
        n_sub=5,
        inc_near=18.9,
        inc_far=47.0,
        burst_m=20e3,
        denoise_error=0.12,
        floor_db=float(np.floor(g["hv"][ok].min() * 10) / 10),
    )
    lo, hi = -42.0, -20.0
    for _ in range(6):
        base["nesz_db"] = 0.5 * (lo + hi)
        sensor = sar.Sensor("s1_calibration", **base)
        params = fit_sar(real, sensor, seed, n_iter=3)
        _, hv = simulate_classes(jax.random.key(seed + 99), params, sensor, _inc_range(real))
        lo, hi = (
            (lo, base["nesz_db"])
            if hv[0].std() > real["water"]["hv_std"]
            else (base["nesz_db"], hi)
        )
    base["nesz_db"] = round(0.5 * (lo + hi), 2)
    sensor = sar.Sensor("s1_calibration", **base)
    params = fit_sar(real, sensor, seed)
    return {
        "real": real,
        "enl": enl,
        "sensor": base,
        "params": {
            c: dict(zip(sar.PARAMS, map(float, params[i]), strict=True))
            for i, c in enumerate(sar.CLASSES)
        },
    }


def _inc_range(real: dict) -> tuple[float, float]:
    return (
        min(real[c]["inc_min"] for c in sar.CLASSES),
        max(real[c]["inc_max"] for c in sar.CLASSES),
    )


def sar_params(cal: dict) -> np.ndarray:
    """The (4, 6) simulator class table from a calibration dict."""
    return np.array(
        [[cal["sar"]["params"][c][p] for p in sar.PARAMS] for c in sar.CLASSES], np.float32
    )


# ----------------------------------------------------------------------------------------- PM
def read_rrdp(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """TBs (standard names), ERA tcwv/tclw/wind_speed and SIC (%) of an RRDP ``.text`` table."""
    ds = open_dataset(path)
    names = list(TB_VARS) + list(COVARIATES) + ["sic"]
    missing = [n for n in names if n not in ds]
    if missing:
        raise SeaIceError(f"{path}: RRDP table lacks {', '.join(missing)}")
    out = {n: np.asarray(ds[n].values, np.float64) for n in names}
    out["sic"] = out["sic"] * (100.0 if np.nanmax(out["sic"]) <= 1.0 else 1.0)
    return out


def pm_calibration(folder: str | os.PathLike) -> dict:
    """TB statistics at 100 % ice and the open-water TB regression on the atmosphere."""
    folder = Path(folder)
    tabs = [read_rrdp(p) for p in sorted(folder.glob("*.text"))]
    if not tabs:
        raise SeaIceError(f"{folder}: no RRDP .text tables")
    allp = {k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]}
    tb = np.stack([allp[v] for v in TB_VARS], 1)
    cov = np.stack([allp[v] for v in COVARIATES], 1)
    good = np.isfinite(tb).all(1) & (tb > 50).all(1) & (tb < 320).all(1)
    ice = good & (allp["sic"] >= 99.0)
    ow = good & (allp["sic"] <= 1.0) & np.isfinite(cov).all(1)
    x = cov[ow]
    xm, xs = x.mean(0), x.std(0)
    a = np.c_[np.ones(len(x)), x - xm]
    coef, *_ = np.linalg.lstsq(a, tb[ow], rcond=None)
    resid = tb[ow] - a @ coef
    return {
        "channels": list(TB_VARS),
        "ice": {
            "n": int(ice.sum()),
            "mean": tb[ice].mean(0).tolist(),
            "cov": np.cov(tb[ice].T).tolist(),
        },
        "water": {
            "n": int(ow.sum()),
            "mean": tb[ow].mean(0).tolist(),
            "cov": np.cov(tb[ow].T).tolist(),
            "covariates": list(COVARIATES),
            "covariate_mean": xm.tolist(),
            "covariate_std": xs.tolist(),
            "covariate_corr": np.corrcoef(x.T).tolist(),
            "intercept": coef[0].tolist(),
            "coef": coef[1:].tolist(),
            "resid_cov": np.cov(resid.T).tolist(),
        },
    }


def fit_pm(cal_pm: dict, n_iter: int = 3, seed: int = 0) -> dict:
    """Per-channel offsets and scales of the simulated pure-surface TBs matching the RRDP stats."""
    fit = {
        k: [d] * 7
        for k, d in (
            ("ice_offset", 0.0),
            ("ice_scale", 1.0),
            ("water_offset", 0.0),
            ("water_scale", 1.0),
        )
    }
    for it in range(n_iter):
        cmp = compare_pm({"pm": {**cal_pm, "fit": fit}}, seed=seed + 1000 * (it + 1))
        for name in ("ice", "water"):
            for i, v in enumerate(TB_VARS):
                (sm, rm), (ss, rs) = cmp[name][v]["mean"], cmp[name][v]["std"]
                fit[f"{name}_scale"][i] *= rs / ss
                fit[f"{name}_offset"][i] += rm - sm
    return fit


def refit(
    data_dir: str | os.PathLike, path: str | os.PathLike | None = None, seed: int = 0
) -> dict:
    """Recompute every constant from the real files under ``data_dir`` and store them."""
    data_dir = Path(data_dir)
    cal = {
        "sources": {"sar": f"{GLIA} (labels: {GLIA_CLASSES})", "pm": f"{RRDP}/*.text"},
        "sar": sar_calibration(data_dir / GLIA, seed),
        "pm": pm_calibration(data_dir / RRDP),
    }
    cal["pm"]["fit"] = fit_pm(cal["pm"], seed=seed)
    write_text(Path(path) if path else STORED, json.dumps(cal, indent=1) + "\n")
    return cal


def compare_sar(cal: dict, seed: int = 123) -> dict:
    """Simulated vs real class stats ({class: {stat: (sim, real)}}) with the stored parameters."""
    s = cal["sar"]
    real = s["real"]
    sensor = sar.Sensor("s1_calibration", **s["sensor"])
    hh, hv = simulate_classes(jax.random.key(seed), sar_params(cal), sensor, _inc_range(real))
    out = {}
    for i, c in enumerate(sar.CLASSES):
        out[c] = {}
        for name, x in (("hh", hh[i]), ("hv", hv[i])):
            out[c][f"{name}_mean"] = (float(x.mean()), real[c][f"{name}_mean"])
            out[c][f"{name}_std"] = (float(x.std()), real[c][f"{name}_std"])
    return out


def compare_pm(cal: dict, n_dates: int = 256, seed: int = 7) -> dict:
    """Simulated vs RRDP TB stats at 100 % ice and 0 % ice: {surface: {channel: {...}}}.

    Pure-surface fields on a 400 km patch at 12.5 km are drawn for ``n_dates`` independent
    dates (atmosphere, ice and residual fields), pooled, and compared with the real points.
    """
    grid = Grid("EPSG:3413", 0.0, 0.0, 50_000.0, 8, 8)
    model = PMModel(cal["pm"], grid, cloud_cover=0.35, scan_angle_deg=0.0)
    model.noise_grid = grid  # fields drawn directly on the patch
    shape = grid.shape
    ice = jnp.zeros((5,) + shape).at[2].set(1 - MYI_SHARE_RRDP).at[3].set(MYI_SHARE_RRDP)
    water = jnp.zeros((5,) + shape).at[0].set(1.0)
    sims: dict[str, list] = {"ice": [], "water": []}
    for k in range(n_dates):
        key = jax.random.fold_in(jax.random.key(seed), k)
        cov = model.atmosphere(jax.random.fold_in(key, 0))
        for name, fr in (("ice", ice), ("water", water)):
            tb = model.surface_tb(jax.random.fold_in(key, 1), fr, cov)
            sims[name].append(np.asarray(tb).reshape(7, -1))
    out = {}
    for name in ("ice", "water"):
        x = np.concatenate(sims[name], axis=1)
        real_mean = np.asarray(cal["pm"][name]["mean"])
        real_std = np.sqrt(np.diag(np.asarray(cal["pm"][name]["cov"])))
        out[name] = {
            v: {
                "mean": (float(x[i].mean()), float(real_mean[i])),
                "std": (float(x[i].std()), float(real_std[i])),
            }
            for i, v in enumerate(TB_VARS)
        }
    return out
