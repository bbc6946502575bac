# kill_one_rank.sh — `kill -9` of one worker rank mid-run: MPI cannot survive a lost peer,
# so mpirun takes the whole run down (non-zero exit, no rank left behind); the rerun
# finishes every job, keeps every shard finished before the kill untouched, and runs
# nothing twice.
source "$(dirname "$0")/../lib.sh"
write_noop_study "$WORK/slow.toml" 200
out="$WORK/slow"
mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out" >"$WORK/killed.out" 2>&1 &
launcher=$!
wait_shards "$out" 6
victim=$(rank_pid 2 "$out")
[ -n "$victim" ] || { fail "rank 2 not found"; finish; }
kill -9 "$victim"
start=$(date +%s)
wait "$launcher"; status=$?
[ "$status" -ne 0 ] && pass "kill -9 of rank 2 took the run down (exit $status in $(( $(date +%s) - start )) s)" \
  || fail "the run exited 0 after losing rank 2"
sleep 0.5
[ -z "$(pgrep -f -- "run .* --out $out\$")" ] && pass "no rank left running" || fail "ranks left: $(pgrep -f -- "run .* --out $out\$")"
before=$(shard_count "$out")
[ "$before" -lt 24 ] || { fail "the kill came after the end"; finish; }
snapshot_shards "$out"

run_capture rerun mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out"
expect_status 0 rerun && pass "rerun finishes"
expect_rerun_finished_once rerun "$out" "$before" exact
expect_shards_untouched "$out"
for shard in "$out"/jobs/*.h5; do
  [ "$(h5_attribute "$shard" /attempt)" = 1 ] || fail "$shard: attempt $(h5_attribute "$shard" /attempt)"
done
pass "finished shards untouched, every job attempted once"
[ -z "$(find "$out/jobs" -name '.*')" ] && pass "no partial shards left" || fail "partial shards left"
finish
