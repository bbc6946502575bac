# bad_input.sh — every kind of bad input exits 2 with a message naming the file and line
# (or key) and what was expected, and writes nothing into the output directory.
source "$(dirname "$0")/../lib.sh"

good="$WORK/good.toml"
cat >"$good" <<'TOML'
[grid]
size = [16, 32]
[jobs.noop]
kind = "bench.noop"
TOML

# check NAME EXPECTED_TEXT EXPERIMENT_TEXT [extra args]
check() {
  local name=$1 text=$2 body=$3; shift 3
  printf '%s\n' "$body" >"$WORK/$name.toml"
  run_capture "$name" "$TUNEGRID" run "$WORK/$name.toml" --out "$WORK/out-$name" "$@"
  expect_status 2 "$name" && expect_output "$name" "$text" && {
    if [ -e "$WORK/out-$name" ]; then fail "$name: created its output directory"; else pass "$name"; fi
  }
}

check malformed "malformed.toml:2:" $'[grid]\nsize = [16,, 32]\n[jobs.noop]\nkind = "bench.noop"'
check unknown_key "unknown_key.toml:3:1: unknown key 'run.retrys'" $'[run]\nretries = 1\nretrys = 2\n[jobs.a]\nkind = "bench.noop"'
check unknown_key_suggestion "did you mean 'retries'" $'[run]\nretrys = 2\n[jobs.a]\nkind = "bench.noop"'
check unknown_kind "unknown job kind 'bench.nope'" $'[jobs.a]\nkind = "bench.nope"'
check unknown_param "did you mean 'sleep_ms'" $'[jobs.a]\nkind = "bench.noop"\n[jobs.a.params]\nsleep = 1'
check wrong_type "wrong_type.toml:4:12: 'jobs.a.params.sleep_ms': expected a number" $'[jobs.a]\nkind = "bench.noop"\n[jobs.a.params]\nsleep_ms = "long"'
check empty_axis "empty_axis.toml:2:12: axis 'grid.sleep_ms' is empty" $'[grid]\nsleep_ms = []\n[jobs.a]\nkind = "bench.noop"'
check negative_axis "negative_axis.toml:2:16" $'[grid]\nsleep_ms = [1, -5]\n[jobs.a]\nkind = "bench.noop"'
check cycle "cycle: a -> b -> a" $'[jobs.a]\nkind = "bench.noop"\nneeds = ["b"]\n[jobs.b]\nkind = "bench.noop"\nneeds = ["a"]'
check bad_set "--set 'grid.size=big'" "$(cat "$good")" --set grid.size=big
check set_unknown_table "--set 'foo.bar=1': unknown key 'foo'" "$(cat "$good")" --set foo.bar=1
check bad_axis_name "bad_axis_name.toml:3:1: axis name 'a.b'" $'[grid]\nsize = [1]\n"a.b" = [1]\n[jobs.a]\nkind = "bench.noop"'
check empty_axis_name "empty_axis_name.toml:2:1: axis name ''" $'[grid]\n"" = [1, 2]\n[jobs.a]\nkind = "bench.noop"'
check nan_param "nan_param.toml:4:12: 'jobs.a.params.sleep_ms': expected a finite number" $'[jobs.a]\nkind = "bench.noop"\n[jobs.a.params]\nsleep_ms = nan'
check inf_axis "inf_axis.toml:2:16" $'[grid]\nsleep_ms = [1, inf]\n[jobs.a]\nkind = "bench.noop"'

check bad_profile "--profile fast" "$(cat "$good")" --profile fast

run_capture missing_file "$TUNEGRID" run "$WORK/nope.toml" --out "$WORK/out-missing"
expect_status 2 missing_file && expect_output missing_file "nope.toml: experiment file does not exist" && pass missing_file

touch "$WORK/a-file"
run_capture unwritable "$TUNEGRID" run "$good" --out "$WORK/a-file/sub"
expect_status 2 unwritable && expect_output unwritable "cannot create the output directory" && pass unwritable

# A DIR held by another run: refused, and nothing written into it.
mkdir -p "$WORK/locked"
flock "$WORK/locked/run.lock" sleep 30 >/dev/null 2>&1 &
holder=$!
sleep 0.5
run_capture locked "$TUNEGRID" run "$good" --out "$WORK/locked"
expect_status 2 locked && expect_output locked "another run is using this output directory" && {
  contents=$(ls -A "$WORK/locked")
  if [ "$contents" = "run.lock" ]; then pass locked; else fail "locked: DIR now holds: $contents"; fi
}
pkill -P "$holder" 2>/dev/null; kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

run_capture bad_command "$TUNEGRID" frobnicate
expect_status 2 bad_command && pass bad_command
run_capture no_experiment "$TUNEGRID" run
expect_status 2 no_experiment && pass no_experiment
run_capture status_missing "$TUNEGRID" status "$WORK/nowhere"
expect_status 2 status_missing && expect_output status_missing "no such output directory" && pass status_missing
finish
