#!/usr/bin/env bash
# Train on a Cloud TPU VM slice: the same command on every worker; jax.distributed.initialize()
# discovers the slice (seaice_jax.distributed). WORKDIR must be shared (e.g. a gs:// bucket
# mounted with gcsfuse, or a Filestore path), since Orbax writes one checkpoint for all hosts.
#   launch/tpu_vm.sh my-tpu us-central2-b configs/sic_s1.py:paper /mnt/ckpt/s1
set -euo pipefail
TPU=${1:?TPU VM name}
ZONE=${2:?zone}
CONFIG=${3:?config}
WORKDIR=${4:?workdir}
shift 4
EXTRA="$*"
gcloud compute tpus tpu-vm ssh "$TPU" --zone "$ZONE" --worker=all --command "
  set -e
  cd ~/seaice-jax || git clone https://github.com/seaice-jax/seaice-jax ~/seaice-jax && cd ~/seaice-jax
  python3 -m pip install -q -e . 'jax[tpu]'
  seaice-jax train --config $CONFIG --workdir $WORKDIR $EXTRA
"
