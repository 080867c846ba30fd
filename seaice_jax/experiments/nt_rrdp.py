"""NASA Team on the RRDP points: the PM numbers of ``docs/pm.md``, in one call.

``python -m seaice_jax.experiments.nt_rrdp [--data DIR] [--figure OUT.png]`` prints JSON: NT SIC at the
100 % and 0 % points of the report half (odd days) before and after each weather filter, with the
published AMSR2 tie points and with tie points derived from the fit half (even days); the
18.7/89 GHz mask's confusion against the standard filter on the report half; the derived tie
points. With ``--figure`` it also draws the tie-point comparison on all points.
"""

from __future__ import annotations

import argparse
import json
import sys

from seaice_jax.pm.derive import derive_tiepoints, nt_point_stats, plot_tiepoints
from seaice_jax.pm.fit_weather_mask import confusion_report
from seaice_jax.pm.rrdp_points import load_rrdp_points, split_halves
from seaice_jax.pm.weather import MASK89_THRESHOLDS


def rrdp_report(data_dir: str | None = None, figure: str | None = None) -> dict:
    """All RRDP numbers (see the module docstring) as a JSON-able dict.

    ``out["nt_published"]["sic100"]["raw"]`` and ``["sic0"]["both"]`` are what the demo reports
    as ``nasateam_rrdp``.
    """
    ds = load_rrdp_points(data_dir)
    fit, rep = split_halves(ds)
    derived = derive_tiepoints(fit)
    out = {
        "n_fit": int(fit.sizes["point"]),
        "n_report": int(rep.sizes["point"]),
        "nt_published": nt_point_stats(rep, "amsr2"),
        "nt_derived": nt_point_stats(rep, derived),
        "derived_tiepoints": derived,
        "mask89_thresholds": dict(MASK89_THRESHOLDS),
        "mask89_confusion": confusion_report(rep, MASK89_THRESHOLDS),
    }
    if figure:
        plot_tiepoints(
            ds,
            figure,
            {
                "published AMSR2": "amsr2",
                "published SSMIS F17": "ssmis",
                "derived (even days)": derived,
            },
        )
    return out


def demo_metrics(data_dir: str | None = None) -> dict:
    """The demo's ``nasateam_rrdp`` entry (DESIGN section 4), published AMSR2 tie points, all points.

    ``sic100``: NT total SIC (%, unclipped) at the 100 % points, the algorithm's skill (a clip
    would hide the overshoot). ``sic0``: NT at the 0 % points after both weather masks, what the
    product's ``sic`` holds there.
    """
    s = nt_point_stats(load_rrdp_points(data_dir), "amsr2")
    pick = lambda d: {k: d[k] for k in ("mean", "std", "n")}  # noqa: E731
    return {"sic100": pick(s["sic100"]["raw"]), "sic0": pick(s["sic0"]["both"])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m seaice_jax.experiments.nt_rrdp", description=__doc__.splitlines()[0]
    )
    p.add_argument("--data", default=None, help="SEAICE_JAX_DATA folder or a folder of RRDP tables")
    p.add_argument("--figure", default=None, help="write the tie-point figure here (PNG)")
    args = p.parse_args(argv)
    json.dump(rrdp_report(args.data, args.figure), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
