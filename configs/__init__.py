"""The experiment configs, installed with the package as ``seaice_jax.configs``.

Each module defines ``get_config(arg)`` (an ``ml_collections.ConfigDict``); they are loaded by
file path through :func:`seaice_jax.config.load_config` (``--config sic_s1:smoke``), not imported.
"""
