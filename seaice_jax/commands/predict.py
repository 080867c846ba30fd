"""``seaice-jax predict``: full-scene SIC with uncertainty from a trained checkpoint."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="sliding-window SIC inference on a scene",
        description="Predict SIC (%%) and its 1-sigma uncertainty on a whole scene with a trained "
        "model (seamless blended 256 px windows, streamed to disk), on the input's grid.",
    )
    p.add_argument("--workdir", required=True, help="training workdir (checkpoint)")
    p.add_argument("--input", required=True, help="scene file or folder (any supported reader)")
    p.add_argument("--out", required=True, help="output CF-netCDF (sic, sic_uncertainty)")
    p.add_argument("--tif", help="also write a Cloud-Optimised GeoTIFF")
    p.add_argument("--overlap", type=float, default=0.5, help="window overlap fraction [0.5]")
    p.add_argument("--batch-size", type=int, default=8, help="windows per device call [8]")
    p.add_argument("--flips", type=int, default=2, choices=(1, 2, 4), help="test-time flips [2]")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax import infer
    from seaice_jax.blocks import limit_read_cache, open_product

    limit_read_cache()
    ds = open_product(args.input)
    predictor = infer.load_predictor(args.workdir)
    cfg = infer.InferenceConfig(
        overlap=args.overlap,
        batch_size=args.batch_size,
        flips=args.flips,
        floors=infer.load_floors(args.workdir),
    )
    out = infer.predict_scene(predictor, ds, args.out, cfg, progress=True)
    if args.tif:
        import xarray as xr

        from seaice_jax.io.writers import write_cog

        with xr.open_dataset(out, decode_coords="all") as res:
            write_cog(res.load(), args.tif, ["sic", "sic_uncertainty"])
    print(out)
    return 0
