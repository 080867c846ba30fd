"""File and folder names of the operational products: one pattern and one formatter per family.

The simulator names what it writes with the formatters; the product index parses a user's
downloads with the patterns, so both agree on one definition. Layouts (public product
specifications and the files they describe):

- Sentinel-1 SAFE (ESA "Sentinel-1 Product Specification"): ``MMM_BB_TTTR_LFPP_<start>_<stop>_
  <orbit>_<datatake>_<uid>.SAFE``, e.g. ``S1A_EW_GRDM_1SDH_20210905T075212_20210905T075312_039531_
  04AB2C_3F1E.SAFE``; inside, ``s1a-ew-grd-hh-<start>-<stop>-<orbit>-<datatake>-001`` (lower case,
  the image number 001, 002, ... per polarisation).
- RCM (CSA "RCM Product Format Definition"): ``RCM1_OK<order>_PK<product>_<seq>_<beam>_<YYYYMMDD>_
  <HHMMSS>_<pols>_<type>``, e.g. ``RCM1_OK1363978_PK1471707_1_SC50MB_20210126_210951_HH_HV_GRD``.
- AMSR2 L1R (JAXA GCOM-W1 "Data Users Handbook"): ``GW1AM2_<YYYYMMDDhhmm>_<path><A|D>_L1SGRTBR_
  <versions>.h5``; L3 ``GW1AM2_<YYYYMMDD>_01D_<area><A|D>_L3SGT<ff><...>.h5``.
- NSIDC-0051 v1 binary ``nt_<YYYYMMDD>_<sat>_v1.1_<n|s>.bin``; NSIDC-0051/0081 v2 netCDF
  ``NSIDC00{51,81}_SEAICE_PS_<N|S>25km_<YYYYMMDD>_v2.0.nc``.
- Ice charts: CIS SIGRID-3 ``cis_SGRD<kind><RR>_<YYYYMMDD>[T<hhmm>Z]_pl_a.shp`` (regional weekly
  kind ``R``, daily ``A``); US NIC ``nic_miz<YYYY><jjj><n|s>c_pl_a.shp`` (daily MIZ) and
  ``nic_autoc<YYYY><jjj><n|s>_pl_a.shp``.
- OSI SAF SIC ``ice_conc_<nh|sh>_<grid>_<source>_<YYYYMMDDhhmm>.nc``, e.g.
  ``ice_conc_nh_polstere-100_multi_202109051200.nc``.
"""

from __future__ import annotations

import datetime as dt
import re

UTC = dt.UTC

S1_SAFE = re.compile(
    r"^(?P<mission>S1[A-D])_(?P<mode>EW|IW|SM|WV|S[1-6])_(?P<ptype>GRD|SLC|RAW|OCN)(?P<res>[FHM_])_"
    r"(?P<level>\d)(?P<cls>[SA])(?P<pol>SH|SV|DH|DV|HH|HV|VV|VH)_(?P<start>\d{8}T\d{6})_"
    r"(?P<stop>\d{8}T\d{6})_(?P<orbit>\d{6})_(?P<datatake>[0-9A-F]{6})_(?P<uid>[0-9A-F]{4})"
    r"(?:\.SAFE)?(?:\.zip)?$"
)
RCM = re.compile(
    r"^(?P<sat>RCM[123])_OK(?P<order>\d+)_PK(?P<product>\d+)_(?P<seq>\d+)_(?P<beam>[A-Z0-9]+)_"
    r"(?P<date>\d{8})_(?P<time>\d{6})_(?P<pols>(?:[HVCR][HV]_)+)(?P<ptype>GRD|SLC|GCD|GCC|MLC)"
    r"(?:\.zip)?$"
)
AMSR2_L1 = re.compile(
    r"^GW1AM2_(?P<start>\d{12})_(?P<path>\d{3})(?P<dir>[AD])_L1(?P<level>SGRTBR|SGBTBR)_"
    r"(?P<version>\d{7})\.h5$"
)
AMSR2_L3 = re.compile(
    r"^GW1AM2_(?P<date>\d{8})_01D_(?P<area>EQ|PN|PS)(?P<dir>[AD])_L3SGT(?P<freq>\d\d)\w*\.h5$"
)
NSIDC0051_BIN = re.compile(r"^nt_(?P<date>\d{8})_(?P<sat>[nf]\d\d)_v\d\.\d_(?P<hemi>[ns])\.bin$")
NSIDC_NC = re.compile(
    r"^NSIDC00(?P<product>51|81)_SEAICE_PS_(?P<hemi>[NS])25km_(?P<date>\d{8})_v\d\.\d\.nc$"
)
CIS_CHART = re.compile(
    r"^cis_SGRD(?P<kind>[RA])(?P<region>[A-Z0-9]{2,6})_(?P<date>\d{8})(?:T(?P<time>\d{4})Z)?"
    r"_pl_[a-c]\.shp$"
)
NIC_CHART = re.compile(
    r"^nic_(?:miz|autoc)(?P<year>\d{4})(?P<doy>\d{3})(?P<hemi>[ns])c?_pl_a\.shp$"
)
OSISAF = re.compile(
    r"^ice_conc_(?P<hemi>nh|sh)_(?P<grid>[a-z0-9-]+)_(?P<source>[a-z0-9-]+)_(?P<stamp>\d{12})\.nc$"
)


def utc(stamp: str, fmt: str) -> dt.datetime:
    """Parse ``stamp`` with ``fmt`` as a UTC datetime."""
    return dt.datetime.strptime(stamp, fmt).replace(tzinfo=UTC)


def iso(t: dt.datetime, digits: int = 6) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffff`` (no zone; the products' own time format), UTC."""
    s = t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return s if digits == 6 else s[: len(s) - (6 - digits)].rstrip(".")


def s1_safe_name(mission: str, mode: str, start: dt.datetime, stop: dt.datetime, orbit: int,
                 datatake: int, uid: str, pol: str = "DH", res: str = "M") -> str:  # fmt: skip
    """``S1A_EW_GRDM_1SDH_<start>_<stop>_<orbit>_<datatake>_<uid>.SAFE`` (GRD, standard class)."""
    f = "%Y%m%dT%H%M%S"
    return (f"{mission}_{mode}_GRD{res}_1S{pol}_{start:{f}}_{stop:{f}}_{orbit:06d}_"
            f"{datatake:06X}_{uid.upper()}.SAFE")  # fmt: skip


def s1_file_stem(mission: str, mode: str, pol: str, start: dt.datetime, stop: dt.datetime,
                 orbit: int, datatake: int, image: int) -> str:  # fmt: skip
    """``s1a-ew-grd-hh-<start>-<stop>-<orbit>-<datatake>-<image>`` of the files inside a SAFE."""
    f = "%Y%m%dt%H%M%S"
    return (f"{mission.lower()}-{mode.lower()}-grd-{pol.lower()}-{start:{f}}-{stop:{f}}-"
            f"{orbit:06d}-{datatake:06x}-{image:03d}")  # fmt: skip


def rcm_name(sat: int, order: int, product: int, start: dt.datetime, pols=("HH", "HV"),
             beam: str = "SC50MB") -> str:  # fmt: skip
    """``RCM1_OK<order>_PK<product>_1_<beam>_<YYYYMMDD>_<HHMMSS>_HH_HV_GRD``."""
    return f"RCM{sat}_OK{order}_PK{product}_1_{beam}_{start:%Y%m%d_%H%M%S}_{'_'.join(pols)}_GRD"


def amsr2_l1r_name(start: dt.datetime, path: int, direction: str) -> str:
    """``GW1AM2_<YYYYMMDDhhmm>_<path><A|D>_L1SGRTBR_2220220.h5`` (current processing versions)."""
    return f"GW1AM2_{start:%Y%m%d%H%M}_{path:03d}{direction}_L1SGRTBR_2220220.h5"


def nsidc0051_name(date: dt.date, sat: str = "f17", hemi: str = "n") -> str:
    return f"nt_{date:%Y%m%d}_{sat}_v1.1_{hemi}.bin"


def cis_chart_name(date: dt.date, region: str = "EA", hhmm: str = "1800") -> str:
    """CIS weekly regional SIGRID-3 chart ``cis_SGRDR<RR>_<YYYYMMDD>T<hhmm>Z_pl_a.shp``."""
    return f"cis_SGRDR{region}_{date:%Y%m%d}T{hhmm}Z_pl_a.shp"


def osisaf_name(date: dt.date, grid: str = "polstere-100", hemi: str = "nh") -> str:
    return f"ice_conc_{hemi}_{grid}_multi_{date:%Y%m%d}1200.nc"
