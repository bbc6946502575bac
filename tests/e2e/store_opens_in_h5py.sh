# store_opens_in_h5py.sh — a store written by `mpirun -np 3 tunegrid run` opens in h5py and
# lists every job with its metrics and timings (docs/experiments-and-store.md). Skips (exit 77)
# when no Python with h5py is found (cluster/setup.sh installs Debian's python3-h5py).
source "$(dirname "$0")/../lib.sh"
python=""
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c "import h5py" 2>/dev/null; then python=$candidate; break; fi
done
[ -n "$python" ] || { echo "skipped: no python3 with h5py"; exit 77; }
run_capture run mpirun_np 3 "$TUNEGRID" run "$TUNEGRID_SOURCE/experiments/smoke.toml" --out "$WORK/smoke"
expect_status 0 run && pass "np 3 run"
run_capture h5py "$python" "$(dirname "$0")/check_store.py" "$WORK/smoke" 14
expect_status 0 h5py && pass "h5py reads the store" && cat "$WORK/h5py.out"
finish
