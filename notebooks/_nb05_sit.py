"""05_sit_segments_features: the SIT chain on the real GLIA scene and a small Baltic season."""

from _cells import SETUP, WORK_SETUP, code, md

CELLS = [
    md("""
# Baltic sea-ice thickness: segments, texture features and the regression

The SIT chain of Karvonen et al. (FMI, X-band SAR thickness for the Baltic Sea): HH sigma0 is
corrected to 35 deg incidence (linear, -0.25 dB/deg), segmented by ICM (iterated conditional
modes, Besag 1986), described per segment by the median of sigma0 and of texture features
(entropy, autocorrelation over four directions, coefficient of variation, zero-crossing density),
and mapped to thickness by a least-squares regression that also takes the ice-chart SIT and the
HIGHTSI model SIT (with HIGHTSI modulated by each SAR feature). The estimate is finally stretched
onto each chart polygon's [min, max] thickness.

Part 1 runs the segmentation and features on the **real** GLIA Sentinel-1 EW scene (C band, no
thickness there); part 2 runs the whole chain on a small synthetic Baltic scenario with known
truth: fit on season 1, evaluate on season 2 (the layout of Table 1 of the paper).
"""),
    code(SETUP),
    code(WORK_SETUP),
    code("""
from seaice_jax.config import get

cfg = get("sit_baltic:smoke" if SMALL else "sit_baltic")
# One image size for the real crop and the synthetic seasons: ICM and the texture kernels are
# compiled once per shape, so sharing it keeps the notebook quick.
SIZE = 128 if SMALL else 512
print(cfg)
"""),
    md("""
## 1. The real GLIA scene (Belgica Bank, 2022-05-03)

`prepare_sar` applies the incidence correction and masks land and the no-data border. The small
run uses a 256 x 256 window across the coast and the fast-ice edge, sampled every second pixel.
"""),
    code("""
from seaice_jax.io import open_dataset
from seaice_jax.sit.glia import load_glia
from seaice_jax.sit.pipeline import pixel_features, prepare_sar, segment

glia_dir = sample("glia_s1_ew_belgica")
scene = open_dataset(next((glia_dir / "features").iterdir()))
glia_classes = load_glia(glia_dir)["labels"]
if SMALL:
    win = {"y": slice(300, 556, 2), "x": slice(400, 656, 2)}
else:
    win = {"y": slice(0, SIZE), "x": slice(0, SIZE)}
sub = scene.isel(win)
sub_classes = glia_classes[win["y"], win["x"]]
sigma0, valid = prepare_sar(sub, cfg.incidence)
labels, segs, info = segment(sigma0, valid, cfg.icm)
print(f"{sigma0.shape} pixels, {valid.mean():.0%} valid sea")
print("ICM:", {k: v for k, v in info.items() if k != "class_means_db"})
print("class means (dB):", np.round(info["class_means_db"], 2))
"""),
    md("""
ICM classes (K Gaussian classes with a Potts prior, checkerboard updates) and the connected
segments after small ones are merged into their most similar neighbour; the rightmost panel is
GLIA's own 4-class ice-type map (Lohse et al.), made with an incidence-angle-aware classifier,
for comparison. Class numbers are not matched between the two.
"""),
    code("""
rng = np.random.default_rng(0)
seg_colours = np.where(segs > 0, rng.permutation(segs.max() + 1)[segs], np.nan)
panels = [
    ("HH at 35 deg (dB)", sigma0, "gray"),
    (f"ICM classes (K={cfg.icm.k})", np.where(labels > 0, labels, np.nan), "viridis"),
    (f"{info['n_segments']} segments", seg_colours, "tab20"),
    ("GLIA classes", np.where(sub_classes > 0, sub_classes, np.nan), "viridis"),
]
fig, axes = plt.subplots(1, 4, figsize=(17, 4.2), layout="constrained")
for ax, (title, a, cmap) in zip(axes, panels, strict=True):
    im = ax.imshow(a, cmap=cmap, interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()
fig.colorbar(axes[0].images[0], ax=axes[0], shrink=0.7)
plt.show()
"""),
    md("""
Sliding-window texture features (window of `cfg.texture.window` pixels): Shannon entropy of the
grey tones, autocorrelation averaged over the directions (0,1), (1,0), (1,1), (1,-1), and the
coefficient of variation on linear sigma0. The zero-crossing density is a per-segment feature:
the number of connected blocks above the segment mean, divided by the segment area.
"""),
    code("""
import jax.numpy as jnp

from seaice_jax.sit.segstats import paint, segment_medians, zero_crossings

feats = pixel_features(sigma0, valid, cfg.texture)
zc = zero_crossings(jnp.asarray(sigma0), jnp.asarray(segs))
zc_map = np.where(segs > 0, np.asarray(paint(zc, jnp.asarray(segs))), np.nan)
panels = [(n, feats[n]) for n in ("entropy", "autocorrelation", "cv")]
panels.append(("zero crossings / segment area", zc_map))
fig, axes = plt.subplots(1, 4, figsize=(17, 4.2), layout="constrained")
for ax, (title, a) in zip(axes, panels, strict=True):
    im = ax.imshow(a, cmap="magma")
    ax.set_title(title)
    ax.set_axis_off()
    fig.colorbar(im, ax=ax, shrink=0.7)
plt.show()
"""),
    md("""
The regression works on segment medians, not pixels: each segment becomes one sample. The
medians are exact (`segment_medians` sorts by segment and value in JAX; one segment is checked
against `numpy.nanmedian` below). Left: pixel entropy; middle: its segment medians; right: how the
segments spread in feature space.
"""),
    code("""
names = ["sigma0", "entropy", "autocorrelation", "cv"]
stack = jnp.asarray(np.stack([feats[n] for n in names], -1))
med = np.asarray(segment_medians(stack, jnp.asarray(segs), int(segs.max())))
biggest = int(np.bincount(segs.ravel())[1:].argmax()) + 1
assert np.isclose(med[biggest, 1], np.nanmedian(feats["entropy"][segs == biggest]), atol=1e-5)
fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
axes[0].imshow(feats["entropy"], cmap="magma")
axes[0].set_title("entropy (pixels)")
axes[1].imshow(np.where(segs > 0, med[segs, 1], np.nan), cmap="magma")
axes[1].set_title("entropy (segment medians)")
sc = axes[2].scatter(med[1:, 0], med[1:, 1], c=med[1:, 3], s=8, cmap="viridis")
axes[2].set_xlabel("median sigma0 (dB)")
axes[2].set_ylabel("median entropy (bits)")
fig.colorbar(sc, ax=axes[2], label="median CV")
plt.show()
"""),
    md("""
The slope used above is the published X-band value. The C-band slopes of this scene, measured per
GLIA class by least squares over the whole scene, against published C-band values (Mäkynen &
Karvonen 2017; Mahmud et al. 2018; Howell et al. 2023):
"""),
    code("""
import pandas as pd

from seaice_jax.sit.glia import glia_class_slopes

rep = glia_class_slopes(glia_dir)
cols = ["slope", "r", "n", "mean_hh_db", "mean_hv_db"]
print(pd.DataFrame(rep["classes"]).T[cols].round(3))
print("published C-band HH slopes (dB/deg):", rep["published_c_band_hh"])
"""),
    md("""
## 2. A small Baltic season pair with known truth

`seaice_jax.sit.synthetic.make_season` writes one season in the simulator's layout (SAR on
EPSG:3395 500 m in the Bay of Bothnia, HIGHTSI, chart min/avg/max SIT, truth, icebreaker
measurements): level ice times a deformation degree, rougher (brighter) SAR where deformed, a
smooth and biased HIGHTSI without dynamics, chart blocks holding the truth's percentiles.
"""),
    code("""
from seaice_jax.sit.synthetic import make_season

seasons = {}
for i in (1, 2):
    seasons[i] = WORK / "baltic" / f"season{i}"
    seasons[i].mkdir(parents=True, exist_ok=True)
    make_season(seasons[i], seed=i, size=SIZE, n_points=150 if SMALL else 400)
print(sorted(p.name for p in seasons[1].iterdir()))
"""),
    md("""
Fit on season 1. Terms enter when the SAR feature's |r| with the measured SIT exceeds 0.25 (the
paper's rule), each followed by its HIGHTSI modulation term.
"""),
    code("""
from seaice_jax.experiments.sit_seasons import evaluate_season, fit_models
from seaice_jax.sit.season import load_season

train, test = load_season(seasons[1], cfg), load_season(seasons[2], cfg)
models = fit_models(train, cfg)
est = models["estimate"]
n_seg = train.products.info["n_segments"]
print("train:", train.period, est.n_points, "points;", n_seg, "segments")
print("r with measured SIT:", {k: round(v, 2) for k, v in est.correlations.items()})
print(pd.Series(est.coef, index=["intercept", *est.terms]).round(4).to_string())
"""),
    md("""
Evaluation on season 2's measurements (each point takes the estimate of the pixel under it): L1
difference, bias (positive = too thick), RMS difference and Pearson R, against the baselines of the
paper: ice-chart SIT, HIGHTSI SIT, and the linear chart + HIGHTSI model without SAR fitted on
season 1. On real data the paper reports a bias within 1.5 cm, L1D about 7 cm and RMSD about 9 cm
for the SAR estimate; here the numbers describe the synthetic scenario only.
"""),
    code("""
from IPython.display import Markdown, display

from seaice_jax.sit.evaluation import table1_markdown

table, maps = evaluate_season(test, models)
display(Markdown(table1_markdown(table)))
"""),
    code("""
truth = open_dataset(seasons[2] / "sit_truth.nc")["sit"].values
at_points, ref = maps["_points"], test.points["thickness"]
fields = [
    ("truth", truth),
    ("HIGHTSI", test.products.hightsi),
    ("ice chart (avg)", test.products.chart["sit_avg"]),
    ("chart + HIGHTSI linear", maps["ic_hightsi_linear"]),
    ("SAR estimate (raw)", maps["estimate_unnormalised"]),
    ("SAR estimate (chart-normalised)", maps["estimate"]),
]
vmax = float(np.nanpercentile(truth, 99))
fig, axes = plt.subplots(2, 4, figsize=(17, 8.5), layout="constrained")
for ax, (title, f) in zip(axes.flat[:6], fields, strict=True):
    im = ax.imshow(f, vmin=0, vmax=vmax, cmap="viridis")
    ax.set_title(title + " (m)")
    ax.set_axis_off()
axes[0, 0].scatter(test.cols[test.inside], test.rows[test.inside], s=3, c="r", marker="x")
fig.colorbar(im, ax=axes[:, :2], shrink=0.6, label="SIT (m)")
for ax, name in zip(axes[1, 2:], ["estimate", "ic_hightsi_linear"], strict=True):
    ax.scatter(ref, at_points[name], s=6)
    ax.plot([0, vmax], [0, vmax], "k--", lw=0.8)
    ax.set_xlabel("measured SIT (m)")
    ax.set_ylabel(name + " (m)")
plt.show()
"""),
]
