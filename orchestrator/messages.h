// messages.h — what the scheduler and the group leaders say to each other.
//   leader -> scheduler (kTagRequest): "give me work", carrying the report of the job the
//             group just finished (done, failed or preempted), if any, and whether the
//             leader was asked to stop.
//   scheduler -> leader (kTagReply):   a job order (plan index, attempt), or stop.
//   leader -> scheduler (kTagProgress): where the running job's long loop is (at most once a
//             second; core/job_progress.h), for the progress line.
// Every rank builds the same plan from the same experiment, so a job travels as its index.
#pragma once
#include <cstdint>
#include <string>

namespace tunegrid {

struct JobReport {
  std::int64_t job = -1;           // -1: first request, nothing to report
  std::int32_t attempt = 0;
  bool ok = false;
  bool shard_written = false;      // the leader committed the job's shard (done or failed)
  bool preempted = false;          // the job stopped for a stop request: not an attempt, no shard
  bool stopping = false;           // the leader's process got a stop signal: stop the run
  double seconds = 0;              // the job's wall time
  double one_off_seconds = 0;      // of which building builtin models (core/job_progress.h)
  std::int64_t notes_sent = 0;     // progress notes this leader sent so far (the scheduler receives them all)
  double dispatch_seconds = 0;     // request-to-order latency, less the time the order was held
  std::string error;
};

struct JobOrder {
  bool stop = false;
  std::int64_t job = -1;
  std::int32_t attempt = 0;
  bool last_attempt = true;
  double held_seconds = 0;         // time the scheduler held the request waiting for a ready job
};

struct JobProgressNote {
  std::int64_t job = -1;
  std::int64_t step = 0, total = 0;
  double phase_seconds = 0;        // since the phase's first reported step
  std::string phase;               // "training", "building builtin:tiny-sd (its UNet)"
};

std::string encode(const JobProgressNote& note);
JobProgressNote decode_progress(const std::string& bytes);
std::string encode(const JobReport& report);
JobReport decode_report(const std::string& bytes);
std::string encode(const JobOrder& order);
JobOrder decode_order(const std::string& bytes);

}  // namespace tunegrid
