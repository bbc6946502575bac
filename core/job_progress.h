// job_progress.h — what a running job tells the run's progress line: the step of a long loop
// (pretraining a builtin model, fine-tuning), and the time it spends on one-off work (building
// a builtin model on first use, or waiting while another rank builds it) — the run's ETA
// leaves that out when it estimates what a job of each kind costs, since the next job of the
// kind will not pay it again. Jobs run one at a time per process, on the worker's thread.
#pragma once
#include <functional>
#include <string>

namespace tunegrid {

// A long loop reports where it is: "tiny UNet", step 400 of 1400. Cheap when nobody listens.
void report_job_step(const std::string& phase, long step, long total);

// The worker's listener for the job it runs (empty function: none). It is called for every
// reported step; rate-limiting is the listener's business.
void set_job_step_listener(std::function<void(const std::string& phase, long step, long total)> listener);

// Time spent inside counts as one-off work.
class OneOffWork {
 public:
  OneOffWork();
  ~OneOffWork();
  OneOffWork(const OneOffWork&) = delete;
  OneOffWork& operator=(const OneOffWork&) = delete;

 private:
  double start_;
};

// Seconds of one-off work this process has done so far (the worker takes the difference
// over a job).
double one_off_seconds();

}  // namespace tunegrid
