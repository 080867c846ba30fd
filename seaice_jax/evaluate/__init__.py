"""Metrics, comparisons against references, figures and tables.

Modules: ``metrics`` (skill kernels), ``compare`` (prediction vs reference on the reference grid),
``figures`` (scatter/density plots, the Figure-1 panel, the Table-1 training summary),
``baselines`` (NT bilinear and the pan-sharpening baseline on a scene).
"""
