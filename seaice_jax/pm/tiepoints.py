"""NASA Team tie points (published tables) and the NT coefficients derived from them.

A tie-point set is a mapping ``{"19h"|"19v"|"37v": {"ow"|"fy"|"my": K}}``: the brightness
temperatures of open water (OW), first-year (FY) and multiyear (MY) ice. For AMSR2 the 18.7 and
36.5 GHz channels stand for 19 and 37 GHz.

Published tables (Northern Hemisphere), each with its source:

- ``ssmi_f08``, ``ssmi_f11``, ``ssmi_f13``, ``ssmis_f17`` (= ``ssmi``/``ssmis``): the NASA Team
  tie points of the NSIDC sea-ice climate record (Cavalieri et al. 1984, J. Geophys. Res. 89,
  5355-5369; Cavalieri et al. 1999, J. Geophys. Res. 104, 15803-15814 for the F08-F13
  intersensor adjustment; Cavalieri et al. 2012, IEEE Geosci. Remote Sens. Lett. 9, 233-236 for
  F17 "final"), as tabulated in the Goddard ``seaice_goddard.f``/``cdralgos`` code and NSIDC's
  ``pm_icecon/nt/tiepoints.py`` (github.com/nsidc/pm_icecon). These are the values behind
  NSIDC-0051.
- ``amsr2``: the NT tie points NSIDC uses for AMSR2 (``amsru_a2`` in ``pm_icecon``, derived by
  NSIDC on 2022-08-18 by linear regression of AMSR2 AU_SI TBs against the F17 NSIDC-0001 TBs,
  i.e. AMSR2 tie points consistent with the F17 NT record). Used for the NOAA/NSIDC CDR AMSR2
  processing.

The NT equations (Cavalieri et al. 1984) follow from a linear mixture of the three surfaces,
``TB_k = (1 - CF - CM) W_k + CF F_k + CM M_k``, written in the two radiance ratios
``PR = (19V - 19H)/(19V + 19H)`` and ``GR = (37V - 19V)/(37V + 19V)``:
``CF = (b0 + b1 PR + b2 GR + b3 PR GR) / D``, ``CM = (c0 + ...) / D``,
``D = a0 + a1 PR + a2 GR + a3 PR GR``; :func:`nt_coefficients` solves for a, b, c.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from seaice_jax.errors import SeaIceError

CHANNELS = ("19h", "19v", "37v")
SURFACES = ("ow", "fy", "my")
TiePoints = dict[str, dict[str, float]]


def _tp(h: tuple, v: tuple, v37: tuple) -> TiePoints:
    return {
        c: dict(zip(SURFACES, map(float, t), strict=True))
        for c, t in zip(CHANNELS, (h, v, v37), strict=True)
    }


#: Published Northern-Hemisphere NT tie points (K), (ow, fy, my) per channel; sources above.
TIEPOINTS: dict[str, TiePoints] = {
    "amsr2": _tp((109.60, 234.73, 196.75), (190.55, 253.07, 225.80), (211.20, 244.16, 193.78)),
    "ssmi_f08": _tp((113.2, 235.5, 198.5), (183.4, 251.5, 222.1), (204.0, 242.0, 184.2)),
    "ssmi_f11": _tp((113.6, 235.3, 198.3), (185.1, 251.4, 222.5), (204.8, 242.0, 185.1)),
    "ssmi_f13": _tp((114.4, 235.4, 198.6), (185.2, 251.2, 222.4), (205.2, 241.1, 186.2)),
    "ssmis_f17": _tp((113.4, 232.0, 196.0), (184.9, 248.4, 220.7), (207.1, 242.3, 188.5)),
}
TIEPOINTS["ssmi"] = TIEPOINTS["ssmi_f13"]
TIEPOINTS["ssmis"] = TIEPOINTS["ssmis_f17"]


def _check(tp: Mapping, where: str) -> TiePoints:
    """Validate a tie-point mapping: every channel and surface present, a TB in (0, 350] K."""
    out: TiePoints = {}
    for c in CHANNELS:
        if c not in tp or not isinstance(tp[c], Mapping):
            raise SeaIceError(
                f"{where}: tie points lack channel '{c}' (need {', '.join(CHANNELS)})"
            )
        out[c] = {}
        for s in SURFACES:
            try:
                val = float(tp[c][s])
            except (KeyError, TypeError, ValueError):
                raise SeaIceError(f"{where}: tie point '{c}.{s}' missing or not a number") from None
            if not 0.0 < val <= 350.0:
                raise SeaIceError(f"{where}: tie point '{c}.{s}' = {val} K is not physical")
            out[c][s] = val
    return out


def resolve_tiepoints(tiepoints: str | os.PathLike | Mapping) -> TiePoints:
    """A tie-point mapping from a table name, a JSON file path, or a mapping.

    Args:
      tiepoints: a key of :data:`TIEPOINTS` (case-insensitive), a path to a ``.json`` file holding
        the mapping, or the mapping ``{"19h"|"19v"|"37v": {"ow"|"fy"|"my": K}}`` itself.

    Returns:
      The validated mapping (floats, K).

    Raises:
      SeaIceError: unknown name, unreadable file, missing or non-physical entries.
    """
    if isinstance(tiepoints, Mapping):
        return _check(tiepoints, "tiepoints")
    name = os.fspath(tiepoints)
    if name.lower() in TIEPOINTS:
        return _check(TIEPOINTS[name.lower()], name)
    path = Path(name)
    if path.suffix.lower() == ".json" or path.exists():
        try:
            data = json.loads(path.read_text())
        except OSError as e:
            raise SeaIceError(f"{path}: cannot read tie points ({e.strerror or e})") from None
        except json.JSONDecodeError as e:
            raise SeaIceError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
        if not isinstance(data, Mapping):
            raise SeaIceError(f"{path}: tie points must be a JSON object")
        return _check(data, str(path))
    raise SeaIceError(
        f"unknown tie points '{name}' (known: {', '.join(sorted(TIEPOINTS))}, or a .json file)"
    )


def nt_coefficients(tiepoints: str | os.PathLike | Mapping) -> np.ndarray:
    """The NT coefficients ``[[a0..a3], [b0..b3], [c0..c3]]`` of a tie-point set (float64).

    From the mixture model, with ``d_k = F_k - W_k``, ``m_k = M_k - W_k``, the PR equation reads
    ``(Wv - Wh) - PR (Wv + Wh) + CF [(dv - dh) - PR (dv + dh)] + CM [(mv - mh) - PR (mv + mh)] = 0``
    and the GR equation likewise with 37V and 19V; Cramer's rule gives CF and CM as ratios of
    bilinear forms in PR and GR, whose coefficients are returned.

    Returns:
      ``(3, 4)`` array: rows D, CF numerator, CM numerator; columns 1, PR, GR, PR*GR.
    """
    tp = resolve_tiepoints(tiepoints)
    h, v, v37 = (np.array([tp[c][s] for s in SURFACES], np.float64) for c in CHANNELS)

    def lin(t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
        # Equation (t1 - t2) - R (t1 + t2) = 0 in (1, CF, CM) as (constant, R) pairs per unknown.
        w = (t1[0] - t2[0], -(t1[0] + t2[0]))
        f = (t1[1] - t1[0] - (t2[1] - t2[0]), -(t1[1] - t1[0] + t2[1] - t2[0]))
        m = (t1[2] - t1[0] - (t2[2] - t2[0]), -(t1[2] - t1[0] + t2[2] - t2[0]))
        return np.array([w, f, m])  # (3 terms, 2: constant and ratio factor)

    p = lin(v, h)  # PR equation: p[0] + CF p[1] + CM p[2] = 0, each entry (c, c_PR)
    g = lin(v37, v)  # GR equation

    def prod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # (x0 + x1 PR)(y0 + y1 GR) -> coefficients of (1, PR, GR, PR*GR)
        return np.array([x[0] * y[0], x[1] * y[0], x[0] * y[1], x[1] * y[1]])

    det = prod(p[1], g[2]) - prod(p[2], g[1])  # A1 B2 - B1 A2
    cf = prod(p[2], g[0]) - prod(p[0], g[2])  # (-C1 B2 + B1 C2)
    cm = prod(p[0], g[1]) - prod(p[1], g[0])  # (-A1 C2 + A2 C1)
    return np.stack([det, cf, cm])
