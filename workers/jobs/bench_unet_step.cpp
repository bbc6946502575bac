// bench_unet_step.cpp — `bench.unet_step`: times training steps of tunegrid's
// UNet2DConditionModel at a named config (unet_step_timing.h: tiny, small, sd15) and batch on
// the job's device. Records metrics `step_ms` (median over `steps` timed steps after
// `warmup`), `step_ms_min`, `params`, `threads`, and timings `forward`, `backward`,
// `optimizer`, `step` (median seconds per step); the loss of every step goes to /loss.
// Run: build/tunegrid run experiments/bench/unet-step.toml (driver: cluster/bench/unet_step.sh).
#include <ATen/Parallel.h>

#include <algorithm>

#include "core/median.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/bench_unet_step_spec.h"
#include "workers/jobs/thread_count_guard.h"
#include "workers/jobs/unet_step_timing.h"

namespace tunegrid {

namespace {

void run_unet_step(JobContext& context) {
  const auto& job = context.job;
  const UNetStepParams declared;
  const ThreadCountGuard thread_guard(declared.threads.of(job));
  UNetStepRequest request;
  request.config = bench_unet_config(declared.config.of(job), declared.config.where(job));
  request.batch = declared.batch.of(job);
  request.latent_size = declared.latent_size.of(job);
  request.steps = declared.steps.of(job);
  request.warmup = declared.warmup.of(job);
  request.seed = static_cast<std::uint64_t>(declared.seed.of(job));
  const UNetStepTimes times = time_unet_steps(request, at::Device(context.device));

  context.outputs.loss = times.loss;
  context.outputs.metrics["step_ms"] = median(times.step) * 1e3;
  context.outputs.metrics["step_ms_min"] = *std::min_element(times.step.begin(), times.step.end()) * 1e3;
  context.outputs.metrics["params"] = static_cast<double>(times.params);
  context.outputs.metrics["latent_size"] = static_cast<double>(times.latent_size);
  context.outputs.metrics["threads"] = at::get_num_threads();
  context.outputs.timings["forward"] = median(times.forward);
  context.outputs.timings["backward"] = median(times.backward);
  context.outputs.timings["optimizer"] = median(times.optimizer);
  context.outputs.timings["step"] = median(times.step);
}

}  // namespace

JobKind bench_unet_step_kind() {
  JobKind kind;
  kind.spec = bench_unet_step_spec();
  kind.run = run_unet_step;
  return kind;
}

}  // namespace tunegrid
