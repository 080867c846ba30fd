"""01_real_inputs: every real sample file opened through the readers."""

from _cells import SETUP, code, md

CELLS = [
    md("""
# The real sample inputs

Every sample file (from `SEAICE_JAX_DATA`, else the data catalogue's cache) opened through
`seaice_jax.io.open_dataset`, which detects the format from the content and returns the project's one in-memory form (an `xarray.Dataset` with
standard variable names and, where the format has one, a CRS). `seaice-jax fetch --list` shows
where each file comes from.
"""),
    code(SETUP),
    code("""
from seaice_jax.io import open_dataset

glia = open_dataset(next((sample("glia_s1_ew_belgica") / "features").iterdir()))
ok = glia.valid.values.astype(bool) & ~glia.land_mask.values.astype(bool)
print(glia)
hh, hv = np.mean(glia.hh.values[ok]), np.mean(glia.hv.values[ok])
print(f"HH mean {hh:.2f} dB, HV mean {hv:.2f} dB over valid sea pixels")
"""),
    md("""
Sentinel-1 EW scene (Belgica Bank, 2022-05-03): HH, HV (thermal noise removed) and incidence
angle.
"""),
    code("""
fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
lims = [("hh", (-25, 0)), ("hv", (-32, -15)), ("incidence_angle", (18, 47))]
for ax, (v, lim) in zip(axes, lims, strict=True):
    im = ax.imshow(glia[v].where(glia.valid > 0), vmin=lim[0], vmax=lim[1], cmap="gray")
    ax.set_title(v)
    fig.colorbar(im, ax=ax, shrink=0.8)
plt.show()
"""),
    md("NASA Team (NSIDC-0051, SSMIS F17, 2017-10-02) and OSI SAF SIC (EASE2, 2019-09-10)."),
    code("""
nt = open_dataset(sample("nsidc0051_nasateam") / "nt_20171002_f17_v1.1_n.bin")
osi = open_dataset(sample("osisaf_sic") / "cf_nh25km.nc")
print("NT CRS:", nt.rio.crs, " OSI SAF CRS:", osi.rio.crs.to_string()[:60], "...")
fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
axes[0].imshow(nt.sic, vmin=0, vmax=100, cmap="Blues_r")
axes[0].set_title("NSIDC-0051 NT SIC (%)")
axes[1].imshow(osi.sic.squeeze(), vmin=0, vmax=100, cmap="Blues_r")
axes[1].set_title("OSI SAF SIC (%)")
plt.show()
"""),
    md("""
ESA CCI RRDP points: AMSR2 brightness temperatures at 0 % and 100 % SIC, the clouds that the
NASA Team tie points sit in.
"""),
    code("""
rr_dir = sample("esa_cci_sic_rrdp_amsr2")
ice = open_dataset(next(rr_dir.glob("*DTUSIC1*")))
ow = open_dataset(next(rr_dir.glob("*DMISIC0*")))
fig, ax = plt.subplots(figsize=(6, 5))
for d, lab in [(ice, "100 % ice"), (ow, "0 % water")]:
    pr = (d.tb_18_7v - d.tb_18_7h) / (d.tb_18_7v + d.tb_18_7h)
    gr = (d.tb_36_5v - d.tb_18_7v) / (d.tb_36_5v + d.tb_18_7v)
    ax.scatter(pr, gr, s=3, label=lab)
ax.set_xlabel("PR(18.7)")
ax.set_ylabel("GR(36.5V/18.7V)")
ax.legend()
plt.show()
"""),
    md("""
A CIS SIGRID-3 ice chart rasterised onto a 5 km grid in its own projection: SIC from CT, and the
chart classes used to weight the training loss.
"""),
    code("""
import shapely

from seaice_jax.geo import Grid
from seaice_jax.io.charts import rasterize_chart, read_chart

chart = read_chart(sample("cis_sigrid3_shp") / "shapefile.shp")
print(len(chart), "polygons; CRS:", chart.crs.name)
xmin, ymin, xmax, ymax = shapely.total_bounds(chart.geometry)
res = 5000.0
nx, ny = int((xmax - xmin) // res) + 1, int((ymax - ymin) // res) + 1
g = Grid(chart.crs.to_wkt(), xmin, ymax, res, nx, ny)
sic = rasterize_chart(chart, g, what="sic")
cls = rasterize_chart(chart, g, what="class")
fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
axes[0].imshow(sic, vmin=0, vmax=100, cmap="Blues_r")
axes[0].set_title("chart SIC from CT (%)")
axes[1].imshow(cls, cmap="viridis")
axes[1].set_title("0 open water, 1 MIZ, 2 consolidated")
plt.show()
"""),
    md("In-situ thickness: the ECCC Eureka 2014 drill holes (landfast first-year ice)."),
    code("""
pts = open_dataset(sample("eccc_eureka2014_insitu") / "ECCCEureka2014.h5")
lo, hi = float(pts.thickness.min()), float(pts.thickness.max())
print(dict(pts.sizes), f"thickness {lo:.2f}-{hi:.2f} m")
plt.hist(pts.thickness, bins=20)
plt.xlabel("ice thickness (m)")
plt.show()
"""),
]
