"""Quick-look figure of one simulated date (truth, SAR, PM, NT, reference, chart classes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.plotting import categorical, figure, save_png, sic_cmap

CHART_CLASSES = {0: "open water", 1: "MIZ", 2: "consolidated"}
ICE_TYPES = {0: "water", 1: "first-year ice", 2: "multiyear ice"}


def _load(p: Path) -> xr.Dataset:
    with xr.open_dataset(p) as ds:
        return ds.load()


def quicklook(date_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``quicklook.png`` (3 x 3 panels) for one ``DIR/sic/<date>`` folder; returns its path."""
    d = Path(date_dir)
    return save_png(quicklook_figure(d), Path(out) if out else d / "quicklook.png", dpi=70)


def quicklook_figure(date_dir: str | Path):
    """The figure of :func:`quicklook`: units on every colorbar, legends on the class panels."""
    d = Path(date_dir)
    t, s1, rcm = _load(d / "truth_200m.nc"), _load(d / "s1_200m.nc"), _load(d / "rcm_200m.nc")
    a3, nt, ref = (
        _load(d / "amsr2_3125m.nc"),
        _load(d / "nt_25km.nc"),
        _load(d / "osisaf_like_10km.nc"),
    )
    panels = [
        (t.sic.values, "truth SIC 200 m", "%", (0, 100)),
        (t.chart_class.values, "chart class", CHART_CLASSES, None),
        (t.ice_type.values, "ice type", ICE_TYPES, None),
        (s1.hh.values, "S1 EW HH", "dB", (-28, -5)),
        (s1.hv.values, "S1 EW HV: noise residual", "dB", (-40, -18)),
        (rcm.hh.values, "RCM HH", "dB", (-28, -5)),
        (a3.tb_89_0h.values, "AMSR2 89.0H 3.125 km", "K", None),
        (nt.sic.values, "NASA Team 25 km", "%", (0, 100)),
        (ref.sic.values, "OSI-SAF-like 10 km", "%", (0, 100)),
    ]
    cmaps = {"%": sic_cmap(), "dB": "gray", "K": "magma"}
    fig = figure(figsize=(13, 13))
    axes = fig.subplots(3, 3)
    for ax, (img, title, unit, lim) in zip(axes.ravel(), panels, strict=True):
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        if isinstance(unit, dict):  # categorical: discrete colours and a legend
            categorical(ax, img, unit)
            continue
        lo, hi = lim if lim else np.nanpercentile(img, [2, 98])
        im = ax.imshow(img, cmap=cmaps[unit], vmin=lo, vmax=hi, interpolation="nearest")
        fig.colorbar(im, ax=ax, fraction=0.046, label=unit)
    fig.suptitle(f"simulated case, {d.name}")
    fig.tight_layout()
    return fig
