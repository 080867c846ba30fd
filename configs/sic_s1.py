"""SIC model on S1 inputs (the fusion paper's S1 model).

Launch:
  seaice-jax train --config configs/sic_s1.py:smoke --workdir /tmp/sic_s1_smoke   # seconds, CPU
  seaice-jax train --config configs/sic_s1.py:cpu   --workdir out/sic_s1          # the demo, minutes
  PREPARED=gs://BUCKET/prepared_s1 launch/single_gpu.sh configs/sic_s1.py:paper \
      gs://BUCKET/runs/sic_s1   # 50 epochs, paper tile counts, GPU/TPU

Every key is documented in seaice_jax/train/sic.py; override with --config.KEY=VALUE.
"""

import ml_collections

from seaice_jax.train.sic import sic_config


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return sic_config("s1", arg)
