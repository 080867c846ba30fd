"""SIGRID-3 ice chart attribute codes (JCOMM, "SIGRID-3: a vector archive format for sea ice
georeferenced information and data", WMO/TD-No. 1214, 2004, rev. 2014) and their decoding.

The codes follow the WMO egg code (WMO Sea-Ice Nomenclature, WMO-No. 259):
- concentrations ``CT`` (total) and ``CA``/``CB``/``CC`` (partial, thickest to thinnest) in tenths:
  ``00`` ice free, ``01`` less than 1/10 (open water), ``02`` bergy water, ``10``..``90`` n/10,
  ``91`` 9+/10 (more than 9/10, less than 10/10), ``92`` 10/10, and two-digit ranges ``ab``
  (a < b) meaning a/10 to b/10; ``99`` unknown, ``-9`` not applicable;
- stage of development ``SA``/``SB``/``SC``/``CN``/``CD`` (``81`` new ice ... ``97`` multi-year);
- form of ice ``FA``/``FB``/``FC`` (``00`` pancake ... ``08`` fast ice ... ``10`` icebergs);
- ``POLY_TYPE``: ``I`` ice, ``L`` land, ``W`` water, ``N`` no data.

Decoded concentrations are in percent; a range is decoded to its mid-point (``13`` = 1-3/10 ->
20 %), ``01`` (< 1/10) to 5 %, ``91`` (9+/10) to 95 %, ``02`` (bergy water: no sea ice) to 0 %.
"""

from __future__ import annotations

import math

import numpy as np

STAGES: dict[str, str] = {
    "00": "ice free",
    "80": "no stage of development",
    "81": "new ice",
    "82": "nilas, ice rind",
    "83": "young ice",
    "84": "grey ice",
    "85": "grey-white ice",
    "86": "first-year ice",
    "87": "thin first-year ice",
    "88": "thin first-year ice, stage 1",
    "89": "thin first-year ice, stage 2",
    "91": "medium first-year ice",
    "93": "thick first-year ice",
    "95": "old ice",
    "96": "second-year ice",
    "97": "multi-year ice",
    "98": "glacier ice",
    "99": "undetermined",
}

FORMS: dict[str, str] = {
    "00": "pancake ice",
    "01": "shuga, small ice cake, brash ice",
    "02": "ice cake",
    "03": "small floe",
    "04": "medium floe",
    "05": "big floe",
    "06": "vast floe",
    "07": "giant floe",
    "08": "fast ice",
    "09": "growlers, floebergs or floebits",
    "10": "icebergs",
    **{f"{n + 10:02d}": f"strips and patches, concentration {n}/10" for n in range(1, 10)},
    "20": "strips and patches, concentration 10/10",
    "21": "level ice",
    "99": "undetermined",
}

POLY_TYPES: dict[str, str] = {"I": "ice", "L": "land", "W": "water", "N": "no data"}

CONCENTRATION_FIELDS = ("CT", "CA", "CB", "CC")
STAGE_FIELDS = ("SA", "SB", "SC", "CN", "CD")
FORM_FIELDS = ("FA", "FB", "FC")


def normalise_code(value: object) -> str:
    """A SIGRID-3 code as its canonical string: ints to two digits, None/NaN/blank to ``''``."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, (int, np.integer)):
        return f"{int(value):02d}"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return f"{int(value):02d}" if float(value).is_integer() else str(value)
    s = str(value).strip()
    return "" if s.lower() in ("", "none", "nan") else s


def concentration_pct(code: object) -> float:
    """Decode one SIGRID-3 concentration code to percent (NaN for unknown / not applicable)."""
    s = normalise_code(code)
    if len(s) != 2 or not s.isdigit():
        return math.nan
    special = {"00": 0.0, "01": 5.0, "02": 0.0, "91": 95.0, "92": 100.0, "99": math.nan}
    if s in special:
        return special[s]
    a, b = int(s[0]), int(s[1])
    if b == 0:  # n/10
        return 10.0 * a
    if 1 <= a < b <= 9:  # range a/10 .. b/10: mid-point
        return 5.0 * (a + b)
    return math.nan


def decode_concentration(codes) -> np.ndarray:
    """Vectorised :func:`concentration_pct`: ``(n,)`` codes -> ``(n,)`` float32 percent."""
    return np.array([concentration_pct(c) for c in codes], dtype=np.float32)


def decode_table(codes, table: dict[str, str]) -> np.ndarray:
    """Map codes to names through ``table`` (``''`` for null / unknown codes)."""
    return np.array([table.get(normalise_code(c), "") for c in codes], dtype=object)
