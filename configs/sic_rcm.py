"""SIC model on RCM inputs (the fusion paper's RCM model).

Launch:
  seaice-jax train --config configs/sic_rcm.py:smoke --workdir /tmp/sic_rcm_smoke   # seconds, CPU
  seaice-jax train --config configs/sic_rcm.py:cpu   --workdir out/sic_rcm          # the demo, minutes
  PREPARED=gs://BUCKET/prepared_rcm launch/single_gpu.sh configs/sic_rcm.py:paper \
      gs://BUCKET/runs/sic_rcm   # 50 epochs, paper tile counts, GPU/TPU

Every key is documented in seaice_jax/train/sic.py; override with --config.KEY=VALUE.
"""

import ml_collections

from seaice_jax.train.sic import sic_config


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return sic_config("rcm", arg)
