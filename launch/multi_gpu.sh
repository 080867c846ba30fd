#!/usr/bin/env bash
# Train on all GPUs of one host: one process, the batch sharded over a ("data",) mesh of every
# local device (jit with NamedSharding; no pmap). The global batch size in the config is split
# over the devices, so it must be a multiple of the device count.
#   launch/multi_gpu.sh configs/sic_s1.py:paper runs/s1_paper
#   CUDA_VISIBLE_DEVICES=0,1,2,3 launch/multi_gpu.sh configs/sic_rcm.py:paper runs/rcm
set -euo pipefail
CONFIG=${1:?config}
WORKDIR=${2:?workdir}
shift 2
export XLA_PYTHON_CLIENT_PREALLOCATE=${XLA_PYTHON_CLIENT_PREALLOCATE:-false}
python -c "import jax; print(f'{jax.local_device_count()} local devices:', jax.devices())"
exec seaice-jax train --config "$CONFIG" --workdir "$WORKDIR" "$@"
