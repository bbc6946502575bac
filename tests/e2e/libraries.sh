# libraries.sh — the libraries `tunegrid` runs on: --version names the pinned
# libtorch and the NCCL of its wheel, loaded from the build's virtual environment; a process
# that loads another NCCL than the build's refuses to compute; and the commands that need no
# model never load libtorch.
source "$(dirname "$0")/../lib.sh"
: "${TUNEGRID_TORCH_DIR:?set TUNEGRID_TORCH_DIR to the torch folder of the build}"
pinned=$(sed -n 's/^torch==//p' "$TUNEGRID_SOURCE/cluster/libtorch-requirements.txt")
torch_dir=$(readlink -f "$TUNEGRID_TORCH_DIR")
nvidia_dir=$(readlink -f "$TUNEGRID_TORCH_DIR/../nvidia")

run_capture version "$TUNEGRID" --version
expect_status 0 version && expect_output version "libtorch $pinned from $torch_dir/lib/libtorch_cpu.so" &&
  pass "--version: libtorch $pinned from the build's wheel"
if grep -q '^NCCL ' "$WORK/version.out"; then
  expect_output version "/libnccl.so.2" && grep '^NCCL ' "$WORK/version.out" | grep -qF "from $nvidia_dir/nccl/lib/" &&
    pass "--version: NCCL from the wheel" || fail "NCCL not from $nvidia_dir/nccl/lib: $(grep '^NCCL ' "$WORK/version.out")"
  expect_output version "GPUs visible: " && pass "--version: GPUs visible"
  grep -q "(built against" "$WORK/version.out" && fail "a library differs from the build's: $(cat "$WORK/version.out")"

  # Another NCCL forced into the process (the CUDA toolkit's, when there is one) is refused.
  other_nccl=""
  for candidate in /usr/local/cuda*/lib*/libnccl.so.2 /usr/lib/x86_64-linux-gnu/libnccl.so.2; do
    [ -e "$candidate" ] || continue
    candidate=$(readlink -f "$candidate")
    case $candidate in "$nvidia_dir"/*) ;; *) other_nccl=$candidate; break ;; esac
  done
  if [ -n "$other_nccl" ]; then
    run_capture other_nccl env LD_PRELOAD="$other_nccl" "$TUNEGRID" --version
    # Refused when libtorch is loaded (a symbol of the build's NCCL is missing) or by the
    # version check after it (torch_libraries.h).
    expect_status 4 other_nccl && expect_output other_nccl "tunegrid: error: " &&
      grep -qiE "nccl" "$WORK/other_nccl.out" && pass "another NCCL is refused ($other_nccl)" ||
      fail "another NCCL: $(cat "$WORK/other_nccl.out")"
  else
    echo "skip: no other NCCL on this machine to refuse"
  fi
fi

# plan, kinds, status and report do not load libtorch (start-up: docs/benchmarks.md).
cat >"$WORK/noop.toml" <<TOML
[grid]
n = [1, 2]
[jobs.noop]
kind = "bench.noop"
TOML
for command in "kinds" "plan $WORK/noop.toml" "run $WORK/noop.toml --out $WORK/noop" "status $WORK/noop" \
  "report $WORK/noop"; do
  name=${command%% *}
  # shellcheck disable=SC2086
  LD_DEBUG=libs "$TUNEGRID" $command >"$WORK/$name.out" 2>"$WORK/$name.libs"
  if grep -q "libtorch_cpu.so" "$WORK/$name.libs"; then fail "tunegrid $name loaded libtorch"
  elif ! grep -q "libhdf5" "$WORK/$name.libs"; then fail "tunegrid $name: LD_DEBUG=libs showed no library loads"
  else pass "tunegrid $name runs without libtorch"; fi
done
finish
