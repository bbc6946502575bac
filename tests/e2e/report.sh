# report.sh — `tunegrid report` end to end on a small store made by `tunegrid run`
# (bench.noop jobs over a finetuned × train_images × prompt × seed grid, two of them failing):
# Markdown on stdout with the failures listed, CSV / HTML / LaTeX files with their figures
# beside them, the same report from a copy of the store, and exit 2 for bad input.
source "$(dirname "$0")/../lib.sh"
exp="$WORK/study.toml"
out="$WORK/store"
cat >"$exp" <<'TOML'
[run]
retries = 0
[grid]
finetuned = ["lora", "dreambooth"]
train_images = [5, 50]
prompt = ["{} in the fire"]
seed = [1, 2]
[jobs.sample]
kind = "bench.noop"
[jobs.broken]
kind = "bench.noop"
over = ["seed"]
[jobs.broken.params]
fail_attempts = 5
TOML

run_capture run "$TUNEGRID" run "$exp" --out "$out"
expect_status 1 run && pass "run (2 jobs fail on purpose)"
cat >>"$out/plan.toml" <<'TOML'
[report]
kind = "bench.noop"
metrics = ["clip_score"]
timing_kinds = "bench."
timing_phase = "total"
[report.labels]
lora = "LoRA"
TOML

run_capture md "$TUNEGRID" report "$out"
expect_status 0 md && expect_output md "8 of 10 planned jobs done, 2 failed" && expect_output md "| 5 | — | — |" &&
  expect_output md "## Failed jobs (2)" && expect_output md "fails on purpose" && expect_output md "| train\\_images | LoRA | dreambooth |" &&
  pass "markdown on stdout"
[ -s "$out/report/timing.png" ] && [ -s "$out/report/timing.svg" ] && pass "figures in DIR/report" || fail "no figures in $out/report"

run_capture csv "$TUNEGRID" report "$out" --format csv --out "$WORK/r/report.csv"
expect_status 0 csv && head -1 "$WORK/r/report.csv" | grep -qx 'metric,table,row,column,mean,std,n,reference,difference' &&
  pass "csv" || fail "csv header: $(head -1 "$WORK/r/report.csv" 2>/dev/null)"
run_capture html "$TUNEGRID" report "$out" --format html --out "$WORK/r/report.html"
expect_status 0 html && grep -q '<svg' "$WORK/r/report.html" && [ -s "$WORK/r/report-timing.png" ] && pass "html" ||
  fail "html report or its figures missing"
if command -v python3 >/dev/null; then
  python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$WORK/r/report.html" && pass "html is well-formed" ||
    fail "html is not well-formed XML"
fi
run_capture tex "$TUNEGRID" report "$out" --format tex --out "$WORK/r/report.tex"
expect_status 0 tex && grep -q '\\begin{tabular}' "$WORK/r/report.tex" && pass "tex" || fail "tex report"
if command -v pdflatex >/dev/null; then
  (cd "$WORK/r" && pdflatex -interaction=nonstopmode -halt-on-error report.tex >pdflatex.log 2>&1) && pass "tex compiles" ||
    { fail "pdflatex failed"; tail -20 "$WORK/r/pdflatex.log" >&2; }
fi

# The store alone makes the report: a copy elsewhere gives the same text (but for its path).
cp -r "$out" "$WORK/copy"
"$TUNEGRID" report "$WORK/copy" 2>/dev/null | sed "s|$WORK/copy|DIR|g" >"$WORK/copy.md"
sed "s|$out|DIR|g" "$WORK/md.out" >"$WORK/original.md"
diff -q "$WORK/original.md" "$WORK/copy.md" >/dev/null && pass "same report from a copy" ||
  { fail "the copy's report differs"; diff "$WORK/original.md" "$WORK/copy.md" >&2; }

run_capture missing "$TUNEGRID" report "$WORK/nope"
expect_status 2 missing && expect_output missing "no such output directory" && pass "missing DIR exits 2"
run_capture format "$TUNEGRID" report "$out" --format pdf
expect_status 2 format && pass "unknown format exits 2"
sed -i 's/^\[report\]$/[report]\ncolums = "x"/' "$out/plan.toml"
run_capture bad "$TUNEGRID" report "$out"
expect_status 2 bad && expect_output bad "unknown key 'report.colums' (did you mean 'columns'?)" && pass "bad [report] exits 2"

finish
