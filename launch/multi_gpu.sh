#!/usr/bin/env bash
# Train on all GPUs of one host: one process, the batch sharded over a ("data",) mesh of every
# local device (jit with NamedSharding; no pmap). The global batch size in the config is split
# over the devices, so it must be a multiple of the device count.
#   launch/multi_gpu.sh [--dry-run] configs/sic_s1.py:paper runs/s1_paper
#   CUDA_VISIBLE_DEVICES=0,1,2,3 launch/multi_gpu.sh configs/sic_rcm.py:paper gs://bucket/runs/rcm
# Environment, data staging and cloud workdirs: see launch/common.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
parse_args "$@"
activate_env
stage_data
setup_workdir "$WORKDIR"
export XLA_PYTHON_CLIENT_PREALLOCATE=${XLA_PYTHON_CLIENT_PREALLOCATE:-false}
run python -c "import jax; print(f'{jax.local_device_count()} local devices:', jax.devices())"
run "$SEAICE_JAX" train --config "$CONFIG" --workdir "$RUN_DIR" "${TRAIN_ARGS[@]}" "${EXTRA[@]}"
