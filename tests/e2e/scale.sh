# scale.sh — the scale benchmark (cluster/bench/scale.sh) at 10^4 jobs: the run does every
# job, the rerun does none and writes no index, `tunegrid status` reads the store. A check
# that the benchmark works, not a timed test: the numbers go in docs, not in an assertion.
source "$(dirname "$0")/../lib.sh"
run_capture scale bash "$TUNEGRID_SOURCE/cluster/bench/scale.sh" 10000
expect_status 0 scale && expect_output scale "10000" && pass "scale benchmark at 10^4 jobs"
sed 's/^/    /' "$WORK/scale.out"
finish
