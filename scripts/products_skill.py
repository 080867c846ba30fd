"""Skill of every SIC product on simulated days of several seeds (docs/products.md, "Measured").

The logic is :func:`seaice_jax.experiments.skill.products_skill` (the floors, the fusion's kappa
and beta and the fused sigma's scale fitted on the first seed's first day, every other day held
out); this writes its JSON and prints the aggregate.

    PYTHONPATH=. python scripts/products_skill.py --seeds 1,2,3 --sim configs/sim.py:smoke \
        --s1 runs/s1 --rcm runs/rcm --amsr2-89 runs/amsr2 --out out/products_skill.json
"""

from __future__ import annotations

import argparse
import json

from seaice_jax.atomic import write_text
from seaice_jax.experiments.skill import products_skill


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--sim", default="configs/sim.py:smoke")
    ap.add_argument("--s1")
    ap.add_argument("--rcm")
    ap.add_argument("--amsr2-89")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    named = {"s1": args.s1, "rcm": args.rcm, "amsr2_89": args.amsr2_89}
    seeds = [int(s) for s in args.seeds.split(",")]
    result = products_skill(seeds, args.sim, {k: v for k, v in named.items() if v})
    result["command"] = " ".join(
        ["python scripts/products_skill.py", f"--seeds {args.seeds}", f"--sim {args.sim}"]
    )
    write_text(args.out, json.dumps(result, indent=1, default=float) + "\n")
    print(json.dumps(result["aggregate"], indent=1))


if __name__ == "__main__":
    main()
