"""Write SIGRID-3 ice charts as ESRI shapefiles (the simulator's charts), atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from seaice_jax.errors import SeaIceError


def write_chart(
    path: str | os.PathLike,
    polygons,
    attrs: dict[str, np.ndarray | list],
    crs: CRS | str,
) -> None:
    """Write a SIGRID-3 polygon shapefile (``.shp``, ``.shx``, ``.dbf``, ``.prj``, ``.cpg``).

    Atomic per file: everything is written into a temporary folder beside ``path``, then each
    file is renamed into place, so a failure leaves no partial shapefile under the final name.

    Args:
      path: output ``.shp`` path.
      polygons: ``n`` shapely (Multi)Polygons in ``crs``.
      attrs: name (<= 10 characters, the dBase limit) -> ``n`` values; strings stay strings
        (SIGRID-3 codes such as ``"92"``), numbers are written as doubles.
      crs: the polygons' CRS (written to the ``.prj``).
    """
    final = Path(path).with_suffix(".shp")
    geoms = np.asarray(polygons, dtype=object)
    for name, col in attrs.items():
        if len(col) != len(geoms):
            raise SeaIceError(
                f"{final}: attribute {name} has {len(col)} values for {len(geoms)} polygons"
            )
        if len(name) > 10:
            raise SeaIceError(f"{final}: attribute name '{name}' longer than 10 characters (dBase)")
    names = list(attrs)
    cols = []
    for n in names:
        col = np.asarray(attrs[n])
        cols.append(
            col.astype(np.float64) if col.dtype.kind in "fiub" else col.astype(str).astype(object)
        )
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmpdir = Path(tempfile.mkdtemp(prefix=f".{final.stem}.", dir=final.parent))
    except OSError as e:
        raise SeaIceError(f"{final}: cannot write output ({e.strerror or e})") from None
    try:
        tmp = tmpdir / final.name
        pyogrio.raw.write(
            tmp,
            shapely.to_wkb(geoms),
            field_data=cols,
            fields=names,
            crs=CRS.from_user_input(crs).to_wkt(),
            driver="ESRI Shapefile",
            geometry_type="MultiPolygon"
            if any(g.geom_type == "MultiPolygon" for g in geoms)
            else "Polygon",
            encoding="UTF-8",
        )
        for f in sorted(tmpdir.iterdir()):
            os.replace(f, final.with_suffix(f.suffix))
    except OSError as e:
        raise SeaIceError(f"{final}: cannot write output ({e.strerror or e})") from None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
