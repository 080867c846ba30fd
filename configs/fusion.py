"""Fusion of the S1, RCM, AMSR2-89 and NASA Team SIC products (seaice_jax/fusion.py).

    seaice-jax fuse --config configs/fusion.py --s1 s1.nc --rcm rcm.nc --amsr2-89 a89.nc \
        --nt nt.nc --tb amsr2_3125m.nc --like s1.nc --out fused.nc
    seaice-jax mosaic --config configs/fusion.py --calibration CAL/fusion_calibration.json \
        scenes/ --out mosaic.nc

Every default of the fusion rule lives here (seaice_jax.fusion.FusionParams has none).

``:smoke`` is the same (fusion has no expensive settings); it exists for the house convention.
"""

import ml_collections

from seaice_jax.config import variant


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    variant(arg, ("default", "smoke"), default="default")
    cfg = ml_collections.ConfigDict()
    # Footprint (m) of each product: S1 EW / RCM ScanSAR SIC at 200 m pixels; AMSR2 89 GHz
    # 3 km x 5 km (Heffring & Xu) -> geometric mean ~3.9 km; NASA Team on the 25 km grid.
    cfg.footprints_m = ml_collections.ConfigDict(
        {"s1": 200.0, "rcm": 200.0, "amsr2_89": 3_900.0, "nt": 25_000.0}
    )
    # Used when a product file has no sic_uncertainty (1 sigma, %).
    cfg.default_sigma = ml_collections.ConfigDict(
        {"s1": 10.0, "rcm": 10.0, "amsr2_89": 10.0, "nt": 8.0}
    )
    cfg.target_res_m = 200.0  # replaced by the output grid's pixel size when fusing files
    # Representativeness error per doubling of footprint over pixel (%), and the share of it
    # kept in pure ice / open water. seaice_jax.experiments.case.calibrate picks both on a training
    # date with known truth (lowest fused MAE over kappa 4-128, beta 0.25/1); in each of the three
    # calibrations measured so far (two simulated days, docs/products.md) it chose 128 and 1: inside a
    # SAR swath the coarse products, trained on or computed as NT, only add error. Those are the
    # defaults for fusing without a calibration; the earlier prior 4 / 0.25 made the fused map
    # worse than RCM on the RCM swath.
    cfg.kappa = 128.0
    cfg.beta = 1.0
    cfg.min_sigma = 0.5  # %
    # Multiplies the fused 1-sigma: inverse-variance fusion assumes independent product errors,
    # but every product here leans on NT, so 1/sqrt(sum w) is overconfident. Fitted on a
    # training date by seaice_jax.experiments.case.calibrate (68 % of errors within 1 sigma).
    cfg.sigma_scale = 1.0
    cfg.weather_mask = True  # apply seaice_jax.pm.weather_mask_89 to the PM products
    # The daily mosaic (seaice_jax.mosaic) weighs scenes by the same rule, with the footprint of a
    # scene taken as its pixel size. It uses the kappa and beta of scene fusion: the calibrated
    # ones when a fusion calibration file is given (seaice-jax mosaic --calibration), unless
    # use_calibration is False; else the values above. default_sigma: 1 sigma (%) of a scene
    # without sic_uncertainty.
    cfg.mosaic = ml_collections.ConfigDict({"default_sigma": 10.0, "use_calibration": True})
    return cfg
