# kill_and_resume.sh — `kill -9` of a whole `mpirun -np 3` run midway, then a rerun: it
# finishes every job, keeps every shard finished before the kill untouched, and runs
# nothing twice.
source "$(dirname "$0")/../lib.sh"
write_noop_study "$WORK/slow.toml" 150
out="$WORK/slow"
setsid bash -c "exec mpirun -np 3 --oversubscribe '$TUNEGRID' run '$WORK/slow.toml' --out '$out'" >"$WORK/killed.out" 2>&1 &
leader=$!
wait_shards "$out" 6 200
kill -9 -- "-$leader" 2>/dev/null
wait "$leader" 2>/dev/null
sleep 0.5
pkill -9 -f "tunegrid run $WORK/slow.toml" 2>/dev/null
before=$(shard_count "$out")
if [ "$before" -lt 6 ] || [ "$before" -ge 24 ]; then fail "kill came at the wrong time: $before shards"; finish; fi
pass "killed with $before of 24 shards written"
snapshot_shards "$out"

run_capture rerun mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out"
expect_status 0 rerun && expect_output rerun "kept from earlier runs" && pass "rerun finishes"
expect_rerun_finished_once rerun "$out" "$before"
expect_shards_untouched "$out"
pass "finished shards untouched"
[ -z "$(find "$out/jobs" -name '.*')" ] && pass "no partial shards left" || fail "partial shards left"
finish
