"""Baltic sea-ice thickness from X-band HH SAR (Karvonen et al., FMI): the whole SIT chain.

Train on season 1, test on season 2 of the simulated Baltic scenario:

    seaice-jax simulate --config configs/sim.py --out out/sim
    seaice-jax sit evaluate --config configs/sit_baltic.py \
        --train out/sim/baltic/season1 --test out/sim/baltic/season2 --out out/sit

``:smoke`` shrinks ICM and texture windows so the chain runs in seconds on a CPU.
"""

import ml_collections

from seaice_jax.config import variant


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = variant(arg, ("default", "smoke"), default="default")
    c = ml_collections.ConfigDict()
    # Linear incidence correction to 35 deg with -0.25 dB/deg (FMI, 47 COSMO-SkyMed scenes).
    c.incidence = dict(ref_deg=35.0, slope=-0.25)
    # ICM: K Gaussian classes, Potts weight beta (nats per disagreeing neighbour pair).
    c.icm = dict(k=4, beta=1.5, max_iter=50, reestimate=True, min_segment_px=12, tiled=False)
    # Texture window (pixels of 500 m), grey tones over [lo_db, hi_db] for the entropy.
    c.texture = dict(window=7, levels=16, lo_db=-30.0, hi_db=0.0)
    # Feature selection: "correlation" (|r| > min_abs_r, the paper), "lasso", "all".
    c.fit = dict(selection="correlation", min_abs_r=0.25)
    # Post-processing: map estimates onto the chart range per chart polygon; "level" is the
    # paper's [SIT_MIN, SIT_MAX]; "deformed" lets the top reach SIT_MAX x DEFORM where the chart
    # has a deformation degree (the paper's rule: deformed ~ level x degree), needed when the
    # points measure deformed ice too (the simulated Baltic scenario); no effect without DEFORM.
    c.normalise = True
    c.chart_range = "deformed"
    if arg == "smoke":
        c.icm.max_iter = 20
        c.texture.window = 5
    return c
