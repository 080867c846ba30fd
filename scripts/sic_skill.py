"""Skill of a trained SIC model on held-out simulated cases (docs/sic.md, "Measured").

The logic is :func:`seaice_jax.experiments.skill.sic_skill`; this prints its JSON.

Usage:
  python scripts/sic_skill.py --workdir out/sic_s1 --cases /tmp/sim_s1 /tmp/sim_s2 \
      [--days 2021-09-07] [--out skill_s1.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from seaice_jax.atomic import write_text
from seaice_jax.experiments.skill import sic_skill


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", required=True, type=Path)
    ap.add_argument("--cases", required=True, nargs="+", type=Path)
    ap.add_argument("--days", nargs="*", help="only these dates (e.g. the held-out last date)")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    text = json.dumps(sic_skill(a.workdir, a.cases, a.days), indent=1)
    print(text)
    if a.out:
        write_text(a.out, text + "\n")


if __name__ == "__main__":
    main()
