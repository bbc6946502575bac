# kill_one_rank.sh — `kill -9` of one worker rank mid-run: MPI cannot survive a lost peer,
# so mpirun takes the whole run down (non-zero exit, no rank left behind); the rerun
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
sleep_ms = 200
TOML
out="$WORK/slow"
mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out" >"$WORK/killed.out" 2>&1 &
launcher=$!
for _ in $(seq 1 400); do
  [ -d "$out/jobs" ] && [ "$(shard_count "$out")" -ge 6 ] && break
  sleep 0.05
done
victim=""
for pid in $(pgrep -f -- "run .* --out $out\$"); do
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=2" && victim=$pid
done
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
(cd "$out/jobs" && for f in *.h5; do echo "$f $(stat -c %Y.%i "$f")"; done) >"$WORK/before.txt"

run_capture rerun mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out"
expect_status 0 rerun && pass "rerun finishes"
kept=$(sed -n 's/.* \([0-9]*\) done now, \([0-9]*\) kept.*/\2/p' "$WORK/rerun.out")
now=$(sed -n 's/.* \([0-9]*\) done now, \([0-9]*\) kept.*/\1/p' "$WORK/rerun.out")
[ "$kept" -eq "$before" ] && [ $((kept + now)) -eq 24 ] && pass "kept $kept, ran $now: nothing twice" \
  || fail "kept $kept + ran $now != 24 (before: $before)"
[ "$(shard_count "$out")" -eq 24 ] && pass "24 shards" || fail "$(shard_count "$out") shards"
while read -r file stamp; do
  [ "$(stat -c %Y.%i "$out/jobs/$file")" = "$stamp" ] || fail "$file was rewritten"
done <"$WORK/before.txt"
for shard in "$out"/jobs/*.h5; do
  [ "$(h5_attribute "$shard" /attempt)" = 1 ] || fail "$shard: attempt $(h5_attribute "$shard" /attempt)"
done
pass "finished shards untouched, every job attempted once"
[ -z "$(find "$out/jobs" -name '.*')" ] && pass "no partial shards left" || fail "partial shards left"
finish
