"""Figures and tables: scatter/density plots, the Figure-1 panel, the Table-1 training summary.

Figure 1 of Heffring & Xu shows the daily pan-Arctic mosaic with regions of interest and, for each
region, SAR, NT and the 200 m product side by side; Table 1 lists per model the training and
validation samples and the best validation L1 with its epoch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.patches import Rectangle

from seaice_jax.atomic import write_text
from seaice_jax.errors import file_error
from seaice_jax.evaluate.compare import on_reference_grid, sic_variable
from seaice_jax.evaluate.metrics import metrics
from seaice_jax.io.products import open_dataset
from seaice_jax.plotting import SIC_LABEL, figure, save_png, sic_cmap

SIC_CMAP = sic_cmap()


def _save(fig, path: str | os.PathLike) -> Path:
    return save_png(fig, path, dpi=120, bbox_inches="tight")


def scatter_density(pred, ref, path: str | os.PathLike, title: str = "", bins: int = 50) -> Path:
    """Log-density scatter of ``pred`` against ``ref`` (SIC %) with the 1:1 line and metrics."""
    p, r = np.ravel(pred), np.ravel(ref)
    ok = np.isfinite(p) & np.isfinite(r)
    m = metrics(p[ok], r[ok])
    fig = figure(figsize=(4.5, 4))
    ax = fig.subplots()
    h = ax.hist2d(
        r[ok],
        p[ok],
        bins=bins,
        range=[[0, 100], [0, 100]],
        cmin=1,
        norm=matplotlib.colors.LogNorm(),
        cmap="viridis",
    )
    fig.colorbar(h[3], ax=ax, label="pixels")
    ax.plot([0, 100], [0, 100], "k--", lw=0.8)
    ax.set(xlabel="reference SIC (%)", ylabel="predicted SIC (%)", title=title)
    ax.text(
        2,
        97,
        f"R² {m['r2']:.3f}\nRMSE {m['rmse']:.2f}\nbias {m['bias']:+.2f}\nn {m['n']}",
        va="top",
        fontsize=8,
        bbox=dict(fc="white", alpha=0.7),
    )
    return _save(fig, path)


def scatter_files(pred_path, ref_path, out, pred_var=None, ref_var=None) -> Path:
    """:func:`scatter_density` of two files, the prediction on the reference grid."""
    pred = sic_variable(open_dataset(pred_path), pred_var, pred_path)
    ref = sic_variable(open_dataset(ref_path), ref_var, ref_path)
    p = on_reference_grid(pred, ref)
    return scatter_density(p, ref.values, out, f"{Path(pred_path).name} vs {Path(ref_path).name}")


def figure1(
    mosaic: np.ndarray,
    rois: Sequence[tuple[int, int, int, int]],
    panels: dict[str, Sequence[np.ndarray]],
    path: str | os.PathLike,
    title: str = "",
) -> Path:
    """The Figure-1 layout: the mosaic with numbered ROIs, then one row per ROI of panels.

    Args:
      mosaic: (H, W) SIC % (a decimated quick look is fine).
      rois: per ROI ``(row0, col0, row1, col1)`` in mosaic pixels (drawn as boxes).
      panels: column title -> one (h, w) image per ROI, e.g. ``{"SAR HH": [...], "NT": [...],
        "200 m product": [...]}``; SAR panels (title starting with "SAR") are drawn in grey.
      path: output PNG.
    """
    n, cols = len(rois), list(panels)
    fig = figure(figsize=(4 + 2.6 * len(cols), max(4.0, 2.4 * n)), layout="constrained")
    gs = fig.add_gridspec(max(n, 1), 1 + len(cols), width_ratios=[2.0] + [1.0] * len(cols))
    ax = fig.add_subplot(gs[:, 0])
    im = ax.imshow(mosaic, cmap=SIC_CMAP, vmin=0, vmax=100)
    for i, (r0, c0, r1, c1) in enumerate(rois):
        ax.add_patch(Rectangle((c0, r0), c1 - c0, r1 - r0, fill=False, ec="red", lw=1.2))
        ax.text(c0, r0, str(i + 1), color="red", fontsize=9, va="bottom")
    ax.set(title=title or "SIC mosaic", xticks=[], yticks=[])
    fig.colorbar(im, ax=ax, location="bottom", shrink=0.8, label=SIC_LABEL)
    for j, name in enumerate(cols):
        for i, img in enumerate(panels[name]):
            a = fig.add_subplot(gs[i, 1 + j])
            sar = name.lower().startswith("sar")
            a.imshow(
                img,
                cmap="gray" if sar else SIC_CMAP,
                vmin=None if sar else 0,
                vmax=None if sar else 100,
                interpolation="nearest",  # coarse products (NT 25 km) show their cells
            )
            a.set(xticks=[], yticks=[])
            if i == 0:
                a.set_title(name, fontsize=9)
            if j == 0:
                a.set_ylabel(f"ROI {i + 1}")
    return _save(fig, path)


_ALIASES = {
    "model": ("model", "name", "config"),
    "train_samples": ("train_samples", "training_samples", "train_tiles", "n_train"),
    "val_samples": ("val_samples", "validation_samples", "val_tiles", "n_val"),
    "best_val_l1": ("best_val_l1", "val_l1_best", "best_validation_l1"),
    "best_epoch": ("best_epoch", "epoch_best", "best_val_epoch"),
}


def read_summary(path: str | os.PathLike) -> dict:
    """One ``summary.json`` of a training run as ``{model, train_samples, val_samples,
    best_val_l1, best_epoch}`` (accepting the usual spellings of each key)."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise file_error(path, f"not a readable JSON summary ({e})") from None
    out = {}
    for key, names in _ALIASES.items():
        hit = next((raw[n] for n in names if n in raw), None)
        if hit is None and key != "model":
            raise file_error(path, f"summary lacks '{key}' (one of {', '.join(names)})")
        out[key] = hit if hit is not None else Path(path).parent.name
    return out


def table1(
    summaries: Sequence[str | os.PathLike],
    out_md: str | os.PathLike,
    out_png: str | os.PathLike | None = None,
) -> str:
    """The Table-1 training summary as Markdown (and a bar chart of best validation L1).

    Returns:
      The Markdown table text (also written to ``out_md``).
    """
    rows = [read_summary(s) for s in summaries]
    lines = [
        "| model | training samples | validation samples | best validation L1 | epoch |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['model']} | {r['train_samples']} | {r['val_samples']} | "
        f"{float(r['best_val_l1']):.3e} | {r['best_epoch']} |"
        for r in rows
    ]
    text = "\n".join(lines) + "\n"
    write_text(out_md, text)
    if out_png:
        fig = figure(figsize=(1.6 + 1.2 * len(rows), 3))
        ax = fig.subplots()
        ax.bar([str(r["model"]) for r in rows], [float(r["best_val_l1"]) for r in rows])
        for i, r in enumerate(rows):
            ax.text(i, float(r["best_val_l1"]), f"ep {r['best_epoch']}", ha="center", va="bottom")
        ax.set(ylabel="best validation L1", title="Training summary (Table 1)")
        _save(fig, out_png)
    return text


def choose_rois(sic: np.ndarray, n: int = 3, size: int = 128) -> list[tuple[int, int, int, int]]:
    """``n`` non-overlapping ``size`` px windows with the most SIC structure (largest std).

    Returns:
      ``(row0, col0, row1, col1)`` per ROI, best first (fewer when the map is small).
    """
    h, w = sic.shape
    size = min(size, h, w)
    step = max(size // 2, 1)
    cands = []
    for r in range(0, h - size + 1, step):
        for c in range(0, w - size + 1, step):
            win = sic[r : r + size, c : c + size]
            if np.isfinite(win).mean() > 0.5:
                cands.append((float(np.nanstd(win)), r, c))
    rois: list[tuple[int, int, int, int]] = []
    for _, r, c in sorted(cands, reverse=True):
        if all(r >= r1 or r + size <= r0 or c >= c1 or c + size <= c0 for r0, c0, r1, c1 in rois):
            rois.append((r, c, r + size, c + size))
        if len(rois) == n:
            break
    return rois


def figure1_day(
    sar_hh: np.ndarray,
    nt: np.ndarray,
    product: np.ndarray,
    path: str | os.PathLike,
    n_rois: int = 3,
    roi_px: int = 128,
    title: str = "",
) -> Path:
    """Figure 1 from three co-registered (H, W) fields: ROIs picked where ``product`` varies most.

    Args:
      sar_hh: SAR HH (dB); nt: NT SIC % on the same grid (e.g. bilinear); product: the 200 m SIC.
    """
    rois = choose_rois(product, n_rois, roi_px)
    panels = {
        name: [a[r0:r1, c0:c1] for r0, c0, r1, c1 in rois]
        for name, a in (("SAR HH (dB)", sar_hh), ("NT 25 km", nt), ("200 m product", product))
    }
    return figure1(product, rois, panels, path, title)
