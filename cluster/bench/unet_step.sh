#!/usr/bin/env bash
# unet_step.sh — UNet training-step benchmark (issue #3): forward + MSE loss + backward +
# AdamW step of tunegrid's UNet2DConditionModel (`bench.unet_step`,
# experiments/bench/unet-step.toml: stages `tiny` and `small` × batch 1/4/8) and, when a
# Python with torch + diffusers is available, the same step in diffusers
# (cluster/bench/unet_step_diffusers.py) with each stage's threads, warmup and steps.
# Prints one table: config, batch, C++ and Python median ms/step, C++/Python of the medians
# (and of the minima, less sensitive to other load on the machine), the fwd/bwd/optimizer
# split. Target: C++ ≤ 0.8× Python at tiny, ≤ 0.9× at small (same machine, same threads).
# Usage: bash cluster/bench/unet_step.sh
# Environment: TUNEGRID (default build/tunegrid), PYTHON (default /work/refvenv/bin/python
# if present, else python3), THREADS / STEPS / WARMUP override every stage's value,
# KEEP=1 keeps the work directory (C++ store and raw results; its path is printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
experiment=experiments/bench/unet-step.toml
python=${PYTHON:-}
if [ -z "$python" ]; then
  if [ -x /work/refvenv/bin/python ]; then python=/work/refvenv/bin/python; else python=python3; fi
fi
reader=/usr/bin/python3  # Debian's: tomllib (3.11) and python3-h5py (cluster/setup.sh installs it)
configs=(tiny small)     # the experiment's stages, named after the config they run

work=$(mktemp -d /tmp/tunegrid-unet-step-XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "[unet_step] work directory: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

overrides=()
for config in "${configs[@]}"; do
  [ -n "${THREADS:-}" ] && overrides+=(--set "jobs.$config.params.threads=$THREADS")
  [ -n "${STEPS:-}" ] && overrides+=(--set "jobs.$config.params.steps=$STEPS")
  [ -n "${WARMUP:-}" ] && overrides+=(--set "jobs.$config.params.warmup=$WARMUP")
done
echo "[unet_step] C++: $binary run $experiment ${overrides[*]}" >&2
"$binary" run "$experiment" --out "$work/cpp" "${overrides[@]}" >"$work/cpp.log" 2>&1 || {
  cat "$work/cpp.log" >&2
  echo "[unet_step] the C++ run failed" >&2
  exit 1
}
# From the store, one line per job: config batch step_ms step_ms_min params fwd bwd opt (ms)
# threads steps warmup — the last three are what the Python peer is given.
"$reader" - "$work/cpp" >"$work/cpp.txt" <<'EOF'
import glob, sys, tomllib
import h5py
for path in sorted(glob.glob(f"{sys.argv[1]}/jobs/*.h5")):
    with h5py.File(path, "r") as shard:
        if shard.attrs["kind"] != "bench.unet_step" or shard.attrs["status"] != "done":
            continue
        p = tomllib.loads(shard.attrs["spec"])["params"]
        m, t = shard["metrics"], shard["timings"]
        print(p["config"], p["batch"], m["step_ms"][()], m["step_ms_min"][()], int(m["params"][()]),
              t["forward"][()] * 1e3, t["backward"][()] * 1e3, t["optimizer"][()] * 1e3,
              int(m["threads"][()]), p["steps"], p["warmup"])
EOF

: >"$work/py.txt"
if "$python" -c "import torch, diffusers" >/dev/null 2>&1; then
  for config in "${configs[@]}"; do
    # threads, steps, warmup and the batches of this config as the C++ jobs ran them
    read -r threads steps warmup < <(awk -v c="$config" '$1 == c { print $9, $10, $11; exit }' "$work/cpp.txt")
    batches=$(awk -v c="$config" '$1 == c { print $2 }' "$work/cpp.txt" | sort -n | tr '\n' ' ')
    echo "[unet_step] Python: $python cluster/bench/unet_step_diffusers.py --configs $config --batches $batches" \
      "--threads $threads --steps $steps --warmup $warmup" >&2
    # shellcheck disable=SC2086
    "$python" cluster/bench/unet_step_diffusers.py --configs "$config" --batches $batches \
      --threads "$threads" --steps "$steps" --warmup "$warmup" >>"$work/py.jsonl"
  done
  "$reader" - "$work/py.jsonl" >"$work/py.txt" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["config"], r["batch"], r["step_ms"], r["step_ms_min"], r["params"], r["forward_ms"], r["backward_ms"],
          r["optimizer_ms"], r["torch"])
EOF
else
  echo "[unet_step] $python cannot import torch and diffusers: Python comparison skipped" >&2
fi

printf '%-6s %5s %9s %9s %7s %7s %-9s %-20s %-20s %s\n' config batch "C++ ms" "Py ms" "C++/Py" "(min)" target \
  "C++ fwd/bwd/opt ms" "Py fwd/bwd/opt ms" params
for config in "${configs[@]}"; do
  for batch in $(awk -v c="$config" '$1 == c { print $2 }' "$work/cpp.txt" | sort -n); do
    awk -v c="$config" -v b="$batch" '
      FILENAME ~ /cpp.txt$/ && $1 == c && $2 == b { cpp = $3; cmin = $4; cparams = $5; cparts = sprintf("%.1f/%.1f/%.1f", $6, $7, $8) }
      FILENAME ~ /py.txt$/ && $1 == c && $2 == b { py = $3; pmin = $4; pparams = $5; pparts = sprintf("%.1f/%.1f/%.1f", $6, $7, $8) }
      END {
        target = (c == "tiny") ? 0.8 : 0.9
        if (py == "") { pyms = "-"; ratio = "-"; mratio = "-"; verdict = "" }
        else {
          pyms = sprintf("%.1f", py); ratio = sprintf("%.2f", cpp / py); mratio = sprintf("%.2f", cmin / pmin)
          verdict = (cpp / py <= target) ? "ok" : "MISS"
        }
        params = cparams (pparams != "" && pparams != cparams ? " (py " pparams ")" : "")
        printf "%-6s %5d %9.1f %9s %7s %7s %-4.1f%-5s %-20s %-20s %s\n", c, b, cpp, pyms, ratio, mratio, target, verdict,
          cparts, (pparts == "" ? "-" : pparts), params
      }' "$work/cpp.txt" "$work/py.txt"
  done
done
libtorch=$("$binary" --version 2>/dev/null | sed -n 's/^libtorch \([^ ]*\).*/\1/p')
awk '!seen[$1]++ { printf "%s%s: %d threads, median of %d steps after %d warmup", sep, $1, $9, $10, $11; sep = "; " }
  END { print "" }' "$work/cpp.txt"
echo "target = C++/Py of the medians; C++: libtorch $libtorch; Python: $(awk 'NR == 1 { print "torch " $9 }' "$work/py.txt")"
