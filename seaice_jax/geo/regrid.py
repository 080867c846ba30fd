"""Regridding between any two map grids (any CRS pair), NaN-aware.

Built on GDAL's warper through :func:`rasterio.warp.reproject`:
- ``"average"``: each output pixel is the mean of the input pixels it covers, weighted by the
  area of each inside it, so coarsening conserves the area integral (sum x pixel area) up to the
  edge pixels. Where the two grids share orientation (same CRS: an axis-aligned scale and shift)
  GDAL's warp does it exactly (it weights partial pixels by the covered fraction) and fastest;
  between grids rotated or distorted against each other (e.g. EASE2 and polar stereographic)
  GDAL's footprint is not the cell's, so :mod:`seaice_jax.geo.area` computes the exact overlap
  areas instead (sparse weights, cached per grid pair);
- ``"bilinear"``: bilinear interpolation (exact for fields linear in the map coordinates);
- ``"nearest"``: nearest input pixel (categorical fields: classes, masks).

NaN is the no-data value on both sides: NaN inputs are left out of averages and interpolation
weights (GDAL renormalises over the valid inputs), and an output pixel with no valid input is NaN.
Non-spatial variables of a Dataset are kept unchanged; integer and boolean variables are returned as
float32 (NaN needs a float).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import shapely
import xarray as xr
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from rasterio.control import GroundControlPoint
from rasterio.crs import CRS as RioCRS
from rasterio.enums import Resampling
from rasterio.warp import reproject

from seaice_jax.errors import SeaIceError
from seaice_jax.geo.area import area_average, same_orientation
from seaice_jax.geo.grids import Grid

_LONLAT = ("lon", "lat", "longitude", "latitude")
METHODS = {
    "average": Resampling.average,
    "bilinear": Resampling.bilinear,
    "nearest": Resampling.nearest,
}


def _north_up(obj: xr.Dataset | xr.DataArray) -> xr.Dataset | xr.DataArray:
    """Flip a south-up raster (``y`` increasing) so that its transform is north-up."""
    if "y" in obj.dims and obj.sizes["y"] > 1 and float(obj["y"][1] - obj["y"][0]) > 0:
        obj = obj.isel(y=slice(None, None, -1))
    return obj


def _sample_points(grid: Grid, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """Points along the edges and on a coarse lattice inside ``grid`` (map coordinates)."""
    left, bottom, right, top = grid.bounds
    xs = np.linspace(left, right, n)
    ys = np.linspace(bottom, top, n)
    xx, yy = np.meshgrid(xs, ys)
    return xx.ravel(), yy.ravel()


def _inside(x: np.ndarray, y: np.ndarray, grid: Grid) -> np.ndarray:
    left, bottom, right, top = grid.bounds
    ok = np.isfinite(x) & np.isfinite(y)
    return ok & (x >= left) & (x <= right) & (y >= bottom) & (y <= top)


def check_overlap(src: Grid, dst: Grid, what: str = "input") -> None:
    """Raise a one-line :class:`SeaIceError` when the two grids share no area or CRS transform.

    Points sampled over each grid are transformed into the other's CRS; the grids overlap when any
    lands inside the other (both directions, so that a small grid inside one big pixel counts).
    """
    try:
        src_crs, dst_crs = CRS.from_user_input(src.crs), CRS.from_user_input(dst.crs)
        fwd = Transformer.from_crs(src_crs, dst_crs, always_xy=True)
        inv = Transformer.from_crs(dst_crs, src_crs, always_xy=True)
    except (CRSError, ProjError) as e:
        raise SeaIceError(f"{what}: cannot transform between the grids' CRSs ({e})") from None
    with np.errstate(all="ignore"):
        sx, sy = _sample_points(src)
        dx, dy = fwd.transform(sx, sy, errcheck=False)
        if np.any(_inside(np.asarray(dx), np.asarray(dy), dst)):
            return
        tx, ty = _sample_points(dst)
        bx, by = inv.transform(tx, ty, errcheck=False)
        if np.any(_inside(np.asarray(bx), np.asarray(by), src)):
            return
    raise SeaIceError(
        f"{what}: no overlap with the target grid {dst.name or dst.crs[:40]} "
        f"(bounds {tuple(round(b) for b in dst.bounds)})"
    )


@dataclasses.dataclass(frozen=True)
class GcpSource:
    """An image without a map grid, located by ground control points (e.g. Sentinel-1 GRD).

    Attributes:
      shape: ``(lines, pixels)`` of the image.
      line, pixel: ``(n,)`` image positions (pixel-centre indices) of the GCPs.
      lon, lat: ``(n,)`` their longitude and latitude (deg, WGS 84).
    """

    shape: tuple[int, int]
    line: np.ndarray
    pixel: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def reproject_kwargs(self) -> dict:
        # GDAL image coordinates put (0, 0) at the outer corner: a pixel centre is at +0.5.
        gcps = [
            GroundControlPoint(row=r + 0.5, col=c + 0.5, x=x, y=y)
            for r, c, x, y in zip(self.line, self.pixel, self.lon, self.lat, strict=True)
        ]
        # thin-plate spline: exact at the GCPs, smooth between (GDAL SRC_METHOD=GCP_TPS)
        return dict(gcps=gcps, src_crs=RioCRS.from_epsg(4326), SRC_METHOD="GCP_TPS")

    @classmethod
    def from_dataset(cls, obj: xr.Dataset | xr.DataArray) -> GcpSource | None:
        """The GCPs of a scene with ``gcp_line``/``gcp_pixel``/``gcp_latitude``/``gcp_longitude``
        coordinates (the Sentinel-1 reader's layout), or None."""
        names = ("gcp_line", "gcp_pixel", "gcp_latitude", "gcp_longitude")
        if not all(n in obj.coords for n in names) or "y" not in obj.dims or "x" not in obj.dims:
            return None
        lat = np.asarray(obj["gcp_latitude"].values, np.float64)
        lon = np.asarray(obj["gcp_longitude"].values, np.float64)
        line = np.asarray(obj["gcp_line"].values, np.float64)
        pixel = np.asarray(obj["gcp_pixel"].values, np.float64)
        if lat.ndim == 2:  # (gcp_row, gcp_col) lattice
            line, pixel = np.meshgrid(line, pixel, indexing="ij")
        return cls(
            (obj.sizes["y"], obj.sizes["x"]), line.ravel(), pixel.ravel(), lon.ravel(), lat.ravel()
        )


Source = Grid | GcpSource


def _check_gcp_overlap(src: GcpSource, dst: Grid, what: str) -> None:
    try:
        t = Transformer.from_crs("EPSG:4326", CRS.from_user_input(dst.crs), always_xy=True)
    except (CRSError, ProjError) as e:
        raise SeaIceError(f"{what}: cannot transform between the grids' CRSs ({e})") from None
    with np.errstate(all="ignore"):
        x, y = t.transform(src.lon, src.lat, errcheck=False)
    pts = np.column_stack([x, y])
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0 or not shapely.intersects(
        shapely.convex_hull(shapely.multipoints(pts)), shapely.box(*dst.bounds)
    ):
        raise SeaIceError(f"{what}: no overlap with the target grid {dst.name or dst.crs[:40]}")


def _warp(arr: np.ndarray, src: Source, dst: Grid, resampling: Resampling) -> np.ndarray:
    """Reproject ``(..., H, W)`` float data from ``src`` to ``dst``; returns ``(..., h, w)``."""
    lead = arr.shape[:-2]
    dtype = np.float64 if arr.dtype == np.float64 else np.float32
    stack = np.ascontiguousarray(arr.reshape((-1,) + arr.shape[-2:]), dtype=dtype)
    out = np.full((stack.shape[0],) + dst.shape, np.nan, dtype=dtype)
    if isinstance(src, GcpSource):
        src_kw = src.reproject_kwargs()
    else:
        src_crs = RioCRS.from_wkt(CRS.from_user_input(src.crs).to_wkt())
        src_kw = dict(src_transform=src.transform, src_crs=src_crs)
    reproject(
        stack,
        out,
        src_nodata=np.nan,
        dst_transform=dst.transform,
        dst_crs=RioCRS.from_wkt(CRS.from_user_input(dst.crs).to_wkt()),
        dst_nodata=np.nan,
        resampling=resampling,
        **src_kw,
    )
    return out.reshape(lead + dst.shape)


def regrid_array(
    arr: np.ndarray,
    src: Source,
    dst: Grid,
    method: str = "average",
    *,
    what: str = "input",
    check: bool = True,
) -> np.ndarray:
    """Regrid a plain array from grid ``src`` to grid ``dst``.

    Args:
      arr: ``(..., src.height, src.width)`` values; NaN = no data. Integer/bool become float32.
      src, dst: the source grid (or :class:`GcpSource`) and the target grid (any CRS pair
        pyproj can transform).
      method: ``"average"`` | ``"bilinear"`` | ``"nearest"``.
      what: name of the input used in error messages (file or variable).
      check: test that the grids overlap first (skip when already checked).

    Returns:
      ``(..., dst.height, dst.width)`` float array, NaN where no valid input.
    """
    if method not in METHODS:
        raise SeaIceError(f"regrid method '{method}' unknown (one of {', '.join(METHODS)})")
    arr = np.asarray(arr)
    if arr.ndim < 2 or arr.shape[-2:] != src.shape:
        raise SeaIceError(f"{what}: array shape {arr.shape} does not end in grid shape {src.shape}")
    if check:
        if isinstance(src, GcpSource):
            _check_gcp_overlap(src, dst, what)
        else:
            check_overlap(src, dst, what)
    if method == "average" and isinstance(src, Grid) and not same_orientation(src, dst):
        return area_average(arr, src, dst)
    return _warp(arr, src, dst, METHODS[method])


def _data_array(da: xr.DataArray, src: Source, grid: Grid, method: str) -> xr.DataArray:
    dims = [d for d in da.dims if d not in ("y", "x")] + ["y", "x"]
    da = da.transpose(*dims)
    vals = regrid_array(da.values, src, grid, method, what=str(da.name or "array"), check=False)
    coords = {d: da[d] for d in dims[:-2] if d in da.coords}
    coords.update(y=("y", grid.y), x=("x", grid.x))
    out = xr.DataArray(vals, dims=dims, coords=coords, name=da.name, attrs=dict(da.attrs))
    out.attrs.pop("_FillValue", None)
    return out


def regrid(
    obj: xr.Dataset | xr.DataArray, grid: Grid, method: str = "average"
) -> xr.Dataset | xr.DataArray:
    """Regrid a georeferenced Dataset or DataArray onto ``grid``.

    Args:
      obj: raster(s) with dims ``(..., y, x)``, ``x``/``y`` pixel-centre coordinates and a CRS
        (``obj.rio.crs``; south-up inputs are flipped first), or an image without a CRS that
        carries ground control points (``gcp_line``, ``gcp_pixel``, ``gcp_latitude``,
        ``gcp_longitude`` coordinates, as the Sentinel-1 GRD reader gives): then GDAL warps
        through a thin-plate spline fitted to the GCPs.
      grid: the target grid.
      method: ``"average"`` (area-weighted mean; use it when coarsening), ``"bilinear"`` or
        ``"nearest"``.

    Returns:
      The same type on ``grid``: every ``(y, x)`` variable regridded (float, NaN where no valid
      input), other variables unchanged, the CRS of ``grid`` written. 2-D ``lat``/``lon``
      variables are not interpolated but recomputed for the target pixel centres.

    Raises:
      SeaIceError: no CRS nor GCPs, no overlap, a CRS pair that cannot be transformed, unknown
        method.
    """
    what = obj.attrs.get("source_path", str(getattr(obj, "name", None) or "input"))
    if obj.rio.crs is None:
        src = GcpSource.from_dataset(obj)
        if src is None:
            raise SeaIceError(f"{what}: has no CRS and no GCPs: cannot regrid")
        _check_gcp_overlap(src, grid, what)
        obj = obj.drop_vars(["gcp_line", "gcp_pixel", "gcp_latitude", "gcp_longitude"])
    else:
        obj = _north_up(obj)
        src = Grid.from_dataset(obj)
        check_overlap(src, grid, what)
    crs_wkt = grid.pyproj_crs.to_wkt()
    if isinstance(obj, xr.DataArray):
        out = _data_array(obj.drop_vars("spatial_ref", errors="ignore"), src, grid, method)
        return out.rio.write_crs(crs_wkt).rio.write_transform(grid.transform)
    out = grid.template()
    for name, da in obj.data_vars.items():
        if name == "spatial_ref":
            continue
        if name in _LONLAT and da.dims == ("y", "x"):
            continue  # positions are recomputed on the target grid, never averaged
        if "y" in da.dims and "x" in da.dims:
            out[name] = _data_array(da.drop_vars("spatial_ref", errors="ignore"), src, grid, method)
        elif "y" not in da.dims and "x" not in da.dims:
            out[name] = da.drop_vars("spatial_ref", errors="ignore")
    if any(n in obj.variables and obj[n].dims == ("y", "x") for n in _LONLAT):
        lon, lat = grid.lonlat()
        out["lon"] = (("y", "x"), lon.astype(np.float32), {"units": "degrees_east"})
        out["lat"] = (("y", "x"), lat.astype(np.float32), {"units": "degrees_north"})
    out.attrs.update(obj.attrs)
    return out.rio.write_crs(crs_wkt).rio.write_transform(grid.transform)
