"""Simulated case (observing-system simulation with known truth), see docs/sim.md.

Run:
  seaice-jax simulate --config configs/sim.py --out out/sim          # 1024 x 1024 demo case
  seaice-jax simulate --config configs/sim.py:smoke --out /tmp/sim   # 256 x 256, for tests

Keys (lengths in m unless named ``*_px``, angles in degrees):
  seed: PRNG seed; the whole case is a deterministic function of the config.
  start_date, n_dates, date_step_days: the dates simulated (ice drifts between them).
  plots: write DIR/sic/<date>/quicklook.png (9 panels: truth, chart, SAR, AMSR2, NT, reference).
  sic.center_lon, sic.center_lat: centre of the 200 m scene (default: Fram Strait ice edge).
  sic.size_px: side of the 200 m truth/SAR scene (EPSG:3413).
  sic.region_km: side of the large PM region (3.125 km / 25 km grids), centred on the scene.
  sic.coarse_factor: the truth outside the 200 m scene and the PM forward model run at
    3125 m / coarse_factor (3: 1.04 km), so 3.125 km and 25 km cells are exact blocks of it.
  sic.edge_angle: direction of the ice edge (from the x axis); ice lies on its left.
  sic.edge_offset_km: distance from the ice edge to the scene centre, measured into the ice.
  sic.miz_width_km, sic.miz_min_conc: marginal ice zone width and concentration at the edge.
  sic.pack_conc: mean concentration of the consolidated pack before leads.
  sic.n_leads, sic.lead_width_px (min, max), sic.lead_angles (two dominant directions),
  sic.refrozen_frac: leads opening and refreezing (new ice).
  sic.floe_exponent: exponent of the cumulative floe-size power law N(>r) ~ r^-a.
  sic.myi_frac: target multiyear-ice share of the pack.
  sic.drift_km_day, sic.drift_dir, sic.rot_deg_day, sic.shear_km_day: daily drift.
  sar.*: per-sensor swath geometry and looks; sar.wind_ref: wind (m/s) of the calibration scene;
    sar.rcm_nesz_offset_db: RCM noise floor above the calibrated S1 one; sar.denoise_error: relative
    error of the noise estimate per sub-swath; sar.floor_db: product floor (dB).
  pm.*: footprint orientation, atmosphere means; reference.*: OSI-SAF-like error model.
  products.write: also write DIR/products/ (S1 .SAFE, RCM, AMSR2 L1R, NSIDC-0051, SIGRID-3 charts,
    OSI SAF reference; see docs/products.md); products.full_size: S1/RCM as full 400 km EW-size
    scenes at 40 m pixels (written in strips); products.sar_spacing_m: pixel spacing otherwise.
  baltic.row0, baltic.col0, baltic.size_px: window of the named grid baltic3395_500m (Bay of Bothnia).
  baltic.seasons: acquisition date per season (train on the first, test on the second);
  baltic.fdd: freezing-degree days (deg C day) reached by that date; baltic.model_res: HIGHTSI-like
  resolution (m); baltic.n_tracks, baltic.points_per_track: icebreaker routes; baltic.enl: X-band looks.
"""

from __future__ import annotations

import ml_collections

from seaice_jax.config import variant


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = variant(arg, ("default", "smoke"), default="default")
    c = ml_collections.ConfigDict()
    c.seed = 0
    c.start_date = "2021-09-05"
    c.n_dates = 3
    c.date_step_days = 1
    c.plots = True

    c.sic = s = ml_collections.ConfigDict()
    s.center_lon = -2.0
    s.center_lat = 79.0
    s.size_px = 1024
    s.region_km = 1600
    s.coarse_factor = 3
    s.edge_angle = 80.0
    s.edge_offset_km = 55.0
    s.miz_width_km = 45.0
    s.miz_min_conc = 0.15
    s.pack_conc = 0.99
    s.n_leads = 60
    s.lead_width_px = (1.0, 10.0)
    s.lead_angles = (60.0, 115.0)
    s.refrozen_frac = 0.35
    s.floe_exponent = 2.0
    s.myi_frac = 0.35
    s.drift_km_day = 8.0
    s.drift_dir = 250.0
    s.rot_deg_day = 1.5
    s.shear_km_day = 3.0

    c.sar = a = ml_collections.ConfigDict()
    a.wind_ref = 6.0
    a.s1_enl = 30.0
    a.rcm_enl = 20.0
    a.rcm_nesz_offset_db = 3.0
    a.flight_dir = 100.0
    a.s1_swath_km = 400.0
    a.rcm_swath_km = 350.0
    a.s1_subswaths = 5
    a.rcm_subswaths = 4
    a.denoise_error = 0.3
    a.floor_db = -49.3

    c.pm = p = ml_collections.ConfigDict()
    p.scan_angle = 20.0
    p.cloud_cover = 0.35

    c.reference = r = ml_collections.ConfigDict()
    r.res = 10_000.0
    r.smooth_km = 12.0
    r.noise_pct = 2.0
    r.edge_bias_pct = -6.0
    r.ow_cut_pct = 10.0

    c.products = pr = ml_collections.ConfigDict()
    pr.write = True
    pr.full_size = False
    pr.sar_spacing_m = 200.0

    c.baltic = b = ml_collections.ConfigDict()
    b.row0 = 450
    b.col0 = 2850
    b.size_px = 800
    b.seasons = ("2022-02-20", "2023-03-01")
    b.fdd = (900.0, 600.0)
    b.model_res = 15_000.0
    b.n_tracks = 6
    b.points_per_track = 150
    b.enl = 6.0

    if arg == "smoke":
        c.n_dates = 2
        c.plots = False
        s.size_px = 256
        s.region_km = 400
        s.edge_offset_km = 9.0
        s.miz_width_km = 18.0
        s.n_leads = 12
        s.drift_km_day = 3.0
        s.shear_km_day = 1.0
        b.row0 = 850
        b.col0 = 3350
        b.size_px = 192
        b.n_tracks = 3
        b.points_per_track = 60
    return c
