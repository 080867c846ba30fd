"""ICM segmentation and texture features: seaice-jax against NumPy, dipy and scikit-image/SciPy.

``run(quick)`` returns ``{"icm": {...}, "texture": {...}}`` for ``seaice-jax bench``; every
``vs_*`` is (our throughput) / (theirs), measured in the same process on the same image.

- ICM: pixels x sweeps per second, same image, classes, beta and sweep count, fixed parameters.
  ``vs_numpy``: the same checkerboard ICM vectorised in NumPy (one colour at a time);
  ``vs_numpy_sequential``: the textbook pixel-by-pixel loop (timed on a crop: it is slow);
  ``vs_dipy``: dipy's ``IteratedConditionalModes.icm_ising`` (Cython, one sweep per call).
- Texture: megapixels per second for entropy (vs ``skimage.filters.rank.entropy``),
  coefficient of variation and autocorrelation (vs ``scipy.ndimage.uniform_filter`` formulas).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from scipy import ndimage


def _image(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = (ndimage.gaussian_filter(rng.normal(size=(n, n)), n / 16) > 0).astype(int)
    t += (ndimage.gaussian_filter(rng.normal(size=(n, n)), n / 32) > 0.5).astype(int)
    return (-20 + 4 * t + rng.normal(0, 2, (n, n))).astype(np.float32)


def _best(fn, reps: int) -> float:
    best = np.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _cost_np(x, means, var):
    return 0.5 * ((x[..., None] - means) ** 2 / var + np.log(var) + np.log(2 * np.pi))


def numpy_checkerboard(cost: np.ndarray, beta: float, sweeps: int) -> np.ndarray:
    """Checkerboard ICM in plain NumPy (the same algorithm as ours, no JAX)."""
    h, w, k = cost.shape
    lab = cost.argmin(-1)
    parity = np.add.outer(np.arange(h), np.arange(w)) % 2
    for _ in range(sweeps):
        for c in (0, 1):
            p = np.pad(lab, 1, constant_values=-1)
            nb = np.stack([p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]], -1)
            cnt = (nb[..., None] == np.arange(k)).sum(-2)
            local = cost + beta * ((nb >= 0).sum(-1, keepdims=True) - cnt)
            cur = np.take_along_axis(local, lab[..., None], -1)[..., 0]
            upd = (parity == c) & (local.min(-1) < cur)
            lab = np.where(upd, local.argmin(-1), lab)
    return lab


def numpy_sequential(cost: np.ndarray, beta: float, sweeps: int) -> np.ndarray:
    """The textbook ICM: one pixel at a time in raster order."""
    h, w, k = cost.shape
    lab = cost.argmin(-1)
    ks = np.arange(k)
    for _ in range(sweeps):
        for i in range(h):
            for j in range(w):
                local = cost[i, j].copy()
                for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
                    if 0 <= a < h and 0 <= b < w:
                        local += beta * (ks != lab[a, b])
                if local.min() < local[lab[i, j]]:
                    lab[i, j] = local.argmin()
    return lab


def bench_icm(quick: bool) -> dict:
    from seaice_jax.segmentation.icm import icm_fixed_sweeps, kmeans

    n, sweeps, k, beta = (128, 5, 4, 1.5) if quick else (512, 10, 4, 1.5)
    x = _image(n)
    valid = jnp.ones((n, n), bool)
    means, var = kmeans(jnp.asarray(x), valid, k)
    m, v = np.asarray(means)[:, 0].astype(np.float64), np.asarray(var)[:, 0].astype(np.float64)
    cost = _cost_np(x.astype(np.float64), m, v)
    xj = jnp.asarray(x)[..., None]
    run = lambda: icm_fixed_sweeps(xj, valid, means, var, beta, sweeps).block_until_ready()  # noqa: E731
    run()
    t_jax = _best(run, 3)
    t_np = _best(lambda: numpy_checkerboard(cost, beta, sweeps), 2)
    crop = 48 if quick else 96
    t_seq = _best(lambda: numpy_sequential(cost[:crop, :crop].copy(), beta, 1), 1)
    work = n * n * sweeps
    ours = work / t_jax
    out = {
        "image_px": n * n,
        "sweeps": sweeps,
        "classes": k,
        "ours_px_it_per_s": ours,
        "numpy_px_it_per_s": work / t_np,
        "numpy_sequential_px_it_per_s": crop * crop / t_seq,
        "vs_numpy": ours / (work / t_np),
        "vs_numpy_sequential": ours / (crop * crop / t_seq),
    }
    try:
        from dipy.segment.mrf import IteratedConditionalModes
    except ImportError:
        out["vs_dipy"] = None
        out["dipy"] = "not installed (pip install dipy)"
        return out
    icm_d = IteratedConditionalModes()
    nll = np.ascontiguousarray(cost[:, :, None, :])

    def dipy_run():
        seg = icm_d.initialize_maximum_likelihood(nll)
        for _ in range(sweeps):
            seg, _ = icm_d.icm_ising(nll, beta, seg)
        return seg

    t_dipy = _best(dipy_run, 2)
    out["dipy_px_it_per_s"] = work / t_dipy
    out["vs_dipy"] = ours / (work / t_dipy)
    return out


def bench_texture(quick: bool) -> dict:
    from skimage.filters.rank import entropy as sk_entropy

    from seaice_jax.sar import texture

    n, w, levels = (256, 7, 16) if quick else (1024, 7, 16)
    x = _image(n, 1)
    valid = jnp.ones((n, n), bool)
    xj = jnp.asarray(x)
    q = np.asarray(texture.quantise(xj, levels, -30.0, 0.0)).astype(np.uint8)
    fp = np.ones((w, w), np.uint8)

    def ref_cv():
        lin = 10 ** (x.astype(np.float64) / 10)
        mu = ndimage.uniform_filter(lin, w)
        return np.sqrt(np.maximum(ndimage.uniform_filter(lin * lin, w) - mu * mu, 0)) / mu

    def ref_ac():
        mu = ndimage.uniform_filter(x, w)
        var = ndimage.uniform_filter(x * x, w) - mu * mu
        acc = 0
        for dy, dx in texture.DIRECTIONS:
            s = ndimage.shift(x, (-dy, -dx), order=0, mode="mirror")
            acc = acc + (ndimage.uniform_filter(x * s, w) - mu * ndimage.uniform_filter(s, w)) / var
        return acc / 4

    ours = {
        "entropy": lambda: texture.entropy(xj, valid, w, levels, -30.0, 0.0).block_until_ready(),
        "cv": lambda: texture.coefficient_of_variation(xj, valid, w).block_until_ready(),
        "autocorrelation": lambda: texture.autocorrelation(xj, valid, w).block_until_ready(),
    }
    refs = {"entropy": lambda: sk_entropy(q, fp), "cv": ref_cv, "autocorrelation": ref_ac}
    out = {"image_px": n * n, "window": w}
    ratios = []
    for name in ours:
        ours[name]()
        t_o, t_r = _best(ours[name], 3), _best(refs[name], 2)
        out[f"{name}_mpx_per_s"] = n * n / t_o / 1e6
        out[f"{name}_vs_reference"] = t_r / t_o
        ratios.append(t_r / t_o)
    out["vs_reference"] = float(np.exp(np.mean(np.log(ratios))))  # geometric mean over features
    return out


def run(quick: bool = False) -> dict:
    return {
        "icm": bench_icm(quick),
        "texture": bench_texture(quick),
        "icm_texture_device": str(jax.devices()[0]),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
