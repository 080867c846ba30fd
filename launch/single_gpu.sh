#!/usr/bin/env bash
# Train one SIC model on one GPU (or any single accelerator / the CPU).
#   launch/single_gpu.sh configs/sic_s1.py:paper runs/s1_paper [--config.key=value ...]
# The paper-size configs (`:paper`) expect prepared scenes (see README, "Training at paper size").
# Resumes from the latest checkpoint in the workdir, so re-running after a preemption continues.
set -euo pipefail
CONFIG=${1:?config, e.g. configs/sic_s1.py:paper}
WORKDIR=${2:?workdir}
shift 2
# Let XLA take GPU memory as needed rather than 75 % up front (friendlier on shared nodes).
export XLA_PYTHON_CLIENT_PREALLOCATE=${XLA_PYTHON_CLIENT_PREALLOCATE:-false}
exec seaice-jax train --config "$CONFIG" --workdir "$WORKDIR" "$@"
