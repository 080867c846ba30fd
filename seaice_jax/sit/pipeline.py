"""The SIT chain on one scene: SAR preparation -> ICM -> features -> segment medians -> estimate.

Inputs are in-memory (``xarray``/NumPy) so the chain runs the same on the simulated Baltic
scenario, on real scenes opened by the readers and inside tests; :mod:`seaice_jax.sit.season`
reads a season folder into these inputs.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from seaice_jax.errors import SeaIceError
from seaice_jax.sar import texture
from seaice_jax.sar.calibration import ensure_db, incidence_correct
from seaice_jax.segmentation.components import connected_components, merge_small
from seaice_jax.segmentation.icm import icm
from seaice_jax.segmentation.tiled import icm_tiled
from seaice_jax.sit.normalise import normalise_to_chart
from seaice_jax.sit.regression import SAR_FEATURES, SITModel
from seaice_jax.sit.segstats import paint, segment_medians, zero_crossings

PIXEL_FEATURES = ("sigma0", "entropy", "autocorrelation", "cv")


def prepare_sar(ds: xr.Dataset, cfg) -> tuple[np.ndarray, np.ndarray]:
    """Incidence-corrected HH sigma0 (dB) and the valid-sea mask.

    Args:
      ds: scene with ``hh`` (dB or linear by its ``units``), optionally ``incidence_angle``,
        ``land_mask`` (1 land) and ``valid``.
      cfg: the ``incidence`` section (``slope``, ``ref_deg``).

    Returns:
      (sigma0 (H, W) float32 with NaN outside valid, valid (H, W) bool).
    """
    if "hh" not in ds:
        raise SeaIceError("SAR scene has no 'hh' variable")
    s0 = ensure_db(np.asarray(ds["hh"].values, np.float32), ds["hh"].attrs.get("units"))
    if "incidence_angle" in ds:
        s0 = incidence_correct(
            s0, jnp.asarray(ds["incidence_angle"].values, jnp.float32), cfg.slope, cfg.ref_deg
        )
    s0 = np.asarray(s0)
    valid = np.isfinite(s0)
    if "land_mask" in ds:
        valid &= np.asarray(ds["land_mask"].values) != 1
    if "valid" in ds:
        valid &= np.asarray(ds["valid"].values) == 1
    return np.where(valid, s0, np.nan).astype(np.float32), valid


def segment(sigma0: np.ndarray, valid: np.ndarray, cfg) -> tuple[np.ndarray, np.ndarray, dict]:
    """ICM classes and connected segments (small ones merged).

    Args:
      sigma0, valid: (H, W); cfg: the ``icm`` section (k, beta, max_iter, reestimate,
        min_segment_px, tiled).

    Returns:
      (labels (H, W) int32 1..K with 0 masked, segments (H, W) int32 1..N with 0 masked, info).
    """
    if not valid.any():
        z = np.zeros(sigma0.shape, np.int32)
        return z, z, {"iterations": 0, "energy": float("nan"), "n_segments": 0}
    args = dict(k=cfg.k, beta=cfg.beta, max_iter=cfg.max_iter, reestimate_params=cfg.reestimate)
    if cfg.tiled and jax.device_count() > 1:
        # Pad with invalid rows to an even tile height per device, crop afterwards.
        step = 2 * jax.device_count()
        pad = (-sigma0.shape[0]) % step
        res = icm_tiled(
            np.pad(np.nan_to_num(sigma0), ((0, pad), (0, 0))),
            np.pad(valid, ((0, pad), (0, 0))),
            **args,
        )
        res = res._replace(labels=res.labels[: sigma0.shape[0]])
    else:
        res = icm(jnp.asarray(sigma0), jnp.asarray(valid), **args)
    labels = np.asarray(res.labels) + 1  # 1..K, 0 masked
    comps, _ = connected_components(jnp.asarray(labels))
    segs = merge_small(np.asarray(comps), sigma0, cfg.min_segment_px)
    info = {
        "iterations": int(res.iterations),
        "energy": float(res.energy),
        "n_segments": int(segs.max()),
        "class_means_db": np.asarray(res.means)[:, 0].tolist(),
    }
    return labels.astype(np.int32), segs, info


def pixel_features(sigma0: np.ndarray, valid: np.ndarray, cfg) -> dict[str, np.ndarray]:
    """Sliding-window texture features (cfg: the ``texture`` section: window, levels, lo_db, hi_db)."""
    s, v = jnp.asarray(sigma0), jnp.asarray(valid)
    w = cfg.window
    return {
        "sigma0": sigma0,
        "entropy": np.asarray(texture.entropy(s, v, w, cfg.levels, cfg.lo_db, cfg.hi_db)),
        "autocorrelation": np.asarray(texture.autocorrelation(s, v, w)),
        "cv": np.asarray(texture.coefficient_of_variation(s, v, w)),
    }


@dataclasses.dataclass
class SceneProducts:
    """Everything the estimate, the baselines and the evaluation need for one scene."""

    sigma0: np.ndarray
    valid: np.ndarray
    labels: np.ndarray
    segments: np.ndarray
    seg_feats: dict[str, np.ndarray]  # (N + 1,) medians per segment id
    chart: dict[str, np.ndarray]  # sit_min, sit_avg, sit_max (H, W)
    hightsi: np.ndarray
    info: dict

    def pixel(self, name: str) -> np.ndarray:
        """A segment feature painted back to pixels (H, W)."""
        return np.asarray(paint(self.seg_feats[name], self.segments))


def process_scene(
    sar: xr.Dataset, hightsi: np.ndarray, chart: dict[str, np.ndarray], cfg
) -> SceneProducts:
    """Run SAR preparation, ICM, texture and segment medians on one scene.

    Args:
      sar: scene dataset (see :func:`prepare_sar`); hightsi: (H, W) model SIT (m) on its grid;
      chart: {"sit_min", "sit_avg", "sit_max"} (H, W) rasters (m); cfg: the whole SIT config.
    """
    sigma0, valid = prepare_sar(sar, cfg.incidence)
    labels, segs, info = segment(sigma0, valid, cfg.icm)
    feats = pixel_features(sigma0, valid, cfg.texture)
    n = int(segs.max())
    stack = np.stack(
        [feats[f] for f in PIXEL_FEATURES]
        + [np.asarray(hightsi, np.float32), np.asarray(chart["sit_avg"], np.float32)],
        -1,
    )
    med = np.asarray(segment_medians(jnp.asarray(stack), jnp.asarray(segs), max(n, 1)))
    seg_feats = {f: med[:, i] for i, f in enumerate(PIXEL_FEATURES)}
    seg_feats["hightsi_sit"] = med[:, len(PIXEL_FEATURES)]
    seg_feats["chart_sit"] = med[:, len(PIXEL_FEATURES) + 1]
    seg_feats["zero_crossings"] = np.asarray(zero_crossings(jnp.asarray(sigma0), jnp.asarray(segs)))
    if n == 0:
        seg_feats = {k: v[:1] for k, v in seg_feats.items()}
    info["notes"] = _notes(valid, chart)
    return SceneProducts(sigma0, valid, labels, segs, seg_feats, chart, np.asarray(hightsi), info)


def _notes(valid, chart) -> list[str]:
    notes = []
    if not valid.any():
        notes.append("no valid sea pixels in the SAR scene (all land or masked): no estimate")
    elif not (np.isfinite(chart["sit_avg"]) & (chart["sit_avg"] > 0) & valid).any():
        notes.append("the chart shows no ice thickness over the scene: no estimate")
    return notes


def estimate(
    p: SceneProducts, model: SITModel, normalise: bool = True, chart_range: str = "level"
) -> tuple[np.ndarray, np.ndarray]:
    """Segment-wise regression SIT and its chart-normalised version, both (H, W) in m.

    Args:
      p: scene products; model: fitted regression; normalise: map onto the chart range;
      chart_range: "level" maps onto [SIT_MIN, SIT_MAX] (the paper); "deformed" raises the upper
        bound to SIT_MAX x DEFORM where the chart gives a deformation degree (the paper's rule
        that deformed ice is about level ice times the degree), for references that measure
        deformed ice too.

    Segments without chart thickness (open water, outside the chart) get NaN.
    """
    per_seg = model.predict(
        {k: p.seg_feats[k] for k in (*SAR_FEATURES, "chart_sit", "hightsi_sit")}
    )
    raw = np.asarray(paint(jnp.asarray(per_seg, jnp.float32), jnp.asarray(p.segments)))
    ice = np.isfinite(p.chart["sit_avg"]) & (p.chart["sit_avg"] > 0)
    raw = np.where(ice, raw, np.nan)
    if not normalise:
        return raw, raw
    hi = p.chart["sit_max"]
    if chart_range == "deformed" and "deform" in p.chart:
        hi = np.where(np.isfinite(p.chart["deform"]), hi * np.maximum(p.chart["deform"], 1.0), hi)
    elif chart_range not in ("level", "deformed"):
        raise SeaIceError(f"config key 'chart_range': unknown value '{chart_range}'")
    return raw, normalise_to_chart(raw, p.chart["sit_min"], p.chart["sit_avg"], hi)


def point_features(p: SceneProducts, rows, cols, inside) -> dict[str, np.ndarray]:
    """Segment features of the segment under each point (NaN outside the image or masked)."""
    seg = np.where(inside, p.segments[rows, cols], 0)
    out = {}
    for k, v in p.seg_feats.items():
        val = np.asarray(v, np.float64)[np.minimum(seg, len(v) - 1)]
        out[k] = np.where(seg > 0, val, np.nan)
    return out
