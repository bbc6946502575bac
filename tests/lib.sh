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

# The fault tests' study: 24 bench.noop jobs of SLEEP_MS each, no retries.
write_noop_study() {  # write_noop_study FILE SLEEP_MS
  cat >"$1" <<TOML
[run]
retries = 0
[grid]
n = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]
[jobs.slow]
kind = "bench.noop"
[jobs.slow.params]
sleep_ms = $2
TOML
}

wait_shards() {  # wait_shards OUT N [TRIES] — until N shards exist (TRIES x 50 ms, default 400)
  for _ in $(seq 1 "${3:-400}"); do
    [ -d "$1/jobs" ] && [ "$(shard_count "$1")" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

rank_pid() {  # rank_pid RANK OUT_DIR — the pid of that world rank of the run writing OUT_DIR
  local pid
  for pid in $(pgrep -f -- "run .* --out $2\$"); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && { echo "$pid"; return; }
  done
}

# Records every finished shard's mtime and inode, for expect_shards_untouched.
snapshot_shards() {  # snapshot_shards OUT
  (cd "$1/jobs" && for f in *.h5; do echo "$f $(stat -c %Y.%i "$f")"; done) >"$WORK/shards-before.txt"
}
expect_shards_untouched() {  # expect_shards_untouched OUT
  local file stamp
  while read -r file stamp; do
    [ "$(stat -c %Y.%i "$1/jobs/$file")" = "$stamp" ] || fail "$file was rewritten"
  done <"$WORK/shards-before.txt"
}

# After the rerun NAME of a 24-job study cut with BEFORE shards: kept >= BEFORE (exactly
# BEFORE with "exact"), kept + run now = 24, 24 shards.
expect_rerun_finished_once() {  # expect_rerun_finished_once NAME OUT BEFORE [exact]
  local kept now
  kept=$(sed -n 's/.* \([0-9]*\) done now, \([0-9]*\) kept.*/\2/p' "$WORK/$1.out")
  now=$(sed -n 's/.* \([0-9]*\) done now, \([0-9]*\) kept.*/\1/p' "$WORK/$1.out")
  if [ "${4:-}" = exact ]; then [ "$kept" -eq "$3" ]; else [ "$kept" -ge "$3" ]; fi \
    && [ $((kept + now)) -eq 24 ] && pass "kept $kept, ran $now: nothing twice" \
    || fail "kept $kept + ran $now != 24 (before: $3)"
  [ "$(shard_count "$2")" -eq 24 ] && pass "24 shards" || fail "$(shard_count "$2") shards"
}

finish() {
  if [ "$FAILURES" -eq 0 ]; then echo "all checks passed"; exit 0; fi
  echo "$FAILURES check(s) failed"; exit 1
}
