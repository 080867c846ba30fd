"""What a product is, when and where, from its metadata alone (for indexing and collocation).

:func:`describe_product` reads only names, XML annotation, HDF5/netCDF attributes and coordinate
variables, or a shapefile header: never an image. Times are UTC; footprints are polygons in
EPSG:3413 metres (the pan-Arctic grid of the project), built from the products' own geolocation
(SAR tie points through :class:`~seaice_jax.geo.tiepoints.TiePoints`, AMSR2 footprint positions,
grid extents), so they are continuous across the antimeridian and at the pole.

Validity of daily and chart products: a daily grid covers its UTC day; a CIS weekly regional
chart (``cis_SGRDR..``) is valid for the 7 days from its date, a CIS daily or US NIC chart for
its day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import os
import struct
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

import h5py
import netCDF4
import numpy as np
import shapely
from pyproj import CRS, Transformer

from seaice_jax.errors import SeaIceError, file_error
from seaice_jax.geo.grids import named_grid
from seaice_jax.geo.tiepoints import ARCTIC_CRS, TiePoints
from seaice_jax.io import naming
from seaice_jax.io._lazy import xml_root
from seaice_jax.io.amsr2 import tai93_to_utc

UTC = dt.UTC
KINDS = ("s1_grd", "rcm_grd", "amsr2_l1r", "amsr2_l3", "nt_daily", "chart", "reference")


@dataclasses.dataclass(frozen=True)
class ProductInfo:
    """One product: its kind, platform, time interval (UTC) and footprint (EPSG:3413 m)."""

    path: str
    kind: str
    platform: str
    start: dt.datetime
    stop: dt.datetime
    footprint: shapely.Polygon | None
    polarisations: tuple[str, ...] = ()
    extra: dict = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict:
        return {"path": self.path, "kind": self.kind, "platform": self.platform,
                "start": self.start.isoformat(), "stop": self.stop.isoformat(),
                "footprint": None if self.footprint is None else self.footprint.wkt,
                "polarisations": list(self.polarisations), "extra": self.extra}  # fmt: skip

    @classmethod
    def from_json(cls, d: dict) -> ProductInfo:
        fp = None if d["footprint"] is None else shapely.from_wkt(d["footprint"])
        return cls(d["path"], d["kind"], d["platform"], dt.datetime.fromisoformat(d["start"]),
                   dt.datetime.fromisoformat(d["stop"]), fp, tuple(d["polarisations"]), d["extra"])  # fmt: skip


def _time(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text.strip().rstrip("Z"))
    return t.replace(tzinfo=UTC)


def _lonlat_polygon(lon: np.ndarray, lat: np.ndarray) -> shapely.Polygon | None:
    """An outline given as lon/lat vertices, in EPSG:3413 (None south of the equator)."""
    if np.nanmean(lat) < 0:
        return None
    x, y = Transformer.from_crs("EPSG:4326", ARCTIC_CRS, always_xy=True).transform(lon, lat)
    return shapely.make_valid(shapely.Polygon(np.column_stack([x, y])))


# ---------------------------------------------------------------------------------- Sentinel-1
def _s1_open(path: Path):
    """(name, reader of member files by relative path) for a .SAFE folder or zip."""
    if path.is_dir():
        return (
            path.name,
            lambda rel: (path / rel).read_bytes(),
            lambda pat: sorted(p.relative_to(path).as_posix() for p in path.glob(pat)),
        )
    zf = zipfile.ZipFile(path)
    names = zf.namelist()
    top = names[0].split("/")[0]

    def members(pat: str) -> list[str]:
        return sorted(n[len(top) + 1 :] for n in names if fnmatch.fnmatch(n[len(top) + 1 :], pat))

    return top, lambda rel: zf.read(f"{top}/{rel}"), members


def _strip_ns(root: ET.Element) -> ET.Element:
    for e in root.iter():
        if isinstance(e.tag, str) and "}" in e.tag:
            e.tag = e.tag.split("}", 1)[1]
    return root


def _s1(path: Path) -> ProductInfo:
    name, read, members = _s1_open(path)
    m = naming.S1_SAFE.match(name if name.endswith(".SAFE") else name + ".SAFE")
    man = _strip_ns(ET.fromstring(read("manifest.safe")))
    start = _time(man.findtext(".//acquisitionPeriod/startTime"))
    stop = _time(man.findtext(".//acquisitionPeriod/stopTime"))
    pols = tuple(e.text.strip() for e in man.iter("transmitterReceiverPolarisation"))
    polys = []
    for rel in members("annotation/s1*.xml"):
        if "-hv-" in rel or "-vh-" in rel:
            continue  # the co-pol annotation gives the same grid
        root = _strip_ns(ET.fromstring(read(rel)))
        nl = int(root.findtext("imageAnnotation/imageInformation/numberOfLines"))
        ns = int(root.findtext("imageAnnotation/imageInformation/numberOfSamples"))
        pts = root.findall("geolocationGrid/geolocationGridPointList/geolocationGridPoint")
        v = {
            k: [float(p.findtext(k)) for p in pts]
            for k in ("line", "pixel", "latitude", "longitude")
        }
        tp = TiePoints.from_points(
            v["line"], v["pixel"], v["latitude"], v["longitude"], shape=(nl, ns)
        )
        polys.append(tp.footprint() if np.mean(v["latitude"]) > 0 else None)
    fp = shapely.union_all([p for p in polys if p is not None]) if any(polys) else None
    if not polys:  # no annotation: the manifest's footprint
        co = man.findtext(".//footPrint/coordinates").split()
        lat, lon = np.array([[float(c) for c in p.split(",")] for p in co]).T
        fp = _lonlat_polygon(lon, lat)
    mission = m.group("mission") if m else (man.findtext(".//platform/familyName") or "S1")
    ptype = m.group("ptype") if m else (man.findtext(".//productType") or "")
    return ProductInfo(os.fspath(path), "s1_grd" if ptype == "GRD" else f"s1_{ptype.lower()}",
                       mission, start, stop, fp, pols,
                       {"pass": (man.findtext(".//pass") or "").title(), "name": name})  # fmt: skip


# ---------------------------------------------------------------------------------------- RCM
def _rcm(folder: Path) -> ProductInfo:
    pfile = folder / "metadata" / "product.xml"
    root = xml_root(pfile)
    times = [root.findtext(f".//{t}") for t in ("rawDataStartTime", "zeroDopplerTimeFirstLine",
                                                 "zeroDopplerTimeLastLine")]  # fmt: skip
    ts = sorted(_time(t) for t in times if t)
    if not ts:
        raise file_error(pfile, "no acquisition time (rawDataStartTime / zeroDopplerTime*)")
    pts = list(root.iter("imageTiePoint"))
    v = {
        k: [float(p.findtext(f".//{k}")) for p in pts]
        for k in ("line", "pixel", "latitude", "longitude")
    }
    nl, ns = int(root.findtext(".//numLines")), int(root.findtext(".//samplesPerLine"))
    fp = None
    if pts and np.mean(v["latitude"]) > 0:
        fp = TiePoints.from_points(v["line"], v["pixel"], v["latitude"], v["longitude"],
                                   shape=(nl, ns)).footprint()  # fmt: skip
    pols = tuple((root.findtext(".//polarizations") or "").split())
    return ProductInfo(os.fspath(folder), "rcm_grd", root.findtext(".//satellite") or "RCM",
                       ts[0], ts[-1], fp, pols,
                       {"pass": root.findtext(".//passDirection") or "", "name": folder.name})  # fmt: skip


# -------------------------------------------------------------------------------------- AMSR2
def _amsr2(path: Path) -> ProductInfo:
    with h5py.File(path, "r") as f:
        if "Latitude of Observation Point for 89A" in f:
            lat = f["Latitude of Observation Point for 89A"][()]
            lon = f["Longitude of Observation Point for 89A"][()]
            t = tai93_to_utc(np.asarray(f["Scan Time"][()], float).ravel())
            start, stop = (
                dt.datetime.fromisoformat(str(v)).replace(tzinfo=UTC) for v in (t.min(), t.max())
            )
            ring_lat = np.concatenate([lat[0], lat[1:, -1], lat[-1, ::-1], lat[-2:0:-1, 0]])
            ring_lon = np.concatenate([lon[0], lon[1:, -1], lon[-1, ::-1], lon[-2:0:-1, 0]])
            direction = f.attrs.get("OrbitDirection", np.array([b""]))
            d = direction[0].decode() if isinstance(direction, np.ndarray) else str(direction)
            return ProductInfo(os.fspath(path), "amsr2_l1r", "GCOM-W1", start, stop,
                               _lonlat_polygon(ring_lon, ring_lat), (), {"pass": d})  # fmt: skip
    m = naming.AMSR2_L3.match(path.name)
    if not m:
        raise file_error(path, "AMSR2 HDF5 without swath positions nor an L3 file name")
    day = naming.utc(m.group("date"), "%Y%m%d")
    fp = _grid_polygon(named_grid("nsidc3411_25km")) if m.group("area") == "PN" else None
    return ProductInfo(os.fspath(path), "amsr2_l3", "GCOM-W1", day, day + dt.timedelta(days=1), fp,
                       (), {"frequency": m.group("freq"), "pass": m.group("dir")})  # fmt: skip


# ------------------------------------------------------------------------ grids and charts
def _grid_polygon(grid, crs=None) -> shapely.Polygon:
    left, bottom, right, top = grid.bounds
    box = shapely.segmentize(shapely.box(left, bottom, right, top), (right - left) / 16)
    src = CRS.from_user_input(crs or grid.crs)
    if src == CRS.from_user_input(ARCTIC_CRS):
        return box
    t = Transformer.from_crs(src, ARCTIC_CRS, always_xy=True)
    return shapely.transform(box, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def _daily(path: Path, day: dt.datetime, kind: str, platform: str, fp, extra=None) -> ProductInfo:
    return ProductInfo(os.fspath(path), kind, platform, day, day + dt.timedelta(days=1), fp, (),
                       extra or {})  # fmt: skip


def _netcdf(path: Path) -> ProductInfo:
    if naming.NSIDC_NC.match(path.name):
        # the v2 netCDF layout (F17_ICECON, ...) has no reader here yet: say so, do not guess
        raise file_error(path, "NSIDC v2 netCDF NT grids are not read yet; use the v1 binary")
    if m := naming.OSISAF.match(path.name):
        day = naming.utc(m.group("stamp")[:8], "%Y%m%d")
        with netCDF4.Dataset(path) as nc:
            x, y = nc["xc"][:], nc["yc"][:]
            scale = 1000.0 if getattr(nc["xc"], "units", "km") == "km" else 1.0
            gm = nc[nc["ice_conc"].grid_mapping]
            crs = CRS.from_cf({k: gm.getncattr(k) for k in gm.ncattrs()})
        dx = abs(float(x[1] - x[0])) * scale / 2
        box = shapely.box(float(x.min()) * scale - dx, float(y.min()) * scale - dx,
                          float(x.max()) * scale + dx, float(y.max()) * scale + dx)  # fmt: skip
        t = Transformer.from_crs(crs, ARCTIC_CRS, always_xy=True)
        fp = shapely.transform(shapely.segmentize(box, box.length / 64),
                               lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))  # fmt: skip
        return _daily(path, day, "reference", "OSI SAF", fp if m.group("hemi") == "nh" else None)
    raise file_error(path, "netCDF file that is not a known daily SIC product name")


def _chart(path: Path) -> ProductInfo:
    if m := naming.CIS_CHART.match(path.name):
        t0 = naming.utc(m.group("date") + (m.group("time") or "1800"), "%Y%m%d%H%M")
        days = 7 if m.group("kind") == "R" else 1
        platform, extra = "CIS", {"region": m.group("region")}
    elif m := naming.NIC_CHART.match(path.name):
        t0 = dt.datetime(int(m.group("year")), 1, 1, tzinfo=UTC) + dt.timedelta(
            days=int(m.group("doy")) - 1
        )
        days, platform, extra = 1, "US NIC", {}
    else:
        raise file_error(path, "shapefile without a CIS or US NIC chart name")
    head = path.read_bytes()[:100]
    xmin, ymin, xmax, ymax = struct.unpack("<4d", head[36:68])
    prj = path.with_suffix(".prj")
    crs = CRS.from_wkt(prj.read_text()) if prj.exists() else CRS.from_epsg(4326)
    box = shapely.segmentize(shapely.box(xmin, ymin, xmax, ymax), (xmax - xmin + ymax - ymin) / 32)
    t = Transformer.from_crs(crs, ARCTIC_CRS, always_xy=True)
    fp = shapely.make_valid(
        shapely.transform(box, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    )
    return ProductInfo(os.fspath(path), "chart", platform, t0, t0 + dt.timedelta(days=days), fp,
                       (), extra)  # fmt: skip


# ------------------------------------------------------------------------------- entry points
def describe_product(path: str | os.PathLike) -> ProductInfo:
    """What, when and where ``path`` is, from its metadata.

    Raises:
      SeaIceError: ``path`` is not a product of a known family, or its metadata is broken.
    """
    p = Path(path)
    try:
        if p.is_dir() and (p / "manifest.safe").is_file() and (p / "annotation").is_dir():
            return _s1(p)
        if p.is_dir() and (p / "metadata" / "product.xml").is_file():
            return _rcm(p)
        if p.suffix.lower() == ".zip" and naming.S1_SAFE.match(p.name):
            return _s1(p)
        if p.suffix == ".h5":
            return _amsr2(p)
        if m := naming.NSIDC0051_BIN.match(p.name):
            day = naming.utc(m.group("date"), "%Y%m%d")
            fp = _grid_polygon(named_grid("nsidc3411_25km")) if m.group("hemi") == "n" else None
            return _daily(
                p, day, "nt_daily", m.group("sat").upper(), fp, {"format": "nsidc0051_binary"}
            )
        if p.suffix == ".nc":
            return _netcdf(p)
        if p.suffix.lower() == ".shp":
            return _chart(p)
    except SeaIceError:
        raise
    except (OSError, KeyError, ValueError, TypeError, AttributeError, ET.ParseError,
            zipfile.BadZipFile, struct.error) as e:  # fmt: skip
        raise file_error(p, f"unreadable product metadata ({type(e).__name__}: {e})") from None
    raise file_error(p, "not a product this index knows (S1 SAFE, RCM, AMSR2, NT, chart, OSI SAF)")


def candidate_paths(root: str | os.PathLike) -> Iterator[Path]:
    """Every path under ``root`` that may be a product (a folder product is not descended)."""
    root = Path(root)
    if not root.is_dir():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue  # temporaries of writers in progress
            sub = d / name
            if name.endswith(".SAFE") or (sub / "metadata" / "product.xml").is_file():
                yield sub
            else:
                keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if name.endswith((".h5", ".bin", ".nc", ".shp", ".zip")) or name.lower().endswith(
                ".shp"
            ):
                yield d / name
