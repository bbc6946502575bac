# kill_and_resume.sh — `kill -9` of a whole `mpirun -np 3` run midway, then a rerun: it
# finishes every job, keeps every shard finished before the kill untouched, and runs
# nothing twice.
source "$(dirname "$0")/../lib.sh"
cat >"$WORK/slow.toml" <<'TOML'
[run]
retries = 0
[grid]
n = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]
[jobs.slow]
kind = "bench.noop"
[jobs.slow.params]
sleep_ms = 150
TOML
out="$WORK/slow"
setsid bash -c "exec mpirun -np 3 --oversubscribe '$TUNEGRID' run '$WORK/slow.toml' --out '$out'" >"$WORK/killed.out" 2>&1 &
leader=$!
for _ in $(seq 1 200); do
  [ -d "$out/jobs" ] && [ "$(shard_count "$out")" -ge 6 ] && break
  sleep 0.05
done
kill -9 -- "-$leader" 2>/dev/null
wait "$leader" 2>/dev/null
sleep 0.5
pkill -9 -f "tunegrid run $WORK/slow.toml" 2>/dev/null
before=$(shard_count "$out")
if [ "$before" -lt 6 ] || [ "$before" -ge 24 ]; then fail "kill came at the wrong time: $before shards"; finish; fi
pass "killed with $before of 24 shards written"
(cd "$out/jobs" && for f in *.h5; do echo "$f $(stat -c %Y.%i "$f")"; done) >"$WORK/before.txt"

run_capture rerun mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out"
expect_status 0 rerun && expect_output rerun "kept from earlier runs" && pass "rerun finishes"
kept=$(sed -n 's/.* \([0-9]*\) done now, \([0-9]*\) kept.*/\2/p' "$WORK/rerun.out")
now=$(sed -n 's/.* \([0-9]*\) done now, \([0-9]*\) kept.*/\1/p' "$WORK/rerun.out")
[ "$kept" -ge "$before" ] && [ $((kept + now)) -eq 24 ] && pass "kept $kept, ran $now: nothing twice" || fail "kept $kept + ran $now != 24 (before: $before)"
[ "$(shard_count "$out")" -eq 24 ] && pass "24 shards" || fail "$(shard_count "$out") shards"
while read -r file stamp; do
  [ "$(stat -c %Y.%i "$out/jobs/$file")" = "$stamp" ] || fail "$file was rewritten"
done <"$WORK/before.txt"
pass "finished shards untouched"
[ -z "$(find "$out/jobs" -name '.*')" ] && pass "no partial shards left" || fail "partial shards left"
finish
