"""The real GLIA Sentinel-1 EW sample (Belgica Bank, 2022-05-03): slopes and segmentation checks.

The sample (jlo031/GLIA test data, Lohse et al. 2020/2021) holds sigma0 HH/HV in dB, incidence
angle, a valid mask, a water mask, and a 4-class ice-type map made by GLIA's incidence-angle
aware classifier. Here it serves two real-data checks: per-class least-squares incidence slopes
compared with published C-band values (:data:`PUBLISHED_C_BAND_HH_SLOPES`), and ICM segmentation
of a real scene compared with GLIA's classes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from seaice_jax.errors import file_error
from seaice_jax.io.products import open_dataset
from seaice_jax.sar.calibration import PUBLISHED_C_BAND_HH_SLOPES, fit_slopes_by_class


def load_glia(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """Arrays of the GLIA sample: hh, hv (dB), incidence_angle, valid (bool), labels (0 invalid)."""
    folder = Path(folder)
    feats = sorted((folder / "features").glob("*/Sigma0_HH_db.img"))
    labs = sorted((folder / "results").glob("*_labels.img"))
    if not feats or not labs:
        raise file_error(
            folder, "not a GLIA sample folder (features/*/Sigma0_HH_db.img, results/*_labels.img)"
        )
    ds = open_dataset(feats[0].parent)  # the ENVI reader: land_mask already means 1 = land
    out = {v: np.asarray(ds[v].values, np.float32) for v in ("hh", "hv", "incidence_angle")}
    out["labels"] = np.asarray(open_dataset(labs[0])["labels"].values, np.int32)
    out["valid"] = (np.asarray(ds["valid"].values) > 0) & (np.asarray(ds["land_mask"].values) == 0)
    return out


def glia_class_slopes(folder: str | os.PathLike) -> dict:
    """Least-squares HH incidence slope per GLIA class, with the published values for comparison.

    Returns:
      {"classes": {class: {"slope", "intercept", "n", "r", "theta_range", "mean_hh_db",
      "mean_hv_db"}}, "published_c_band_hh": {...}}.
    """
    g = load_glia(folder)
    valid = g["valid"] & (g["labels"] > 0)
    fits = fit_slopes_by_class(g["hh"], g["incidence_angle"], g["labels"], valid)
    for c, f in fits.items():
        m = valid & (g["labels"] == c)
        f["mean_hh_db"] = float(np.nanmean(g["hh"][m]))
        f["mean_hv_db"] = float(np.nanmean(g["hv"][m]))
    return {"classes": fits, "published_c_band_hh": dict(PUBLISHED_C_BAND_HH_SLOPES)}
