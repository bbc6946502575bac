#!/usr/bin/env bash
# startup.sh — start-up time and peak memory of `tunegrid` commands (issue "a current
# libtorch": commands that need no model must not pay for libtorch). Times, with a warm page
# cache, `kinds`, `plan` of the Hanok study, `--version` (loads libtorch and its CUDA
# libraries), a `run` of one bench.noop job (experiments/bench/startup-noop.toml) and of one
# tiny bench.matmul job (startup-matmul.toml: a rank's first libtorch job). Each command runs
# RUNS times (default 11) after one warm-up; the table gives the median wall time and the
# median peak RSS of the process (getrusage of the child). With BASELINE=another tunegrid
# binary (e.g. a build of an older commit), both run in turn, A B A B …, and the table adds
# their ratio, pair by pair (a drifting machine slows both alike).
# Usage: bash cluster/bench/startup.sh   (TUNEGRID: default build/tunegrid; BASELINE; RUNS)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/tunegrid-startup-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "${TUNEGRID:-build/tunegrid}" "${BASELINE:-}" "${RUNS:-11}" "$work" <<'PY'
import os, statistics, subprocess, sys, time
binary, baseline, runs, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
commands = {
    "kinds": ["kinds"],
    "plan hanok-fire": ["plan", "experiments/hanok-fire.toml"],
    "--version": ["--version"],
    "run 1 noop job": ["run", "experiments/bench/startup-noop.toml", "--out", "{out}"],
    "run 1 matmul job": ["run", "experiments/bench/startup-matmul.toml", "--out", "{out}"],
}

def once(program, args, tag):
    out = os.path.join(work, tag)
    subprocess.run(["rm", "-rf", out], check=True)
    start = time.perf_counter()
    child = subprocess.Popen([program] + [a.replace("{out}", out) for a in args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 4):  # 4: --version found a library that is not the build's (reported, not timed away)
        sys.exit(f"[startup] {program} {' '.join(args)} exited {code}")
    return wall, usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux

rows = []
for name, args in commands.items():
    sides = [("a", binary)] + ([("b", baseline)] if baseline else [])
    samples = {side: [] for side, _ in sides}
    for run in range(runs + 1):
        for side, program in sides:
            result = once(program, args, f"{side}-{run}")
            if run: samples[side].append(result)
    row = [name]
    for side, _ in sides:
        row += [statistics.median(w for w, _ in samples[side]), statistics.median(m for _, m in samples[side])]
    if baseline:
        row.append(statistics.median(a[0] / b[0] for a, b in zip(samples["a"], samples["b"])))
    rows.append(row)

head = f"{'command':<18} {'wall s':>8} {'peak MB':>8}"
if baseline: head += f" {'base s':>8} {'base MB':>8} {'wall ratio':>10}"
print(head)
for row in rows:
    line = f"{row[0]:<18} {row[1]:8.3f} {row[2]:8.0f}"
    if baseline: line += f" {row[3]:8.3f} {row[4]:8.0f} {row[5]:10.2f}"
    print(line)
print(f"median of {runs} runs after one warm-up; A = {binary}" + (f", base = {baseline}, run in turn" if baseline else ""))
PY
