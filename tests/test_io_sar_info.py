"""``seaice-jax info`` on every file (and product folder) of SEAICE_JAX_DATA, per DESIGN section 4.

Each sample file is either opened on its own (expected format and CRS below) or is a companion of
a file that is (a shapefile's .dbf/.shx/.prj, the NSIDC lat/lon grids); a file that is neither
fails the test, so a new sample cannot slip through. A format whose reader is not on this branch
is skipped by name until it lands.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from seaice_jax.io import registry

DATA = Path(os.environ.get("SEAICE_JAX_DATA", "/nonexistent"))
GLIA = "glia_s1_ew_belgica/features/S1A_EW_GRDM_1SDH_20220503T082621_20220503T082725_043044_0523D1_AF89_subsampled"
SAFE = "xarray_sentinel_ew/S1A_EW_SLC__1SDH_20210403T122536_20210403T122630_037286_046484_8152.SAFE"

# (regex on the path relative to SEAICE_JAX_DATA) -> (format, crs: None | "EPSG:n" | "wkt")
EXPECTED = {
    r"glia_s1_ew_belgica/.*\.(img|hdr)": ("envi", None),
    r"esa_cci_sic_rrdp_amsr2/.*\.text": ("rrdp", "EPSG:4326"),
    r"nsidc0051_nasateam/nt_.*\.bin": ("nsidc0051_binary", "wkt"),  # EPSG:3411 Hughes ellipsoid
    r"osisaf_sic/cf_nh25km\.nc": ("osisaf_sic", "EPSG:6931"),
    r"cis_sigrid3_shp/shapefile\.shp": ("sigrid3_shapefile", "wkt"),
    r"cis_sigrid3_shp/shapefile\.dex": ("cis_dex", "EPSG:4326"),
    r"eccc_eureka2014_insitu/.*\.h5": ("eccc_insitu_h5", "EPSG:4326"),
    r"pyresample_ssmis/.*\.npz": ("ssmis_swath_npz", "EPSG:4326"),
    r"xarray_sentinel_ew/.*(\.xml|manifest\.safe)": ("sentinel1_safe", "EPSG:4326"),  # GCPs
    r"ai4arctic_channel_stats/global_meanstd\.npy": ("ai4arctic_channel_stats", None),
    r"ai4arctic_channel_stats/.*\.json": ("ai4arctic_scene_list", None),
    GLIA: ("envi", None),
    "glia_s1_ew_belgica/results": ("envi", None),
    SAFE: ("sentinel1_safe", "EPSG:4326"),
}
COMPANIONS = {  # opened through the file named on the right
    r"cis_sigrid3_shp/shapefile\.(dbf|shx|prj)": "cis_sigrid3_shp/shapefile.shp",
    r"nsidc0051_nasateam/psn25l(at|on)s_v3\.dat": "nsidc0051_nasateam/nt_20171002_f17_v1.1_n.bin",
}


def _targets() -> list[str]:
    if not DATA.is_dir():
        return []
    files = sorted(
        str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and p.name != "README.md"
    )
    return files + [GLIA, "glia_s1_ew_belgica/results", SAFE]


def _lookup(rel: str):
    for pat, exp in EXPECTED.items():
        if re.fullmatch(pat, rel):
            return exp
    return None


@pytest.mark.parametrize("rel", _targets() or ["<no SEAICE_JAX_DATA>"])
def test_info_json_on_every_sample(rel, data_dir, cli):
    comp = next((main for pat, main in COMPANIONS.items() if re.fullmatch(pat, rel)), None)
    if comp is not None:  # a companion is described through the file it belongs to
        assert (data_dir / comp).is_file() and _lookup(comp) is not None
        rel = comp
    exp = _lookup(rel)
    assert exp is not None, f"{rel}: sample file with no expected format in this test"
    fmt, crs = exp
    assert fmt in {r.name for r in registry.readers()}, f"no reader '{fmt}' registered"
    rc, out, err = cli("info", data_dir / rel, "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert list(d) == ["format", "variables", "crs", "bounds", "time"]
    assert d["format"] == fmt and d["variables"]
    for v in d["variables"].values():
        assert set(v) == {"shape", "dtype", "units"} and all(isinstance(s, int) for s in v["shape"])
    if crs == "wkt":
        assert d["crs"] and (d["crs"].startswith(("PROJCRS", "PROJCS", "EPSG:")))
    else:
        assert d["crs"] == crs
    if d["crs"] is not None:
        b = d["bounds"]
        assert b is not None and len(b) == 4 and b[1] < b[3]
        assert b[0] < b[2] or d["crs"] == "EPSG:4326"  # west > east: across the antimeridian


def test_info_values_for_known_files(data_dir, cli):
    d = json.loads(cli("info", data_dir / "osisaf_sic/cf_nh25km.nc", "--json")[1])
    assert d["variables"]["sic"] == {"shape": [432, 432], "dtype": "float32", "units": "%"}
    assert d["bounds"] == [-5400000.0, -5400000.0, 5400000.0, 5400000.0]
    assert d["time"] == "2019-09-10T12:00:00"
    d = json.loads(cli("info", data_dir / GLIA, "--json")[1])
    assert set(d["variables"]) == {"hh", "hv", "incidence_angle", "land_mask", "valid"}
    assert d["variables"]["hh"]["units"] == "dB" and d["crs"] is None and d["bounds"] is None
    d = json.loads(cli("info", data_dir / SAFE, "--json")[1])
    assert d["time"] == ["2021-04-03T12:25:36.505937", "2021-04-03T12:26:28.525991"]
    # The scene's footprint from its geolocation grid (Nares Strait / Smith Sound area).
    lon0, lat0, lon1, lat1 = d["bounds"]
    assert -74.5 < lon0 < lon1 < -61.5 and 76.3 < lat0 < lat1 < 80.0
    d = json.loads(cli("info", data_dir / "eccc_eureka2014_insitu/ECCCEureka2014.h5", "--json")[1])
    lon0, lat0, lon1, lat1 = d["bounds"]
    assert -86.9 < lon0 < lon1 < -86.6 and 79.9 < lat0 < lat1 < 80.4 and d["time"] is None


def test_info_human_readable(data_dir, cli):
    rc, out, _ = cli("info", data_dir / "osisaf_sic/cf_nh25km.nc")
    assert rc == 0 and "format: osisaf_sic" in out and "crs:    EPSG:6931" in out
    assert re.search(r"sic\s+432x432\s+float32\s+%", out)


def test_info_bounds_across_the_antimeridian():
    import numpy as np
    import xarray as xr

    from seaice_jax.io.describe import describe

    lon = np.array([[170.0, 179.5], [-179.0, -170.0]])
    ds = xr.Dataset({"lon": (("r", "c"), lon), "lat": (("r", "c"), [[70.0, 71.0], [72.0, 73.0]])})
    d = describe(ds)
    assert d["crs"] == "EPSG:4326" and d["bounds"] == [170.0, 70.0, -170.0, 73.0]
    ds["lon"] = (("r", "c"), [[-10.0, 5.0], [20.0, 30.0]])
    assert describe(ds)["bounds"] == [-10.0, 70.0, 30.0, 73.0]
