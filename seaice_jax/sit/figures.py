"""Figures of the SIT evaluation: Fig. 3 (scatter) and Figs. 4-5 (maps) of Karvonen et al."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seaice_jax.plotting import figure, save_png

_NAMES = {
    "estimate": "SAR SIT (normalised)",
    "ice_chart": "Ice chart SIT",
    "hightsi": "HIGHTSI SIT",
    "ic_hightsi_linear": "IC + HIGHTSI linear",
}


def _save(fig, path: Path) -> None:
    save_png(fig, path, dpi=110, bbox_inches="tight")


def scatter(at_points: dict, ref: np.ndarray, table: dict, path: Path) -> None:
    """Estimated vs measured SIT, one panel per estimate (the estimate first, as Fig. 3)."""
    fig = figure(figsize=(15, 4))
    axes = fig.subplots(1, 4, sharex=True, sharey=True)
    hi = float(np.nanmax(ref)) * 1.2 if np.isfinite(ref).any() else 1.0
    for ax, name in zip(axes, _NAMES, strict=True):
        ax.scatter(ref, at_points[name], s=8, alpha=0.6)
        ax.plot([0, hi], [0, hi], "k--", lw=0.8)
        m = table[name]
        ax.set_title(
            f"{_NAMES[name]}\nL1D {100 * m['l1d']:.1f} cm, bias {100 * m['bias']:+.1f} cm, R {m['r']:.2f}",
            fontsize=9,
        )
        ax.set_xlabel("measured SIT (m)")
        ax.set_xlim(0, hi)
        ax.set_ylim(0, hi)
    axes[0].set_ylabel("estimated SIT (m)")
    _save(fig, path)


def maps(s, m: dict, path4: Path, path5: Path) -> None:
    """Fig. 4: HIGHTSI, chart, IC+HIGHTSI, SAR sigma0, SAR SIT; Fig. 5: a zoom of the same."""
    fields = [
        ("HIGHTSI SIT (m)", s.products.hightsi, "viridis"),
        ("Ice chart SIT (m)", s.products.chart["sit_avg"], "viridis"),
        ("IC + HIGHTSI linear (m)", m["ic_hightsi_linear"], "viridis"),
        ("SAR sigma0 at 35 deg (dB)", s.products.sigma0, "gray"),
        ("SAR SIT estimate (m)", m["estimate"], "viridis"),
    ]
    sit = np.concatenate([np.ravel(f) for t, f, c in fields if c == "viridis"])
    vmax = float(np.nanpercentile(sit, 99)) if np.isfinite(sit).any() else 1.0
    h, w = s.products.sigma0.shape
    for path, win in (
        (path4, (slice(None), slice(None))),
        (path5, (slice(h // 4, h // 2), slice(w // 4, w // 2))),
    ):
        fig = figure(figsize=(20, 4.2))
        axes = fig.subplots(1, 5)
        for ax, (title, f, cmap) in zip(axes, fields, strict=True):
            kw = {"vmin": 0, "vmax": vmax} if cmap == "viridis" else {}
            im = ax.imshow(np.asarray(f)[win], cmap=cmap, interpolation="nearest", **kw)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, shrink=0.7, label="m" if cmap == "viridis" else "dB")
        if path is path4:
            r, c = s.rows[s.inside], s.cols[s.inside]
            axes[-1].scatter(c, r, s=4, c="r", marker="x")
        _save(fig, path)
