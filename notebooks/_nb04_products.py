"""04_products_fusion: the SIC products of a held-out simulated day, their fusion and scores."""

from _cells import SETUP, WORK_SETUP, code, md
from _nb02_sim import SIMULATE
from _nb03_training import TRAIN

CELLS = [
    md("""
# Products and fusion on a held-out day

The products of Heffring & Xu on one simulated day that no model was trained on, all on the
200 m truth grid: the SAR model's SIC (sliding-window inference with overlapping, tapered
tiles, and a per-pixel uncertainty), NASA Team bilinearly interpolated (`nt_bilinear`), a
classic pan-sharpening baseline (NT sharpened with a linear SAR SIC model, no learning), and the
**fusion** of every product by its uncertainty and resolution after the 18.7/89 GHz weather
mask: inverse-variance weights, with a representativeness error that grows with the footprint
and is largest where a coarse footprint mixes ice and water (`seaice_jax/fusion.py`). Each is
scored against the 200 m truth and the 10 km OSI-SAF-like reference.

Models: set `SEAICE_JAX_NB_TRAIN` to a folder of trained workdirs named `s1`, `rcm`, `amsr2`
(e.g. `out/demo/train` after `make demo`); otherwise the `:smoke` models are trained here on the
small simulated case (the S1 model only in the small run; notebook 03 shows their training).
"""),
    code(SETUP),
    code(WORK_SETUP),
    code(SIMULATE),
    code(TRAIN),
    code("""
from seaice_jax.predictor import load_predictor

PRODUCT_OF = {"s1": "s1", "rcm": "rcm", "amsr2": "amsr2_89"}
given = os.environ.get("SEAICE_JAX_NB_TRAIN")
if given:
    workdirs = {k: Path(given) / k for k in PRODUCT_OF if (Path(given) / k / "summary.json").exists()}
else:
    workdirs = {k: trained(k) for k in MODELS}
predictors = {PRODUCT_OF[k]: load_predictor(wd) for k, wd in workdirs.items()}
CASE = simulated_case()
case = json.loads((CASE / "case.json").read_text())
day = CASE / "sic" / case["dates"][-1]  # the last date is the held-out validation date
print("models:", {k: str(wd) for k, wd in workdirs.items()})
print("held-out day:", day.name)
"""),
    code("""
from seaice_jax.experiments.case import make_products, score_products
from seaice_jax.io import open_dataset

products = make_products(day, WORK / "products" / day.name, predictors)
truth = open_dataset(day / "truth_200m.nc")
s1 = open_dataset(day / "s1_200m.nc")
print("products:", list(products), "written to", WORK / "products" / day.name)
"""),
    md("""
The truth, the S1 HH the SAR model saw, every product, the fused map, its uncertainty (1 sigma)
and which product carries the largest weight at each pixel.
"""),
    code("""
from matplotlib.colors import ListedColormap

from seaice_jax import fusion

fused = products["fused"]
sic_panels = [("truth", truth.sic)] + [(n, ds.sic) for n, ds in products.items()]
n_cols = 4
n_rows = -(-(len(sic_panels) + 3) // n_cols)
fig, axes = plt.subplots(n_rows, n_cols, figsize=(4.3 * n_cols, 4 * n_rows), layout="constrained")
axes = axes.ravel()
for ax, (name, a) in zip(axes, sic_panels, strict=False):  # more axes than panels
    im = ax.imshow(a, cmap="Blues_r", vmin=0, vmax=100, interpolation="nearest")
    ax.set_title(f"{name} SIC (%)")
fig.colorbar(im, ax=axes[0], shrink=0.7)
k = len(sic_panels)
axes[k].imshow(s1.hh.where(s1.valid > 0), cmap="gray", vmin=-30, vmax=0)
axes[k].set_title("S1 HH (dB)")
im = axes[k + 1].imshow(fused.sic_uncertainty, cmap="magma", vmin=0)
axes[k + 1].set_title("fused uncertainty (%)")
fig.colorbar(im, ax=axes[k + 1], shrink=0.7)
dom = fused.dominant.values.astype(float)
cmap = ListedColormap(["tab:orange", "tab:green", "tab:purple", "tab:blue"])
im = axes[k + 2].imshow(np.where(dom >= 0, dom, np.nan), cmap=cmap, vmin=-0.5, vmax=3.5,
                        interpolation="nearest")
axes[k + 2].set_title("dominant product")
cb = fig.colorbar(im, ax=axes[k + 2], shrink=0.7, ticks=range(4))
cb.ax.set_yticklabels(fusion.PRODUCTS)
for ax in axes:
    ax.set_axis_off()
plt.show()
"""),
    md("""
Scores on the held-out day (SIC in %; land excluded; each product where it has data), against
the 200 m truth overall and per chart class (open water, MIZ, consolidated ice), and against the
OSI-SAF-like reference after area-averaging onto its 10 km grid. With the smoke model the SAR
product is only a few steps trained: the numbers check the path, they are not the project's
skill (that is `seaice-jax demo`'s `metrics.json`).
"""),
    code("""
import pandas as pd

scores = score_products(day, products)
cols = ["r2", "rmse", "mae", "bias", "n"]
vs_truth = pd.DataFrame({p: {k: m[k] for k in cols} for p, m in scores["vs_truth"].items()}).T
per_class = pd.DataFrame({
    p: {c: m["per_class"][c]["mae"] for c in m["per_class"]} for p, m in scores["vs_truth"].items()
}).T.add_prefix("mae_")
print("vs 200 m truth:")
print(vs_truth.join(per_class).round(3).to_string())
print("\\nvs OSI-SAF-like (10 km):")
print(pd.DataFrame(scores["vs_osisaf_like"]).T[cols].round(3).to_string())
"""),
    code("""
t = truth.sic.values
sea = truth.land_mask.values == 0
fig, axes = plt.subplots(1, len(products), figsize=(4 * len(products), 3.8), layout="constrained")
for ax, (name, ds) in zip(axes, products.items(), strict=True):
    p = ds.sic.values
    m = sea & np.isfinite(p) & np.isfinite(t)
    ax.hist2d(t[m], p[m], bins=40, range=[[0, 100], [0, 100]], cmap="Greys", cmin=1)
    ax.plot([0, 100], [0, 100], "r--", lw=0.8)
    ax.set(xlabel="truth SIC (%)", ylabel=f"{name} (%)",
           title=f"{name}: MAE {scores['vs_truth'][name]['mae']:.1f} %")
plt.show()
"""),
]
