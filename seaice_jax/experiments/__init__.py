"""End-to-end studies built from the library: each reproduces numbers or figures of the docs.

Modules: ``demo`` (the whole system, ``seaice-jax demo``), ``case`` (every product of one
simulated day against its truth, and the calibration of floors and fusion), ``skill`` (SIC skill
over held-out seeds: one model, or every product), ``sit_seasons`` (Baltic SIT: train on one
season, test on another), ``nt_rrdp`` (NASA Team and the weather masks on the RRDP points),
``weather_mask_fit`` (the 18.7/89 GHz mask's thresholds fitted on the RRDP points), ``bench``
(``seaice-jax bench``: the side-by-side performance measurements of ``benchmarks/``).
"""
