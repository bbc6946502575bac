// bench_noop.cpp — `bench.noop`: does nothing, so a run of them measures the scheduler's
// own cost (dispatch, shard writing). Two parameters make it a test double for the
// scheduler's fault handling: `sleep_ms` holds the job for a while (kill tests),
// `fail_attempts` makes its first N attempts throw (retry tests). No torch: a run of them never
// loads libtorch.
#include <fmt/format.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "core/job_params.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"

namespace tunegrid {

namespace {

struct NoopParams : ParamList {
  Param<double> sleep_ms{*this, "sleep_ms", 0.0, "milliseconds to sleep before finishing (at most a day)", 0.0, {},
                         86400000.0};
  Param<int> fail_attempts{*this, "fail_attempts", 0, "the first N attempts throw (tests retries)", 0.0};
};

}  // namespace

KindSpec bench_noop_spec() {
  KindSpec spec;
  spec.name = "bench.noop";
  spec.doc = "Does nothing; measures scheduler overhead.";
  spec.outputs = "nothing (`sleep_ms` and `fail_attempts` make it a test double)";
  spec.params = NoopParams().specs();
  return spec;
}

namespace {

void run_bench_noop(JobContext& context) {
  const NoopParams params;
  const double sleep_ms = params.sleep_ms.of(context.job);
  const int fail_attempts = params.fail_attempts.of(context.job);
  if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(sleep_ms));
  if (context.attempt <= fail_attempts)
    throw std::runtime_error(
        fmt::format("bench.noop: attempt {} fails on purpose (fail_attempts = {})", context.attempt, fail_attempts));
}

}  // namespace

JobKind bench_noop_kind() { return {bench_noop_spec(), run_bench_noop}; }

}  // namespace tunegrid
