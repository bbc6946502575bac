#!/usr/bin/env bash
# flux_step.sh — FLUX transformer training-step benchmark for sizing builtin:tiny-flux
# (`bench.flux_step`, experiments/bench/flux-step.toml: four candidate sizes and the tiny-sd
# UNet's step at the same batch for scale). Runs the experiment ROUNDS times (default 3, the
# machine is shared and noisy) and prints per stage the median over rounds of the median
# ms/step, its ratio to the tiny UNet's step in the same round (median over rounds), the
# fwd/bwd/optimizer split, the parameter count and the minutes 1,000 steps take.
# Usage: bash cluster/bench/flux_step.sh
# Environment: TUNEGRID (default build/tunegrid), ROUNDS, KEEP=1 keeps the stores.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/tunegrid-flux-step-XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "[flux_step] work directory: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
for round in $(seq "$rounds"); do
  echo "[flux_step] round $round" >&2
  "$binary" run experiments/bench/flux-step.toml --out "$work/round-$round" >"$work/round-$round.log" 2>&1 || {
    cat "$work/round-$round.log" >&2
    exit 1
  }
done
/usr/bin/python3 - "$work" <<'PY'
import glob, statistics, sys, tomllib
import h5py
work = sys.argv[1]
rows = {}  # stage -> [per-round dict]
for store in sorted(glob.glob(f"{work}/round-*/")):
    for path in glob.glob(f"{store}jobs/*.h5"):
        with h5py.File(path, "r") as shard:
            if shard.attrs["status"] != "done":
                continue
            m, t = shard["metrics"], shard["timings"]
            rows.setdefault(tomllib.loads(shard.attrs["spec"])["stage"], []).append(dict(
                round=store, step_ms=m["step_ms"][()], params=int(m["params"][()]),
                split="/".join(f"{t[k][()] * 1e3:.0f}" for k in ("forward", "backward", "optimizer"))))
med = statistics.median
unet = {r["round"]: r["step_ms"] for r in rows.pop("unet_tiny_sd")}
print(f"{'stage':<11} {'params':>9} {'ms/step':>8} {'× UNet':>7} {'fwd/bwd/opt ms':>15} {'min per 1000 steps':>19}")
for stage in sorted(rows, key=lambda s: med(r["step_ms"] for r in rows[s])):
    rs = rows[stage]
    ms = med(r["step_ms"] for r in rs)
    ratio = med(r["step_ms"] / unet[r["round"]] for r in rs)
    print(f"{stage:<11} {rs[0]['params']:>9} {ms:>8.1f} {ratio:>7.2f} {rs[len(rs) // 2]['split']:>15} {ms / 60:>19.1f}")
print(f"tiny UNet (tiny-sd pretraining, batch 32): {med(unet.values()):.1f} ms/step; {len(unet)} round(s)")
PY
