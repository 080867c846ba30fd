"""03_training_curves: train loss / validation L1 of a workdir and the Table-1 summary."""

from _cells import SETUP, WORK_SETUP, code, md
from _nb02_sim import SIMULATE

#: Defines ``trained(kind)``: the ``:smoke`` model trained on the simulated case, once.
TRAIN = """
from seaice_jax.train.loop import train

MODELS = ("s1",) if SMALL else ("s1", "rcm", "amsr2")


def trained(kind: str) -> Path:
    \"\"\"Workdir of the ``:smoke`` model ``kind`` on the simulated case (trained if missing).\"\"\"
    wd = WORK / "train" / f"{kind}_smoke"
    if not (wd / "summary.json").exists():  # summary.json is written last
        cfg = get(f"sic_{kind}:smoke")
        cfg.data.sim_config = ""  # train on the shared simulated case, not a new one
        cfg.data.sources = (str(simulated_case()),)
        cfg.total_steps = 12 if SMALL else 60
        train(cfg, wd)
    return wd
"""

CELLS = [
    md("""
# Training curves and the Table-1 summary

The SIC models (a high-resolution transformer that pan-sharpens NASA Team SIC, Heffring & Xu)
are trained on 256 x 256 tiles (smaller here) with NT SIC quantised to 11 classes as the target
and a *geographically weighted L1* loss: per-pixel weights from the ice chart, open water
highest, consolidated ice medium, MIZ lowest (L1 because the NT reference has outliers). The
paper reports, per model, the best validation L1 and the epoch where it converged (S1 4.05e-5 at
epoch 29, RCM 4.08e-5 at 36, AMSR2-89 3.14e-5 at 48, after 50 epochs).

`seaice-jax train --config configs/sic_s1.py:smoke --workdir W` writes `W/metrics.jsonl` (one
JSON object per logged step: `train_loss`, `lr`, `grad_norm`, `param_norm`, and `val_l1` at
evaluations) and `W/summary.json`. Set `SEAICE_JAX_NB_WORKDIR=W` to look at an existing run
(e.g. `out/demo/train/s1` after `make demo`); otherwise the notebook trains the `:smoke` S1 model
for a few steps on the small simulated case (the same one notebook 02 shows).
"""),
    code(SETUP),
    code(WORK_SETUP),
    code(SIMULATE),
    code(TRAIN),
    code("""
given = os.environ.get("SEAICE_JAX_NB_WORKDIR")
if given:
    workdirs = [Path(given)]
    # Sibling runs (out/demo/train/{s1,rcm,amsr2}) join the Table-1 summary.
    siblings = sorted(Path(given).parent.glob("*/summary.json"))
    workdirs += [p.parent for p in siblings if p.parent != Path(given)]
else:
    workdirs = [trained(kind) for kind in MODELS]
print("workdirs:", *workdirs, sep="\\n  ")
"""),
    code("""
import pandas as pd

runs = {wd.name: pd.read_json(wd / "metrics.jsonl", lines=True) for wd in workdirs}
log = runs[workdirs[0].name]
print(log.tail().to_string(index=False))
"""),
    md("""
Training loss (per logged step, the weighted L1 of the batch), validation L1 at each evaluation
(once per epoch by default), and the learning-rate schedule (warm-up, then cosine decay). The
gradient norm is clipped; a non-finite loss stops training with the last good checkpoint named.
"""),
    code("""
fig, axes = plt.subplots(1, 3, figsize=(16, 4.2), layout="constrained")
for name, m in runs.items():
    loss = m["train_loss"].to_numpy()
    k = max(1, len(loss) // 10)  # running mean over ~10 % of the run: batch losses are noisy
    smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
    (line,) = axes[0].plot(m["step"].to_numpy()[k - 1 :], smooth, label=name)
    axes[0].plot(m["step"], loss, alpha=0.3, color=line.get_color())
    if "val_l1" in m:
        v = m.dropna(subset=["val_l1"])
        axes[1].plot(v["step"], v["val_l1"], "o-", label=name)
        best = v.loc[v["val_l1"].idxmin()]
        axes[1].annotate(f"best, epoch {int(best['epoch'])}", (best["step"], best["val_l1"]),
                         textcoords="offset points", xytext=(4, 6), fontsize=8)
    axes[2].plot(m["step"], m["lr"], label=name)
axes[0].set(xlabel="step", ylabel="weighted L1", title="train loss")
axes[1].set(xlabel="step", ylabel="L1", title="validation L1")
axes[2].set(xlabel="step", ylabel="learning rate", title="schedule")
for ax in axes:
    ax.legend()
plt.show()
"""),
    md("""
The Table-1 summary of the run(s): training and validation tiles, best validation L1 and the
epoch it was reached (`seaice_jax.evaluate.figures.table1`, the table the demo writes). On the
smoke configuration the numbers only show that the pipeline learns; the paper's values come from
`configs/sic_*.py:paper` on real data.
"""),
    code("""
from IPython.display import Markdown, display

from seaice_jax.evaluate.figures import table1

# seaice_jax.evaluate.figures selects the file backend (Agg) on import; draw inline again.
plt.switch_backend("module://matplotlib_inline.backend_inline")
text = table1([wd / "summary.json" for wd in workdirs], WORK / "table1.md")
display(Markdown(text))
summary = json.loads((workdirs[0] / "summary.json").read_text())
print({k: summary[k] for k in ("model", "variant", "params", "steps", "steps_per_epoch",
                                "train_dates", "val_dates") if k in summary})
"""),
]
