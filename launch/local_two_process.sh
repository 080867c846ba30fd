#!/usr/bin/env bash
# Two processes on this machine acting as one JAX job over loopback (CPU, gloo collectives):
# the multi-host path of the cluster scripts, runnable anywhere. Used by the tests.
#   launch/local_two_process.sh configs/sic_s1.py:smoke /tmp/two_proc
# SEAICE_JAX="python -m seaice_jax" runs it from a source checkout without the console script.
set -euo pipefail
CONFIG=${1:?config}
WORKDIR=${2:?workdir}
shift 2
PORT=${PORT:-$((20000 + RANDOM % 20000))}
export JAX_PLATFORMS=cpu SEAICE_JAX_COORDINATOR=127.0.0.1:$PORT SEAICE_JAX_NUM_PROCESSES=2
pids=()
for i in 0 1; do
  SEAICE_JAX_PROCESS_ID=$i ${SEAICE_JAX:-seaice-jax} train --config "$CONFIG" --workdir "$WORKDIR" "$@" \
    > "$WORKDIR.proc$i.log" 2>&1 &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=$?; done
exit $rc
