#!/usr/bin/env bash
# Train on a Cloud TPU VM: the same command on every worker over `gcloud ... ssh --worker=all`.
# Each worker gets the code (REPO_URL, REF), a venv with `pip install ".[tpu,cloud]"`, and runs
# launch/multi_gpu.sh (all local chips; launch/common.sh stages DATA_FROM and PREPARED).
#   launch/tpu_vm.sh [--dry-run] my-tpu us-central2-b configs/sic_s1.py:paper gs://bucket/runs/s1
# One-host TPU VMs (v4-8, v5litepod-8, ...) may use a gs:// workdir (mirrored with seaice-jax
# sync). A multi-host slice writes one checkpoint from all hosts: give a shared path there (the
# bucket mounted with gcsfuse on every worker, or Filestore), e.g. /mnt/bucket/runs/s1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if [[ ${1:-} == --dry-run ]]; then
  DRY_RUN=1
  shift
fi
TPU=${1:?TPU VM name}
ZONE=${2:?zone}
shift 2
parse_args "$@"
REPO_URL=${REPO_URL:-https://github.com/seaice-jax/seaice-jax}
REF=${REF:-main}
q() { printf '%q ' "$@"; }
# Passed on: the staging settings (SEAICE_JAX_DATA only with DATA_FROM: a local data folder
# of this machine means nothing on the workers).
ENV=()
for v in DATA_FROM PREPARED; do
  [[ -n ${!v:-} ]] && ENV+=("$v=${!v}")
done
[[ -n ${DATA_FROM:-} ]] && ENV+=("SEAICE_JAX_DATA=${SEAICE_JAX_DATA:?set SEAICE_JAX_DATA with DATA_FROM}")
REMOTE="set -e
[ -d ~/seaice-jax ] || git clone $(q "$REPO_URL") ~/seaice-jax
cd ~/seaice-jax && git fetch -q origin $(q "$REF") && git checkout -q FETCH_HEAD
[ -d ~/seaice-venv ] || python3 -m venv ~/seaice-venv
~/seaice-venv/bin/pip install -q -e '.[tpu,cloud]'
env SEAICE_JAX_VENV=\$HOME/seaice-venv $(q "${ENV[@]}")launch/multi_gpu.sh $(q "$CONFIG" "$WORKDIR" "${EXTRA[@]}")"
run gcloud compute tpus tpu-vm ssh "$TPU" --zone "$ZONE" --worker=all --command "$REMOTE"
