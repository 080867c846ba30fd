"""A simulated case written as the products a user downloads (DESIGN section 1.C).

``write_date_products`` writes one date of a case into the flat ``DIR/products/`` tree::

    s1/        Sentinel-1 EW GRD .SAFE folders        (safe.py)
    rcm/       RCM ScanSAR GRD product folders       (rcm.py)
    amsr2/     AMSR2 L1R HDF5 swaths, two per date    (amsr2.py)
    nt/        NSIDC-0051 NASA Team daily binaries   (grids.py)
    charts/    CIS SIGRID-3 chart shapefiles         (charts.py)
    reference/ OSI SAF SIC netCDF                    (grids.py)

each named as the real product is, with its acquisition time in the name and the metadata. The
fields are the simulator's own (the arrays it also writes under ``sic/<date>/``), so a reader of
these files gets back the sim's sigma0, brightness temperatures, NT, chart and reference within
the rounding of each format (tests/test_sim_products.py). Times, identifiers and AMSR2 radiometer
noise draw from their own random stream, so writing products changes nothing else of a case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import jax
import numpy as np

from seaice_jax.names import TB_VARS
from seaice_jax.sim import sar
from seaice_jax.sim.geometry import CaseGrids
from seaice_jax.sim.pm import FOOTPRINT_KM, NEDT_K, PMModel
from seaice_jax.sim.products import amsr2, charts, grids, rcm, safe
from seaice_jax.sim.products.sarimage import MapLayer, MapSampler
from seaice_jax.sim.products.swath import acquisition

FULL_SIZE_SPACING_M = 40.0  # Sentinel-1 EW GRDM pixel spacing


@dataclasses.dataclass(frozen=True)
class SarDraw:
    """What the simulator drew for one SAR acquisition (map geometry, 200 m scene)."""

    sensor: sar.Sensor
    flight_deg: float
    range_at_centre: float
    noise_key: jax.Array
    hh_db: np.ndarray  # (H, W) sigma0 over the whole scene (land included), dB
    hv_db: np.ndarray
    covered: np.ndarray  # (H, W) bool: inside the swath


@dataclasses.dataclass(frozen=True)
class DateFields:
    """The fields of one simulated date that the products carry."""

    date: str
    index: int
    seed: int
    grids: CaseGrids
    sar: dict[str, SarDraw]
    pm: PMModel
    tb_surface: jax.Array  # (7, H, W) top-of-atmosphere TBs on grids.coarse, before the antenna
    nt_sic: np.ndarray  # (h, w) NT SIC (%) on grids.pm25
    land25: np.ndarray
    chart_geoms: list
    chart_attrs: dict
    ref_sic: np.ndarray  # (h, w) on grids.ref, NaN on land
    ref_noise_pct: float
    coarse_sar: dict[str, dict[str, np.ndarray]] | None = None  # full size: sensor -> pol -> dB


def _utc(date: str, hours: float) -> dt.datetime:
    d = dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC)
    return (d + dt.timedelta(hours=hours)).replace(microsecond=0)


def _sar(f: DateFields, name: str, start: dt.datetime, out: Path, cfg, rng) -> tuple[str, dict]:
    d = f.sar[name]
    s = d.sensor
    spacing = FULL_SIZE_SPACING_M if cfg.full_size else float(cfg.sar_spacing_m)
    acq = acquisition(name, s.swath_m, s.inc_near, s.inc_far, d.flight_deg, d.range_at_centre,
                      f.grids.scene, start, spacing_m=spacing, full_size=bool(cfg.full_size))  # fmt: skip
    layers = [MapLayer(f.grids.scene, {p: np.where(d.covered, 10.0 ** (a / 10.0), np.nan)
                                       for p, a in (("hh", d.hh_db), ("hv", d.hv_db))})]  # fmt: skip
    if cfg.full_size:
        if f.coarse_sar is None:
            raise ValueError("full-size products need the coarse SAR fields")
        layers.append(MapLayer(f.grids.coarse, {p: 10.0 ** (a / 10.0)
                                                for p, a in f.coarse_sar[name].items()}))  # fmt: skip
    strip = 256 if cfg.full_size else 512
    params = sar.noise_params(d.noise_key, s)
    if name == "s1":
        path, summary = safe.write_safe(out / "s1", acq, MapSampler(acq, layers), s, params, rng,
                                        strip=strip)  # fmt: skip
    else:
        acq = rcm.rcm_orientation(acq)
        path, summary = rcm.write_rcm(out / "rcm", acq, MapSampler(acq, layers), s, params, rng,
                                      strip=strip)  # fmt: skip
    return path.name, summary


def _amsr2(f: DateFields, starts: list[dt.datetime], out: Path, rng) -> list[str]:
    tb = f.tb_surface
    res23 = np.asarray(f.pm.antenna(tb, FOOTPRINT_KM["23_8"]))
    orig89 = np.asarray(f.pm.antenna(tb[5:7], FOOTPRINT_KM["89_0"]))
    heading = rng.uniform(0.0, 360.0)
    names = []
    for start, turn in zip(starts, (0.0, 180.0), strict=True):
        p = amsr2.amsr2_pass(f.grids.coarse, start, heading + turn + rng.normal(0, 10),
                             rng.normal(0.0, 100e3))  # fmt: skip
        lo = amsr2.sample_tb(res23, f.grids.coarse, p.x[:, ::2], p.y[:, ::2])
        hi = amsr2.sample_tb(orig89, f.grids.coarse, p.x, p.y)
        nedt = np.array([NEDT_K[v[3:7]] for v in TB_VARS])[:, None, None]
        lo = lo + nedt * rng.standard_normal(lo.shape)
        hi = hi + NEDT_K["89_0"] * rng.standard_normal(hi.shape)
        path = amsr2.write_l1r(out / "amsr2", p, {v: lo[i] for i, v in enumerate(TB_VARS)},
                               {"h": hi[0], "v": hi[1]})  # fmt: skip
        names.append(path.name)
    return names


def write_date_products(f: DateFields, out: Path, cfg) -> dict:
    """Write every product of one date under ``out`` (the case's ``products/`` folder).

    Args:
      f: the date's fields.
      out: the products folder.
      cfg: the ``products`` config (``full_size``, ``sar_spacing_m``).

    Returns:
      ``{kind: [paths relative to out]}`` and the SAR writers' summaries.
    """
    rng = np.random.default_rng([int(f.seed), 12, int(f.index)])
    date = dt.date.fromisoformat(f.date)
    s1_name, s1_sum = _sar(f, "s1", _utc(f.date, rng.uniform(6.5, 8.5)), out, cfg, rng)
    rcm_name, rcm_sum = _sar(f, "rcm", _utc(f.date, rng.uniform(9.0, 11.0)), out, cfg, rng)
    passes = [_utc(f.date, rng.uniform(2.0, 4.0)), _utc(f.date, rng.uniform(12.0, 14.0))]
    amsr = _amsr2(f, passes, out, rng)
    nt = grids.write_nsidc0051(out / "nt", date, f.nt_sic, f.land25, f.grids.pm25)
    chart, _ = charts.write_sigrid3(out / "charts", date, f.chart_geoms, f.chart_attrs,
                                    f.grids.coarse.crs)  # fmt: skip
    x = np.clip(np.nan_to_num(f.ref_sic) / 100.0, 0.0, 1.0)
    unc = np.where(np.isfinite(f.ref_sic), f.ref_noise_pct * (1.0 + 8.0 * x * (1.0 - x)), np.nan)
    ref = grids.write_osisaf(out / "reference", date, f.ref_sic, unc, ~np.isfinite(f.ref_sic),
                             f.grids.ref)  # fmt: skip
    return {
        "s1": [f"s1/{s1_name}"],
        "rcm": [f"rcm/{rcm_name}"],
        "amsr2": [f"amsr2/{n}" for n in amsr],
        "nt": [f"nt/{nt.name}"],
        "chart": [f"charts/{chart.name}"],
        "reference": [f"reference/{ref.name}"],
        "saturated": {"s1": s1_sum["saturated"], "rcm": rcm_sum["saturated"]},
    }
