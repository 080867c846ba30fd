"""Readers and writers for every supported product family.

``open_dataset(path)`` detects the format from the content and returns the one in-memory form of
the project (DESIGN section 2): an ``xarray.Dataset`` with dims ``(y, x)`` (or ``(point,)`` for
point tables), a CRS through ``rioxarray`` where the format has one, and standard variable names.
"""

from __future__ import annotations

import importlib
import pkgutil

from seaice_jax.io.products import open_dataset

# Every format module registers its reader when imported: import them all, so that
# ``open_dataset`` knows every format whichever module a caller imported first.
for _m in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_m.name}")


__all__ = ["open_dataset"]
