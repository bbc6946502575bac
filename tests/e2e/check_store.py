"""check_store.py — opens a tunegrid store with h5py, as a user would, and checks that the
index lists every job with the shard attributes, params, metrics and timings docs/design.md
promises. Usage: check_store.py DIR EXPECTED_JOBS"""
import sys

import h5py

store, expected = sys.argv[1], int(sys.argv[2])
problems = []
with h5py.File(f"{store}/results.h5", "r") as index:
    jobs = index["jobs"]
    if len(jobs) != expected:
        problems.append(f"index lists {len(jobs)} jobs, expected {expected}")
    for job_id, shard in jobs.items():
        attrs = shard.attrs
        for name in ("job_id", "kind", "status", "attempt", "started_at", "finished_at", "host", "ranks", "spec",
                     "format_version"):
            if name not in attrs:
                problems.append(f"{job_id}: no attribute {name}")
        if attrs.get("job_id") != job_id:
            problems.append(f"{job_id}: job_id attribute is {attrs.get('job_id')!r}")
        if attrs.get("status") != "done":
            problems.append(f"{job_id}: status {attrs.get('status')!r}")
        if "params" not in shard or "timings" not in shard or "metrics" not in shard:
            problems.append(f"{job_id}: missing params, metrics or timings")
            continue
        if float(shard["timings/total"][()]) < 0:
            problems.append(f"{job_id}: negative total time")
        if attrs["kind"] == "bench.matmul":
            gflops = {k: float(v[()]) for k, v in shard["metrics"].items() if k.startswith("gflops_")}
            if not gflops or min(gflops.values()) <= 0:
                problems.append(f"{job_id}: no positive gflops metrics: {gflops}")
            if "dtype" not in shard["params"].attrs:
                problems.append(f"{job_id}: params lack the dtype coordinate")
for problem in problems:
    print("FAIL:", problem)
print(f"h5py {h5py.__version__}: {expected} jobs checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
