# report_browser.sh — the HTML report in a real browser (headless Chromium). At 800 and 1280
# px wide the page never scrolls sideways, however wide its table (twelve columns, each with
# its published value and difference beside it): the table scrolls inside its own box. The
# same page with that box's style taken out does overflow, so the check can fail. Installs
# Debian's chromium when it is missing and this runs as root; otherwise skips (77) with the
# reason.
source "$(dirname "$0")/../lib.sh"

find_browser() { command -v chromium || command -v chromium-browser || command -v google-chrome || true; }
browser=$(find_browser)
if [ -z "$browser" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing chromium (Debian) for this test"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends chromium >"$WORK/apt.log" 2>&1 ||
    { apt-get update -qq >>"$WORK/apt.log" 2>&1 && apt-get install -y -qq --no-install-recommends chromium >>"$WORK/apt.log" 2>&1; }
  browser=$(find_browser)
fi
if [ -z "$browser" ]; then
  echo "skip: no Chromium to render the report (apt-get install chromium); $(tail -1 "$WORK/apt.log" 2>/dev/null)"
  exit 77
fi

# A store whose table is wide: twelve methods, each with a published column and a difference.
methods=$(printf '"method_with_a_long_name_%s", ' $(seq 1 12) | sed 's/, $//')
cat >"$WORK/wide.toml" <<TOML
[run]
retries = 0
[grid]
finetuned = [$methods]
train_images = [5, 50]
prompt = ["{} in the fire"]
seed = [1, 2]
[jobs.sample]
kind = "bench.noop"
TOML
run_capture run "$TUNEGRID" run "$WORK/wide.toml" --out "$WORK/store"
expect_status 0 run || finish
{
  echo '[report]'
  echo 'kind = "bench.noop"'
  echo 'metrics = ["clip_score"]'
  echo 'timing_kinds = "bench."'
  echo 'timing_phase = "total"'
  echo '[reference]'
  echo 'source = "a paper"'
  echo 'rows = [5, 50]'
  echo '[reference.clip_score."{} in the fire"]'
  for i in $(seq 1 12); do echo "method_with_a_long_name_$i = [0.25, 0.26]"; done
} >>"$WORK/store/plan.toml"
run_capture html "$TUNEGRID" report "$WORK/store" --format html --out "$WORK/r/report.html"
expect_status 0 html || finish

# overflow HTML WIDTH: how many pixels the page is wider than the window, as the browser laid it out.
overflow() {
  sed 's|</body>|<script>document.body.setAttribute("data-overflow", String(document.documentElement.scrollWidth - document.documentElement.clientWidth));</script></body>|' \
    "$1" >"$WORK/probe.html"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$2,900" --dump-dom \
    "file://$WORK/probe.html" 2>"$WORK/browser.log" | sed -n 's/.*data-overflow="\(-\?[0-9]*\)".*/\1/p' | head -1
}
for width in 800 1280; do
  px=$(overflow "$WORK/r/report.html" "$width")
  if [ -z "$px" ]; then fail "the browser gave no layout at $width px"; tail -5 "$WORK/browser.log" >&2; continue; fi
  [ "$px" -le 0 ] && pass "no sideways scrolling at $width px" || fail "the page is $px px wider than a $width px window"
done
# The control: without the table's scrolling box the same page overflows.
sed 's|div.scroll{overflow-x:auto;max-width:100%;|div.scroll{|' "$WORK/r/report.html" >"$WORK/r/unboxed.html"
px=$(overflow "$WORK/r/unboxed.html" 800)
[ -n "$px" ] && [ "$px" -gt 0 ] && pass "without its scrolling box the table overflows by $px px (the check can fail)" ||
  fail "the control did not overflow ('$px')"
finish
