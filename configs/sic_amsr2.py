"""SIC model on AMSR2 inputs (the fusion paper's AMSR2 model).

Launch:
  seaice-jax train --config configs/sic_amsr2.py:smoke --workdir /tmp/sic_amsr2_smoke   # seconds, CPU
  seaice-jax train --config configs/sic_amsr2.py:cpu   --workdir out/sic_amsr2          # the demo, minutes
  PREPARED=gs://BUCKET/prepared_amsr2 launch/single_gpu.sh configs/sic_amsr2.py:paper \
      gs://BUCKET/runs/sic_amsr2   # 50 epochs, paper tile counts, GPU/TPU

Every key is documented in seaice_jax/train/sic.py; override with --config.KEY=VALUE.
"""

import ml_collections

from seaice_jax.train.sic import sic_config


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return sic_config("amsr2", arg)
