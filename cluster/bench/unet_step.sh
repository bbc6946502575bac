#!/usr/bin/env bash
# unet_step.sh — UNet training-step benchmark: forward + MSE loss + backward +
# AdamW step of tunegrid's UNet2DConditionModel (`bench.unet_step`,
# experiments/bench/unet-step.toml: stages `tiny` and `small` × batch 1/4/8) against the same
# step in PyTorch + diffusers (cluster/bench/unet_step_diffusers.py, given each stage's
# threads, warmup and steps) when a Python with torch + diffusers is available.
# The two alternate, config by config, ROUNDS times (default 3), so that a machine whose speed
# drifts slows both alike; the table gives per (config, batch) the median over rounds of each
# side's median ms/step, the median of the rounds' C++/Python ratios (and of their minima'
# ratios), and the fwd/bwd/optimizer split.
# Target: C++ ≤ 0.8× Python at tiny, ≤ 0.9× at small (same machine, same threads).
# Usage: bash cluster/bench/unet_step.sh
# Environment: TUNEGRID (default build/tunegrid), PYTHON (a Python with torch and diffusers, e.g.
# the venv of tests/reference/; default python3), ROUNDS, THREADS / STEPS / WARMUP override every
# stage's value, KEEP=1 keeps the work directory (stores and raw results; its path is printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
experiment=experiments/bench/unet-step.toml
python=${PYTHON:-python3}
rounds=${ROUNDS:-3}
reader=/usr/bin/python3  # Debian's: tomllib (3.11) and python3-h5py (cluster/setup.sh installs it)

work=$(mktemp -d /tmp/tunegrid-unet-step-XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "[unet_step] work directory: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

# One experiment file per stage, with the overrides applied: "stage config threads steps warmup
# batches..." per line in $work/stages.txt.
"$reader" - "$experiment" "$work" "${THREADS:-}" "${STEPS:-}" "${WARMUP:-}" >"$work/stages.txt" <<'EOF'
import sys, tomllib
source, work, threads, steps, warmup = sys.argv[1:6]
experiment = tomllib.load(open(source, "rb"))
batches = experiment["grid"]["batch"]
for stage, job in experiment["jobs"].items():
    p = dict(job["params"])
    for key, value in (("threads", threads), ("steps", steps), ("warmup", warmup)):
        if value:
            p[key] = int(value)
    with open(f"{work}/{stage}.toml", "w") as out:
        out.write(f'[run]\nretries = 0\n[grid]\nbatch = {batches}\n[jobs.{stage}]\nkind = "{job["kind"]}"\n'
                  f'[jobs.{stage}.params]\n')
        for key, value in p.items():
            out.write(f'{key} = "{value}"\n' if isinstance(value, str) else f"{key} = {value}\n")
    print(stage, p["config"], p["threads"], p["steps"], p["warmup"], *batches)
EOF

has_python=1
"$python" -c "import torch, diffusers" >/dev/null 2>&1 || {
  has_python=0
  echo "[unet_step] $python cannot import torch and diffusers: C++ only" >&2
}
: >"$work/py.jsonl"
for round in $(seq "$rounds"); do
  while read -r stage config threads steps warmup batches; do
    echo "[unet_step] round $round: C++ $config" >&2
    "$binary" run "$work/$stage.toml" --out "$work/cpp-$round-$config" >"$work/cpp-$round-$config.log" 2>&1 || {
      cat "$work/cpp-$round-$config.log" >&2
      echo "[unet_step] the C++ run failed" >&2
      exit 1
    }
    [ "$has_python" = 1 ] || continue
    echo "[unet_step] round $round: Python $config" >&2
    # shellcheck disable=SC2086
    "$python" cluster/bench/unet_step_diffusers.py --configs "$config" --batches $batches --threads "$threads" \
      --steps "$steps" --warmup "$warmup" | sed "s/^{/{\"round\": $round, /" >>"$work/py.jsonl"
  done <"$work/stages.txt"
done

"$reader" - "$work" "$rounds" "$binary" <<'EOF'
import glob, json, os, statistics, subprocess, sys, tomllib
import h5py
work, rounds, binary = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cpp, py = {}, {}  # (config, batch, round) -> dict
for store in glob.glob(f"{work}/cpp-*"):
    if not os.path.isdir(store):
        continue
    round_ = int(os.path.basename(store).split("-")[1])
    for path in glob.glob(f"{store}/jobs/*.h5"):
        with h5py.File(path, "r") as shard:
            if shard.attrs["status"] != "done":
                continue
            p = tomllib.loads(shard.attrs["spec"])["params"]
            m, t = shard["metrics"], shard["timings"]
            cpp[(p["config"], p["batch"], round_)] = dict(
                step_ms=m["step_ms"][()], step_ms_min=m["step_ms_min"][()], params=int(m["params"][()]),
                threads=int(m["threads"][()]), forward_ms=t["forward"][()] * 1e3, backward_ms=t["backward"][()] * 1e3,
                optimizer_ms=t["optimizer"][()] * 1e3, steps=p["steps"], warmup=p["warmup"])
torch_version = "-"
for line in open(f"{work}/py.jsonl"):
    r = json.loads(line)
    py[(r["config"], r["batch"], r["round"])] = r
    torch_version = r["torch"]
med = statistics.median
split = lambda rs: "/".join(f"{med(r[k] for r in rs):.1f}" for k in ("forward_ms", "backward_ms", "optimizer_ms"))
print(f"{'config':<6} {'batch':>5} {'C++ ms':>9} {'Py ms':>9} {'C++/Py':>7} {'(min)':>6} {'target':<9} "
      f"{'C++ fwd/bwd/opt ms':<20} {'Py fwd/bwd/opt ms':<20} params")
for config, batch in sorted({(c, b) for c, b, _ in cpp}, key=lambda k: (k[0] != "tiny", k[1])):
    c = [cpp[k] for k in sorted(cpp) if k[:2] == (config, batch)]
    pairs = [(cpp[k], py[k]) for k in sorted(cpp) if k[:2] == (config, batch) and k in py]
    target = 0.8 if config == "tiny" else 0.9
    if pairs:
        ratio = med(a["step_ms"] / b["step_ms"] for a, b in pairs)
        min_ratio = med(a["step_ms_min"] / b["step_ms_min"] for a, b in pairs)
        py_ms = f"{med(b['step_ms'] for _, b in pairs):.1f}"
        verdict = "ok" if ratio <= target else "MISS"
        cells = (py_ms, f"{ratio:.2f}", f"{min_ratio:.2f}", f"{target:<4}{verdict}", split([b for _, b in pairs]))
    else:
        cells = ("-", "-", "-", f"{target}", "-")
    print(f"{config:<6} {batch:>5} {med(r['step_ms'] for r in c):>9.1f} {cells[0]:>9} {cells[1]:>7} {cells[2]:>6} "
          f"{cells[3]:<9} {split(c):<20} {cells[4]:<20} {c[0]['params']}")
described = []
for config in sorted({c for c, _, _ in cpp}, key=lambda c: c != "tiny"):
    r = next(v for k, v in cpp.items() if k[0] == config)
    described.append(f"{config}: {r['threads']} threads, median of {r['steps']} steps after {r['warmup']} warmup")
print("; ".join(described) + f"; {rounds} round(s), C++ and Python alternating")
version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
libtorch = next((l.split()[1] for l in version.splitlines() if l.startswith("libtorch ")), "?")
print(f"target = C++/Py of the medians (median over rounds); C++: libtorch {libtorch}; Python: torch {torch_version}")
EOF
