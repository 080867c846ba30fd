"""seaice-jax: sea-ice remote sensing in JAX/Flax.

Two published systems on one codebase:

* pan-Arctic 200 m sea-ice concentration from Sentinel-1/RCM SAR fused with AMSR2 89 GHz and the
  NASA Team product (Heffring & Xu), and
* Baltic sea-ice thickness from X-band SAR, ICM segments and a least-squares regression with
  ice-model and ice-chart thickness (Karvonen et al., FMI).

The in-memory form that crosses every module boundary is an ``xarray.Dataset`` with dims
``(y, x)``, a CRS through ``rioxarray`` and the standard variable names listed in
``seaice_jax.names``.
"""

from seaice_jax.errors import SeaIceError

__all__ = ["SeaIceError", "__version__"]
__version__ = "0.1.0"
