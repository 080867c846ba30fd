"""AI4Arctic Sea Ice Challenge scenes (netCDF) and the challenge's channel statistics / scene lists.

Scenes (Buus-Hinkler et al. 2022, "AI4Arctic Sea Ice Challenge Dataset", DTU; manual of
21.12.2022): Sentinel-1 EW sigma0 (NERSC thermal denoising, dB) ``nersc_sar_primary`` (HH),
``nersc_sar_secondary`` (HV), ``sar_incidenceangle`` on ``(sar_lines, sar_samples)``; AMSR2
``btemp_<f>_<p>`` (K) and ERA5 fields on the coarser AMSR2 grid; chart labels ``SIC`` (classes
0-10 = 0-100 % in steps of 10, 255 = unknown), ``SOD``, ``FLOE`` (class codes, 255 = unknown),
``distance_map``; geolocation tie points ``sar_grid2d_latitude/longitude`` (ready-to-train) or
``sar_grid_latitude/longitude/line/sample/incidenceangle`` (raw: the incidence angle exists only
at the tie points there, kept as ``gcp_incidence_angle``). Mapped to the standard names: ``hh``, ``hv``,
``incidence_angle``, ``tb_<f>_<p>`` on dims ``(y_amsr2, x_amsr2)``, ``sic`` (%), ``sod``,
``floe``, ``distance_map``; tie points as ``gcp_latitude``/``gcp_longitude`` coordinates. Values
are the stored physical ones (the challenge's loaders standardise them with the statistics below).

``global_meanstd.npy`` (a pickled dict ``{channel: {"mean", "std"}}``) is read with a restricted
unpickler that admits only NumPy arrays, dtypes and scalars, never arbitrary code; the scene lists
(``dataset.json``, ``testset.json``) become a ``scene`` dimension with the acquisition start time.
"""

from __future__ import annotations

import io
import json
import pickle
import re
from pathlib import Path

import numpy as np
import xarray as xr

from seaice_jax.errors import file_error
from seaice_jax.io.cf import netcdf_variables, open_netcdf_raw
from seaice_jax.io.registry import head, reader
from seaice_jax.names import ATTRS

RENAME = {"nersc_sar_primary": "hh", "nersc_sar_secondary": "hv",
          "sar_incidenceangle": "incidence_angle", "SOD": "sod", "FLOE": "floe"}  # fmt: skip


def is_scene(p: Path) -> bool:
    """True for an AI4Arctic challenge scene (a netCDF with ``nersc_sar_primary``)."""
    return "nersc_sar_primary" in netcdf_variables(p)


_sniff = is_scene


def standard_name(name: str) -> str:
    """AI4Arctic variable name -> project name (``btemp_18_7h`` -> ``tb_18_7h``)."""
    if name.startswith("btemp_"):
        return "tb_" + name[len("btemp_") :]
    return RENAME.get(name, name)


@reader("ai4arctic", _sniff, priority=40)
def open_ai4arctic(p: Path) -> xr.Dataset:
    """Open an AI4Arctic challenge scene (raw or ready-to-train) in the standard form.

    Returns:
      Dataset with SAR-grid variables on ``(y, x)`` and AMSR2/ERA5 variables on
      ``(y_amsr2, x_amsr2)``; no CRS (the scenes are in SAR image geometry).

    Raises:
      SeaIceError: the HH/HV/incidence variables are missing or not on one grid.
    """
    raw = open_netcdf_raw(p)
    for need in ("nersc_sar_primary", "nersc_sar_secondary"):
        if need not in raw:
            raise file_error(p, f"missing variable '{need}'")
    sar_dims = raw["nersc_sar_primary"].dims
    if len(sar_dims) != 2:
        raise file_error(p, "nersc_sar_primary is not 2-D")
    tb = [v for v in raw.data_vars if str(v).startswith("btemp_")]
    amsr_dims = raw[tb[0]].dims if tb else ()
    out = xr.Dataset(attrs={k: v for k, v in raw.attrs.items() if isinstance(v, str | int | float)})
    for name, da in raw.data_vars.items():
        name = str(name)
        if name.startswith("sar_grid") or name == "SIC":
            continue
        if da.dims == sar_dims:
            da = da.rename(dict(zip(sar_dims, ("y", "x"), strict=True)))
        elif amsr_dims and da.dims == amsr_dims:
            da = da.rename(dict(zip(amsr_dims, ("y_amsr2", "x_amsr2"), strict=True)))
        else:
            continue
        new = standard_name(name)
        out[new] = da.assign_attrs(ATTRS.get(new, {}), source_variable=name)
    if "SIC" in raw:
        sic = raw["SIC"].rename(dict(zip(sar_dims, ("y", "x"), strict=True)))
        out["sic"] = (
            (sic.where(sic <= 10) * 10.0)
            .astype(np.float32)
            .assign_attrs(
                ATTRS["sic"], comment="AI4Arctic SIC class x 10 (class 255 = unknown -> NaN)"
            )
        )
    for var in out.data_vars:
        if var in ("hh", "hv"):
            out[var].attrs["units"] = "dB"
        elif str(var).startswith("tb_"):
            out[var].attrs.setdefault("units", "K")
    return out.assign_coords(_tie_points(raw))


def _tie_points(raw: xr.Dataset) -> dict:
    if "sar_grid2d_latitude" in raw:
        lat, lon = raw["sar_grid2d_latitude"], raw["sar_grid2d_longitude"]
        dims = ("gcp_row", "gcp_col")
        return {"gcp_latitude": (dims, lat.values), "gcp_longitude": (dims, lon.values)}
    if "sar_grid_latitude" in raw:
        coords = {"gcp_latitude": ("gcp", raw["sar_grid_latitude"].values),
                  "gcp_longitude": ("gcp", raw["sar_grid_longitude"].values)}  # fmt: skip
        for k in ("line", "sample", "incidenceangle"):
            if f"sar_grid_{k}" in raw:
                name = "gcp_incidence_angle" if k == "incidenceangle" else f"gcp_{k}"
                coords[name] = ("gcp", raw[f"sar_grid_{k}"].values)
        return coords
    return {}


class _NumpyOnly(pickle.Unpickler):
    """Unpickler that resolves only the NumPy names an object array of a dict needs."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
               ("numpy", "ndarray"), ("numpy", "dtype")}  # fmt: skip

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def load_channel_stats(p: Path) -> dict[str, dict[str, float]]:
    """``global_meanstd.npy`` -> ``{channel: {"mean": float, "std": float}}`` (restricted load)."""
    raw = p.read_bytes()
    version = raw[6:8]
    hlen = (
        int.from_bytes(raw[8:10], "little")
        if version[0] == 1
        else int.from_bytes(raw[8:12], "little")
    )
    start = (10 if version[0] == 1 else 12) + hlen
    obj = _NumpyOnly(io.BytesIO(raw[start:])).load()
    obj = obj.item() if isinstance(obj, np.ndarray) else obj
    if not isinstance(obj, dict):
        raise file_error(p, "not a pickled dict of channel statistics")
    return {str(k): {s: float(v[s]) for s in ("mean", "std")} for k, v in obj.items()}


def _sniff_stats(p: Path) -> bool:
    return p.suffix == ".npy" and head(p, 6) == b"\x93NUMPY" and b"'|O'" in head(p, 128)


@reader("ai4arctic_channel_stats", _sniff_stats, priority=40)
def open_channel_stats(p: Path) -> xr.Dataset:
    """Channel statistics as ``mean``/``std`` on dim ``channel`` (standard channel names)."""
    try:
        stats = load_channel_stats(p)
    except (pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError) as e:
        raise file_error(p, f"cannot read channel statistics ({e})") from None
    names = [standard_name(k) for k in stats]
    return xr.Dataset(
        {"mean": ("channel", [s["mean"] for s in stats.values()]),
         "std": ("channel", [s["std"] for s in stats.values()])},
        coords={"channel": names, "source_channel": ("channel", list(stats))},
    )  # fmt: skip


_SCENE_TIME = re.compile(r"(\d{8}T\d{6})")


def _sniff_list(p: Path) -> bool:
    return (
        p.suffix == ".json" and head(p, 64).lstrip().startswith(b'["S1') and b".nc" in head(p, 512)
    )


@reader("ai4arctic_scene_list", _sniff_list, priority=40)
def open_scene_list(p: Path) -> xr.Dataset:
    """A JSON list of AI4Arctic scene file names -> ``scene`` names and acquisition ``time``."""
    try:
        names = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise file_error(p, f"not valid JSON ({e.msg if hasattr(e, 'msg') else e})") from None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise file_error(p, "not a JSON list of scene names")
    times = []
    for n in names:
        m = _SCENE_TIME.search(n)
        t = (
            f"{m.group(1)[:4]}-{m.group(1)[4:6]}-{m.group(1)[6:11]}:{m.group(1)[11:13]}:{m.group(1)[13:]}"
            if m
            else "NaT"
        )
        times.append(np.datetime64(t, "ns"))
    return xr.Dataset(
        {"scene": ("scene", np.array(names, dtype=str)), "time": ("scene", np.array(times))}
    )
