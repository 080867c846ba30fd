#!/usr/bin/env bash
# Train one SIC model on one GPU (or any single accelerator / the CPU).
#   launch/single_gpu.sh [--dry-run] configs/sic_s1.py:paper runs/s1_paper [--config.key=value ...]
#   SEAICE_JAX_VENV=~/venvs/seaice PREPARED=gs://bucket/prepared_s1 \
#     launch/single_gpu.sh configs/sic_s1.py:paper gs://bucket/runs/s1
# Environment, data staging and cloud workdirs: see launch/common.sh. The paper-size configs
# (`:paper`) expect prepared scenes (PREPARED, or the config's data.* settings). Resumes from the
# latest checkpoint, so re-running after a preemption continues.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
parse_args "$@"
activate_env
stage_data
setup_workdir "$WORKDIR"
# Let XLA take GPU memory as needed rather than 75 % up front (friendlier on shared nodes).
export XLA_PYTHON_CLIENT_PREALLOCATE=${XLA_PYTHON_CLIENT_PREALLOCATE:-false}
run "$SEAICE_JAX" train --config "$CONFIG" --workdir "$RUN_DIR" "${TRAIN_ARGS[@]}" "${EXTRA[@]}"
