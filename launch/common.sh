# Sourced by the launch scripts: environment, data staging, prepared data, workdir mirroring.
#
# Settings (environment variables; all optional):
#   DRY_RUN=1 (or --dry-run as first argument)  print every command instead of running it
#   SEAICE_JAX_VENV=DIR      activate DIR/bin/activate (a venv with `pip install "seaice-jax[cuda12]"`)
#   SEAICE_JAX_DATA=DIR      the local data folder the readers use
#   DATA_FROM=URL|DIR        stage the data from here into SEAICE_JAX_DATA first (seaice-jax sync)
#   PREPARED=URL|DIR         prepared scenes (seaice-jax prepare ... --out): passed as
#                            --config.data.prepared_dir, staged to LOCAL_ROOT/prepared if a URL
#   LOCAL_ROOT=DIR           local working space [${TMPDIR:-/tmp}/seaice-jax]
#   SYNC_EVERY=SECONDS       push a cloud workdir this often while training [600]
# A WORKDIR that is a URL (gs://bucket/run) is trained in LOCAL_ROOT/runs/<name>, pulled from the
# URL first (resume) and pushed back every SYNC_EVERY seconds and at exit.
SEAICE_JAX=${SEAICE_JAX:-seaice-jax}
DRY_RUN=${DRY_RUN:-0}
LOCAL_ROOT=${LOCAL_ROOT:-${TMPDIR:-/tmp}/seaice-jax}
SYNC_EVERY=${SYNC_EVERY:-600}
TRAIN_ARGS=()

# Print (dry run) or run one command.
run() {
  if [[ $DRY_RUN == 1 ]]; then
    local line
    line=$(printf '%q ' "$@")
    echo "+ ${line% }"
  else
    "$@"
  fi
}

is_url() { [[ $1 =~ ^[a-zA-Z][a-zA-Z0-9+.-]*:// ]]; }

activate_env() {
  if [[ -n ${SEAICE_JAX_VENV:-} ]]; then
    run source "$SEAICE_JAX_VENV/bin/activate"
  fi
  run "$SEAICE_JAX" --version
}

stage_data() {
  if [[ -n ${DATA_FROM:-} ]]; then
    run "$SEAICE_JAX" sync "$DATA_FROM" "${SEAICE_JAX_DATA:?set SEAICE_JAX_DATA with DATA_FROM}"
  fi
  if [[ -n ${PREPARED:-} ]]; then
    local prep=$PREPARED
    if is_url "$PREPARED"; then
      prep=$LOCAL_ROOT/prepared
      run "$SEAICE_JAX" sync "$PREPARED" "$prep"
    fi
    TRAIN_ARGS+=("--config.data.prepared_dir=$prep")
  fi
}

# Sets RUN_DIR (where training writes); for a URL workdir pulls it and starts the pushes.
setup_workdir() {
  local workdir=$1
  RUN_DIR=$workdir
  if is_url "$workdir"; then
    RUN_DIR=$LOCAL_ROOT/runs/$(basename "$workdir")
    run "$SEAICE_JAX" sync "$workdir" "$RUN_DIR"
    push() { run "$SEAICE_JAX" -q sync "$RUN_DIR" "$workdir" --exclude prepared --exclude sim; }
    if [[ $DRY_RUN == 1 ]]; then
      echo "+ (every ${SYNC_EVERY} s, and at exit) $SEAICE_JAX -q sync $RUN_DIR $workdir --exclude prepared --exclude sim"
    else
      (while sleep "$SYNC_EVERY"; do push || true; done) &
      PUSH_PID=$!
      trap 'kill "$PUSH_PID" 2>/dev/null || true; push' EXIT
    fi
  fi
}

# Parses [--dry-run] CONFIG WORKDIR [overrides...] into CONFIG, WORKDIR, EXTRA.
parse_args() {
  if [[ ${1:-} == --dry-run ]]; then
    DRY_RUN=1
    shift
  fi
  CONFIG=${1:?usage: $0 [--dry-run] CONFIG WORKDIR [--config.key=value ...]}
  WORKDIR=${2:?usage: $0 [--dry-run] CONFIG WORKDIR [--config.key=value ...]}
  shift 2
  EXTRA=("$@")
}
