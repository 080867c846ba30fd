"""Quick-look figure of one simulated date (truth, SAR, PM, NT, reference, chart classes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.plotting import figure, save_png


def _load(p: Path) -> xr.Dataset:
    with xr.open_dataset(p) as ds:
        return ds.load()


def quicklook(date_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``quicklook.png`` (3 x 3 panels) for one ``DIR/sic/<date>`` folder; returns its path."""
    d = Path(date_dir)
    out = Path(out) if out else d / "quicklook.png"
    t, s1, rcm = _load(d / "truth_200m.nc"), _load(d / "s1_200m.nc"), _load(d / "rcm_200m.nc")
    a3, nt, ref = (
        _load(d / "amsr2_3125m.nc"),
        _load(d / "nt_25km.nc"),
        _load(d / "osisaf_like_10km.nc"),
    )
    panels = [
        (t.sic.values, "truth SIC 200 m (%)", "Blues_r", (0, 100)),
        (t.chart_class.values, "chart class (0 OW, 1 MIZ, 2 cons.)", "viridis", (0, 2)),
        (t.ice_type.values, "ice type (0 water, 1 FYI, 2 MYI)", "viridis", (0, 2)),
        (s1.hh.values, "S1 EW HH (dB)", "gray", (-28, -5)),
        (s1.hv.values, "S1 EW HV (dB): noise residual", "gray", (-40, -18)),
        (rcm.hh.values, "RCM HH (dB)", "gray", (-28, -5)),
        (a3.tb_89_0h.values, "AMSR2 89.0H 3.125 km (K)", "magma", None),
        (nt.sic.values, "NASA Team 25 km (%)", "Blues_r", (0, 100)),
        (ref.sic.values, "OSI-SAF-like 10 km (%)", "Blues_r", (0, 100)),
    ]
    fig = figure(figsize=(13, 13))
    axes = fig.subplots(3, 3)
    for ax, (img, title, cmap, lim) in zip(axes.ravel(), panels, strict=True):
        lo, hi = lim if lim else np.nanpercentile(img, [2, 98])
        im = ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.suptitle(f"simulated case {d.name}")
    fig.tight_layout()
    return save_png(fig, out, dpi=70)
