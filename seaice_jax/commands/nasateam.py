"""``seaice-jax nasateam --input PATH --out OUT.nc [--tiepoints NAME|FILE.json] [--grid NAME]``.

With ``--grid`` a swath (e.g. AMSR2 L1R) or point table is first resampled to the named grid
(``seaice_jax.geo.swath_to_grid``), then NT runs on the gridded TBs.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "nasateam",
        help="NASA Team SIC with the standard and 18.7/89 GHz weather masks",
        description=(
            "NASA Team sea-ice concentration (Cavalieri et al. 1984) of any file holding the "
            "AMSR2 18.7H/V, 23.8V, 36.5V and 89.0H/V TBs (gridded or RRDP point tables). "
            "OUT.nc holds sic_raw (unclipped %), weather_mask, weather_mask_89 and sic "
            "(clipped to 0-100 %, 0 where a mask flags open water)."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--input", required=True, help="input file (anything seaice_jax.io opens)")
    p.add_argument("--out", required=True, help="output netCDF")
    p.add_argument(
        "--tiepoints",
        default="amsr2",
        help="tie-point table by name (amsr2, ...; an unknown name lists them) or a JSON file",
    )
    p.add_argument(
        "--sensor",
        default="amsr2",
        help="weather-filter thresholds by sensor (an unknown name lists them)",
    )
    p.add_argument(
        "--grid",
        default=None,
        help="resample a swath or point input (lat/lon) to this named grid first, e.g. nsidc3413_25km",
    )
    p.add_argument(
        "--radius-m", type=float, default=25_000.0, help="swath search radius (m) with --grid"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax.pm.product import nasateam_file  # lazy: see seaice_jax.commands

    out = nasateam_file(
        args.input,
        args.out,
        tiepoints=args.tiepoints,
        sensor=args.sensor,
        grid=args.grid,
        radius_m=args.radius_m,
    )
    n = int(out["sic"].notnull().sum())
    print(f"nasateam: {n} valid values, mean SIC {float(out['sic'].mean()):.1f} % -> {args.out}")
    return 0
