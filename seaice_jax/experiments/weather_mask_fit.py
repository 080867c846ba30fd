"""The 18.7/89 GHz weather mask's thresholds fitted on the RRDP points, and their report.

Run ``python -m seaice_jax.experiments.weather_mask_fit [--data DIR] [--write]`` (DIR defaults to
``$SEAICE_JAX_DATA``): it fits on the even-day half of the RRDP points
(:func:`seaice_jax.pm.fit_weather_mask.fit_mask89`), prints the thresholds and the report on the
odd-day half as JSON, and with ``--write`` stores the thresholds in
``seaice_jax/pm/weather_mask_89.json`` (what :func:`seaice_jax.pm.weather_mask_89` uses).
"""

from __future__ import annotations

import argparse
import json
import sys

from seaice_jax.atomic import write_text
from seaice_jax.pm.fit_weather_mask import ICE_COST, confusion_report, fit_mask89
from seaice_jax.pm.rrdp_points import load_rrdp_points, split_halves
from seaice_jax.pm.weather import MASK89_PATH


def fit_and_report(data_dir: str | None = None) -> dict:
    """Fit on the even-day half, report on the odd-day half: ``{"thresholds", "fit", "report"}``."""
    ds_fit, ds_rep = split_halves(load_rrdp_points(data_dir))
    th = fit_mask89(ds_fit)
    return {
        "thresholds": th,
        "fit": confusion_report(ds_fit, th),
        "report": confusion_report(ds_rep, th),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m seaice_jax.experiments.weather_mask_fit",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--data", default=None, help="SEAICE_JAX_DATA folder or a folder of RRDP tables")
    p.add_argument(
        "--write", action="store_true", help="store the thresholds in weather_mask_89.json"
    )
    args = p.parse_args(argv)
    res = fit_and_report(args.data)
    if args.write:
        doc = {
            **res["thresholds"],
            "rule": "GR(89V/18.7V) > gr89_18v or TB89V - TB89H > pd89 (K) -> open water",
            "fitted_by": (
                "python -m seaice_jax.experiments.weather_mask_fit --write (RRDP even-day half)"
            ),
            "ice_cost": ICE_COST,
        }
        write_text(MASK89_PATH, json.dumps(doc, indent=2) + "\n")
    json.dump(res, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
