"""``seaice-jax fuse``: fuse S1, RCM, AMSR2-89 and NASA Team SIC products on one grid."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fuse",
        help="fuse SIC products by uncertainty and resolution",
        description="Inverse-variance fusion of the S1, RCM, AMSR2-89 and NT SIC products (any "
        "subset) on one grid, with the 18.7/89 GHz weather mask on the PM products. Writes sic, "
        "sic_uncertainty and dominant (0 s1, 1 rcm, 2 amsr2_89, 3 nt, -1 none).",
    )
    p.add_argument(
        "--config", default="configs/fusion.py", help="fusion config [configs/fusion.py]"
    )
    for name in ("s1", "rcm", "amsr2-89", "nt"):
        p.add_argument(f"--{name}", help=f"{name} SIC product (sic [, sic_uncertainty])")
    p.add_argument("--tb", help="AMSR2 brightness temperatures for the weather mask (18.7, 89 GHz)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--grid", help="named output grid (e.g. arctic3413_200m)")
    g.add_argument("--like", help="use the grid of this file (default: the finest product's)")
    p.add_argument("--out", required=True, help="output CF-netCDF")
    p.add_argument("--tif", help="also write a Cloud-Optimised GeoTIFF")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax import config, fusion
    from seaice_jax.blocks import open_product
    from seaice_jax.errors import SeaIceError
    from seaice_jax.geo import Grid, named_grid
    from seaice_jax.io.writers import write_cog, write_netcdf

    cfg = config.get(args.config, args.config_overrides)
    paths = {k: getattr(args, k.replace("-", "_")) for k in ("s1", "rcm", "amsr2_89", "nt")}
    paths = {k: v for k, v in paths.items() if v}
    if not paths:
        raise SeaIceError("fuse: give at least one of --s1, --rcm, --amsr2-89, --nt")
    products = {k: open_product(v) for k, v in paths.items()}
    if args.grid:
        grid = named_grid(args.grid)
    elif args.like:
        grid = Grid.from_dataset(open_product(args.like))
    else:
        grid = min((Grid.from_dataset(d) for d in products.values()), key=lambda g: g.res)
    weather = None
    if args.tb and cfg.weather_mask:
        weather = fusion.weather_from_tb(open_product(args.tb), args.tb)
    elif "nt" in products and "weather_mask_89" in products["nt"] and cfg.weather_mask:
        from seaice_jax.blocks import pick_var

        weather = pick_var(products["nt"], "weather_mask_89", paths["nt"])
    notes: list[str] = []  # skipped products: printed on success, part of the one-line error else
    try:
        out = fusion.fuse_datasets(products, grid, cfg, weather, warn=notes.append)
    except SeaIceError as e:
        raise SeaIceError("; ".join([str(e), *notes])) from None
    for m in notes:
        print(m, file=sys.stderr)
    write_netcdf(out, args.out)
    if args.tif:
        write_cog(out, args.tif, ["sic", "sic_uncertainty", "dominant"])
    print(args.out)
    return 0
