# lib.sh — helpers for tunegrid's script tests (sourced). Expects TUNEGRID (the binary) and
# TUNEGRID_SOURCE (the source tree) in the environment, as CTest sets them.
set -uo pipefail
: "${TUNEGRID:?set TUNEGRID to the tunegrid binary}"
: "${TUNEGRID_SOURCE:?set TUNEGRID_SOURCE to the source tree}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers often forbid CMA
export OMPI_MCA_rmaps_base_oversubscribe=1

WORK=$(mktemp -d /tmp/tunegrid-test-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILURES=0

fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
pass() { echo "ok: $*"; }

# run_capture NAME CMD... — runs CMD, stores exit code in $status and output in $WORK/NAME.out
run_capture() {
  local name=$1; shift
  "$@" >"$WORK/$name.out" 2>&1
  status=$?
}

expect_status() {  # expect_status WANT NAME
  if [ "$status" -ne "$1" ]; then fail "$2: exit $status, expected $1"; sed 's/^/    /' "$WORK/$2.out" >&2; return 1; fi
}

expect_output() {  # expect_output NAME TEXT
  if ! grep -qF -- "$2" "$WORK/$1.out"; then fail "$1: output lacks '$2'"; sed 's/^/    /' "$WORK/$1.out" >&2; return 1; fi
}

mpirun_np() {  # mpirun_np N ARGS...
  local n=$1; shift
  mpirun -np "$n" --oversubscribe "$@"
}

# The value of a scalar attribute of an HDF5 object, via h5dump.
h5_attribute() {  # h5_attribute FILE ATTRIBUTE_PATH
  h5dump -a "$2" "$1" 2>/dev/null | sed -n 's/^ *(0): //p' | tr -d '"'
}

shard_count() { find "$1/jobs" -maxdepth 1 -name '*.h5' ! -name '.*' | wc -l; }

finish() {
  if [ "$FAILURES" -eq 0 ]; then echo "all checks passed"; exit 0; fi
  echo "$FAILURES check(s) failed"; exit 1
}
