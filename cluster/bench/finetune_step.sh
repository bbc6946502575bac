#!/usr/bin/env bash
# finetune_step.sh — per fine-tuning method and pipeline, the training-step time (train
# seconds / steps; with prior preservation the class half doubles the batch), the peak
# resident memory of the worker during the job and the trainable-parameter count
# (experiments/bench/finetune-step.toml: 5 methods × {fixture, builtin} pipelines, batch 4,
# 20 steps), printed as a table with each method's step time relative to LoRA's on the same
# pipeline (a baseline from the same run: the machine is shared and noisy).
# Usage: bash cluster/bench/finetune_step.sh   (TUNEGRID: the binary, default build/tunegrid;
# KEEP=1 keeps the store and prints its path)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
reader=/usr/bin/python3  # Debian's: tomllib (3.11) and python3-h5py (cluster/setup.sh installs it)
work=$(mktemp -d /tmp/tunegrid-finetune-step-XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "[finetune_step] store: $work/run" >&2; else trap 'rm -rf "$work"' EXIT; fi
"$binary" run experiments/bench/finetune-step.toml --out "$work/run" >"$work/run.log" 2>&1 || {
  cat "$work/run.log" >&2
  echo "[finetune_step] the run failed" >&2
  exit 1
}
"$reader" - "$work/run" <<'PY'
import glob, sys, tomllib
import h5py
rows = {}
for path in glob.glob(f"{sys.argv[1]}/jobs/*.h5"):
    with h5py.File(path, "r") as shard:
        kind = shard.attrs["kind"]
        if not kind.startswith("finetune.") or shard.attrs["status"] != "done":
            continue
        model = tomllib.loads(shard.attrs["spec"])["params"]["model"]
        m = shard["metrics"]
        rows[(model, kind[len("finetune."):])] = (m["step_seconds"][()] * 1000, m["peak_rss_mb"][()],
                                                  int(m["trainable_parameters"][()]))
print("| pipeline | method | ms / step | × LoRA | peak RSS MB | trainable parameters |")
print("|---|---|---|---|---|---|")
for model in sorted({k[0] for k in rows}, key=lambda m: m.startswith("builtin")):
    base = rows.get((model, "lora"), (float("nan"),))[0]
    for method in ["textual_inversion", "dreambooth", "lora", "hypernetwork", "custom_diffusion"]:
        if (model, method) not in rows:
            continue
        ms, rss, params = rows[(model, method)]
        print(f"| {model} | {method} | {ms:.0f} | {ms / base:.2f} | {rss:.0f} | {params:,} |")
PY
