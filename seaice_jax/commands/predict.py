"""``seaice-jax predict``: full-scene SIC with uncertainty from a trained checkpoint."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="sliding-window SIC inference on a scene",
        description="Predict SIC (%) and its 1-sigma uncertainty on a whole scene with a trained "
        "model (seamless blended windows, streamed to disk). A product as delivered (Sentinel-1 "
        ".SAFE folder or .SAFE.zip, RCM product folder, AMSR2 L1R .h5, AI4Arctic .nc) is "
        "calibrated, noise-corrected and projected onto EPSG:3413 first (200 m SAR, 3.125 km "
        "AMSR2); a gridded scene is predicted on its own grid.",
    )
    p.add_argument("--workdir", required=True, help="training workdir (checkpoint)")
    p.add_argument("--input", required=True, help=".SAFE[.zip], RCM folder, AMSR2 L1R or a scene")
    p.add_argument("--out", required=True, help="output CF-netCDF (sic, sic_uncertainty)")
    p.add_argument("--tif", help="also write a Cloud-Optimised GeoTIFF")
    p.add_argument("--overlap", type=float, default=0.5, help="window overlap fraction [0.5]")
    p.add_argument("--batch-size", type=int, default=8, help="windows per device call [8]")
    p.add_argument("--flips", type=int, default=2, choices=(1, 2, 4), help="test-time flips [2]")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seaice_jax import infer  # lazy: see seaice_jax.commands

    cfg = infer.InferenceConfig(overlap=args.overlap, batch_size=args.batch_size, flips=args.flips)
    out = infer.predict_file(args.workdir, args.input, args.out, cfg, tif=args.tif, progress=True)
    print(out)
    return 0
