"""02_simulated_scene: one simulated day (truth, SAR, PM, NASA Team, chart, reference)."""

from _cells import SETUP, WORK_SETUP, code, md

#: Defines ``simulated_case()``: the ``:smoke`` case, simulated once per work folder (later
#: notebooks reuse it).
SIMULATE = """
import json

from seaice_jax.config import get
from seaice_jax.sim import simulate


def simulated_case() -> Path:
    \"\"\"The simulated case under WORK (``configs/sim.py:smoke`` when SMALL), made on first use.\"\"\"
    case_dir = WORK / ("sim_smoke" if SMALL else "sim")
    if not (case_dir / "case.json").exists():  # case.json is written last: present = complete
        simulate(get("sim:smoke" if SMALL else "sim"), case_dir, progress=not SMALL)
    return case_dir
"""

CELLS = [
    md("""
# A simulated scene: the truth and what each sensor makes of it

No public dataset holds SAR, passive microwave and a reference on the same day and place, and
no 200 m SIC truth exists anywhere, so the project simulates (an observing-system simulation
experiment): a known 200 m truth at a Fram Strait ice edge and, from it, Sentinel-1 EW and RCM
HH/HV, AMSR2 brightness temperatures at 3.125 km and 25 km, NASA Team SIC, a SIGRID-3 chart and
an OSI-SAF-like reference, with statistics calibrated on the real GLIA scene and RRDP points.
This is the setting of Heffring & Xu (SAR + AMSR2 fusion at 200 m); every skill number the
project reports on SIC is measured against this truth.

The small run simulates `configs/sim.py:smoke` (256 x 256 at 200 m, a 400 km PM region).
"""),
    code(SETUP),
    code(WORK_SETUP),
    code(SIMULATE),
    code("""
from seaice_jax.io import open_dataset

CASE = simulated_case()
case = json.loads((CASE / "case.json").read_text())
DAYS = sorted(p for p in (CASE / "sic").iterdir() if p.is_dir())
print("seed", case["seed"], "dates", case["dates"], "grids", list(case["grids"]))

day = DAYS[0]
truth = open_dataset(day / "truth_200m.nc")
s1 = open_dataset(day / "s1_200m.nc")
nt = open_dataset(day / "nt_25km.nc")
print(day.name, sorted(p.name for p in day.iterdir()))
print("truth:", dict(truth.sizes), truth.rio.crs, "res", float(abs(truth.x[1] - truth.x[0])), "m")
print(f"S1 swath covers {float(s1.valid.mean()):.0%} of the scene")
"""),
    md("""
## The 200 m truth and the Sentinel-1 view of it

SIC (%), ice type (0 water, 1 first-year, 2 multiyear) and the chart class the loss weights use
(0 open water, 1 MIZ, 2 consolidated); then HH and HV (dB) and the incidence angle across the
swath. HH shows floes and leads; HV is much darker over water, where it sits near the noise floor.
"""),
    code("""
ok = s1.valid.values > 0
panels = [
    ("truth SIC (%)", truth.sic, "Blues_r", (0, 100)),
    ("ice type", truth.ice_type, "viridis", (0, 2)),
    ("chart class", truth.chart_class, "viridis", (0, 2)),
    ("S1 HH (dB)", s1.hh.where(ok), "gray", (-30, 0)),
    ("S1 HV (dB)", s1.hv.where(ok), "gray", (-38, -15)),
    ("incidence angle (deg)", s1.incidence_angle.where(ok), "magma", (None, None)),
]
fig, axes = plt.subplots(2, 3, figsize=(14, 9), layout="constrained")
for ax, (title, a, cmap, (lo, hi)) in zip(axes.flat, panels, strict=True):
    im = ax.imshow(a, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()
    fig.colorbar(im, ax=ax, shrink=0.75)
plt.show()
"""),
    md("""
## The HV noise pattern

Over open water HV backscatter lies below the receiver's noise floor, so what the product shows
there is mostly the *residual* of thermal-noise removal: steps between the five EW sub-swaths
and scalloping along azimuth (the residuals Park et al. 2018 describe for Sentinel-1 EW). The
smoke scene is only 51 km wide, inside one sub-swath, so the pattern is shown first over a
whole 400 km EW swath of calm open water at 1 km, with the simulator's own noise model and
calibrated class table (`seaice_jax.sim.sar`); the true HV of the water is the flat curve, the
rest is noise.
"""),
    code("""
import jax
import jax.numpy as jnp

from seaice_jax.sim import calibration, sar

cal = calibration.load()
s1_sensor = sar.sensors(get("sim:smoke"), case["sensors"]["s1"]["nesz_db"])["s1"]
rng_m, along = np.meshgrid(np.arange(0, s1_sensor.swath_m, 1000.0), np.arange(0, 150e3, 1000.0))
n_true, n_est = sar.noise_fields(jax.random.key(0), jnp.asarray(rng_m, jnp.float32),
                                 jnp.asarray(along, jnp.float32), s1_sensor)
inc_swath = s1_sensor.inc_near + (s1_sensor.inc_far - s1_sensor.inc_near) * rng_m / s1_sensor.swath_m
params = jnp.asarray(calibration.sar_params(cal))
hv_water = 10 ** (sar.class_sigma0_db(params, jnp.asarray(inc_swath), jnp.zeros((4, *rng_m.shape)), 1)[0] / 10)
looks = jax.random.gamma(jax.random.key(1), s1_sensor.enl, rng_m.shape) / s1_sensor.enl
hv_obs = 10 * np.log10(np.maximum(looks * (hv_water + n_true) - n_est, 10 ** (s1_sensor.floor_db / 10)))
fig, axes = plt.subplots(1, 2, figsize=(15, 4.5), layout="constrained")
km = [0, s1_sensor.swath_m / 1e3, 150, 0]
im = axes[0].imshow(hv_obs, cmap="gray", vmin=-40, vmax=-25, extent=km, aspect="auto")
axes[0].set_xlabel("range from the near edge (km)")
axes[0].set_ylabel("azimuth (km)")
axes[0].set_title("simulated S1 EW HV over calm open water (dB)")
fig.colorbar(im, ax=axes[0])
x_km = rng_m[0] / 1e3
axes[1].plot(x_km, hv_obs.mean(0), label="observed HV (azimuth mean)")
axes[1].plot(x_km, 10 * np.log10(np.asarray(hv_water)[0]), label="true HV of the water")
axes[1].plot(x_km, 10 * np.log10(np.asarray(n_true).mean(0)), "--", label="thermal noise (NESZ)")
for j in range(1, s1_sensor.n_sub):
    axes[1].axvline(j * s1_sensor.swath_m / s1_sensor.n_sub / 1e3, color="k", lw=0.5)
axes[1].set_xlabel("range from the near edge (km)")
axes[1].set_ylabel("dB")
axes[1].legend()
plt.show()
"""),
    md("""
On the simulated scene: HV where the truth is open water (no structure, only noise and speckle),
and the HH-HV cross-correlation layer (local normalised cross-correlation in a small window), which
keeps structure seen by both channels (floe edges, leads) and stays low where HV is noise; the SAR
models take it as their third channel.
"""),
    code("""
from seaice_jax.sar.xcorr import cross_correlation

water = ok & (truth.sic.values < 1) & (truth.land_mask.values == 0)
xc = np.asarray(cross_correlation(jnp.asarray(s1.hh.values), jnp.asarray(s1.hv.values),
                                  jnp.asarray(ok)))
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
im = axes[0].imshow(np.where(water, s1.hv.values, np.nan), cmap="gray", vmin=-40, vmax=-25)
axes[0].set_title("S1 HV where the truth is open water (dB)")
fig.colorbar(im, ax=axes[0], shrink=0.8)
im = axes[1].imshow(np.where(ok, xc, np.nan), cmap="RdBu_r", vmin=-1, vmax=1)
axes[1].set_title("HH-HV cross-correlation")
fig.colorbar(im, ax=axes[1], shrink=0.8)
for ax in axes:
    ax.set_axis_off()
plt.show()
xc_water = np.nanmean(np.abs(xc[water]))
xc_ice = np.nanmean(np.abs(xc[ok & (truth.sic.values > 90)]))
print(f"mean |xcorr| over open water {xc_water:.2f}, over pack ice (>90 %) {xc_ice:.2f}")
"""),
    md("""
## Passive microwave and NASA Team

AMSR2 brightness temperatures are simulated at their footprints over the whole PM region
(89.0 GHz H at 3.125 km; 18.7 GHz V at 25 km), NASA Team SIC computed from them (Cavalieri et
al. tie points for AMSR2) with the standard GR(37/19), GR(22/19) weather filter and the
18.7/89 GHz mask. The red box is the 200 m scene.
"""),
    code("""
amsr_hi = open_dataset(day / "amsr2_3125m.nc")
amsr_lo = open_dataset(day / "amsr2_25km.nc")
truth_pm = open_dataset(day / "truth_3125m.nc")
g = case["grids"]["scene"]
box_x = [g["x0"], g["x0"] + g["width"] * g["res"]]
box_y = [g["y0"] - g["height"] * g["res"], g["y0"]]


def show(ax, da, title, **kw):
    ext = [float(da.x.min()), float(da.x.max()), float(da.y.min()), float(da.y.max())]
    im = ax.imshow(da.values, extent=ext, origin="upper", **kw)
    ax.plot([box_x[0], box_x[1], box_x[1], box_x[0], box_x[0]],
            [box_y[0], box_y[0], box_y[1], box_y[1], box_y[0]], "r-", lw=1)
    ax.set_title(title)
    ax.set_axis_off()
    return im


fig, axes = plt.subplots(1, 4, figsize=(18, 4.5), layout="constrained")
for ax, (da, title, kw) in zip(axes, [
    (truth_pm.sic, "truth SIC at 3.125 km (%)", {"cmap": "Blues_r", "vmin": 0, "vmax": 100}),
    (amsr_hi.tb_89_0h, "AMSR2 89.0H (K), 3.125 km", {"cmap": "inferno"}),
    (amsr_lo.tb_18_7v, "AMSR2 18.7V (K), 25 km", {"cmap": "inferno"}),
    (nt.sic, "NASA Team SIC (%), 25 km", {"cmap": "Blues_r", "vmin": 0, "vmax": 100}),
], strict=True):
    fig.colorbar(show(ax, da, title, **kw), ax=ax, shrink=0.8)
plt.show()
print("weather-flagged NT cells:", int(nt.weather_mask.sum()), "(GR filter),",
      int(nt.weather_mask_89.sum()), "(18.7/89 GHz mask) of", nt.sic.size)
"""),
    md("""
NASA Team against the truth averaged onto its own 25 km grid (area average). Over the pack NT
is close to the truth; at the ice edge the footprint smears the edge, and the weather filters,
which exist to remove spurious ice over open water, can also set low-concentration MIZ cells to 0
(points on the horizontal axis). These are the errors the 200 m SAR models and the fusion are
meant to remove.
"""),
    code("""
from seaice_jax.geo import Grid, regrid

nt_grid = Grid.from_dataset(nt)
truth25 = regrid(truth_pm.sic, nt_grid, "average").values
land = nt.land_mask.values > 0
diff = np.where(land, np.nan, nt.sic.values - truth25)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
im = show(axes[0], nt.sic.copy(data=diff), "NT - truth (%), 25 km", cmap="RdBu_r",
          vmin=-40, vmax=40)
fig.colorbar(im, ax=axes[0], shrink=0.8)
axes[1].scatter(truth25[~land], nt.sic.values[~land], s=10)
axes[1].plot([0, 100], [0, 100], "k--", lw=0.8)
axes[1].set_xlabel("truth SIC (%)")
axes[1].set_ylabel("NASA Team SIC (%)")
plt.show()
d = diff[np.isfinite(diff)]
print(f"NT - truth over {d.size} sea cells: bias {d.mean():+.1f} %, RMSE {np.sqrt((d**2).mean()):.1f} %")
"""),
    md("""
## The ice chart and the OSI-SAF-like reference

The SIGRID-3 chart (polygons with CT and the partial concentrations) read back through the
readers and rasterised onto the 200 m grid, against the truth's chart classes; and the 10 km
OSI-SAF-like reference (smoothed, noisy, biased low at the ice edge, cut below 10 %), which
plays the role of the EUMETSAT OSI SAF product the paper evaluates its mosaic against.
"""),
    code("""
from seaice_jax.io.charts import rasterize_chart, read_chart

scene_grid = Grid.from_dataset(truth)
chart = read_chart(day / "chart.shp")
chart_sic = rasterize_chart(chart, scene_grid, what="sic")
chart_cls = rasterize_chart(chart, scene_grid, what="class")
osi = open_dataset(day / "osisaf_like_10km.nc")
fig, axes = plt.subplots(1, 4, figsize=(18, 4.5), layout="constrained")
axes[0].imshow(chart_sic, cmap="Blues_r", vmin=0, vmax=100)
axes[0].set_title(f"chart SIC from CT (%), {len(chart)} polygons")
axes[1].imshow(chart_cls, cmap="viridis", vmin=0, vmax=2)
axes[1].set_title("chart class (rasterised)")
axes[2].imshow(truth.chart_class, cmap="viridis", vmin=0, vmax=2)
axes[2].set_title("truth chart class")
for ax in axes[:3]:
    ax.set_axis_off()
fig.colorbar(show(axes[3], osi.sic, "OSI-SAF-like SIC (%), 10 km", cmap="Blues_r", vmin=0,
                  vmax=100), ax=axes[3], shrink=0.8)
plt.show()
agree = np.isfinite(chart_cls) & (truth.land_mask.values == 0)
print(f"chart class = truth chart class on {np.mean(chart_cls[agree] == truth.chart_class.values[agree]):.0%} of sea pixels")
"""),
]
