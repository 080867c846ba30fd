"""Tie points from points of known SIC, NT skill on such points, and the comparison figure.

``derive_tiepoints`` takes any point dataset with the AMSR2 ``tb_*`` channels and a SIC variable
(the RRDP tables, or a user's own collocations) and returns an NT tie-point mapping:

- open water: the median TBs of the 0 % points (the median, because ice-chart open water holds
  a few ice-contaminated points);
- first-year and multiyear ice: from the 100 % points, separated by GR(37V/19V), the NT MY/FY
  discriminator (Cavalieri et al. 1984: MY ice scatters at 37 GHz, so its GR is strongly
  negative, FY ice has GR near 0). A 100 % point is usually a FY/MY mixture, so the pure
  end-members are the tails of the GR distribution: FY = median TBs of the points above the
  ``1 - tail`` GR quantile, MY = median TBs of the points below the ``tail`` quantile.
  Narrow tails give purer but noisier end-members that spread NT over the 100 % points; by
  default (``tail=None``) the tail is chosen from :data:`TAILS` as the one whose tie points give
  the smallest RMS error of NT total SIC against 100 % on the same points (an in-sample choice:
  skill is then measured on other points, e.g. the other RRDP half).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.plotting import figure, save_png
from seaice_jax.pm.nasateam import nasa_team_raw
from seaice_jax.pm.rrdp_points import ice_and_water
from seaice_jax.pm.tiepoints import CHANNELS, TiePoints, resolve_tiepoints
from seaice_jax.pm.weather import nt_weather_filter, weather_mask_89

NT_CHANNELS = {"19h": "tb_18_7h", "19v": "tb_18_7v", "37v": "tb_36_5v"}
TAILS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)


def _tbs(ds: xr.Dataset) -> np.ndarray:
    missing = [v for v in NT_CHANNELS.values() if v not in ds]
    if missing:
        raise SeaIceError(f"points lack channel {missing[0]}")
    tb = np.stack([ds[NT_CHANNELS[c]].values.astype(np.float64) for c in CHANNELS], -1)
    return tb[np.all(np.isfinite(tb) & (tb > 0) & (tb <= 350), -1)]


def _tail_tiepoints(ow: np.ndarray, ice: np.ndarray, tail: float) -> TiePoints:
    gr = (ice[:, 2] - ice[:, 1]) / (ice[:, 2] + ice[:, 1])
    lo, hi = np.quantile(gr, [tail, 1.0 - tail])
    ends = {"ow": ow, "fy": ice[gr >= hi], "my": ice[gr <= lo]}
    med = {s: np.median(t, axis=0) for s, t in ends.items()}
    return resolve_tiepoints(
        {c: {s: float(med[s][k]) for s in med} for k, c in enumerate(CHANNELS)}
    )


def derive_tiepoints(
    ds_points: xr.Dataset, sic_var: str = "sic", *, tail: float | None = None
) -> TiePoints:
    """NT tie points from points of known SIC (see the module docstring for the method).

    Args:
      ds_points: point dataset with ``tb_18_7h``, ``tb_18_7v``, ``tb_36_5v`` (K) and ``sic_var``.
      sic_var: SIC variable in % (0 % points: <= 0.5 %, 100 % points: >= 99.5 %).
      tail: share (0-0.5] of the 100 % points taken at each end of GR(37V/19V) for FY and MY;
        None chooses it from :data:`TAILS` (smallest in-sample RMS error at the 100 % points).

    Returns:
      ``{"19h"|"19v"|"37v": {"ow"|"fy"|"my": K}}``.

    Raises:
      SeaIceError: no SIC variable, or fewer than 10 valid 0 % or 100 % points.
    """
    if sic_var not in ds_points:
        raise SeaIceError(f"points have no SIC variable '{sic_var}'")
    sic = ds_points[sic_var].values
    dim = ds_points[sic_var].dims[0]
    ow = _tbs(ds_points.isel({dim: np.flatnonzero(sic <= 0.5)}))
    ice = _tbs(ds_points.isel({dim: np.flatnonzero(sic >= 99.5)}))
    if len(ow) < 10 or len(ice) < 10:
        raise SeaIceError(f"need >= 10 valid 0 % and 100 % points, have {len(ow)} and {len(ice)}")
    if tail is not None:
        if not 0.0 < tail <= 0.5:
            raise SeaIceError(f"tail must be in (0, 0.5], got {tail}")
        return _tail_tiepoints(ow, ice, tail)

    def rmse(tp: TiePoints) -> float:
        total = np.asarray(nasa_team_raw(ice[:, 1], ice[:, 0], ice[:, 2], tiepoints=tp)[0])
        return float(np.sqrt(np.nanmean((total - 100.0) ** 2)))

    return min((_tail_tiepoints(ow, ice, t) for t in TAILS), key=rmse)


def _stats(x: np.ndarray) -> dict[str, float]:
    x = x[np.isfinite(x)]
    p5, p95 = np.percentile(x, [5, 95]) if x.size else (np.nan, np.nan)
    return {
        "mean": float(x.mean()),
        "std": float(x.std()),
        "p5": float(p5),
        "p95": float(p95),
        "n": int(x.size),
    }


def nt_point_stats(ds_points: xr.Dataset, tiepoints="amsr2", sensor: str = "amsr2") -> dict:
    """NT SIC (%, unclipped) at the 100 % and 0 % points, before and after the weather filters.

    Returns:
      ``{"sic100": stats, "sic0": {"raw", "nt_filter", "mask89", "both"}: stats}``, where stats
      are ``{"mean", "std", "p5", "p95", "n"}`` and a filter sets SIC to 0 where it flags.
    """
    out: dict = {}
    for name, part in zip(("sic100", "sic0"), ice_and_water(ds_points), strict=True):
        t = {v: part[v].values for v in part.data_vars if v.startswith("tb_")}.__getitem__
        raw = np.asarray(
            nasa_team_raw(t("tb_18_7v"), t("tb_18_7h"), t("tb_36_5v"), tiepoints=tiepoints)[0]
        )
        std = np.asarray(
            nt_weather_filter(t("tb_18_7v"), t("tb_23_8v"), t("tb_36_5v"), sensor=sensor)
        )
        m89 = np.asarray(
            weather_mask_89(t("tb_18_7h"), t("tb_18_7v"), t("tb_89_0h"), t("tb_89_0v"))
        )
        res = {"raw": _stats(raw)}
        for key, m in (("nt_filter", std), ("mask89", m89), ("both", std | m89)):
            res[key] = _stats(np.where(m, 0.0, raw))
        out[name] = res
    return out


def _ratios(tb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(PR(19), GR(37V/19V)) of TBs ordered as CHANNELS (19h, 19v, 37v) along the last axis."""
    return (tb[..., 1] - tb[..., 0]) / (tb[..., 1] + tb[..., 0]), (tb[..., 2] - tb[..., 1]) / (
        tb[..., 2] + tb[..., 1]
    )


def plot_tiepoints(
    ds_points: xr.Dataset, out_png: str, tiepoints: dict | None = None, sic_var: str = "sic"
) -> None:
    """Figure: the 0 % and 100 % point clouds with published and derived NT tie points.

    Left: PR(19) vs GR(37V/19V), the NT plane, with each tie-point triangle (OW, FY, MY).
    Right: 19V vs 37V TBs. Written atomically to ``out_png`` (matplotlib, Agg).

    Args:
      ds_points: point dataset as for :func:`derive_tiepoints`.
      out_png: output path.
      tiepoints: ``{label: tie-point set}``; default the published AMSR2 and SSMIS sets and the
        set derived from ``ds_points``.
    """
    if tiepoints is None:
        tiepoints = {
            "published AMSR2": "amsr2",
            "published SSMIS F17": "ssmis",
            "derived (these points)": derive_tiepoints(ds_points, sic_var),
        }
    sic = ds_points[sic_var].values
    dim = ds_points[sic_var].dims[0]
    fig = figure(figsize=(11, 5), layout="constrained")
    axes = fig.subplots(1, 2)
    for label, sel, colour in (
        ("0 % points", sic <= 0.5, "tab:blue"),
        ("100 % points", sic >= 99.5, "tab:grey"),
    ):
        tb = _tbs(ds_points.isel({dim: np.flatnonzero(sel)}))
        pr, gr = _ratios(tb)
        axes[0].scatter(gr, pr, s=3, alpha=0.4, color=colour, label=label)
        axes[1].scatter(tb[:, 1], tb[:, 2], s=3, alpha=0.4, color=colour, label=label)
    for (label, tp), colour in zip(
        tiepoints.items(), ("tab:red", "tab:orange", "tab:green", "tab:purple"), strict=False
    ):
        t = resolve_tiepoints(tp)
        tb = np.array([[t[c][s] for c in CHANNELS] for s in ("ow", "fy", "my", "ow")])
        pr, gr = _ratios(tb)
        axes[0].plot(gr, pr, "-o", color=colour, label=label)
        axes[1].plot(tb[:, 1], tb[:, 2], "-o", color=colour, label=label)
        for k, s in enumerate(("OW", "FY", "MY")):
            axes[0].annotate(
                s,
                (gr[k], pr[k]),
                color=colour,
                fontsize=8,
                xytext=(3, 3),
                textcoords="offset points",
            )
    axes[0].set(xlabel="GR(37V/19V)", ylabel="PR(19)", title="NASA Team plane")
    axes[1].set(xlabel="TB 18.7V (K)", ylabel="TB 36.5V (K)", title="Brightness temperatures")
    axes[0].legend(fontsize=8, loc="upper left")
    save_png(fig, out_png, dpi=110)
