"""Metrics, comparisons against references, baselines, figures and tables.

Modules: ``metrics`` (skill kernels), ``compare`` (prediction vs reference on the reference grid),
``figures`` (scatter/density plots, the Figure-1 panel, the Table-1 training summary),
``baselines`` (NT bilinear and the pan-sharpening baseline on a scene), ``pansharpen`` (the
CIMR ATBD pan-sharpening kernels behind that baseline). The studies that use them (the demo, a
simulated day's products, skill over seeds) are in :mod:`seaice_jax.experiments`.
"""
