"""Canadian Ice Service gridded egg-code text files (``.dex``), as written by shp2dex.

One grid point per line, whitespace separated (J.-L. Shaw, github.com/jeanlucshaw/shp2dex,
README): longitude (degrees *west*), latitude, total concentration CT (tenths, ``9+``, or a word:
``IF`` ice free, ``Fast-ice``, ``missing``; ``X`` marks land), then up to three egg-code triplets
(partial concentration, stage of development, form). Read as a point dataset: ``lon`` (degrees
east), ``lat``, ``sic`` (%: tenths x 10, ``9+`` -> 95 % as in the SIGRID-3 CT table, ice free 0 %,
fast ice 100 %, missing/land NaN), ``flag`` (0 ice, 1 ice free, 2 missing, 3 fast ice, 4 land, the
shp2dex ``dex2nc`` convention), the raw codes ``ct``, ``ca`` ... ``fc``, and ``time`` from an
8-digit date in the file name (NaT without one).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io.registry import head, reader
from seaice_jax.names import ATTRS

_LINE = re.compile(rb"^\s*\d{1,3}\.\d+\s+-?\d{1,2}\.\d+\s+\S+")
_WORDS = {"IF": (0.0, 1), "missing": (np.nan, 2), "Fast-ice": (100.0, 3), "X": (np.nan, 4)}
_EGG = ("ca", "sa", "fa", "cb", "sb", "fb", "cc", "sc", "fc")


def _sniff(p: Path) -> bool:
    if not p.is_file():
        return False
    first = head(p, 256).split(b"\n", 1)[0]
    return bool(_LINE.match(first)) and (p.suffix.lower() == ".dex" or b"," not in first)


def ct_percent(code: str) -> tuple[float, int]:
    """CT code -> (SIC %, flag). Raises ValueError for an unknown code."""
    if code in _WORDS:
        return _WORDS[code]
    if code == "9+":
        return 95.0, 0
    tenths = int(code)
    if not 0 <= tenths <= 10:
        raise ValueError(code)
    return 10.0 * tenths, 0


@reader("cis_dex", _sniff, priority=50)
def open_dex(p: Path) -> xr.Dataset:
    """Open a ``.dex`` file as a point dataset (see the module docstring)."""
    rows = [
        ln.split()
        for ln in p.read_text(encoding="ascii", errors="strict").splitlines()
        if ln.strip()
    ]
    n = len(rows)
    lon, lat = np.empty(n), np.empty(n)
    sic, flag = np.empty(n, np.float32), np.empty(n, np.int8)
    egg = np.full((n, len(_EGG)), "", dtype=object)
    for i, r in enumerate(rows):
        if len(r) < 3 or len(r) > 3 + len(_EGG):
            raise file_error(p, f"line {i + 1}: expected 3 to 12 fields, found {len(r)}")
        try:
            lon[i], lat[i] = -float(r[0]), float(r[1])
            sic[i], flag[i] = ct_percent(r[2])
        except ValueError:
            raise file_error(p, f"line {i + 1}: bad longitude, latitude or CT {r[:3]}") from None
        egg[i, : len(r) - 3] = [v if v != "X" else "" for v in r[3:]]
    if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 360):
        raise file_error(p, "latitude/longitude out of range")
    date = re.search(r"(\d{4})(\d{2})(\d{2})", p.stem)
    t = (
        np.datetime64(f"{date[1]}-{date[2]}-{date[3]}", "ns")
        if date
        else np.datetime64("NaT", "ns")
    )
    ds = xr.Dataset(
        {
            "lon": ("point", lon, {"units": "degrees_east"}),
            "lat": ("point", lat, {"units": "degrees_north"}),
            "sic": ("point", sic, dict(ATTRS["sic"], comment="from CT; 9+ -> 95 %")),
            "flag": (
                "point",
                flag,
                {"flag_values": "0 1 2 3 4", "flag_meanings": "ice ice_free missing fast_ice land"},
            ),  # fmt: skip
            "ct": ("point", np.array([r[2] for r in rows], dtype=str)),
            **{k: ("point", egg[:, j].astype(str)) for j, k in enumerate(_EGG)},
            "time": ("point", np.full(n, t)),
        }
    )
    ds.attrs["comment"] = "CIS egg codes gridded by shp2dex (longitude converted to degrees east)"
    return ds
