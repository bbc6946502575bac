// progress.h — the run's progress as rank 0 sees it: done/total, running, failed, elapsed,
// the ETA the scheduler estimates (orchestrator/run_eta.h; "≥" when it covers part of what is
// left) and what a long-running job is doing ("building builtin:tiny-sd (its UNet) step
// 400/1400, 4:12 left"). On a terminal it is a live line redrawn at most 10 times a second;
// otherwise a plain log line at most every `plain_interval` seconds (TUNEGRID_PROGRESS_INTERVAL
// overrides it), and always a last one at the end.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace tunegrid {

// What the scheduler adds to the counts.
struct ProgressDetail {
  double eta_seconds = -1;   // < 0: unknown
  bool eta_lower_bound = false;
  std::string activity;      // a running job's long loop, or ""
};

class Progress {
 public:
  Progress(std::size_t total, std::size_t already_done, double plain_interval = 10.0);

  void update(std::size_t done, std::size_t running, std::size_t failed, const ProgressDetail& detail = {});
  void finish();

  // "12/24 done · 3 running · 0 failed · elapsed 0:12 · eta 0:10 · training step 50/150, 0:20 left"
  std::string describe() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::size_t total_, done_ = 0, running_ = 0, failed_ = 0;
  ProgressDetail detail_;
  double plain_interval_;
  Clock::time_point start_, last_draw_;
  bool terminal_;
};

std::string format_duration(double seconds);  // "0:12", "1:02:03"

}  // namespace tunegrid
