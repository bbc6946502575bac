# hostile_input.sh — inputs that used to crash tunegrid or change an experiment silently
# (SIGFPE, std::terminate, SIGSEGV, an unbounded grid, a name that writes outside runs/),
# each ending as docs/command-line.md's exit codes say: exit 2 with the file and key (or line) and what
# was expected, nothing written; a job's bad base model fails that job only (exit 1), also
# under mpirun with another rank's work done.
source "$(dirname "$0")/../lib.sh"
fixture="$TUNEGRID_SOURCE/tests/fixtures/tiny-sd"

# A copy of the tiny diffusers fixture with one config key changed: broken_model NAME FILE KEY JSON_VALUE
broken_model() {
  cp -r "$fixture" "$WORK/$1"
  python3 -c 'import json, sys; p, k, v = sys.argv[1:]; c = json.load(open(p)); c[k] = json.loads(v); json.dump(c, open(p, "w"))' \
    "$WORK/$1/$2" "$3" "$4"
}

# Model configs that crashed `sample` and every rank of a run (SIGFPE, terminate).
check_model() {  # check_model NAME FILE KEY VALUE EXPECTED_TEXT (after "<file>: ")
  broken_model "$1" "$2" "$3" "$4"
  run_capture "sample-$1" "$TUNEGRID" sample --model "$WORK/$1" --prompt "a house" --steps 2 --out "$WORK/$1.png"
  expect_status 2 "sample-$1" && expect_output "sample-$1" "$1/$2: $5" && pass "sample: $2 $3 = $4"
}
check_model zero_groups unet/config.json norm_num_groups 0 "key 'norm_num_groups': expected an integer from 1 to 65536, found 0"
check_model zero_heads unet/config.json attention_head_dim 0 "key 'attention_head_dim': expected head counts from 1 to 65536, found 0"
check_model negative_layers unet/config.json layers_per_block -1 "key 'layers_per_block': expected an integer from 1 to 256, found -1"
check_model huge_width unet/config.json cross_attention_dim 1000000000000 "key 'cross_attention_dim': 1000000000000 does not fit in a 32-bit integer"
check_model zero_text_heads text_encoder/config.json num_attention_heads 0 "key 'num_attention_heads': expected an integer from 1 to 65536, found 0"
check_model indivisible unet/config.json norm_num_groups 5 "key 'block_out_channels': 16 channels do not divide into norm_num_groups = 5"

# Under `run` the bad base model fails its own job; the other job runs, on one rank or two.
cat >"$WORK/two-models.toml" <<TOML
[run]
retries = 0
[grid]
model = ["$fixture", "$WORK/zero_groups"]
[jobs.sample]
kind = "sample"
[jobs.sample.params]
prompt = "a house"
images = 1
steps = 2
evaluate = false   # the default judges (builtin:tiny-clip) would be pretrained first: minutes
TOML
run_capture run-bad-model "$TUNEGRID" run "$WORK/two-models.toml" --out "$WORK/bad-model"
expect_status 1 run-bad-model && expect_output run-bad-model "1 done now, 0 kept from earlier runs, 1 failed" &&
  expect_output run-bad-model "zero_groups/unet/config.json: key 'norm_num_groups'" && pass "run: the bad model fails its job"
run_capture run-bad-model-np2 mpirun_np 2 "$TUNEGRID" run "$WORK/two-models.toml" --out "$WORK/bad-model-np2"
expect_status 1 run-bad-model-np2 && expect_output run-bad-model-np2 "1 done now, 0 kept from earlier runs, 1 failed" &&
  pass "mpirun -np 2: the bad model fails its job, the other rank's job is done"

# Experiment files: each exits 2, names where, and writes nothing.
check() {  # check NAME EXPECTED_TEXT EXPERIMENT_TEXT [extra args]
  local name=$1 text=$2 body=$3; shift 3
  printf '%s\n' "$body" >"$WORK/$name.toml"
  run_capture "$name" "$TUNEGRID" run "$WORK/$name.toml" --out "$WORK/out-$name" "$@"
  expect_status 2 "$name" && expect_output "$name" "$text" && {
    if [ -e "$WORK/out-$name" ]; then fail "$name: created its output directory"; else pass "$name"; fi
  }
}
python3 -c 'print("a" + ".a" * 100000 + " = 1\n[jobs.a]\nkind = \"bench.noop\"")' >"$WORK/deep.toml"
run_capture deep_keys "$TUNEGRID" run "$WORK/deep.toml" --out "$WORK/out-deep"
expect_status 2 deep_keys && expect_output deep_keys "deep.toml:1: keys nest 100001 levels deep" && pass "100,000-deep dotted key"
python3 -c 'print("[" + ".".join(["a"] * 100000) + "]\n[jobs.a]\nkind = \"bench.noop\"")' >"$WORK/deep-header.toml"
run_capture deep_header "$TUNEGRID" run "$WORK/deep-header.toml" --out "$WORK/out-deep"
expect_status 2 deep_header && expect_output deep_header "levels deep" && pass "100,000-deep table header"
axis=$(seq -s, 0 999)
check huge_grid "expands into 1000000000 jobs" $'[grid]\na = ['"$axis"$']\nb = ['"$axis"$']\nc = ['"$axis"$']\n[jobs.x]\nkind = "bench.noop"'
check huge_sleep "'jobs.a.params.sleep_ms': expected a number from 0 to 86400000" $'[jobs.a]\nkind = "bench.noop"\n[jobs.a.params]\nsleep_ms = 1e300'
check huge_timeout "'run.job_timeout' expects a number of seconds from 0 to 1e+09" $'[run]\njob_timeout = 1e300\n[jobs.a]\nkind = "bench.noop"'
check only_typo "'jobs.a.only.repeat' lists 99, which is not a value of axis 'grid.repeat'" $'[grid]\nrepeat = [1, 2]\n[jobs.a]\nkind = "bench.noop"\nonly = { repeat = 99 }\n[jobs.b]\nkind = "bench.noop"\nneeds = ["a"]'
check empty_name "'experiment.name' must be a single directory name" $'[experiment]\nname = ""\n[jobs.a]\nkind = "bench.noop"'
check escaping_name "found '../../x': it contains '/'" $'[experiment]\nname = "../../x"\n[jobs.a]\nkind = "bench.noop"'
check nul_name "the control character 0x00" $'[experiment]\nname = "a\\u0000b"\n[jobs.a]\nkind = "bench.noop"'
check empty_out "--out: expects a directory path, found an empty string" $'[jobs.a]\nkind = "bench.noop"' --out ''

# Paths that are not experiment files say what they are.
mkfifo "$WORK/fifo.toml"
ln -s "$WORK/loop-b" "$WORK/loop-a" && ln -s "$WORK/loop-a" "$WORK/loop-b"
for case in "/dev/null:is a character device" "$WORK:is a directory" "$WORK/fifo.toml:is a FIFO" \
            "$WORK/loop-a:is a loop of symbolic links" "$WORK/nope.toml:does not exist"; do
  path=${case%%:*}; what=${case#*:}
  run_capture path "$TUNEGRID" run "$path" --out "$WORK/out-path"
  expect_status 2 path && expect_output path "$path: experiment file $what" && pass "$path $what"
done

# The command line itself.
run_capture unknown "$TUNEGRID" frobnicate
expect_status 2 unknown && expect_output unknown "unknown command 'frobnicate'" && pass "unknown command named"
run_capture typo "$TUNEGRID" rnu x.toml
expect_status 2 typo && expect_output typo "did you mean 'run'?" && pass "command typo suggested"
run_capture version "$TUNEGRID" --version
expect_status 0 version && expect_output version "tunegrid " && expect_output version "libtorch " &&
  expect_output version "MPI: " && expect_output version "HDF5 " && pass "--version"
finish
