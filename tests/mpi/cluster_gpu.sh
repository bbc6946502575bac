# cluster_gpu.sh — the cluster GPU benchmark (experiments/bench/cluster-gpu.toml) at its tiny
# CPU sizes under mpirun -np 2, every rank in the job's group: one bench.devices job, a
# devices.json row per rank, and `tunegrid report` (Markdown, HTML, CSV) with the per-GPU
# and per-node tables; on the CPU every value is measured but TF32 (a tensor-core mode).
source "$(dirname "$0")/../lib.sh"
exp="$TUNEGRID_SOURCE/experiments/bench/cluster-gpu.toml"
out="$WORK/cluster-gpu"

run_capture run mpirun_np 2 "$TUNEGRID" run "$exp" --set run.ranks_per_job=2 --out "$out"
expect_status 0 run && expect_output run "1 done now" && pass "bench.devices over 2 ranks"
table=$(ls "$out"/artifacts/*/devices.json)
rows=$(/usr/bin/python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(len(t["rows"]), sorted(t["group"]), "tf32" in " ".join(t["columns"]))' "$table")
[ "$rows" = "2 ['allreduce_group_busbw_gbs'] False" ] && pass "a row per rank, the group's all-reduce, no TF32 on a CPU" ||
  fail "devices.json: $rows"

run_capture report "$TUNEGRID" report "$out"
expect_status 0 report && expect_output report "Per GPU:" && expect_output report "Per node:" &&
  expect_output report "matmul bfloat16 TFLOP/s" && expect_output report "allreduce node busbw GB/s" && pass "report tables"
[ -s "$out/report/devices-1.svg" ] && pass "device chart" || fail "no $out/report/devices-1.svg"
run_capture html "$TUNEGRID" report "$out" --format html --out "$WORK/report.html"
expect_status 0 html && grep -q "<h3>Per node</h3>" "$WORK/report.html" && grep -q "<svg" "$WORK/report.html" &&
  pass "HTML tables and chart" || fail "HTML report lacks the device tables or chart"
run_capture csv "$TUNEGRID" report "$out" --format csv
expect_status 0 csv && [ "$(grep -c '^unet_samples_per_second,devices:' "$WORK/csv.out")" = 3 ] &&
  pass "CSV: 2 devices + 1 node" || fail "CSV lines: $(grep -c '^unet_samples_per_second,devices:' "$WORK/csv.out")"
finish
