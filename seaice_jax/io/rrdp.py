"""ESA CCI Sea Ice Round-Robin Data Package (RRDP) point tables.

The RRDP (Pedersen et al., ESA CCI Sea Ice ECV; used in Ivanova et al. 2015, The Cryosphere 9,
1797-1817) collocates points of known sea-ice concentration (e.g. DTU SIC1 = 100 %, DMI SIC0 =
0 % from ice charts) with satellite brightness temperatures and reanalysis weather. Each file is
a comma-separated table with two ``#`` header lines; the second names the columns. The table is
made of consecutive *groups*, one per collocated source, each starting with a ``latitude``
column (the reference's is written ``<latitude>``): reference point, ERA(5) weather, AMSR2 L1R
TBs, scatterometers, SMOS/SMAP. Names repeat across groups, so columns are mapped group by group.
Missing values are written ``noval``.

The reader returns a point dataset with dims ``(point,)`` (DESIGN section 4): reference ``lat``,
``lon``, ``time``, ``sic`` (%), the AMSR2 TBs under the standard ``tb_*`` names (K), the AMSR2
``incidence_angle`` (deg) and ERA ``tclw``, ``tcwv`` (kg m-2), ``wind_speed`` (m/s), ``t2m`` (K).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io.registry import head, reader

#: AMSR2 column name in the RRDP -> standard name.
AMSR2_COLUMNS = {
    "6.9GHzH": "tb_06_9h",
    "6.9GHzV": "tb_06_9v",
    "7.3GHzH": "tb_07_3h",
    "7.3GHzV": "tb_07_3v",
    "10.7GHzH": "tb_10_7h",
    "10.7GHzV": "tb_10_7v",
    "18.7GHzH": "tb_18_7h",
    "18.7GHzV": "tb_18_7v",
    "23.8GHzH": "tb_23_8h",
    "23.8GHzV": "tb_23_8v",
    "36.5GHzH": "tb_36_5h",
    "36.5GHzV": "tb_36_5v",
    "89.0GHzH": "tb_89_0h",
    "89.0GHzV": "tb_89_0v",
    "Earth Incidence": "incidence_angle",
}
#: ERA column -> (standard name, units, long name). ERA5 total column liquid water and water
#: vapour are in kg m-2 (ECMWF parameter database, params 78 and 137).
ERA_COLUMNS = {
    "tclw": ("tclw", "kg m-2", "ERA total column cloud liquid water"),
    "tcwv": ("tcwv", "kg m-2", "ERA total column water vapour"),
    "ws": ("wind_speed", "m s-1", "ERA 10 m wind speed"),
    "t2m": ("t2m", "K", "ERA 2 m air temperature"),
    "skt": ("skt", "K", "ERA skin temperature"),
    "msl": ("msl", "hPa", "ERA mean sea-level pressure"),
    "tciw": ("tciw", "kg m-2", "ERA total column cloud ice water"),
}


def _header(path: Path) -> list[str] | None:
    """Column names from the second ``#`` line, or None when the file is not an RRDP table."""
    lines = head(path, 16384).decode("latin-1", "replace").splitlines()
    if len(lines) < 3 or not (lines[0].startswith("#") and lines[1].startswith("#")):
        return None
    names = [c.strip().strip("<>").strip() for c in lines[1].lstrip("#").split(",")]
    if "latitude" not in names[:1] or "SIC" not in names:
        return None
    return names


def _sniff(path: Path) -> bool:
    if not path.is_file():
        return False
    names = _header(path)
    return names is not None and any(n in AMSR2_COLUMNS for n in names)


def _groups(names: list[str]) -> list[dict[str, int]]:
    """Split the column list at each ``latitude`` column: one {name: column index} per source."""
    groups: list[dict[str, int]] = []
    for i, n in enumerate(names):
        if n == "latitude":
            groups.append({})
        groups[-1].setdefault(n, i)
    return groups


def _times(values: pd.Series) -> np.ndarray:
    t = pd.to_datetime(values.str.strip(), format="%Y-%m-%dT%H:%M:%SZ", errors="coerce", utc=True)
    return t.dt.tz_localize(None).to_numpy("datetime64[ns]")


def _floats(values: pd.Series) -> np.ndarray:
    return np.array(pd.to_numeric(values.str.strip(), errors="coerce"), dtype=np.float64)


@reader("rrdp", _sniff, priority=20)
def open_rrdp(path: Path) -> xr.Dataset:
    """Open an RRDP ``.text`` table as a point dataset (see the module docstring)."""
    names = _header(path)
    if names is None:
        raise file_error(path, "not an RRDP table (two '#' header lines expected)")
    groups = _groups(names)
    table = pd.read_csv(path, comment=None, skiprows=2, header=None, dtype=str, na_filter=False)
    if table.shape[1] != len(names):
        raise file_error(path, f"{table.shape[1]} columns in the data, {len(names)} in the header")
    if len(table) == 0:
        raise file_error(path, "RRDP table holds no rows")
    ref = groups[0]
    amsr2 = next((g for g in groups if "18.7GHzV" in g), None)
    era = next((g for g in groups if "tclw" in g or "tcwv" in g), None)
    if amsr2 is None:
        raise file_error(path, "RRDP table has no AMSR2 brightness temperature columns")
    sic = _floats(table[ref["SIC"]])
    # RRDP v2/v3 write SIC as a fraction (DTU SIC1 = 1.0); accept percent too.
    if np.nanmax(np.abs(sic), initial=0.0) <= 1.0:
        sic = sic * 100.0
    point = np.arange(len(table))
    data = {
        "lat": (_floats(table[ref["latitude"]]), {"units": "degrees_north"}),
        "lon": (_floats(table[ref["longitude"]]), {"units": "degrees_east"}),
        "time": (_times(table[ref["time"]]), {}),
        "sic": (sic.astype(np.float32), {"units": "%"}),
    }
    for col, std in AMSR2_COLUMNS.items():
        if col in amsr2:
            vals = _floats(table[amsr2[col]])
            vals[vals <= 0] = np.nan  # fill values below 0 K are missing, not cold
            unit = "degree" if std == "incidence_angle" else "K"
            data[std] = (vals.astype(np.float32), {"units": unit})
    data["amsr2_time"] = (_times(table[amsr2["time"]]), {})
    if era is not None:
        for col, (std, unit, long_name) in ERA_COLUMNS.items():
            if col in era:
                data[std] = (_floats(table[era[col]]), {"units": unit, "long_name": long_name})
    ds = xr.Dataset({k: (("point",), v, a) for k, (v, a) in data.items()}, coords={"point": point})
    ds.attrs["rrdp_header"] = head(path, 4096).decode("latin-1", "replace").splitlines()[0][:300]
    return ds
